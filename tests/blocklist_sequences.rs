//! No sequence of `block add`, `block rm` and `block export -o` — with the blocklist going
//! missing, unreadable or empty between them — ends with an exported file that lost entries.
//!
//! Each step runs through `cli::block::run_with` (what `mailtriage block` runs) and is checked
//! against a model of what the file and the outputs must hold:
//! - every output holds exactly what the last successful export wrote, so an entry leaves an
//!   output only through an export of an existing, readable blocklist that lacks it (by `rm`,
//!   or because the file was replaced; which file that is, is `blocklist::locate`'s business);
//! - an output file that held entries never ends up holding none (no `--allow-empty` here);
//! - every entry of the last successful export is still exported unless `rm` removed it or a
//!   later successful export left it out;
//! - the exit status is what the README promises (0 written, 3 unchanged, 1 not there, 2 error).

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use clap::{Parser, Subcommand};
use mailtriage::cli::block::{BlockArgs, LogFacts, run_with};
use proptest::prelude::*;

#[derive(Parser)]
struct Cli {
    #[command(subcommand)]
    command: Top,
}

#[derive(Subcommand)]
enum Top {
    Block(BlockArgs),
}

/// Entries that never merge into one CIDR, so an export lists each as written.
const POOL: &[&str] = &[
    "192.0.2.1",
    "198.51.100.0/24",
    "2001:db8::/64",
    "203.0.113.9",
    "domain:spam.example",
    "dkim:bad.example",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Out {
    /// `--format plain -o FILE`: networks only.
    Plain,
    /// `--format exim -o DIR`: `hosts`, `sender_domains`, `dkim_domains`.
    Exim,
}

#[derive(Debug, Clone)]
enum Step {
    Add(usize),
    Rm(usize),
    Export(Out),
    MakeMissing,
    MakeUnreadable,
    MakeEmpty,
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        3 => (0..POOL.len()).prop_map(Step::Add),
        2 => (0..POOL.len()).prop_map(Step::Rm),
        2 => Just(Step::Export(Out::Plain)),
        2 => Just(Step::Export(Out::Exim)),
        1 => Just(Step::MakeMissing),
        1 => Just(Step::MakeUnreadable),
        1 => Just(Step::MakeEmpty),
    ]
}

/// The blocklist file as the model sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
enum File {
    Missing,
    Unreadable,
    Entries(BTreeSet<String>),
}

fn no_logs(_: &[PathBuf]) -> anyhow::Result<LogFacts> {
    Ok(LogFacts::default())
}

/// The exit status `mailtriage` would give: errors become 2, as in `cli::main`.
fn run(list: &Path, args: &[&str]) -> i32 {
    let argv = [
        "mailtriage",
        "block",
        "-q",
        "--no-host-addrs",
        "--blocklist",
    ]
    .into_iter()
    .map(String::from)
    .chain([list.display().to_string()])
    .chain(args.iter().map(|s| s.to_string()));
    let Top::Block(args) = Cli::try_parse_from(argv).expect("parses").command;
    let (mut out, mut err) = (Vec::new(), Vec::new());
    run_with(&args, &mut out, &mut err, no_logs).unwrap_or(2)
}

fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() == 0 }
}

fn clear(path: &Path) {
    if path.is_dir() {
        fs::remove_dir_all(path).expect("rm dir");
    } else if fs::symlink_metadata(path).is_ok() {
        fs::remove_file(path).expect("rm file");
    }
}

/// Unreadable for whoever runs the tests: root reads through chmod 000, not through a
/// directory standing where the file should be.
fn make_unreadable(path: &Path) {
    clear(path);
    if is_root() {
        fs::create_dir(path).expect("dir");
    } else {
        fs::write(path, "192.0.2.200\n").expect("write");
        fs::set_permissions(path, std::os::unix::fs::PermissionsExt::from_mode(0o000))
            .expect("chmod");
    }
}

/// One file of an output: its name in the `-o` directory ("" for `-o FILE`) and which
/// entries it expresses.
type OutFile = (&'static str, fn(&str) -> bool);

/// The files an output consists of.
fn files_of(out: Out) -> &'static [OutFile] {
    fn net(e: &str) -> bool {
        !e.contains(':') || e.contains("::")
    }
    fn domain(e: &str) -> bool {
        e.starts_with("domain:")
    }
    fn dkim(e: &str) -> bool {
        e.starts_with("dkim:")
    }
    match out {
        Out::Plain => &[("", net)],
        Out::Exim => &[
            ("hosts", net),
            ("sender_domains", domain),
            ("dkim_domains", dkim),
        ],
    }
}

/// The entries an output holds now, per file, read back from what was written.
fn read_back(dest: &Path, out: Out) -> Option<Vec<BTreeSet<String>>> {
    let mut per_file = Vec::new();
    for (name, _) in files_of(out) {
        let path = if name.is_empty() {
            dest.to_owned()
        } else {
            dest.join(name)
        };
        let text = fs::read_to_string(&path).ok()?;
        let items = text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#') && !l.starts_with("*."));
        let entries = items.map(|i| match *name {
            "sender_domains" => format!("domain:{i}"),
            "dkim_domains" => format!("dkim:{i}"),
            _ => i.to_owned(),
        });
        per_file.push(entries.collect());
    }
    Some(per_file)
}

