//! The parallel half of folding: turn parsed events into compact records whose
//! strings and addresses are already deduplicated, on the worker threads.
//!
//! Each worker numbers the distinct strings it meets (local ids) and ships, per
//! chunk, only the strings it had not seen before; the single folding thread then
//! interns each distinct string once per worker instead of once per occurrence.
//! Strings are borrowed from the source bytes, so nothing is copied here.

use std::hash::Hasher;
use std::net::IpAddr;

use rustc_hash::FxHashMap;
use siphasher::sip128::{Hasher128, SipHasher13};

use super::{SigAlgo, sig_bits};
use crate::parse::{Event, LineKind, Payload, SigResult};

pub const NO_ID: u128 = u128::MAX;
pub const NO_STR: u32 = u32::MAX;

/// One line, compacted. Which string fields are set depends on `kind`.
#[derive(Debug, Clone, Copy)]
pub struct Rec {
    /// The message id as `MsgId::as_u128`, or `NO_ID`.
    pub id: u128,
    /// Milliseconds, or `i64::MIN` when the line has no time.
    pub time: i64,
    /// Arrival: `S=`. Spam scan: the score, see [`spam_bits`]. DKIM: where the
    /// result text is and the algorithm, see [`sig_bits`].
    pub size: u64,
    pub off: u32,
    pub kind: LineKind,
    /// Arrival: `bits::*` known from the line. DKIM: the result + 1, see [`sig_result`].
    /// Any line: `bits::YEARLESS`.
    pub bits: u16,
    /// `s0`: arrival and rejection sender, DKIM domain, delivery recipient.
    /// `s1`: client name (verified name, else HELO), DKIM selector.
    /// `s2`: the arrival's `DKIM=` domain.
    pub s0: u32,
    pub s1: u32,
    pub s2: u32,
    /// Local address id, or `NO_STR`.
    pub ip: u32,
    /// Recipients of an arrival: `ChunkOut::rcpts[rcpt_start..rcpt_start + rcpt_len]`.
    pub rcpt_start: u32,
    pub rcpt_len: u32,
    /// A client was named (peer lines), even if its address did not parse.
    pub has_client: bool,
}

/// What a worker sends for one chunk.
#[derive(Default)]
pub struct ChunkOut<'a> {
    pub recs: Vec<Rec>,
    /// Strings first seen in this chunk, in local-id order.
    pub new_strs: Vec<&'a [u8]>,
    pub new_ips: Vec<IpAddr>,
    pub rcpts: Vec<u32>,
    /// Server interface addresses (`I=[addr]:port`) first seen by this worker.
    pub new_interfaces: Vec<IpAddr>,
}

/// A worker's numbering of distinct strings and addresses.
///
/// Strings are told apart by a 96-bit fingerprint under a per-process random
/// SipHash key, without comparing bytes: the byte comparison (against a copy, or
/// against a distant page of the mapped file) cost cache misses per occurrence and
/// a large share of load time. Two distinct strings of one load share a
/// fingerprint with probability about n²/2⁹⁷ (n ≈ 10⁶: below 10⁻¹⁷), and since
/// the key is secret, log content cannot be crafted to collide on purpose.
pub struct Compactor<'a> {
    key: (u64, u64),
    strs: FpTable,
    ips: FxHashMap<u128, u32>,
    n_ips: u32,
    interfaces: Vec<IpAddr>,
    _data: std::marker::PhantomData<&'a [u8]>,
}

impl Default for Compactor<'_> {
    fn default() -> Self {
        use std::hash::{BuildHasher, RandomState};
        // `RandomState` is seeded from the OS; two of its outputs make the key.
        let r = RandomState::new();
        Compactor {
            key: (r.hash_one(0u8), r.hash_one(1u8)),
            strs: FpTable::default(),
            ips: FxHashMap::default(),
            n_ips: 0,
            interfaces: Vec::new(),
            _data: std::marker::PhantomData,
        }
    }
}

/// Fingerprint → local id, open addressing with linear probing over one array:
/// a lookup touches one cache line (a SwissTable touches its control bytes and
/// then the entry, two misses on a table this size).
struct FpTable {
    /// (low 64 bits of the fingerprint, its next 32 bits, id); `id == EMPTY` is free.
    slots: Vec<(u64, u32, u32)>,
    len: u32,
}

