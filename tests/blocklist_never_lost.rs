//! Issue 10, item 1: blocks are never lost. A missing or unreadable blocklist is an error, an
//! export never replaces an output holding entries with one holding none, `-o` writes only
//! what changed and says so in its status, `-q` silences warnings but not errors, and the CLI
//! and the TUI pick the blocklist by one rule. Run through the real binary, as cron runs it.

use std::fs;
use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::process::{Command, Output};

/// The binary with no location from the environment: `--blocklist` or the variables a test
/// sets decide, and the system file is moved into the test's directory so /etc is never read.
fn mailtriage(tmp: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_mailtriage"));
    c.env_remove("MAILTRIAGE_BLOCKLIST")
        .env("MAILTRIAGE_SYSTEM_BLOCKLIST", tmp.join("etc/blocklist"))
        .env("XDG_CONFIG_HOME", tmp.join("config"))
        .env("HOME", tmp.join("home"));
    c
}

fn block(tmp: &Path, list: &Path, args: &[&str]) -> Output {
    mailtriage(tmp)
        .args(["block", "--no-host-addrs", "--blocklist"])
        .arg(list)
        .args(args)
        .output()
        .expect("run mailtriage")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() == 0 }
}

/// One line, `mailtriage: ` first, naming the path: how every CLI error reads.
fn assert_one_error_line(o: &Output, path: &Path, what: &str) {
    let err = stderr(o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.starts_with("mailtriage: "), "{err}");
    assert!(err.contains(&path.display().to_string()), "{err}");
    assert!(err.contains(what), "{err}");
    // The cause is said once, not repeated by the error chain.
    assert!(err.matches("os error").count() <= 1, "{err}");
}

#[test]
fn exporting_a_missing_blocklist_is_an_error_and_keeps_every_exim_file() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("exim");
    fs::create_dir_all(&dir).expect("dir");
    fs::write(dir.join("hosts"), "# enforced\n192.0.2.1\n").expect("hosts");
    let missing = tmp.path().join("no/such/blocklist");
    let o = block(
        tmp.path(),
        &missing,
        &[
            "export",
            "--format",
            "exim",
            "-o",
            dir.to_str().expect("utf8"),
        ],
    );
    assert_one_error_line(&o, &missing, "does not exist");
    assert!(
        stderr(&o).contains("mailtriage block add"),
        "{}",
        stderr(&o)
    );
    assert!(stderr(&o).contains("--create"), "{}", stderr(&o));
    assert_eq!(
        fs::read_to_string(dir.join("hosts")).expect("hosts"),
        "# enforced\n192.0.2.1\n"
    );
    assert!(!missing.exists(), "an error must not create the blocklist");
}

#[test]
fn list_check_and_rm_of_a_missing_blocklist_are_errors() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let missing = tmp.path().join("blocklist");
    let log = tmp.path().join("mainlog");
    fs::write(&log, "").expect("log");
    for args in [
        vec!["list"],
        vec!["check", log.to_str().expect("utf8")],
        vec!["rm", "192.0.2.1"],
    ] {
        let o = block(tmp.path(), &missing, &args);
        assert_one_error_line(&o, &missing, "does not exist");
        assert!(stdout(&o).is_empty(), "{args:?}: {}", stdout(&o));
    }
    assert!(!missing.exists());
}

