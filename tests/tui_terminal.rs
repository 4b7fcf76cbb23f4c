//! The real binary in a real terminal (tmux), for what only a terminal shows: every fatal
//! signal gives the terminal back, Ctrl-Z and SIGTSTP suspend and `fg` repaints, a file or
//! `TERM=dumb` is refused, and characters terminals measure differently leave no stale
//! cells. Skips with a notice where tmux is missing.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

mod tmux;
use tmux::Tmux;

const PROMPT: &str = "tt-prompt$";

/// A shell at 80x24 with a known prompt; `None` (with a notice) without tmux.
fn shell(name: &str) -> Option<Tmux> {
    let shell = format!("env PS1='{PROMPT} ' bash --norc --noprofile -i");
    let t = Tmux::start(&format!("tt-{name}"), (80, 24), &shell)?.joined();
    if t.wait(|s| s.contains(PROMPT)).is_err() {
        tmux::skip("tmux could not start a shell");
        return None;
    }
    Some(t)
}

/// What these tests do in the shell of their terminal.
trait Shell {
    fn open(&self, dir: &Path, log: &Path);
    fn exit_status(&self) -> i32;
    fn tui_pid(&self) -> String;
    fn stty(&self) -> String;
}

impl Shell for Tmux {
    /// Runs `mailtriage ARGS` from the shell and waits for the sender list.
    fn open(&self, dir: &Path, log: &Path) {
        let bin = env!("CARGO_BIN_EXE_mailtriage");
        self.keys(&[
            &format!(
                "{bin} --blocklist {} {}",
                dir.join("blocklist").display(),
                log.display()
            ),
            "Enter",
        ]);
        self.wait(|s| s.contains(" senders by ip") && s.contains("senders\n"))
            .or_else(|_| self.wait(|s| s.contains("senders by ip")))
            .expect("the TUI opens");
    }

    /// Waits for the TUI to end, then the shell's `$?` of it (bash drops the rest of a
    /// command line whose program died of SIGINT, so it is asked on a line of its own).
    fn exit_status(&self) -> i32 {
        let until = Instant::now() + Duration::from_secs(15);
        while self.display("#{pane_current_command}") == "mailtriage" && Instant::now() < until {
            std::thread::sleep(Duration::from_millis(50));
        }
        self.keys(&["echo exit=$?", "Enter"]);
        let s = self
            .wait(|s| !exit_codes(s).is_empty())
            .expect("the shell prints the status");
        exit_codes(&s)[0]
    }

    /// The TUI's process id: the shell's only child.
    fn tui_pid(&self) -> String {
        let shell = self.display("#{pane_pid}");
        std::fs::read_to_string(format!("/proc/{shell}/task/{shell}/children"))
            .unwrap_or_default()
            .split_whitespace()
            .next()
            .expect("the TUI runs under the shell")
            .to_string()
    }

    /// `stty -a` of the terminal, run from the shell.
    fn stty(&self) -> String {
        // Only the output, not the typed command, has the computed marker `=42=`.
        self.keys(&[
            "clear; echo \"$(stty -a | tr ' ;' '\\n\\n' | grep -E '^-?(icanon|echo)$' | tr '\\n' ' ')=$((40+2))=\"",
            "Enter",
        ]);
        let s = self
            .wait(|s| s.lines().any(|l| l.ends_with("=42=")))
            .expect("stty runs");
        s.lines()
            .find(|l| l.ends_with("=42="))
            .unwrap_or_default()
            .to_string()
    }
}

fn seed() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/seed-main.log")
}

/// Codes printed by `echo exit=$?`, in screen order.
fn exit_codes(screen: &str) -> Vec<i32> {
    screen
        .lines()
        .filter_map(|l| l.strip_prefix("exit="))
        .filter_map(|c| c.trim().parse().ok())
        .collect()
}

fn signal_gives_the_terminal_back(sig: &str, number: i32) {
    let Some(t) = shell(&sig.to_lowercase()) else {
        return;
    };
    let dir = tempfile::tempdir().expect("temp dir");
    t.open(dir.path(), &seed());
    assert_eq!(t.display("#{alternate_on}"), "1");
    let pid = t.tui_pid();
    let _ = Command::new("kill")
        .args([&format!("-{sig}"), &pid])
        .status();
    let code = t.exit_status();
    let s = t.screen();
    assert_eq!(code, 128 + number, "dies of SIG{sig}: {s}");
    assert_eq!(t.display("#{alternate_on}"), "0", "normal screen: {s}");
    assert_eq!(t.display("#{cursor_flag}"), "1", "cursor shown: {s}");
    let modes = t.stty();
    assert!(
        modes.contains(" icanon") || modes.starts_with("icanon"),
        "canonical mode: {modes}"
    );
    assert!(!modes.contains("-echo"), "echo on: {modes}");
}

