//! Folding parsed events into the model, one line at a time, in log order.
//!
//! This is the sequential half of loading (parsing and string numbering run in
//! parallel, see `compact` and `load`). It must stay cheap per line: one hash
//! lookup for the message id and a few table lookups.

use std::hash::BuildHasher;
use std::net::IpAddr;

use hashbrown::HashTable;
use rustc_hash::{FxBuildHasher, FxHashMap};

use super::compact::{ChunkOut, Compactor, NO_ID, NO_STR, Rec, bits, dkim_result, ip_key};
use super::{Message, Model, NONE, PeerEvent, Recipient, Signature, flags};
use crate::parse::{DkimResult, DkimStatus, Event, LineKind, MsgId};

/// Message id → index, storing only the `u32` index (the id lives in the message).
#[derive(Default)]
pub struct MsgIndex {
    table: HashTable<u32>,
}

fn hash_id(id: MsgId) -> u64 {
    FxBuildHasher.hash_one(id.as_u128())
}

impl MsgIndex {
    pub fn get(&self, id: MsgId, messages: &[Message]) -> Option<u32> {
        self.table
            .find(hash_id(id), |&i| messages[i as usize].id == id)
            .copied()
    }

    fn insert(&mut self, id: MsgId, idx: u32, messages: &[Message]) {
        self.table
            .insert_unique(hash_id(id), idx, |&i| hash_id(messages[i as usize].id));
    }

    pub fn heap_bytes(&self) -> usize {
        self.table.capacity() * 5
    }

    fn reserve(&mut self, n: usize, messages: &[Message]) {
        self.table.reserve(n, |&i| hash_id(messages[i as usize].id));
    }
}

/// Appends lines to a model.
pub struct Builder {
    pub model: Model,
    /// Keyed by the address as one integer (`compact::ip_key`).
    ip_index: FxHashMap<u128, u32>,
}

impl Default for Builder {
    fn default() -> Self {
        Self::new()
    }
}

impl Builder {
    pub fn new() -> Self {
        Builder {
            model: Model::default(),
            ip_index: FxHashMap::default(),
        }
    }

    /// Reserves room for about `bytes` more of log, so the per-line vectors do not
    /// grow (and copy themselves) repeatedly on big inputs.
    pub fn reserve_for(&mut self, bytes: usize) {
        let lines = bytes / 100;
        let m = &mut self.model;
        // Roughly a message per five lines, and a few distinct strings per message.
        m.messages.reserve(lines / 5);
        m.index.reserve(lines / 5, &m.messages);
        m.line_start.reserve(lines);
        m.line_kind.reserve(lines);
        m.line_msg.reserve(lines);
        m.line_next.reserve(lines);
    }

    pub fn finish(self) -> Model {
        self.model
    }

    fn global_ip(&mut self, ip: IpAddr) -> u32 {
        let ips = &mut self.model.ips;
        *self.ip_index.entry(ip_key(ip)).or_insert_with(|| {
            ips.push(ip);
            (ips.len() - 1) as u32
        })
    }

    fn message_for(&mut self, id: MsgId, line: u32, time: i64) -> u32 {
        let m = &mut self.model;
        if let Some(i) = m.index.get(id, &m.messages) {
            let msg = &mut m.messages[i as usize];
            m.line_next[msg.last_line as usize] = line;
            msg.last_line = line;
            return i;
        }
        let i = m.messages.len() as u32;
        m.messages.push(Message {
            id,
            time,
            size: 0,
            first_line: line,
            last_line: line,
            arrival_line: NONE,
            sender: NONE,
            ip: NONE,
            host: NONE,
            helo: NONE,
            protocol: NONE,
            flags: 0,
            dkim: DkimStatus::None,
        });
        m.index.insert(id, i, &m.messages);
        i
    }

    /// Adds one line that starts at global offset `start` (the slow path, for
    /// single lines; loading goes through `absorb`).
    pub fn push(&mut self, start: u64, ev: &Event<'_>) {
        let mut c = Compactor::default();
        let mut out = ChunkOut::default();
        c.push(&mut out, 0, ev);
        self.absorb(&mut Lane::default(), &out, start);
    }

    /// Folds one parsed chunk that starts at global offset `base`. `lane` is the
    /// translation of the producing worker's local ids; it lives as long as the worker.
    pub fn absorb(&mut self, lane: &mut Lane, chunk: &ChunkOut<'_>, base: u64) {
        for s in &chunk.new_strs {
            lane.strs.push(self.model.strings.intern(s));
        }
        for &ip in &chunk.new_ips {
            let g = self.global_ip(ip);
            lane.ips.push(g);
        }
        for r in &chunk.recs {
            self.fold(lane, chunk, r, base + r.off as u64);
        }
    }

