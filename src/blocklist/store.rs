//! The blocklist file: reading it line by line, merging our changes into whatever is on disk, and
//! replacing it atomically. Must never drop a line it did not itself decide to remove.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use super::entry::{Entry, sanitise_comment};
use super::policy::{always_forbidden, describe};
use super::replace::replace_with;
pub use super::replace::{AtomicFile, write_atomic};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(
        "cannot read blocklist {path}: {error}; make it a readable file, or pass --blocklist PATH to use another"
    )]
    Read { path: PathBuf, error: io::Error },
    /// Only `block add` (and `--create`) may start a new file: reading a missing one as empty
    /// would let an export replace every enforced block with nothing.
    #[error(
        "blocklist {path} does not exist; add an entry with `mailtriage block add`, or pass --create to start an empty one"
    )]
    Missing { path: PathBuf },
    #[error("cannot write blocklist {path}: {error}")]
    Write { path: PathBuf, error: io::Error },
    #[error(
        "no blocklist location: neither XDG_CONFIG_HOME nor HOME is set; pass --blocklist PATH"
    )]
    NoDefaultPath,
}

/// What one line of the file is. The raw bytes are kept beside it so untouched lines are written
/// back exactly as they were read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LineKind {
    Entry {
        entry: Entry,
        comment: Option<String>,
    },
    /// Blank lines and `#` comment lines.
    Comment,
    /// A line that is not an entry; kept verbatim and reported.
    Unknown { problem: String },
    /// A well-formed entry that the fixed safety rules forbid (`0.0.0.0/0`, loopback, a public
    /// suffix...): kept verbatim and reported, never exported nor matched; `rm` removes it.
    Refused { entry: Entry, problem: String },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub raw: Vec<u8>,
    pub kind: LineKind,
}

impl Line {
    pub fn parse(raw: &[u8]) -> Line {
        let text_bytes = raw.strip_suffix(b"\r").unwrap_or(raw);
        let kind = match std::str::from_utf8(text_bytes) {
            Err(_) => LineKind::Unknown {
                problem: "not valid UTF-8".to_owned(),
            },
            Ok(text) => classify(text),
        };
        Line {
            raw: raw.to_vec(),
            kind,
        }
    }

    fn new_entry(entry: Entry, comment: Option<&str>) -> Line {
        let comment = comment.map(sanitise_comment).filter(|c| !c.is_empty());
        let raw = match &comment {
            Some(c) => format!("{entry} # {c}"),
            None => entry.to_string(),
        };
        Line {
            raw: raw.into_bytes(),
            kind: LineKind::Entry { entry, comment },
        }
    }

    pub fn entry(&self) -> Option<&Entry> {
        match &self.kind {
            LineKind::Entry { entry, .. } => Some(entry),
            _ => None,
        }
    }
}

fn classify(text: &str) -> LineKind {
    let trimmed = text.trim();
    if trimmed.is_empty() || trimmed.starts_with('#') {
        return LineKind::Comment;
    }
    let (item, comment) = match trimmed.split_once('#') {
        Some((item, comment)) => (item, Some(comment.trim())),
        None => (trimmed, None),
    };
    match Entry::parse(item.trim()) {
        Ok(entry) if !always_forbidden(&entry).is_empty() => LineKind::Refused {
            problem: format!(
                "refused by the safety rules: {}",
                describe(&always_forbidden(&entry))
            ),
            entry,
        },
        Ok(entry) => LineKind::Entry {
            entry,
            comment: comment.map(sanitise_comment).filter(|c| !c.is_empty()),
        },
        Err(e) => LineKind::Unknown {
            problem: e.to_string(),
        },
    }
}

/// A change the user made; replayed on the file as it is at save time so concurrent edits by
/// other processes survive.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Change {
    Add(Entry, Option<String>),
    Remove(Entry),
}

/// A line the store did not understand, for reporting with its 1-based line number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub line_no: usize,
    pub text: String,
    pub problem: String,
}

/// The blocklist file as loaded, plus the changes not yet saved.
#[derive(Debug, Clone)]
pub struct Blocklist {
    path: PathBuf,
    lines: Vec<Line>,
    changes: Vec<Change>,
}

impl Blocklist {
    /// Loads the file; a missing file is an empty blocklist (the first `add` creates it).
    /// Only writers use this; readers use `load_existing`.
    pub fn load(path: &Path) -> Result<Blocklist, StoreError> {
        Ok(Blocklist {
            path: path.to_owned(),
            lines: read_lines(path)?.unwrap_or_default(),
            changes: Vec::new(),
        })
    }

