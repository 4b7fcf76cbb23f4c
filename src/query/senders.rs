//! Sender aggregates: group messages (and client events without a message) by a
//! key — address, network, host, envelope sender, sender domain, DKIM domain.
//!
//! Grouping is split in two so filters stay fast on millions of messages: `Keys`
//! maps every message to its group once per key kind; `group` is then one linear
//! pass over messages with the filter applied.

use std::net::IpAddr;

use ipnet::IpNet;
use rustc_hash::FxHashMap;

use super::key::{EMPTY_VALUE, NO_VALUE, key_text};
use crate::model::{Model, NONE, flags};
use crate::parse::{DkimStatus, Family, time};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum AggKey {
    Ip,
    Net,
    Host,
    Sender,
    Domain,
    DkimDomain,
}

impl AggKey {
    pub const ALL: [AggKey; 6] = [
        AggKey::Ip,
        AggKey::Net,
        AggKey::Host,
        AggKey::Sender,
        AggKey::Domain,
        AggKey::DkimDomain,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AggKey::Ip => "ip",
            AggKey::Net => "net",
            AggKey::Host => "host",
            AggKey::Sender => "sender",
            AggKey::Domain => "domain",
            AggKey::DkimDomain => "dkim-domain",
        }
    }

    pub fn next(self) -> AggKey {
        let i = AggKey::ALL.iter().position(|k| *k == self).unwrap_or(0);
        AggKey::ALL[(i + 1) % AggKey::ALL.len()]
    }

    pub fn prev(self) -> AggKey {
        let i = AggKey::ALL.iter().position(|k| *k == self).unwrap_or(0);
        AggKey::ALL[(i + AggKey::ALL.len() - 1) % AggKey::ALL.len()]
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SortKey {
    Messages,
    Bytes,
    Last,
    DkimFail,
}

impl SortKey {
    pub const ALL: [SortKey; 4] = [
        SortKey::Messages,
        SortKey::Bytes,
        SortKey::Last,
        SortKey::DkimFail,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SortKey::Messages => "messages",
            SortKey::Bytes => "bytes",
            SortKey::Last => "last",
            SortKey::DkimFail => "dkim-fail",
        }
    }

    pub fn next(self) -> SortKey {
        let i = SortKey::ALL.iter().position(|k| *k == self).unwrap_or(0);
        SortKey::ALL[(i + 1) % SortKey::ALL.len()]
    }

    pub fn prev(self) -> SortKey {
        let i = SortKey::ALL.iter().position(|k| *k == self).unwrap_or(0);
        SortKey::ALL[(i + SortKey::ALL.len() - 1) % SortKey::ALL.len()]
    }
}

/// Prefix lengths for the `net` key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NetPrefix {
    pub v4: u8,
    pub v6: u8,
}

impl Default for NetPrefix {
    fn default() -> Self {
        NetPrefix { v4: 24, v6: 64 }
    }
}

pub fn network(ip: IpAddr, p: NetPrefix) -> IpNet {
    let len = if ip.is_ipv4() {
        p.v4.min(32)
    } else {
        p.v6.min(128)
    };
    // The prefix is clamped to the family's width, so construction cannot fail.
    IpNet::new(ip, len)
        .map(|n| n.trunc())
        .unwrap_or_else(|_| IpNet::from(ip))
}

/// What to keep. `None` everywhere keeps everything.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub family: Option<Family>,
    pub dkim: Option<DkimStatus>,
    /// Inclusive range, milliseconds of the log's wall clock.
    pub time: Option<(i64, i64)>,
    /// Messages and lines that matched a regex (see `grep`); `None` = no regex.
    pub matches: Option<std::sync::Arc<super::LineMatches>>,
}

