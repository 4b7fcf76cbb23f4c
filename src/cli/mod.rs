//! The scriptable face: argument parsing, subcommands, text/JSON/CSV output, and
//! mapping errors to one clear line and an exit code.

pub mod block;
mod docs;
mod follow;
mod output;
mod report;
mod sniff;
mod suggest;

use std::io::{self, IsTerminal, Write};
use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::{Args, Parser, Subcommand};

use crate::model::{self, LoadOptions, Model, Progress, source};
use crate::parse::{DkimStatus, Family, LineKind, MsgId, ParseContext};
use crate::query::{self, AggKey, Filter, GrepOptions, NetPrefix, SortKey};

const LONG_ABOUT: &str = "\
Triage Exim main logs: who is sending, over IPv4 or IPv6, with what DKIM result.

With no subcommand, opens the interactive view of the given logs. With no FILE,
tries /var/log/exim4/mainlog, /var/log/exim/main.log and /var/spool/exim/log/mainlog.
Give rotated files oldest first (mainlog.2.gz mainlog.1 mainlog): a message can
span files. Gzip is read transparently (told by its magic bytes, not the name)
and `-` reads standard input. A load takes at most --max-memory (default: 3/4 of
the available memory).";

const AFTER_HELP: &str = "\
Examples:
  mailtriage /var/log/exim4/mainlog            open the interactive view
  mailtriage summary mainlog.1 mainlog          totals for two rotations
  mailtriage senders --family ipv6 --dkim fail  IPv6 senders whose DKIM failed
  mailtriage senders --by net --sort dkim-fail --limit 20 --json
  mailtriage senders --sort rejections --limit 10
  mailtriage show 1QFOdo-0001zq-E9 mainlog      every line of one message
  mailtriage rejections 45.137.21.5 mainlog     why one client was turned away
  mailtriage grep -i 'peter' mainlog            whole transactions, like exigrep
  mailtriage lines --kind unrecognized -n mainlog   what was not understood
  mailtriage block add 192.0.2.0/24 --comment 'snowshoe'
  mailtriage block check mainlog                what each entry would have blocked
  mailtriage block export --format nft -o /etc/nftables.d/mailtriage.nft
  mailtriage completions bash > ~/.local/share/bash-completion/completions/mailtriage
  mailtriage man | man -l -                     this manual as a man page

Subcommands come before their files (`mailtriage summary FILE`, not `mailtriage FILE
summary`). Exit status: 0 results, 1 nothing found (grep, lines, show, rejections,
senders), 2 an error (also: no line of the input looks like an Exim main log, for summary
and senders); block: 0 written, 1 rm of a missing entry, 2 error, 3 export unchanged.";

#[derive(Parser, Debug)]
#[command(
    name = "mailtriage",
    version,
    about = "Triage Exim main logs from a terminal",
    long_about = LONG_ABOUT,
    after_help = AFTER_HELP,
    override_usage = "mailtriage [OPTIONS] [FILE]...\n       mailtriage <COMMAND> [OPTIONS] [ARGS]..."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Log files to open in the interactive view, oldest first; `-` is standard input
    #[arg(value_name = "FILE")]
    pub files: Vec<PathBuf>,
    #[command(flatten)]
    pub load: LoadArgs,
    #[command(flatten)]
    pub prefix: PrefixArgs,
    /// Blocklist file the interactive view marks senders from and adds entries to (the same
    /// option as `block --blocklist`) [default: as for `block`; `mailtriage block path` says
    /// which file]
    #[arg(long, value_name = "PATH")]
    pub blocklist: Option<PathBuf>,
    /// The block safety rules the interactive view's `b` follows, as `block` does.
    #[command(flatten)]
    pub safety: block::SafetyArgs,
    /// Read the last file once instead of following it as it grows (the interactive view
    /// follows a plain file by default, through rotation and truncation; `.gz` files and
    /// standard input are always read once)
    #[arg(long)]
    pub no_follow: bool,
}

/// The log files of a subcommand, each with its help (one definition, so every command
/// documents them alike).
#[derive(Args, Debug, Clone)]
pub struct FileArgs {
    /// Exim main logs, oldest first (rotations, gzip, `-` for standard input)
    /// [default: the first of /var/log/exim4/mainlog, /var/log/exim/main.log,
    /// /var/spool/exim/log/mainlog]
    #[arg(value_name = "FILE")]
    pub files: Vec<PathBuf>,
}

