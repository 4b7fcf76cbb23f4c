//! A log written by an attacker, through every output of the binary: no escape
//! sequence, control, bidi or invisible character reaches standard output or
//! error raw, JSON still parses to the log's text, CSV keys are never formulas.

#[path = "prereq/mod.rs"]
mod prereq;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use mailtriage::model::{self, LoadOptions};
use mailtriage::query::NetPrefix;
use mailtriage::tui::app::App;
use mailtriage::tui::keys::KeyMap;
use mailtriage::tui::render::render;
use mailtriage::tui::theme::Theme;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// Payloads without spaces, so that each fits in a HELO, a sender, a domain and a
/// DKIM `d=`.
const PAYLOADS: [&[u8]; 18] = [
    b"osc52\x1b]52;c;aGFjaw==\x07",
    b"title\x1b]0;pwned\x07",
    b"clear\x1b[2J",
    b"dcs\x1bPq#0;2;0\x1b\\",
    "c1\u{9b}2J".as_bytes(),
    b"del\x7f",
    "rlo\u{202e}gro.live".as_bytes(),
    "ls\u{2028}ps\u{2029}".as_bytes(),
    "zw\u{200b}\u{200d}\u{feff}\u{ad}\u{2060}".as_bytes(),
    "tag\u{e0041}\u{fe0f}".as_bytes(),
    "\u{301}mark".as_bytes(),
    "nel\u{85}".as_bytes(),
    b"bad\xff\xfe",
    b"=cmd|'/Ccalc'!A0",
    b"+1",
    b"-1",
    b"@SUM(1)",
    b"\tx",
];

fn hostile_bytes() -> Vec<u8> {
    let mut log = Vec::new();
    for (i, p) in PAYLOADS.iter().enumerate() {
        let id = format!("1rg0{i:02}-{i:06}-AB");
        let t = format!("2024-03-01 10:00:{i:02}");
        let mut push = |parts: &[&[u8]]| {
            for part in parts {
                log.extend_from_slice(part);
            }
            log.push(b'\n');
        };
        push(&[
            format!("{t} {id} DKIM: d=").as_bytes(),
            p,
            b" s=sel c=relaxed/relaxed a=rsa-sha256 b=2048 [verification succeeded]",
        ]);
        push(&[
            format!("{t} {id} <= ").as_bytes(),
            p,
            b"@",
            p,
            b" H=(",
            p,
            format!(") [192.0.2.{}]:25 P=esmtp S=100 DKIM=", i + 1).as_bytes(),
            p,
        ]);
        push(&[format!("{t} {id} Completed").as_bytes()]);
        push(&[b"unparsed ", p]);
    }
    log
}

fn hostile_log(dir: &Path) -> PathBuf {
    let path = dir.join("hostile.log");
    std::fs::write(&path, hostile_bytes()).expect("write log");
    path
}

fn bin(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mailtriage"))
        .args(args)
        .output()
        .expect("run mailtriage")
}

/// The first character in `out` that no output may hold raw (a newline excepted),
/// or a byte that is not UTF-8.
fn first_unsafe(out: &[u8]) -> Option<String> {
    for chunk in out.utf8_chunks() {
        for c in chunk.valid().chars() {
            if c != '\n' && mailtriage::text::is_unsafe(c) {
                return Some(format!("U+{:04X}", c as u32));
            }
        }
        if !chunk.invalid().is_empty() {
            return Some(format!("bad UTF-8 {:x?}", chunk.invalid()));
        }
    }
    None
}

fn assert_inert(what: &str, o: &Output) {
    assert!(
        o.status.success(),
        "{what}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    for (name, bytes) in [("stdout", &o.stdout), ("stderr", &o.stderr)] {
        if let Some(bad) = first_unsafe(bytes) {
            panic!(
                "{what}: {bad} on {name}:\n{}",
                String::from_utf8_lossy(bytes)
            );
        }
    }
}

const BY: [&str; 4] = ["host", "sender", "domain", "dkim-domain"];

#[test]
fn senders_text_shows_every_payload_inert_in_every_grouping() {
    let dir = tempfile::tempdir().expect("tempdir");
    let log = hostile_log(dir.path());
    let log = log.to_str().expect("path");
    for by in BY {
        let o = bin(&["senders", log, "--by", by]);
        assert_inert(by, &o);
        let text = String::from_utf8_lossy(&o.stdout);
        for shown in [r"osc52\x1b]52;c;", r"\u{202e}", r"\u{2028}", r"\u{200b}"] {
            assert!(text.contains(shown), "--by {by}: no {shown} in\n{text}");
        }
    }
}