#[test]
fn create_starts_an_empty_blocklist_and_add_creates_one() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let list = tmp.path().join("blocklist");
    let o = block(tmp.path(), &list, &["--create", "list"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(fs::read(&list).expect("created"), b"");
    let other = tmp.path().join("other");
    let o = block(tmp.path(), &other, &["add", "192.0.2.1"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        fs::read_to_string(&other)
            .expect("added")
            .starts_with("192.0.2.1 # added")
    );
}

#[test]
fn an_unreadable_blocklist_is_an_error_naming_it() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let list = tmp.path().join("blocklist");
    // chmod 000 does not stop root reading; a directory in its place stops everyone.
    if is_root() {
        fs::create_dir(&list).expect("dir");
    } else {
        fs::write(&list, "192.0.2.1\n").expect("write");
        fs::set_permissions(&list, std::os::unix::fs::PermissionsExt::from_mode(0o000))
            .expect("chmod");
    }
    for args in [
        vec!["list"],
        vec!["export", "--format", "plain"],
        vec!["add", "192.0.2.9"],
    ] {
        let o = block(tmp.path(), &list, &args);
        assert_one_error_line(&o, &list, "cannot read blocklist");
    }
}

#[test]
fn export_refuses_to_empty_an_output_in_every_format_unless_allow_empty() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let full = tmp.path().join("full");
    fs::write(
        &full,
        "192.0.2.1\n2001:db8::/64\ndomain:spam.example\ndkim:bad.example\n",
    )
    .expect("write");
    let empty = tmp.path().join("empty");
    fs::write(&empty, "# nothing yet\n").expect("write");
    for (format, name) in [
        ("plain", "out.txt"),
        ("nft", "out.nft"),
        ("json", "out.json"),
        ("exim", "exim"),
        ("postfix", "postfix"),
    ] {
        let out = tmp.path().join(name);
        let out_s = out.to_str().expect("utf8");
        let args = ["export", "--format", format, "-o", out_s];
        let o = block(tmp.path(), &full, &args);
        assert_eq!(o.status.code(), Some(0), "{format}: {}", stderr(&o));
        let before = snapshot(&out);

        let o = block(tmp.path(), &empty, &args);
        assert_eq!(o.status.code(), Some(2), "{format}: {}", stderr(&o));
        assert!(stderr(&o).contains("--allow-empty"), "{}", stderr(&o));
        assert_eq!(snapshot(&out), before, "{format}: the output changed");

        let o = block(
            tmp.path(),
            &empty,
            &[&args[..], &["--allow-empty"]].concat(),
        );
        assert_eq!(o.status.code(), Some(0), "{format}: {}", stderr(&o));
        assert_ne!(snapshot(&out), before, "{format}");
    }
}

#[test]
fn the_refusal_counts_the_entries_it_protects_in_words() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let one = tmp.path().join("one");
    fs::write(&one, "192.0.2.1\n").expect("write");
    let empty = tmp.path().join("empty");
    fs::write(&empty, "# nothing yet\n").expect("write");
    let out = tmp.path().join("out.txt");
    let args = [
        "export",
        "--format",
        "plain",
        "-o",
        out.to_str().expect("utf8"),
    ];
    assert_eq!(block(tmp.path(), &one, &args).status.code(), Some(0));
    let o = block(tmp.path(), &empty, &args);
    assert!(
        stderr(&o).contains("which holds 1 entry,"),
        "{}",
        stderr(&o)
    );
}

/// The bytes of a file, or of every file in a directory, in name order.
fn snapshot(path: &Path) -> Vec<(String, Vec<u8>)> {
    if path.is_dir() {
        let mut v: Vec<_> = fs::read_dir(path)
            .expect("read dir")
            .map(|e| {
                let e = e.expect("entry");
                (
                    e.file_name().to_string_lossy().into_owned(),
                    fs::read(e.path()).expect("read"),
                )
            })
            .filter(|(n, _)| !n.starts_with('.'))
            .collect();
        v.sort();
        v
    } else {
        vec![(String::new(), fs::read(path).expect("read"))]
    }
}

#[test]
fn export_writes_only_when_the_contents_change_and_its_status_says_so() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let list = tmp.path().join("blocklist");
    fs::write(&list, "192.0.2.1\n").expect("write");
    for (format, name) in [("nft", "out.nft"), ("exim", "exim")] {
        let out = tmp.path().join(name);
        let args = [
            "export",
            "--format",
            format,
            "-o",
            out.to_str().expect("utf8"),
        ];
        assert_eq!(
            block(tmp.path(), &list, &args).status.code(),
            Some(0),
            "{format}"
        );
        let probe = if out.is_dir() {
            out.join("hosts")
        } else {
            out.clone()
        };
        let inode = fs::metadata(&probe).expect("meta").ino();
        let o = block(tmp.path(), &list, &args);
        assert_eq!(o.status.code(), Some(3), "{format}: {}", stderr(&o));
        assert_eq!(
            fs::metadata(&probe).expect("meta").ino(),
            inode,
            "{format}: rewritten"
        );
        // Standard output is always written: status 0.
        let o = block(tmp.path(), &list, &["export", "--format", format]);
        assert_eq!(o.status.code(), Some(0), "{format}");
    }
    fs::write(&list, "192.0.2.1\n192.0.2.99\n").expect("write");
    let out = tmp.path().join("out.nft");
    let o = block(
        tmp.path(),
        &list,
        &[
            "export",
            "--format",
            "nft",
            "-o",
            out.to_str().expect("utf8"),
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        fs::read_to_string(&out)
            .expect("read")
            .contains("192.0.2.99")
    );
}

