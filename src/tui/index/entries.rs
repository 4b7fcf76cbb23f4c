//! What `GroupIndex` stores per entry, and how it is laid out: the facts bits a
//! pass reads instead of the message, per-group lists, recipients in group order.

use crate::model::{Model, NONE, flags};
use crate::parse::{DkimStatus, Family};
use crate::query;

// Bits of `GroupIndex::facts`.
pub(super) const F_ARRIVED: u16 = 1;
pub(super) const F_REJECTED: u16 = 2;
pub(super) const F_V4: u16 = 4;
pub(super) const F_V6: u16 = 8;
pub(super) const F_DKIM_SHIFT: u16 = 4;
/// Client address unknown (local submission, `[]`): with an address family
/// also seen, the group's family is `mixed`, as in `query::group`.
pub(super) const F_UNKNOWN: u16 = 64;
/// At least one failing (`SIG_FAIL`) / invalid (`SIG_INVALID`) signature.
pub(super) const F_SIG_FAIL: u16 = 256;
pub(super) const F_SIG_INVALID: u16 = 512;

pub(super) fn facts_of(m: &Model, msg: &crate::model::Message) -> u16 {
    let mut b = 0;
    if msg.has(flags::ARRIVED) {
        b |= F_ARRIVED;
    }
    if msg.has(flags::REJECTED) {
        b |= F_REJECTED;
    }
    b |= match m.family(msg) {
        Family::Ipv4 => F_V4,
        Family::Ipv6 => F_V6,
        Family::Unknown => F_UNKNOWN,
    };
    b |= (msg.dkim as u16) << F_DKIM_SHIFT;
    if msg.has(flags::SIG_FAIL) {
        b |= F_SIG_FAIL;
    }
    if msg.has(flags::SIG_INVALID) {
        b |= F_SIG_INVALID;
    }
    b
}

pub(super) fn family_of_facts(b: u16) -> Family {
    if b & F_V4 != 0 {
        Family::Ipv4
    } else if b & F_V6 != 0 {
        Family::Ipv6
    } else {
        Family::Unknown
    }
}

pub(super) fn dkim_of_facts(b: u16) -> DkimStatus {
    match (b >> F_DKIM_SHIFT) & 3 {
        0 => DkimStatus::Pass,
        1 => DkimStatus::Fail,
        2 => DkimStatus::Invalid,
        _ => DkimStatus::None,
    }
}

/// The distinct recipients of each message of `msgs` (the entries in group
/// order), flattened in that order, as dense ids; and how many ids there are.
pub(super) fn recipients_in_order(m: &Model, msgs: &[u32]) -> (Vec<u32>, Vec<u32>, u32) {
    let by_msg = query::parties::RecipientsByMessage::new(m);
    let mut dense = vec![NONE; m.strings.len()];
    let mut next = 0u32;
    // Each message's distinct dense ids, computed once even under a key that
    // puts a message in several groups.
    let mut start = Vec::with_capacity(m.messages.len() + 1);
    let mut own: Vec<u32> = Vec::with_capacity(m.recipients.len());
    start.push(0u32);
    for i in 0..m.messages.len() as u32 {
        let from = own.len();
        for &addr in by_msg.of(i) {
            let Some(d) = dense.get_mut(addr as usize) else {
                continue;
            };
            if *d == NONE {
                *d = next;
                next += 1;
            }
            if !own[from..].contains(d) {
                own.push(*d);
            }
        }
        start.push(own.len() as u32);
    }
    let mut rcpt_start = Vec::with_capacity(msgs.len() + 1);
    let mut rcpts = Vec::with_capacity(own.len());
    rcpt_start.push(0u32);
    for &i in msgs {
        let i = i as usize;
        if let (Some(&a), Some(&b)) = (start.get(i), start.get(i + 1)) {
            rcpts.extend_from_slice(own.get(a as usize..b as usize).unwrap_or_default());
        }
        rcpt_start.push(rcpts.len() as u32);
    }
    (rcpt_start, rcpts, next)
}

/// Inverts `item -> group` into per-group lists of items (in item order).
pub(super) fn by_group(n: usize, group_of: &[u32]) -> (Vec<u32>, Vec<u32>) {
    let mut start = vec![0u32; n + 1];
    for &g in group_of {
        if let Some(c) = start.get_mut(g as usize + 1) {
            *c += 1;
        }
    }
    for i in 0..n {
        start[i + 1] += start[i];
    }
    let mut fill = start.clone();
    let mut items = vec![0u32; start[n] as usize];
    for (i, &g) in group_of.iter().enumerate() {
        if let Some(at) = fill.get_mut(g as usize) {
            items[*at as usize] = i as u32;
            *at += 1;
        }
    }
    (start, items)
}

/// Running totals of one group.
#[derive(Clone, Copy, Default)]
pub(super) struct Tally {
    pub(super) bytes: u64,
    pub(super) first: i64,
    pub(super) last: i64,
    pub(super) messages: u32,
    pub(super) arrivals: u32,
    pub(super) rejections: u32,
    pub(super) auth_failures: u32,
    pub(super) protocol_errors: u32,
    pub(super) dkim: [u32; 4],
    pub(super) sig_fail: u32,
    pub(super) sig_invalid: u32,
    pub(super) sig_bad: u32,
    pub(super) recent_5m: u32,
    pub(super) recent_1h: u32,
    /// `F_V4`, `F_V6`, and `SEEN` once `first`/`last` hold a time.
    pub(super) bits: u16,
}

pub(super) const SEEN: u16 = 128;

impl Tally {
    pub(super) fn seen(&mut self, time: i64, fam_bits: u16) {
        if self.bits & SEEN == 0 {
            self.first = time;
            self.last = time;
        } else {
            self.first = self.first.min(time);
            self.last = self.last.max(time);
        }
        self.bits |= SEEN | (fam_bits & (F_V4 | F_V6 | F_UNKNOWN));
    }

    pub(super) fn merge(&mut self, o: &Tally) {
        if o.bits & SEEN != 0 {
            self.seen(o.first, o.bits);
            self.seen(o.last, o.bits);
        }
        self.rejections += o.rejections;
        self.auth_failures += o.auth_failures;
        self.protocol_errors += o.protocol_errors;
    }
}