#[test]
fn sigquit_gives_the_terminal_back() {
    signal_gives_the_terminal_back("QUIT", libc::SIGQUIT);
}

#[test]
fn sigusr1_gives_the_terminal_back() {
    signal_gives_the_terminal_back("USR1", libc::SIGUSR1);
}

#[test]
fn sigalrm_gives_the_terminal_back() {
    signal_gives_the_terminal_back("ALRM", libc::SIGALRM);
}

#[test]
fn sigabrt_gives_the_terminal_back() {
    signal_gives_the_terminal_back("ABRT", libc::SIGABRT);
}

#[test]
fn sigbus_sent_by_kill_gives_the_terminal_back() {
    signal_gives_the_terminal_back("BUS", libc::SIGBUS);
}

#[test]
fn sigsegv_sent_by_kill_gives_the_terminal_back() {
    signal_gives_the_terminal_back("SEGV", libc::SIGSEGV);
}

#[test]
fn sigint_stops_cleanly_and_dies_of_it() {
    signal_gives_the_terminal_back("INT", libc::SIGINT);
}

#[test]
fn sigterm_stops_cleanly_and_dies_of_it() {
    signal_gives_the_terminal_back("TERM", libc::SIGTERM);
}

/// Suspends the TUI with `how`, checks the shell got a usable terminal, then `fg`.
fn suspend_and_resume(name: &str, how: impl Fn(&Tmux)) {
    let Some(t) = shell(name) else {
        return;
    };
    let dir = tempfile::tempdir().expect("temp dir");
    t.open(dir.path(), &seed());
    t.wait(|s| s.contains("2/2 senders")).expect("loaded");
    how(&t);
    let s = t
        .wait(|s| s.contains("Stopped"))
        .expect("the shell reports the job stopped");
    assert_eq!(t.display("#{alternate_on}"), "0", "normal screen: {s}");
    assert_eq!(t.display("#{cursor_flag}"), "1", "cursor shown: {s}");
    let modes = t.stty();
    assert!(modes.starts_with("icanon echo"), "cooked mode: {modes}");
    t.keys(&["clear; fg", "Enter"]);
    let s = t
        .wait(|s| s.contains("2/2 senders") && !s.contains("fg"))
        .expect("fg repaints the whole screen");
    assert_eq!(t.display("#{alternate_on}"), "1", "{s}");
    // Keys work again without Enter: raw mode is back.
    t.keys(&["f", "f"]);
    t.wait(|s| s.contains("family=ipv6"))
        .expect("keys act at once after fg");
    t.keys(&["q"]);
    assert_eq!(t.exit_status(), 0);
    assert_eq!(t.display("#{alternate_on}"), "0");
}

#[test]
fn ctrl_z_suspends_and_fg_repaints() {
    suspend_and_resume("ctrlz", |t| t.keys(&["C-z"]));
}

#[test]
fn sigtstp_suspends_and_fg_repaints() {
    suspend_and_resume("tstp", |t| {
        let pid = t.tui_pid();
        let _ = Command::new("kill").args(["-TSTP", &pid]).status();
    });
}

#[test]
fn sigstop_then_sigcont_repaints() {
    let Some(t) = shell("cont") else {
        return;
    };
    let dir = tempfile::tempdir().expect("temp dir");
    t.open(dir.path(), &seed());
    t.wait(|s| s.contains("2/2 senders")).expect("loaded");
    let pid = t.tui_pid();
    let _ = Command::new("kill").args(["-STOP", &pid]).status();
    t.wait(|s| s.contains("Stopped")).expect("stopped");
    t.keys(&["clear; fg", "Enter"]);
    t.wait(|s| s.contains("2/2 senders") && !s.contains("fg"))
        .expect("SIGCONT repaints");
    t.keys(&["f"]);
    t.wait(|s| s.contains("family=ipv4"))
        .expect("raw mode is back");
    t.keys(&["q"]);
    assert_eq!(t.exit_status(), 0);
}

#[test]
fn a_file_as_standard_output_is_refused_with_the_reason() {
    let out = Command::new(env!("CARGO_BIN_EXE_mailtriage"))
        .arg("--blocklist")
        .arg("/nonexistent/blocklist")
        .arg(seed())
        .stdin(std::process::Stdio::null())
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty(), "no escape codes into a file");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("standard output is not") && err.contains("mailtriage summary"),
        "{err}"
    );
}

