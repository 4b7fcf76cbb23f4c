//! The `block` subcommands: edit, list, check and export the blocklist from a shell.
//! Must never write a consumer file or the store other than atomically.
#![cfg_attr(not(test), deny(clippy::unwrap_used))]
// Log text reaches this module; a `str` sliced at a byte offset can panic inside a character.
#![deny(clippy::string_slice)]

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use clap::{Args, Subcommand, ValueEnum};

use crate::blocklist::policy::{self, Level, Policy};
use crate::blocklist::{self, Blocklist, Entry, FactsViews, Format, OwnedFacts};
use crate::text::plural;

#[derive(Debug, Clone, Args)]
pub struct BlockArgs {
    /// Blocklist file [default: $MAILTRIAGE_BLOCKLIST, else /etc/mailtriage/blocklist when it
    /// exists or when run as root, else ~/.config/mailtriage/blocklist; `block path` says which]
    #[arg(long, global = true, value_name = "PATH")]
    pub blocklist: Option<PathBuf>,

    /// Start an empty blocklist when the file does not exist (`add` always does; without
    /// this, `list`, `check`, `export` and `rm` on a missing file are an error)
    #[arg(long, global = true)]
    pub create: bool,

    /// No warnings on standard error (risky entries, lines kept as is, entries a format
    /// leaves out); errors are still printed
    #[arg(long, short, global = true)]
    pub quiet: bool,

    #[command(flatten)]
    pub safety: SafetyArgs,

    #[command(subcommand)]
    pub command: BlockCommand,
}

/// The block safety rules that can be tuned (README, Security: block safety).
#[derive(Debug, Clone, Args)]
pub struct SafetyArgs {
    /// Widest IPv4 network accepted without --force (0 allows any; /0 itself is never accepted)
    #[arg(long, value_name = "BITS", default_value_t = policy::DEFAULT_MIN_V4_PREFIX,
          value_parser = clap::value_parser!(u8).range(0..=32))]
    pub min_v4_prefix: u8,
    /// Widest IPv6 network accepted without --force (0 allows any; /0 itself is never accepted)
    #[arg(long, value_name = "BITS", default_value_t = policy::DEFAULT_MIN_V6_PREFIX,
          value_parser = clap::value_parser!(u8).range(0..=128))]
    pub min_v6_prefix: u8,
    /// An address of this mail server, besides those of this host's interfaces and the logs'
    /// I= fields; entries covering it need --force (repeatable)
    #[arg(long = "server-addr", value_name = "ADDR")]
    pub server_addrs: Vec<std::net::IpAddr>,
    /// Do not count this host's interface addresses as the server's (when the logs were copied
    /// from another machine)
    #[arg(long)]
    pub no_host_addrs: bool,
}

impl SafetyArgs {
    /// These, with what the top level gave (`mailtriage --no-host-addrs block add …`): a
    /// minimum left at its default takes the top level's, addresses add up.
    pub fn or(&self, top: &SafetyArgs) -> SafetyArgs {
        let pick = |own: u8, top: u8, default: u8| if own == default { top } else { own };
        let mut server_addrs = self.server_addrs.clone();
        server_addrs.extend_from_slice(&top.server_addrs);
        SafetyArgs {
            min_v4_prefix: pick(
                self.min_v4_prefix,
                top.min_v4_prefix,
                policy::DEFAULT_MIN_V4_PREFIX,
            ),
            min_v6_prefix: pick(
                self.min_v6_prefix,
                top.min_v6_prefix,
                policy::DEFAULT_MIN_V6_PREFIX,
            ),
            server_addrs,
            no_host_addrs: self.no_host_addrs || top.no_host_addrs,
        }
    }

    /// The policy with these settings, the given addresses and this host's own addresses.
    pub fn policy(&self, more_addrs: &[std::net::IpAddr]) -> Policy {
        let mut server_addrs = self.server_addrs.clone();
        server_addrs.extend_from_slice(more_addrs);
        if !self.no_host_addrs {
            server_addrs.extend(crate::blocklist::host_addresses());
        }
        server_addrs.sort_unstable();
        server_addrs.dedup();
        Policy {
            min_v4_prefix: self.min_v4_prefix,
            min_v6_prefix: self.min_v6_prefix,
            server_addrs,
        }
    }
}

