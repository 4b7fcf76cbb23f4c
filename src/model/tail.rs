//! A followed log: the lines a `Follower` reads from a growing file, folded into a
//! `Live` model, and what happened to the file said in words. The interactive
//! view's feed and the CLI's `--follow` both read a log this way.

use std::path::Path;

use super::follow::{Change, Follower};
use super::live::{Appended, Live};
use super::load::LoadError;

pub struct Tail {
    pub live: Live,
    follower: Follower,
    name: String,
    /// The next bytes start a file (first read, after a rotation or truncation),
    /// so its first line does not continue the last one read.
    fresh: bool,
    /// The path was reported gone: its reappearance is news.
    gone: bool,
}

/// What one read brought.
pub struct Polled {
    /// The lines folded in (`None`: no complete line came).
    pub appended: Option<Appended>,
    /// A change of the file in words, when it is news (a first opening is not).
    pub notice: Option<String>,
    /// More is waiting to be read at once.
    pub more: bool,
}

impl Tail {
    /// Follows `path` into `live` (which holds what came before it, if anything).
    pub fn new(live: Live, path: &Path) -> Tail {
        Tail {
            live,
            follower: Follower::new(path),
            name: path.display().to_string(),
            fresh: true,
            gone: false,
        }
    }

    pub fn path(&self) -> &Path {
        self.follower.path()
    }

    /// Bytes of the current file read so far.
    pub fn position(&self) -> u64 {
        self.follower.position()
    }

    /// One read (a bite of at most the follower's buffer).
    pub fn poll(&mut self) -> Result<Polled, LoadError> {
        let p = self.follower.poll();
        let mut appended = None;
        if !p.lines.is_empty() {
            appended = Some(self.live.append(&self.name, p.lines, !self.fresh)?);
            self.fresh = false;
        }
        let notice = p.change.as_ref().and_then(|c| {
            if matches!(c, Change::Opened | Change::Rotated | Change::Truncated) {
                self.fresh = true;
            }
            let said = describe(c, self.gone).map(|what| {
                let name = crate::text::sanitize(self.name.as_bytes());
                format!("{name} {what}")
            });
            match c {
                Change::Deleted => self.gone = true,
                Change::Opened => self.gone = false,
                _ => {}
            }
            said
        });
        Ok(Polled {
            appended,
            notice,
            more: p.more,
        })
    }

    /// Reads all that was appended, its notices pushed to `notices`; what it added
    /// (empty when nothing came).
    pub fn drain(&mut self, notices: &mut Vec<String>) -> Result<Appended, LoadError> {
        let mut all: Option<Appended> = None;
        loop {
            let p = self.poll()?;
            if let Some(a) = p.appended {
                all = Some(match all {
                    None => a,
                    Some(x) => x.then(a),
                });
            }
            notices.extend(p.notice);
            if !p.more {
                return Ok(all.unwrap_or_default());
            }
        }
    }
}

/// A change of the followed file in words; `None` when it is no news: the first
/// opening, or a rotation found at a path already reported gone (its reappearance
/// is said as that).
fn describe(c: &Change, gone: bool) -> Option<String> {
    Some(match c {
        Change::Opened if !gone => return None,
        Change::Rotated if gone => return None,
        Change::Opened => "appeared again; following it".to_string(),
        Change::Rotated => {
            "was rotated; the old file was read to its end, reading the new one from its start"
                .to_string()
        }
        Change::Truncated => {
            "was truncated; what was read is kept, reading from its new start".to_string()
        }
        Change::Deleted => "is gone; what was read is kept, waiting for a new file".to_string(),
        Change::Error(e) => format!("cannot be read ({e}); trying again"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::LoadOptions;

    fn drain(t: &mut Tail) -> (u32, Vec<String>) {
        let mut notices = Vec::new();
        let a = t.drain(&mut notices).expect("drain");
        (a.lines.len() as u32, notices)
    }

    #[test]
    fn appends_are_read_and_changes_said_once_as_news() {
        let dir = tempfile::tempdir().expect("tempdir");
        let log = dir.path().join("mainlog");
        std::fs::write(&log, "a\nb\n").expect("write");
        let mut t = Tail::new(Live::new(LoadOptions::default()), &log);
        // The first opening is no news.
        assert_eq!(drain(&mut t), (2, vec![]));
        std::fs::write(&log, "a\nb\nc\n").expect("write");
        assert_eq!(drain(&mut t), (1, vec![]));
        std::fs::remove_file(&log).expect("remove");
        let (n, said) = drain(&mut t);
        assert_eq!((n, said.len()), (0, 1));
        assert!(said[0].ends_with("is gone; what was read is kept, waiting for a new file"));
        // Back at the path: said as its reappearance, not as a rotation too.
        std::fs::write(&log, "d\n").expect("write");
        let (n, said) = drain(&mut t);
        assert_eq!(n, 1);
        assert_eq!(said.len(), 1, "{said:?}");
        assert!(
            said[0].ends_with("appeared again; following it"),
            "{said:?}"
        );
        assert_eq!(t.live.model().line_count(), 4);
    }
}
