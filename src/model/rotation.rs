//! The order of a rotation set: `mainlog*` expands in lexical order
//! (`mainlog mainlog.1 mainlog.10.gz mainlog.2.gz …`), but a log reads right
//! only oldest first (`… mainlog.2.gz mainlog.1 mainlog`): a message's arrival
//! must come before its deliveries, and the file followed is the last one.
//!
//! Names are grouped by their base (the path without `.N` and `.gz`). Within a
//! base, the highest number goes first and the unnumbered (live) file last;
//! files of different bases keep the places they were given in, so only files of
//! one set ever trade places. Numbers missing between the lowest and highest of a
//! set (from `.1` when the live file is there too) are reported as gaps: those
//! days are not in the results.

use std::cmp::Reverse;
use std::path::{Path, PathBuf};

/// What ordering the inputs did.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Ordered {
    pub paths: Vec<PathBuf>,
    /// The sets whose files were moved, by base, in the order they now have.
    pub reordered: Vec<(String, Vec<PathBuf>)>,
    /// Sets with numbers missing.
    pub gaps: Vec<Gap>,
}

/// Rotations missing from a set: `missing` are the absent numbers, in runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gap {
    pub base: String,
    pub missing: Vec<(u32, u32)>,
}

/// A path's place in its set: its base and its number (`None`: the live file).
fn rotation_of(path: &Path) -> (String, Option<u32>) {
    let whole = path.to_string_lossy();
    let stem = whole.strip_suffix(".gz").unwrap_or(&whole);
    if let Some((base, num)) = stem.rsplit_once('.')
        && !base.is_empty()
        && !base.ends_with('/')
        && !num.is_empty()
        && num.bytes().all(|b| b.is_ascii_digit())
        && let Ok(n) = num.parse::<u32>()
    {
        return (base.to_string(), Some(n));
    }
    (stem.to_string(), None)
}

/// The sort key within a set: highest number first, the live file last. Equal
/// keys (`mainlog.2` and `mainlog.2.gz`) keep their given order (stable sort).
fn age(n: Option<u32>) -> (bool, Reverse<u32>) {
    (n.is_none(), Reverse(n.unwrap_or(0)))
}

/// Orders `paths` oldest rotation first within each base (see the module doc).
pub fn order(paths: &[PathBuf]) -> Ordered {
    let keys: Vec<(String, Option<u32>)> = paths.iter().map(|p| rotation_of(p)).collect();
    // Bases in order of first appearance, each with the slots its files hold.
    let mut bases: Vec<(&str, Vec<usize>)> = Vec::new();
    for (i, (base, _)) in keys.iter().enumerate() {
        match bases.iter_mut().find(|(b, _)| *b == base.as_str()) {
            Some((_, slots)) => slots.push(i),
            None => bases.push((base, vec![i])),
        }
    }
    let mut out = Ordered {
        paths: paths.to_vec(),
        ..Ordered::default()
    };
    for (base, slots) in &bases {
        let mut members = slots.clone();
        members.sort_by_key(|&i| age(keys[i].1));
        if members != *slots {
            for (&slot, &from) in slots.iter().zip(&members) {
                out.paths[slot] = paths[from].clone();
            }
            let moved = members.iter().map(|&i| paths[i].clone()).collect();
            out.reordered.push((base.to_string(), moved));
        }
        let numbers: Vec<Option<u32>> = members.iter().map(|&i| keys[i].1).collect();
        let missing = missing(&numbers);
        if !missing.is_empty() {
            out.gaps.push(Gap {
                base: base.to_string(),
                missing,
            });
        }
    }
    out
}

/// Runs of numbers absent between the lowest and highest of a set; with the
/// live file present the set should start at `.1`.
fn missing(numbers: &[Option<u32>]) -> Vec<(u32, u32)> {
    let mut have: Vec<u32> = numbers.iter().flatten().copied().collect();
    have.sort_unstable();
    have.dedup();
    let Some(&low) = have.first() else {
        return Vec::new();
    };
    let live = numbers.iter().any(Option::is_none);
    let mut expect = if live { 1 } else { low };
    let mut runs = Vec::new();
    for &n in &have {
        // `.0` sits below the `.1` a live set starts from: no gap below it.
        if n > expect {
            runs.push((expect, n - 1));
        }
        expect = expect.max(n.saturating_add(1));
    }
    runs
}

fn file_name(p: &Path) -> String {
    let name = p.file_name().unwrap_or(p.as_os_str());
    crate::text::sanitize(name.as_encoded_bytes())
}