#[test]
fn quiet_silences_warnings_but_never_errors() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let list = tmp.path().join("blocklist");
    // A line kept as is, a risky entry and an entry `plain` leaves out: three warnings.
    fs::write(
        &list,
        "not an entry\n10.0.0.0/8\ndomain:spam.example\n192.0.2.1\n",
    )
    .expect("write");
    let out = tmp.path().join("out.txt");
    let args = [
        "export",
        "--format",
        "plain",
        "-o",
        out.to_str().expect("utf8"),
    ];
    let loud = block(tmp.path(), &list, &args);
    assert_eq!(loud.status.code(), Some(0), "{}", stderr(&loud));
    assert_eq!(stderr(&loud).lines().count(), 3, "{}", stderr(&loud));
    fs::remove_file(&out).expect("rm");
    for top_level in [false, true] {
        // The top-level `-q` (the load option) silences `block` too.
        let quiet = if top_level {
            mailtriage(tmp.path())
                .args(["-q", "block", "--no-host-addrs", "--blocklist"])
                .arg(&list)
                .args(args)
                .output()
                .expect("run")
        } else {
            block(tmp.path(), &list, &[&["-q"][..], &args].concat())
        };
        assert_eq!(quiet.status.code(), Some(0), "{}", stderr(&quiet));
        assert_eq!(stderr(&quiet), "");
        fs::remove_file(&out).expect("written");
    }
    let missing = tmp.path().join("missing");
    let o = block(tmp.path(), &missing, &["-q", "export", "--format", "plain"]);
    assert_one_error_line(&o, &missing, "does not exist");
}

#[test]
fn block_path_prints_the_file_used_and_why() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let path = |c: &mut Command| stdout(&c.args(["block", "path"]).output().expect("run"));
    let system = tmp.path().join("etc/blocklist");
    let expected_default = if is_root() {
        format!("{} (system file: running as root)\n", system.display())
    } else {
        format!(
            "{} (per-user file: no system file, not root)\n",
            tmp.path().join("config/mailtriage/blocklist").display()
        )
    };
    assert_eq!(path(&mut mailtriage(tmp.path())), expected_default);
    fs::create_dir_all(system.parent().expect("parent")).expect("dir");
    fs::write(&system, "").expect("system file");
    assert_eq!(
        path(&mut mailtriage(tmp.path())),
        format!("{} (system file: exists)\n", system.display())
    );
    assert_eq!(
        path(mailtriage(tmp.path()).env("MAILTRIAGE_BLOCKLIST", "/srv/bl")),
        "/srv/bl ($MAILTRIAGE_BLOCKLIST)\n"
    );
    let o = mailtriage(tmp.path())
        .env("MAILTRIAGE_BLOCKLIST", "/srv/bl")
        .args(["--blocklist", "/x/bl", "block", "path"])
        .output()
        .expect("run");
    assert_eq!(stdout(&o), "/x/bl (--blocklist)\n");
}

#[test]
fn the_system_file_is_where_a_user_adds_and_root_exports() {
    // The bug: a block added as oneself went to ~/.config, root's export read another file.
    let tmp = tempfile::tempdir().expect("tempdir");
    let system = tmp.path().join("etc/blocklist");
    fs::create_dir_all(system.parent().expect("parent")).expect("dir");
    fs::write(&system, "192.0.2.1\n").expect("system file");
    let o = mailtriage(tmp.path())
        .args(["block", "--no-host-addrs", "add", "198.51.100.7"])
        .output()
        .expect("run");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = fs::read_to_string(&system).expect("read");
    assert!(text.contains("198.51.100.7"), "{text}");
    assert!(!tmp.path().join("config/mailtriage/blocklist").exists());
}
