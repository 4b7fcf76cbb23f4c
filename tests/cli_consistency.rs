//! Issue 10, item 4: one command line that behaves alike everywhere: "did you mean",
//! one spelling of values, each command's own options with help, one-line errors,
//! consistent exit statuses, plurals, and a wrong log named as such.

mod common;

use std::path::Path;
use std::process::{Command, Output, Stdio};

use clap::CommandFactory;
use common::fixture;
use mailtriage::cli::Cli;

fn bin(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mailtriage"))
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("run mailtriage")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn seed() -> String {
    fixture("seed-main.log").to_str().expect("path").to_string()
}

fn help(args: &[&str]) -> String {
    let mut a = args.to_vec();
    a.push("--help");
    let o = bin(&a);
    assert!(o.status.success(), "{args:?}: {}", stderr(&o));
    stdout(&o)
}

/// One line of stderr, `mailtriage: ` first, no cause said twice.
fn assert_one_line_error(o: &Output) -> String {
    assert_eq!(o.status.code(), Some(2), "{}", stderr(o));
    let e = stderr(o);
    assert_eq!(e.lines().count(), 1, "{e}");
    assert!(e.starts_with("mailtriage: "), "{e}");
    let parts: Vec<&str> = e.trim_end().split(": ").collect();
    for w in parts.windows(2) {
        assert_ne!(w[0], w[1], "repeated cause: {e}");
    }
    e
}

#[test]
fn a_misspelt_or_misplaced_subcommand_gets_did_you_mean() {
    let s = seed();
    let o = bin(&["sumary", &s]);
    let e = assert_one_line_error(&o);
    assert!(
        e.contains(&format!(
            "no file `sumary`; did you mean `mailtriage summary {s}`?"
        )),
        "{e}"
    );
    let o = bin(&[&s, "summary"]);
    let e = assert_one_line_error(&o);
    assert!(
        e.contains("no file `summary`; did you mean `mailtriage summary"),
        "{e}"
    );
    let o = bin(&["sendres"]);
    assert!(
        stderr(&o).contains("`mailtriage senders …`"),
        "{}",
        stderr(&o)
    );
    // A file that does not exist and resembles nothing is still "no such file".
    let o = bin(&["/nonexistent/mainlog"]);
    let e = assert_one_line_error(&o);
    assert!(
        e.contains("no such file") && !e.contains("did you mean"),
        "{e}"
    );
    // The usage line no longer claims a subcommand may follow the files.
    let h = help(&[]);
    assert!(h.contains("mailtriage <COMMAND>"), "{h}");
    assert!(!h.contains("[FILE]... [COMMAND]"), "{h}");
}

#[test]
fn values_are_spelt_with_hyphens_and_old_or_tui_spellings_still_work() {
    let s = seed();
    let hy = bin(&[
        "lines",
        "--kind",
        "delivery-more",
        "--kind",
        "auth-failure",
        &s,
    ]);
    let us = bin(&[
        "lines",
        "--kind",
        "delivery_more",
        "--kind",
        "auth_failure",
        &s,
    ]);
    assert_ne!(hy.status.code(), Some(2), "{}", stderr(&hy));
    assert_eq!(hy.stdout, us.stdout);
    assert_eq!(hy.status.code(), us.status.code());
    let h = help(&["lines"]);
    assert!(
        h.contains("delivery-more") && !h.contains("delivery_more"),
        "{h}"
    );
    for (alias, name) in [("v6", "ipv6"), ("v4", "ipv4")] {
        let a = bin(&["senders", "--family", alias, "--json", &s]);
        let b = bin(&["senders", "--family", name, "--json", &s]);
        assert_ne!(a.status.code(), Some(2), "{}", stderr(&a));
        assert_eq!(a.stdout, b.stdout);
    }
    for (old, new) in [
        (["--by", "dkim_domain"], ["--by", "dkim-domain"]),
        (["--sort", "dkim_fail"], ["--sort", "dkim-fail"]),
    ] {
        let a = bin(&["senders", old[0], old[1], "--json", &s]);
        let b = bin(&["senders", new[0], new[1], "--json", &s]);
        assert_ne!(a.status.code(), Some(2), "{}", stderr(&a));
        assert_eq!(a.stdout, b.stdout);
    }
    // No value anywhere is spelt with an underscore.
    fn walk(c: &clap::Command, path: &str) {
        for a in c.get_arguments() {
            for v in a.get_possible_values() {
                assert!(
                    !v.get_name().contains('_'),
                    "{path} --{}: {}",
                    a.get_id(),
                    v.get_name()
                );
            }
        }
        for s in c.get_subcommands() {
            walk(s, &format!("{path} {}", s.get_name()));
        }
    }
    walk(&Cli::command(), "mailtriage");
}

#[test]
fn every_argument_and_subcommand_has_help() {
    fn walk(c: &clap::Command, path: &str) {
        for a in c.get_arguments() {
            if matches!(a.get_id().as_str(), "help" | "version") {
                continue;
            }
            assert!(a.get_help().is_some(), "{path}: {} has no help", a.get_id());
        }
        for s in c.get_subcommands() {
            if s.get_name() == "help" {
                continue;
            }
            assert!(
                s.get_about().is_some(),
                "{path} {} has no help",
                s.get_name()
            );
            walk(s, &format!("{path} {}", s.get_name()));
        }
    }
    walk(&Cli::command(), "mailtriage");
}

#[test]
fn each_subcommand_lists_only_its_own_options() {
    let load = [
        "--no-mmap",
        "--max-memory",
        "--syslog-year",
        "--threads",
        "--quiet",
    ];
    let prefix = ["--v4-prefix", "--v6-prefix"];
    let tui = [
        "--blocklist",
        "--min-v4-prefix",
        "--server-addr",
        "--no-host-addrs",
    ];
    for cmd in [&["summary"][..], &["show"], &["grep"], &["lines"]] {
        let h = help(cmd);
        for o in load {
            assert!(h.contains(o), "{cmd:?} lacks {o}: {h}");
        }
        for o in prefix.iter().chain(&tui) {
            assert!(!h.contains(o), "{cmd:?} shows {o}: {h}");
        }
    }
    for cmd in [&["senders"][..], &["rejections"]] {
        let h = help(cmd);
        for o in load.iter().chain(&prefix) {
            assert!(h.contains(o), "{cmd:?} lacks {o}: {h}");
        }
        for o in tui {
            assert!(!h.contains(o), "{cmd:?} shows {o}: {h}");
        }
    }
    for cmd in [
        &["completions"][..],
        &["man"],
        &["block", "add"],
        &["block", "list"],
        &["block", "path"],
    ] {
        let h = help(cmd);
        for o in [
            "--no-mmap",
            "--max-memory",
            "--v4-prefix",
            "--syslog-year",
            "--server-addr",
        ] {
            assert!(!h.contains(o), "{cmd:?} shows {o}: {h}");
        }
    }
    // The TUI's own options are on the top level, where the TUI is.
    let h = help(&[]);
    for o in load.iter().chain(&prefix).chain(&tui) {
        assert!(h.contains(o), "top level lacks {o}");
    }
}

#[test]
fn the_top_level_examples_cover_every_subcommand() {
    let h = help(&[]);
    for c in Cli::command().get_subcommands() {
        let name = c.get_name();
        if name == "help" {
            continue;
        }
        assert!(
            h.contains(&format!("  mailtriage {name} ")),
            "no example of {name}"
        );
    }
}

#[test]
fn options_of_reading_go_before_or_after_the_subcommand() {
    let s = seed();
    let after = bin(&["summary", "-q", "--no-mmap", "--json", &s]);
    let before = bin(&["-q", "--no-mmap", "summary", "--json", &s]);
    assert!(after.status.success(), "{}", stderr(&after));
    assert!(before.status.success(), "{}", stderr(&before));
    assert_eq!(after.stdout, before.stdout);
    let a = bin(&["senders", "--by", "net", "--v6-prefix", "48", &s]);
    let b = bin(&["--v6-prefix", "48", "senders", "--by", "net", &s]);
    assert_eq!(a.stdout, b.stdout);
    assert!(stdout(&a).contains("2a01:238:20a::/48"), "{}", stdout(&a));
}

#[test]
fn errors_are_one_line_and_say_each_cause_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let gz = dir.path().join("cut.gz");
    // A gzip header and nothing else: the stream ends early.
    std::fs::write(&gz, b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03").expect("write");
    let e = assert_one_line_error(&bin(&["summary", gz.to_str().expect("p")]));
    assert!(e.contains("cut.gz") && e.contains("gzip"), "{e}");
    let e = assert_one_line_error(&bin(&["grep", "(", &seed()]));
    assert!(e.contains("bad pattern `(`: unclosed group"), "{e}");
    assert!(!e.contains("error: "), "{e}");
    let e = assert_one_line_error(&bin(&["senders", "--regex", "a[", &seed()]));
    assert!(e.contains("bad pattern `a[`"), "{e}");
    let e = assert_one_line_error(&bin(&["senders", "--family", "v5", &seed()]));
    assert!(e.contains("v5") && e.contains("ipv4"), "{e}");
    assert!(e.contains("(see `mailtriage senders --help`)"), "{e}");
    assert!(!e.contains("For more information"), "{e}");
    let e = assert_one_line_error(&bin(&["summary", "--bogus"]));
    assert!(e.contains("--bogus"), "{e}");
    let e = assert_one_line_error(&bin(&["lines", &seed()]));
    assert!(
        e.contains("not provided: --kind <KIND> (see `mailtriage lines --help`)"),
        "{e}"
    );
    assert!(!e.contains("<COMMAND>"), "{e}");
}

#[test]
fn no_result_exits_1_for_every_listing_command() {
    let s = seed();
    let o = bin(&["grep", "nothing-matches-this", &s]);
    assert_eq!(o.status.code(), Some(1));
    let o = bin(&["lines", "--kind", "unrecognized", &s]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    let o = bin(&["lines", "--kind", "arrival", &s]);
    assert_eq!(o.status.code(), Some(0));
    let o = bin(&["senders", "--regex", "nothing-matches-this", &s]);
    assert_eq!(o.status.code(), Some(1));
    let o = bin(&["show", "1QFOdo-0001zq-XX", &s]);
    assert_eq!(o.status.code(), Some(1));
}

#[test]
fn a_directory_given_to_the_interactive_view_is_named_before_the_terminal() {
    let dir = tempfile::tempdir().expect("tempdir");
    let e = assert_one_line_error(&bin(&[dir.path().to_str().expect("p")]));
    assert!(e.contains("is a directory"), "{e}");
    assert!(!e.contains("terminal"), "{e}");
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> String {
    let p = dir.join(name);
    std::fs::write(&p, bytes).expect("write");
    p.to_str().expect("p").to_string()
}

#[test]
fn an_input_that_is_not_an_exim_log_is_named() {
    let dir = tempfile::tempdir().expect("tempdir");
    let postfix = write(
        dir.path(),
        "maillog",
        b"Jan  2 03:04:05 mx postfix/smtpd[123]: connect from unknown[192.0.2.1]\n\
          Jan  2 03:04:06 mx postfix/smtpd[123]: disconnect from unknown[192.0.2.1]\n",
    );
    let o = bin(&["summary", &postfix]);
    let e = assert_one_line_error(&o);
    assert!(
        e.contains(&format!(
            "{postfix} does not look like an Exim main log (0 of 2 lines recognised); it looks like a Postfix log"
        )),
        "{e}"
    );
    assert!(stdout(&o).is_empty());
    assert_eq!(bin(&["senders", &postfix]).status.code(), Some(2));
    let syslog = write(
        dir.path(),
        "syslog",
        b"Jan  2 03:04:05 mx sshd[99]: Accepted publickey for root\n",
    );
    let e = assert_one_line_error(&bin(&["summary", &syslog]));
    assert!(
        e.contains("(0 of 1 line recognised); it looks like a syslog"),
        "{e}"
    );
    let binary = write(
        dir.path(),
        "a.out",
        b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0\n\x03\0",
    );
    let e = assert_one_line_error(&bin(&["summary", &binary]));
    assert!(e.contains("it is not text"), "{e}");
    // `lines --kind unrecognized` is how one looks at such a file: it still works.
    let o = bin(&["lines", "--kind", "unrecognized", &postfix]);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(stdout(&o).lines().count(), 2);
    assert!(stderr(&o).contains("Postfix"), "{}", stderr(&o));
    // An empty file is not an error.
    let empty = write(dir.path(), "empty", b"");
    assert_eq!(bin(&["summary", &empty]).status.code(), Some(0));
    let blank = write(dir.path(), "blank", b"\n\n  \n");
    assert_eq!(bin(&["summary", &blank]).status.code(), Some(0));
}

#[test]
fn counts_of_one_are_singular() {
    let dir = tempfile::tempdir().expect("tempdir");
    let list = write(dir.path(), "blocklist", b"2a01:238:20a:202::/64\n");
    let o = bin(&["block", "--blocklist", &list, "check", &seed()]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("1 message from 1 sender"),
        "{}",
        stdout(&o)
    );
    let o = bin(&[
        "rejections",
        "--by",
        "net",
        "2a01:238:20a:202::/64",
        &seed(),
    ]);
    assert!(!stdout(&o).contains(" 1 rejections"), "{}", stdout(&o));
}

#[test]
fn block_check_reads_logs_as_every_reading_command_does() {
    let dir = tempfile::tempdir().expect("tempdir");
    let list = write(dir.path(), "blocklist", b"2a01:238:20a:202::/64\n");
    let h = help(&["block", "check"]);
    for o in ["--no-mmap", "--max-memory", "--syslog-year", "--threads"] {
        assert!(h.contains(o), "block check lacks {o}: {h}");
    }
    let o = bin(&[
        "block",
        "--blocklist",
        &list,
        "check",
        "--no-mmap",
        "--threads",
        "1",
        &seed(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("1 message from 1 sender"),
        "{}",
        stdout(&o)
    );
    let postfix = write(
        dir.path(),
        "maillog",
        b"Jan  2 03:04:05 mx postfix/smtpd[123]: connect from unknown[192.0.2.1]\n",
    );
    let o = bin(&["block", "--blocklist", &list, "check", &postfix]);
    assert!(
        stderr(&o).contains("does not look like an Exim main log"),
        "{}",
        stderr(&o)
    );
    let o = bin(&["block", "-q", "--blocklist", &list, "check", &postfix]);
    assert!(stderr(&o).is_empty(), "{}", stderr(&o));
}