impl Ordered {
    /// One line per reordered set and per gap, for stderr or the TUI's notice.
    pub fn notes(&self) -> Vec<String> {
        let mut notes = Vec::new();
        for (base, moved) in &self.reordered {
            let names: Vec<String> = moved.iter().map(|p| file_name(p)).collect();
            // Ten names fit a line; a longer list keeps its ends.
            let shown = if names.len() > 10 {
                format!(
                    "{} … {}",
                    names[..4].join(" "),
                    names[names.len() - 3..].join(" ")
                )
            } else {
                names.join(" ")
            };
            notes.push(format!(
                "read the rotations of {} oldest first: {shown}",
                crate::text::sanitize(base.as_bytes())
            ));
        }
        for g in &self.gaps {
            let base = crate::text::sanitize(g.base.as_bytes());
            let runs: Vec<String> = g
                .missing
                .iter()
                .map(|&(a, b)| {
                    if a == b {
                        format!(".{a}")
                    } else {
                        format!(".{a} to .{b}")
                    }
                })
                .collect();
            notes.push(format!(
                "warning: {base}{} not given: the rotation set has a gap, and what was logged then is missing",
                runs.join(", ")
            ));
        }
        notes
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn p(v: &[&str]) -> Vec<PathBuf> {
        v.iter().map(PathBuf::from).collect()
    }

    #[test]
    fn a_glob_of_a_debian_set_reads_oldest_first() {
        let given = p(&[
            "mainlog",
            "mainlog.1",
            "mainlog.10.gz",
            "mainlog.2.gz",
            "mainlog.3.gz",
            "mainlog.4.gz",
            "mainlog.5.gz",
            "mainlog.6.gz",
            "mainlog.7.gz",
            "mainlog.8.gz",
            "mainlog.9.gz",
        ]);
        let o = order(&given);
        let want = p(&[
            "mainlog.10.gz",
            "mainlog.9.gz",
            "mainlog.8.gz",
            "mainlog.7.gz",
            "mainlog.6.gz",
            "mainlog.5.gz",
            "mainlog.4.gz",
            "mainlog.3.gz",
            "mainlog.2.gz",
            "mainlog.1",
            "mainlog",
        ]);
        assert_eq!(o.paths, want);
        assert_eq!(o.reordered.len(), 1);
        assert!(o.gaps.is_empty());
        let notes = o.notes();
        assert_eq!(
            notes,
            [
                "read the rotations of mainlog oldest first: mainlog.10.gz mainlog.9.gz mainlog.8.gz mainlog.7.gz … mainlog.2.gz mainlog.1 mainlog"
            ]
        );
    }

    #[test]
    fn an_ordered_set_is_left_alone_and_says_nothing() {
        let given = p(&["/var/log/exim4/mainlog.2.gz", "/var/log/exim4/mainlog.1"]);
        let o = order(&given);
        assert_eq!(o.paths, given);
        assert!(o.notes().is_empty());
        let one = p(&["mainlog"]);
        assert_eq!(order(&one).paths, one);
        assert!(order(&[]).paths.is_empty());
    }

    #[test]
    fn other_bases_keep_their_places() {
        let given = p(&[
            "a/mainlog",
            "b/mainlog.1",
            "a/mainlog.1",
            "other",
            "b/mainlog.2",
        ]);
        let o = order(&given);
        assert_eq!(
            o.paths,
            p(&[
                "a/mainlog.1",
                "b/mainlog.2",
                "a/mainlog",
                "other",
                "b/mainlog.1"
            ])
        );
        assert_eq!(o.reordered.len(), 2);
    }

    #[test]
    fn gaps_are_named() {
        let o = order(&p(&["mainlog.1", "mainlog.3", "mainlog"]));
        assert_eq!(o.paths, p(&["mainlog.3", "mainlog.1", "mainlog"]));
        assert_eq!(o.gaps[0].missing, [(2, 2)]);
        let o = order(&p(&["mainlog", "mainlog.6.gz", "mainlog.2.gz"]));
        assert_eq!(o.gaps[0].missing, [(1, 1), (3, 5)]);
        assert_eq!(
            o.notes()[1],
            "warning: mainlog.1, .3 to .5 not given: the rotation set has a gap, and what was logged then is missing"
        );
        // A run of old files without the live one starts where it starts.
        assert!(order(&p(&["mainlog.3.gz", "mainlog.4.gz"])).gaps.is_empty());
        assert!(
            order(&p(&["mainlog.0", "mainlog.1", "mainlog"]))
                .gaps
                .is_empty()
        );
    }

    #[test]
    fn names_that_are_no_rotation_stay_whole() {
        assert_eq!(
            rotation_of(Path::new("mainlog.gz")),
            ("mainlog".into(), None)
        );
        assert_eq!(rotation_of(Path::new("log.v2")), ("log.v2".into(), None));
        assert_eq!(rotation_of(Path::new(".7")), (".7".into(), None));
        assert_eq!(rotation_of(Path::new("dir/.7")), ("dir/.7".into(), None));
        assert_eq!(rotation_of(Path::new("-")), ("-".into(), None));
        assert_eq!(
            rotation_of(Path::new("m.99999999999")),
            ("m.99999999999".into(), None)
        );
        assert_eq!(
            rotation_of(Path::new("/l/mainlog.12.gz")),
            ("/l/mainlog".into(), Some(12))
        );
    }

    fn name() -> impl Strategy<Value = PathBuf> {
        (
            prop::sample::select(vec!["mainlog", "d/mainlog", "rejectlog", "x.log"]),
            prop::option::of(0u32..14),
            any::<bool>(),
        )
            .prop_map(|(b, n, gz)| {
                let mut s = b.to_string();
                if let Some(n) = n {
                    s.push_str(&format!(".{n}"));
                }
                if gz {
                    s.push_str(".gz");
                }
                PathBuf::from(s)
            })
    }

    proptest! {
        /// A permutation in which every slot keeps its base, each set reads
        /// oldest first, and files of equal age keep their given order.
        #[test]
        fn ordering_only_moves_files_within_their_set(given in prop::collection::vec(name(), 0..12)) {
            let o = order(&given);
            let mut a = given.clone();
            let mut b = o.paths.clone();
            a.sort();
            b.sort();
            prop_assert_eq!(a, b);
            for (g, got) in given.iter().zip(&o.paths) {
                prop_assert_eq!(rotation_of(g).0, rotation_of(got).0);
            }
            for (i, x) in o.paths.iter().enumerate() {
                for y in &o.paths[i + 1..] {
                    let (bx, nx) = rotation_of(x);
                    let (by, ny) = rotation_of(y);
                    if bx == by {
                        prop_assert!(age(nx) <= age(ny), "{:?} before {:?}", x, y);
                    }
                }
            }
            prop_assert_eq!(o.reordered.is_empty(), o.paths == given);
            // Ordering what is ordered changes nothing.
            prop_assert_eq!(order(&o.paths).paths, o.paths.clone());
        }
    }
}
