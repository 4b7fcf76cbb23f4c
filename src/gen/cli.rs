//! The command line of `mailtriage-gen` (the example `examples/mailtriage-gen.rs`):
//! writes a synthetic Exim main log for benchmarks, demos and tests. It lives in the
//! library so the tests can run it without the example being built, and is an example so
//! that `cargo install` does not put a log generator on a mail server.

use std::fs::File;
use std::io::{self, BufWriter, Write};

use crate::r#gen::{self as generator, GenConfig};

const USAGE: &str = "\
usage: mailtriage-gen [--seed N] [--size 1G|200M|5000K] [--start YYYY-MM-DD]
                      [--hosts N] [--millis] [--pid] [-o FILE]
       mailtriage-gen --demo [-o FILE]
Writes a deterministic synthetic Exim main log to FILE, or to stdout.
The same arguments always give the same bytes.";

struct Args {
    cfg: GenConfig,
    demo: bool,
    out: Option<String>,
}

/// `Ok(None)` means `--help`.
fn parse_args(mut it: impl Iterator<Item = String>) -> Result<Option<Args>, String> {
    let mut args = Args {
        cfg: GenConfig::default(),
        demo: false,
        out: None,
    };
    while let Some(a) = it.next() {
        let mut value = |name: &str| it.next().ok_or(format!("{name} needs a value"));
        match a.as_str() {
            "--seed" => {
                let v = value("--seed")?;
                args.cfg.seed = v.parse().map_err(|_| format!("bad seed {v:?}"))?;
            }
            "--size" => {
                let v = value("--size")?;
                args.cfg.target_bytes = generator::parse_size(&v)
                    .ok_or(format!("bad size {v:?} (try 1G, 200M, 5000K)"))?;
            }
            "--start" => {
                let v = value("--start")?;
                let day = chrono::NaiveDate::parse_from_str(&v, "%Y-%m-%d")
                    .map_err(|_| format!("bad start date {v:?} (want YYYY-MM-DD)"))?;
                let secs = day.and_time(chrono::NaiveTime::MIN).and_utc().timestamp();
                args.cfg.start_epoch =
                    u64::try_from(secs).map_err(|_| format!("start {v:?} is before 1970"))?;
            }
            "--hosts" => {
                let v = value("--hosts")?;
                args.cfg.hosts = v.parse().map_err(|_| format!("bad host count {v:?}"))?;
            }
            "-o" | "--output" => args.out = Some(value("-o")?),
            "--demo" => args.demo = true,
            "--millis" => args.cfg.millis = true,
            "--pid" => args.cfg.pids = true,
            "-h" | "--help" => return Ok(None),
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    Ok(Some(args))
}

fn run(args: &Args, stdout: &mut dyn Write) -> io::Result<generator::GenStats> {
    let sink: Box<dyn Write + '_> = match &args.out {
        Some(path) if path != "-" => Box::new(File::create(path)?),
        _ => Box::new(stdout),
    };
    let out = BufWriter::with_capacity(1 << 20, sink);
    if args.demo {
        generator::demo(out)
    } else {
        generator::generate(&args.cfg, out)
    }
}

/// The generator's command line: `args` without the program name; returns the exit
/// status (0, 1 on a write error, 2 on bad arguments).
pub fn main(
    args: impl Iterator<Item = String>,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> u8 {
    let args = match parse_args(args) {
        Ok(Some(a)) => a,
        Ok(None) => {
            let _ = writeln!(stdout, "{USAGE}");
            return 0;
        }
        Err(e) => {
            let _ = writeln!(stderr, "mailtriage-gen: {e}\n{USAGE}");
            return 2;
        }
    };
    match run(&args, stdout) {
        Ok(stats) => {
            if args.out.as_deref().is_some_and(|p| p != "-") {
                let _ = writeln!(
                    stderr,
                    "wrote {} bytes, {} lines, {} messages",
                    stats.bytes, stats.lines, stats.messages
                );
            }
            0
        }
        // A closed pipe (`| head`) is a normal way to stop reading.
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => 0,
        Err(e) => {
            let _ = writeln!(stderr, "mailtriage-gen: {e}");
            1
        }
    }
}
