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