const EMPTY: u32 = u32::MAX;

impl Default for FpTable {
    fn default() -> Self {
        FpTable {
            slots: vec![(0, 0, EMPTY); 1 << 12],
            len: 0,
        }
    }
}

impl FpTable {
    /// The id of (`lo`, `hi`), and whether it was just added.
    fn get_or_insert(&mut self, lo: u64, hi: u32) -> (u32, bool) {
        // At most 3/4 full, so the probe loop below always ends.
        if (self.len as usize + 1) * 4 > self.slots.len() * 3 {
            self.grow();
        }
        let mask = self.slots.len() - 1;
        let mut i = lo as usize & mask;
        loop {
            let slot = &mut self.slots[i];
            if slot.2 == EMPTY {
                let id = self.len;
                *slot = (lo, hi, id);
                self.len += 1;
                return (id, true);
            }
            if slot.0 == lo && slot.1 == hi {
                return (slot.2, false);
            }
            i = (i + 1) & mask;
        }
    }

    fn grow(&mut self) {
        let n = self.slots.len() * 2;
        let mut bigger = Vec::with_capacity(n);
        super::huge::advise(&mut bigger);
        bigger.resize(n, (0, 0, EMPTY));
        let old = std::mem::replace(&mut self.slots, bigger);
        let mask = self.slots.len() - 1;
        for e in old.into_iter().filter(|e| e.2 != EMPTY) {
            let mut i = e.0 as usize & mask;
            while self.slots[i].2 != EMPTY {
                i = (i + 1) & mask;
            }
            self.slots[i] = e;
        }
    }
}

pub fn ip_key(ip: IpAddr) -> u128 {
    match ip {
        IpAddr::V4(v4) => u32::from(v4) as u128 | (1u128 << 127),
        IpAddr::V6(v6) => u128::from(v6),
    }
}

pub mod bits {
    pub const TLS: u16 = 1;
    pub const AUTH: u16 = 1 << 1;
    pub const NULL_SENDER: u16 = 1 << 2;
    pub const LOCAL: u16 = 1 << 3;
    pub const HAS_SIZE: u16 = 1 << 4;
    /// DKIM: pdkim's `[failed key import]`, which comes before the signature's
    /// own result line.
    pub const KEY_IMPORT: u16 = 1 << 8;
    /// The time is a classic syslog stamp's, with the context's year.
    pub const YEARLESS: u16 = 1 << 15;
}

/// A spam score packed into `Rec::size`: score and required in tenths, and
/// which of them the line had.
pub mod spam_bits {
    pub const HAS_SCORE: u64 = 1 << 32;
    pub const HAS_REQUIRED: u64 = 1 << 33;

    pub fn pack(score: Option<i16>, required: Option<i16>) -> u64 {
        let mut v = 0;
        if let Some(s) = score {
            v |= HAS_SCORE | s as u16 as u64;
        }
        if let Some(r) = required {
            v |= HAS_REQUIRED | (r as u16 as u64) << 16;
        }
        v
    }

    /// (score, required), each in tenths.
    pub fn unpack(v: u64) -> (Option<i16>, Option<i16>) {
        (
            (v & HAS_SCORE != 0).then_some(v as u16 as i16),
            (v & HAS_REQUIRED != 0).then_some((v >> 16) as u16 as i16),
        )
    }
}

impl<'a> Compactor<'a> {
    fn s(&mut self, out: &mut ChunkOut<'a>, v: Option<&'a [u8]>) -> u32 {
        let Some(v) = v else { return NO_STR };
        let mut hasher = SipHasher13::new_with_keys(self.key.0, self.key.1);
        hasher.write(v);
        let fp = hasher.finish128();
        let (id, new) = self.strs.get_or_insert(fp.h1, fp.h2 as u32);
        if new {
            out.new_strs.push(v);
        }
        id
    }

    fn ip(&mut self, out: &mut ChunkOut<'a>, ip: Option<IpAddr>) -> u32 {
        let Some(ip) = ip else { return NO_STR };
        let n = &mut self.n_ips;
        *self.ips.entry(ip_key(ip)).or_insert_with(|| {
            out.new_ips.push(ip);
            *n += 1;
            *n - 1
        })
    }

