//! The scriptable face: argument parsing, subcommands, text/JSON/CSV output, and
//! mapping errors to one clear line and an exit code.

pub mod block;
mod docs;
mod output;

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
  mailtriage show 1QFOdo-0001zq-E9 mainlog      every line of one message
  mailtriage senders --sort rejections --limit 10
  mailtriage rejections 45.137.21.5 mainlog     why one client was turned away
  mailtriage grep -i 'peter' mainlog            whole transactions, like exigrep
  mailtriage completions bash > ~/.local/share/bash-completion/completions/mailtriage
  mailtriage man | man -l -                     this manual as a man page";

#[derive(Parser, Debug)]
#[command(name = "mailtriage", version, about = "Triage Exim main logs from a terminal", long_about = LONG_ABOUT, after_help = AFTER_HELP)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Log files to open in the interactive view (see also the subcommands).
    #[arg(value_name = "FILE")]
    pub files: Vec<PathBuf>,
    #[command(flatten)]
    pub load: LoadArgs,
    /// The block safety rules the interactive view's `b` follows, as `block` does.
    #[command(flatten)]
    pub safety: block::SafetyArgs,
}

#[derive(Args, Debug, Clone)]
pub struct LoadArgs {
    /// Read files into memory instead of mapping them (a copy: a file truncated or
    /// rewritten by logrotate's copytruncate while mailtriage runs stays readable).
    #[arg(long, global = true)]
    pub no_mmap: bool,
    /// Most memory a load may take (e.g. 4G, 500M): decompressed and read bytes
    /// plus the index [default: 3/4 of the available memory]
    #[arg(long, global = true, value_name = "SIZE", value_parser = model::budget::parse_size)]
    pub max_memory: Option<u64>,
    /// Year for syslog-prefixed lines, which carry none (default: this year).
    #[arg(long, global = true, value_name = "YEAR")]
    pub syslog_year: Option<i32>,
    /// Prefix length of IPv4 networks for `--by net`.
    #[arg(long, global = true, default_value_t = 24, value_parser = clap::value_parser!(u8).range(0..=32))]
    pub v4_prefix: u8,
    /// Prefix length of IPv6 networks for `--by net`.
    #[arg(long, global = true, default_value_t = 64, value_parser = clap::value_parser!(u8).range(0..=128))]
    pub v6_prefix: u8,
    /// Parser threads (default: one per core; one more thread builds the index).
    #[arg(long, global = true, value_name = "N")]
    pub threads: Option<usize>,
    /// No progress on standard error.
    #[arg(long, short, global = true)]
    pub quiet: bool,
    /// Blocklist file the interactive view marks senders from and adds entries to (the same
    /// option as `block --blocklist`) [default: as for `block`; `mailtriage block path` says
    /// which file]
    #[arg(long, global = true, value_name = "PATH")]
    pub blocklist: Option<PathBuf>,
}

impl LoadArgs {
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

