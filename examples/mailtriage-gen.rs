//! mailtriage-gen: writes a synthetic Exim main log (benchmarks, demos, tests).
//! `cargo run --release --example mailtriage-gen -- --help`. An example, not a binary,
//! so `cargo install` does not install it; everything lives in `mailtriage::gen::cli`.

use std::process::ExitCode;

fn main() -> ExitCode {
    let (mut out, mut err) = (std::io::stdout().lock(), std::io::stderr().lock());
    ExitCode::from(mailtriage::r#gen::cli::main(
        std::env::args().skip(1),
        &mut out,
        &mut err,
    ))
}