    /// Appends the compact form of `ev`, parsed from `line` (at offset `off` of
    /// its chunk; `line` may be empty when not at hand, then offsets into it are
    /// not kept).
    pub fn push(&mut self, out: &mut ChunkOut<'a>, off: u32, line: &[u8], ev: &Event<'a>) {
        let mut r = Rec {
            id: ev.msgid.map_or(NO_ID, |m| m.as_u128()),
            time: ev.time.unwrap_or(i64::MIN),
            size: 0,
            off,
            kind: ev.kind,
            bits: 0,
            s0: NO_STR,
            s1: NO_STR,
            s2: NO_STR,
            ip: NO_STR,
            rcpt_start: 0,
            rcpt_len: 0,
            has_client: false,
        };
        match &ev.payload {
            Payload::Arrival(a) => {
                let h = a.host.as_ref();
                r.s0 = self.s(out, a.sender);
                // The model keeps one name per client, the `host` key: the verified
                // name, else the HELO. The rest is read from the line when shown.
                r.s1 = self.s(out, h.and_then(|h| h.name.or(h.helo)));
                r.s2 = self.s(out, a.dkim_domain);
                r.ip = self.ip(out, h.and_then(|h| h.ip));
                // A server has a handful of addresses: a linear look-up is cheapest.
                if let Some(i) = a.interface.and_then(interface_ip)
                    && !self.interfaces.contains(&i)
                {
                    self.interfaces.push(i);
                    out.new_interfaces.push(i);
                }
                r.size = a.size.unwrap_or(0);
                let mut b = 0;
                if a.tls.is_some() {
                    b |= bits::TLS;
                }
                if a.auth.is_some() {
                    b |= bits::AUTH;
                }
                if a.sender == Some(b"") {
                    b |= bits::NULL_SENDER;
                }
                if h.is_none() {
                    b |= bits::LOCAL;
                }
                if a.size.is_some() {
                    b |= bits::HAS_SIZE;
                }
                r.bits = b;
                if let Some(list) = a.recipients {
                    r.rcpt_start = out.rcpts.len() as u32;
                    for rc in list.split(|&c| c == b' ').filter(|x| !x.is_empty()) {
                        let id = self.s(out, Some(rc));
                        out.rcpts.push(id);
                    }
                    r.rcpt_len = out.rcpts.len() as u32 - r.rcpt_start;
                }
            }
            Payload::Dkim(sig) => {
                r.s0 = self.s(out, sig.domain);
                r.s1 = self.s(out, sig.selector);
                r.bits = sig.verdict as u16 + 1;
                if sig.result_text == b"failed key import" {
                    r.bits |= bits::KEY_IMPORT;
                }
                let (at, len) = offset_in(line, sig.result_text).unwrap_or((0, 0));
                r.size = sig_bits::pack(at, len, SigAlgo::from_bytes(sig.algorithm));
            }
            Payload::Spam(sp) => r.size = spam_bits::pack(sp.score, sp.required),
            Payload::Delivery(d) => {
                // `=> local <orig@domain>`: the address the sender used is the
                // original, not the local part it was routed to.
                let rcpt = d.original.filter(|o| !o.is_empty()).unwrap_or(d.address);
                r.s0 = self.s(out, Some(rcpt));
            }
            _ => {}
        }
        if r.kind != LineKind::Arrival
            && r.kind != LineKind::FakeReject
            && let Some(h) = ev.client()
        {
            r.has_client = true;
            r.ip = self.ip(out, h.ip);
            r.s1 = self.s(out, h.name.or(h.helo));
            if let Payload::Rejection(rej) = &ev.payload {
                r.s0 = self.s(out, rej.sender);
            }
        }
        if ev.yearless {
            r.bits |= bits::YEARLESS;
        }
        out.recs.push(r);
    }
}

/// The address of an `I=[addr]:port` field (the server's own interface).
fn interface_ip(v: &[u8]) -> Option<IpAddr> {
    let inner = v.strip_prefix(b"[")?;
    let end = memchr::memchr(b']', inner)?;
    crate::parse::net::parse_ip(inner.get(..end)?)
}