/// How logs are read: every command that reads logs takes these, after its name
/// (`mailtriage summary -q`) or before it (`mailtriage -q summary`).
#[derive(Args, Debug, Clone, Default)]
pub struct LoadArgs {
    #[command(flatten)]
    pub read: ReadArgs,
    /// No progress on standard error.
    #[arg(long, short)]
    pub quiet: bool,
}

/// The load options without `-q`, for `block check`, whose `-q` is block's own.
#[derive(Args, Debug, Clone, Default)]
pub struct ReadArgs {
    /// Read files into memory instead of mapping them (a copy: a file truncated or
    /// rewritten by logrotate's copytruncate while mailtriage runs stays readable).
    #[arg(long)]
    pub no_mmap: bool,
    /// Most memory a load may take (e.g. 4G, 500M): decompressed and read bytes
    /// plus the index [default: 3/4 of the available memory]
    #[arg(long, value_name = "SIZE", value_parser = model::budget::parse_size)]
    pub max_memory: Option<u64>,
    /// Year for syslog-prefixed lines, which carry none (default: this year).
    #[arg(long, value_name = "YEAR")]
    pub syslog_year: Option<i32>,
    /// Parser threads (default: one per core); the index is built by whichever of them holds the next piece of the log.
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
}

impl ReadArgs {
    pub fn options(&self) -> LoadOptions {
        let mut o = LoadOptions {
            mmap: !self.no_mmap,
            max_memory: self.max_memory,
            ..LoadOptions::default()
        };
        if let Some(y) = self.syslog_year {
            o.ctx = ParseContext { syslog_year: y };
        }
        if let Some(t) = self.threads {
            o.threads = t.max(1);
        }
        o
    }

    /// These, with what the top level gave for what these leave unset.
    pub fn or(&self, top: &ReadArgs) -> ReadArgs {
        ReadArgs {
            no_mmap: self.no_mmap || top.no_mmap,
            max_memory: self.max_memory.or(top.max_memory),
            syslog_year: self.syslog_year.or(top.syslog_year),
            threads: self.threads.or(top.threads),
        }
    }
}

impl LoadArgs {
    pub fn options(&self) -> LoadOptions {
        self.read.options()
    }

    /// These, with what the top level gave (`mailtriage -q summary`) for what these
    /// leave unset.
    fn or(&self, top: &LoadArgs) -> LoadArgs {
        LoadArgs {
            read: self.read.or(&top.read),
            quiet: self.quiet || top.quiet,
        }
    }
}

/// Where networks are cut: only for the commands that group by network or compute a block.
#[derive(Args, Debug, Clone, Default)]
pub struct PrefixArgs {
    /// Prefix length of IPv4 networks for `--by net` [default: 24]
    #[arg(long, value_name = "BITS", value_parser = clap::value_parser!(u8).range(0..=32))]
    pub v4_prefix: Option<u8>,
    /// Prefix length of IPv6 networks for `--by net` [default: 64]
    #[arg(long, value_name = "BITS", value_parser = clap::value_parser!(u8).range(0..=128))]
    pub v6_prefix: Option<u8>,
}

impl PrefixArgs {
    pub fn prefix(&self) -> NetPrefix {
        NetPrefix {
            v4: self.v4_prefix.unwrap_or(24),
            v6: self.v6_prefix.unwrap_or(64),
        }
    }