#[derive(Debug, Clone, Subcommand)]
pub enum BlockCommand {
    /// Add an entry: an IP address, a CIDR network, domain:NAME or dkim:NAME
    Add {
        /// 192.0.2.7, 192.0.2.0/24, 2001:db8::/48, domain:example.com or dkim:example.com
        entry: String,
        /// Why; written after the date in the entry's comment
        #[arg(long)]
        comment: Option<String>,
        /// Add it despite a warning (wider than the minimum prefix, a private range, this
        /// server's address); never overrides a refusal (/0, loopback, public suffix...)
        #[arg(long)]
        force: bool,
    },
    /// Remove an entry (given in any spelling that normalises to it)
    Rm {
        /// The entry, as `list` shows it or in any spelling that normalises to it
        entry: String,
    },
    /// List entries with their line numbers; report lines that are not entries
    List,
    /// For each entry, the senders and number of arrived messages it matches in these logs
    Check {
        /// Exim main logs, oldest first
        #[arg(value_name = "FILE")]
        files: Vec<PathBuf>,
        #[command(flatten)]
        read: super::ReadArgs,
    },
    /// Write the blocklist in a consumer's format. With -o, exits 0 when a file was written
    /// and 3 when every file already held the export (nothing written)
    Export {
        /// The consumer's format
        #[arg(long, value_enum)]
        format: FormatArg,
        /// Output file (plain, nft, json) or directory (exim, postfix); written atomically,
        /// and only when its contents change. Standard output when absent.
        #[arg(short = 'o', long = "output", value_name = "FILE|DIR")]
        output: Option<PathBuf>,
        /// Replace an output that holds entries with one that holds none (refused otherwise,
        /// so a wrong or emptied blocklist cannot lift every block)
        #[arg(long)]
        allow_empty: bool,
    },
    /// Print the blocklist file used and why (--blocklist, $MAILTRIAGE_BLOCKLIST, the system
    /// file, the per-user file)
    Path,
}

/// `export -o` status when every output file already held exactly the export: nothing was
/// written, so `... && reload` skips the reload. 1 is `rm`'s "not there", 2 an error.
pub const EXIT_UNCHANGED: i32 = 3;

/// The export formats as the command line names them; kept here so the blocklist core does not
/// depend on clap.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    /// One address or CIDR per line (pf table, spamd-setup, Exim host list file)
    Plain,
    /// Exim list files: hosts, sender_domains, dkim_domains (-o takes a directory)
    Exim,
    /// Postfix tables: client_access.cidr, sender_access (-o takes a directory)
    Postfix,
    /// nftables file with interval sets blocked_v4/blocked_v6 in table inet mailtriage
    Nft,
    /// Every entry with its comment and metadata
    Json,
}

impl From<FormatArg> for Format {
    fn from(f: FormatArg) -> Format {
        match f {
            FormatArg::Plain => Format::Plain,
            FormatArg::Exim => Format::Exim,
            FormatArg::Postfix => Format::Postfix,
            FormatArg::Nft => Format::Nft,
            FormatArg::Json => Format::Json,
        }
    }
}

/// Runs a `block` subcommand; returns the process exit code.
pub fn run(args: &BlockArgs) -> anyhow::Result<i32> {
    let stdout = std::io::stdout();
    let stderr = std::io::stderr();
    // `check` reads the logs as every command that reads logs does (--no-mmap, …).
    let opts = match &args.command {
        BlockCommand::Check { read, .. } => read.options(),
        _ => crate::model::LoadOptions::default(),
    };
    let quiet = args.quiet;
    run_with(
        args,
        &mut stdout.lock(),
        &mut stderr.lock(),
        |files: &[PathBuf]| read_facts(files, &opts, quiet),
    )
}

/// `run` with its outputs and its log reader injected, so tests can drive every subcommand.
pub fn run_with(
    args: &BlockArgs,
    out: &mut dyn Write,
    err: &mut dyn Write,
    read_logs: impl Fn(&[PathBuf]) -> anyhow::Result<LogFacts>,
) -> anyhow::Result<i32> {
    let location = blocklist::locate(args.blocklist.as_deref())?;
    let path = location.path.as_path();
    // Warnings go to `warn`, which `-q` silences; errors are returned, never written here.
    let mut sink = std::io::sink();
    let warn: &mut dyn Write = if args.quiet { &mut sink } else { err };
    match &args.command {
        BlockCommand::Path => {
            writeln!(out, "{location}")?;
            Ok(0)
        }
        BlockCommand::Add {
            entry,
            comment,
            force,
        } => {
            let policy = args.safety.policy(&[]);
            add(path, entry, comment.as_deref(), &policy, *force, out, warn)
        }
        BlockCommand::Rm { entry } => {
            open(path, args.create, warn)?;
            rm(path, entry, out, warn)
        }
        BlockCommand::List => list(&open(path, args.create, warn)?, out),
        BlockCommand::Check { files, .. } => {
            let bl = open(path, args.create, warn)?;
            let logs = read_logs(files)?;
            let policy = args.safety.policy(&logs.server_addrs);
            warn_entries(&bl, &policy, path, warn)?;
            write_check(&bl, &logs.facts, out)?;
            Ok(0)
        }
        BlockCommand::Export {
            format,
            output,
            allow_empty,
        } => {
            let bl = open(path, args.create, warn)?;
            warn_entries(&bl, &args.safety.policy(&[]), path, warn)?;
            export(
                &bl,
                (*format).into(),
                output.as_deref(),
                *allow_empty,
                out,
                warn,
            )
        }
    }
}