#[test]
fn senders_json_is_inert_and_parses_to_the_log_text() {
    let dir = tempfile::tempdir().expect("tempdir");
    let log = hostile_log(dir.path());
    let log = log.to_str().expect("path");
    for by in BY {
        let o = bin(&["senders", log, "--by", by, "--json"]);
        assert_inert(by, &o);
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json parses");
        let keys: Vec<&str> = v
            .as_array()
            .expect("rows")
            .iter()
            .map(|r| r["key"].as_str().expect("key"))
            .collect();
        // A key is the same text in every output (`query::key`): the visible,
        // reversible escaped form, never the raw character.
        let rlo = keys
            .iter()
            .find(|k| k.contains("rlo"))
            .unwrap_or_else(|| panic!("--by {by}: {keys:?}"));
        assert!(rlo.contains("\\u{202e}"), "{rlo:?}");
        assert!(!rlo.contains('\u{202e}'), "{rlo:?}");
        let text = String::from_utf8_lossy(&bin(&["senders", log, "--by", by]).stdout).into_owned();
        for k in &keys {
            let cut: String = k.chars().take(40).collect();
            assert!(text.contains(&cut), "--by {by}: {k:?} not in\n{text}");
        }
    }
}

#[test]
fn senders_csv_is_inert_and_never_starts_a_formula() {
    let dir = tempfile::tempdir().expect("tempdir");
    let log = hostile_log(dir.path());
    let log = log.to_str().expect("path");
    for by in BY {
        let o = bin(&["senders", log, "--by", by, "--csv"]);
        assert_inert(by, &o);
        let text = String::from_utf8_lossy(&o.stdout);
        let mut neutralised = 0;
        for line in text.lines().skip(1) {
            let key = line.strip_prefix('"').unwrap_or(line);
            let first = key.trim_start().chars().next();
            assert!(
                !matches!(first, Some('=' | '+' | '-' | '@' | '\t' | '\r')),
                "--by {by}: formula key in {line:?}"
            );
            neutralised += usize::from(key.starts_with('\''));
        }
        if by != "dkim-domain" {
            assert!(neutralised >= 3, "--by {by}: {text}");
        }
    }
}

#[test]
fn grep_json_and_summary_json_are_inert() {
    let dir = tempfile::tempdir().expect("tempdir");
    let log = hostile_log(dir.path());
    let log = log.to_str().expect("path");
    let o = bin(&["grep", ".", log, "--json"]);
    assert_inert("grep --json", &o);
    let mut lines = Vec::new();
    for l in o.stdout.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
        let v: serde_json::Value = serde_json::from_slice(l).expect("each line parses");
        for s in v["lines"].as_array().expect("lines") {
            lines.push(s.as_str().expect("str").to_string());
        }
    }
    assert!(
        lines.iter().any(|l| l.contains("\x1b]52;c;")),
        "the log text comes back"
    );
    assert!(
        lines.iter().any(|l| l.ends_with("bad\\xff\\xfe")),
        "bad bytes visible"
    );
    assert!(lines.iter().any(|l| l.contains("\u{2028}")));

    let o = bin(&["summary", log, "--json"]);
    assert_inert("summary --json", &o);
}

#[test]
fn raw_lines_into_a_pipe_are_the_log_itself() {
    let dir = tempfile::tempdir().expect("tempdir");
    let log = hostile_log(dir.path());
    let o = bin(&[
        "lines",
        "--kind",
        "unrecognized",
        log.to_str().expect("path"),
    ]);
    assert!(o.status.success());
    let want: Vec<u8> = std::fs::read(&log)
        .expect("read")
        .split_inclusive(|&b| b == b'\n')
        .filter(|l| l.starts_with(b"unparsed "))
        .flatten()
        .copied()
        .collect();
    assert_eq!(o.stdout, want, "documented: raw bytes into a pipe");
}

/// `script` runs the binary on a pseudo-terminal, where whole lines are sanitised.
fn on_a_terminal(args: &[&str]) -> Option<Vec<u8>> {
    let cmd = std::iter::once(env!("CARGO_BIN_EXE_mailtriage"))
        .chain(args.iter().copied())
        .map(|a| format!("'{}'", a.replace('\'', r"'\''")))
        .collect::<Vec<_>>()
        .join(" ");
    let o = Command::new("script")
        .args(["-qec", &cmd, "/dev/null"])
        .env("TERM", "dumb")
        .output()
        .ok()?;
    o.status.success().then_some(o.stdout)
}

#[test]
fn whole_lines_on_a_terminal_are_inert() {
    let dir = tempfile::tempdir().expect("tempdir");
    let log = hostile_log(dir.path());
    let log = log.to_str().expect("path");
    for args in [
        vec!["lines", "--kind", "unrecognized", "-n", log],
        vec!["grep", "osc52|rlo|ls", log],
        vec!["show", "1rg000-000000-AB", log],
    ] {
        let Some(out) = on_a_terminal(&args) else {
            prereq::skip(
                "the terminal part of this test",
                "`script` (util-linux) is not available",
            );
            return;
        };
        // The pty turns \n into \r\n; that CR is the terminal's, not the log's.
        let out: Vec<u8> = String::from_utf8_lossy(&out)
            .replace("\r\n", "\n")
            .into_bytes();
        if let Some(bad) = first_unsafe(&out) {
            panic!("{args:?}: {bad}:\n{}", String::from_utf8_lossy(&out));
        }
        assert!(!out.is_empty(), "{args:?}");
    }
}

