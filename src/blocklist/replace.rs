//! Replacing a file the way every blocklist writer must: the store and each export share it.
//! Must never replace a symlink, a device or a directory, change who may read the file, nor
//! drop bytes another program appended while we worked.
//!
//! Protocol (README, Security: safe writes):
//! 1. Follow symlinks to the final target; a target that exists must be a regular file.
//! 2. Lock `.NAME.lock` beside the target: serialises mailtriage writers (it is never
//!    replaced, so it is also the race-free lock for other programs).
//! 3. Open the target and take `flock(LOCK_EX)` on it: a cooperating appender running
//!    `flock FILE -c 'echo … >> FILE'` waits for us and we wait for it. If the path was
//!    replaced while we waited for the lock, start again on the new file.
//! 4. Read it, let the caller build the new contents from what is there now, write them to a
//!    temporary file beside the target with the old file's owner, group and mode.
//! 5. Just before the rename, look again: if the file changed (an unlocked `>>`), redo 4.
//! 6. Rename over the target, sync the directory, release the locks.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// How many symlinks are followed before giving up (the kernel's own limit is 40).
const MAX_LINKS: usize = 40;
/// How many times the contents are rebuilt when the file keeps changing under us.
const MAX_ROUNDS: usize = 200;

fn parent_dir(path: &Path) -> Option<&Path> {
    path.parent().filter(|p| !p.as_os_str().is_empty())
}

fn not_regular(path: &Path, ft: fs::FileType) -> io::Error {
    let what = if ft.is_dir() {
        "a directory"
    } else if ft.is_fifo() {
        "a FIFO"
    } else if ft.is_socket() {
        "a socket"
    } else if ft.is_char_device() || ft.is_block_device() {
        "a device"
    } else {
        "special"
    };
    io::Error::new(
        io::ErrorKind::InvalidInput,
        format!(
            "{} is {what}, not a regular file; refusing to replace it (to write to standard output, leave out -o)",
            path.display()
        ),
    )
}

/// The file a write to `path` must replace: symlinks followed (relative links from their own
/// directory), a dangling link giving the path it points to. Refuses existing non-regular files.
pub fn resolve_target(path: &Path) -> io::Result<PathBuf> {
    // The kernel's view first: `/dev/stdout` → `/proc/self/fd/1` → `pipe:[…]` is a link to no
    // path at all, but stat(2) through it finds the pipe.
    if let Ok(m) = fs::metadata(path)
        && !m.is_file()
    {
        return Err(not_regular(path, m.file_type()));
    }
    let mut cur = path.to_owned();
    for _ in 0..MAX_LINKS {
        // `/dev/stdout`, `/dev/fd/N`, `/proc/PID/fd/N` name a descriptor someone holds open:
        // replacing the file behind it would leave that descriptor writing to a deleted file.
        if cur.starts_with("/proc") || cur.starts_with("/dev/fd") {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "{} names an open file descriptor, not a file; refusing to replace it (to write to standard output, leave out -o)",
                    path.display()
                ),
            ));
        }
        match fs::symlink_metadata(&cur) {
            Ok(m) if m.file_type().is_symlink() => {
                let to = fs::read_link(&cur)?;
                cur = match parent_dir(&cur) {
                    Some(dir) if to.is_relative() => dir.join(to),
                    _ => to,
                };
            }
            Ok(m) if m.file_type().is_file() => return Ok(cur),
            Ok(m) => return Err(not_regular(&cur, m.file_type())),
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(cur),
            Err(e) => return Err(e),
        }
    }
    Err(io::Error::new(
        io::ErrorKind::InvalidInput,
        format!("{}: too many levels of symbolic links", path.display()),
    ))
}

/// Holds an exclusive lock on `.NAME.lock` beside `target` for as long as it lives.
pub fn lock_beside(target: &Path) -> io::Result<File> {
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(target.with_file_name(format!(".{name}.lock")))?;
    file.lock()?;
    Ok(file)
}

/// What identifies one state of the file: inode, size and modification time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stamp {
    dev: u64,
    ino: u64,
    len: u64,
    mtime: (i64, i64),
    ctime: (i64, i64),
}

fn stamp(m: &fs::Metadata) -> Stamp {
    Stamp {
        dev: m.dev(),
        ino: m.ino(),
        len: m.len(),
        mtime: (m.mtime(), m.mtime_nsec()),
        ctime: (m.ctime(), m.ctime_nsec()),
    }
}