impl Filter {
    fn time_ok(&self, t: i64) -> bool {
        self.time.is_none_or(|(a, b)| t >= a && t <= b)
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct DkimTally {
    pub pass: u64,
    pub fail: u64,
    pub invalid: u64,
    pub none: u64,
}

/// One aggregate row.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SenderRow {
    /// The group's text (see `query::key`): `(none)` only for the no-value group.
    pub key: String,
    /// `ipv4`, `ipv6`, `mixed` (a sender seen over both) or `unknown`.
    pub family: &'static str,
    pub messages: u64,
    pub bytes: u64,
    pub dkim: DkimTally,
    pub rejections: u64,
    pub recipients: u64,
    #[serde(serialize_with = "ser_time")]
    pub first: Option<i64>,
    #[serde(serialize_with = "ser_time")]
    pub last: Option<i64>,
    /// Group index inside its `Grouping` (to list the messages).
    #[serde(skip)]
    pub group: u32,
}

fn ser_time<S: serde::Serializer>(t: &Option<i64>, s: S) -> Result<S::Ok, S::Error> {
    match t {
        Some(t) => s.serialize_str(&time::format_iso(*t)),
        None => s.serialize_none(),
    }
}

/// Every message and client event mapped to a group, for one key kind.
pub struct Grouping {
    pub by: AggKey,
    /// Text of each group, unique: exact escaped bytes (`query::key`), or the
    /// `(none)` / `<>` label of the groups `no_value` / `empty_value` name.
    pub labels: Vec<String>,
    /// Groups of message `i` are `msg_groups[msg_start[i]..msg_start[i+1]]`
    /// (several only for `dkim-domain`).
    msg_start: Vec<u32>,
    msg_groups: Vec<u32>,
    peer_group: Vec<u32>,
    none_id: u32,
    empty_id: Option<u32>,
}

struct Labeler {
    labels: Vec<String>,
    index: FxHashMap<String, u32>,
    empty_id: Option<u32>,
}

impl Labeler {
    /// The group of a value's bytes; the empty value is its own group.
    fn value(&mut self, b: &[u8]) -> u32 {
        if b.is_empty() {
            let next = self.labels.len() as u32;
            let id = *self.empty_id.get_or_insert(next);
            if id == next {
                self.labels.push(EMPTY_VALUE.to_string());
            }
            return id;
        }
        self.id(key_text(b))
    }

