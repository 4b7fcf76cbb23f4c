//! Following one growing log file by path, as `tail -F` does: what was appended,
//! in complete lines, through rotation, truncation and deletion.
//!
//! The followed file is read with `read()` (`pread`) from an open descriptor and
//! never mapped: a mapped file that shrinks (logrotate's `copytruncate`,
//! `truncate -s 0`) raises SIGBUS on the vanished pages, while a read just
//! returns fewer bytes. What was read is the caller's copy, so a later
//! truncation or rewrite never changes it.
//!
//! Idle cost: one `fstat` of the open file and one `stat` of the path per poll.

use std::fs::File;
use std::io;
use std::os::unix::fs::{FileExt, MetadataExt};
use std::path::{Path, PathBuf};

/// Bytes before the read position kept to notice a file rewritten in place
/// (truncated, then written past where we were before the next poll).
const PROBE: usize = 64;

/// What happened to the followed path, reported after the lines read before it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// The file at the path was opened (the first time, or again after it was gone).
    Opened,
    /// The path names another file now (rename-and-create): the old one was read
    /// to its end, reading goes on from the start of the new one.
    Rotated,
    /// The file is shorter than what was read, or was rewritten in place
    /// (`copytruncate`, `truncate -s 0`): what was read is kept, reading goes on
    /// from its new start.
    Truncated,
    /// The path is gone. What was read is kept; the path is watched for a new file.
    Deleted,
    /// Reading failed (the error's text); the next poll tries again.
    Error(String),
}

/// One poll's result: complete lines (each ending in `\n`), then what happened
/// after them. `more` asks for another poll at once (a rotation was just
/// handled, or the per-poll byte limit was reached).
#[derive(Debug, Default)]
pub struct Poll {
    pub lines: Vec<u8>,
    pub change: Option<Change>,
    pub more: bool,
}

impl Poll {
    /// Nothing read, nothing happened: the caller has nothing to redraw.
    pub fn is_idle(&self) -> bool {
        self.lines.is_empty() && self.change.is_none()
    }
}

struct Open {
    file: File,
    dev: u64,
    ino: u64,
    /// Bytes of this file consumed so far (lines returned plus `partial`).
    pos: u64,
    /// The last bytes before `pos` as they were read.
    probe: Vec<u8>,
}

/// Follows one path. Never panics; I/O errors are reported as [`Change::Error`].
pub struct Follower {
    path: PathBuf,
    open: Option<Open>,
    /// The start of a line whose newline has not been written yet.
    partial: Vec<u8>,
    /// The path was found missing, and that was reported.
    gone: bool,
    /// Most bytes one poll returns, so a big file is taken in bites the caller
    /// can show progress between.
    pub max_bytes: usize,
}

