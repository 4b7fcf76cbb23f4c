//! Per-grouping indexes that make every keystroke cheap on millions of messages (the
//! messages of each group, the group of each client event, label order) and the rows
//! computed from them: the numbers of `query::group` and `query::sort_rows` (a test
//! checks it), by a faster route for interactive use, built once per key.

use std::sync::Arc;

use rustc_hash::FxHashMap;

use super::data::message_passes;

mod entries;
use entries::*;

use crate::model::{Model, NONE};
use crate::parse::{Family, LineKind};
use crate::query::{self, AggKey, DkimTally, Filter, Grouping, NetPrefix, SigTally, SortKey};

/// A grouping plus what is derived from it once.
pub struct GroupIndex {
    pub grouping: Arc<Grouping>,
    /// The prefix lengths its `net` labels were cut at: a `p`/`P` change needs another.
    pub prefix: NetPrefix,
    /// Messages of group `g` are `msgs[start[g]..start[g+1]]`, in log order.
    start: Vec<u32>,
    msgs: Vec<u32>,
    /// Group of each `Model::peer_events` entry (`NONE` when it has none).
    peer_group: Vec<u32>,
    /// The `Model::peer_events` that are protocol errors, sorted: a substring test of
    /// each session line, done once here rather than in every `aggregate` (every key).
    protocol_errors: Vec<u32>,
    /// Client events of group `g`: `peers[peer_start[g]..peer_start[g+1]]`.
    peer_start: Vec<u32>,
    peers: Vec<u32>,
    /// Position of each group's label in byte order (the CLI's tie-break).
    rank: Vec<u32>,
    /// Every label in one buffer: a fuzzy keystroke reads 100 k labels in sort
    /// order, and scattered heap strings made that mostly cache misses.
    flat: String,
    flat_at: Vec<u32>,
    /// What a pass needs of each message, stored beside `msgs` in group order so
    /// a regroup streams through memory instead of jumping to each message
    /// (with 300 k groups, cache misses were most of the cost). 14 bytes each.
    times: Vec<i64>,
    sizes: Vec<u32>,
    facts: Vec<u16>,
    /// Client address (`Model::ips` index or `NONE`) of each entry, in group order.
    ips: Vec<u32>,
    /// Distinct recipients of each entry's message: `rcpts[rcpt_start[k]..rcpt_start[k+1]]`,
    /// as dense ids `0..rcpt_ids` (ids of `Model::recipients` addresses, renumbered so a
    /// pass can mark them in a small table instead of sorting pairs).
    rcpt_start: Vec<u32>,
    rcpts: Vec<u32>,
    rcpt_ids: u32,
    /// The model's line count when this was built: a followed log that grew since
    /// needs another (`Logs::add_grouping`).
    pub built_on: usize,
}

impl GroupIndex {
    /// `prefix` must be the one `grouping` was built with (its `net` labels).
    pub fn new(m: &Model, grouping: Arc<Grouping>, prefix: NetPrefix) -> GroupIndex {
        let g = &*grouping;
        let n = g.labels.len();
        let mut start = vec![0u32; n + 1];
        for i in 0..m.messages.len() as u32 {
            for &gid in g.groups_of(i) {
                if let Some(c) = start.get_mut(gid as usize + 1) {
                    *c += 1;
                }
            }
        }
        for i in 0..n {
            start[i + 1] += start[i];
        }
        let mut fill = start.clone();
        let total = start[n] as usize;
        let mut msgs = vec![0u32; total];
        let mut times = vec![0i64; total];
        let mut sizes = vec![0u32; total];
        let mut facts = vec![0u16; total];
        let mut ips = vec![NONE; total];
        for (i, msg) in m.messages.iter().enumerate() {
            let f = facts_of(m, msg);
            for &gid in g.groups_of(i as u32) {
                if let Some(at) = fill.get_mut(gid as usize) {
                    let k = *at as usize;
                    msgs[k] = i as u32;
                    times[k] = msg.time;
                    sizes[k] = msg.size;
                    facts[k] = f;
                    ips[k] = msg.ip;
                    *at += 1;
                }
            }
        }
        let (rcpt_start, rcpts, rcpt_ids) = recipients_in_order(m, &msgs);
        let mut order: Vec<u32> = (0..n as u32).collect();
        order.sort_unstable_by(|&a, &b| g.labels[a as usize].cmp(&g.labels[b as usize]));
        let mut rank = vec![0u32; n];
        for (r, &gid) in order.iter().enumerate() {
            rank[gid as usize] = r as u32;
        }
        let peer_group = g.peer_groups().to_vec();
        let protocol_errors = m
            .peer_events
            .iter()
            .enumerate()
            .filter(|(_, p)| m.peer_kind(p) == LineKind::Session && m.is_protocol_error(p.line))
            .map(|(i, _)| i as u32)
            .collect();
        let (peer_start, peers) = by_group(n, &peer_group);
        let mut flat = String::with_capacity(g.labels.iter().map(String::len).sum());
        let mut flat_at = Vec::with_capacity(n + 1);
        for l in &g.labels {
            flat_at.push(flat.len() as u32);
            flat.push_str(l);
        }
        flat_at.push(flat.len() as u32);
        GroupIndex {
            grouping,
            prefix,
            start,
            msgs,
            peer_group,
            protocol_errors,
            peer_start,
            peers,
            rank,
            flat,
            flat_at,
            times,
            sizes,
            facts,
            ips,
            rcpt_start,
            rcpts,
            rcpt_ids,
            built_on: m.line_count(),
        }
    }

