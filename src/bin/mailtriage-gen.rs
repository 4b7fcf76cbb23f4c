//! mailtriage-gen: writes a synthetic Exim main log (benchmarks, demos, tests).
//! A thin wrapper over `mailtriage::gen`; all the content decisions live there.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::process::ExitCode;

use mailtriage::r#gen::{self as generator, GenConfig};

const USAGE: &str =
    "usage: mailtriage-gen [--seed N] [--size 1G|200M|5000K] [--millis] [--pid] [-o FILE]
       mailtriage-gen --demo [-o FILE]
Writes a deterministic synthetic Exim main log to FILE, or to stdout.";

struct Args {
    cfg: GenConfig,
    demo: bool,
    out: Option<String>,
}

fn parse_args() -> Result<Args, String> {
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
            "-o" | "--output" => args.out = Some(value("-o")?),
            "--demo" => args.demo = true,
            "--millis" => args.cfg.millis = true,
            "--pid" => args.cfg.pids = true,
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    Ok(args)
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
        Ok(a) => a,
        Err(e) => {
            if !e.is_empty() {
                eprintln!("mailtriage-gen: {e}");
            }
            eprintln!("{USAGE}");
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