    /// These, with what the top level gave for what these leave unset.
    fn or(&self, top: &PrefixArgs) -> PrefixArgs {
        PrefixArgs {
            v4_prefix: self.v4_prefix.or(top.v4_prefix),
            v6_prefix: self.v6_prefix.or(top.v6_prefix),
        }
    }
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Totals: lines, messages (arrivals, rejected after DATA, without arrival), arrivals by IP family and by DKIM status.
    Summary {
        #[command(flatten)]
        files: FileArgs,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        load: LoadArgs,
    },
    /// One row per sender aggregate (address, network, host, sender, domain).
    Senders(SendersArgs),
    /// Every line of one message, in log order, then its DKIM signatures.
    Show {
        /// Message id (16 or 23 characters).
        msgid: String,
        #[command(flatten)]
        files: FileArgs,
        /// Only the message's lines, as logged (no list of signatures after them).
        #[arg(long)]
        lines_only: bool,
        #[command(flatten)]
        load: LoadArgs,
    },
    /// One sender's rejections, failed logins and protocol errors, each with time,
    /// stage, recipient or sender, reason category and Exim's reason; then the
    /// reasons counted.
    Rejections(RejectionsArgs),
    /// Whole transactions with any line matching PATTERN (exigrep semantics).
    Grep(GrepArgs),
    /// Blocklist decisions: add, remove, list, check against logs, export.
    Block(block::BlockArgs),
    /// Shell completions for bash, zsh, fish, elvish or PowerShell, on standard output:
    /// `mailtriage completions bash > /etc/bash_completion.d/mailtriage`.
    Completions {
        /// The shell to complete for.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// The manual page (roff) on standard output: `mailtriage man | man -l -`; with
    /// `-o DIR`, one page per subcommand too, written into DIR.
    Man {
        /// Write mailtriage.1 and mailtriage-SUBCOMMAND.1 into DIR.
        #[arg(short = 'o', long = "output", value_name = "DIR")]
        dir: Option<PathBuf>,
    },
    /// Lines of one kind, e.g. `--kind unrecognized` to see what was not understood.
    Lines {
        #[command(flatten)]
        files: FileArgs,
        /// Line kind (repeatable): arrival, delivery, dkim, rejection, session,
        /// auth-failure, unrecognized, … (see README).
        #[arg(long, required = true, value_name = "KIND", value_parser = kind_parser())]
        kind: Vec<LineKind>,
        /// Prefix each line with FILE:LINE.
        #[arg(long, short = 'n')]
        line_numbers: bool,
        #[command(flatten)]
        load: LoadArgs,
    },
}

/// The filter of `senders` and `rejections`, from their flags: one reading of each, so
/// the two commands agree on what a family, a time range or a regex keeps.
fn filter_of(
    m: &crate::model::Model,
    family: Option<FamilyArg>,
    dkim: Option<DkimArg>,
    time: Option<&str>,
    regex: Option<&str>,
) -> anyhow::Result<Filter> {
    let mut f = Filter {
        family: family.map(Into::into),
        dkim: dkim.map(Into::into),
        ..Filter::default()
    };
    if let Some(t) = time {
        let range = query::time_range::parse_time_range(t, m.last_time.unwrap_or(0))
            .map_err(anyhow::Error::msg)?;
        f.time = Some(range);
    }
    if let Some(p) = regex {
        let re =
            query::grep::compile(p, &GrepOptions::default()).map_err(|e| bad_pattern(p, &e))?;
        f.matches = Some(std::sync::Arc::new(query::grep(m, &re)));
    }
    Ok(f)
}

/// A pattern that does not compile, as one line: the pattern and the regex crate's
/// reason without its diagram.
fn bad_pattern(p: &str, e: &regex::Error) -> anyhow::Error {
    anyhow::anyhow!(
        "bad pattern `{p}`: {} (Rust regex syntax; -l takes it as literal text)",
        report::regex_error(e)
    )
}

/// A line kind as the command line spells it: hyphens like every other value
/// (`delivery-more`, as `--by dkim-domain`).
pub fn kind_flag(k: LineKind) -> String {
    k.name().replace('_', "-")
}

/// `--kind` values: the hyphenated names, and the underscore names the model uses (and
/// older versions took) as hidden aliases so old scripts keep working.
fn kind_parser() -> impl clap::builder::TypedValueParser<Value = LineKind> {
    use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};
    let values = LineKind::ALL.iter().map(|k| {
        let v = PossibleValue::new(kind_flag(*k));
        if k.name().contains('_') {
            v.alias(k.name())
        } else {
            v
        }
    });
    PossibleValuesParser::new(values).map(|s: String| {
        LineKind::ALL
            .iter()
            .copied()
            .find(|k| kind_flag(*k) == s)
            .unwrap_or(LineKind::Unrecognized)
    })
}

