//! How much memory a load may take: bytes read into memory (gzip, pipes,
//! `--no-mmap`) plus an estimate per indexed line, against a limit taken from
//! `--max-memory` or from the memory the system has available.
//!
//! Checked while reading and while indexing, so a gzip bomb or `/dev/zero` stops
//! with a message before the allocator aborts. Never consulted for mapped bytes:
//! those live in the page cache, not in our heap.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};

/// Heap per indexed line: 13 bytes of per-line tables (start, kind, message,
/// next), doubled for the spare capacity of a growing vector, plus the line's
/// share of messages, strings and signatures in a real log.
pub const LINE_COST: u64 = 40;

/// Share of `MemAvailable` a load may use when no limit is given: room is left
/// for the TUI's groupings, built after the load, and for everything else.
const AVAILABLE_SHARE: (u64, u64) = (3, 4);
/// Used when the system says nothing about its memory.
const FALLBACK: u64 = 4 << 30;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// `--max-memory`.
    Flag,
    /// A share of `MemAvailable` in /proc/meminfo.
    Available,
    /// Neither: a fixed guess.
    Fallback,
}

/// The limit and where it came from, for the error message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    pub bytes: u64,
    pub origin: Origin,
}

impl Limit {
    /// `--max-memory` if given, else derived from the system's available memory.
    pub fn new(max: Option<u64>) -> Limit {
        if let Some(bytes) = max {
            return Limit {
                bytes,
                origin: Origin::Flag,
            };
        }
        match std::fs::read_to_string("/proc/meminfo")
            .ok()
            .and_then(|s| mem_available(&s))
        {
            Some(avail) => Limit {
                bytes: avail / AVAILABLE_SHARE.1 * AVAILABLE_SHARE.0,
                origin: Origin::Available,
            },
            None => Limit {
                bytes: FALLBACK,
                origin: Origin::Fallback,
            },
        }
    }
}

impl Limit {
    /// A `--max-memory` value to suggest: twice this limit, in whole M or G.
    pub fn raised(&self) -> String {
        let twice = self.bytes.saturating_mul(2);
        if twice >= 1 << 30 {
            format!("{}G", twice.div_ceil(1 << 30))
        } else {
            format!("{}M", twice.div_ceil(1 << 20).max(1))
        }
    }
}

impl fmt::Display for Limit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let how = match self.origin {
            Origin::Flag => "set by --max-memory",
            Origin::Available => "3/4 of the available memory",
            Origin::Fallback => "a default, as available memory is unknown",
        };
        write!(f, "{} ({how})", human(self.bytes))
    }
}

/// `MemAvailable` of /proc/meminfo, in bytes.
fn mem_available(meminfo: &str) -> Option<u64> {
    let line = meminfo.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    kb.checked_mul(1024)
}

/// What a load has taken so far against its limit.
#[derive(Debug, Clone)]
pub struct Budget {
    pub limit: Limit,
    /// Bytes of inputs held in memory (capacity, not length).
    pub read: u64,
}

impl Budget {
    pub fn new(limit: Limit) -> Budget {
        Budget { limit, read: 0 }
    }

    /// Whether `more` read bytes still fit beside what is held.
    pub fn can_read(&self, more: u64) -> bool {
        self.read.saturating_add(more) <= self.limit.bytes
    }

    /// Whether `lines` indexed lines fit beside the bytes held.
    pub fn can_index(&self, lines: u64) -> bool {
        self.read.saturating_add(lines.saturating_mul(LINE_COST)) <= self.limit.bytes
    }
}

/// What indexing asks of a budget, whether it is one load's own (`Budget`) or
/// shared with readers still running (`Shared`).
pub trait Room {
    /// Whether `lines` indexed lines fit beside the bytes held. A shared budget
    /// also sets them aside, so readers do not take their room meanwhile.
    fn index(&self, lines: u64) -> bool;
    /// Bytes neither held nor set aside: what an index may reserve tables for.
    fn free(&self) -> u64;
}

impl Room for Budget {
    fn index(&self, lines: u64) -> bool {
        self.can_index(lines)
    }

    fn free(&self) -> u64 {
        self.limit.bytes.saturating_sub(self.read)
    }
}

/// The budget of a load whose inputs are read on several threads while the
/// first ones are indexed: a reader claims bytes before it allocates them, so
/// together the readers never pass the limit, nor take the room of lines
/// already indexed.
#[derive(Debug)]
pub struct Shared {
    pub limit: Limit,
    read: AtomicU64,
    /// `LINE_COST` times the lines indexed so far.
    lines: AtomicU64,
}

impl Shared {
    pub fn new(limit: Limit) -> Shared {
        Shared {
            limit,
            read: AtomicU64::new(0),
            lines: AtomicU64::new(0),
        }
    }

    /// Bytes of inputs held now.
    pub fn read(&self) -> u64 {
        self.read.load(Ordering::Acquire)
    }

    /// Takes up to `want` bytes, as many as are left; returns how many (0: none).
    pub fn claim(&self, want: u64) -> u64 {
        let mut cur = self.read.load(Ordering::Acquire);
        loop {
            let used = cur.saturating_add(self.lines.load(Ordering::Acquire));
            let grant = want.min(self.limit.bytes.saturating_sub(used));
            if grant == 0 {
                return 0;
            }
            match self.read.compare_exchange_weak(
                cur,
                cur + grant,
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => return grant,
                Err(now) => cur = now,
            }
        }
    }

