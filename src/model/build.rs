//! Folding parsed events into the model, one line at a time, in log order.
//!
//! This is the sequential half of loading (parsing and string numbering run in
//! parallel, see `compact` and `load`). It must stay cheap per line: one hash
//! lookup for the message id and a few table lookups.

use std::hash::BuildHasher;
use std::net::IpAddr;

use rustc_hash::{FxBuildHasher, FxHashMap};

use super::compact::{
    ChunkOut, Compactor, IpKey, NO_ID, NO_STR, Rec, bits, ip_key, sig_result, spam_bits,
};
use super::{
    Message, Model, NONE, PeerEvent, Recipient, SigAlgo, Signature, SpamScore, flags, sig_bits,
    sig_flags,
};
use crate::parse::{DkimStatus, Event, LineKind, MsgId, SigResult, time};

/// Message id → index: open addressing with linear probing over one array of
/// `tag << 32 | index` words, `EMPTY` where free. The tag (the hash's high half)
/// settles almost every probe without reading the message; a lookup touches one
/// cache line of the table, which loading prefetches a few lines ahead.
#[derive(Clone)]
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
        super::prefetch::prefetch(&self.slots, self.home(FxBuildHasher.hash_one(id)));
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
    /// Keyed by the address and its family (`compact::ip_key`).
    ip_index: FxHashMap<IpKey, u32>,
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
        self.settle();
        self.model
    }

    /// Puts in order what folding leaves unordered (the server's interfaces), so
    /// `model` reads as a finished one; folding may go on after it (a live
    /// follow appends, settles, is read, appends again).
    pub fn settle(&mut self) {
        self.model.interfaces.sort_unstable();
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
            m.line_next.set(msg.last_line, line);
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
    /// single lines; loading goes through `absorb`). Without the line's text a
    /// protocol error is not told from other `session` lines: see `push_line`.
    pub fn push(&mut self, start: u64, ev: &Event<'_>) {
        self.push_line(start, &[], ev);
    }

    /// As `push`, with the line `ev` was parsed from, so that offsets into it
    /// (a DKIM result's text) are kept.
    pub fn push_line(&mut self, start: u64, line: &[u8], ev: &Event<'_>) {
        let mut c = Compactor::default();
        let mut out = ChunkOut::default();
        c.push(&mut out, 0, line, ev);
        c.flush(&mut out);
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
            if let Some(a) = chunk.recs.get(j + AHEAD) {
                if a.id != NO_ID {
                    self.model.index.prefetch(a.id);
                }
                // Its strings' and address's translations: a worker numbers
                // hundreds of thousands of strings, so these miss too.
                // (`NO_STR` is out of range, and then nothing is fetched.)
                super::prefetch::prefetch(&lane.strs, a.s0 as usize);
                super::prefetch::prefetch(&lane.strs, a.s1 as usize);
                super::prefetch::prefetch(&lane.ips, a.ip as usize);
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
        self.model.line_next.push();
        self.model.kind_counts[r.kind as usize] += 1;
        if r.bits & bits::PROTOCOL_ERROR != 0 {
            self.model.protocol_errors.push(line);
        }
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
                    m.dkim = m.dkim.with(SigResult::Pass.coarse());
                    self.dkim_tag(msg, line, dkim_dom);
                }
            }
            LineKind::DkimSignature => {
                let result = sig_result(r.bits).unwrap_or(SigResult::Other);
                let (text_at, text_len, algo) = sig_bits::unpack(r.size);
                self.push_signature(Signature {
                    msg,
                    line,
                    domain: tr(r.s0),
                    selector: tr(r.s1),
                    text_at,
                    text_len,
                    algo,
                    result: result.coarse(),
                    verdict: result,
                    flags: if r.bits & bits::KEY_IMPORT != 0 {
                        sig_flags::KEY_IMPORT
                    } else {
                        0
                    },
                });
                let m = &mut self.model.messages[msg as usize];
                m.dkim = m.dkim.with(result.coarse());
                m.flags |= match result {
                    SigResult::Fail => flags::SIG_FAIL,
                    SigResult::Invalid => flags::SIG_INVALID,
                    SigResult::Pass | SigResult::Other => 0,
                };
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

/// How far back an arrival's `DKIM=` looks for its message's `DKIM:` lines. They
/// are written by the receiving process just before its `<=`; only the lines of
/// other processes receiving at the same moment come between.
const TAG_LOOK_BACK: usize = 64;

impl Builder {
    fn same_domain(&self, a: u32, b: u32) -> bool {
        a == b || self.model.str(a).eq_ignore_ascii_case(self.model.str(b))
    }

    /// The arrival's `DKIM=dom` (the domain of the first signature that passed):
    /// the same signature as that passing `DKIM:` line when one was logged,
    /// else a signature known only from the tag.
    fn dkim_tag(&mut self, msg: u32, line: u32, dom: u32) {
        let n = self.model.signatures.len();
        let found = (n.saturating_sub(TAG_LOOK_BACK)..n).find(|&i| {
            let s = &self.model.signatures[i];
            s.msg == msg
                && s.verdict == SigResult::Pass
                && s.flags & sig_flags::TAG == 0
                && self.same_domain(s.domain, dom)
        });
        match found {
            Some(i) => self.model.signatures[i].flags |= sig_flags::TAG,
            None => self.model.signatures.push(Signature {
                msg,
                line,
                domain: dom,
                selector: NONE,
                text_at: 0,
                text_len: 0,
                algo: SigAlgo::Unknown,
                result: SigResult::Pass.coarse(),
                verdict: SigResult::Pass,
                flags: sig_flags::TAG | sig_flags::TAG_ONLY,
            }),
        }
    }

    /// Adds a `DKIM:` line's signature. Two lines can be one signature, and the
    /// later one then takes the earlier one's place (it is the last signature, so
    /// the list stays in line order):
    /// - pdkim's `d=x s=y [failed key import]`, then the result line of `d=x s=y`;
    /// - the arrival's `DKIM=x` (a signature known only from the tag), then a
    ///   passing `DKIM:` line of `x` (Exim logs them before the arrival).
    fn push_signature(&mut self, s: Signature) {
        if let Some(last) = self.model.signatures.last()
            && last.msg == s.msg
            && last.flags & sig_flags::KEY_IMPORT != 0
            && s.flags & sig_flags::KEY_IMPORT == 0
            && last.selector == s.selector
            && self.same_domain(last.domain, s.domain)
        {
            if let Some(last) = self.model.signatures.last_mut() {
                *last = s;
            }
            return;
        }
        if s.verdict == SigResult::Pass
            && let Some(last) = self.model.signatures.last()
            && last.msg == s.msg
            && last.flags & sig_flags::TAG_ONLY != 0
            && self.same_domain(last.domain, s.domain)
        {
            if let Some(last) = self.model.signatures.last_mut() {
                *last = Signature {
                    flags: sig_flags::TAG,
                    ..s
                };
            }
            return;
        }
        self.model.signatures.push(s);
    }

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

    /// (domain, selector, algorithm, result, reason, flags) of each signature of message `i`.
    fn sigs(
        m: &crate::model::Model,
        i: u32,
    ) -> Vec<(String, String, String, &'static str, String, u8)> {
        let t = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
        m.signatures_of(i)
            .into_iter()
            .map(|j| {
                let s = &m.signatures[j as usize];
                (
                    t(m.str(s.domain)),
                    t(m.str(s.selector)),
                    m.signature_algorithm(s)
                        .as_deref()
                        .map(t)
                        .unwrap_or_default(),
                    s.verdict.as_str(),
                    m.signature_reason(s).as_deref().map(t).unwrap_or_default(),
                    s.flags,
                )
            })
            .collect()
    }

    #[test]
    fn each_dkim_line_is_a_signature_with_its_result_and_reason() {
        use crate::model::flags::{SIG_FAIL, SIG_INVALID};
        use crate::parse::DkimStatus;
        // perericr-ddgrey-mainlog.log: two failing signatures (the list's and
        // the author's own), two passing ones (a brand's and its ESP's), one.
        let m = model(
            "2020-02-22 06:31:00 1j5NNT-0003lP-RI DKIM: d=solent.ac.uk s=solent c=relaxed/simple a=rsa-sha256 t=1582114987 x=1583929388 [verification failed - signature did not verify (headers probably modified in transit)]\n\
             2020-02-22 06:31:00 1j5NNT-0003lP-RI DKIM: d=ssu.onmicrosoft.com s=selector1-ssu-onmicrosoft-com c=relaxed/relaxed a=rsa-sha256 [verification failed - signature did not verify (headers probably modified in transit)]\n\
             2020-02-22 06:31:02 1j5NNT-0003lP-RI <= dev-bounces@openstreetmap.org H=shenron.openstreetmap.org [212.110.172.32] P=esmtp S=15509 id=DB7PR07MB5849997C10DF54047C1D97F2A6100@DB7PR07MB5849.eurprd07.prod.outlook.com\n\
             2020-02-22 07:15:46 1j5O4n-0004dP-Sl DKIM: d=ttline.com s=mailing c=relaxed/simple a=rsa-sha256 i=newsletter@ttline.com [verification succeeded]\n\
             2020-02-22 07:15:46 1j5O4n-0004dP-Sl DKIM: d=srv2.de s=mailing c=relaxed/simple a=rsa-sha256 [verification succeeded]\n\
             2020-02-22 07:15:50 1j5O4n-0004dP-Sl <= return@t.ttline.com H=mail21-241.srv2.de [91.241.72.241] P=esmtp S=65847 id=re-p07dNoxrdDMvpqEi4Opj6-3S3LKR6Y-3S2O5HOE-H6M17ZP@t.ttline.com\n\
             2020-02-22 01:35:52 1j5Ilr-0006ss-RX DKIM: d=troubleshooters.com s=default c=relaxed/simple a=rsa-sha1 t=1582318663 l=1242 [verification failed - signature did not verify (headers probably modified in transit)]\n",
            2022,
        );
        let reason = "signature did not verify (headers probably modified in transit)";
        assert_eq!(
            sigs(&m, 0),
            vec![
                (
                    "solent.ac.uk".into(),
                    "solent".into(),
                    "rsa-sha256".into(),
                    "fail",
                    reason.into(),
                    0
                ),
                (
                    "ssu.onmicrosoft.com".into(),
                    "selector1-ssu-onmicrosoft-com".into(),
                    "rsa-sha256".into(),
                    "fail",
                    reason.into(),
                    0
                ),
            ]
        );
        let s = &m.signatures[0];
        assert_eq!(
            m.signature_text(s).as_deref(),
            Some(&b"verification failed - signature did not verify (headers probably modified in transit)"[..])
        );
        // The offset was kept: the text is read without parsing the line again.
        assert_eq!(
            (s.text_at as usize, s.text_len as usize),
            (m.line(0).len() - 86, 85)
        );
        assert_eq!(m.messages[0].dkim, DkimStatus::Fail);
        assert!(m.messages[0].has(SIG_FAIL) && !m.messages[0].has(SIG_INVALID));
        assert_eq!(sigs(&m, 1).len(), 2);
        assert_eq!(sigs(&m, 1)[1].0, "srv2.de");
        assert_eq!(sigs(&m, 1)[1].4, "");
        assert!(!m.messages[1].has(SIG_FAIL));
        assert_eq!(sigs(&m, 2)[0].2, "rsa-sha1");
        assert_eq!(m.signatures.len(), 5);
    }

    #[test]
    fn a_dkim_tag_and_its_dkim_line_are_one_signature() {
        use crate::model::sig_flags::{TAG, TAG_ONLY};
        // exim-testsuite/head/log/4500 (10HmaX, 10HmaY), the two receptions
        // interleaved as concurrent ones would be; then 4535's 10HmaY, whose
        // `DKIM=` has no `DKIM:` line (no `+dkim_verbose`).
        let m = model(
            "1999-03-02 09:44:33 10HmaX-000000005vi-0000 DKIM: d=test.ex s=sel c=simple/simple a=rsa-sha1 b=1024 [verification succeeded]\n\
             1999-03-02 09:44:33 10HmaY-000000005vi-0000 DKIM: d=test.ex s=ses c=simple/simple a=rsa-sha1 b=512 [verification succeeded]\n\
             1999-03-02 09:44:33 10HmaX-000000005vi-0000 <= CALLER@bloggs.com H=(xxx) [127.0.0.1] P=smtp S=sss DKIM=test.ex id=qwerty1234@disco-zombie.net\n\
             1999-03-02 09:44:33 10HmaY-000000005vi-0000 <= CALLER@bloggs.com H=(xxx) [127.0.0.1] P=smtp S=sss DKIM=test.ex id=qwerty1234@disco-zombie.net\n\
             1999-03-02 09:44:33 10HmaZ-000000005vi-0000 <= CALLER@myhost.test.ex H=the.local.host.name (myhost.test.ex) [ip4.ip4.ip4.ip4] P=esmtps X=TLS1.x:ke-RSA-AES256-SHAnnn:xxx S=sss DKIM=test.ex id=E10HmaX-000000005vi-0000@myhost.test.ex for a@test.ex\n",
            2022,
        );
        assert_eq!(m.signatures.len(), 3);
        let x = sigs(&m, 0);
        assert_eq!(x.len(), 1);
        assert_eq!((x[0].1.as_str(), x[0].3, x[0].5), ("sel", "pass", TAG));
        let y = sigs(&m, 1);
        assert_eq!((y.len(), y[0].1.as_str(), y[0].5), (1, "ses", TAG));
        let z = sigs(&m, 2);
        assert_eq!(z.len(), 1);
        assert_eq!(
            (z[0].0.as_str(), z[0].1.as_str(), z[0].3, z[0].5),
            ("test.ex", "", "pass", TAG | TAG_ONLY)
        );
        assert_eq!(m.signature_text(&m.signatures[2]), None);
        // A `DKIM:` line logged after its arrival (not Exim's order) is still the one.
        let m = model(
            "2016-02-25 20:02:20 1aZ1B6-0006g0-ND <= a@gmail.com H=(x) [192.0.2.1] P=esmtp S=1 DKIM=Gmail.com\n\
             2016-02-25 20:02:21 1aZ1B6-0006g0-ND DKIM: d=gmail.com s=20120113 c=relaxed/relaxed a=rsa-sha256 [verification succeeded]\n",
            2022,
        );
        assert_eq!(m.signatures.len(), 1);
        assert_eq!((m.signatures[0].line, m.signatures[0].flags), (1, TAG));
    }

    #[test]
    fn a_failed_key_import_and_its_result_line_are_one_signature() {
        // exim-testsuite/head/log/4530 (10HmbL), v4.96/log/4500 (10HmbB, 10HmbC),
        // v4.89/log/4506 (10HmaX).
        let m = model(
            "1999-03-02 09:44:33 10HmbL-000000005vi-0000 DKIM: d=test.ex s=sel_bad [failed key import]\n\
             1999-03-02 09:44:33 10HmbL-000000005vi-0000 dkim_acl: signer: test.ex bits: 0 h=From\n\
             1999-03-02 09:44:33 10HmbL-000000005vi-0000 DKIM: d=test.ex s=sel_bad c=relaxed/relaxed a=rsa-sha256 b=1024 [invalid - syntax error in public key record]\n\
             1999-03-02 09:44:33 10HmbB-0005vi-00 DKIM: d=test.ex s=sel c=simple/simple a=rsa-sha1 b=1024 [fail - hash too weak]\n\
             1999-03-02 09:44:33 10HmbC-0005vi-00 DKIM: d=test.ex s=ses c=simple/simple a=rsa-sha1 b=512 [verification failed - signature invalid (key too short)]\n\
             1999-03-02 09:44:33 10HmaX-0005vi-00 DKIM: d=test.ex s=sel c=simple/simple a=rsa-sha1 b=0 [invalid - signature tag missing or invalid]\n\
             1999-03-02 09:44:33 10HmaY-0005vi-00 DKIM: d=test.ex s=sel [not verified]\n",
            2022,
        );
        assert_eq!(m.signatures.len(), 5);
        let l = sigs(&m, 0);
        assert_eq!(l.len(), 1);
        assert_eq!(
            (l[0].2.as_str(), l[0].3, l[0].4.as_str(), l[0].5),
            (
                "rsa-sha256",
                "invalid",
                "syntax error in public key record",
                0
            )
        );
        assert_eq!(
            (sigs(&m, 1)[0].3, sigs(&m, 1)[0].4.as_str()),
            ("fail", "hash too weak")
        );
        assert_eq!(sigs(&m, 2)[0].4, "signature invalid (key too short)");
        assert_eq!(sigs(&m, 3)[0].3, "invalid");
        assert_eq!(
            (sigs(&m, 4)[0].3, sigs(&m, 4)[0].4.as_str()),
            ("other", "not verified")
        );
        // The per-message status reads `other` as invalid, as before.
        assert_eq!(m.messages[4].dkim, crate::parse::DkimStatus::Invalid);
        // Alone, the key-import line is the signature (invalid).
        let m = model(
            "1999-03-02 09:44:33 10HmbF-000000005vi-0000 DKIM: d=test.ex s=sel_snullkey [failed key import]\n",
            2022,
        );
        assert_eq!(sigs(&m, 0)[0].3, "invalid");
        assert_eq!(sigs(&m, 0)[0].4, "failed key import");
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
