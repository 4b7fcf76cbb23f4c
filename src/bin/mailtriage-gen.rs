//! mailtriage-gen: writes a synthetic Exim main log (benchmarks, demos, tests).
//! A thin wrapper over `mailtriage::gen`; all the content decisions live there.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::process::ExitCode;

use mailtriage::r#gen::{self as generator, GenConfig};

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
fn parse_args() -> Result<Option<Args>, String> {
    let mut args = Args {
        cfg: GenConfig::default(),
        demo: false,
        out: None,
    };
    let mut it = std::env::args().skip(1);
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

fn run(args: &Args) -> io::Result<generator::GenStats> {
    let sink: Box<dyn Write> = match &args.out {
        Some(path) if path != "-" => Box::new(File::create(path)?),
        _ => Box::new(io::stdout().lock()),
    };
    let out = BufWriter::with_capacity(1 << 20, sink);
    if args.demo {
        generator::demo(out)
    } else {
        generator::generate(&args.cfg, out)
    }
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(Some(a)) => a,
        Ok(None) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("mailtriage-gen: {e}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match run(&args) {
        Ok(stats) => {
            if args.out.as_deref().is_some_and(|p| p != "-") {
                eprintln!(
                    "wrote {} bytes, {} lines, {} messages",
                    stats.bytes, stats.lines, stats.messages
                );
            }
            ExitCode::SUCCESS
        }
        // A closed pipe (`| head`) is a normal way to stop reading.
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("mailtriage-gen: {e}");
            ExitCode::FAILURE
        }
    }
}