fn split(entries: &BTreeSet<String>, out: Out) -> Vec<BTreeSet<String>> {
    files_of(out)
        .iter()
        .map(|(_, expresses)| entries.iter().filter(|e| expresses(e)).cloned().collect())
        .collect()
}

struct Model {
    file: File,
    /// Per output: what each of its files must hold (`None` before the first export).
    shown: [Option<Vec<BTreeSet<String>>>; 2],
    /// Per output: the last successful export's entries, minus those `rm` removed since.
    promised: [BTreeSet<String>; 2],
}

fn slot(out: Out) -> usize {
    match out {
        Out::Plain => 0,
        Out::Exim => 1,
    }
}

fn run_sequence(steps: &[Step]) -> Result<(), TestCaseError> {
    let tmp = tempfile::tempdir().expect("tempdir");
    let list = tmp.path().join("blocklist");
    let dests = [tmp.path().join("plain.txt"), tmp.path().join("exim")];
    let mut m = Model {
        file: File::Missing,
        shown: [None, None],
        promised: [BTreeSet::new(), BTreeSet::new()],
    };
    for (n, s) in steps.iter().enumerate() {
        let before: Vec<_> = [Out::Plain, Out::Exim]
            .iter()
            .map(|&o| read_back(&dests[slot(o)], o))
            .collect();
        let (code, want_code) = match s {
            Step::Add(i) => {
                let want = match &mut m.file {
                    File::Unreadable => 2,
                    File::Missing => {
                        m.file = File::Entries(BTreeSet::from([POOL[*i].to_owned()]));
                        0
                    }
                    File::Entries(set) => {
                        set.insert(POOL[*i].to_owned());
                        0
                    }
                };
                (run(&list, &["add", POOL[*i]]), want)
            }
            Step::Rm(i) => {
                let e = POOL[*i];
                let want = match &mut m.file {
                    File::Missing | File::Unreadable => 2,
                    File::Entries(set) if !set.contains(e) => 1,
                    File::Entries(set) => {
                        set.remove(e);
                        for p in &mut m.promised {
                            p.remove(e);
                        }
                        0
                    }
                };
                (run(&list, &["rm", e]), want)
            }
            Step::Export(out) => {
                let k = slot(*out);
                let want = match &m.file {
                    File::Missing | File::Unreadable => 2,
                    File::Entries(set) => {
                        let new = split(set, *out);
                        let old = m.shown[k].clone();
                        let empties = old.as_ref().is_some_and(|old| {
                            old.iter()
                                .zip(&new)
                                .any(|(o, n)| !o.is_empty() && n.is_empty())
                        });
                        if empties {
                            2
                        } else {
                            let changed = old.as_ref() != Some(&new);
                            m.promised[k] = set
                                .iter()
                                .filter(|e| new.iter().any(|f| f.contains(*e)))
                                .cloned()
                                .collect();
                            m.shown[k] = Some(new);
                            if changed { 0 } else { 3 }
                        }
                    }
                };
                let dest = dests[k].to_str().expect("utf8");
                let format = match out {
                    Out::Plain => "plain",
                    Out::Exim => "exim",
                };
                (
                    run(&list, &["export", "--format", format, "-o", dest]),
                    want,
                )
            }
            Step::MakeMissing => {
                clear(&list);
                m.file = File::Missing;
                (0, 0)
            }
            Step::MakeUnreadable => {
                make_unreadable(&list);
                m.file = File::Unreadable;
                (0, 0)
            }
            Step::MakeEmpty => {
                clear(&list);
                fs::write(&list, "").expect("write");
                m.file = File::Entries(BTreeSet::new());
                (0, 0)
            }
        };
        prop_assert_eq!(code, want_code, "step {} {:?} of {:?}", n, s, steps);
        for o in [Out::Plain, Out::Exim] {
            let k = slot(o);
            let now = read_back(&dests[k], o);
            prop_assert_eq!(&now, &m.shown[k], "step {} {:?}: {:?} output", n, s, o);
            // Never emptied: a file that held entries still holds some.
            if let (Some(b), Some(a)) = (&before[k], &now) {
                for (bf, af) in b.iter().zip(a) {
                    prop_assert!(
                        bf.is_empty() || !af.is_empty(),
                        "step {} {:?} emptied {:?}",
                        n,
                        s,
                        o
                    );
                }
            }
            let all: BTreeSet<&String> = now.iter().flatten().flatten().collect();
            for e in &m.promised[k] {
                prop_assert!(
                    all.contains(e),
                    "step {} {:?}: {} lost from {:?}",
                    n,
                    s,
                    e,
                    o
                );
            }
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn no_add_rm_export_sequence_loses_an_exported_entry(
        steps in proptest::collection::vec(step(), 1..24)
    ) {
        run_sequence(&steps)?;
    }
}

/// The sequence of the bug report, spelled out: blocks exported, then the blocklist gone.
#[test]
fn an_export_after_the_blocklist_went_missing_unreadable_or_empty_keeps_the_blocks() {
    for gone in [Step::MakeMissing, Step::MakeUnreadable, Step::MakeEmpty] {
        let steps = [
            Step::Add(0),
            Step::Add(4),
            Step::Export(Out::Exim),
            Step::Export(Out::Plain),
            gone,
            Step::Export(Out::Exim),
            Step::Export(Out::Plain),
        ];
        run_sequence(&steps).expect("no entry lost");
    }
}
