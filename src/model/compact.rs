//! The parallel half of folding: turn parsed events into compact records whose
//! strings and addresses are already deduplicated, on the worker threads.
//!
//! Each worker numbers the distinct strings it meets (local ids) and ships, per
//! chunk, only the strings it had not seen before; the single folding thread then
//! interns each distinct string once per worker instead of once per occurrence.
//! Strings are borrowed from the source bytes, so nothing is copied here.

use std::net::IpAddr;

use super::fingerprint::Keys;
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
/// Strings are told apart by a 93-bit fingerprint under per-process random
/// keys, without comparing bytes: the byte comparison (against a copy, or
/// against a distant page of the mapped file) cost cache misses per occurrence and
/// a large share of load time. Two distinct strings of one load share a
/// fingerprint with a probability bounded by the key choice alone (below 10⁻¹⁵
/// for a million strings; see `fingerprint`), so log content cannot be crafted
/// to collide.
pub struct Compactor<'a> {
    key: Keys,
    strs: FpTable,
    /// String look-ups not done yet, oldest first (see `want`).
    pending: std::collections::VecDeque<Pending<'a>>,
    ips: IpTable,
    interfaces: Vec<IpAddr>,
    /// The last `I=` value met: a server logs the same few on every arrival,
    /// so comparing the bytes spares parsing the address again.
    last_interface: &'a [u8],
    _data: std::marker::PhantomData<&'a [u8]>,
}

impl Default for Compactor<'_> {
    fn default() -> Self {
        Compactor {
            key: Keys::random(),
            strs: FpTable::default(),
            pending: std::collections::VecDeque::with_capacity(LAG + 1),
            ips: IpTable::default(),
            interfaces: Vec::new(),
            last_interface: &[],
            _data: std::marker::PhantomData,
        }
    }
}

/// Fingerprint → local id, open addressing with linear probing over one array:
/// a lookup touches one cache line (a SwissTable touches its control bytes and
/// then the entry, two misses on a table this size).
struct FpTable {
    /// (the fingerprint mod 2⁶¹−1, the one mod 2³²−5, id); `id == EMPTY` is free.
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

