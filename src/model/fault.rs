//! Surviving a mapped file that shrinks: a SIGBUS handler for the ranges we map.
//!
//! When a mapped log is truncated (`copytruncate`, `truncate -s 0`), touching a
//! page past its new end raises SIGBUS. For an address inside a range registered
//! here, the handler maps anonymous zero pages over the rest of that range, marks
//! it as faulted and returns, so the read is retried and sees zeros; the source
//! then reports itself changed and its text is never shown. Any other SIGBUS goes
//! to the handler installed before ours (or the default action: death with a core).
//!
//! The handler may only touch atomics and make system calls: the registry is a
//! fixed array, never a lock or an allocation.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

const SLOTS: usize = 64;

struct Slot {
    /// First byte of the range, 0 while the slot is free.
    start: AtomicUsize,
    /// One past the last byte; 0 while the slot is being filled or emptied.
    end: AtomicUsize,
    faulted: AtomicBool,
}

#[allow(clippy::declare_interior_mutable_const)]
const FREE: Slot = Slot {
    start: AtomicUsize::new(0),
    end: AtomicUsize::new(0),
    faulted: AtomicBool::new(false),
};

static TABLE: [Slot; SLOTS] = [FREE; SLOTS];
static PAGE: AtomicUsize = AtomicUsize::new(4096);
static INSTALLED: OnceLock<bool> = OnceLock::new();

/// The handler that was installed before ours, called for faults not ours.
struct Previous(libc::sigaction);
// SAFETY: plain data written once before our handler is installed, then only read.
unsafe impl Sync for Previous {}
unsafe impl Send for Previous {}
static PREVIOUS: OnceLock<Previous> = OnceLock::new();

/// A registered range; unregistered when dropped (drop it before unmapping).
pub struct Guard {
    slot: usize,
}

impl Guard {
    /// Whether a read of the range faulted (the file shrank under the map).
    pub fn faulted(&self) -> bool {
        TABLE[self.slot].faulted.load(Ordering::Acquire)
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        let s = &TABLE[self.slot];
        s.end.store(0, Ordering::Release);
        s.faulted.store(false, Ordering::Release);
        s.start.store(0, Ordering::Release);
    }
}