    /// The group labelled `label`, if there is one (a scan: once per refresh).
    pub fn group_of_label(&self, label: &str) -> Option<u32> {
        let n = self.flat_at.len().saturating_sub(1);
        (0..n as u32).find(|&g| self.label(g) == label)
    }

    pub fn by(&self) -> AggKey {
        self.grouping.by
    }

    pub fn label(&self, gid: u32) -> &str {
        let i = gid as usize;
        match (self.flat_at.get(i), self.flat_at.get(i + 1)) {
            (Some(&a), Some(&b)) => self.flat.get(a as usize..b as usize).unwrap_or(""),
            _ => "",
        }
    }

    /// All messages of a group, in log order.
    pub fn messages(&self, gid: u32) -> &[u32] {
        let i = gid as usize;
        match (self.start.get(i), self.start.get(i + 1)) {
            (Some(&a), Some(&b)) => &self.msgs[a as usize..b as usize],
            _ => &[],
        }
    }

    /// Client events (indices into `Model::peer_events`) of a group, in log order.
    pub fn peers(&self, gid: u32) -> &[u32] {
        let i = gid as usize;
        match (self.peer_start.get(i), self.peer_start.get(i + 1)) {
            (Some(&a), Some(&b)) => &self.peers[a as usize..b as usize],
            _ => &[],
        }
    }

    /// Messages of a group that pass the filter, in log order (as `query::messages_of`).
    pub fn messages_of(&self, m: &Model, gid: u32, f: &Filter) -> Vec<u32> {
        self.messages(gid)
            .iter()
            .copied()
            .filter(|&i| message_passes(m, f, i))
            .collect()
    }
}

/// One aggregate row, without strings (the label is `GroupIndex::label(group)`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Agg {
    pub group: u32,
    /// As `SenderRow::messages` (what its pane lists) and `arrivals` (`bytes`, `dkim`).
    pub messages: u64,
    pub arrivals: u64,
    pub bytes: u64,
    pub dkim: DkimTally,
    pub rejections: u64,
    /// Failed logins and protocol errors of the group's clients, beside `rejections`
    /// (`SenderRow::auth_failures`, `protocol_errors`).
    pub auth_failures: u64,
    pub protocol_errors: u64,
    /// Of `messages`, those with at least one failing / invalid signature
    /// (`SenderRow::messages_sig_fail`, `messages_sig_invalid`).
    pub messages_sig_fail: u64,
    pub messages_sig_invalid: u64,
    /// Of `messages`, those with a failing or an invalid signature (or both): the
    /// sender list's `sigf` column.
    pub messages_sig_bad: u64,
    /// `dkim-domain` only: the domain's own signatures (`query::signature_tallies`);
    /// boxed, as under other keys there can be a million rows without one.
    pub signatures: Option<Box<SigTally>>,
    /// Distinct recipients and client addresses (`SenderRow::recipients`, `clients`).
    pub recipients: u64,
    pub clients: u64,
    pub first: Option<i64>,
    pub last: Option<i64>,
    /// Messages of the last 5 minutes and hour before the log's newest time
    /// (`SenderRow::recent_5m`, `recent_1h`).
    pub recent_5m: u64,
    pub recent_1h: u64,
    v4: bool,
    v6: bool,
    unknown: bool,
}

impl Agg {
    /// As `SenderRow::family`.
    pub fn family(&self) -> &'static str {
        match (self.v4, self.v6, self.unknown) {
            (true, false, false) => "ipv4",
            (false, true, false) => "ipv6",
            (false, false, _) => "unknown",
            _ => "mixed",
        }
    }
}

