//! The real binary in a real terminal (tmux): open the seed log, filter IPv6,
//! drill down to the DKIM line, quit, and check the terminal came back; open the
//! log lines view on a log with unrecognized lines. Skips with a notice where tmux
//! is missing or the binary does not open the TUI.

use std::path::Path;
use std::process::Command;

mod tmux;
use tmux::Tmux;

const PROMPT: &str = "e2e-prompt$";

fn shell() -> String {
    format!("env PS1='{PROMPT} ' bash --norc --noprofile -i")
}

fn seed() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/seed-main.log")
        .display()
        .to_string()
}

/// A blocklist path in a fresh temporary directory, so no test reads or writes the user's.
fn temp_blocklist() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("blocklist");
    (dir, path)
}

/// Starts the binary on the seed log from a shell; `None` (with a notice) if
/// the binary does not open the TUI, e.g. before the CLI is wired to it.
fn open_tui(name: &str, blocklist: &Path) -> Option<Tmux> {
    open_tui_on(name, blocklist, &seed())
}

/// As `open_tui`, on another log.
fn open_tui_on(name: &str, blocklist: &Path, log: &str) -> Option<Tmux> {
    let t = Tmux::start(name, (80, 24), &shell())?;
    if t.wait(|s| s.contains(PROMPT)).is_err() {
        tmux::skip("no shell prompt in tmux");
        return None;
    }
    let bin = env!("CARGO_BIN_EXE_mailtriage");
    t.keys(&[
        &format!("{bin} --blocklist {} {log}", blocklist.display()),
        "Enter",
    ]);
    let opened = t.wait(|s| {
        s.contains("senders by ip") || s.lines().filter(|l| l.starts_with(PROMPT)).count() >= 2
    });
    match opened {
        Ok(s) if s.contains("senders by ip") => Some(t),
        Ok(s) | Err(s) => panic!("`mailtriage FILE` did not open the TUI. Screen:\n{s}"),
    }
}

#[test]
fn seed_log_ipv6_sender_down_to_its_dkim_line_then_quit_restores() {
    let (_dir, list) = temp_blocklist();
    let Some(t) = open_tui("walk", &list) else {
        return;
    };
    assert_eq!(
        t.display("#{alternate_on}"),
        "1",
        "the TUI uses the alternate screen"
    );
    let s = t
        .wait(|s| s.contains("2/2 senders"))
        .expect("the seed log loads: two senders by ip");
    assert!(s.contains("by=ip family=all dkim=any sort=messages"), "{s}");

    t.keys(&["f", "f"]);
    let s = t
        .wait(|s| s.contains("family=ipv6"))
        .expect("f twice selects ipv6");
    assert!(s.contains("1/2 senders"), "{s}");
    assert!(s.contains("2a01:238:20a:202"), "{s}");

    t.keys(&["Enter"]);
    let s = t
        .wait(|s| s.contains("1QFOdo-0001zq-E9"))
        .expect("the sender's message is listed");
    assert!(s.contains("pass") && s.contains("delivered"), "{s}");

    t.keys(&["Enter"]);
    let s = t
        .wait(|s| s.contains("DKIM: s=domk"))
        .expect("the detail shows the DKIM line");
    assert!(s.contains("result=pass"), "{s}");

    t.keys(&["q"]);
    let s = t
        .wait(|s| {
            s.lines().filter(|l| l.starts_with(PROMPT)).count() >= 2 && !s.contains("senders by")
        })
        .expect("q returns to the shell");
    assert_eq!(
        t.display("#{alternate_on}"),
        "0",
        "alternate screen left: {s}"
    );
    // Raw mode is off again: the shell echoes what is typed, line by line.
    t.keys(&["echo restored-$((40+2))", "Enter"]);
    t.wait(|s| s.contains("restored-42"))
        .expect("the terminal is usable after quitting");
}

fn signal_restores_the_terminal(signal: &str) {
    let (_dir, list) = temp_blocklist();
    let Some(t) = open_tui(&signal.to_lowercase(), &list) else {
        return;
    };
    t.wait(|s| s.contains("senders")).expect("the TUI is up");
    let shell_pid = t.display("#{pane_pid}");
    let children = std::fs::read_to_string(format!("/proc/{shell_pid}/task/{shell_pid}/children"))
        .unwrap_or_default();
    let Some(pid) = children.split_whitespace().next() else {
        tmux::skip("cannot find the TUI's process id");
        return;
    };
    let _ = Command::new("kill")
        .args([&format!("-{signal}"), pid])
        .status();
    let s = t
        .wait(|s| s.contains(&format!("stopped by SIG{signal}")))
        .expect("the TUI says why it stopped");
    assert_eq!(
        t.display("#{alternate_on}"),
        "0",
        "alternate screen left: {s}"
    );
    t.keys(&["echo back-$((40+2))", "Enter"]);
    t.wait(|s| s.contains("back-42"))
        .expect("the shell is usable again");
}

#[test]
fn sigterm_restores_the_terminal() {
    signal_restores_the_terminal("TERM");
}