/// Registers `[start, start + len)` (a live read-only map) and makes sure the
/// handler is installed. `None` when the handler cannot be installed or every
/// slot is taken: the caller must then not rely on the map surviving a shrink.
pub fn guard(start: usize, len: usize) -> Option<Guard> {
    if start == 0 || len == 0 || !*INSTALLED.get_or_init(install) {
        return None;
    }
    let end = start.checked_add(len)?;
    for (i, s) in TABLE.iter().enumerate() {
        if s.start
            .compare_exchange(0, start, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
        {
            s.faulted.store(false, Ordering::Release);
            s.end.store(end, Ordering::Release);
            return Some(Guard { slot: i });
        }
    }
    None
}

#[cfg(unix)]
fn install() -> bool {
    // SAFETY: sysconf and sigaction are called with valid arguments; the previous
    // action is saved before ours is installed, so the handler always finds it.
    unsafe {
        let page = libc::sysconf(libc::_SC_PAGESIZE);
        if page > 0 {
            PAGE.store(page as usize, Ordering::Relaxed);
        }
        let mut old: libc::sigaction = std::mem::zeroed();
        if libc::sigaction(libc::SIGBUS, std::ptr::null(), &mut old) != 0 {
            return false;
        }
        let _ = PREVIOUS.set(Previous(old));
        let mut new: libc::sigaction = std::mem::zeroed();
        new.sa_sigaction = on_sigbus as *const () as usize;
        new.sa_flags = libc::SA_SIGINFO | libc::SA_ONSTACK;
        libc::sigemptyset(&mut new.sa_mask);
        libc::sigaction(libc::SIGBUS, &new, std::ptr::null_mut()) == 0
    }
}

/// If `addr` lies in a registered range, maps zero pages from its page to the
/// end of the range, marks the range faulted and says so. Async-signal-safe: a
/// SIGBUS handler installed after ours can call it first and return on `true`.
pub fn recover(addr: usize) -> bool {
    for s in &TABLE {
        let start = s.start.load(Ordering::Acquire);
        if start == 0 || addr < start {
            continue;
        }
        let end = s.end.load(Ordering::Acquire);
        if addr >= end {
            continue;
        }
        let page = PAGE.load(Ordering::Relaxed);
        let from = addr & !(page - 1);
        let to = end.next_multiple_of(page);
        // SAFETY: [from, to) lies inside a read-only map we own (its pages past the
        // file's end are the only ones that fault); replacing them with private
        // zero pages changes what the model reads there, never memory of others.
        let p = unsafe {
            libc::mmap(
                from as *mut libc::c_void,
                to - from,
                libc::PROT_READ,
                libc::MAP_FIXED | libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                -1,
                0,
            )
        };
        if p == libc::MAP_FAILED {
            return false;
        }
        s.faulted.store(true, Ordering::Release);
        return true;
    }
    false
}

extern "C" fn on_sigbus(sig: libc::c_int, info: *mut libc::siginfo_t, ctx: *mut libc::c_void) {
    // SAFETY: the kernel passes a valid siginfo to an SA_SIGINFO handler.
    let info_ref = unsafe { info.as_ref() };
    // Only a fault (si_code > 0) carries an address; a SIGBUS sent with kill or
    // sigqueue holds a pid there, and is never ours to swallow.
    let fault = info_ref.is_some_and(|i| i.si_code > 0);
    // SAFETY: si_addr is the valid member of the union for a fault.
    let addr = info_ref.map_or(0, |i| unsafe { i.si_addr() } as usize);
    if fault && recover(addr) {
        return;
    }
    chain(sig, info, ctx, fault);
}

fn chain(sig: libc::c_int, info: *mut libc::siginfo_t, ctx: *mut libc::c_void, fault: bool) {
    let prev = PREVIOUS.get().map(|p| p.0);
    if let Some(p) = prev
        && p.sa_sigaction != libc::SIG_DFL
        && p.sa_sigaction != libc::SIG_IGN
    {
        // SAFETY: the previous handler was installed with these flags, so it has
        // the matching signature.
        unsafe {
            if p.sa_flags & libc::SA_SIGINFO != 0 {
                let f: extern "C" fn(libc::c_int, *mut libc::siginfo_t, *mut libc::c_void) =
                    std::mem::transmute(p.sa_sigaction);
                f(sig, info, ctx);
            } else {
                let f: extern "C" fn(libc::c_int) = std::mem::transmute(p.sa_sigaction);
                f(sig);
            }
        }
        // A handler that returns from a fault (Rust's own stack-overflow handler
        // does, once it has put the default action back) re-runs the faulting
        // instruction: that is its way to die.
        if fault {
            return;
        }
    }
    // Returning with the default action back in place re-runs the faulting
    // instruction, which then kills the process as if we had never been here (an
    // ignored SIGBUS would loop forever on the same fault). A sent SIGBUS has no
    // instruction to re-run, and a handler before us may have swallowed it (Rust's
    // does): it is raised again, to be delivered, and kill, once we return.
    // SAFETY: signal and raise are async-signal-safe.
    unsafe {
        libc::signal(sig, libc::SIG_DFL);
        if !fault {
            libc::raise(sig);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shrunk_map_reads_zeros_and_says_so() {
        let mut f = tempfile::tempfile().expect("tempfile");
        std::io::Write::write_all(&mut f, &vec![b'x'; 64 << 10]).expect("write");
        // SAFETY: test-only map of a private temporary file.
        let map = unsafe { memmap2::Mmap::map(&f) }.expect("map");
        let g = guard(map.as_ptr() as usize, map.len()).expect("guard");
        assert!(!g.faulted());
        f.set_len(0).expect("truncate");
        let sum: u64 = map.iter().map(|&b| b as u64).sum();
        assert_eq!(sum, 0);
        assert!(g.faulted());
        drop(g);
    }

    #[test]
    fn addresses_outside_every_range_are_not_ours() {
        assert!(!recover(0));
        assert!(!recover(usize::MAX));
    }
}
