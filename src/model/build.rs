//! Folding parsed events into the model, one line at a time, in log order.
//!
//! This is the sequential half of loading (parsing runs in parallel, see `load`).
//! It must stay cheap per line: a hash lookup for the id and a few interned strings.

use std::hash::BuildHasher;
use std::net::IpAddr;

use hashbrown::HashTable;
use rustc_hash::{FxBuildHasher, FxHashMap};

use super::{Message, Model, NONE, PeerEvent, Recipient, Signature, flags};
use crate::parse::{DkimResult, DkimStatus, Event, LineKind, MsgId, Payload};

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
    /// Keyed by the address as one integer: hashing `IpAddr` itself goes through
    /// its enum and slice `Hash` impls, which showed up in profiles.
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

    fn ip(&mut self, ip: Option<IpAddr>) -> u32 {
        let Some(ip) = ip else { return NONE };
        let key = match ip {
            IpAddr::V4(v4) => u32::from(v4) as u128 | (1u128 << 127),
            IpAddr::V6(v6) => u128::from(v6),
        };
        let ips = &mut self.model.ips;
        *self.ip_index.entry(key).or_insert_with(|| {
            ips.push(ip);
            (ips.len() - 1) as u32
        })
    }

    fn intern(&mut self, s: Option<&[u8]>) -> u32 {
        match s {
            Some(s) => self.model.strings.intern(s),
            None => NONE,
        }
    }

    fn message_for(&mut self, id: MsgId, line: u32, time: i64) -> u32 {
        let m = &mut self.model;
        if let Some(i) = m.index.get(id, &m.messages) {
            let msg = &mut m.messages[i as usize];
            m.line_next[msg.last_line as usize] = line;
            msg.last_line = line;
            msg.line_count += 1;
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
            line_count: 1,
            flags: 0,
            dkim: DkimStatus::None,
        });
        m.index.insert(id, i, &m.messages);
        i
    }

    /// Adds one line that starts at global offset `start`.
    pub fn push(&mut self, start: u64, ev: &Event<'_>) {
        let line = self.model.line_start.len() as u32;
        self.model.line_start.push(start);
        self.model.line_kind.push(ev.kind);
        self.model.line_next.push(NONE);
        self.model.kind_counts[ev.kind as usize] += 1;
        if let Some(t) = ev.time {
            let m = &mut self.model;
            m.first_time = Some(m.first_time.map_or(t, |f| f.min(t)));
            m.last_time = Some(m.last_time.map_or(t, |l| l.max(t)));
        }
        let time = ev.time.unwrap_or_else(|| self.model.last_time.unwrap_or(0));
        let Some(id) = ev.msgid else {
            self.model.line_msg.push(NONE);
            self.push_peer(line, time, ev);
            return;
        };
        let msg = self.message_for(id, line, time);
        self.model.line_msg.push(msg);
        match &ev.payload {
            Payload::Arrival(a) => {
                let sender = self.intern(a.sender);
                let ip = self.ip(a.host.as_ref().and_then(|h| h.ip));
                let host = self.intern(a.host.as_ref().and_then(|h| h.name));
                let helo = self.intern(a.host.as_ref().and_then(|h| h.helo));
                let protocol = self.intern(a.protocol);
                let mut f = flags::ARRIVED;
                if a.tls.is_some() {
                    f |= flags::TLS;
                }
                if a.auth.is_some() {
                    f |= flags::AUTH;
                }
                if a.sender == Some(b"") {
                    f |= flags::BOUNCE_MSG;
                }
                if ev.kind == LineKind::FakeReject {
                    f |= flags::FAKE_REJECT;
                }
                if a.host.is_none() {
                    f |= flags::LOCAL;
                }
                if let Some(r) = a.recipients {
                    for r in r.split(|&c| c == b' ').filter(|r| !r.is_empty()) {
                        let addr = self.model.strings.intern(r);
                        self.model.recipients.push(Recipient { msg, addr });
                    }
                }
                let dkim_dom = a.dkim_domain.map(|d| self.model.strings.intern(d));
                let m = &mut self.model.messages[msg as usize];
                m.time = time;
                m.arrival_line = line;
                m.sender = sender;
                m.ip = ip;
                m.host = host;
                m.helo = helo;
                m.protocol = protocol;
                m.size = a.size.unwrap_or(0);
                m.flags |= f;
                if let Some(domain) = dkim_dom {
                    m.dkim = m.dkim.with(DkimResult::Pass);
                    let already = self
                        .model
                        .signatures
                        .iter()
                        .rev()
                        .take_while(|s| s.msg == msg)
                        .any(|s| s.domain == domain);
                    if !already {
                        self.model.signatures.push(Signature {
                            msg,
                            domain,
                            selector: NONE,
                            result: DkimResult::Pass,
                            line,
                        });
                    }
                }
            }
            Payload::Dkim(sig) => {
                let domain = self.intern(sig.domain);
                let selector = self.intern(sig.selector);
                let result = sig.result.unwrap_or(DkimResult::Invalid);
                self.model.signatures.push(Signature {
                    msg,
                    domain,
                    selector,
                    result,
                    line,
                });
                let m = &mut self.model.messages[msg as usize];
                m.dkim = m.dkim.with(result);
            }
            Payload::Delivery(d) => {
                let f = match ev.kind {
                    LineKind::Bounce => flags::BOUNCED,
                    LineKind::Deferral => flags::DEFERRED,
                    _ => flags::DELIVERED,
                };
                self.model.messages[msg as usize].flags |= f;
                let addr = self.model.strings.intern(d.address);
                self.model.recipients.push(Recipient { msg, addr });
            }
            Payload::Rejection(r) => {
                let m = &mut self.model.messages[msg as usize];
                m.flags |= flags::REJECTED;
                // A message rejected after DATA never arrives: its client is here.
                if m.ip == NONE && m.arrival_line == NONE {
                    let ip = self.ip(r.host.as_ref().and_then(|h| h.ip));
                    let sender = self.intern(r.sender);
                    let host = self.intern(r.host.as_ref().and_then(|h| h.name));
                    let helo = self.intern(r.host.as_ref().and_then(|h| h.helo));
                    let m = &mut self.model.messages[msg as usize];
                    m.ip = ip;
                    m.sender = sender;
                    m.host = host;
                    m.helo = helo;
                }
            }
            _ => match ev.kind {
                LineKind::Completed => self.model.messages[msg as usize].flags |= flags::COMPLETED,
                LineKind::Frozen => self.model.messages[msg as usize].flags |= flags::FROZEN,
                _ => {}
            },
        }
    }

    fn push_peer(&mut self, line: u32, time: i64, ev: &Event<'_>) {
        let Some(host) = ev.client() else { return };
        let (ip, name) = (host.ip, host.name.or(host.helo));
        let sender = match &ev.payload {
            Payload::Rejection(r) => r.sender,
            _ => None,
        };
        let ip = self.ip(ip);
        let sender = self.intern(sender);
        let host = self.intern(name);
        self.model.peer_events.push(PeerEvent {
            line,
            time,
            ip,
            sender,
            host,
            kind: ev.kind,
        });
    }
}