#[test]
fn block_check_shows_senders_inert() {
    let dir = tempfile::tempdir().expect("tempdir");
    let log = dir.path().join("local.log");
    let mut text = Vec::new();
    for (i, p) in PAYLOADS.iter().enumerate() {
        text.extend_from_slice(
            format!("2024-03-01 10:00:{i:02} 1rg0{i:02}-{i:06}-AB <= ").as_bytes(),
        );
        text.extend_from_slice(p);
        text.extend_from_slice(b"@x.test U=exim P=local S=100\n");
    }
    std::fs::write(&log, text).expect("write");
    let bl = dir.path().join("blocklist");
    let bl = bl.to_str().expect("path");
    assert!(
        bin(&["block", "--blocklist", bl, "add", "domain:x.test"])
            .status
            .success()
    );
    let o = bin(&[
        "block",
        "--blocklist",
        bl,
        "check",
        log.to_str().expect("path"),
    ]);
    assert_inert("block check", &o);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains(r"osc52\x1b]52;c;"), "{out}");
}

#[test]
fn file_names_in_errors_are_inert() {
    let o = bin(&["summary", "/nonexistent/\x1b]0;pwned\x07\u{202e}.log"]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(first_unsafe(&o.stderr).is_none(), "{err}");
    assert!(err.contains(r"\x1b]0;pwned\x07\u{202e}.log"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
}

/// Every pane the log reaches, in every grouping: no cell of the drawn screen
/// holds a character the terminal would act on or hide.
#[test]
fn tui_screens_hold_no_unsafe_character() {
    let opts = LoadOptions {
        threads: 1,
        ..LoadOptions::default()
    };
    for (w, h) in [(80, 24), (200, 50)] {
        let m = model::load::from_bytes("hostile\x1b]0;t\x07.log", hostile_bytes(), &opts);
        let mut app = App::with_model(
            KeyMap::defaults().expect("keys"),
            m,
            NetPrefix::default(),
            (w, h),
        );
        let mut term = Terminal::new(TestBackend::new(w, h)).expect("terminal");
        // Each grouping (`a` cycles them); in each, every sender, its messages and
        // their detail, then the other-lines view.
        let walk = "a".to_string()
            + &"j\n\nhh".repeat(PAYLOADS.len() + 2)
            + "o"
            + &"j".repeat(40)
            + "oo\x1b\x1b";
        const SHOWN: [&str; 5] = [
            r"osc52\x1b]52",
            r"\u{200b}",
            r"\u{2028}",
            r"\u{202e}",
            r"\u{e0041}",
        ];
        let mut seen = [false; SHOWN.len()];
        for step in 0..6 {
            for (i, c) in walk.chars().enumerate() {
                let code = match c {
                    '\n' => KeyCode::Enter,
                    '\x1b' => KeyCode::Esc,
                    c => KeyCode::Char(c),
                };
                app.key(KeyEvent::new(code, KeyModifiers::NONE));
                term.draw(|f| render(f, &app, Theme { color: false }))
                    .expect("draw");
                let buf = term.backend().buffer();
                let screen: String = buf.content().iter().map(|c| c.symbol()).collect();
                for (k, shown) in SHOWN.iter().enumerate() {
                    seen[k] |= screen.contains(shown);
                }
                for y in 0..h {
                    for x in 0..w {
                        let sym = buf[(x, y)].symbol();
                        if let Some(c) = sym.chars().find(|&c| mailtriage::text::is_unsafe(c)) {
                            panic!(
                                "grouping {step}, key {i} {c:?}: U+{:04X} at {x},{y}",
                                c as u32
                            );
                        }
                    }
                }
            }
        }
        assert_eq!(
            seen,
            [true; SHOWN.len()],
            "{w}x{h}: the walk reaches {SHOWN:?}"
        );
    }
}

/// The CLI and the TUI write JSON only through `text::json`, whose formatter
/// escapes what serde_json's own writers pass raw.
#[test]
fn no_output_uses_serde_json_writers_directly() {
    fn walk(dir: &Path, found: &mut Vec<String>) {
        for e in std::fs::read_dir(dir).expect("read src") {
            let p = e.expect("entry").path();
            if p.is_dir() {
                walk(&p, found);
            } else if p.extension().is_some_and(|x| x == "rs") {
                let text = std::fs::read_to_string(&p).expect("read");
                for bad in [
                    "serde_json::to_writer",
                    "serde_json::to_string",
                    "serde_json::to_vec",
                ] {
                    if text.contains(bad) {
                        found.push(format!("{}: {bad}", p.display()));
                    }
                }
            }
        }
    }
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut found = Vec::new();
    walk(&src.join("cli"), &mut found);
    walk(&src.join("tui"), &mut found);
    assert!(
        found.is_empty(),
        "use mailtriage::text::json instead: {found:?}"
    );
}