#[test]
fn sighup_restores_the_terminal() {
    signal_restores_the_terminal("HUP");
}

#[test]
fn resize_redraws_between_one_pane_and_stacked_panes() {
    let (_dir, list) = temp_blocklist();
    let Some(t) = open_tui("resize", &list) else {
        return;
    };
    t.wait(|s| s.contains("2/2 senders")).expect("loaded");
    let _ = t.cmd(&["resize-window", "-x", "120", "-y", "40"]).status();
    let s = t
        .wait(|s| s.contains("┌ messages of"))
        .expect("stacked panes at 120x40");
    // The focused pane is marked in its title.
    assert!(s.contains("┌ ▶ senders by ip"), "{s}");
    let _ = t.cmd(&["resize-window", "-x", "80", "-y", "24"]).status();
    t.wait(|s| !s.contains("┌ messages of") && s.contains(" senders by ip ─"))
        .expect("one pane again at 80x24");
    t.keys(&["q"]);
}

#[test]
fn load_error_is_printed_on_a_restored_terminal() {
    let Some(t) = Tmux::start("err", (80, 24), &shell()) else {
        return;
    };
    if t.wait(|s| s.contains(PROMPT)).is_err() {
        tmux::skip("no shell prompt in tmux");
        return;
    }
    let (_tmp, list) = temp_blocklist();
    let bin = format!(
        "{} --blocklist {}",
        env!("CARGO_BIN_EXE_mailtriage"),
        list.display()
    );
    // A directory passes the existence check, so this fails inside the loader,
    // after the screen was taken over.
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    t.keys(&[&format!("{bin} {}; echo exit=$?", dir.display()), "Enter"]);
    // The typed command shows `exit=$?`; only the echo puts digits after `=`.
    let s = t
        .wait(|s| exit_codes(s).len() == 1)
        .expect("the binary exits");
    if exit_codes(&s) == [0] {
        tmux::skip("the binary does not open the TUI yet");
        return;
    }
    assert_eq!(t.display("#{alternate_on}"), "0", "{s}");
    assert!(s.contains("fixtures"), "the error names the path: {s}");
    t.keys(&[
        &format!("{bin} /nonexistent/mail.log; echo exit=$?"),
        "Enter",
    ]);
    let s = t
        .wait(|s| exit_codes(s).len() == 2)
        .expect("a missing file is reported");
    assert!(s.contains("/nonexistent/mail.log"), "{s}");
    assert_ne!(exit_codes(&s)[1], 0, "{s}");
    assert_eq!(t.display("#{alternate_on}"), "0", "{s}");
}

/// Codes printed by `echo exit=$?`, in screen order.
fn exit_codes(screen: &str) -> Vec<u32> {
    screen
        .lines()
        .filter_map(|l| l.strip_prefix("exit="))
        .filter_map(|c| c.trim().parse().ok())
        .collect()
}

#[test]
fn duplicate_user_key_binding_is_refused_with_a_clear_message() {
    let Some(t) = Tmux::start("keys", (80, 24), &shell()) else {
        return;
    };
    if t.wait(|s| s.contains(PROMPT)).is_err() {
        tmux::skip("no shell prompt in tmux");
        return;
    }
    let dir = std::env::temp_dir().join(format!("mailtriage-e2e-keys-{}", std::process::id()));
    let conf = dir.join("mailtriage");
    std::fs::create_dir_all(&conf).expect("temp config dir");
    std::fs::write(conf.join("keys.toml"), "[keys]\nquit = [\"j\"]\n").expect("keys.toml");
    let bin = env!("CARGO_BIN_EXE_mailtriage");
    t.keys(&[
        &format!(
            "XDG_CONFIG_HOME={} {bin} --blocklist {} {}; echo exit=$?",
            dir.display(),
            dir.join("blocklist").display(),
            seed()
        ),
        "Enter",
    ]);
    let s = t.wait(|s| exit_codes(s).len() == 1);
    let _ = std::fs::remove_dir_all(&dir);
    let s = s.expect("the binary exits");
    if exit_codes(&s) == [0] {
        tmux::skip("the binary does not open the TUI yet");
        return;
    }
    let joined = t.screen_joined();
    assert!(
        joined.contains("key `j` is bound to both `down` and `quit`"),
        "{joined}"
    );
    assert_eq!(t.display("#{alternate_on}"), "0", "{s}");
}