    pub fn prefix(&self) -> NetPrefix {
        NetPrefix {
            v4: self.v4_prefix,
            v6: self.v6_prefix,
        }
    }
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Totals: lines, messages (arrivals, rejected after DATA, without arrival), arrivals by IP family and by DKIM status.
    Summary {
        #[arg(value_name = "FILE")]
        files: Vec<PathBuf>,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// One row per sender aggregate (address, network, host, sender, domain).
    Senders(SendersArgs),
    /// Every line of one message, in log order, then its DKIM signatures.
    Show {
        /// Message id (16 or 23 characters).
        msgid: String,
        #[arg(value_name = "FILE")]
        files: Vec<PathBuf>,
        /// Only the message's lines, as logged (no list of signatures after them).
        #[arg(long)]
        lines_only: bool,
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
        #[arg(value_name = "FILE")]
        files: Vec<PathBuf>,
        /// Line kind (repeatable): arrival, delivery, dkim, rejection, session,
        /// auth_failure, unrecognized, … (see README).
        #[arg(long, required = true, value_parser = parse_kind)]
        kind: Vec<LineKind>,
        /// Prefix each line with FILE:LINE.
        #[arg(long, short = 'n')]
        line_numbers: bool,
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
        let re = query::grep::compile(p, &GrepOptions::default())
            .with_context(|| format!("bad pattern `{p}`"))?;
        f.matches = Some(std::sync::Arc::new(query::grep(m, &re)));
    }
    Ok(f)
}

fn parse_kind(s: &str) -> Result<LineKind, String> {
    LineKind::ALL
        .iter()
        .copied()
        .find(|k| k.name() == s)
        .ok_or_else(|| {
            let names: Vec<&str> = LineKind::ALL.iter().map(|k| k.name()).collect();
            format!("unknown kind `{s}`; one of: {}", names.join(", "))
        })
}

#[derive(Args, Debug)]
pub struct SendersArgs {
    #[arg(value_name = "FILE")]
    pub files: Vec<PathBuf>,
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
}

#[derive(Args, Debug)]
pub struct RejectionsArgs {
    /// The sender, as `senders` prints its key (an address, a network, a host…).
    pub key: String,
    #[arg(value_name = "FILE")]
    pub files: Vec<PathBuf>,
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
}

#[derive(Args, Debug)]
pub struct GrepArgs {
    /// Regular expression (Rust regex syntax), or text with -l.
    pub pattern: String,
    #[arg(value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Match PATTERN as literal text.
    #[arg(short = 'l', long)]
    pub literal: bool,
    /// Ignore case (exigrep ignores case by default; grep and we do not).
    #[arg(short = 'i', long)]
    pub ignore_case: bool,
    /// Print JSON: one object per transaction or standalone line.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum FamilyArg {
    Ipv4,
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

/// Resolves the files to read: the given ones, or the first default log found.
pub fn resolve_files(files: &[PathBuf], quiet: bool) -> Result<Vec<PathBuf>> {
    if !files.is_empty() {
        return Ok(files.to_vec());
    }
    match source::default_log() {
        Some(p) => {
            if !quiet {
                eprintln!("mailtriage: reading {}", p.display());
            }
            Ok(vec![p])
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
            let files = resolve_files(&cli.files, cli.load.quiet)?;
            crate::tui::run(
                files,
                cli.load.options(),
                cli.load.prefix(),
                cli.load.blocklist.clone(),
                cli.safety.policy(&[]),
            )?;
        }
        Some(Command::Summary { files, json }) => {
            let m = load(&files, &cli.load)?;
            output::summary(&mut out, &query::summary(&m), json)?;
        }
        Some(Command::Senders(a)) => {
            let m = load(&a.files, &cli.load)?;
            let g = query::Grouping::new(&m, a.by, cli.load.prefix());
            let f = filter_of(&m, a.family, a.dkim, a.time.as_deref(), a.regex.as_deref())?;
            let mut rows = query::group(&m, &g, &f, true);
            query::sort_rows(&mut rows, a.sort);
            if let Some(n) = a.limit {
                rows.truncate(n);
            }
            if a.json {
                query::fill_reasons(&m, &g, &f, &mut rows, 5);
            }
            output::senders(
                &mut out,
                &rows,
                a.by,
                if a.json {
                    output::Format::Json
                } else if a.csv {
                    output::Format::Csv
                } else {
                    output::Format::Text
                },
            )?;
        }
        Some(Command::Show {
            msgid,
            files,
            lines_only,
        }) => {
            let id = MsgId::parse(msgid.trim().as_bytes())
                .with_context(|| format!("`{msgid}` is not an Exim message id (like 1QFOdo-0001zq-E9 or 1smkL5-00000000e65-24eQ)"))?;
            let m = load(&files, &cli.load)?;
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
            let m = load(&a.files, &cli.load)?;
            let g = query::Grouping::new(&m, a.by, cli.load.prefix());
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
        }
        Some(Command::Grep(a)) => {
            let opts = GrepOptions {
                literal: a.literal,
                ignore_case: a.ignore_case,
            };
            let re = query::grep::compile(&a.pattern, &opts)
                .with_context(|| format!("bad pattern `{}`", a.pattern))?;
            let m = load(&a.files, &cli.load)?;
            let hits = query::grep(&m, &re);
            let found = output::grep(&mut out, &m, &hits, a.json, lines_mode)?;
            out.flush()?;
            unchanged(&m)?;
            return Ok(if found { 0 } else { 1 });
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
        }) => {
            let m = load(&files, &cli.load)?;
            output::lines(&mut out, &m, &kind, line_numbers, lines_mode)?;
            unchanged(&m)?;
        }
    }
    out.flush()?;
    Ok(0)
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

/// Runs the CLI and returns the process exit code.
pub fn main() -> i32 {
    install_panic_report();
    let cli = Cli::parse();
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
                crate::text::sanitize_lines(&format!("{e:#}"))
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
            let cli = Cli::try_parse_from(args).expect("parses");
            let Some(Command::Block(b)) = cli.command else {
                panic!("block subcommand");
            };
            assert_eq!(b.blocklist, Some(PathBuf::from("/tmp/x")));
        }
        let cli =
            Cli::try_parse_from(["mailtriage", "--blocklist", "/tmp/y", "log"]).expect("parses");
        assert_eq!(cli.load.blocklist, Some(PathBuf::from("/tmp/y")));
    }
}
