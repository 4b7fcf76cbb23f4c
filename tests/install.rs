//! What `cargo install` gives an admin beside the program (issue 10, item 2): `--version`,
//! shell completions and man pages generated from the same clap definitions as `--help`.

use std::io::Write;
use std::process::{Command, Output, Stdio};

const SUBCOMMANDS: [&str; 9] = [
    "summary",
    "senders",
    "show",
    "rejections",
    "grep",
    "block",
    "lines",
    "completions",
    "man",
];

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mailtriage"))
        .args(args)
        .output()
        .expect("run mailtriage")
}

fn stdout(args: &[&str]) -> String {
    let o = run(args);
    assert!(
        o.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout).expect("utf8")
}

/// Feeds `script` to `shell -n` (parse only) when that shell is installed.
fn parses_in(shell: &str, script: &str) -> Option<bool> {
    let mut child = Command::new(shell)
        .arg("-n")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .ok()?;
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(script.as_bytes())
        .expect("write");
    Some(child.wait_with_output().expect("wait").status.success())
}

#[test]
fn version_names_the_program_and_its_version() {
    let v = stdout(&["--version"]);
    assert_eq!(
        v.trim(),
        format!("mailtriage {}", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn completions_cover_every_subcommand_and_parse_in_their_shell() {
    for (shell, marker) in [
        ("bash", "complete -F _mailtriage"),
        ("zsh", "#compdef mailtriage"),
        ("fish", "complete -c mailtriage"),
    ] {
        let script = stdout(&["completions", shell]);
        assert!(script.contains(marker), "{shell}: {marker:?} missing");
        for sub in SUBCOMMANDS {
            assert!(script.contains(sub), "{shell} completion lacks {sub}");
        }
        // fish spells `--family` as `-l family`.
        for opt in ["family", "blocklist", "v6-prefix", "dkim-domain"] {
            assert!(script.contains(opt), "{shell} completion lacks {opt}");
        }
        if let Some(ok) = parses_in(shell, &script) {
            assert!(ok, "{shell} -n rejects the completion script");
        }
    }
    // bash is everywhere the tests run: its script must be checked, not only read.
    assert_eq!(
        parses_in("bash", &stdout(&["completions", "bash"])),
        Some(true)
    );
    let o = run(&["completions", "tcsh"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn the_man_page_is_roff_that_man_renders_with_every_subcommand() {
    let page = stdout(&["man"]);
    assert!(page.contains(".TH mailtriage 1"), "{page}");
    for sub in SUBCOMMANDS {
        assert!(page.contains(sub), "the page lacks {sub}");
    }
    // Rendered as `man -l` shows it, where man is installed.
    let rendered = Command::new("man")
        .args(["-l", "-"])
        .env("MANWIDTH", "80")
        .env("MANPAGER", "cat")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .ok()
        .map(|mut c| {
            c.stdin
                .take()
                .expect("stdin")
                .write_all(page.as_bytes())
                .expect("write");
            c.wait_with_output().expect("man")
        });
    if let Some(r) = rendered.filter(|r| r.status.success()) {
        let text = String::from_utf8_lossy(&r.stdout);
        assert!(
            text.contains("SYNOPSIS") && text.contains("Triage Exim"),
            "{text}"
        );
    }
}

#[test]
fn man_with_a_directory_writes_one_page_per_subcommand() {
    let dir = tempfile::tempdir().expect("tempdir");
    let listed = stdout(&["man", "-o", dir.path().to_str().expect("utf8")]);
    let mut names: Vec<String> = std::fs::read_dir(dir.path())
        .expect("dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let mut want: Vec<String> = SUBCOMMANDS
        .iter()
        .map(|s| format!("mailtriage-{s}.1"))
        .chain(["mailtriage.1".to_string()])
        .collect();
    want.sort();
    assert_eq!(names, want);
    assert_eq!(listed.lines().count(), want.len());
    let senders = std::fs::read_to_string(dir.path().join("mailtriage-senders.1")).expect("page");
    assert!(senders.contains(".TH mailtriage-senders 1"), "{senders}");
    assert!(senders.contains("dkim\\-domain") || senders.contains("dkim-domain"));
}