#[test]
fn term_dumb_is_refused_with_the_reason() {
    let Some(t) = shell("dumb") else {
        return;
    };
    let bin = env!("CARGO_BIN_EXE_mailtriage");
    t.keys(&[
        &format!(
            "TERM=dumb {bin} --blocklist /nonexistent/bl {}",
            seed().display()
        ),
        "Enter",
    ]);
    assert_eq!(t.exit_status(), 2);
    let s = t.screen();
    assert!(
        s.contains("TERM=dumb") && s.contains("mailtriage summary"),
        "{s}"
    );
    assert_eq!(t.display("#{alternate_on}"), "0");
}

/// Lines with characters terminals and ratatui may measure differently, each followed by a
/// marker that must be gone once the view that showed it is left.
fn width_trap_log(dir: &Path) -> std::path::PathBuf {
    let traps = [
        "zero\u{200b}width\u{200b}\u{200b}\u{200b}",
        "line\u{2028}sep\u{2029}para",
        "soft\u{ad}\u{ad}\u{ad}hyphen",
        "family \u{1f468}\u{200d}\u{1f469}\u{200d}\u{1f467}\u{200d}\u{1f466} joined",
        "heart \u{2764}\u{fe0f}\u{2764}\u{fe0f} selector",
        "bom\u{feff}\u{2060}joiner",
    ];
    let mut log = String::new();
    for (i, t) in traps.iter().enumerate() {
        // The marker first: escapes make the rest longer than the screen.
        log.push_str(&format!("2011-01-01 00:00:0{i} STALE{i} {t}\n"));
    }
    log.push_str(
        "2011-01-01 00:01:00 1PZtCw-0002cm-Le <= a@b.example H=(x) [192.0.2.1]:25 P=esmtp \
         S=10 T=\"STALEM \u{200b}\u{200b}\u{2028}sub\u{ad}ject \u{1f468}\u{200d}\u{1f469}\"\n",
    );
    let p = dir.join("traps.log");
    std::fs::write(&p, log).expect("write log");
    p
}

#[test]
fn characters_measured_differently_leave_no_stale_cells() {
    let Some(t) = shell("stale") else {
        return;
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let log = width_trap_log(dir.path());
    t.open(dir.path(), &log);
    t.wait(|s| s.contains("1/1 senders")).expect("loaded");
    t.keys(&["o"]);
    t.wait(|s| s.contains("STALE0"))
        .expect("the other lines are listed");
    for k in ["j", "j", "j", "k", "G", "g", "o", "j", "o"] {
        t.keys(&[k]);
        std::thread::sleep(Duration::from_millis(30));
    }
    let s = t
        .wait(|s| s.contains("STALE5"))
        .expect("the lines view again");
    // A row the terminal drew wider than laid out pushes the next one off its line.
    for i in 0..6 {
        let start = format!("01-01 00:00:0{i} ");
        assert!(
            s.lines().any(|l| l.starts_with(&start)),
            "row {i} displaced: {s}"
        );
    }
    // What reaches the terminal is what was laid out: no character the terminal may
    // give another width than ratatui did (tmux keeps them in the pane's text).
    for row in s.lines() {
        assert!(
            !row.contains([
                '\u{200b}', '\u{2028}', '\u{2029}', '\u{ad}', '\u{200d}', '\u{fe0f}', '\u{feff}'
            ]),
            "an invisible character on screen: {row:?}"
        );
    }
    t.keys(&["Escape"]);
    let s = t
        .wait(|s| s.contains("senders by ip") && !s.contains("other lines"))
        .expect("back to the senders");
    std::thread::sleep(Duration::from_millis(200));
    let s2 = t.screen();
    assert!(
        !s2.contains("STALE"),
        "stale cells of the lines view: {s}\n{s2}"
    );
    // The message's subject, shown in the detail, then left again.
    t.keys(&["Enter", "Enter"]);
    t.wait(|s| s.contains("STALEM"))
        .expect("the detail shows the subject");
    // One at a time: two escapes in one write read as Alt-Esc.
    t.keys(&["Escape"]);
    t.wait(|s| s.contains("envelope sen…"))
        .expect("the messages");
    t.keys(&["Escape"]);
    t.wait(|s| s.contains(" senders by ip ─") && !s.contains("messages of"))
        .expect("back to the senders");
    std::thread::sleep(Duration::from_millis(200));
    let s = t.screen();
    assert!(!s.contains("STALE"), "stale cells of the detail: {s}");
    t.keys(&["q"]);
    assert_eq!(t.exit_status(), 0);
}
