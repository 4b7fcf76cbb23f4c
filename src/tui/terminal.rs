//! Taking the terminal over and giving it back: the checks before, raw mode and the
//! alternate screen, suspend (Ctrl-Z, SIGTSTP) and resume (SIGCONT), the panic hook, and
//! the signals that ask us to stop.
//!
//! Knows nothing of the app: the event loop decides when; this module only does it.

use std::io::{self, IsTerminal, Write};

use anyhow::Context;
use ratatui::Terminal;
use ratatui::crossterm::cursor::{Hide, Show};
use ratatui::crossterm::event::{DisableBracketedPaste, EnableBracketedPaste};
use ratatui::crossterm::execute;
use ratatui::crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};

use super::backend::BasicBackend;
use super::guard;

pub type Tui = Terminal<BasicBackend<io::BufWriter<io::Stdout>>>;

/// Signals that ask us to stop; the event loop answers with a clean shutdown, then the
/// process dies of the signal (exit status 128 + N, as a shell expects).
pub const REQUESTS: &[i32] = &[libc::SIGINT, libc::SIGTERM, libc::SIGHUP];

/// Why the interactive view cannot run here, if it cannot: standard output is not a
/// terminal (a file or a pipe would receive escape codes), or `TERM=dumb` says the
/// terminal cannot take them.
pub fn unusable(stdout_is_tty: bool, term: Option<&str>) -> Option<String> {
    const INSTEAD: &str = "use the subcommands instead, e.g. `mailtriage summary FILE`, \
                           `mailtriage senders FILE` (see `mailtriage --help`)";
    if !stdout_is_tty {
        return Some(format!(
            "the interactive view needs a terminal, and standard output is not one; {INSTEAD}"
        ));
    }
    if term == Some("dumb") {
        return Some(format!(
            "the interactive view needs cursor movement and colours, and TERM=dumb says \
             this terminal has neither; {INSTEAD}"
        ));
    }
    None
}

/// `unusable` for this process.
pub fn check() -> anyhow::Result<()> {
    let term = std::env::var("TERM").ok();
    match unusable(io::stdout().is_terminal(), term.as_deref()) {
        Some(why) => anyhow::bail!("{why}"),
        None => Ok(()),
    }
}

/// The terminal raw mode is set on: crossterm uses standard input when it is one, else
/// `/dev/tty` (as when the log comes on standard input). The descriptor stays open.
fn tty_fd() -> io::Result<i32> {
    if io::stdin().is_terminal() {
        return Ok(libc::STDIN_FILENO);
    }
    use std::os::fd::IntoRawFd;
    let f = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/tty")?;
    Ok(f.into_raw_fd())
}

/// Saves the terminal's settings, installs the fatal-signal handlers and the panic hook,
/// and takes the screen over. Call once; `leave` gives it back.
pub fn init() -> anyhow::Result<Tui> {
    let fd = tty_fd().context("cannot open the terminal")?;
    guard::save(fd).context("cannot read the terminal's settings")?;
    guard::install().context("cannot install signal handlers")?;
    let prev = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        // Before the message, so the report lands on a readable screen.
        leave_quietly();
        prev(info);
    }));
    let backend = BasicBackend::new(io::BufWriter::with_capacity(1 << 16, io::stdout()));
    let t = enter().and_then(|()| Terminal::new(backend).context("cannot set up the terminal"));
    if t.is_err() {
        // Half set up is still taken over: raw mode may be on.
        let _ = leave();
    }
    t
}

/// Raw mode, alternate screen, hidden cursor, bracketed paste (a pasted header arrives
/// as one `Event::Paste`, not as keys that would each do something).
pub fn enter() -> anyhow::Result<()> {
    enable_raw_mode().context("cannot switch the terminal to raw mode")?;
    guard::set_active(true);
    execute!(
        io::stdout(),
        EnterAlternateScreen,
        Hide,
        EnableBracketedPaste
    )
    .context("cannot switch to the alternate screen")?;
    Ok(())
}

/// Gives the screen back: cursor, attributes, modes (bracketed paste among them, also in
/// `guard::RESTORE` for the signal and panic paths), normal screen, cooked mode.
pub fn leave() -> io::Result<()> {
    guard::set_active(false);
    let mut out = io::stdout();
    out.write_all(guard::RESTORE)?;
    execute!(out, DisableBracketedPaste, Show, LeaveAlternateScreen)?;
    disable_raw_mode()
}

/// `leave` where nothing can be reported (a panic, the last resort).
fn leave_quietly() {
    if guard::is_active() {
        let _ = leave();
    }
}

/// Ctrl-Z or SIGTSTP: give the terminal back and stop until `fg` (SIGCONT), then take it
/// over again and clear it, so the next draw repaints every cell.
pub fn suspend(t: &mut Tui) -> anyhow::Result<()> {
    leave().context("cannot restore the terminal")?;
    // SIGSTOP, not SIGTSTP: ours is caught, and SIGSTOP stops whatever the process group.
    // SAFETY: raise has no preconditions.
    unsafe { libc::raise(libc::SIGSTOP) };
    resume(t)
}

/// After SIGCONT (ours or someone else's `kill -STOP`/`-CONT`): the shell may have reset
/// the terminal and drawn over it, so set it up again and repaint everything.
pub fn resume(t: &mut Tui) -> anyhow::Result<()> {
    // crossterm skips enabling raw mode it thinks is on; the shell may have reset it.
    let _ = disable_raw_mode();
    enter()?;
    t.clear().context("cannot clear the terminal")?;
    Ok(())
}

/// Dies of `sig` after a clean shutdown, so the exit status says which signal it was.
pub fn die_of(sig: i32) -> ! {
    let _ = io::stderr().flush();
    guard::die_of(sig);
    // Not reached: the default action of every signal we answer ends the process.
    std::process::exit(128 + sig)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_without_a_terminal_or_with_term_dumb() {
        let why = unusable(false, Some("xterm")).expect("refused");
        assert!(why.contains("standard output is not") && why.contains("mailtriage summary"));
        let why = unusable(true, Some("dumb")).expect("refused");
        assert!(why.contains("TERM=dumb") && why.contains("mailtriage summary"));
        assert_eq!(unusable(true, Some("xterm-256color")), None);
        assert_eq!(unusable(true, None), None);
    }
}