#[derive(Args, Debug)]
pub struct SendersArgs {
    #[command(flatten)]
    pub files: FileArgs,
    /// What makes a sender.
    #[arg(long, value_enum, default_value_t = AggKey::Ip)]
    pub by: AggKey,
    /// Only messages (and rejections) from clients of this family.
    #[arg(long, value_enum)]
    pub family: Option<FamilyArg>,
    /// Only messages with this DKIM status (rejections are then left out).
    #[arg(long, value_enum)]
    pub dkim: Option<DkimArg>,
    /// Only what happened in this time range, as the TUI's `t` reads it:
    /// `2011-01-01..2011-03-01`, `2011-02-22`, `last 24h` (relative forms count
    /// back from the log's last timestamp), `today`, `yesterday`.
    #[arg(long, value_name = "RANGE")]
    pub time: Option<String>,
    /// Only messages with a line matching this regex, and rejections whose line
    /// matches (the TUI's `r`, exigrep semantics).
    #[arg(long, value_name = "PATTERN")]
    pub regex: Option<String>,
    /// Order of the rows, largest first (`last`: most recent first).
    #[arg(long, value_enum, default_value_t = SortKey::Messages)]
    pub sort: SortKey,
    /// At most N rows.
    #[arg(long, value_name = "N")]
    pub limit: Option<usize>,
    /// Print JSON (an array of rows).
    #[arg(long, conflicts_with = "csv")]
    pub json: bool,
    /// Print CSV with a header row.
    #[arg(long)]
    pub csv: bool,
    /// Keep reading the last FILE as it grows (through rotation and truncation) and
    /// print the table again when lines came in; stop with Ctrl-C or SIGTERM (exit 0).
    #[arg(long)]
    pub follow: bool,
    /// With --follow: print the table at most every SECONDS, when something changed
    /// [default: 5]
    #[arg(long, value_name = "SECONDS", requires = "follow", value_parser = clap::value_parser!(u64).range(1..))]
    pub every: Option<u64>,
    #[command(flatten)]
    pub prefix: PrefixArgs,
    #[command(flatten)]
    pub load: LoadArgs,
}

#[derive(Args, Debug)]
pub struct RejectionsArgs {
    /// The sender, as `senders` prints its key (an address, a network, a host…).
    pub key: String,
    #[command(flatten)]
    pub files: FileArgs,
    /// What makes a sender (as for `senders`).
    #[arg(long, value_enum, default_value_t = AggKey::Ip)]
    pub by: AggKey,
    /// Only rejections from clients of this family (as for `senders`).
    #[arg(long, value_enum)]
    pub family: Option<FamilyArg>,
    /// Only what happened in this time range (as for `senders`).
    #[arg(long, value_name = "RANGE")]
    pub time: Option<String>,
    /// Only rejections whose line matches this regex, and those of messages with a
    /// matching line (as for `senders`: the list is what its counts count).
    #[arg(long, value_name = "PATTERN")]
    pub regex: Option<String>,
    /// Print JSON: `{key, rejections: [...], reasons: [...]}`.
    #[arg(long, conflicts_with = "csv")]
    pub json: bool,
    /// Print CSV with a header row, one rejection a row.
    #[arg(long)]
    pub csv: bool,
    #[command(flatten)]
    pub prefix: PrefixArgs,
    #[command(flatten)]
    pub load: LoadArgs,
}

