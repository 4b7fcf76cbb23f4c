//! Waiting for a followed file to change: inotify on Linux, a plain sleep elsewhere.
//!
//! The directory holding the file is watched, not the file: a rotation renames the
//! file away and creates a new one, and only the directory sees both. Any event in
//! it (another log written beside ours included) only ends the wait early; what
//! happened is always found out by `Follower::poll`, so a missed or spurious event
//! costs latency, never lines. The wait has a ceiling (`wait`'s `most`), so a file
//! system without notifications (NFS written from another host) is still read.

use std::path::Path;
use std::time::Duration;

/// Ends a wait when something in the followed file's directory changed.
pub struct Watch {
    #[cfg(target_os = "linux")]
    fd: Option<std::os::fd::OwnedFd>,
}

impl Watch {
    /// Watches the directory of `path`; without notifications (another platform, no
    /// inotify instance left, no such directory), `wait` just sleeps.
    pub fn new(path: &Path) -> Watch {
        #[cfg(target_os = "linux")]
        {
            Watch { fd: inotify(path) }
        }
        #[cfg(not(target_os = "linux"))]
        {
            let _ = path;
            Watch {}
        }
    }

    /// Whether changes are notified (else `wait` sleeps its whole `most`).
    pub fn notifies(&self) -> bool {
        #[cfg(target_os = "linux")]
        {
            self.fd.is_some()
        }
        #[cfg(not(target_os = "linux"))]
        {
            false
        }
    }

    /// Waits until something changed or `most` passed (or a signal came); drains
    /// what was notified. Whether something was.
    pub fn wait(&self, most: Duration) -> bool {
        #[cfg(target_os = "linux")]
        if let Some(fd) = &self.fd {
            use std::os::fd::AsRawFd;
            let mut p = libc::pollfd {
                fd: fd.as_raw_fd(),
                events: libc::POLLIN,
                revents: 0,
            };
            let ms = most.as_millis().min(i32::MAX as u128) as i32;
            // SAFETY: one valid pollfd, for the duration of the call.
            let n = unsafe { libc::poll(&mut p, 1, ms) };
            if n > 0 {
                drain(fd.as_raw_fd());
            }
            return n > 0;
        }
        std::thread::sleep(most);
        false
    }
}

#[cfg(target_os = "linux")]
fn inotify(path: &Path) -> Option<std::os::fd::OwnedFd> {
    use std::os::fd::FromRawFd;
    use std::os::unix::ffi::OsStrExt;
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let c = std::ffi::CString::new(dir.as_os_str().as_bytes()).ok()?;
    // SAFETY: plain system calls; the descriptor is owned from here on.
    unsafe {
        let fd = libc::inotify_init1(libc::IN_NONBLOCK | libc::IN_CLOEXEC);
        if fd < 0 {
            return None;
        }
        let fd = std::os::fd::OwnedFd::from_raw_fd(fd);
        let mask = libc::IN_MODIFY
            | libc::IN_CREATE
            | libc::IN_MOVED_FROM
            | libc::IN_MOVED_TO
            | libc::IN_DELETE
            | libc::IN_ATTRIB
            | libc::IN_CLOSE_WRITE;
        use std::os::fd::AsRawFd;
        if libc::inotify_add_watch(fd.as_raw_fd(), c.as_ptr(), mask) < 0 {
            return None;
        }
        Some(fd)
    }
}

/// Reads every queued event (the descriptor is non-blocking), so the next wait
/// sleeps until something new happens.
#[cfg(target_os = "linux")]
fn drain(fd: std::os::fd::RawFd) {
    let mut buf = [0u8; 4096];
    loop {
        // SAFETY: reads into a buffer we own, at most its length.
        let n = unsafe { libc::read(fd, buf.as_mut_ptr().cast(), buf.len()) };
        if n <= 0 {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;

    #[test]
    fn a_write_in_the_directory_ends_the_wait() {
        let dir = tempfile::tempdir().expect("tempdir");
        let log = dir.path().join("mainlog");
        std::fs::write(&log, b"a\n").expect("write");
        let w = Watch::new(&log);
        if !w.notifies() {
            eprintln!("no inotify here: the wait is a sleep");
            return;
        }
        let path = log.clone();
        let writer = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(100));
            std::fs::write(&path, b"a\nb\n").expect("write");
        });
        let start = Instant::now();
        assert!(w.wait(Duration::from_secs(10)), "notified");
        let took = start.elapsed();
        writer.join().expect("writer");
        assert!(took < Duration::from_secs(5), "woke after {took:?}");
        // The write's later events (the data, the close) may come after the first
        // woke the wait: take them, then nothing new is there.
        while w.wait(Duration::from_millis(50)) {}
        let start = Instant::now();
        assert!(!w.wait(Duration::from_millis(300)), "nothing new");
        assert!(start.elapsed() >= Duration::from_millis(250));
    }

    #[test]
    fn a_rotation_ends_the_wait() {
        let dir = tempfile::tempdir().expect("tempdir");
        let log = dir.path().join("mainlog");
        std::fs::write(&log, b"a\n").expect("write");
        let w = Watch::new(&log);
        if !w.notifies() {
            return;
        }
        std::fs::rename(&log, dir.path().join("mainlog.1")).expect("rename");
        let start = Instant::now();
        w.wait(Duration::from_secs(10));
        assert!(start.elapsed() < Duration::from_secs(5));
    }
}