/// Where `part` (a slice of `line`) starts in `line`, and its length, when both
/// fit 16 bits (a line Exim writes is at most 8 KiB).
fn offset_in(line: &[u8], part: &[u8]) -> Option<(u16, u16)> {
    let at = (part.as_ptr() as usize).checked_sub(line.as_ptr() as usize)?;
    // Only a slice of `line` itself, not equal bytes elsewhere.
    let same = line
        .get(at..at.checked_add(part.len())?)
        .is_some_and(|s| std::ptr::eq(s.as_ptr(), part.as_ptr()));
    if !same {
        return None;
    }
    Some((u16::try_from(at).ok()?, u16::try_from(part.len()).ok()?))
}

/// The result of a DKIM record (`Rec::bits`).
pub fn sig_result(bits: u16) -> Option<SigResult> {
    SigResult::ALL
        .get(((bits & 7) as usize).checked_sub(1)?)
        .copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprint_table_keeps_ids_across_growth() {
        let mut t = FpTable::default();
        // Same low half for many keys: probing and growth must still keep them apart.
        for k in 0..20_000u64 {
            let (id, new) = t.get_or_insert(k % 7 + (k << 40), k as u32);
            assert!(new);
            assert_eq!(id, k as u32);
        }
        for k in 0..20_000u64 {
            assert_eq!(
                t.get_or_insert(k % 7 + (k << 40), k as u32),
                (k as u32, false)
            );
        }
        assert_eq!(t.get_or_insert(3, 99_999), (20_000, true));
    }

    #[test]
    fn equal_strings_share_a_local_id() {
        let mut c = Compactor::default();
        let mut out = ChunkOut::default();
        let a = c.s(&mut out, Some(b"a@example.org"));
        let b = c.s(&mut out, Some(b"b@example.org"));
        let e = c.s(&mut out, Some(b""));
        assert_eq!(c.s(&mut out, Some(b"a@example.org")), a);
        assert_ne!(a, b);
        assert_ne!(e, a);
        assert_eq!(c.s(&mut out, None), NO_STR);
        assert_eq!(
            out.new_strs,
            vec![&b"a@example.org"[..], b"b@example.org", b""]
        );
    }

    #[test]
    fn spam_scores_pack_into_the_size_field() {
        for (s, r) in [
            (Some(188), Some(50)),
            (Some(-1), None),
            (None, Some(-32768)),
            (None, None),
        ] {
            assert_eq!(spam_bits::unpack(spam_bits::pack(s, r)), (s, r));
        }
        assert_eq!(sig_result(2 | bits::YEARLESS), Some(SigResult::Fail));
        assert_eq!(sig_result(4), Some(SigResult::Other));
        assert_eq!(sig_result(0), None);
        assert_eq!(sig_result(5), None);
    }

    #[test]
    fn result_text_offsets_are_kept_only_for_slices_of_the_line() {
        let line = b"x DKIM: d=a s=b [verification succeeded]";
        let text = &line[17..line.len() - 1];
        assert_eq!(offset_in(line, text), Some((17, 22)));
        let copy = text.to_vec();
        assert_eq!(offset_in(line, &copy), None);
        assert_eq!(offset_in(&[], text), None);
        assert_eq!(offset_in(&line[..20], text), None);
        let long = vec![b'a'; 70_000];
        assert_eq!(offset_in(&long, &long[66_000..66_010]), None);
        assert_eq!(offset_in(&long, &long[6..66_000]), None);
        assert_eq!(offset_in(&long, &long[6..60]), Some((6, 54)));
    }

    #[test]
    fn interface_fields_give_the_servers_address() {
        assert_eq!(
            interface_ip(b"[2001:7b8:3:47::26]:25"),
            "2001:7b8:3:47::26".parse().ok()
        );
        assert_eq!(
            interface_ip(b"[78.32.30.218]:25"),
            "78.32.30.218".parse().ok()
        );
        assert_eq!(interface_ip(b"[x]:25"), None);
        assert_eq!(interface_ip(b"78.32.30.218"), None);
    }
}
