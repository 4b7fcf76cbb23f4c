//! The terminal's way back from a fatal signal: the settings saved before the screen
//! was taken over, and handlers that put them back before the process dies of the signal.
//!
//! Everything reachable from a handler is async-signal-safe: atomics, `tcsetattr`,
//! `write(2)` of fixed bytes, `sigaction`, `raise`. Never allocate, lock or format here.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, AtomicI32, AtomicUsize, Ordering};

use libc::{c_int, c_void, siginfo_t};

/// Leave the alternate screen, show the cursor, reset colours and attributes, and turn
/// off every mode a TUI may have turned on (mouse reports, bracketed paste, focus
/// events), whether or not we did: a stray mode is as broken as a raw terminal.
pub const RESTORE: &[u8] = b"\x1b[0m\x1b[?1000l\x1b[?1002l\x1b[?1003l\x1b[?1006l\
\x1b[?2004l\x1b[?1004l\x1b[?25h\x1b[?1049l";

/// Whether the screen is ours now (raw mode, alternate screen); a handler restores only then.
static ACTIVE: AtomicBool = AtomicBool::new(false);
/// The terminal whose settings were saved (standard input, or `/dev/tty`).
static TTY: AtomicI32 = AtomicI32::new(-1);
/// Its settings before the TUI changed them.
static SAVED: OnceLock<libc::termios> = OnceLock::new();
/// The handler each signal had before ours, to chain to (index: signal number).
static PREVIOUS: [OnceLock<libc::sigaction>; 65] = [const { OnceLock::new() }; 65];
/// The address of the last fault a previous handler claimed to have dealt with.
static LAST_FAULT: AtomicUsize = AtomicUsize::new(usize::MAX);

/// Signals whose default action kills the process and that can reach us while the screen
/// is taken over. SIGINT, SIGTERM and SIGHUP are requests the event loop answers with a
/// clean shutdown (see `tui::terminal`); SIGPIPE is ignored by the Rust runtime, and
/// SIGKILL and SIGSTOP cannot be caught.
pub const FATAL: &[c_int] = &[
    libc::SIGQUIT,
    libc::SIGABRT,
    libc::SIGBUS,
    libc::SIGSEGV,
    libc::SIGILL,
    libc::SIGFPE,
    libc::SIGTRAP,
    libc::SIGSYS,
    libc::SIGUSR1,
    libc::SIGUSR2,
    libc::SIGALRM,
    libc::SIGVTALRM,
    libc::SIGPROF,
    libc::SIGXCPU,
    libc::SIGXFSZ,
    libc::SIGIO,
    libc::SIGPWR,
];

/// Faults another handler (the mmap guard, the Rust runtime's stack-overflow check) may
/// resolve; it is asked first.
fn is_fault(sig: c_int) -> bool {
    matches!(
        sig,
        libc::SIGBUS | libc::SIGSEGV | libc::SIGILL | libc::SIGFPE
    )
}

