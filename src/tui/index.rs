//! Per-grouping indexes that make every keystroke cheap on millions of messages:
//! the messages of each group, the group of each client event, label order; and
//! the aggregate rows computed from them.
//!
//! Numbers must equal `query::group` and `query::sort_rows` (a test checks it);
//! this is only a faster route for interactive use, built once per key.

use std::sync::Arc;

use rustc_hash::FxHashMap;

use super::data::message_passes;
use crate::model::{Model, NONE, flags};
use crate::parse::{DkimStatus, Family, LineKind};
use crate::query::senders::{domain_of, lossy, network};
use crate::query::{AggKey, DkimTally, Filter, Grouping, NetPrefix, SortKey};

/// A grouping plus what is derived from it once.
pub struct GroupIndex {
    pub grouping: Arc<Grouping>,
    /// Messages of group `g` are `msgs[start[g]..start[g+1]]`, in log order.
    start: Vec<u32>,
    msgs: Vec<u32>,
    /// Group of each `Model::peer_events` entry (`NONE` when it has none).
    peer_group: Vec<u32>,
    /// Position of each group's label in byte order (the CLI's tie-break).
    rank: Vec<u32>,
    /// Every label in one buffer: a fuzzy keystroke reads 100 k labels in sort
    /// order, and scattered heap strings made that mostly cache misses.
    flat: String,
    flat_at: Vec<u32>,
}

const NO_KEY: &str = "(none)";

impl GroupIndex {
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
        let mut msgs = vec![0u32; start[n] as usize];
        for i in 0..m.messages.len() as u32 {
            for &gid in g.groups_of(i) {
                if let Some(at) = fill.get_mut(gid as usize) {
                    msgs[*at as usize] = i;
                    *at += 1;
                }
            }
        }
        let mut order: Vec<u32> = (0..n as u32).collect();
        order.sort_unstable_by(|&a, &b| g.labels[a as usize].cmp(&g.labels[b as usize]));
        let mut rank = vec![0u32; n];
        for (r, &gid) in order.iter().enumerate() {
            rank[gid as usize] = r as u32;
        }
        let peer_group = peer_groups(m, g, prefix);
        let mut flat = String::with_capacity(g.labels.iter().map(String::len).sum());
        let mut flat_at = Vec::with_capacity(n + 1);
        for l in &g.labels {
            flat_at.push(flat.len() as u32);
            flat.push_str(l);
        }
        flat_at.push(flat.len() as u32);
        GroupIndex {
            grouping,
            start,
            msgs,
            peer_group,
            rank,
            flat,
            flat_at,
        }
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

    /// Messages of a group that pass the filter, in log order (as `query::messages_of`).
    pub fn messages_of(&self, m: &Model, gid: u32, f: &Filter) -> Vec<u32> {
        self.messages(gid)
            .iter()
            .copied()
            .filter(|&i| message_passes(m, f, i))
            .collect()
    }
}

/// The group `Grouping::new` gives each client event, found again from its label
/// (the grouping keeps that mapping private).
fn peer_groups(m: &Model, g: &Grouping, prefix: NetPrefix) -> Vec<u32> {
    if g.by == AggKey::DkimDomain {
        return vec![NONE; m.peer_events.len()];
    }
    let by_label: FxHashMap<&str, u32> = g
        .labels
        .iter()
        .enumerate()
        .map(|(i, l)| (l.as_str(), i as u32))
        .collect();
    let find = |label: &str| by_label.get(label).copied().unwrap_or(NONE);
    let mut cache: FxHashMap<u32, u32> = FxHashMap::default();
    let mut out = Vec::with_capacity(m.peer_events.len());
    for p in &m.peer_events {
        let (id, is_ip) = match g.by {
            AggKey::Ip | AggKey::Net => (p.ip, true),
            AggKey::Host => (p.host, false),
            AggKey::Sender | AggKey::Domain => (p.sender, false),
            AggKey::DkimDomain => (NONE, false),
        };
        if id == NONE {
            out.push(find(NO_KEY));
            continue;
        }
        let gid = *cache.entry(id).or_insert_with(|| {
            let label = if is_ip {
                match m.ip(id) {
                    Some(a) if g.by == AggKey::Net => network(a, prefix).to_string(),
                    Some(a) => a.to_string(),
                    None => NO_KEY.to_string(),
                }
            } else {
                let b = m.str(id);
                if b.is_empty() {
                    "<>".to_string()
                } else if g.by == AggKey::Domain {
                    domain_of(b).map_or_else(|| NO_KEY.to_string(), |d| lossy(&d))
                } else {
                    lossy(b)
                }
            };
            find(&label)
        });
        out.push(gid);
    }
    out
}

