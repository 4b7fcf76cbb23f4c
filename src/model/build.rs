//! Folding parsed events into the model, one line at a time, in log order.
//!
//! This is the sequential half of loading (parsing and string numbering run in
//! parallel, see `compact` and `load`). It must stay cheap per line: one hash
//! lookup for the message id and a few table lookups.

use std::hash::BuildHasher;
use std::net::IpAddr;

use rustc_hash::{FxBuildHasher, FxHashMap};

use super::compact::{
    ChunkOut, Compactor, NO_ID, NO_STR, Rec, bits, dkim_result, ip_key, spam_bits,
};
use super::{Message, Model, NONE, PeerEvent, Recipient, Signature, SpamScore, flags};
use crate::parse::{DkimResult, DkimStatus, Event, LineKind, MsgId, time};

/// Message id → index: open addressing with linear probing over one array of
/// `tag << 32 | index` words, `EMPTY` where free. The tag (the hash's high half)
/// settles almost every probe without reading the message; a lookup touches one
/// cache line of the table, which loading prefetches a few lines ahead.
pub struct MsgIndex {
    slots: Vec<u64>,
    len: usize,
}

const EMPTY: u64 = u64::MAX;

impl Default for MsgIndex {
    fn default() -> Self {
        MsgIndex {
            slots: vec![EMPTY; 1 << 10],
            len: 0,
        }
    }
}

fn hash_id(id: MsgId) -> u64 {
    FxBuildHasher.hash_one(id.as_u128())
}

impl MsgIndex {
    fn home(&self, h: u64) -> usize {
        h as usize & (self.slots.len() - 1)
    }

    /// Starts loading the table line where `id` would be found.
    fn prefetch(&self, id: u128) {
        #[cfg(target_arch = "x86_64")]
        {
            use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
            let i = self.home(FxBuildHasher.hash_one(id));
            let p = self.slots[i..].as_ptr() as *const i8;
            // SAFETY: SSE is part of the x86_64 baseline, and a prefetch is only a
            // hint that never faults (`p` points into the table regardless).
            unsafe { _mm_prefetch::<_MM_HINT_T0>(p) };
        }
        #[cfg(not(target_arch = "x86_64"))]
        let _ = id;
    }

    pub fn get(&self, id: MsgId, messages: &[Message]) -> Option<u32> {
        let h = hash_id(id);
        let tag = h >> 32;
        let mask = self.slots.len() - 1;
        let mut i = self.home(h);
        loop {
            let s = self.slots[i];
            if s == EMPTY {
                return None;
            }
            let idx = s as u32;
            if s >> 32 == tag && messages.get(idx as usize).is_some_and(|m| m.id == id) {
                return Some(idx);
            }
            i = (i + 1) & mask;
        }
    }

    /// Indexes the next message (`messages[self.len]`, whose id is not indexed yet):
    /// messages are indexed in order, all of them, so message `i` is indexed
    /// exactly when `i < len` and growing can rebuild from `messages` in order.
    fn push(&mut self, messages: &[Message]) {
        let Some(m) = messages.get(self.len) else {
            return;
        };
        if (self.len + 1) * 4 > self.slots.len() * 3 {
            self.rebuild(self.slots.len() * 2, messages);
        }
        self.place(hash_id(m.id), self.len as u32);
        self.len += 1;
    }

    fn place(&mut self, h: u64, idx: u32) {
        let mask = self.slots.len() - 1;
        let mut i = self.home(h);
        while self.slots[i] != EMPTY {
            i = (i + 1) & mask;
        }
        self.slots[i] = (h >> 32) << 32 | idx as u64;
    }

    /// Re-places every indexed message in a table of `size` slots. Reads the
    /// messages in order (not in table order), so it streams instead of jumping.
    fn rebuild(&mut self, size: usize, messages: &[Message]) {
        self.slots = vec![EMPTY; size];
        for (i, m) in messages.iter().enumerate().take(self.len) {
            self.place(hash_id(m.id), i as u32);
        }
    }

    pub fn heap_bytes(&self) -> usize {
        self.slots.capacity() * 8
    }
}