/// The rows `query::group(m, g, f, true)` returns, in group order.
pub fn aggregate(m: &Model, ix: &GroupIndex, f: &Filter) -> Vec<Agg> {
    let g = &*ix.grouping;
    let n = g.labels.len();
    // Client events without a message: few, so one random-access pass first.
    let mut peers: FxHashMap<u32, Tally> = FxHashMap::default();
    // (group, address) of the counted events, sorted: walked beside the groups.
    let mut peer_ips: Vec<u64> = Vec::new();
    if f.dkim.is_none() {
        for (pi, p) in m.peer_events.iter().enumerate() {
            let gid = ix.peer_group.get(pi).copied().unwrap_or(NONE);
            let kind = m.peer_kind(p);
            if gid == NONE
                || !kind.is_rejection()
                    && kind != LineKind::AuthFailure
                    && kind != LineKind::Session
            {
                continue;
            }
            let fam = Family::of(m.ip(p.ip));
            if f.family.is_some_and(|x| x != fam)
                || f.time.is_some_and(|(a, b)| p.time < a || p.time > b)
            {
                continue;
            }
            if let Some(x) = &f.matches
                && !x.lines.contains(p.line)
            {
                continue;
            }
            // Session lines count only as protocol errors (as `query::group`).
            if kind == LineKind::Session && ix.protocol_errors.binary_search(&(pi as u32)).is_err()
            {
                continue;
            }
            let t = peers.entry(gid).or_default();
            match kind {
                LineKind::AuthFailure => t.auth_failures += 1,
                LineKind::Session => t.protocol_errors += 1,
                _ => t.rejections += 1,
            }
            let bits = match fam {
                Family::Ipv4 => F_V4,
                Family::Ipv6 => F_V6,
                Family::Unknown => F_UNKNOWN,
            };
            t.seen(p.time, bits);
            if p.ip != NONE {
                peer_ips.push((gid as u64) << 32 | p.ip as u64);
            }
        }
    }
    peer_ips.sort_unstable();
    let mut peer_ips = peer_ips.into_iter().peekable();
    // Distinct counts without sorting: the group that last counted each address or
    // recipient (group ids only grow, so a mark from another group is stale).
    let mut ip_mark = vec![NONE; m.ips.len()];
    let mut rcpt_mark = vec![NONE; ix.rcpt_ids as usize];
    // `dkim-domain` only (empty otherwise): one pass over the signatures.
    let sigs = if g.by == AggKey::DkimDomain {
        query::signature_tallies(m, g, f)
    } else {
        Vec::new()
    };
    // The checks of `message_passes`, from the facts stored here.
    let passes = |k: usize, bits: u16, arrived: bool| {
        let time = ix.times[k];
        !(f.family.is_some_and(|x| x != family_of_facts(bits))
            || f.dkim.is_some_and(|d| !arrived || dkim_of_facts(bits) != d)
            || f.time.is_some_and(|(lo, hi)| time < lo || time > hi)
            || f.matches
                .as_ref()
                .is_some_and(|x| !x.messages.contains(ix.msgs[k])))
    };
    let newest = m.last_time.unwrap_or(i64::MIN);
    let (since_5m, since_1h) = (
        newest.saturating_sub(5 * 60_000),
        newest.saturating_sub(3_600_000),
    );
    let mut out = Vec::new();
    for gid in 0..n {
        let (a, b) = (ix.start[gid] as usize, ix.start[gid + 1] as usize);
        let mut t = Tally::default();
        let (mut recipients, mut clients) = (0u64, 0u64);
        let mut mark_rcpts = |k: usize| {
            let (ra, rb) = (ix.rcpt_start[k] as usize, ix.rcpt_start[k + 1] as usize);
            for &r in ix.rcpts.get(ra..rb).unwrap_or_default() {
                if let Some(mk) = rcpt_mark.get_mut(r as usize)
                    && *mk != gid as u32
                {
                    *mk = gid as u32;
                    recipients += 1;
                }
            }
        };
        for k in a..b {
            let bits = ix.facts[k];
            let arrived = bits & F_ARRIVED != 0;
            let time = ix.times[k];
            if !passes(k, bits, arrived) {
                continue;
            }
            mark_rcpts(k);
            if let Some(mk) = ix.ips.get(k).and_then(|&ip| ip_mark.get_mut(ip as usize))
                && *mk != gid as u32
            {
                *mk = gid as u32;
                clients += 1;
            }
            t.messages += 1;
            t.recent_5m += u32::from(time >= since_5m);
            t.recent_1h += u32::from(time >= since_1h);
            if arrived {
                t.arrivals += 1;
                t.bytes += ix.sizes[k] as u64;
                t.dkim[((bits >> F_DKIM_SHIFT) & 3) as usize] += 1;
                t.sig_fail += u32::from(bits & F_SIG_FAIL != 0);
                t.sig_invalid += u32::from(bits & F_SIG_INVALID != 0);
                t.sig_bad += u32::from(bits & (F_SIG_FAIL | F_SIG_INVALID) != 0);
            } else if bits & F_REJECTED != 0 {
                t.rejections += 1;
            } else {
                t.seen(time, 0); // no arrival in these files: no client, no family
                continue;
            }
            t.seen(time, bits);
        }
        if let Some(p) = peers.get(&(gid as u32)) {
            t.merge(p);
        }
        while let Some(&pair) = peer_ips.peek() {
            if (pair >> 32) as usize > gid {
                break;
            }
            peer_ips.next();
            if (pair >> 32) as usize == gid
                && let Some(mk) = ip_mark.get_mut(pair as u32 as usize)
                && *mk != gid as u32
            {
                *mk = gid as u32;
                clients += 1;
            }
        }
        let sig = sigs.get(gid);
        // A domain can sign only messages that did not arrive here (as `query::group`).
        if t.messages == 0
            && t.rejections == 0
            && t.auth_failures == 0
            && t.protocol_errors == 0
            && sig.is_none_or(|s| s.total() == 0)
        {
            continue;
        }
        let seen = t.bits & SEEN != 0;
        out.push(Agg {
            group: gid as u32,
            messages: t.messages as u64,
            arrivals: t.arrivals as u64,
            bytes: t.bytes,
            dkim: DkimTally {
                pass: t.dkim[0] as u64,
                fail: t.dkim[1] as u64,
                invalid: t.dkim[2] as u64,
                none: t.dkim[3] as u64,
            },
            rejections: t.rejections as u64,
            auth_failures: t.auth_failures as u64,
            protocol_errors: t.protocol_errors as u64,
            messages_sig_fail: t.sig_fail as u64,
            messages_sig_invalid: t.sig_invalid as u64,
            messages_sig_bad: t.sig_bad as u64,
            signatures: sig.map(|s| Box::new(*s)),
            recipients,
            // Under `dkim-domain`, the signatures' own count (as `query::group`).
            clients: sig.map_or(clients, |s| s.clients),
            first: seen.then_some(t.first),
            last: seen.then_some(t.last),
            recent_5m: t.recent_5m as u64,
            recent_1h: t.recent_1h as u64,
            v4: t.bits & F_V4 != 0,
            v6: t.bits & F_V6 != 0,
            unknown: t.bits & F_UNKNOWN != 0,
        });
    }
    out
}