/// One aggregate row, without strings (the label is `GroupIndex::label(group)`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Agg {
    pub group: u32,
    pub messages: u64,
    pub bytes: u64,
    pub dkim: DkimTally,
    pub rejections: u64,
    pub first: Option<i64>,
    pub last: Option<i64>,
    v4: bool,
    v6: bool,
}

impl Agg {
    fn empty(group: u32) -> Agg {
        Agg {
            group,
            messages: 0,
            bytes: 0,
            dkim: DkimTally::default(),
            rejections: 0,
            first: None,
            last: None,
            v4: false,
            v6: false,
        }
    }

    /// As `SenderRow::family`.
    pub fn family(&self) -> &'static str {
        match (self.v4, self.v6) {
            (true, true) => "mixed",
            (true, false) => "ipv4",
            (false, true) => "ipv6",
            (false, false) => "unknown",
        }
    }

    fn seen(&mut self, t: i64, fam: Family) {
        self.first = Some(self.first.map_or(t, |f| f.min(t)));
        self.last = Some(self.last.map_or(t, |l| l.max(t)));
        match fam {
            Family::Ipv4 => self.v4 = true,
            Family::Ipv6 => self.v6 = true,
            Family::Unknown => {}
        }
    }
}

/// The rows `query::group(m, g, f, false)` returns, in group order.
pub fn aggregate(m: &Model, ix: &GroupIndex, f: &Filter) -> Vec<Agg> {
    let g = &*ix.grouping;
    let mut acc: Vec<Agg> = (0..g.labels.len() as u32).map(Agg::empty).collect();
    for i in 0..m.messages.len() as u32 {
        if !message_passes(m, f, i) {
            continue;
        }
        let msg = &m.messages[i as usize];
        let arrived = msg.has(flags::ARRIVED);
        if !arrived && !msg.has(flags::REJECTED) {
            continue;
        }
        let fam = m.family(msg);
        for &gid in g.groups_of(i) {
            let Some(a) = acc.get_mut(gid as usize) else {
                continue;
            };
            if arrived {
                a.messages += 1;
                a.bytes += msg.size;
                match msg.dkim {
                    DkimStatus::Pass => a.dkim.pass += 1,
                    DkimStatus::Fail => a.dkim.fail += 1,
                    DkimStatus::Invalid => a.dkim.invalid += 1,
                    DkimStatus::None => a.dkim.none += 1,
                }
            } else {
                a.rejections += 1;
            }
            a.seen(msg.time, fam);
        }
    }
    if f.dkim.is_none() {
        for (pi, p) in m.peer_events.iter().enumerate() {
            let gid = ix.peer_group.get(pi).copied().unwrap_or(NONE);
            if gid == NONE || !p.kind.is_rejection() && p.kind != LineKind::AuthFailure {
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
            let Some(a) = acc.get_mut(gid as usize) else {
                continue;
            };
            if p.kind.is_rejection() {
                a.rejections += 1;
            }
            a.seen(p.time, fam);
        }
    }
    acc.retain(|a| a.messages > 0 || a.rejections > 0);
    acc
}

/// The order of `query::sort_rows`, with the label compared by its rank.
pub fn sort_aggs(rows: &mut [Agg], by: SortKey, ix: &GroupIndex) {
    let rank = |a: &Agg| ix.rank.get(a.group as usize).copied().unwrap_or(u32::MAX);
    rows.sort_unstable_by(|a, b| {
        let primary = match by {
            SortKey::Messages => b.messages.cmp(&a.messages),
            SortKey::Bytes => b.bytes.cmp(&a.bytes),
            SortKey::Last => b.last.cmp(&a.last),
            SortKey::DkimFail => {
                (b.dkim.fail + b.dkim.invalid).cmp(&(a.dkim.fail + a.dkim.invalid))
            }
        };
        primary
            .then(b.messages.cmp(&a.messages))
            .then(b.rejections.cmp(&a.rejections))
            .then_with(|| rank(a).cmp(&rank(b)))
    });
}