/// Remembers the terminal's settings once, before anything changes them. `fd` is the
/// terminal the raw mode is set on.
pub fn save(fd: c_int) -> std::io::Result<()> {
    if SAVED.get().is_some() {
        return Ok(());
    }
    // SAFETY: termios is plain data; tcgetattr fills it or fails.
    let mut t: libc::termios = unsafe { std::mem::zeroed() };
    if unsafe { libc::tcgetattr(fd, &mut t) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    TTY.store(fd, Ordering::SeqCst);
    let _ = SAVED.set(t);
    Ok(())
}

/// Marks the screen as taken over (`true`) or given back (`false`).
pub fn set_active(on: bool) {
    ACTIVE.store(on, Ordering::SeqCst);
}

pub fn is_active() -> bool {
    ACTIVE.load(Ordering::SeqCst)
}

/// Gives the terminal back if it is taken over: the fixed bytes of `RESTORE` to standard
/// output and the saved settings. Async-signal-safe; at most once per take-over.
pub fn restore_now() {
    if !ACTIVE.swap(false, Ordering::SeqCst) {
        return;
    }
    write_all(libc::STDOUT_FILENO, RESTORE);
    let fd = TTY.load(Ordering::SeqCst);
    if let Some(t) = SAVED.get()
        && fd >= 0
    {
        // SAFETY: `t` is a termios tcgetattr filled; tcsetattr is async-signal-safe.
        unsafe { libc::tcsetattr(fd, libc::TCSANOW, t) };
    }
}

fn write_all(fd: c_int, mut b: &[u8]) {
    while !b.is_empty() {
        // SAFETY: writes from a live slice; write(2) is async-signal-safe.
        let n = unsafe { libc::write(fd, b.as_ptr().cast(), b.len()) };
        if n > 0 {
            b = b.get(n as usize..).unwrap_or_default();
        } else if n < 0 && std::io::Error::last_os_error().raw_os_error() == Some(libc::EINTR) {
            continue;
        } else {
            return;
        }
    }
}

/// Installs the handler for every signal of `FATAL`, keeping what was there before to
/// chain to. A signal someone chose to ignore (`nohup`, a parent's `SIG_IGN`) stays
/// ignored. Installing twice is harmless.
pub fn install() -> std::io::Result<()> {
    for &sig in FATAL {
        install_one(sig)?;
    }
    Ok(())
}

fn install_one(sig: c_int) -> std::io::Result<()> {
    let Some(slot) = PREVIOUS.get(sig as usize) else {
        return Ok(());
    };
    if slot.get().is_some() {
        return Ok(());
    }
    // SAFETY: sigaction structs are plain data; the handler below only does
    // async-signal-safe work.
    unsafe {
        let mut old: libc::sigaction = std::mem::zeroed();
        if libc::sigaction(sig, std::ptr::null(), &mut old) != 0 {
            return Err(std::io::Error::last_os_error());
        }
        if old.sa_sigaction == libc::SIG_IGN {
            return Ok(());
        }
        let mut new: libc::sigaction = std::mem::zeroed();
        new.sa_sigaction = handler as *const () as usize;
        // ONSTACK: a stack overflow arrives as SIGSEGV on a full stack.
        new.sa_flags = libc::SA_SIGINFO | libc::SA_ONSTACK;
        libc::sigemptyset(&mut new.sa_mask);
        let _ = slot.set(old);
        if libc::sigaction(sig, &new, &mut old) != 0 {
            return Err(std::io::Error::last_os_error());
        }
    }
    Ok(())
}

/// Calls the handler `sig` had before ours, if it was a function (not default, not ignore).
///
/// # Safety
/// Only from our signal handler, with its arguments.
unsafe fn call_previous(sig: c_int, info: *mut siginfo_t, ctx: *mut c_void) -> bool {
    let Some(prev) = PREVIOUS.get(sig as usize).and_then(|s| s.get()) else {
        return false;
    };
    let f = prev.sa_sigaction;
    if f == libc::SIG_DFL || f == libc::SIG_IGN {
        return false;
    }
    // SAFETY: the kernel calls a handler with these arguments when SA_SIGINFO is set,
    // with the signal number alone otherwise; we pass what it would have.
    unsafe {
        if prev.sa_flags & libc::SA_SIGINFO != 0 {
            let f: extern "C" fn(c_int, *mut siginfo_t, *mut c_void) = std::mem::transmute(f);
            f(sig, info, ctx);
        } else {
            let f: extern "C" fn(c_int) = std::mem::transmute(f);
            f(sig);
        }
    }
    true
}

/// Whether our handler is still the one installed for `sig`.
fn still_ours(sig: c_int) -> bool {
    // SAFETY: a query only; sigaction is async-signal-safe.
    unsafe {
        let mut cur: libc::sigaction = std::mem::zeroed();
        libc::sigaction(sig, std::ptr::null(), &mut cur) == 0
            && cur.sa_sigaction == handler as *const () as usize
    }
}

extern "C" fn handler(sig: c_int, info: *mut siginfo_t, ctx: *mut c_void) {
    if is_fault(sig) {
        // A handler installed before ours may own this fault (the mmap guard maps a page
        // over a truncated file and returns). It resolved it if it returned and left our
        // handler in place, unless the same address faults again right away.
        let addr = if info.is_null() {
            0
        } else {
            // SAFETY: the kernel passes a valid siginfo with SA_SIGINFO.
            unsafe { (*info).si_addr() as usize }
        };
        // SAFETY: called from our handler with its own arguments.
        if unsafe { call_previous(sig, info, ctx) }
            && still_ours(sig)
            && LAST_FAULT.swap(addr, Ordering::SeqCst) != addr
        {
            return;
        }
        restore_now();
    } else {
        restore_now();
        // SAFETY: called from our handler with its own arguments.
        unsafe { call_previous(sig, info, ctx) };
    }
    die_of(sig);
}

/// Dies of `sig` with its default action, so the exit status (and a core dump, where the
/// default makes one) is the signal's. From a handler the signal is blocked until it
/// returns, so the raised one is delivered right after; a fault re-executes and dies anyway.
pub fn die_of(sig: c_int) {
    // SAFETY: resetting a disposition and raising are async-signal-safe.
    unsafe {
        let mut dfl: libc::sigaction = std::mem::zeroed();
        dfl.sa_sigaction = libc::SIG_DFL;
        libc::sigemptyset(&mut dfl.sa_mask);
        libc::sigaction(sig, &dfl, std::ptr::null_mut());
        libc::raise(sig);
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        libc::sigaddset(&mut set, sig);
        libc::pthread_sigmask(libc::SIG_UNBLOCK, &set, std::ptr::null_mut());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn restore_bytes_leave_the_alternate_screen_and_show_the_cursor() {
        let s = String::from_utf8_lossy(RESTORE);
        assert!(s.contains("\x1b[?1049l") && s.contains("\x1b[?25h") && s.contains("\x1b[0m"));
        assert!(s.ends_with("\x1b[?1049l"), "the screen is left last: {s:?}");
    }

    #[test]
    fn restore_does_nothing_while_the_screen_is_not_ours() {
        set_active(false);
        restore_now();
        assert!(!is_active());
    }

    static PREVIOUS_CALLS: AtomicUsize = AtomicUsize::new(0);

    /// A handler like the mmap guard's: it claims the fault and returns.
    extern "C" fn claiming(_: c_int, _: *mut siginfo_t, _: *mut c_void) {
        PREVIOUS_CALLS.fetch_add(1, Ordering::SeqCst);
    }

    /// Runs `child` in a forked process; its wait status.
    fn in_child(child: impl FnOnce() -> c_int) -> c_int {
        // SAFETY: the child only installs handlers, raises and `_exit`s.
        unsafe {
            let pid = libc::fork();
            assert!(pid >= 0, "fork");
            if pid == 0 {
                libc::_exit(child());
            }
            let mut status = 0;
            libc::waitpid(pid, &mut status, 0);
            status
        }
    }

    #[test]
    fn a_fault_goes_first_to_the_handler_installed_before_ours() {
        let status = in_child(|| unsafe {
            let mut prev: libc::sigaction = std::mem::zeroed();
            prev.sa_sigaction = claiming as *const () as usize;
            prev.sa_flags = libc::SA_SIGINFO;
            libc::sigaction(libc::SIGBUS, &prev, std::ptr::null_mut());
            if install().is_err() {
                return 3;
            }
            // Claimed once: we return and carry on.
            libc::raise(libc::SIGBUS);
            if PREVIOUS_CALLS.load(Ordering::SeqCst) != 1 {
                return 4;
            }
            // The same address again: the previous handler did not resolve it, so the
            // process dies of the signal after restoring.
            libc::raise(libc::SIGBUS);
            5
        });
        assert!(libc::WIFSIGNALED(status), "status {status}");
        assert_eq!(libc::WTERMSIG(status), libc::SIGBUS);
    }

    #[test]
    fn a_real_segfault_still_dies_of_sigsegv() {
        let status = in_child(|| {
            if install().is_err() {
                return 3;
            }
            // SAFETY: not safe at all, on purpose, in the child: a read of address 8.
            unsafe { std::ptr::read_volatile(8usize as *const u8) as c_int }
        });
        assert!(libc::WIFSIGNALED(status), "status {status}");
        assert_eq!(libc::WTERMSIG(status), libc::SIGSEGV);
    }

    #[test]
    fn a_fatal_signal_dies_of_itself_with_our_handler() {
        let status = in_child(|| {
            if install().is_err() {
                return 3;
            }
            // SAFETY: raising in the child only.
            unsafe { libc::raise(libc::SIGUSR1) };
            4
        });
        assert!(libc::WIFSIGNALED(status), "status {status}");
        assert_eq!(libc::WTERMSIG(status), libc::SIGUSR1);
    }

    #[test]
    fn the_fatal_list_leaves_requests_and_uncatchable_signals_out() {
        for s in [
            libc::SIGINT,
            libc::SIGTERM,
            libc::SIGHUP,
            libc::SIGKILL,
            libc::SIGSTOP,
            libc::SIGTSTP,
            libc::SIGCONT,
            libc::SIGPIPE,
        ] {
            assert!(!FATAL.contains(&s), "{s}");
        }
        assert!(FATAL.iter().all(|&s| (s as usize) < PREVIOUS.len()));
    }
}
