//! What the tests need from the machine (the shared real-log samples, tmux, exigrep,
//! exim, nft, postmap), how a test that cannot run here skips, and why a skip can never
//! hide a failure in CI.
//!
//! A skip writes its notice straight to the process's stderr, which `cargo test` does
//! not capture, so it shows even when the test passes; `tests/zz_prerequisites.rs`, the
//! last test binary to run, lists what is missing once more at the end. Under
//! `MAILTRIAGE_NO_SKIP=1` (`.ci/run` sets it) or `CI`, a skip fails the test instead.
#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};

/// Whether a test that cannot run must fail rather than skip.
pub fn skips_fail() -> bool {
    let set = |v: &str| std::env::var_os(v).is_some_and(|x| !x.is_empty() && x != "0");
    set("MAILTRIAGE_NO_SKIP") || std::env::var_os("CI").is_some()
}

/// Skips the calling test with a visible notice, or fails it under `skips_fail`.
pub fn skip(test: &str, why: &str) {
    if skips_fail() {
        panic!(
            "{test}: {why}. MAILTRIAGE_NO_SKIP/CI is set: .ci/run installs what the tests need, \
             so a missing prerequisite is a failure there"
        );
    }
    // Not `eprintln!`: the test harness captures that for passing tests.
    let _ = writeln!(std::io::stderr(), "SKIPPED {test}: {why}");
}

/// Whether `MAILTRIAGE_PREREQ_HIDE` (comma-separated names: `tmux`, `shared`, …) asks to
/// act as if `name` were missing: how the tests check that a missing one fails CI.
fn hidden(name: &str) -> bool {
    std::env::var("MAILTRIAGE_PREREQ_HIDE").is_ok_and(|v| v.split(',').any(|h| h.trim() == name))
}

/// A program on PATH or in the sbin directories Debian puts mail and firewall tools in
/// (which a non-root PATH may lack).
pub fn find_program(names: &[&str]) -> Option<PathBuf> {
    if names.iter().any(|n| hidden(n)) {
        return None;
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    let mut dirs: Vec<PathBuf> = std::env::split_paths(&path).collect();
    dirs.extend(["/usr/sbin", "/sbin", "/usr/bin"].map(PathBuf::from));
    names
        .iter()
        .flat_map(|n| dirs.iter().map(move |d| d.join(n)))
        .find(|p| p.is_file())
}

/// The postmap from `.ci/install-consumers.sh` (Debian's postfix unpacked, not installed,
/// since it conflicts with exim4) or one named by `MAILTRIAGE_POSTMAP`.
pub fn find_postmap() -> Option<PathBuf> {
    if hidden("postmap") {
        return None;
    }
    std::env::var_os("MAILTRIAGE_POSTMAP")
        .map(PathBuf::from)
        .into_iter()
        .chain([PathBuf::from("/opt/postfix-extract/usr/sbin/postmap")])
        .chain(find_program(&["postmap"]))
        .find(|p| p.is_file())
}

/// `../shared/samples` beside the checkout, if present.
pub fn samples_dir() -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/samples");
    (p.is_dir() && !hidden("shared")).then_some(p)
}

/// Every prerequisite: (name, what provides it, found here).
pub fn all() -> Vec<(&'static str, &'static str, bool)> {
    vec![
        (
            "../shared/samples",
            "the shared real-log samples beside the checkout",
            samples_dir().is_some(),
        ),
        (
            "tmux",
            "apt-get install tmux",
            find_program(&["tmux"]).is_some(),
        ),
        (
            "exigrep",
            "apt-get install exim4-base",
            find_program(&["exigrep"]).is_some(),
        ),
        (
            "exim",
            ".ci/install-consumers.sh (exim4-daemon-light, only where no other MTA is)",
            find_program(&["exim", "exim4"]).is_some(),
        ),
        (
            "nft",
            "apt-get install nftables",
            find_program(&["nft"]).is_some(),
        ),
        (
            "postmap",
            ".ci/install-consumers.sh (Postfix unpacked, not installed)",
            find_postmap().is_some(),
        ),
    ]
}