    fn id(&mut self, label: String) -> u32 {
        if let Some(&i) = self.index.get(&label) {
            return i;
        }
        let i = self.labels.len() as u32;
        self.labels.push(label.clone());
        self.index.insert(label, i);
        i
    }
}

/// Lossy text, for matching log text against typed text (blocklist domains).
/// Never a group key: it maps every invalid byte to U+FFFD, so `a\xff@x` and
/// `a\xfe@x` would merge (group keys use `query::key::key_text`).
pub fn lossy(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// The domain of an address, ASCII-lowercased: only `A`-`Z` change, so two
/// different byte strings stay different unless they differ in ASCII case.
pub fn domain_of(addr: &[u8]) -> Option<Vec<u8>> {
    let at = memchr::memrchr(b'@', addr)?;
    Some(addr[at + 1..].to_ascii_lowercase())
}

impl Grouping {
    pub fn new(m: &Model, by: AggKey, prefix: NetPrefix) -> Grouping {
        // The no-value group is a group of its own, never looked up by text:
        // no value's text can equal its label (`key_text` escapes that one).
        let mut lab = Labeler {
            labels: vec![NO_VALUE.to_string()],
            index: FxHashMap::default(),
            empty_id: None,
        };
        let none_id = 0;
        // Per-string and per-address caches (indexed by the model's dense ids) so
        // each distinct value is labelled once.
        let mut str_cache: Vec<u32> = vec![NONE; m.strings.len()];
        let mut ip_cache: Vec<u32> = vec![NONE; m.ips.len()];
        let mut key_of_ip = |lab: &mut Labeler, ip: u32| -> u32 {
            let Some(slot) = ip_cache.get_mut(ip as usize) else {
                return none_id;
            };
            if *slot == NONE {
                let label = match (by, m.ip(ip)) {
                    (AggKey::Net, Some(a)) => network(a, prefix).to_string(),
                    (_, Some(a)) => a.to_string(),
                    _ => {
                        *slot = none_id;
                        return none_id;
                    }
                };
                *slot = lab.id(label);
            }
            *slot
        };
        let mut key_of_str = |lab: &mut Labeler, s: u32, domain: bool| -> u32 {
            let Some(slot) = str_cache.get_mut(s as usize) else {
                return none_id;
            };
            if *slot == NONE {
                let b = m.str(s);
                *slot = if b.is_empty() {
                    lab.value(b)
                } else if by == AggKey::DkimDomain {
                    // Domains compare without case; `d=` is logged as the signer wrote it.
                    lab.value(&b.to_ascii_lowercase())
                } else if domain {
                    match domain_of(b) {
                        // `a@`: an empty domain, not the null sender.
                        Some(d) => lab.id(key_text(&d)),
                        None => none_id,
                    }
                } else {
                    lab.value(b)
                };
            }
            *slot
        };
        let mut msg_start = Vec::with_capacity(m.messages.len() + 1);
        let mut msg_groups = Vec::with_capacity(m.messages.len());
        msg_start.push(0);
        for (i, msg) in m.messages.iter().enumerate() {
            match by {
                AggKey::Ip | AggKey::Net => msg_groups.push(key_of_ip(&mut lab, msg.ip)),
                AggKey::Host => {
                    msg_groups.push(key_of_str(&mut lab, msg.host, false));
                }
                AggKey::Sender => msg_groups.push(key_of_str(&mut lab, msg.sender, false)),
                AggKey::Domain => msg_groups.push(key_of_str(&mut lab, msg.sender, true)),
                AggKey::DkimDomain => {
                    let before = msg_groups.len();
                    for g in dkim_groups(m, i as u32) {
                        // `d=` is a bare domain: `domain_of` would look for an `@` and find none.
                        let id = key_of_str(&mut lab, g, false);
                        if !msg_groups[before..].contains(&id) {
                            msg_groups.push(id);
                        }
                    }
                    if msg_groups.len() == before {
                        msg_groups.push(none_id);
                    }
                }
            }
            msg_start.push(msg_groups.len() as u32);
        }
        let mut peer_group = Vec::with_capacity(m.peer_events.len());
        for p in &m.peer_events {
            let g = match by {
                AggKey::Ip | AggKey::Net => key_of_ip(&mut lab, p.ip),
                AggKey::Host => key_of_str(&mut lab, p.host, false),
                AggKey::Sender => key_of_str(&mut lab, p.sender, false),
                AggKey::Domain => key_of_str(&mut lab, p.sender, true),
                AggKey::DkimDomain => NONE,
            };
            peer_group.push(g);
        }
        Grouping {
            by,
            labels: lab.labels,
            msg_start,
            msg_groups,
            peer_group,
            none_id,
            empty_id: lab.empty_id,
        }
    }

    /// Whether group `gid` holds the messages without a value (`(none)`).
    pub fn is_no_value(&self, gid: u32) -> bool {
        gid == self.none_id
    }

    /// Whether group `gid` is the empty value (`<>`: the null sender).
    pub fn is_empty_value(&self, gid: u32) -> bool {
        self.empty_id == Some(gid)
    }

    /// Group of each `Model::peer_events` entry (`NONE` when it has none).
    pub fn peer_groups(&self) -> &[u32] {
        &self.peer_group
    }

    pub fn groups_of(&self, msg: u32) -> &[u32] {
        let i = msg as usize;
        match (self.msg_start.get(i), self.msg_start.get(i + 1)) {
            (Some(&a), Some(&b)) => &self.msg_groups[a as usize..b as usize],
            _ => &[],
        }
    }

    pub fn find(&self, label: &str) -> Option<u32> {
        self.labels
            .iter()
            .position(|l| l == label)
            .map(|i| i as u32)
    }
}

/// Domains (`d=`, interned) of a message's signatures. Signatures of one message
/// sit close together (written during reception), so this scans the lines.
fn dkim_groups(m: &Model, msg: u32) -> Vec<u32> {
    let mut out = Vec::new();
    let Some(message) = m.messages.get(msg as usize) else {
        return out;
    };
    if message.dkim == DkimStatus::None {
        return out;
    }
    // Signatures are pushed in line order, so each of the message's DKIM and
    // arrival lines finds its signatures by binary search.
    for line in m.message_lines(msg) {
        let k = m.line_kind[line as usize];
        if k == crate::parse::LineKind::DkimSignature || k == crate::parse::LineKind::Arrival {
            let i = m.signatures.partition_point(|s| s.line < line);
            let mut j = i;
            while let Some(s) = m.signatures.get(j) {
                if s.line != line {
                    break;
                }
                if s.domain != NONE {
                    out.push(s.domain);
                }
                j += 1;
            }
        }
    }
    out
}

/// Whether message `i` passes the filter: the one test every view applies.
pub fn message_passes(m: &Model, f: &Filter, i: u32) -> bool {
    let Some(msg) = m.messages.get(i as usize) else {
        return false;
    };
    if f.family.is_some_and(|fam| m.family(msg) != fam) {
        return false;
    }
    if f.dkim
        .is_some_and(|d| msg.dkim != d || !msg.has(flags::ARRIVED))
    {
        return false;
    }
    if !f.time_ok(msg.time) {
        return false;
    }
    f.matches.as_ref().is_none_or(|x| x.messages.contains(i))
}

#[derive(Default, Clone)]
struct Acc {
    messages: u64,
    bytes: u64,
    dkim: DkimTally,
    rejections: u64,
    first: Option<i64>,
    last: Option<i64>,
    v4: bool,
    v6: bool,
    other: bool,
    recipients: u64,
}

impl Acc {
    fn seen(&mut self, t: i64) {
        self.first = Some(self.first.map_or(t, |f| f.min(t)));
        self.last = Some(self.last.map_or(t, |l| l.max(t)));
    }

    fn fam(&mut self, f: Family) {
        match f {
            Family::Ipv4 => self.v4 = true,
            Family::Ipv6 => self.v6 = true,
            Family::Unknown => self.other = true,
        }
    }
}

/// Aggregates the filtered model into rows (unsorted). `recipients` can be
/// skipped when the caller does not show distinct recipients (it costs a sort).
pub fn group(m: &Model, g: &Grouping, f: &Filter, recipients: bool) -> Vec<SenderRow> {
    let mut acc: Vec<Acc> = vec![Acc::default(); g.labels.len()];
    let mut keep = vec![false; if recipients { m.messages.len() } else { 0 }];
    for i in 0..m.messages.len() {
        if !message_passes(m, f, i as u32) {
            continue;
        }
        if let Some(k) = keep.get_mut(i) {
            *k = true;
        }
        let msg = &m.messages[i];
        let fam = m.family(msg);
        for &gid in g.groups_of(i as u32) {
            let a = &mut acc[gid as usize];
            if msg.has(flags::ARRIVED) {
                a.messages += 1;
                a.bytes += msg.size as u64;
                match msg.dkim {
                    DkimStatus::Pass => a.dkim.pass += 1,
                    DkimStatus::Fail => a.dkim.fail += 1,
                    DkimStatus::Invalid => a.dkim.invalid += 1,
                    DkimStatus::None => a.dkim.none += 1,
                }
            } else if msg.has(flags::REJECTED) {
                a.rejections += 1;
            } else {
                // Lines of a message whose arrival is not in these files: nothing
                // to count for a sender.
                continue;
            }
            a.fam(fam);
            a.seen(msg.time);
        }
    }
    if f.dkim.is_none() {
        for (pi, p) in m.peer_events.iter().enumerate() {
            let gid = g.peer_group[pi];
            if gid == NONE
                || !m.peer_kind(p).is_rejection()
                    && m.peer_kind(p) != crate::parse::LineKind::AuthFailure
            {
                continue;
            }
            let fam = Family::of(m.ip(p.ip));
            if f.family.is_some_and(|x| x != fam) || !f.time_ok(p.time) {
                continue;
            }
            if let Some(x) = &f.matches
                && !x.lines.contains(p.line)
            {
                continue;
            }
            let a = &mut acc[gid as usize];
            if m.peer_kind(p).is_rejection() {
                a.rejections += 1;
            }
            a.fam(fam);
            a.seen(p.time);
        }
    }
    if recipients {
        let mut pairs: Vec<u64> = Vec::with_capacity(m.recipients.len());
        for r in &m.recipients {
            if keep.get(r.msg as usize).copied().unwrap_or(false) {
                for &gid in g.groups_of(r.msg) {
                    pairs.push(((gid as u64) << 32) | r.addr as u64);
                }
            }
        }
        pairs.sort_unstable();
        pairs.dedup();
        let mut counts = vec![0u64; acc.len()];
        for p in pairs {
            counts[(p >> 32) as usize] += 1;
        }
        for (a, c) in acc.iter_mut().zip(counts) {
            a.recipients = c;
        }
    }
    acc.into_iter()
        .enumerate()
        .filter(|(_, a)| a.messages > 0 || a.rejections > 0)
        .map(|(i, a)| SenderRow {
            key: g.labels[i].clone(),
            family: match (a.v4, a.v6, a.other) {
                (true, false, false) => "ipv4",
                (false, true, false) => "ipv6",
                (false, false, _) => "unknown",
                _ => "mixed",
            },
            messages: a.messages,
            bytes: a.bytes,
            dkim: a.dkim,
            rejections: a.rejections,
            recipients: a.recipients,
            first: a.first,
            last: a.last,
            group: i as u32,
        })
        .collect()
}

pub fn sort_rows(rows: &mut [SenderRow], by: SortKey) {
    rows.sort_by(|a, b| {
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
            .then_with(|| a.key.cmp(&b.key))
    });
}

/// Messages of one group that pass the filter, in log order.
pub fn messages_of(m: &Model, g: &Grouping, group: u32, f: &Filter) -> Vec<u32> {
    (0..m.messages.len())
        .filter(|&i| g.groups_of(i as u32).contains(&group) && message_passes(m, f, i as u32))
        .map(|i| i as u32)
        .collect()
}