#[test]
fn block_the_ipv6_sender_as_its_64_with_a_comment() {
    let (_dir, list) = temp_blocklist();
    let Some(t) = open_tui("block", &list) else {
        return;
    };
    t.wait(|s| s.contains("2/2 senders")).expect("loaded");
    t.keys(&["f", "f"]);
    t.wait(|s| s.contains("family=ipv6") && s.contains("1/2 senders"))
        .expect("ipv6 only");
    t.keys(&["b"]);
    let s = t
        .wait(|s| s.contains("block: preview"))
        .expect("b opens the preview");
    assert!(s.contains("2a01:238:20a:202:53f0::1"), "{s}");
    t.keys(&["w"]);
    let s = t
        .wait(|s| {
            s.lines()
                .any(|l| l.contains("▶ network") && l.contains(" 2a01:238:20a:202::/64 "))
        })
        .expect("w widens to the /64");
    assert!(s.contains("1 message from 1 sender"), "{s}");
    t.keys(&["Enter"]);
    t.wait(|s| s.contains("comment (optional"))
        .expect("Enter asks for a comment");
    assert!(!list.exists(), "nothing is written before the comment");
    t.keys(&["spam run"]);
    t.wait(|s| s.contains("spam run"))
        .expect("the comment is echoed");
    t.keys(&["Enter"]);
    let s = t
        // The status line is cut at 80 columns, the path with it.
        .wait(|s| s.contains("added 2a01:238:20a:202::/"))
        .expect("the entry is added");
    let text = std::fs::read_to_string(&list).unwrap_or_default();
    assert!(
        text.starts_with("2a01:238:20a:202::/64 # added ")
            && text.ends_with("; spam run; 1 message from 1 sender\n"),
        "{text}"
    );
    // The marker takes two cells; the address is cut in its middle, marked.
    assert!(s.contains("\nB 2a01:238:20a:…:1 "), "the marker shows: {s}");
    t.keys(&["q"]);
    t.wait(|s| s.lines().filter(|l| l.starts_with(PROMPT)).count() >= 2)
        .expect("q returns to the shell");
}

#[test]
fn o_lists_lines_outside_messages_then_the_unrecognized_ones() {
    let (_dir, list) = temp_blocklist();
    let log = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/tui-other.log")
        .display()
        .to_string();
    let Some(t) = open_tui_on("lines", &list, &log) else {
        return;
    };
    t.wait(|s| s.contains("unrec 7"))
        .expect("the header counts the unrecognized lines");
    t.keys(&["o"]);
    let s = t
        .wait(|s| s.contains("other lines 10 (unrecognized 6 here, 7 in all)"))
        .expect("o opens the other lines");
    assert!(s.contains("Start queue run: pid=1240"), "{s}");
    t.keys(&["o"]);
    let s = t
        .wait(|s| s.contains("unrecognized lines 7 (whole log)"))
        .expect("o again lists every unrecognized line");
    assert!(s.contains("site logwrite: disk nearly full"), "{s}");
    // The escape sequence in the log reaches the terminal as visible text only.
    assert!(s.contains(r"\x1b[2Jcleared \x1b]0;pwned"), "{s}");
    assert!(s.contains(r"\xff\xfe\x00binary junk"), "{s}");
    t.keys(&["Escape"]);
    t.wait(|s| s.contains("senders by ip") && !s.contains("unrecognized lines"))
        .expect("Esc goes back to the senders");
    t.keys(&["q"]);
    t.wait(|s| s.lines().filter(|l| l.starts_with(PROMPT)).count() >= 2)
        .expect("q returns to the shell");
}

/// `:` with a `Received:` header pasted as a terminal pastes it (bracketed: its line
/// break does not submit), then `H`, in the real binary; the paste mode is off again
/// after quitting.
#[test]
fn a_pasted_received_header_jumps_to_the_message_and_h_shows_its_history() {
    let (_dir, list) = temp_blocklist();
    let Some(t) = open_tui("jump", &list) else {
        return;
    };
    t.wait(|s| s.contains("2/2 senders"))
        .expect("the seed log loads");
    t.keys(&[":"]);
    t.wait(|s| s.contains("jump to (id"))
        .expect("the jump prompt opens");
    let _ = t
        .cmd(&[
            "set-buffer",
            "Received: from x\n\tby mx with esmtps id 1QFOdo-0001zq-E9\n\tfor <a@b.example>; Thu",
        ])
        .status();
    let _ = t.cmd(&["paste-buffer", "-p", "-d"]).status();
    t.wait(|s| s.contains("<a@b.example>; Thu"))
        .expect("the paste is in the prompt, one line");
    t.keys(&["Enter"]);
    let s = t
        .wait(|s| s.contains("1/1 messages"))
        .expect("the jump lands on the message, in the message list");
    assert!(s.contains("1QFOdo-0001zq-E9"), "{s}");
    t.keys(&["H"]);
    let s = t
        .wait(|s| s.contains("history of"))
        .expect("H opens the history");
    assert!(s.contains("1 transaction, ") && s.contains("D 2011"), "{s}");
    t.keys(&["Escape"]);
    t.wait(|s| s.contains("senders by ip"))
        .expect("Esc closes the history");
    t.keys(&["q"]);
    t.wait(|s| s.lines().filter(|l| l.starts_with(PROMPT)).count() >= 2)
        .expect("q returns to the shell");
    // Bracketed paste is off again: tmux pastes into the shell without the markers.
    let _ = t.cmd(&["set-buffer", "echo pasted-$((40+2))"]).status();
    let _ = t.cmd(&["paste-buffer", "-p", "-d"]).status();
    t.keys(&["Enter"]);
    t.wait(|s| s.contains("pasted-42"))
        .expect("the shell takes a paste after quitting");
}