impl Follower {
    /// Follows `path` from its start (nothing is read until the first poll).
    pub fn new(path: &Path) -> Follower {
        Follower {
            path: path.to_path_buf(),
            open: None,
            partial: Vec::new(),
            gone: false,
            max_bytes: 64 << 20,
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Bytes of the current file consumed (returned or held as a partial line).
    pub fn position(&self) -> u64 {
        self.open.as_ref().map_or(0, |o| o.pos)
    }

    /// Reads what was appended since the last poll and looks whether the path
    /// still names the same file.
    pub fn poll(&mut self) -> Poll {
        let mut out = Poll::default();
        let Some(open) = self.open.as_mut() else {
            self.reopen(&mut out);
            return out;
        };
        // Shorter than what was read, or other bytes before where we stopped:
        // truncated (and perhaps written again) under us.
        let size = match open.file.metadata() {
            Ok(m) => m.len(),
            Err(e) => {
                out.change = Some(Change::Error(e.to_string()));
                return out;
            }
        };
        if size < open.pos || (size > open.pos && !probe_matches(open)) {
            self.end_of_file(&mut out);
            if let Some(o) = self.open.as_mut() {
                o.pos = 0;
                o.probe.clear();
            }
            out.change = Some(Change::Truncated);
            out.more = true;
            return out;
        }
        if size > open.pos {
            match self.read_some(&mut out.lines, size) {
                Ok(full) => out.more = !full,
                Err(e) => {
                    out.change = Some(Change::Error(e.to_string()));
                    return out;
                }
            }
            if out.more {
                // Not at the end yet: look at the path once this file is read.
                return out;
            }
        }
        self.look_at_path(&mut out);
        out
    }

    /// Whether the path still names the open file.
    fn look_at_path(&mut self, out: &mut Poll) {
        let Some(open) = self.open.as_ref() else {
            return;
        };
        match std::fs::metadata(&self.path) {
            Ok(m) if m.dev() == open.dev && m.ino() == open.ino => self.gone = false,
            Ok(_) => {
                // Rotated: what the old file got since, to its end, then the new one.
                self.drain(out);
                self.end_of_file(out);
                self.open = None;
                self.gone = false;
                out.change = Some(Change::Rotated);
                out.more = true;
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                if !self.gone {
                    self.gone = true;
                    out.change = Some(Change::Deleted);
                }
                // The open file may still be written (deleted while Exim holds
                // it): keep reading it until a new file appears at the path.
            }
            Err(e) => out.change = Some(Change::Error(e.to_string())),
        }
    }

    /// Reads the open file to its end, whatever the byte limit.
    fn drain(&mut self, out: &mut Poll) {
        loop {
            match self.read_some(&mut out.lines, 0) {
                Ok(true) => return,
                Ok(false) => {}
                Err(e) => {
                    out.change = Some(Change::Error(e.to_string()));
                    return;
                }
            }
        }
    }

    /// The file ended for good (rotated away or truncated): its last line, even
    /// without a newline, is a line.
    fn end_of_file(&mut self, out: &mut Poll) {
        if !self.partial.is_empty() {
            out.lines.append(&mut self.partial);
            out.lines.push(b'\n');
        }
    }

    fn reopen(&mut self, out: &mut Poll) {
        let file = match File::open(&self.path) {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                if !self.gone {
                    self.gone = true;
                    out.change = Some(Change::Deleted);
                }
                return;
            }
            Err(e) => {
                out.change = Some(Change::Error(e.to_string()));
                return;
            }
        };
        let meta = match file.metadata() {
            Ok(m) => m,
            Err(e) => {
                out.change = Some(Change::Error(e.to_string()));
                return;
            }
        };
        self.open = Some(Open {
            file,
            dev: meta.dev(),
            ino: meta.ino(),
            pos: 0,
            probe: Vec::new(),
        });
        self.gone = false;
        out.change = Some(Change::Opened);
        out.more = true;
    }

    /// Reads up to `max_bytes` from the position, appends the complete lines to
    /// `lines` and keeps the rest as the partial line. `Ok(true)` at the end of
    /// the file.
    /// `size` is the file's size as last seen: the buffer is made that big (a
    /// buffer is zeroed before a read, so a fixed big one would cost at every poll).
    fn read_some(&mut self, lines: &mut Vec<u8>, size: u64) -> io::Result<bool> {
        let Some(open) = self.open.as_mut() else {
            return Ok(true);
        };
        let mut buf = std::mem::take(&mut self.partial);
        let held = buf.len();
        let limit = self.max_bytes.max(1 << 12);
        let mut got = 0usize;
        let mut at_end = false;
        while got < limit {
            let start = buf.len();
            // What the file had when looked at, else (it grew since) 64 KiB bites.
            let expected = size.saturating_sub(open.pos).min(1 << 30) as usize;
            let want = (limit - got).min(expected.max(64 << 10));
            buf.resize(start + want, 0);
            let n = loop {
                match open.file.read_at(&mut buf[start..], open.pos) {
                    Ok(n) => break n,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) => {
                        buf.truncate(start);
                        self.partial = buf;
                        return Err(e);
                    }
                }
            };
            buf.truncate(start + n);
            open.pos += n as u64;
            got += n;
            // A regular file reads short only at its end.
            if n < want {
                at_end = true;
                break;
            }
        }
        // The probe is the last bytes before `pos`: the old probe, then what
        // this read added (the partial line in front of `buf` is in it already).
        let fresh = &buf[held..];
        if fresh.len() >= PROBE {
            open.probe = fresh[fresh.len() - PROBE..].to_vec();
        } else {
            open.probe.extend_from_slice(fresh);
            let cut = open.probe.len().saturating_sub(PROBE);
            open.probe.drain(..cut);
        }
        match memchr::memrchr(b'\n', &buf) {
            Some(i) => {
                self.partial = buf.split_off(i + 1);
                if lines.is_empty() {
                    *lines = buf;
                } else {
                    lines.extend_from_slice(&buf);
                }
            }
            None => self.partial = buf,
        }
        Ok(at_end)
    }
}