    fn fold(&mut self, lane: &Lane, chunk: &ChunkOut<'_>, r: &Rec, start: u64) {
        let tr = |id: u32| {
            if id == NO_STR {
                NONE
            } else {
                lane.strs[id as usize]
            }
        };
        let line = self.model.line_start.len() as u32;
        self.model.line_start.push(start);
        self.model.line_kind.push(r.kind);
        self.model.line_next.push(NONE);
        self.model.kind_counts[r.kind as usize] += 1;
        let has_time = r.time != i64::MIN;
        if has_time {
            let m = &mut self.model;
            m.first_time = Some(m.first_time.map_or(r.time, |f| f.min(r.time)));
            m.last_time = Some(m.last_time.map_or(r.time, |l| l.max(r.time)));
        }
        let time = if has_time {
            r.time
        } else {
            self.model.last_time.unwrap_or(0)
        };
        let ip = if r.ip == NO_STR {
            NONE
        } else {
            lane.ips[r.ip as usize]
        };
        if r.id == NO_ID {
            self.model.line_msg.push(NONE);
            if r.has_client {
                self.model.peer_events.push(PeerEvent {
                    line,
                    time,
                    ip,
                    sender: tr(r.s0),
                    host: tr(r.s1),
                    kind: r.kind,
                });
            }
            return;
        }
        let id = MsgId::from_u128(r.id);
        let msg = self.message_for(id, line, time);
        self.model.line_msg.push(msg);
        match r.kind {
            LineKind::Arrival | LineKind::FakeReject => {
                let mut f = flags::ARRIVED;
                let b = r.bits;
                if b & bits::TLS != 0 {
                    f |= flags::TLS;
                }
                if b & bits::AUTH != 0 {
                    f |= flags::AUTH;
                }
                if b & bits::NULL_SENDER != 0 {
                    f |= flags::BOUNCE_MSG;
                }
                if b & bits::LOCAL != 0 {
                    f |= flags::LOCAL;
                }
                if r.kind == LineKind::FakeReject {
                    f |= flags::FAKE_REJECT;
                }
                let rcpts = chunk
                    .rcpts
                    .get(r.rcpt_start as usize..(r.rcpt_start + r.rcpt_len) as usize)
                    .unwrap_or_default();
                for &a in rcpts {
                    self.model.recipients.push(Recipient { msg, addr: tr(a) });
                }
                let dkim_dom = tr(r.s4);
                let m = &mut self.model.messages[msg as usize];
                m.time = time;
                m.arrival_line = line;
                m.sender = tr(r.s0);
                m.ip = ip;
                m.host = tr(r.s1);
                m.helo = tr(r.s2);
                m.protocol = tr(r.s3);
                m.size = r.size.min(u32::MAX as u64) as u32;
                m.flags |= f;
                if dkim_dom != NONE {
                    m.dkim = m.dkim.with(DkimResult::Pass);
                    // `DKIM=` repeats the domain of a passing `DKIM:` line, if logged.
                    let already = self
                        .model
                        .signatures
                        .iter()
                        .rev()
                        .take_while(|s| s.msg == msg)
                        .any(|s| s.domain == dkim_dom);
                    if !already {
                        self.model.signatures.push(Signature {
                            msg,
                            domain: dkim_dom,
                            selector: NONE,
                            result: DkimResult::Pass,
                            line,
                        });
                    }
                }
            }
            LineKind::DkimSignature => {
                let result = dkim_result(r.bits).unwrap_or(DkimResult::Invalid);
                self.model.signatures.push(Signature {
                    msg,
                    domain: tr(r.s0),
                    selector: tr(r.s1),
                    result,
                    line,
                });
                let m = &mut self.model.messages[msg as usize];
                m.dkim = m.dkim.with(result);
            }
            LineKind::Delivery
            | LineKind::DeliveryMore
            | LineKind::Cutthrough
            | LineKind::Suppressed
            | LineKind::Bounce
            | LineKind::Deferral => {
                let f = match r.kind {
                    LineKind::Bounce => flags::BOUNCED,
                    LineKind::Deferral => flags::DEFERRED,
                    _ => flags::DELIVERED,
                };
                self.model.messages[msg as usize].flags |= f;
                self.model.recipients.push(Recipient {
                    msg,
                    addr: tr(r.s0),
                });
            }
            LineKind::Rejection | LineKind::SenderVerifyFail => {
                let m = &mut self.model.messages[msg as usize];
                m.flags |= flags::REJECTED;
                // A message rejected after DATA never arrives: its client is here.
                if m.ip == NONE && m.arrival_line == NONE {
                    m.ip = ip;
                    m.sender = tr(r.s0);
                    m.host = tr(r.s2);
                    m.helo = tr(r.s3);
                }
            }
            LineKind::Completed => self.model.messages[msg as usize].flags |= flags::COMPLETED,
            LineKind::Frozen => self.model.messages[msg as usize].flags |= flags::FROZEN,
            _ => {}
        }
    }
}

/// A worker's local ids translated to the model's ids.
#[derive(Default)]
pub struct Lane {
    strs: Vec<u32>,
    ips: Vec<u32>,
}