/// Appends lines to a model.
pub struct Builder {
    pub model: Model,
    /// Keyed by the address as one integer (`compact::ip_key`).
    ip_index: FxHashMap<u128, u32>,
    /// Id and time of the line folded last: a continuation line takes them.
    prev_id: u128,
    prev_time: i64,
    /// Years added to classic syslog stamps since the first one, and the last
    /// such stamp after that (see [`Builder::syslog_time`]).
    year_shift: i32,
    last_yearless: Option<i64>,
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
            prev_id: NO_ID,
            prev_time: i64::MIN,
            year_shift: 0,
            last_yearless: None,
        }
    }

    /// A classic syslog stamp (no year) in the earliest of the year before, this
    /// one and the next that does not put it more than a day before the last
    /// such stamp. A log never runs backwards by more than a day, so a jump back
    /// starts the next year (and the years after it); a line a little before
    /// midnight written after one a little after (a slow process) stays in
    /// the old year.
    fn syslog_time(&mut self, t: i64) -> i64 {
        const DAY: i64 = 86_400_000;
        let Some(last) = self.last_yearless else {
            self.last_yearless = Some(t);
            return t;
        };
        let mut chosen = time::add_years(t, self.year_shift);
        let before = time::add_years(t, self.year_shift - 1);
        if before >= last - DAY {
            chosen = before;
        } else if chosen < last - DAY {
            self.year_shift += 1;
            chosen = time::add_years(t, self.year_shift);
        }
        self.last_yearless = Some(chosen);
        chosen
    }

    /// Reserves room for about `bytes` more of log, so the per-line vectors do not
    /// grow (and copy themselves) repeatedly on big inputs.
    pub fn reserve_for(&mut self, bytes: usize) {
        let lines = bytes / 100;
        let m = &mut self.model;
        // Roughly a message per five lines, and a few distinct strings per message.
        m.messages.reserve(lines / 5);
        // The message index is not sized from this guess: it grows by rebuilding,
        // which is cheap, and a guess on the high side would stay in memory.
        m.line_start.reserve(lines);
        m.line_kind.reserve(lines);
        m.line_msg.reserve(lines);
        m.line_next.reserve(lines);
    }

    pub fn finish(mut self) -> Model {
        self.model.interfaces.sort_unstable();
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
            flags: 0,
            dkim: DkimStatus::None,
        });
        m.index.push(&m.messages);
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
        for &ip in &chunk.new_interfaces {
            if !self.model.interfaces.contains(&ip) {
                self.model.interfaces.push(ip);
            }
        }
        // The message index is the fold's main cache miss: fetch ahead.
        const AHEAD: usize = 8;
        for (j, r) in chunk.recs.iter().enumerate() {
            if let Some(a) = chunk.recs.get(j + AHEAD)
                && a.id != NO_ID
            {
                self.model.index.prefetch(a.id);
            }
            self.fold(lane, chunk, r, base + r.off as u64);
        }
    }

    fn fold(&mut self, lane: &Lane, chunk: &ChunkOut<'_>, r: &Rec, start: u64) {
        let mut r = *r;
        if r.kind == LineKind::Continuation {
            // More of the line above: its message and its time.
            r.id = self.prev_id;
            r.time = self.prev_time;
        } else if r.bits & bits::YEARLESS != 0 && r.time != i64::MIN {
            r.time = self.syslog_time(r.time);
        }
        self.prev_id = r.id;
        self.prev_time = r.time;
        let r = &r;
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
                    self.push_recipient(msg, tr(a));
                }
                let dkim_dom = tr(r.s2);
                let m = &mut self.model.messages[msg as usize];
                m.time = time;
                m.arrival_line = line;
                m.sender = tr(r.s0);
                m.ip = ip;
                m.host = tr(r.s1);
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
                self.push_recipient(msg, tr(r.s0));
            }
            LineKind::Rejection | LineKind::SenderVerifyFail => {
                let m = &mut self.model.messages[msg as usize];
                m.flags |= flags::REJECTED;
                // A message rejected after DATA never arrives: its client is here.
                if m.ip == NONE && m.arrival_line == NONE {
                    m.ip = ip;
                    m.sender = tr(r.s0);
                    m.host = tr(r.s1);
                }
            }
            LineKind::SpamScan => {
                if let (Some(tenths), required_tenths) = spam_bits::unpack(r.size) {
                    self.model.spam.insert(
                        msg,
                        SpamScore {
                            tenths,
                            required_tenths,
                        },
                    );
                }
            }
            LineKind::Completed => self.model.messages[msg as usize].flags |= flags::COMPLETED,
            LineKind::Frozen => self.model.messages[msg as usize].flags |= flags::FROZEN,
            _ => {}
        }
    }
}

impl Builder {
    /// Records that `msg` was addressed to `addr`, once: the arrival's `for` list
    /// and each delivery, deferral and bounce name the same address again. The
    /// repeats sit close together, so a short look back finds nearly all of them.
    fn push_recipient(&mut self, msg: u32, addr: u32) {
        let recent = &self.model.recipients[self.model.recipients.len().saturating_sub(16)..];
        if recent.iter().any(|r| r.msg == msg && r.addr == addr) {
            return;
        }
        self.model.recipients.push(Recipient { msg, addr });
    }
}

/// A worker's local ids translated to the model's ids.
#[derive(Default)]
pub struct Lane {
    strs: Vec<u32>,
    ips: Vec<u32>,
}

#[cfg(test)]
mod tests {
    use crate::model::NONE;
    use crate::model::load::{LoadOptions, from_bytes};
    use crate::parse::LineKind;