    /// Counts bytes the allocator gave beyond a claim (a rounded-up capacity).
    pub fn add(&self, n: u64) {
        self.read.fetch_add(n, Ordering::AcqRel);
    }

    /// Returns bytes claimed but no longer held.
    pub fn give_back(&self, n: u64) {
        // Never below zero, even if a caller returns more than it claimed.
        let _ = self
            .read
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |r| {
                Some(r.saturating_sub(n))
            });
    }

    /// The budget once the readers are done, for appends (`live`).
    pub fn into_budget(self) -> Budget {
        Budget {
            limit: self.limit,
            read: self.read.into_inner(),
        }
    }
}

impl Room for Shared {
    fn index(&self, lines: u64) -> bool {
        let cost = lines.saturating_mul(LINE_COST);
        if self.read().saturating_add(cost) > self.limit.bytes {
            return false;
        }
        self.lines.fetch_max(cost, Ordering::AcqRel);
        true
    }

    fn free(&self) -> u64 {
        let used = self
            .read()
            .saturating_add(self.lines.load(Ordering::Acquire));
        self.limit.bytes.saturating_sub(used)
    }
}

/// Parses `--max-memory`: a number of bytes with an optional K, M, G or T
/// (powers of 1024; `KiB`, `MB` and lower case are read the same).
pub fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let digits = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (num, unit) = t.split_at_checked(digits).unwrap_or((t, ""));
    let num: f64 = num
        .parse()
        .map_err(|_| format!("`{s}` is not a size; use e.g. 4G, 500M or 2048K"))?;
    let shift = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 0,
        "k" | "kb" | "kib" => 10,
        "m" | "mb" | "mib" => 20,
        "g" | "gb" | "gib" => 30,
        "t" | "tb" | "tib" => 40,
        _ => return Err(format!("`{s}`: unknown unit; use K, M, G or T")),
    };
    let bytes = num * (1u64 << shift) as f64;
    if !bytes.is_finite() || bytes < 1.0 || bytes >= u64::MAX as f64 {
        return Err(format!("`{s}` is not a usable memory size"));
    }
    Ok(bytes as u64)
}

/// Bytes as the error messages show them (`1.5 GiB`).
pub fn human(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = bytes as f64;
    let mut u = 0;
    while v >= 1024.0 && u + 1 < UNITS.len() {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 {
        format!("{bytes} B")
    } else {
        format!("{v:.1} {}", UNITS[u])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_in_powers_of_1024() {
        assert_eq!(parse_size("4G"), Ok(4 << 30));
        assert_eq!(parse_size("500M"), Ok(500 << 20));
        assert_eq!(parse_size("500mb"), Ok(500 << 20));
        assert_eq!(parse_size("1.5GiB"), Ok(3 << 29));
        assert_eq!(parse_size("4096"), Ok(4096));
        assert_eq!(parse_size(" 2 k "), Ok(2048));
        for bad in ["", "G", "lots", "-1G", "0", "4X", "1e400", "99999999999T"] {
            assert!(parse_size(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn available_memory_is_read_from_meminfo() {
        let m = "MemTotal:       32 kB\nMemFree:   1 kB\nMemAvailable:   2048 kB\n";
        assert_eq!(mem_available(m), Some(2 << 20));
        assert_eq!(mem_available("MemTotal: 1 kB\n"), None);
        assert_eq!(mem_available("MemAvailable: lots kB\n"), None);
    }

    #[test]
    fn the_limit_counts_read_bytes_and_lines_together() {
        let b = Budget {
            limit: Limit {
                bytes: 1000,
                origin: Origin::Flag,
            },
            read: 600,
        };
        assert!(b.can_read(400));
        assert!(!b.can_read(401));
        assert!(b.can_index(400 / LINE_COST));
        assert!(!b.can_index(400 / LINE_COST + 1));
        assert!(!b.can_index(u64::MAX));
        assert!(Limit::new(None).bytes > 0);
        assert_eq!(human(8 << 20), "8.0 MiB");
        assert_eq!(human(12), "12 B");
        let l = |bytes| Limit {
            bytes,
            origin: Origin::Flag,
        };
        assert_eq!(l(8 << 20).raised(), "16M");
        assert_eq!(l(3 << 29).raised(), "3G");
        assert_eq!(l(17_000_000_000).raised(), "32G");
    }

    #[test]
    fn readers_sharing_a_budget_never_pass_it_together() {
        let s = Shared::new(Limit {
            bytes: 1000,
            origin: Origin::Flag,
        });
        std::thread::scope(|scope| {
            for _ in 0..4 {
                scope.spawn(|| while s.claim(7) > 0 {});
            }
        });
        assert_eq!(s.read(), 1000);
        assert_eq!(s.claim(1), 0);
        s.give_back(400);
        // Indexed lines take room the readers then cannot claim.
        assert!(s.index(5));
        assert_eq!(s.free(), 400 - 5 * LINE_COST);
        assert_eq!(s.claim(1000), 400 - 5 * LINE_COST);
        assert!(!s.index(100));
        s.give_back(u64::MAX);
        assert_eq!(s.into_budget().read, 0);
    }
}
