//! Shell completions and man pages, generated from the same clap definitions as
//! `--help`, so the three never disagree.

use std::io::{self, Write};
use std::path::Path;

use clap::CommandFactory;

use super::Cli;

/// `mailtriage completions SHELL`: the completion script on standard output.
pub fn completions(shell: clap_complete::Shell, out: &mut impl Write) -> io::Result<()> {
    let mut cmd = Cli::command();
    // Into memory first: clap_complete panics on a write error, and `| head` closes the pipe.
    let mut buf = Vec::new();
    clap_complete::generate(shell, &mut cmd, "mailtriage", &mut buf);
    out.write_all(&buf)
}

/// `mailtriage man`: `mailtriage.1` on standard output, or, with `dir`, that page and
/// one per subcommand (`mailtriage-senders.1`, …) written into `dir`.
pub fn man(dir: Option<&Path>, out: &mut impl Write) -> io::Result<()> {
    let cmd = Cli::command();
    let Some(dir) = dir else {
        return clap_mangen::Man::new(cmd).render(out);
    };
    std::fs::create_dir_all(dir)?;
    let mut written = vec![page(dir, "mailtriage", cmd.clone())?];
    for sub in cmd.get_subcommands().filter(|s| s.get_name() != "help") {
        let name = format!("mailtriage-{}", sub.get_name());
        // The page's title and synopsis name the whole command, as `man git-log` does.
        let sub = sub
            .clone()
            .name(name.clone())
            .bin_name(format!("mailtriage {}", sub.get_name()));
        written.push(page(dir, &name, sub)?);
    }
    for w in written {
        writeln!(out, "{}", w.display())?;
    }
    Ok(())
}

fn page(dir: &Path, name: &str, cmd: clap::Command) -> io::Result<std::path::PathBuf> {
    let path = dir.join(format!("{name}.1"));
    let mut buf = Vec::new();
    clap_mangen::Man::new(cmd).render(&mut buf)?;
    std::fs::write(&path, buf)?;
    Ok(path)
}