    fn model(log: &str, year: i32) -> crate::model::Model {
        let opts = LoadOptions {
            ctx: crate::parse::ParseContext { syslog_year: year },
            threads: 1,
            ..LoadOptions::default()
        };
        from_bytes("t", log.as_bytes().to_vec(), &opts)
    }

    #[test]
    fn a_continuation_line_joins_the_line_above() {
        // mashpy-ajenti_track-mainlog.log, and a made-up line with an id above one.
        let m = model(
            "2016-09-10 06:06:35 Warning: purging the environment.\n Suggested action: use keep_environment.\n\
             2016-09-10 06:06:36 1bfCbe-00000M-Fw <= a@b.example H=(x) [192.0.2.1] P=esmtp S=1\n \
             more of it\n",
            2022,
        );
        assert_eq!(m.line_count(), 4);
        assert_eq!(m.kind_count(LineKind::Continuation), 2);
        assert_eq!(m.line_msg[1], NONE);
        assert_eq!(m.messages.len(), 1);
        assert_eq!(m.message_lines(0).collect::<Vec<_>>(), vec![2, 3]);
    }

    #[test]
    fn syslog_years_move_on_at_new_year() {
        let m = model(
            "Dec 31 23:59:58 mx exim[1]: Start queue run: pid=1\n\
             Jan  1 00:00:02 mx exim[1]: 1aaaaa-000000-00 <= a@b.example H=(x) [192.0.2.1] P=esmtp S=1\n\
             Dec 31 23:00:00 mx exim[1]: End queue run: pid=1\n\
             Mar  1 10:00:00 mx exim[1]: 1aaaab-000000-00 <= a@b.example H=(x) [192.0.2.1] P=esmtp S=1\n",
            2023,
        );
        let t = |i: usize| crate::parse::time::format_iso(m.messages[i].time);
        assert_eq!(t(0), "2024-01-01T00:00:02");
        assert_eq!(t(1), "2024-03-01T10:00:00");
        assert_eq!(
            m.first_time.map(crate::parse::time::format_iso).as_deref(),
            Some("2023-12-31T23:00:00")
        );
        // Back by less than a day is the log's own disorder, not a new year.
        let m = model(
            "Jan  2 10:00:00 mx exim[1]: 1aaaaa-000000-00 <= a@b.example H=(x) [192.0.2.1] P=esmtp S=1\n\
             Jan  1 11:00:00 mx exim[1]: 1aaaab-000000-00 <= a@b.example H=(x) [192.0.2.1] P=esmtp S=1\n",
            2023,
        );
        assert_eq!(
            crate::parse::time::format_iso(m.messages[1].time),
            "2023-01-01T11:00:00"
        );
    }

    #[test]
    fn a_spam_score_is_kept_per_message() {
        // perericr-ddgrey-mainlog.log
        let m = model(
            "2020-02-22 01:31:25 1j5IhX-0006pK-Rt SA: Action: scanned but message isn't spam: score=-0.1 required=5.0 (scanned in 1/1 secs | Message-Id: xPvw9194h6.plusgirot@nordea.com). From <plusgirot@nordea.com> (host=mail1.bemta26.messagelabs.com [85.158.142.5]) for kassor@ucf.se\n\
             2020-02-22 01:31:25 1j5IhX-0006pK-Rt <= plusgirot@nordea.com H=mail1.bemta26.messagelabs.com [85.158.142.5] P=esmtp S=4502 id=xPvw9194h6.plusgirot@nordea.com\n\
             2020-02-22 01:31:24 1j5IhY-0006pK-Rt SA: Debug: check succeeded, running spamc\n",
            2022,
        );
        let s = m.spam_score(0).expect("scored");
        assert_eq!(
            (s.tenths, s.required_tenths, s.is_spam()),
            (-1, Some(50), Some(false))
        );
        assert!((s.score() + 0.1).abs() < 1e-6);
        assert_eq!(m.spam_score(1), None);
    }

    #[test]
    fn every_message_is_found_after_the_index_grew() {
        let mut log = Vec::new();
        let cfg = crate::r#gen::GenConfig {
            seed: 7,
            target_bytes: 2 << 20,
            ..Default::default()
        };
        crate::r#gen::generate(&cfg, &mut log).expect("generate into memory");
        let m = from_bytes("t", log, &LoadOptions::default());
        // Well past the initial 1024 slots, so the index was rebuilt several times.
        assert!(m.messages.len() > 2000, "{}", m.messages.len());
        for (i, msg) in m.messages.iter().enumerate() {
            assert_eq!(m.find_message(msg.id), Some(i as u32));
        }
        let absent = crate::parse::MsgId::parse(b"1zzzzz-zzzzzz-zz").expect("valid id");
        assert_eq!(m.find_message(absent), None);
    }
}
