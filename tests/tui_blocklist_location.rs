//! The interactive view finds its blocklist by the rule `block` follows, so a block added with
//! `b` lands in the file root's cron exports. One test in its own binary: it sets the process
//! environment, which no other test thread may be reading meanwhile.

use std::process::Command;

use mailtriage::blocklist::{self, Entry, Policy, Why};
use mailtriage::tui::components::{block::Blocker, blockfile};

#[test]
fn the_tui_without_blocklist_uses_the_file_block_path_prints() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let system = tmp.path().join("etc/blocklist");
    std::fs::create_dir_all(system.parent().expect("parent")).expect("dir");
    std::fs::write(&system, "192.0.2.1\n").expect("system file");
    // SAFETY: the only test in this binary, so no other thread reads the environment.
    unsafe {
        std::env::remove_var("MAILTRIAGE_BLOCKLIST");
        std::env::set_var("MAILTRIAGE_SYSTEM_BLOCKLIST", &system);
        std::env::set_var("XDG_CONFIG_HOME", tmp.path().join("config"));
    }

    let mut b = Blocker::default();
    b.load(None);
    let location = b.location.clone().expect("a location");
    assert_eq!(
        (location.path.as_path(), location.why),
        (system.as_path(), Why::SystemExists)
    );
    assert_eq!(Some(location.clone()), blocklist::locate(None).ok());
    assert!(b.list.as_ref().is_some_and(|l| l.entries().count() == 1));

    // `b` writes there, and the CLI (same environment) reads and names the same file.
    let entry = Entry::parse("198.51.100.7").expect("entry");
    blockfile::add(&location.path, &Policy::default(), &entry, "from the TUI").expect("add");
    let o = Command::new(env!("CARGO_BIN_EXE_mailtriage"))
        .args(["block", "path"])
        .output()
        .expect("run");
    assert_eq!(String::from_utf8_lossy(&o.stdout), format!("{location}\n"));
    let o = Command::new(env!("CARGO_BIN_EXE_mailtriage"))
        .args(["block", "list"])
        .output()
        .expect("run");
    assert!(String::from_utf8_lossy(&o.stdout).contains("198.51.100.7"));
}