#[derive(Args, Debug)]
pub struct GrepArgs {
    /// Regular expression (Rust regex syntax), or text with -l.
    pub pattern: String,
    #[command(flatten)]
    pub files: FileArgs,
    /// Match PATTERN as literal text.
    #[arg(short = 'l', long)]
    pub literal: bool,
    /// Ignore case (exigrep ignores case by default; grep and we do not).
    #[arg(short = 'i', long)]
    pub ignore_case: bool,
    /// Print JSON: one object per transaction or standalone line.
    #[arg(long)]
    pub json: bool,
    /// Keep reading the last FILE as it grows (through rotation and truncation):
    /// each matching transaction is printed once complete (its `Completed` line, or
    /// rejected after DATA); unfinished ones when stopped by Ctrl-C or SIGTERM (exit 0).
    #[arg(long)]
    pub follow: bool,
    #[command(flatten)]
    pub load: LoadArgs,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum FamilyArg {
    /// IPv4 clients (also `v4`, as the interactive view shows it)
    #[value(alias = "v4")]
    Ipv4,
    /// IPv6 clients (also `v6`)
    #[value(alias = "v6")]
    Ipv6,
}

impl From<FamilyArg> for Family {
    fn from(f: FamilyArg) -> Family {
        match f {
            FamilyArg::Ipv4 => Family::Ipv4,
            FamilyArg::Ipv6 => Family::Ipv6,
        }
    }
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum DkimArg {
    Pass,
    Fail,
    Invalid,
    None,
}

impl From<DkimArg> for DkimStatus {
    fn from(d: DkimArg) -> DkimStatus {
        match d {
            DkimArg::Pass => DkimStatus::Pass,
            DkimArg::Fail => DkimStatus::Fail,
            DkimArg::Invalid => DkimStatus::Invalid,
            DkimArg::None => DkimStatus::None,
        }
    }
}

/// Resolves the files to read: the given ones, rotations oldest first (see
/// `model::rotation`), saying on standard error when they were reordered or a
/// rotation is missing; or the first default log found.
pub fn resolve_files(files: &[PathBuf], quiet: bool) -> Result<Vec<PathBuf>> {
    let (files, notes) = resolve_noted(files, quiet)?;
    if !quiet {
        for n in notes {
            eprintln!("mailtriage: {n}");
        }
    }
    Ok(files)
}

/// `resolve_files`, the notes on the order returned instead of printed (the
/// interactive view shows them in its status line).
pub fn resolve_noted(files: &[PathBuf], quiet: bool) -> Result<(Vec<PathBuf>, Vec<String>)> {
    if !files.is_empty() {
        let o = model::rotation::order(files);
        let notes = o.notes();
        return Ok((o.paths, notes));
    }
    match source::default_log() {
        Some(p) => {
            if !quiet {
                eprintln!("mailtriage: reading {}", p.display());
            }
            Ok((vec![p], Vec::new()))
        }
        None => bail!(
            "no log file given and none found at {}; pass one, e.g. `mailtriage /path/to/mainlog`",
            source::DEFAULT_LOGS.join(", ")
        ),
    }
}

/// Loads files with a progress line on standard error for big inputs.
pub fn load(files: &[PathBuf], args: &LoadArgs) -> Result<Model> {
    let files = resolve_files(files, args.quiet)?;
    let show = !args.quiet && io::stderr().is_terminal();
    let started = std::time::Instant::now();
    let mut last_print = started;
    let mut progress = |p: Progress| {
        if show && last_print.elapsed().as_millis() >= 200 && p.bytes_total > 0 {
            last_print = std::time::Instant::now();
            let pct = p.bytes_done as f64 * 100.0 / p.bytes_total as f64;
            let mbs = p.bytes_done as f64 / 1e6 / started.elapsed().as_secs_f64().max(1e-3);
            eprint!(
                "\rmailtriage: indexing {pct:5.1}%  {} lines  {mbs:.0} MB/s ",
                p.lines
            );
        }
    };
    let m = model::load(&files, &args.options(), &mut progress)?;
    if show && last_print != started {
        eprint!("\r\x1b[K");
    }
    if m.line_count() == 0 && !args.quiet {
        eprintln!("mailtriage: warning: the input is empty");
    }
    Ok(m)
}

/// What a command does with an input in which no line looks like Exim's.
#[derive(Clone, Copy, PartialEq, Eq)]
enum WrongLog {
    /// Totals of nothing read as "a quiet day": an error (exit 2).
    Fail,
    /// The lines are still what was asked for (`lines --kind unrecognized`): a warning.
    Warn,
}

/// `load`, then the check that the input is an Exim main log at all.
fn load_exim(files: &[PathBuf], args: &LoadArgs, wrong: WrongLog) -> Result<Model> {
    let m = load(files, args)?;
    if let Some(msg) = sniff::not_exim(&m) {
        match wrong {
            WrongLog::Fail => bail!("{msg}"),
            WrongLog::Warn if !args.quiet => eprintln!(
                "mailtriage: warning: {}",
                crate::text::sanitize(msg.as_bytes())
            ),
            WrongLog::Warn => {}
        }
    }
    Ok(m)
}

/// The exit status of a command that lists what it found: 0 something, 1 nothing (as grep).
fn found(any: bool) -> i32 {
    if any { 0 } else { 1 }
}

impl Cli {
    /// Options given before the subcommand (`mailtriage -q summary`) count as if given
    /// after it, where the subcommand takes them.
    pub fn settle(mut self) -> Cli {
        let (top, prefix) = (&self.load, &self.prefix);
        match &mut self.command {
            None | Some(Command::Completions { .. } | Command::Man { .. }) => {}
            Some(
                Command::Summary { load, .. }
                | Command::Show { load, .. }
                | Command::Lines { load, .. },
            ) => *load = load.or(top),
            Some(Command::Grep(a)) => a.load = a.load.or(top),
            Some(Command::Senders(a)) => {
                a.load = a.load.or(top);
                a.prefix = a.prefix.or(prefix);
            }
            Some(Command::Rejections(a)) => {
                a.load = a.load.or(top);
                a.prefix = a.prefix.or(prefix);
            }
            Some(Command::Block(b)) => {
                b.quiet |= top.quiet;
                b.safety = b.safety.or(&self.safety);
                if let block::BlockCommand::Check { read, .. } = &mut b.command {
                    *read = read.or(&top.read);
                }
                if b.blocklist.is_none() {
                    b.blocklist = self.blocklist.clone();
                }
            }
        }
        self
    }

