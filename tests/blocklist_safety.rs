//! Block safety end to end: `block add` refuses what can only break mail, wants `--force` for
//! what is risky, and a file holding a forbidden entry never exports it.

use std::fs;
use std::path::Path;
use std::process::{Command, Output};

fn block(list: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mailtriage"))
        .arg("block")
        .arg("--blocklist")
        .arg(list)
        .args(args)
        .output()
        .expect("run mailtriage")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn add_refuses_the_issue_list_even_with_force() {
    let dir = tempfile::tempdir().expect("tempdir");
    let list = dir.path().join("blocklist");
    fs::write(&list, "# mine\n").expect("write");
    for bad in [
        "0.0.0.0/0",
        "::/0",
        "1.2.3.4/0",
        "::ffff:0.0.0.0/96",
        "127.0.0.1",
        "::1",
        "224.0.0.0/4",
        "255.255.255.255",
        "0.0.0.0",
        "169.254.0.0/16",
        "fe80::1",
        "::ffff:127.0.0.1",
        "domain:co.uk",
        "dkim:github.io",
    ] {
        for force in [false, true] {
            let mut args = vec!["add", bad];
            if force {
                args.push("--force");
            }
            let o = block(&list, &args);
            assert_ne!(
                o.status.code(),
                Some(0),
                "{bad} force={force}: {}",
                text(&o)
            );
            assert!(text(&o).contains("refusing"), "{bad}: {}", text(&o));
        }
    }
    assert_eq!(fs::read_to_string(&list).expect("read"), "# mine\n");
}

#[test]
fn risky_entries_need_force_and_say_why() {
    let dir = tempfile::tempdir().expect("tempdir");
    let list = dir.path().join("blocklist");
    for (risky, why) in [
        ("10.0.0.0/8", "RFC 1918"),
        ("100.64.0.1", "carrier-grade NAT"),
        ("fd12::1", "unique-local"),
        ("8.0.0.0/7", "wider than /8"),
        ("2001::/16", "wider than /19"),
        ("198.51.100.25", "own address"),
    ] {
        let o = block(&list, &["--server-addr", "198.51.100.25", "add", risky]);
        assert_ne!(o.status.code(), Some(0), "{risky}: {}", text(&o));
        assert!(text(&o).contains(why), "{risky}: {}", text(&o));
        assert!(text(&o).contains("--force"), "{risky}: {}", text(&o));
        assert!(!list.exists() || !fs::read_to_string(&list).expect("read").contains(risky));
        let o = block(
            &list,
            &["--server-addr", "198.51.100.25", "add", risky, "--force"],
        );
        assert_eq!(o.status.code(), Some(0), "{risky}: {}", text(&o));
        assert!(text(&o).contains("warning"), "{risky}: {}", text(&o));
    }
    // The minimum is configurable, never to /0.
    let o = block(&list, &["--min-v4-prefix", "6", "add", "4.0.0.0/6"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let o = block(
        &list,
        &["--min-v4-prefix", "0", "add", "0.0.0.0/0", "--force"],
    );
    assert_ne!(o.status.code(), Some(0), "{}", text(&o));
    let o = block(&list, &["add", "example.co.uk"]);
    assert_ne!(o.status.code(), Some(0), "a bare name is not an entry");
    let o = block(&list, &["add", "domain:example.co.uk"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
}

#[test]
fn a_forbidden_entry_in_the_file_is_reported_kept_and_never_exported() {
    let dir = tempfile::tempdir().expect("tempdir");
    let list = dir.path().join("blocklist");
    let body = "0.0.0.0/0 # hand-written\n203.0.113.66\n::1\ndomain:co.uk\ndomain:spam.example\n";
    fs::write(&list, body).expect("write");
    for format in ["plain", "exim", "postfix", "nft", "json"] {
        let o = block(&list, &["export", "--format", format]);
        assert_eq!(o.status.code(), Some(0), "{format}: {}", text(&o));
        let out = String::from_utf8_lossy(&o.stdout);
        for bad in ["0.0.0.0/0", "::1", "co.uk\n"] {
            assert!(!out.contains(bad), "{format} exported {bad}: {out}");
        }
        assert!(out.contains("203.0.113.66"), "{format}: {out}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(
            err.contains(":1:") && err.contains("every address"),
            "{err}"
        );
        assert!(err.contains(":3:") && err.contains(":4:"), "{err}");
    }
    let o = block(&list, &["list"]);
    assert!(text(&o).contains("safety rules"), "{}", text(&o));
    // The file is untouched until the admin removes the line, and `rm` can.
    assert_eq!(fs::read_to_string(&list).expect("read"), body);
    let o = block(&list, &["rm", "0.0.0.0/0"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(
        !fs::read_to_string(&list)
            .expect("read")
            .contains("0.0.0.0/0")
    );
}

#[test]
fn check_reads_the_servers_own_addresses_from_the_logs_i_fields() {
    let dir = tempfile::tempdir().expect("tempdir");
    let log = dir.path().join("main.log");
    fs::write(
        &log,
        "2021-03-01 14:29:57 1lGjYa-0004Dd-Ok <= a@b.example H=x.example [210.131.2.77]:21701 I=[78.32.30.218]:25 P=esmtps S=5966\n",
    )
    .expect("write log");
    let list = dir.path().join("blocklist");
    fs::write(&list, "78.32.30.0/24\n210.131.2.77\n").expect("write list");
    let o = block(&list, &["check", log.to_str().expect("utf-8 path")]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains(":1: warning") && err.contains("78.32.30.218"),
        "{err}"
    );
    assert!(!err.contains(":2:"), "{err}");
}