fn parse_entry(text: &str) -> anyhow::Result<Entry> {
    Entry::parse(text).with_context(|| format!("cannot use {text:?} as a blocklist entry"))
}

/// Reads a blocklist that must exist (`--create` starts an empty one instead), naming on
/// `warn` the lines that are not entries.
fn open(path: &Path, create: bool, warn: &mut dyn Write) -> anyhow::Result<Blocklist> {
    let bl = match Blocklist::load_existing(path) {
        Err(blocklist::StoreError::Missing { .. }) if create => {
            let mut bl = Blocklist::load(path)?;
            bl.save()?;
            writeln!(warn, "created an empty blocklist {}", path.display())?;
            bl
        }
        loaded => loaded?,
    };
    for p in bl.problems() {
        writeln!(
            warn,
            "{}:{}: kept as is, not an entry ({}): {:?}",
            path.display(),
            p.line_no,
            p.problem,
            p.text
        )?;
    }
    Ok(bl)
}

/// Says on `err` which entries of the file a `--force` was (or would have been) needed for, so
/// a risky entry written by hand or forced long ago is not exported silently.
fn warn_entries(
    bl: &Blocklist,
    policy: &Policy,
    path: &Path,
    err: &mut dyn Write,
) -> anyhow::Result<()> {
    for (line_no, entry, _) in bl.entries() {
        let findings = policy.judge(entry);
        if !findings.is_empty() {
            writeln!(
                err,
                "{}:{line_no}: warning: {}",
                path.display(),
                policy::describe(&findings)
            )?;
        }
    }
    Ok(())
}

fn add(
    path: &Path,
    text: &str,
    reason: Option<&str>,
    policy: &Policy,
    force: bool,
    out: &mut dyn Write,
    warn: &mut dyn Write,
) -> anyhow::Result<i32> {
    let entry = parse_entry(text)?;
    let findings = policy.judge(&entry);
    match findings.first().map(|f| f.level) {
        Some(Level::Forbidden) => bail!("refusing to add {entry}: {}", policy::describe(&findings)),
        Some(Level::Confirm) if !force => bail!(
            "not adding {entry}: {}; pass --force to add it anyway",
            policy::describe(&findings)
        ),
        Some(Level::Confirm) => {
            writeln!(warn, "warning: {}", policy::describe(&findings))?;
        }
        None => {}
    }
    let mut bl = Blocklist::load(path)?;
    let comment = blocklist::tool_comment(chrono::Local::now().date_naive(), reason, None, None);
    let added = bl.add(entry.clone(), Some(&comment));
    bl.save()?;
    if added {
        writeln!(out, "added {entry} to {}", path.display())?;
    } else {
        writeln!(out, "{entry} is already in {}", path.display())?;
    }
    Ok(0)
}

/// `rm` of an entry that is not there exits 1 with a notice on `warn`: scripts test the
/// status, and `-q` silences the notice.
fn rm(path: &Path, text: &str, out: &mut dyn Write, warn: &mut dyn Write) -> anyhow::Result<i32> {
    let entry = parse_entry(text)?;
    let mut bl = Blocklist::load_existing(path)?;
    if !bl.remove(&entry) {
        writeln!(warn, "{entry} is not in {}", path.display())?;
        return Ok(1);
    }
    bl.save()?;
    writeln!(out, "removed {entry} from {}", path.display())?;
    Ok(0)
}

fn list(bl: &Blocklist, out: &mut dyn Write) -> anyhow::Result<i32> {
    for (line_no, entry, comment) in bl.entries() {
        match comment {
            Some(c) => writeln!(out, "{line_no:>5}  {entry}  # {c}")?,
            None => writeln!(out, "{line_no:>5}  {entry}")?,
        }
    }
    Ok(0)
}

/// Writes one line per entry: line number, entry, message and sender counts, then the senders.
pub fn write_check(
    bl: &Blocklist,
    facts: &[OwnedFacts],
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let views = FactsViews::new(facts);
    let rows = blocklist::check(bl.entries().map(|(n, e, _)| (n, e)), views.iter());
    for row in rows {
        let i = &row.impact;
        write!(
            out,
            "{:>5}  {}  {} from {}",
            row.line_no,
            row.entry,
            plural(i.messages as u64, "message", "messages"),
            plural(i.sender_count() as u64, "sender", "senders")
        )?;
        if !i.senders.is_empty() {
            // Sender keys are addresses or `query::key` text: already inert.
            let shown: Vec<&str> = i.senders.iter().map(String::as_str).collect();
            write!(out, ": {}", shown.join(", "))?;
        }
        writeln!(out)?;
    }
    Ok(())
}

