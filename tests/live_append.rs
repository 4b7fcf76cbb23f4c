//! A log appended in random-sized pieces, read back through the follower and
//! folded into a live model, is the same model as the log loaded whole (issue 11).
//! Pieces end anywhere, mid-line too: the follower's holding of a partial line
//! is part of what is tested.

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};

use mailtriage::model::follow::{Change, Follower};
use mailtriage::model::live::Live;
use mailtriage::model::{self, LoadOptions, Model};
use mailtriage::query::{self, AggKey, Filter, Grouping, NetPrefix};
use proptest::prelude::*;

fn opts() -> LoadOptions {
    LoadOptions {
        threads: 2,
        ..common::opts()
    }
}

/// The first `n` lines of `path`, ending in a newline.
fn head(path: &Path, n: usize) -> Vec<u8> {
    let data = std::fs::read(path).expect("the log exists");
    let mut out: Vec<u8> = data
        .split_inclusive(|&b| b == b'\n')
        .take(n)
        .flatten()
        .copied()
        .collect();
    if out.last().is_some_and(|&b| b != b'\n') {
        out.push(b'\n');
    }
    out
}

fn logs() -> Vec<(String, Vec<u8>)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut out = vec![
        ("demo".into(), head(&root.join("assets/demo/mainlog"), 3000)),
        (
            "tui-mixed".into(),
            head(&common::fixture("tui-mixed.log"), 100_000),
        ),
        (
            "seed-main".into(),
            head(&common::fixture("seed-main.log"), 100_000),
        ),
    ];
    if let Some(dir) = common::samples() {
        let mut names: Vec<PathBuf> = std::fs::read_dir(dir.join("realworld"))
            .map(|d| d.flatten().map(|e| e.path()).collect())
            .unwrap_or_default();
        names.retain(|p| p.extension().is_some_and(|e| e == "log"));
        names.sort();
        for p in names.into_iter().take(4) {
            let name = p.display().to_string();
            out.push((name, head(&p, 2000)));
        }
    }
    out
}

/// What a model answers, in terms a whole load and a live one can share (no
/// interned ids, no source layout).
fn answers(m: &Model) -> Vec<String> {
    let mut out = vec![
        format!("{:?}", query::summary(m)),
        format!("{:?}", m.line_kind),
        format!("{:?}", m.interfaces),
    ];
    for by in AggKey::ALL {
        let g = Grouping::new(m, by, NetPrefix::default());
        out.push(format!(
            "{by:?} {:?}",
            query::group(m, &g, &Filter::default(), true)
        ));
    }
    for (i, msg) in m.messages.iter().enumerate() {
        let lines: Vec<String> = m
            .message_lines(i as u32)
            .map(|l| format!("{l}:{}", String::from_utf8_lossy(&m.line(l))))
            .collect();
        out.push(format!(
            "{} {} {} {:?} {:?} {:?}",
            msg.id,
            msg.time,
            msg.flags,
            msg.outcome(),
            msg.dkim,
            lines
        ));
        out.push(format!("{:?}", m.signatures_of(i as u32)));
    }
    out
}

/// `data` written to a file in pieces of the given sizes, each followed by a
/// poll whose lines are appended to a live model.
fn appended(data: &[u8], cuts: &[usize], merge: bool) -> Model {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("mainlog");
    let mut file = std::fs::File::create(&path).expect("create");
    let mut live = Live::new(opts());
    if !merge {
        live.merge_up_to = 0;
    }
    let mut follower = Follower::new(&path);
    let poll = |live: &mut Live, follower: &mut Follower| loop {
        let p = follower.poll();
        assert!(
            matches!(p.change, None | Some(Change::Opened)),
            "{:?}",
            p.change
        );
        let more = p.more;
        live.append("mainlog", p.lines, true).expect("append");
        if !more {
            break;
        }
    };
    let mut at = 0;
    let mut i = 0;
    while at < data.len() {
        let n = cuts.get(i).copied().unwrap_or(4096).max(1);
        let end = (at + n).min(data.len());
        file.write_all(&data[at..end]).expect("write");
        poll(&mut live, &mut follower);
        at = end;
        i += 1;
    }
    poll(&mut live, &mut follower);
    live.into_model()
}

fn whole(data: &[u8]) -> Model {
    model::load::from_bytes("mainlog", data.to_vec(), &opts())
}

#[test]
fn every_log_appended_in_pieces_equals_it_loaded_whole() {
    for (name, data) in logs() {
        let a = answers(&whole(&data));
        let cuts: Vec<usize> = (0..data.len() / 97 + 1).map(|i| 1 + i * 37 % 500).collect();
        for merge in [false, true] {
            let live = appended(&data, &cuts, merge);
            // Really in pieces unless gathered: many sources, one file.
            assert!(
                merge || live.sources.len() > 1,
                "{name}: {}",
                live.sources.len()
            );
            assert_eq!(live.files(), ["mainlog"]);
            let b = answers(&live);
            assert_eq!(a.len(), b.len(), "{name}");
            for (x, y) in a.iter().zip(&b) {
                assert_eq!(x, y, "{name}");
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn random_pieces_equal_a_whole_load(
        which in 0usize..3,
        merge in any::<bool>(),
        cuts in proptest::collection::vec(1usize..6000, 1..200),
    ) {
        let logs = logs();
        let (name, data) = &logs[which % logs.len()];
        let a = answers(&whole(data));
        let b = answers(&appended(data, &cuts, merge));
        prop_assert_eq!(a.len(), b.len(), "{}", name);
        for (x, y) in a.iter().zip(&b) {
            prop_assert_eq!(x, y, "{}", name);
        }
    }
}