/// Whether the bytes before the read position are still those that were read.
fn probe_matches(open: &Open) -> bool {
    let n = open.probe.len();
    if n == 0 {
        return true;
    }
    let mut got = vec![0u8; n];
    match open.file.read_exact_at(&mut got, open.pos - n as u64) {
        Ok(()) => got == open.probe,
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn append(path: &Path, bytes: &[u8]) {
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .expect("open for append");
        f.write_all(bytes).expect("append");
    }

    /// Polls until idle, collecting lines and changes.
    fn drain(f: &mut Follower) -> (String, Vec<Change>) {
        let mut text = Vec::new();
        let mut changes = Vec::new();
        for _ in 0..100 {
            let p = f.poll();
            text.extend_from_slice(&p.lines);
            changes.extend(p.change.clone());
            if !p.more && p.lines.is_empty() {
                break;
            }
        }
        (String::from_utf8(text).expect("utf8"), changes)
    }

    fn setup() -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("mainlog");
        (dir, path)
    }

    #[test]
    fn growth_and_partial_lines() {
        let (_d, path) = setup();
        append(&path, b"one\ntw");
        let mut f = Follower::new(&path);
        let (t, c) = drain(&mut f);
        assert_eq!((t.as_str(), c), ("one\n", vec![Change::Opened]));
        // Idle: nothing, no change.
        assert!(f.poll().is_idle());
        append(&path, b"o\nthree");
        assert_eq!(drain(&mut f).0, "two\n");
        append(&path, b"\n");
        assert_eq!(drain(&mut f).0, "three\n");
        assert!(f.poll().is_idle());
    }

    #[test]
    fn a_poll_returns_at_most_its_limit_and_asks_for_more() {
        let (_d, path) = setup();
        let line = "x".repeat(99) + "\n";
        append(&path, line.repeat(200).as_bytes());
        let mut f = Follower::new(&path);
        f.max_bytes = 4096;
        assert_eq!(f.poll().change, Some(Change::Opened));
        let p = f.poll();
        assert!(p.more && p.lines.len() <= 4096 && !p.lines.is_empty());
        let (rest, _) = drain(&mut f);
        assert_eq!(p.lines.len() + rest.len(), 20_000);
    }

    #[test]
    fn rename_and_create_finishes_the_old_file_first() {
        let (d, path) = setup();
        append(&path, b"a1\na2\n");
        let mut f = Follower::new(&path);
        assert_eq!(drain(&mut f).0, "a1\na2\n");
        // Written after our last read, then rotated away, then a new file.
        append(&path, b"a3\na4");
        std::fs::rename(&path, d.path().join("mainlog.1")).expect("rename");
        append(&path, b"b1\n");
        let (t, c) = drain(&mut f);
        assert_eq!(t, "a3\na4\nb1\n");
        assert_eq!(c, vec![Change::Rotated, Change::Opened]);
        append(&path, b"b2\n");
        assert_eq!(drain(&mut f).0, "b2\n");
    }

    #[test]
    fn copytruncate_keeps_what_was_read_and_reads_the_new_start() {
        let (_d, path) = setup();
        append(&path, b"old1\nold2\n");
        let mut f = Follower::new(&path);
        assert_eq!(drain(&mut f).0, "old1\nold2\n");
        // copytruncate: the file is cut to 0 (same inode), then Exim writes on,
        // more than was there before the next poll.
        std::fs::OpenOptions::new()
            .write(true)
            .open(&path)
            .and_then(|x| x.set_len(0))
            .expect("truncate");
        append(&path, b"new1\nnew2\nnew3\n");
        let (t, c) = drain(&mut f);
        assert_eq!(t, "new1\nnew2\nnew3\n");
        assert_eq!(c, vec![Change::Truncated]);
    }

    #[test]
    fn truncate_to_zero_then_growth() {
        let (_d, path) = setup();
        append(&path, b"old1\nold2\npart");
        let mut f = Follower::new(&path);
        assert_eq!(drain(&mut f).0, "old1\nold2\n");
        std::fs::OpenOptions::new()
            .write(true)
            .open(&path)
            .and_then(|x| x.set_len(0))
            .expect("truncate");
        // The held partial line was in the file: it is a line, not lost.
        let (t, c) = drain(&mut f);
        assert_eq!((t.as_str(), c), ("part\n", vec![Change::Truncated]));
        assert!(f.poll().is_idle());
        append(&path, b"n\n");
        assert_eq!(drain(&mut f).0, "n\n");
    }

    #[test]
    fn deletion_is_reported_once_and_a_new_file_is_followed() {
        let (_d, path) = setup();
        append(&path, b"a\n");
        let mut f = Follower::new(&path);
        assert_eq!(drain(&mut f).0, "a\n");
        std::fs::remove_file(&path).expect("rm");
        let (t, c) = drain(&mut f);
        assert_eq!((t.as_str(), c), ("", vec![Change::Deleted]));
        assert!(f.poll().is_idle());
        append(&path, b"b\n");
        let (t, c) = drain(&mut f);
        assert_eq!(t, "b\n");
        assert_eq!(c, vec![Change::Rotated, Change::Opened]);
    }

    #[test]
    fn a_path_missing_at_the_start_is_waited_for() {
        let (_d, path) = setup();
        let mut f = Follower::new(&path);
        assert_eq!(drain(&mut f).1, vec![Change::Deleted]);
        assert!(f.poll().is_idle());
        append(&path, b"x\n");
        assert_eq!(drain(&mut f), ("x\n".to_string(), vec![Change::Opened]));
    }
}