    /// Loads a file that must exist: a missing one is `StoreError::Missing`.
    pub fn load_existing(path: &Path) -> Result<Blocklist, StoreError> {
        Ok(Blocklist {
            path: path.to_owned(),
            lines: read_lines(path)?.ok_or_else(|| StoreError::Missing {
                path: path.to_owned(),
            })?,
            changes: Vec::new(),
        })
    }

    /// Builds a blocklist from text (for tests and previews; `save` still writes to `path`).
    pub fn from_bytes(path: &Path, bytes: &[u8]) -> Blocklist {
        Blocklist {
            path: path.to_owned(),
            lines: split_lines(bytes),
            changes: Vec::new(),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn lines(&self) -> &[Line] {
        &self.lines
    }

    /// Every entry with its comment and 1-based line number, in file order.
    pub fn entries(&self) -> impl Iterator<Item = (usize, &Entry, Option<&str>)> {
        self.lines
            .iter()
            .enumerate()
            .filter_map(|(i, l)| match &l.kind {
                LineKind::Entry { entry, comment } => Some((i + 1, entry, comment.as_deref())),
                _ => None,
            })
    }

    pub fn contains(&self, entry: &Entry) -> bool {
        self.lines.iter().any(|l| l.entry() == Some(entry))
    }

    /// Lines that are neither entries nor comments.
    pub fn problems(&self) -> Vec<Problem> {
        self.lines
            .iter()
            .enumerate()
            .filter_map(|(i, l)| match &l.kind {
                LineKind::Unknown { problem } | LineKind::Refused { problem, .. } => {
                    Some(Problem {
                        line_no: i + 1,
                        text: String::from_utf8_lossy(&l.raw).into_owned(),
                        problem: problem.clone(),
                    })
                }
                _ => None,
            })
            .collect()
    }

    /// Adds an entry unless it is already listed (an existing line keeps its comment). Returns
    /// whether the in-memory list changed.
    pub fn add(&mut self, entry: Entry, comment: Option<&str>) -> bool {
        let change = Change::Add(entry, comment.map(str::to_owned));
        let changed = apply(&mut self.lines, &change);
        self.changes.push(change);
        changed
    }

    /// Removes every line holding this entry. Returns whether one was there.
    pub fn remove(&mut self, entry: &Entry) -> bool {
        let change = Change::Remove(entry.clone());
        let changed = apply(&mut self.lines, &change);
        self.changes.push(change);
        changed
    }

    /// Re-reads the file, replays this session's changes on it, and replaces it atomically; the
    /// in-memory list becomes what was written. See `replace` for the locks taken and how
    /// concurrent edits by other programs are kept.
    pub fn save(&mut self) -> Result<(), StoreError> {
        let changes = &self.changes;
        let mut written = Vec::new();
        replace_with(&self.path, &mut |current| {
            let mut lines = split_lines(current);
            for change in changes {
                apply(&mut lines, change);
            }
            let bytes = render(&lines);
            written = lines;
            bytes
        })
        .map_err(|error| StoreError::Write {
            path: self.path.clone(),
            error,
        })?;
        self.lines = written;
        self.changes.clear();
        Ok(())
    }

    /// The file's bytes as `save` would write them without concurrent changes.
    pub fn to_bytes(&self) -> Vec<u8> {
        render(&self.lines)
    }
}

fn apply(lines: &mut Vec<Line>, change: &Change) -> bool {
    match change {
        Change::Add(entry, comment) => {
            if lines.iter().any(|l| l.entry() == Some(entry)) {
                return false;
            }
            lines.push(Line::new_entry(entry.clone(), comment.as_deref()));
            true
        }
        Change::Remove(entry) => {
            let before = lines.len();
            lines.retain(|l| {
                l.entry() != Some(entry)
                    && !matches!(&l.kind, LineKind::Refused { entry: r, .. } if r == entry)
            });
            before != lines.len()
        }
    }
}

/// The file's lines, or `None` when it does not exist.
fn read_lines(path: &Path) -> Result<Option<Vec<Line>>, StoreError> {
    match fs::read(path) {
        Ok(bytes) => Ok(Some(split_lines(&bytes))),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(error) => Err(StoreError::Read {
            path: path.to_owned(),
            error,
        }),
    }
}

fn split_lines(bytes: &[u8]) -> Vec<Line> {
    let body = bytes.strip_suffix(b"\n").unwrap_or(bytes);
    if body.is_empty() && bytes.is_empty() {
        return Vec::new();
    }
    body.split(|&b| b == b'\n').map(Line::parse).collect()
}

fn render(lines: &[Line]) -> Vec<u8> {
    let mut out = Vec::with_capacity(lines.iter().map(|l| l.raw.len() + 1).sum());
    for l in lines {
        out.extend_from_slice(&l.raw);
        out.push(b'\n');
    }
    out
}
