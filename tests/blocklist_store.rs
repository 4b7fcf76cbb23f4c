//! The store keeps what it does not own, merges concurrent edits and never leaves a torn file.

use std::fs;
use std::path::Path;

use mailtriage::blocklist::store::AtomicFile;
use mailtriage::blocklist::{Blocklist, Entry, LineKind, write_atomic};

const SAMPLE: &str = include_str!("fixtures/blocklist/sample.blocklist");

fn entry(s: &str) -> Entry {
    Entry::parse(s).expect("test entry is valid")
}

fn temp_file(dir: &Path, contents: &str) -> std::path::PathBuf {
    let path = dir.join("blocklist");
    fs::write(&path, contents).expect("write fixture");
    path
}

fn leftovers(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .expect("read dir")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".tmp."))
        .collect();
    names.sort();
    names
}

#[test]
fn round_trip_keeps_foreign_lines_and_comments_byte_for_byte() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = temp_file(dir.path(), SAMPLE);
    let mut bl = Blocklist::load(&path).expect("load");
    bl.save().expect("save");
    assert_eq!(fs::read_to_string(&path).expect("read"), SAMPLE);

    bl.add(entry("203.0.113.0/24"), Some("added 2026-11-27; test"));
    bl.save().expect("save");
    let after = fs::read_to_string(&path).expect("read");
    assert_eq!(
        after,
        format!("{SAMPLE}203.0.113.0/24 # added 2026-11-27; test\n")
    );
}

#[test]
fn unknown_lines_are_reported_with_their_line_numbers() {
    let bl = Blocklist::from_bytes(Path::new("x"), SAMPLE.as_bytes());
    let problems: Vec<(usize, String)> = bl
        .problems()
        .into_iter()
        .map(|p| (p.line_no, p.text))
        .collect();
    assert_eq!(
        problems,
        [
            (13, "this line is not an entry".to_owned()),
            (14, "1.2.3.4; rm -rf /".to_owned())
        ]
    );
    let entries: Vec<String> = bl.entries().map(|(_, e, _)| e.to_string()).collect();
    assert_eq!(
        entries,
        [
            "192.0.2.77",
            "192.0.2.0/25",
            "192.0.2.128/25",
            "198.51.100.0/24",
            "2001:db8:1:2::/64",
            "2001:db8:1:3::1",
            "203.0.113.5",
            "domain:spam.example",
            "domain:bulk.example",
            "dkim:mailer.example"
        ]
    );
}

#[test]
fn crlf_and_non_utf8_lines_are_kept_verbatim() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("blocklist");
    let original: &[u8] = b"192.0.2.1 # dos line\r\n\xff\xfe junk\nno newline at end";
    fs::write(&path, original).expect("write");
    let mut bl = Blocklist::load(&path).expect("load");
    assert!(bl.contains(&entry("192.0.2.1")));
    assert_eq!(bl.problems().len(), 2);
    bl.add(entry("192.0.2.2"), None);
    bl.save().expect("save");
    let mut expected = original.to_vec();
    expected.extend_from_slice(b"\n192.0.2.2\n");
    assert_eq!(fs::read(&path).expect("read"), expected);
}

#[test]
fn concurrent_addition_is_merged_not_lost() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = temp_file(dir.path(), "192.0.2.1 # first\n# keep me\n");
    let mut ours = Blocklist::load(&path).expect("load");
    ours.add(entry("198.51.100.0/24"), Some("ours"));
    ours.remove(&entry("192.0.2.1"));

    // Another writer (another mailtriage, or an admin's editor) changes the file meanwhile.
    let mut theirs = Blocklist::load(&path).expect("load");
    theirs.add(entry("203.0.113.7"), Some("theirs"));
    theirs.save().expect("their save");
    fs::write(
        &path,
        format!(
            "{}# hand-added note\n",
            fs::read_to_string(&path).expect("read")
        ),
    )
    .expect("hand edit");

    ours.save().expect("our save");
    assert_eq!(
        fs::read_to_string(&path).expect("read"),
        "# keep me\n203.0.113.7 # theirs\n# hand-added note\n198.51.100.0/24 # ours\n"
    );
    // After saving, our in-memory view is the merged file.
    assert!(ours.contains(&entry("203.0.113.7")));
}

#[test]
fn adding_an_entry_already_present_keeps_the_existing_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = temp_file(dir.path(), "192.0.2.0/24 # original reason\n");
    let mut bl = Blocklist::load(&path).expect("load");
    assert!(!bl.add(entry("192.0.2.99/24"), Some("again")));
    bl.save().expect("save");
    assert_eq!(
        fs::read_to_string(&path).expect("read"),
        "192.0.2.0/24 # original reason\n"
    );
}

#[test]
fn comments_written_by_the_tool_are_single_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("sub").join("blocklist");
    let mut bl = Blocklist::load(&path).expect("missing file is empty");
    bl.add(
        entry("192.0.2.1"),
        Some("evil\n10.0.0.0/8 # injected\u{1b}[2J"),
    );
    bl.save().expect("save creates the directory");
    let text = fs::read_to_string(&path).expect("read");
    assert_eq!(text, "192.0.2.1 # evil 10.0.0.0/8 # injected [2J\n");
    let reread = Blocklist::load(&path).expect("load");
    assert_eq!(reread.entries().count(), 1);
}