/// The order of `query::sort_rows`, with the label compared by its rank. Keys
/// are computed once per row so the comparisons touch no other memory.
pub fn sort_aggs(rows: &mut [Agg], by: SortKey, ix: &GroupIndex) {
    #[allow(clippy::type_complexity)]
    let mut keyed: Vec<(u64, u64, u64, u64, u64, u32, u32)> = rows
        .iter()
        .enumerate()
        .map(|(i, a)| {
            let sig = a.signatures.as_deref();
            // Larger first: store complements so an ascending sort does it.
            let primary = match by {
                SortKey::Messages => a.messages,
                SortKey::Bytes => a.bytes,
                // `None` sorts after every time, as it does for `Option`.
                SortKey::Last => a
                    .last
                    .map_or(0, |t| (t as u64 ^ (1 << 63)).saturating_add(1)),
                // A signing domain by its own signatures (`query::dkim_fail_key`).
                SortKey::DkimFail => sig.map_or(a.dkim.fail + a.dkim.invalid, |s| s.fail),
                SortKey::Rejections => a.rejections,
                SortKey::Recent => a.recent_5m,
            };
            // Rejections tie-break on failed logins, then protocol errors (as the CLI).
            let (second, third) = match by {
                SortKey::Rejections => (a.auth_failures, a.protocol_errors),
                SortKey::DkimFail => (sig.map_or(0, |s| s.invalid), 0),
                SortKey::Recent => (a.recent_1h, 0),
                _ => (0, 0),
            };
            let rank = ix.rank.get(a.group as usize).copied().unwrap_or(u32::MAX);
            (
                !primary,
                !second,
                !third,
                !a.messages,
                !a.rejections,
                rank,
                i as u32,
            )
        })
        .collect();
    keyed.sort_unstable();
    let sorted: Vec<Agg> = keyed.iter().map(|k| rows[k.6 as usize].clone()).collect();
    for (r, s) in rows.iter_mut().zip(sorted) {
        *r = s;
    }
}