    /// Asks for the cache line of `lo`'s first slot, to be looked up soon.
    fn prefetch(&self, lo: u64) {
        super::prefetch::prefetch(&self.slots, lo as usize & (self.slots.len() - 1));
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

/// Address key → local id, as `FpTable` but compared whole (a key is the address
/// itself, so no fingerprint can collide): one array, one cache line per look-up,
/// which can be fetched ahead. A `FxHashMap` here was two cache misses per line.
struct IpTable {
    /// (key bits, id, key is IPv4), flattened so a slot stays 32 bytes, two to
    /// a cache line; `id == EMPTY` is free.
    slots: Vec<(u128, u32, bool)>,
    len: u32,
}

const FREE: (u128, u32, bool) = (0, EMPTY, false);

impl Default for IpTable {
    fn default() -> Self {
        IpTable {
            slots: vec![FREE; 1 << 10],
            len: 0,
        }
    }
}

impl IpTable {
    /// Where `key` would start probing: IPv4 keys differ only in their low 32 bits.
    fn home(&self, bits: u128, v4: bool) -> usize {
        let h =
            (bits as u64 ^ (bits >> 64) as u64 ^ u64::from(v4)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        (h >> 32) as usize & (self.slots.len() - 1)
    }

    fn get_or_insert(&mut self, key: IpKey) -> (u32, bool) {
        if (self.len as usize + 1) * 4 > self.slots.len() * 3 {
            let n = self.slots.len() * 2;
            let old = std::mem::replace(&mut self.slots, vec![FREE; n]);
            for e in old.into_iter().filter(|e| e.1 != EMPTY) {
                let mut i = self.home(e.0, e.2);
                while self.slots[i].1 != EMPTY {
                    i = (i + 1) & (n - 1);
                }
                self.slots[i] = e;
            }
        }
        let mask = self.slots.len() - 1;
        let mut i = self.home(key.bits, key.v4);
        loop {
            let slot = &mut self.slots[i];
            if slot.1 == EMPTY {
                let id = self.len;
                *slot = (key.bits, id, key.v4);
                self.len += 1;
                return (id, true);
            }
            if slot.0 == key.bits && slot.2 == key.v4 {
                return (slot.1, false);
            }
            i = (i + 1) & mask;
        }
    }

    fn prefetch(&self, key: IpKey) {
        super::prefetch::prefetch(&self.slots, self.home(key.bits, key.v4));
    }
}

/// An address as a key: its bits and its family. The family is a field of its
/// own because 128 bits hold every IPv6 address and no tag besides: a tag bit
/// once made `8000::c000:201` the key of `192.0.2.1`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct IpKey {
    bits: u128,
    v4: bool,
}

pub fn ip_key(ip: IpAddr) -> IpKey {
    match ip {
        IpAddr::V4(v4) => IpKey {
            bits: u32::from(v4) as u128,
            v4: true,
        },
        IpAddr::V6(v6) => IpKey {
            bits: u128::from(v6),
            v4: false,
        },
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
    /// A `session` line that is a protocol error (`parse::exim::is_protocol_error`).
    pub const PROTOCOL_ERROR: u16 = 1 << 9;
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

/// How many string look-ups wait behind the one being done: each is the table's
/// cache miss (a table of ~10⁶ fingerprints does not fit the cache), so its slot is
/// fetched when the string is met and looked up `LAG` strings later, when the line
/// has arrived in the cache. Lines have up to a few strings, so this spans several.
const LAG: usize = 16;

/// A string whose id is written into a record or a recipient list once looked up.
struct Pending<'a> {
    /// Fingerprint halves, or `None` for "no string" (`NO_STR`), queued all the
    /// same so the writes to one field keep their order.
    fp: Option<(u64, u32)>,
    v: &'a [u8],
    /// An address to number instead (`fp` is then `None`).
    ip: Option<IpAddr>,
    to: Dest,
}

#[derive(Clone, Copy)]
enum Dest {
    S0(u32),
    S1(u32),
    S2(u32),
    Ip(u32),
    Rcpt(u32),
}

impl<'a> Compactor<'a> {
    /// Queues the look-up of `v`, whose id goes to `to` (a record already in `out`,
    /// or the one `push` is building: looked up only in a later `push`). Ids and
    /// `new_strs` come out in the order of the calls, the same as looking each up at
    /// once, so nothing but the timing changes.
    fn want(&mut self, v: Option<&'a [u8]>, to: Dest) {
        let fp = v.map(|v| {
            let fp = self.key.fingerprint(v);
            self.strs.prefetch(fp.0);
            fp
        });
        self.pending.push_back(Pending {
            fp,
            v: v.unwrap_or_default(),
            ip: None,
            to,
        });
    }

    /// As `want`, for the address of record `rec`.
    fn want_ip(&mut self, ip: Option<IpAddr>, rec: u32) {
        if let Some(ip) = ip {
            self.ips.prefetch(ip_key(ip));
        }
        self.pending.push_back(Pending {
            fp: None,
            v: &[],
            ip,
            to: Dest::Ip(rec),
        });
    }

    fn resolve_one(&mut self, out: &mut ChunkOut<'a>) {
        let Some(p) = self.pending.pop_front() else {
            return;
        };
        let id = match (p.fp, p.ip) {
            (None, Some(ip)) => {
                let (id, new) = self.ips.get_or_insert(ip_key(ip));
                if new {
                    out.new_ips.push(ip);
                }
                id
            }
            (None, None) => NO_STR,
            (Some((lo, hi)), _) => {
                let (id, new) = self.strs.get_or_insert(lo, hi);
                if new {
                    out.new_strs.push(p.v);
                }
                id
            }
        };
        match p.to {
            Dest::S0(i) => out.recs[i as usize].s0 = id,
            Dest::S1(i) => out.recs[i as usize].s1 = id,
            Dest::S2(i) => out.recs[i as usize].s2 = id,
            Dest::Ip(i) => out.recs[i as usize].ip = id,
            Dest::Rcpt(i) => out.rcpts[i as usize] = id,
        }
    }

    /// Does every look-up still queued: call before `out` is shipped.
    pub fn flush(&mut self, out: &mut ChunkOut<'a>) {
        while !self.pending.is_empty() {
            self.resolve_one(out);
        }
    }

    /// The local id of `v` at once, through the queue `push` uses.
    #[cfg(test)]
    fn s(&mut self, out: &mut ChunkOut<'a>, v: Option<&'a [u8]>) -> u32 {
        let at = out.rcpts.len();
        out.rcpts.push(NO_STR);
        self.want(v, Dest::Rcpt(at as u32));
        self.flush(out);
        out.rcpts.pop().unwrap_or(NO_STR)
    }

    /// Appends the compact form of `ev`, parsed from `line` (at offset `off` of
    /// its chunk; `line` may be empty when not at hand, then offsets into it are
    /// not kept).
    pub fn push(&mut self, out: &mut ChunkOut<'a>, off: u32, line: &[u8], ev: &Event<'a>) {
        // What is queued belongs to records already pushed.
        while self.pending.len() > LAG {
            self.resolve_one(out);
        }
        let at = out.recs.len() as u32;
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
                self.want(a.sender, Dest::S0(at));
                // The model keeps one name per client, the `host` key: the verified
                // name, else the HELO. The rest is read from the line when shown.
                self.want(h.and_then(|h| h.name.or(h.helo)), Dest::S1(at));
                self.want(a.dkim_domain, Dest::S2(at));
                self.want_ip(h.and_then(|h| h.ip), at);
                // A server has a handful of addresses: a linear look-up is cheapest.
                if let Some(v) = a.interface
                    && v != self.last_interface
                {
                    self.last_interface = v;
                    if let Some(i) = interface_ip(v)
                        && !self.interfaces.contains(&i)
                    {
                        self.interfaces.push(i);
                        out.new_interfaces.push(i);
                    }
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
                        self.want(Some(rc), Dest::Rcpt(out.rcpts.len() as u32));
                        out.rcpts.push(NO_STR);
                    }
                    r.rcpt_len = out.rcpts.len() as u32 - r.rcpt_start;
                }
            }
            Payload::Dkim(sig) => {
                self.want(sig.domain, Dest::S0(at));
                self.want(sig.selector, Dest::S1(at));
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
                self.want(Some(rcpt), Dest::S0(at));
            }
            _ => {}
        }
        if r.kind != LineKind::Arrival
            && r.kind != LineKind::FakeReject
            && let Some(h) = ev.client()
        {
            r.has_client = true;
            self.want_ip(h.ip, at);
            self.want(h.name.or(h.helo), Dest::S1(at));
            if let Payload::Rejection(rej) = &ev.payload {
                self.want(rej.sender, Dest::S0(at));
            }
        }
        if ev.yearless {
            r.bits |= bits::YEARLESS;
        }
        if r.kind == LineKind::Session && crate::parse::exim::is_protocol_error(line) {
            r.bits |= bits::PROTOCOL_ERROR;
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
    fn an_address_table_slot_is_half_a_cache_line() {
        assert_eq!(std::mem::size_of::<(u128, u32, bool)>(), 32);
    }

    #[test]
    fn address_table_numbers_each_address_once_across_growth() {
        let mut t = IpTable::default();
        let keys: Vec<IpKey> = (0..5_000u32)
            .map(|k| ip_key(IpAddr::from([10, 0, (k >> 8) as u8, k as u8])))
            .chain((0..5_000u128).map(|k| {
                ip_key(IpAddr::from(
                    ((0x2001_0db8u128 << 96) | k << 64).to_be_bytes(),
                ))
            }))
            // IPv6 addresses with the same low bits as IPv4 ones are others.
            .chain((0..100u32).map(|k| {
                let v4 = u32::from_be_bytes([10, 0, 0, k as u8]) as u128;
                ip_key(IpAddr::from(((1u128 << 127) | v4).to_be_bytes()))
            }))
            .chain((0..100u32).map(|k| ip_key(IpAddr::from((k as u128).to_be_bytes()))))
            .collect();
        for (n, &k) in keys.iter().enumerate() {
            assert_eq!(t.get_or_insert(k), (n as u32, true));
        }
        for (n, &k) in keys.iter().enumerate() {
            assert_eq!(t.get_or_insert(k), (n as u32, false));
        }
    }

    #[test]
    fn queued_look_ups_give_each_record_its_own_strings() {
        // More strings than the queue holds, repeated and new, over many records:
        // every field must name its own string once the chunk is flushed.
        let lines: Vec<String> = (0..200)
            .map(|i| {
                format!(
                    "2025-03-01 10:00:00 1uAAAA-000000000{:02}-0001 <= s{}@x.example H=h{}.example [192.0.2.{}] P=esmtp S=1 for r{}@y r{}@y",
                    i % 100,
                    i % 7,
                    i % 13,
                    i % 50,
                    i,
                    i % 3
                )
            })
            .collect();
        let ctx = crate::parse::ParseContext::default();
        let events: Vec<_> = lines
            .iter()
            .map(|l| crate::parse::exim::parse_line(l.as_bytes(), &ctx))
            .collect();
        let mut c = Compactor::default();
        let mut out = ChunkOut::default();
        for (l, ev) in lines.iter().zip(&events) {
            c.push(&mut out, 0, l.as_bytes(), ev);
        }
        c.flush(&mut out);
        let s = |id: u32| std::str::from_utf8(out.new_strs[id as usize]).unwrap_or("?");
        for (i, r) in out.recs.iter().enumerate() {
            assert_eq!(s(r.s0), format!("s{}@x.example", i % 7), "line {i}");
            assert_eq!(s(r.s1), format!("h{}.example", i % 13), "line {i}");
            assert_eq!(r.s2, NO_STR);
            let ip = out.new_ips[r.ip as usize];
            assert_eq!(ip, IpAddr::from([192, 0, 2, (i % 50) as u8]), "line {i}");
            let rc = &out.rcpts[r.rcpt_start as usize..][..r.rcpt_len as usize];
            let rc: Vec<&str> = rc.iter().map(|&id| s(id)).collect();
            assert_eq!(rc, [format!("r{i}@y"), format!("r{}@y", i % 3)], "line {i}");
        }
        assert_eq!(out.new_ips.len(), 50);
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
