//! Runs last (test binaries run in name order): says once, at the end of `cargo test`,
//! which prerequisites are missing here and so which tests skipped; under CI
//! (`MAILTRIAGE_NO_SKIP=1`, `.ci/run`) a missing one fails.

mod prereq;

use std::io::Write;

#[test]
fn every_prerequisite_is_here_or_its_tests_said_they_skipped() {
    let missing: Vec<_> = prereq::all().into_iter().filter(|p| !p.2).collect();
    if missing.is_empty() {
        return;
    }
    let list: Vec<String> = missing
        .iter()
        .map(|(name, how, _)| format!("  {name}: {how}"))
        .collect();
    let text = format!(
        "{} prerequisite(s) missing; the tests that need them skipped (see SKIPPED above):\n{}",
        missing.len(),
        list.join("\n")
    );
    assert!(!prereq::skips_fail(), "{text}");
    let _ = writeln!(std::io::stderr(), "\nSKIPPED TESTS: {text}\n");
}

/// The check above must be able to fail: run it again, in this same binary, as CI would
/// with tmux or the samples missing, and as a newcomer would (a visible notice, a pass).
#[test]
fn a_missing_prerequisite_fails_under_ci_and_only_warns_outside_it() {
    if std::env::var_os("MAILTRIAGE_PREREQ_HIDE").is_some() {
        return; // the inner run
    }
    let me = std::env::current_exe().expect("this test binary");
    let run = |hide: &str, no_skip: &str| {
        std::process::Command::new(&me)
            .args([
                "--exact",
                "every_prerequisite_is_here_or_its_tests_said_they_skipped",
            ])
            .env("MAILTRIAGE_PREREQ_HIDE", hide)
            .env("MAILTRIAGE_NO_SKIP", no_skip)
            .env_remove("CI")
            .output()
            .expect("run the check again")
    };
    for hide in ["tmux", "shared", "exigrep,postmap"] {
        let o = run(hide, "1");
        assert!(!o.status.success(), "hiding {hide} must fail under CI");
        let o = run(hide, "0");
        assert!(o.status.success(), "hiding {hide} only warns outside CI");
        let err = String::from_utf8_lossy(&o.stderr);
        let first = hide.split(',').next().unwrap_or(hide);
        assert!(
            err.contains("SKIPPED TESTS") && err.contains(first),
            "{err}"
        );
    }
}