#[test]
fn crash_between_write_and_rename_leaves_the_original_intact() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = temp_file(dir.path(), SAMPLE);
    let mut tmp = AtomicFile::create(&path).expect("temp file");
    tmp.write_all(b"192.0.2.1\n").expect("write");
    let tmp_path = tmp.temp_path().to_owned();
    // Simulate the process dying here: no commit, no cleanup.
    std::mem::forget(tmp);
    assert_eq!(fs::read_to_string(&path).expect("read"), SAMPLE);
    assert!(tmp_path.exists());

    // The stale temporary file neither confuses loading nor blocks the next save.
    let mut bl = Blocklist::load(&path).expect("load");
    assert_eq!(bl.entries().count(), 10);
    bl.add(entry("192.0.2.2"), None);
    bl.save().expect("save");
    assert_eq!(
        fs::read_to_string(&path).expect("read"),
        format!("{SAMPLE}192.0.2.2\n")
    );
}

#[test]
fn dropped_uncommitted_write_removes_its_temporary_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = temp_file(dir.path(), "192.0.2.1\n");
    let mut tmp = AtomicFile::create(&path).expect("temp file");
    tmp.write_all(b"half").expect("write");
    drop(tmp);
    assert_eq!(leftovers(dir.path()), Vec::<String>::new());
    assert_eq!(fs::read_to_string(&path).expect("read"), "192.0.2.1\n");
}

#[test]
fn write_into_unwritable_place_fails_cleanly() {
    let dir = tempfile::tempdir().expect("tempdir");
    // A regular file where the directory should be: fails even for root.
    let not_a_dir = dir.path().join("file");
    fs::write(&not_a_dir, "x").expect("write");
    let under_file = not_a_dir.join("blocklist");
    let err = Blocklist::load(&under_file).expect_err("cannot read under a file");
    assert!(err.to_string().contains("cannot read blocklist"), "{err}");
    let mut bl = Blocklist::from_bytes(&under_file, b"");
    bl.add(entry("192.0.2.1"), None);
    let err = bl.save().expect_err("cannot save under a file");
    assert!(err.to_string().contains("cannot write blocklist"), "{err}");
    assert_eq!(fs::read_to_string(&not_a_dir).expect("read"), "x");

    // A read-only directory: the old file stays, no temporary is left.
    let ro = dir.path().join("ro");
    fs::create_dir(&ro).expect("mkdir");
    let path = temp_file(&ro, "192.0.2.1\n");
    let mut bl = Blocklist::load(&path).expect("load");
    bl.add(entry("192.0.2.2"), None);
    let mut perms = fs::metadata(&ro).expect("meta").permissions();
    perms.set_readonly(true);
    fs::set_permissions(&ro, perms.clone()).expect("chmod");
    let result = write_atomic(&path, b"192.0.2.2\n");
    #[allow(clippy::permissions_set_readonly_false)]
    perms.set_readonly(false);
    fs::set_permissions(&ro, perms).expect("chmod back");
    match result {
        Err(_) => {
            assert_eq!(fs::read_to_string(&path).expect("read"), "192.0.2.1\n");
            assert_eq!(leftovers(&ro), Vec::<String>::new());
        }
        Ok(()) => eprintln!(
            "SKIP read-only directory part: this user (root?) can write into a 0555 directory"
        ),
    }
}

#[test]
fn entry_lines_carry_their_comment() {
    let bl = Blocklist::from_bytes(Path::new("x"), b"192.0.2.9/24   #   why  \n");
    match &bl.lines()[0].kind {
        LineKind::Entry { entry, comment } => {
            assert_eq!(entry.to_string(), "192.0.2.0/24");
            assert_eq!(comment.as_deref(), Some("why"));
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn parallel_writers_all_land() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = temp_file(dir.path(), "# shared\n");
    let writers: Vec<_> = (1..=8)
        .map(|i| {
            let path = path.clone();
            std::thread::spawn(move || {
                let mut bl = Blocklist::load(&path).expect("load");
                bl.add(entry(&format!("192.0.2.{i}")), None);
                bl.save().expect("save");
            })
        })
        .collect();
    for w in writers {
        w.join().expect("writer thread");
    }
    let bl = Blocklist::load(&path).expect("load");
    assert_eq!(bl.entries().count(), 8);
    assert_eq!(leftovers(dir.path()), Vec::<String>::new());
}

#[test]
fn saving_through_a_symlink_updates_the_target_and_keeps_the_link() {
    let dir = tempfile::tempdir().expect("tempdir");
    let real = temp_file(dir.path(), "192.0.2.1\n");
    let link = dir.path().join("link");
    std::os::unix::fs::symlink(&real, &link).expect("symlink");
    let mut bl = Blocklist::load(&link).expect("load");
    bl.add(entry("192.0.2.2"), None);
    bl.save().expect("save");
    assert!(
        fs::symlink_metadata(&link)
            .expect("meta")
            .file_type()
            .is_symlink()
    );
    assert_eq!(
        fs::read_to_string(&real).expect("read"),
        "192.0.2.1\n192.0.2.2\n"
    );
}
