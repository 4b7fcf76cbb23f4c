//! Running the real consumers of an export (exim, postmap/postconf, nft) from a test: shared by
//! `tests/blocklist_export.rs` (the export files) and `tests/blocklist_wiring.rs` (README's
//! configuration lines). Needs `mod prereq` declared beside it.
#![allow(dead_code)]

use std::fs;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use super::prereq::find_program;

/// Runs `cmd` with `stdin` (if any) and collects its output.
pub fn run(cmd: &mut Command, stdin: Option<&str>) -> Output {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn consumer");
    if let (Some(text), Some(mut pipe)) = (stdin, child.stdin.take()) {
        pipe.write_all(text.as_bytes()).expect("write stdin");
    }
    child.wait_with_output().expect("wait consumer")
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Tells the developer which version of a consumer a test ran against. Straight to stderr,
/// which `cargo test` does not capture, so it shows for passing tests too.
pub fn report_version(what: &str, version: &str) {
    let _ = writeln!(std::io::stderr(), "checked against {what}: {version}");
}

/// A command for a Postfix program beside `postmap` (postmap itself, postconf). An unpacked
/// package keeps its shared libraries beside it, not where ld.so looks.
pub fn postfix_command(postmap: &Path, program: &str) -> Command {
    let mut cmd = Command::new(postmap.with_file_name(program));
    if let Some(root) = postmap
        .parent()
        .and_then(Path::parent)
        .and_then(Path::parent)
    {
        let libdir = root.join("usr/lib/postfix");
        if libdir.is_dir() {
            cmd.env("LD_LIBRARY_PATH", libdir);
        }
    }
    cmd
}

/// The smallest main.cf Postfix's tools accept without a postfix user: accounts every Debian
/// has. `extra` is appended.
pub fn write_main_cf(dir: &Path, extra: &str) {
    fs::write(
        dir.join("main.cf"),
        format!(
            "compatibility_level = 3.6\nmail_owner = daemon\ndefault_privs = nobody\nsetgid_group = mail\n{extra}"
        ),
    )
    .expect("write main.cf");
}

/// Queries a Postfix table with `postmap -q - TABLE`, one key per stdin line; returns the
/// `key value` lines found and postmap's stderr.
pub fn postmap_query(postmap: &Path, table: &str, keys: &[&str]) -> (Vec<String>, String) {
    let conf = tempfile::tempdir().expect("tempdir");
    write_main_cf(conf.path(), "");
    let mut cmd = postfix_command(postmap, "postmap");
    cmd.arg("-c").arg(conf.path()).args(["-q", "-", table]);
    let mut input = keys.join("\n");
    input.push('\n');
    let out = run(&mut cmd, Some(&input));
    let stderr = text(&out.stderr);
    assert!(
        out.status.success() || out.status.code() == Some(1),
        "postmap failed: {stderr}"
    );
    (
        text(&out.stdout).lines().map(str::to_owned).collect(),
        stderr,
    )
}

/// Runs a shell snippet in a fresh network namespace so loading a ruleset never touches the
/// host's firewall; `None` when namespaces are not available to this user.
pub fn in_netns(script: &str, arg: &Path) -> Option<Output> {
    let unshare = find_program(&["unshare"])?;
    let probe = run(Command::new(&unshare).args(["-n", "true"]), None);
    if !probe.status.success() {
        eprintln!("unshare -n unavailable: {}", text(&probe.stderr));
        return None;
    }
    let mut cmd = Command::new(unshare);
    cmd.args(["-n", "sh", "-c", script, "sh"]).arg(arg);
    Some(run(&mut cmd, None))
}