/// The target opened and `flock`ed, once the lock is held on the file the path names.
fn open_locked(target: &Path) -> io::Result<Option<File>> {
    for _ in 0..MAX_ROUNDS {
        let file = match File::open(target) {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e),
        };
        let ft = file.metadata()?.file_type();
        if !ft.is_file() {
            return Err(not_regular(target, ft));
        }
        file.lock()?;
        // Another writer may have renamed a new file over the path while we waited.
        let now = fs::metadata(target).map(|m| (m.dev(), m.ino())).ok();
        let held = file.metadata().map(|m| (m.dev(), m.ino()))?;
        if now == Some(held) {
            return Ok(Some(file));
        }
    }
    Err(io::Error::other(format!(
        "{} keeps being replaced; try again",
        target.display()
    )))
}

/// Replaces the file at `path` (through symlinks) with `build(current contents)`, following
/// the protocol above. `build` may run more than once when the file changes under us; the
/// last run's result is what was written. Returns the path actually written.
pub fn replace_with(path: &Path, build: &mut dyn FnMut(&[u8]) -> Vec<u8>) -> io::Result<PathBuf> {
    let target = resolve_target(path)?;
    if let Some(dir) = parent_dir(&target) {
        fs::create_dir_all(dir)?;
    }
    let _writers = lock_beside(&target)?;
    let mut held = open_locked(&target)?;
    // Bytes appended to a file we already replaced, to be merged into the next round.
    let mut carry: Vec<u8> = Vec::new();
    for round in 0..MAX_ROUNDS {
        if round > 2 {
            // Someone is appending in a burst: let it finish rather than race it.
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
        let mut current = Vec::new();
        let before = match held.as_mut() {
            Some(f) => {
                let m = f.metadata()?;
                // Read from the start through our own handle (the lock is on its inode).
                let mut r: &File = f;
                io::Seek::seek(&mut r, io::SeekFrom::Start(0))?;
                r.read_to_end(&mut current)?;
                Some((stamp(&m), m))
            }
            None => None,
        };
        let read_len = current.len() as u64;
        if !carry.is_empty() {
            if !current.is_empty() && !current.ends_with(b"\n") {
                current.push(b'\n');
            }
            current.append(&mut carry);
        }
        let bytes = build(&current);
        let mut tmp = AtomicFile::create(&target)?;
        if let Some((_, meta)) = &before {
            tmp.keep_owner_and_mode(meta)?;
        }
        tmp.write_all(&bytes)?;
        tmp.sync()?;
        let after = match fs::symlink_metadata(&target) {
            Ok(m) => Some(stamp(&m)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => None,
            Err(e) => return Err(e),
        };
        if after == before.as_ref().map(|b| b.0) {
            tmp.commit()?;
            let Some(old) = held.take() else {
                return Ok(target);
            };
            carry = drain_stale_waiters(&target, old, read_len);
            if carry.is_empty() {
                return Ok(target);
            }
            held = open_locked(&target)?;
            continue;
        }
        // Changed since we read it: an unlocked append, or a file that appeared. Rebuild.
        drop(tmp);
        if held.is_none() || after.map(|a| a.ino) != before.as_ref().map(|b| b.0.ino) {
            held = open_locked(&target)?;
        }
    }
    Err(io::Error::other(format!(
        "{} kept changing while it was being written; nothing was replaced",
        target.display()
    )))
}

/// How long a program woken on the replaced file's lock gets to take it before we check.
const DRAIN_PAUSE: std::time::Duration = std::time::Duration::from_millis(10);

/// A program that ran `flock FILE -c 'echo … >> FILE'` while we held the lock is waiting on
/// the *old* file's lock; once woken it appends to the new file, outside the new file's lock.
/// Before letting the next mailtriage writer in (we still hold `.NAME.lock`), wait for such
/// waiters: release the old lock, let them take it, and take it back once they are done. The
/// new file is locked meanwhile so fresh appenders queue on it. Returns what was appended to
/// the old file after we read it. Best effort: a waiter not scheduled within the pause can
/// still race (README gives the measured rates).
fn drain_stale_waiters(target: &Path, old: File, read_len: u64) -> Vec<u8> {
    let new = open_locked(target).ok().flatten();
    let _ = old.unlock();
    std::thread::sleep(DRAIN_PAUSE);
    let _ = old.lock();
    // A plain `>>` that opened the old file before the rename lands in it, not in the new
    // one: whatever it added past what we read is handed back to be merged again.
    let mut tail = Vec::new();
    let mut r: &File = &old;
    if io::Seek::seek(&mut r, io::SeekFrom::Start(read_len)).is_ok() {
        let _ = r.read_to_end(&mut tail);
    }
    drop(old);
    drop(new);
    tail
}

/// Replaces `dest` (through symlinks) with `bytes`: readers see the old or the new file, never
/// a mix, and a failure leaves the old file and no temporary behind.
pub fn write_atomic(dest: &Path, bytes: &[u8]) -> io::Result<()> {
    replace_with(dest, &mut |_| bytes.to_vec()).map(|_| ())
}

/// A temporary file beside its destination; removed on drop unless committed. Exposed so tests
/// can simulate a crash between writing and renaming.
pub struct AtomicFile {
    dest: PathBuf,
    tmp: PathBuf,
    file: Option<File>,
    /// Data already on disk: `commit` renames at once, keeping the check-to-rename window of
    /// `replace_with` free of a slow fsync.
    synced: bool,
}

static TMP_COUNTER: AtomicU64 = AtomicU64::new(0);

impl AtomicFile {
    pub fn create(dest: &Path) -> io::Result<AtomicFile> {
        let name = dest
            .file_name()
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "path has no file name"))?
            .to_string_lossy()
            .into_owned();
        let n = TMP_COUNTER.fetch_add(1, Ordering::Relaxed);
        let tmp = dest.with_file_name(format!(".{name}.tmp.{}.{n}", std::process::id()));
        let file = OpenOptions::new().write(true).create_new(true).open(&tmp)?;
        let mut f = AtomicFile {
            dest: dest.to_owned(),
            tmp,
            file: Some(file),
            synced: false,
        };
        if let Ok(meta) = fs::metadata(dest) {
            f.keep_owner_and_mode(&meta)?;
        }
        Ok(f)
    }

    /// Gives the temporary file the replaced file's owner, group and mode, so an Exim group
    /// that reads a 0640 file keeps reading it. Owner first: chown may clear set-id bits.
    pub fn keep_owner_and_mode(&mut self, meta: &fs::Metadata) -> io::Result<()> {
        let file = self
            .file
            .as_ref()
            .ok_or_else(|| io::Error::other("temporary file already closed"))?;
        let ours = file.metadata()?;
        if (ours.uid(), ours.gid()) != (meta.uid(), meta.gid()) {
            std::os::unix::fs::fchown(file, Some(meta.uid()), Some(meta.gid())).map_err(|e| {
                io::Error::new(
                    e.kind(),
                    format!(
                        "cannot give the new {} its owner and group {}:{} ({e}); refusing to replace it",
                        self.dest.display(),
                        meta.uid(),
                        meta.gid()
                    ),
                )
            })?;
        }
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(fs::Permissions::from_mode(meta.mode() & 0o7777))
    }

    pub fn temp_path(&self) -> &Path {
        &self.tmp
    }

    pub fn write_all(&mut self, bytes: &[u8]) -> io::Result<()> {
        match self.file.as_mut() {
            Some(f) => f.write_all(bytes),
            None => Err(io::Error::other("temporary file already closed")),
        }
    }

    fn sync(&mut self) -> io::Result<()> {
        match self.file.as_ref() {
            Some(f) => f.sync_all()?,
            None => return Err(io::Error::other("temporary file already closed")),
        }
        self.synced = true;
        Ok(())
    }

    /// Flushes the data to disk, then renames over the destination and syncs the directory so
    /// the rename itself survives a power cut.
    pub fn commit(mut self) -> io::Result<()> {
        let synced = match self.file.take() {
            Some(_) if self.synced => Ok(()),
            Some(file) => file.sync_all(),
            None => Err(io::Error::other("temporary file already closed")),
        };
        if let Err(e) = synced.and_then(|()| fs::rename(&self.tmp, &self.dest)) {
            let _ = fs::remove_file(&self.tmp);
            return Err(e);
        }
        // Some filesystems refuse fsync on directories; the rename is done either way.
        let dir = parent_dir(&self.dest).unwrap_or(Path::new("."));
        if let Ok(d) = File::open(dir) {
            let _ = d.sync_all();
        }
        Ok(())
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if self.file.is_some() {
            let _ = fs::remove_file(&self.tmp);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_symlink_loop_is_an_error_not_a_hang() {
        let dir = tempfile::tempdir().expect("tempdir");
        let a = dir.path().join("a");
        std::os::unix::fs::symlink("b", &a).expect("symlink");
        std::os::unix::fs::symlink("a", dir.path().join("b")).expect("symlink");
        let err = resolve_target(&a).expect_err("loop");
        assert!(err.to_string().contains("too many levels"), "{err}");
    }

    #[test]
    fn build_sees_the_current_contents() {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path().join("f");
        fs::write(&p, "one\n").expect("write");
        replace_with(&p, &mut |old| [old, b"two\n"].concat()).expect("replace");
        assert_eq!(fs::read_to_string(&p).expect("read"), "one\ntwo\n");
    }
}
