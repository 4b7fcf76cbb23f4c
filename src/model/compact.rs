//! The parallel half of folding: turn parsed events into compact records whose
//! strings and addresses are already deduplicated, on the worker threads.
//!
//! Each worker numbers the distinct strings it meets (local ids) and ships, per
//! chunk, only the strings it had not seen before; the single folding thread then
//! interns each distinct string once per worker instead of once per occurrence.
//! Strings are borrowed from the source bytes, so nothing is copied here.

use std::hash::BuildHasher;
use std::net::IpAddr;

use hashbrown::HashTable;
use rustc_hash::{FxBuildHasher, FxHashMap};

use crate::parse::{DkimResult, Event, LineKind, Payload};

pub const NO_ID: u128 = u128::MAX;
pub const NO_STR: u32 = u32::MAX;

/// One line, compacted. Which string fields are set depends on `kind`.
#[derive(Debug, Clone, Copy)]
pub struct Rec {
    /// The message id as `MsgId::as_u128`, or `NO_ID`.
    pub id: u128,
    /// Milliseconds, or `i64::MIN` when the line has no time.
    pub time: i64,
    pub size: u64,
    pub off: u32,
    pub kind: LineKind,
    /// Arrival: `flags::*` bits known from the line. DKIM: the result + 1 (0 = none).
    pub bits: u16,
    /// Arrival: sender, host, helo, protocol; DKIM: domain, selector; delivery:
    /// address; rejection/peer: sender in `s0`, name and HELO in `s2`/`s3`;
    /// arrival DKIM= domain in `s4`.
    pub s0: u32,
    pub s1: u32,
    pub s2: u32,
    pub s3: u32,
    pub s4: u32,
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
}

/// A worker's numbering of distinct strings and addresses.
///
/// It keeps its own copy of each distinct string: comparing against the copy in
/// this small arena is much cheaper than reaching back into a distant page of
/// the mapped file, which profiles showed to dominate.
#[derive(Default)]
pub struct Compactor<'a> {
    arena: Vec<u8>,
    ends: Vec<u32>,
    /// (hash, local id): the stored hash avoids re-hashing on growth.
    table: HashTable<(u64, u32)>,
    ips: FxHashMap<u128, u32>,
    n_ips: u32,
    _data: std::marker::PhantomData<&'a [u8]>,
}

fn arena_get<'x>(arena: &'x [u8], ends: &[u32], i: u32) -> &'x [u8] {
    let i = i as usize;
    let start = if i == 0 { 0 } else { ends[i - 1] as usize };
    &arena[start..ends[i] as usize]
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
}

impl<'a> Compactor<'a> {
    fn s(&mut self, out: &mut ChunkOut<'a>, v: Option<&'a [u8]>) -> u32 {
        let Some(v) = v else { return NO_STR };
        let h = FxBuildHasher.hash_one(v);
        let (arena, ends) = (&self.arena, &self.ends);
        if let Some(&(_, i)) = self
            .table
            .find(h, |&(eh, i)| eh == h && arena_get(arena, ends, i) == v)
        {
            return i;
        }
        let id = self.ends.len() as u32;
        self.arena.extend_from_slice(v);
        self.ends.push(self.arena.len() as u32);
        self.table.insert_unique(h, (h, id), |&(eh, _)| eh);
        out.new_strs.push(v);
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

    /// Appends the compact form of `ev` (a line at offset `off` of its chunk).
    pub fn push(&mut self, out: &mut ChunkOut<'a>, off: u32, ev: &Event<'a>) {
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
            s3: NO_STR,
            s4: NO_STR,
            ip: NO_STR,
            rcpt_start: 0,
            rcpt_len: 0,
            has_client: false,
        };
        match &ev.payload {
            Payload::Arrival(a) => {
                let h = a.host.as_ref();
                r.s0 = self.s(out, a.sender);
                r.s1 = self.s(out, h.and_then(|h| h.name));
                r.s2 = self.s(out, h.and_then(|h| h.helo));
                r.s3 = self.s(out, a.protocol);
                r.s4 = self.s(out, a.dkim_domain);
                r.ip = self.ip(out, h.and_then(|h| h.ip));
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
                r.bits = match sig.result.unwrap_or(DkimResult::Invalid) {
                    DkimResult::Pass => 1,
                    DkimResult::Fail => 2,
                    DkimResult::Invalid => 3,
                };
            }
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
            r.s2 = self.s(out, h.name);
            r.s3 = self.s(out, h.helo);
            if let Payload::Rejection(rej) = &ev.payload {
                r.s0 = self.s(out, rej.sender);
            }
        }
        out.recs.push(r);
    }
}

pub fn dkim_result(bits: u16) -> Option<DkimResult> {
    match bits {
        1 => Some(DkimResult::Pass),
        2 => Some(DkimResult::Fail),
        3 => Some(DkimResult::Invalid),
        _ => None,
    }
}