fn export(
    bl: &Blocklist,
    format: Format,
    output: Option<&Path>,
    allow_empty: bool,
    out: &mut dyn Write,
    warn: &mut dyn Write,
) -> anyhow::Result<i32> {
    let rows: Vec<_> = bl.entries().collect();
    let export = blocklist::export(&rows, format)?;
    if !export.skipped.is_empty() {
        let names: Vec<String> = export.skipped.iter().map(ToString::to_string).collect();
        writeln!(
            warn,
            "{} cannot be expressed in this format and {} left out: {}",
            plural(names.len() as u64, "entry", "entries"),
            if names.len() == 1 { "was" } else { "were" },
            names.join(", ")
        )?;
    }
    let Some(dest) = output else {
        out.write_all(export.to_stream().as_bytes())?;
        return Ok(0);
    };
    let done = blocklist::publish(&export, format, dest, allow_empty)?;
    Ok(if done.changed() { 0 } else { EXIT_UNCHANGED })
}

// ---------------------------------------------------------------------------------------------
// WIRING POINT for the lead: turn log files into arrival facts using the model.
// Each arrived message becomes one `OwnedFacts`: client IP, envelope sender domain, domains whose
// DKIM signature passed, recipients, and the model's sender key. Everything else in `block check`
// already works on these facts and is tested with hand-made ones.
// ---------------------------------------------------------------------------------------------
/// What `block check` reads from the logs: one fact per arrived message, and the server's own
/// addresses (the `I=` interface fields).
#[derive(Debug, Clone, Default)]
pub struct LogFacts {
    pub facts: Vec<OwnedFacts>,
    pub server_addrs: Vec<std::net::IpAddr>,
}

impl From<Vec<OwnedFacts>> for LogFacts {
    fn from(facts: Vec<OwnedFacts>) -> LogFacts {
        LogFacts {
            facts,
            server_addrs: Vec::new(),
        }
    }
}

pub fn facts_from_logs(files: &[PathBuf]) -> anyhow::Result<LogFacts> {
    read_facts(files, &crate::model::LoadOptions::default(), false)
}

/// `facts_from_logs` with the load options given; warns (unless `quiet`) when the input
/// does not look like an Exim main log, where every entry would match nothing.
fn read_facts(
    files: &[PathBuf],
    opts: &crate::model::LoadOptions,
    quiet: bool,
) -> anyhow::Result<LogFacts> {
    if files.is_empty() {
        bail!("give at least one Exim main log file to check the blocklist against");
    }
    // A message's lines link up only when the rotations are read oldest first.
    let files = super::resolve_files(files, quiet)?;
    let model = crate::model::load(&files, opts, &mut |_| {})?;
    if let Some(msg) = super::sniff::not_exim(&model)
        && !quiet
    {
        eprintln!(
            "mailtriage: warning: {}",
            crate::text::sanitize(msg.as_bytes())
        );
    }
    Ok(LogFacts {
        facts: facts_from_model(&model),
        server_addrs: model.interfaces.clone(),
    })
}

/// One `OwnedFacts` per arrived message: client address, envelope sender domain, domains
/// with a passing DKIM signature, recipients; the sender key is the client address (or the
/// envelope sender for local submissions).
pub fn facts_from_model(model: &crate::model::Model) -> Vec<OwnedFacts> {
    use crate::model::flags::ARRIVED;
    use crate::parse::DkimResult;
    use crate::query::key::key_text;
    use crate::query::senders::{domain_of, lossy};
    let n = model.messages.len();
    let mut dkim: Vec<Vec<String>> = vec![Vec::new(); n];
    for s in &model.signatures {
        if s.result == DkimResult::Pass
            && let Some(v) = dkim.get_mut(s.msg as usize)
        {
            v.push(lossy(model.str(s.domain)));
        }
    }
    let mut rcpts: Vec<Vec<String>> = vec![Vec::new(); n];
    for r in &model.recipients {
        if let Some(v) = rcpts.get_mut(r.msg as usize) {
            v.push(lossy(model.str(r.addr)));
        }
    }
    model
        .messages
        .iter()
        .enumerate()
        .filter(|(_, m)| m.has(ARRIVED))
        .map(|(i, m)| {
            let ip = model.ip(m.ip);
            let sender = model.str(m.sender);
            OwnedFacts {
                ip,
                sender_domain: domain_of(sender).map(|d| lossy(&d)),
                dkim_pass_domains: std::mem::take(&mut dkim[i]),
                recipients: std::mem::take(&mut rcpts[i]),
                // The exact, terminal-safe key text: two senders that differ in an
                // invalid byte stay two (`query::key`).
                sender_key: ip.map_or_else(|| key_text(sender), |ip| ip.to_string()),
            }
        })
        .collect()
}