    /// The subcommands' names, for "did you mean".
    fn subcommand_names() -> Vec<String> {
        use clap::CommandFactory;
        Cli::command()
            .get_subcommands()
            .map(|c| c.get_name().to_string())
            .collect()
    }
}

/// After printing raw lines: a log truncated or rewritten meanwhile may have
/// given some of them from the new file, so the run fails instead of passing.
fn unchanged(m: &Model) -> Result<()> {
    if let Some(name) = m.check_sources().first() {
        return Err(model::LoadError::Changed {
            path: name.to_string(),
        }
        .into());
    }
    Ok(())
}

fn run(cli: Cli) -> Result<i32> {
    let mut out = io::BufWriter::new(io::stdout().lock());
    // Whole log lines go out as the log's bytes only where no terminal reads them.
    let lines_mode = if io::stdout().is_terminal() {
        output::Lines::Sanitized
    } else {
        output::Lines::Raw
    };
    match cli.command {
        None => {
            let names = Cli::subcommand_names();
            let names: Vec<&str> = names.iter().map(String::as_str).collect();
            if let Some(msg) = suggest::misplaced_subcommand(&cli.files, &names) {
                bail!("{msg}");
            }
            let (files, notes) = resolve_noted(&cli.files, cli.load.quiet)?;
            crate::tui::run(
                files,
                notes,
                cli.load.options(),
                cli.prefix.prefix(),
                cli.blocklist.clone(),
                cli.safety.policy(&[]),
                !cli.no_follow,
            )?;
        }
        Some(Command::Summary { files, json, load }) => {
            let m = load_exim(&files.files, &load, WrongLog::Fail)?;
            output::summary(&mut out, &query::summary(&m), json)?;
        }
        Some(Command::Senders(a)) if a.follow => {
            let files = resolve_files(&a.files.files, a.load.quiet)?;
            let every = std::time::Duration::from_secs(a.every.unwrap_or(5));
            out.flush()?;
            return follow::senders(&files, &a.load, every, &mut |w, m| {
                print_senders(w, m, &a).map(|_| ())
            });
        }
        Some(Command::Senders(a)) => {
            let m = load_exim(&a.files.files, &a.load, WrongLog::Fail)?;
            if !print_senders(&mut out, &m, &a)? {
                out.flush()?;
                return Ok(1);
            }
        }
        Some(Command::Show {
            msgid,
            files,
            lines_only,
            load,
        }) => {
            let id = MsgId::parse(msgid.trim().as_bytes())
                .with_context(|| format!("`{msgid}` is not an Exim message id (like 1QFOdo-0001zq-E9 or 1smkL5-00000000e65-24eQ)"))?;
            let m = load_exim(&files.files, &load, WrongLog::Warn)?;
            let Some(i) = m.find_message(id) else {
                eprintln!("mailtriage: message {id} is not in the given logs");
                return Ok(1);
            };
            output::transaction(&mut out, &m, m.message_lines(i), lines_mode)?;
            if !lines_only {
                output::signatures(&mut out, &m, i)?;
                output::spam_score(&mut out, &m, i)?;
            }
            unchanged(&m)?;
        }
        Some(Command::Rejections(a)) => {
            let m = load_exim(&a.files.files, &a.load, WrongLog::Warn)?;
            let g = query::Grouping::new(&m, a.by, a.prefix.prefix());
            // The filters `senders` applies, so the list is what its row counts.
            let f = filter_of(&m, a.family, None, a.time.as_deref(), a.regex.as_deref())?;
            // Recipient labels are lowercased: `Ceo@Example.org` finds `ceo@example.org`.
            let key = a.key.trim();
            let found = g.find(key).or_else(|| {
                (a.by == AggKey::Recipient)
                    .then(|| g.find(&key.to_ascii_lowercase()))
                    .flatten()
            });
            let Some(gid) = found else {
                eprintln!(
                    "mailtriage: no {} `{}` in the given logs",
                    a.by.as_str(),
                    crate::text::sanitize(a.key.as_bytes())
                );
                return Ok(1);
            };
            let rows = query::rejections_of(&m, &g, gid, &f);
            output::rejections(
                &mut out,
                &m,
                &a.key,
                &rows,
                if a.json {
                    output::Format::Json
                } else if a.csv {
                    output::Format::Csv
                } else {
                    output::Format::Text
                },
            )?;
            unchanged(&m)?;
            out.flush()?;
            return Ok(self::found(!rows.is_empty()));
        }
        Some(Command::Grep(a)) => {
            let opts = GrepOptions {
                literal: a.literal,
                ignore_case: a.ignore_case,
            };
            let re =
                query::grep::compile(&a.pattern, &opts).map_err(|e| bad_pattern(&a.pattern, &e))?;
            if a.follow {
                let files = resolve_files(&a.files.files, a.load.quiet)?;
                out.flush()?;
                return follow::grep(&files, &a.load, &re, a.json, lines_mode);
            }
            let m = load_exim(&a.files.files, &a.load, WrongLog::Warn)?;
            let hits = query::grep(&m, &re);
            let found = output::grep(&mut out, &m, &hits, a.json, lines_mode)?;
            out.flush()?;
            unchanged(&m)?;
            return Ok(self::found(found));
        }
        Some(Command::Block(a)) => {
            out.flush()?;
            return block::run(&a);
        }
        Some(Command::Completions { shell }) => docs::completions(shell, &mut out)?,
        Some(Command::Man { dir }) => docs::man(dir.as_deref(), &mut out)?,
        Some(Command::Lines {
            files,
            kind,
            line_numbers,
            load,
        }) => {
            let m = load_exim(&files.files, &load, WrongLog::Warn)?;
            let any = output::lines(&mut out, &m, &kind, line_numbers, lines_mode)?;
            out.flush()?;
            unchanged(&m)?;
            return Ok(found(any));
        }
    }
    out.flush()?;
    Ok(0)
}

/// One `senders` table of `m` under `a`'s grouping, filters, sort and format;
/// whether it had a row.
fn print_senders(out: &mut dyn Write, m: &Model, a: &SendersArgs) -> Result<bool> {
    let g = query::Grouping::new(m, a.by, a.prefix.prefix());
    let f = filter_of(m, a.family, a.dkim, a.time.as_deref(), a.regex.as_deref())?;
    let mut rows = query::group(m, &g, &f, true);
    query::sort_rows(&mut rows, a.sort);
    if let Some(n) = a.limit {
        rows.truncate(n);
    }
    if a.json {
        query::fill_reasons(m, &g, &f, &mut rows, 5);
    }
    let fmt = if a.json {
        output::Format::Json
    } else if a.csv {
        output::Format::Csv
    } else {
        output::Format::Text
    };
    let mut out = out;
    output::senders(&mut out, &rows, a.by, fmt, a.follow)?;
    Ok(!rows.is_empty())
}

/// Panic reports go through the terminal sanitizer too: a failed string slice
/// quotes the string, which is log text. Installed before anything else, so the
/// TUI's terminal-restoring hook (which calls the previous one) prints through it.
fn install_panic_report() {
    std::panic::set_hook(Box::new(|info| {
        let mut err = io::stderr().lock();
        let _ = report_panic(&mut err, &info.to_string());
        if std::env::var_os("RUST_BACKTRACE").is_some_and(|v| v != "0") {
            let _ = writeln!(err, "{}", std::backtrace::Backtrace::force_capture());
        }
    }));
}

fn report_panic(w: &mut dyn Write, text: &str) -> io::Result<()> {
    writeln!(
        w,
        "mailtriage: internal error, please report it: {}",
        crate::text::sanitize_lines(text)
    )
}

/// The help to point a usage error at: that of the subcommand given (`mailtriage
/// block add --help`), else the top level's.
fn help_command() -> String {
    use clap::CommandFactory;
    let mut cmd = Cli::command();
    let mut words = vec!["mailtriage".to_string()];
    for arg in std::env::args().skip(1) {
        let Some(sub) = cmd.find_subcommand(&arg).cloned() else {
            continue;
        };
        words.push(arg);
        cmd = sub;
    }
    words.push("--help".to_string());
    words.join(" ")
}

/// Runs the CLI and returns the process exit code.
pub fn main() -> i32 {
    install_panic_report();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli.settle(),
        Err(e) if !e.use_stderr() => e.exit(),
        Err(e) => {
            eprintln!(
                "mailtriage: {}",
                crate::text::sanitize(report::clap_error(&e, &help_command()).as_bytes())
            );
            return 2;
        }
    };
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            // A closed pipe (`| head`) is not an error worth a message.
            if e.downcast_ref::<io::Error>()
                .is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe)
            {
                return 0;
            }
            // File names and log text reach error messages; a terminal shows them inert.
            eprintln!(
                "mailtriage: {}",
                crate::text::sanitize(report::one_line(&e).as_bytes())
            );
            2
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_quoting_log_text_is_reported_inert() {
        let mut out = Vec::new();
        report_panic(
            &mut out,
            "panicked at src/x.rs:1:2:\nbyte index 3 is not a char boundary of `a\u{202e}\x1b]0;t\x07`",
        )
        .expect("write");
        let text = String::from_utf8(out).expect("utf8");
        assert!(
            text.chars()
                .all(|c| c == '\n' || !crate::text::is_unsafe(c)),
            "{text}"
        );
        assert!(text.contains(r"a\u{202e}\x1b]0;t\x07"), "{text}");
        assert_eq!(
            text.lines().filter(|l| l.starts_with("mailtriage")).count(),
            1
        );
    }

