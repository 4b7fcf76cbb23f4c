//! The seed's question in the real binary, in tmux, with the keys counted (issue 8): given
//! a spam message's id as it appears in its `Received:` header, launch → jump → read all
//! of its sender's transactions → a `/64` block written, in at most 12 key presses (the
//! pasted header counts as one). On the demo log at 80x24 and 120x40, and on the seed log.

use std::collections::BTreeSet;
use std::path::Path;

mod tmux;
use tmux::Tmux;

const PROMPT: &str = "e2e-path$";

/// A tmux session on the binary, keys counted as they are sent.
struct Run {
    t: Tmux,
    keys: usize,
}

impl Run {
    fn start(name: &str, size: (u16, u16), log: &Path, list: &Path) -> Option<Run> {
        let shell = format!("env PS1='{PROMPT} ' bash --norc --noprofile -i");
        let t = Tmux::start(name, size, &shell)?;
        if t.wait(|s| s.contains(PROMPT)).is_err() {
            tmux::skip("no shell prompt in tmux");
            return None;
        }
        let bin = env!("CARGO_BIN_EXE_mailtriage");
        t.keys(&[
            &format!("{bin} --blocklist {} {}", list.display(), log.display()),
            "Enter",
        ]);
        // Loaded and indexed: the status line counts the senders (keys before say "still
        // loading").
        t.wait(|s| {
            s.lines()
                .any(|l| l.contains("sort=") && l.ends_with(" senders"))
        })
        .unwrap_or_else(|s| panic!("the TUI did not open:\n{s}"));
        Some(Run { t, keys: 0 })
    }

    fn key(&mut self, k: &str) {
        self.keys += 1;
        self.t.keys(&[k]);
    }

    /// A terminal paste (bracketed), one key press however long the text.
    fn paste(&mut self, text: &str) {
        self.keys += 1;
        let _ = self.t.cmd(&["set-buffer", text]).status();
        let _ = self.t.cmd(&["paste-buffer", "-p", "-d"]).status();
    }

    fn wait(&self, what: &str) -> String {
        self.t
            .wait(|s| s.contains(what))
            .unwrap_or_else(|s| panic!("waited for {what:?}:\n{s}"))
    }
}

fn demo() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/demo/mainlog")
}

/// The planted monthly sender's six messages (`mailtriage::gen::demo`).
const STORY: [&str; 6] = [
    "1tXtu4-000000001Iy-004q",
    "1tihtJ-0000000040t-00E7",
    "1tu1gh-000000006ki-003Q",
    "1u4gl8-000000009L8-005M",
    "1uG62e-00000000GSK-007P",
    "1uQszZ-00000000Kqe-005p",
];
const STORY_NET: &str = "2a05:d014:27bf:4d2a::/64";

/// Pages through the history until every transaction in `ids` was on screen whole (its
/// `Completed` line seen), counting the page keys.
fn read_history(r: &mut Run, ids: &[&str]) {
    let mut done: BTreeSet<String> = BTreeSet::new();
    let mut last = String::new();
    loop {
        let s = r.t.screen();
        for l in s.lines().filter(|l| l.contains(" Completed")) {
            if let Some(id) = ids.iter().find(|id| l.contains(*id)) {
                done.insert(id.to_string());
            }
        }
        if done.len() == ids.len() {
            return;
        }
        assert_ne!(
            s, last,
            "paging stopped before every transaction was shown: {done:?}\n{s}"
        );
        last = s;
        r.key("PageDown");
        std::thread::sleep(std::time::Duration::from_millis(150));
    }
}

fn demo_path(size: (u16, u16)) -> usize {
    let dir = tempfile::tempdir().expect("temp dir");
    let list = dir.path().join("blocklist");
    let name = format!("path-{}x{}", size.0, size.1);
    let Some(mut r) = Run::start(&name, size, &demo(), &list) else {
        return 0;
    };
    r.key(":");
    r.wait("jump to (id");
    // As the admin copies it from the spam message's headers.
    r.paste(
        "Received: from mail.newsletter-bargains.example ([2a05:d014:27bf:4d2a:7f0f:7ad8:f58:a51])\n\tby mx.example.org with esmtps id 1tXtu4-000000001Iy-004q\n\tfor <webpage-contact@example.org>",
    );
    r.wait("<webpage-contact@example.org>");
    r.key("Enter");
    r.wait("1/1 messages");
    // Its sender is one address of a /64: the network's whole story is one regroup away.
    r.key("a");
    r.t.wait(|s| s.contains("senders by net /24 /64") && s.contains(STORY_NET))
        .unwrap_or_else(|s| panic!("a regroups to the message's /64:\n{s}"));
    r.key("H");
    r.wait("6 transactions");
    read_history(&mut r, &STORY);
    r.key("b");
    let s = r.wait("block: preview");
    assert!(s.contains(&format!("▶ network         {STORY_NET}")), "{s}");
    assert!(s.contains("6 messages from 6 senders"), "{s}");
    r.key("Enter");
    r.wait("comment (optional");
    r.key("Enter");
    r.wait(&format!("added {STORY_NET}"));
    let written = std::fs::read_to_string(&list).expect("the blocklist is written");
    assert!(
        written.starts_with(&format!("{STORY_NET} # added ")),
        "{written}"
    );
    r.key("q");
    r.t.wait(|s| s.lines().filter(|l| l.starts_with(PROMPT)).count() >= 2)
        .expect("q returns to the shell");
    r.keys - 1
}

#[test]
fn the_seed_question_on_the_demo_log_takes_at_most_12_keys_at_80x24() {
    let keys = demo_path((80, 24));
    if keys > 0 {
        println!("demo log at 80x24: {keys} keys");
        assert!(keys <= 12, "{keys} keys");
    }
}

#[test]
fn the_seed_question_on_the_demo_log_takes_fewer_keys_at_120x40() {
    let keys = demo_path((120, 40));
    if keys > 0 {
        println!("demo log at 120x40: {keys} keys");
        assert!(keys <= 10, "{keys} keys");
    }
}

#[test]
fn the_seed_question_on_the_seed_log_takes_at_most_12_keys() {
    let dir = tempfile::tempdir().expect("temp dir");
    let list = dir.path().join("blocklist");
    let log = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/seed-main.log");
    let Some(mut r) = Run::start("path-seed", (80, 24), &log, &list) else {
        return;
    };
    r.key(":");
    r.wait("jump to (id");
    r.paste("by mx with esmtps id 1QFOdo-0001zq-E9\n\tfor <peter@example.org>");
    r.key("Enter");
    r.wait("1/1 messages");
    r.key("H");
    r.wait("1 transaction,");
    read_history(&mut r, &["1QFOdo-0001zq-E9"]);
    r.key("b");
    r.wait("block: preview");
    // Under `ip` the address comes first; the network is the next candidate.
    r.key("Tab");
    r.wait("▶ network         2a01:238:20a:202::/64");
    r.key("Enter");
    r.wait("comment (optional");
    r.key("Enter");
    r.wait("added 2a01:238:20a:202::/64");
    let written = std::fs::read_to_string(&list).expect("the blocklist is written");
    assert!(
        written.starts_with("2a01:238:20a:202::/64 # added "),
        "{written}"
    );
    println!("seed log at 80x24: {} keys", r.keys);
    assert!(r.keys <= 12, "{} keys", r.keys);
}