    #[test]
    fn the_global_blocklist_option_and_blocks_own_one_do_not_clash() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
        for args in [
            ["mailtriage", "--blocklist", "/tmp/x", "block", "list"],
            ["mailtriage", "block", "--blocklist", "/tmp/x", "list"],
        ] {
            let cli = Cli::try_parse_from(args).expect("parses").settle();
            let Some(Command::Block(b)) = cli.command else {
                panic!("block subcommand");
            };
            assert_eq!(b.blocklist, Some(PathBuf::from("/tmp/x")));
        }
        // The safety options before `block` count too (they were global before).
        let cli = Cli::try_parse_from([
            "mailtriage",
            "--no-host-addrs",
            "--min-v4-prefix",
            "12",
            "block",
            "--server-addr",
            "192.0.2.1",
            "add",
            "192.0.2.0/24",
        ])
        .expect("parses")
        .settle();
        let Some(Command::Block(b)) = cli.command else {
            panic!("block subcommand");
        };
        assert!(b.safety.no_host_addrs);
        assert_eq!(b.safety.min_v4_prefix, 12);
        assert_eq!(b.safety.server_addrs.len(), 1);
        let cli =
            Cli::try_parse_from(["mailtriage", "--blocklist", "/tmp/y", "log"]).expect("parses");
        assert_eq!(cli.blocklist, Some(PathBuf::from("/tmp/y")));
    }
}
