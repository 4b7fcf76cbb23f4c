//! Sender aggregates: group messages (and client events without a message) by a
//! key — address, network, host, envelope sender, sender domain, DKIM domain,
//! recipient, authenticated login.
//!
//! Grouping is split in two so filters stay fast on millions of messages: `Keys`
//! maps every message to its group once per key kind; `group` is then one linear
//! pass over messages with the filter applied.

use std::net::IpAddr;

use ipnet::IpNet;
use rustc_hash::FxHashMap;

use super::key::{EMPTY_VALUE, NO_VALUE, key_text};
use super::parties::{self, EventParty, RecipientsByMessage};
use crate::model::{Model, NONE, flags};
use crate::parse::{DkimStatus, Family, LineKind, SigResult, time};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum AggKey {
    Ip,
    Net,
    Host,
    Sender,
    Domain,
    /// Also `dkim_domain`, the spelling of older versions.
    #[value(alias = "dkim_domain")]
    DkimDomain,
    /// Each distinct recipient of a message (ASCII case ignored), and the
    /// recipient a `RCPT` rejection names: who is being targeted.
    Recipient,
    /// The login that submitted a message (`A=…:id`, or a local submission's
    /// `U=`), and the `set_id=` a failed login tried; `(none)` for the rest.
    Auth,
}

impl AggKey {
    /// The TUI's `a` order. `dkim-domain` stays last so `A` from the first
    /// view still reaches it in one key, as it always has.
    pub const ALL: [AggKey; 8] = [
        AggKey::Ip,
        AggKey::Net,
        AggKey::Host,
        AggKey::Sender,
        AggKey::Domain,
        AggKey::Recipient,
        AggKey::Auth,
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
            AggKey::Recipient => "recipient",
            AggKey::Auth => "auth",
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
    /// Also `dkim_fail`, the spelling of older versions.
    #[value(alias = "dkim_fail")]
    DkimFail,
    /// Rejections (then failed logins): the clients an admin blocks first.
    Rejections,
    /// Messages of the last 5 minutes before the log's newest line, then of the
    /// last hour: who is sending now.
    Recent,
}

impl SortKey {
    pub const ALL: [SortKey; 6] = [
        SortKey::Messages,
        SortKey::Bytes,
        SortKey::Last,
        SortKey::DkimFail,
        SortKey::Rejections,
        SortKey::Recent,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SortKey::Messages => "messages",
            SortKey::Bytes => "bytes",
            SortKey::Last => "last",
            SortKey::DkimFail => "dkim-fail",
            SortKey::Rejections => "rejections",
            SortKey::Recent => "recent",
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
    /// Whether it keeps everything.
    pub fn is_empty(&self) -> bool {
        self.family.is_none()
            && self.dkim.is_none()
            && self.time.is_none()
            && self.matches.is_none()
    }

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

/// A signing domain's own signatures (the `dkim-domain` grouping), whatever
/// became of the messages that carried them. See [`signature_tallies`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct SigTally {
    /// Signatures by result (`DKIM:` lines, and `DKIM=` tags that stand for
    /// no `DKIM:` line of theirs).
    pub pass: u64,
    pub fail: u64,
    pub invalid: u64,
    /// `[not verified]` and other results Exim's verifier does not write.
    pub other: u64,
    /// Signatures aligned with their message's envelope sender (see [`aligned`]).
    pub aligned: u64,
    /// Distinct client addresses of the messages that carried them.
    pub clients: u64,
    /// Distinct networks of those addresses (`--v4-prefix`, `--v6-prefix`).
    pub networks: u64,
}

impl SigTally {
    pub fn total(&self) -> u64 {
        self.pass + self.fail + self.invalid + self.other
    }
}

/// One aggregate row.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SenderRow {
    /// The group's text (see `query::key`): `(none)` only for the no-value group.
    pub key: String,
    /// `ipv4`, `ipv6`, `mixed` (a sender seen over both) or `unknown`.
    pub family: &'static str,
    /// Message transactions of the group (every id that passes the filter:
    /// arrived, rejected after DATA, or only seen delivering): what its pane lists.
    pub messages: u64,
    /// Of `messages`, those that arrived (`<=`). `bytes` and `dkim` count these.
    pub arrivals: u64,
    pub bytes: u64,
    /// DKIM status of the arrivals (`pass + fail + invalid + none == arrivals`).
    pub dkim: DkimTally,
    /// Of `arrivals`, those that carried at least one failing signature
    /// (`verification failed`), whatever their status in `dkim`.
    pub messages_sig_fail: u64,
    /// Of `arrivals`, those that carried at least one invalid signature.
    pub messages_sig_invalid: u64,
    /// `dkim-domain` only: the domain's own signatures (boxed: under other keys
    /// there can be a million rows, and this is `None` in all of them).
    pub signatures: Option<Box<SigTally>>,
    pub rejections: u64,
    /// `authenticator failed` lines of the group's clients (not in `rejections`).
    pub auth_failures: u64,
    /// Protocol errors of the group's clients (`SMTP protocol synchronization
    /// error`, talking before the greeting, bad commands; not in `rejections`).
    pub protocol_errors: u64,
    /// The group's most common rejection reasons (see `query::rejections`),
    /// filled by [`fill_reasons`] for the rows shown; empty otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rejection_reasons: Option<Vec<super::rejections::ReasonCount>>,
    /// Distinct recipients of the group's messages (0 when not asked for).
    pub recipients: u64,
    /// Distinct client addresses of the group's messages and counted client
    /// events (0 when not asked for; 1 under `ip`). Under `dkim-domain`, the
    /// addresses of the messages that carried the domain's signatures
    /// (`SigTally::clients`).
    pub clients: u64,
    /// Of `messages`, those of the last 5 minutes and the last hour before the log's
    /// newest timestamp (not the wall clock: a log read after the fact still says
    /// what was happening at its end). What `senders --follow` watches.
    pub recent_5m: u64,
    pub recent_1h: u64,
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
    /// (several only for `dkim-domain` and `recipient`).
    msg_start: Vec<u32>,
    msg_groups: Vec<u32>,
    peer_group: Vec<u32>,
    /// `dkim-domain`: the group of each `Model::signatures` entry (its `d=`, or
    /// the no-value group for a signature without one). Empty for other keys.
    sig_group: Vec<u32>,
    none_id: u32,
    empty_id: Option<u32>,
    pub prefix: NetPrefix,
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

    /// A group for a label no other group has (the caller knows it is new).
    fn fresh(&mut self, label: String) -> u32 {
        self.labels.push(label);
        (self.labels.len() - 1) as u32
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
        // A network's text is a function of the network: look the network up,
        // not its text.
        let mut net_ids: FxHashMap<IpNet, u32> = FxHashMap::default();
        let mut key_of_ip = |lab: &mut Labeler, ip: u32| -> u32 {
            let Some(slot) = ip_cache.get_mut(ip as usize) else {
                return none_id;
            };
            if *slot == NONE {
                *slot = match (by, m.ip(ip)) {
                    (AggKey::Net, Some(a)) => {
                        let n = network(a, prefix);
                        *net_ids.entry(n).or_insert_with(|| lab.fresh(n.to_string()))
                    }
                    // The model holds each address once, and no two addresses
                    // read the same: a new address is a new group.
                    (_, Some(a)) => lab.fresh(a.to_string()),
                    _ => none_id,
                };
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
                } else if by == AggKey::DkimDomain || by == AggKey::Recipient {
                    // Domains compare without case; `d=` is logged as the signer wrote it.
                    // Recipients too: mail for `Ceo@` and `ceo@` reaches one person.
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
        let mut sig_group = Vec::new();
        if by == AggKey::DkimDomain {
            sig_group.reserve_exact(m.signatures.len());
            for s in &m.signatures {
                let g = if s.domain == NONE {
                    none_id
                } else {
                    key_of_str(&mut lab, s.domain, false)
                };
                sig_group.push(g);
            }
        }
        let rcpts = (by == AggKey::Recipient).then(|| RecipientsByMessage::new(m));
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
                    if msg.dkim != DkimStatus::None {
                        for si in m.signatures_of(i as u32) {
                            let id = sig_group[si as usize];
                            if id != none_id && !msg_groups[before..].contains(&id) {
                                msg_groups.push(id);
                            }
                        }
                    }
                    if msg_groups.len() == before {
                        msg_groups.push(none_id);
                    }
                }
                AggKey::Recipient => {
                    let before = msg_groups.len();
                    for &addr in rcpts.as_ref().map_or(&[][..], |r| r.of(i as u32)) {
                        let id = key_of_str(&mut lab, addr, false);
                        if !msg_groups[before..].contains(&id) {
                            msg_groups.push(id);
                        }
                    }
                    if msg_groups.len() == before {
                        msg_groups.push(none_id);
                    }
                }
                AggKey::Auth => msg_groups.push(match parties::login(m, msg) {
                    Some(id) => lab.value(&id),
                    None => none_id,
                }),
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
                // Only the events that name one: a `RCPT` rejection its recipient,
                // a failed login its `set_id=` (parsed again, once per build).
                AggKey::Recipient | AggKey::Auth => {
                    match (by, parties::event_party(m, p.line, m.peer_kind(p))) {
                        (AggKey::Recipient, EventParty::Recipient(r)) => {
                            lab.value(&r.to_ascii_lowercase())
                        }
                        (AggKey::Auth, EventParty::Login(l)) => lab.value(&l),
                        _ => NONE,
                    }
                }
            };
            peer_group.push(g);
        }
        Grouping {
            by,
            labels: lab.labels,
            msg_start,
            msg_groups,
            peer_group,
            sig_group,
            none_id,
            empty_id: lab.empty_id,
            prefix,
        }
    }

    /// Group of `Model::signatures[i]` (`dkim-domain` only, else `None`).
    pub fn sig_group(&self, i: u32) -> Option<u32> {
        self.sig_group.get(i as usize).copied()
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

/// `message_passes` asked once per message, for passes over what comes several
/// to a message (signatures, recipients).
struct Passes<'a> {
    m: &'a Model,
    f: &'a Filter,
    /// 0 fails, 1 passes, `UNASKED`.
    seen: Vec<u8>,
}

const UNASKED: u8 = 2;

impl<'a> Passes<'a> {
    fn new(m: &'a Model, f: &'a Filter) -> Self {
        Passes {
            m,
            f,
            seen: vec![UNASKED; m.messages.len()],
        }
    }

    /// Whether message `i` passes; false for no such message.
    fn get(&mut self, i: u32) -> bool {
        let Some(p) = self.seen.get_mut(i as usize) else {
            return false;
        };
        if *p == UNASKED {
            *p = u8::from(message_passes(self.m, self.f, i));
        }
        *p == 1
    }
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
    arrivals: u64,
    bytes: u64,
    dkim: DkimTally,
    sig_fail: u64,
    sig_invalid: u64,
    rejections: u64,
    auth_failures: u64,
    protocol_errors: u64,
    first: Option<i64>,
    last: Option<i64>,
    v4: bool,
    v6: bool,
    other: bool,
    recipients: u64,
    clients: u64,
    recent_5m: u64,
    recent_1h: u64,
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

/// Aggregates the filtered model into rows (unsorted). `distinct` (distinct
/// recipients and client addresses) can be skipped when the caller does not
/// show them: each costs a sort of (group, value) pairs.
pub fn group(m: &Model, g: &Grouping, f: &Filter, distinct: bool) -> Vec<SenderRow> {
    // The distinct recipients are a pass and a sort of their own: on a second
    // core beside the tallies, a sixth of a 1 GiB log's grouping time.
    let (mut acc, recipients) = if distinct && m.recipients.len() >= WORTH_A_THREAD {
        std::thread::scope(|s| {
            let recipients = s.spawn(|| recipient_counts(m, g, f));
            let acc = tallies(m, g, f, distinct);
            let recipients = recipients.join();
            (
                acc,
                Some(recipients.unwrap_or_else(|e| std::panic::resume_unwind(e))),
            )
        })
    } else {
        let acc = tallies(m, g, f, distinct);
        (acc, distinct.then(|| recipient_counts(m, g, f)))
    };
    if let Some(counts) = recipients {
        for (a, c) in acc.iter_mut().zip(counts) {
            a.recipients = c;
        }
    }
    rows(m, g, f, distinct, acc)
}

/// Items (recipients, groups) below which a second thread costs more than it
/// saves: a view re-grouped on each key of a small log starts none.
const WORTH_A_THREAD: usize = 20_000;

/// Each group's counts but its distinct recipients.
fn tallies(m: &Model, g: &Grouping, f: &Filter, distinct: bool) -> Vec<Acc> {
    let mut acc: Vec<Acc> = vec![Acc::default(); g.labels.len()];
    // (group, client address) of every counted message and event, when asked.
    let mut client_pairs = ClientPairs::new(m, distinct);
    let newest = m.last_time.unwrap_or(i64::MIN);
    let (since_5m, since_1h) = (
        newest.saturating_sub(5 * 60_000),
        newest.saturating_sub(3_600_000),
    );
    for i in 0..m.messages.len() {
        if !message_passes(m, f, i as u32) {
            continue;
        }
        let msg = &m.messages[i];
        let fam = m.family(msg);
        for &gid in g.groups_of(i as u32) {
            let a = &mut acc[gid as usize];
            a.messages += 1;
            a.recent_5m += u64::from(msg.time >= since_5m);
            a.recent_1h += u64::from(msg.time >= since_1h);
            if msg.has(flags::ARRIVED) {
                a.arrivals += 1;
                a.bytes += msg.size as u64;
                match msg.dkim {
                    DkimStatus::Pass => a.dkim.pass += 1,
                    DkimStatus::Fail => a.dkim.fail += 1,
                    DkimStatus::Invalid => a.dkim.invalid += 1,
                    DkimStatus::None => a.dkim.none += 1,
                }
                a.sig_fail += u64::from(msg.has(flags::SIG_FAIL));
                a.sig_invalid += u64::from(msg.has(flags::SIG_INVALID));
            } else if msg.has(flags::REJECTED) {
                a.rejections += 1;
            } else {
                // Lines of a message whose arrival is not in these files: a message of
                // the group (its pane lists it), but no client to take a family from.
                a.seen(msg.time);
                continue;
            }
            a.fam(fam);
            a.seen(msg.time);
            client_pairs.add(gid, msg.ip);
        }
    }
    if f.dkim.is_none() {
        for (pi, p) in m.peer_events.iter().enumerate() {
            let gid = g.peer_group[pi];
            let kind = m.peer_kind(p);
            if gid == NONE
                || !kind.is_rejection()
                    && kind != LineKind::AuthFailure
                    && kind != LineKind::Session
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
            // Session lines count only as protocol errors (told at load).
            if kind == LineKind::Session && !m.is_protocol_error(p.line) {
                continue;
            }
            let a = &mut acc[gid as usize];
            match kind {
                LineKind::AuthFailure => a.auth_failures += 1,
                LineKind::Session => a.protocol_errors += 1,
                _ => a.rejections += 1,
            }
            a.fam(fam);
            a.seen(p.time);
            client_pairs.add(gid, p.ip);
        }
    }
    let mut client_pairs = client_pairs.pairs;
    client_pairs.sort_unstable();
    client_pairs.dedup();
    for p in client_pairs {
        if let Some(a) = acc.get_mut((p >> 32) as usize) {
            a.clients += 1;
        }
    }
    acc
}

/// The (group, client address) pairs of the counted messages and events, to
/// count each group's distinct clients by a sort.
struct ClientPairs {
    /// `group << 32 | address`, with repeats.
    pairs: Vec<u64>,
    /// The group each address was last paired with. Under the address and
    /// network keys an address has one group, so all but its first pair are
    /// repeats: skipped here, 2.3 M pairs to sort become 0.2 M on 1 GiB.
    last: Vec<u32>,
    asked: bool,
}

impl ClientPairs {
    fn new(m: &Model, asked: bool) -> Self {
        ClientPairs {
            pairs: Vec::new(),
            last: if asked {
                vec![NONE; m.ips.len()]
            } else {
                Vec::new()
            },
            asked,
        }
    }

    fn add(&mut self, gid: u32, ip: u32) {
        if !self.asked || ip == NONE {
            return;
        }
        if let Some(last) = self.last.get_mut(ip as usize) {
            if *last == gid {
                return;
            }
            *last = gid;
        }
        self.pairs.push((gid as u64) << 32 | ip as u64);
    }
}

/// Each group's distinct recipients over the messages that pass `f`.
fn recipient_counts(m: &Model, g: &Grouping, f: &Filter) -> Vec<u64> {
    let mut passes = Passes::new(m, f);
    let mut pairs: Vec<u64> = Vec::with_capacity(m.recipients.len());
    for r in &m.recipients {
        if passes.get(r.msg) {
            for &gid in g.groups_of(r.msg) {
                pairs.push(((gid as u64) << 32) | r.addr as u64);
            }
        }
    }
    pairs.sort_unstable();
    pairs.dedup();
    let mut counts = vec![0u64; g.labels.len()];
    for p in pairs {
        if let Some(c) = counts.get_mut((p >> 32) as usize) {
            *c += 1;
        }
    }
    counts
}

/// The rows of the groups with anything counted, built in two halves at once
/// (a label to copy and a wide row each: 75 ms for 200 k groups on one core).
fn rows(m: &Model, g: &Grouping, f: &Filter, distinct: bool, acc: Vec<Acc>) -> Vec<SenderRow> {
    let sigs = (g.by == AggKey::DkimDomain).then(|| signature_tallies(m, g, f));
    let sig_of = |i: usize| sigs.as_ref().and_then(|t| t.get(i).copied());
    let build = |from: usize, acc: &[Acc]| -> Vec<SenderRow> {
        acc.iter()
            .enumerate()
            .map(|(k, a)| (from + k, a))
            .filter(|(i, a)| {
                a.messages > 0
                    || a.rejections > 0
                    || a.auth_failures > 0
                    || a.protocol_errors > 0
                    || sig_of(*i).is_some_and(|t| t.total() > 0)
            })
            .map(|(i, a)| SenderRow {
                key: g.labels[i].clone(),
                family: match (a.v4, a.v6, a.other) {
                    (true, false, false) => "ipv4",
                    (false, true, false) => "ipv6",
                    (false, false, _) => "unknown",
                    _ => "mixed",
                },
                messages: a.messages,
                arrivals: a.arrivals,
                bytes: a.bytes,
                dkim: a.dkim,
                messages_sig_fail: a.sig_fail,
                messages_sig_invalid: a.sig_invalid,
                signatures: sig_of(i).map(Box::new),
                rejections: a.rejections,
                auth_failures: a.auth_failures,
                protocol_errors: a.protocol_errors,
                rejection_reasons: None,
                recipients: a.recipients,
                // The signatures' own count: the same addresses, counted once already.
                clients: sig_of(i).map_or(a.clients, |t| if distinct { t.clients } else { 0 }),
                recent_5m: a.recent_5m,
                recent_1h: a.recent_1h,
                first: a.first,
                last: a.last,
                group: i as u32,
            })
            .collect()
    };
    let half = acc.len() / 2;
    if half < WORTH_A_THREAD {
        return build(0, &acc);
    }
    let (lo, hi) = acc.split_at(half);
    let (mut rows, rest) = std::thread::scope(|s| {
        let rest = s.spawn(|| build(half, hi));
        (build(0, lo), rest.join())
    });
    rows.extend(rest.unwrap_or_else(|e| std::panic::resume_unwind(e)));
    rows
}

/// Each `dkim-domain` group's own signatures (indexed by group id; all zero
/// under another key): every signature whose message passes the filter counts,
/// by result, whether or not the message arrived in these files and whatever
/// its other signatures gave. `aligned`, `clients` and `networks` are over the
/// same signatures. One pass over the signatures and a sort of the distinct
/// (group, address) pairs.
pub fn signature_tallies(m: &Model, g: &Grouping, f: &Filter) -> Vec<SigTally> {
    let mut out = vec![SigTally::default(); g.labels.len()];
    if g.by != AggKey::DkimDomain {
        return out;
    }
    let mut passes = Passes::new(m, f);
    let mut align_cache: FxHashMap<u64, bool> = FxHashMap::default();
    let mut clients: Vec<u64> = Vec::with_capacity(m.signatures.len());
    for (si, s) in m.signatures.iter().enumerate() {
        let Some(gid) = g.sig_group(si as u32) else {
            continue;
        };
        if !passes.get(s.msg) {
            continue;
        }
        let Some(t) = out.get_mut(gid as usize) else {
            continue;
        };
        match s.verdict {
            SigResult::Pass => t.pass += 1,
            SigResult::Fail => t.fail += 1,
            SigResult::Invalid => t.invalid += 1,
            SigResult::Other => t.other += 1,
        }
        let msg = &m.messages[s.msg as usize];
        if msg.sender != NONE && s.domain != NONE {
            let key = (msg.sender as u64) << 32 | s.domain as u64;
            let a = *align_cache
                .entry(key)
                .or_insert_with(|| aligned(m.str(msg.sender), m.str(s.domain)));
            t.aligned += u64::from(a);
        }
        if msg.ip != NONE {
            clients.push((gid as u64) << 32 | msg.ip as u64);
        }
    }
    clients.sort_unstable();
    clients.dedup();
    // Networks: each distinct address's network numbered once.
    let mut net_ids: FxHashMap<IpNet, u32> = FxHashMap::default();
    let mut net_of: FxHashMap<u32, u32> = FxHashMap::default();
    let mut nets: Vec<u64> = Vec::with_capacity(clients.len());
    for &c in &clients {
        let gid = (c >> 32) as usize;
        let ip = c as u32;
        if let Some(t) = out.get_mut(gid) {
            t.clients += 1;
        }
        let Some(addr) = m.ip(ip) else { continue };
        let next = net_ids.len() as u32;
        let n = *net_of
            .entry(ip)
            .or_insert_with(|| *net_ids.entry(network(addr, g.prefix)).or_insert(next));
        nets.push((gid as u64) << 32 | n as u64);
    }
    nets.sort_unstable();
    nets.dedup();
    for n in nets {
        if let Some(t) = out.get_mut((n >> 32) as usize) {
            t.networks += 1;
        }
    }
    out
}

/// Whether a signature by `d` is aligned with the envelope sender `sender`:
/// the sender's domain (after its last `@`) and `d` are the same domain, or one
/// is a subdomain of the other (`news.example.com` and `example.com`), ignoring
/// ASCII case and a final dot. A relation through a public suffix does not
/// count (`d=co.uk` is not aligned with `x.co.uk`, nor `d=com` with anything):
/// a public suffix names no one owner. The null sender `<>` has no domain, so
/// nothing is aligned with it. This is DMARC's relaxed alignment without the
/// organisational-domain step: `d=example.com` and `a.example.com` align,
/// sibling subdomains (`a.example.com`, `b.example.com`) do not.
pub fn aligned(sender: &[u8], d: &[u8]) -> bool {
    let Some(at) = memchr::memrchr(b'@', sender) else {
        return false;
    };
    let trim = |x: &[u8]| -> Vec<u8> { x.strip_suffix(b".").unwrap_or(x).to_ascii_lowercase() };
    let s = trim(sender.get(at + 1..).unwrap_or_default());
    let d = trim(d);
    if s.is_empty() || d.is_empty() {
        return false;
    }
    if s == d {
        return true;
    }
    let (long, short) = if s.len() > d.len() {
        (&s, &d)
    } else {
        (&d, &s)
    };
    let Some(head) = long.strip_suffix(short.as_slice()) else {
        return false;
    };
    head.ends_with(b".") && !is_public_suffix(short)
}

/// A public suffix (`com`, `co.uk`, `github.io`), or a single label.
fn is_public_suffix(d: &[u8]) -> bool {
    !d.contains(&b'.') || psl::suffix(d).is_some_and(|s| s.as_bytes() == d && s.is_known())
}

/// What `--sort dkim-fail` orders by: a signing domain's (`dkim-domain`) own failing
/// signatures, then its invalid ones; every other row's messages that failed or were
/// invalid. A domain's messages' status says how its mail fared whoever signed it, not
/// whether its own signatures broke.
pub fn dkim_fail_key(r: &SenderRow) -> (u64, u64) {
    match &r.signatures {
        Some(s) => (s.fail, s.invalid),
        None => (r.dkim.fail + r.dkim.invalid, 0),
    }
}

pub fn sort_rows(rows: &mut [SenderRow], by: SortKey) {
    rows.sort_by(|a, b| {
        let primary = match by {
            SortKey::Messages => b.messages.cmp(&a.messages),
            SortKey::Bytes => b.bytes.cmp(&a.bytes),
            SortKey::Last => b.last.cmp(&a.last),
            SortKey::DkimFail => dkim_fail_key(b).cmp(&dkim_fail_key(a)),
            SortKey::Rejections => b
                .rejections
                .cmp(&a.rejections)
                .then(b.auth_failures.cmp(&a.auth_failures))
                .then(b.protocol_errors.cmp(&a.protocol_errors)),
            SortKey::Recent => b
                .recent_5m
                .cmp(&a.recent_5m)
                .then(b.recent_1h.cmp(&a.recent_1h)),
        };
        primary
            .then(b.messages.cmp(&a.messages))
            .then(b.rejections.cmp(&a.rejections))
            .then_with(|| a.key.cmp(&b.key))
    });
}

/// Fills each row's `rejection_reasons` with its `top` most common reasons
/// (rows without a rejection or failed login get an empty list). Parses the
/// rows' rejection lines again, once each, in one pass over the model.
pub fn fill_reasons(m: &Model, g: &Grouping, f: &Filter, rows: &mut [SenderRow], top: usize) {
    let gids: Vec<u32> = rows.iter().map(|r| r.group).collect();
    let lists = super::rejections::reason_summaries(m, g, f, &gids, top);
    for (r, l) in rows.iter_mut().zip(lists) {
        r.rejection_reasons = Some(l);
    }
}

/// Messages of one group that pass the filter, in log order.
pub fn messages_of(m: &Model, g: &Grouping, group: u32, f: &Filter) -> Vec<u32> {
    (0..m.messages.len())
        .filter(|&i| g.groups_of(i as u32).contains(&group) && message_passes(m, f, i as u32))
        .map(|i| i as u32)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::load::{LoadOptions, from_bytes};

    #[test]
    fn alignment_is_the_same_domain_or_a_subdomain_not_through_a_public_suffix() {
        for (sender, d, want) in [
            ("plusgirot@nordea.com", "nordea.com", true),
            ("a@News.Example.COM", "example.com", true),
            ("return@t.ttline.com", "ttline.com", true),
            ("a@example.com", "mail.example.com.", true),
            ("a@a.example.com", "b.example.com", false),
            ("a@badexample.com", "example.com", false),
            ("return@t.ttline.com", "srv2.de", false),
            ("a@x.co.uk", "co.uk", false),
            ("a@example.com", "com", false),
            ("", "example.com", false),
            ("a@", "example.com", false),
            ("no-domain", "example.com", false),
        ] {
            assert_eq!(
                aligned(sender.as_bytes(), d.as_bytes()),
                want,
                "{sender} {d}"
            );
        }
    }

    #[test]
    fn a_client_back_after_another_group_counts_once() {
        // One address sends for a, then b, then a again (the repeat that the
        // "last group" memo cannot skip), and a second address for a.
        let log = "\
2024-01-01 10:00:00 1smkL5-00000000e61-24eQ <= a@x.test H=(h) [192.0.2.1]:25 P=esmtp S=1
2024-01-01 10:00:01 1smkL5-00000000e62-24eQ <= b@x.test H=(h) [192.0.2.1]:25 P=esmtp S=1
2024-01-01 10:00:02 1smkL5-00000000e63-24eQ <= a@x.test H=(h) [192.0.2.1]:25 P=esmtp S=1
2024-01-01 10:00:03 1smkL5-00000000e64-24eQ <= a@x.test H=(h) [192.0.2.2]:25 P=esmtp S=1
2024-01-01 10:00:04 1smkL5-00000000e65-24eQ <= a@x.test H=(h) [192.0.2.1]:25 P=esmtp S=1
";
        let m = from_bytes("t", log.as_bytes().to_vec(), &LoadOptions::default());
        let clients = |by: AggKey| {
            let g = Grouping::new(&m, by, NetPrefix::default());
            let mut r: Vec<_> = group(&m, &g, &Filter::default(), true)
                .into_iter()
                .map(|r| (r.key, r.messages, r.clients))
                .collect();
            r.sort();
            r
        };
        let own = |v: &[(&str, u64, u64)]| -> Vec<(String, u64, u64)> {
            v.iter().map(|&(k, a, b)| (k.to_string(), a, b)).collect()
        };
        assert_eq!(
            clients(AggKey::Sender),
            own(&[("a@x.test", 4, 2), ("b@x.test", 1, 1)])
        );
        assert_eq!(
            clients(AggKey::Ip),
            own(&[("192.0.2.1", 4, 1), ("192.0.2.2", 1, 1)])
        );
        assert_eq!(clients(AggKey::Net), own(&[("192.0.2.0/24", 5, 2)]));
    }

    #[test]
    fn a_domain_row_counts_its_own_signatures_not_its_messages_status() {
        // Shaped on perericr-ddgrey-mainlog.log: a brand's failing signature
        // beside its ESP's passing one, twice from one /24, and a pass alone.
        let log = "\
2020-02-22 07:15:46 1j5O4n-0004dP-Sl DKIM: d=ttline.com s=mailing c=relaxed/simple a=rsa-sha256 [verification failed - body hash mismatch (body probably modified in transit)]
2020-02-22 07:15:46 1j5O4n-0004dP-Sl DKIM: d=srv2.de s=mailing c=relaxed/simple a=rsa-sha256 [verification succeeded]
2020-02-22 07:15:50 1j5O4n-0004dP-Sl <= return@t.ttline.com H=mail21-241.srv2.de [91.241.72.241] P=esmtp S=100
2020-02-22 07:16:46 1j5O4o-0004dP-Sl DKIM: d=TTline.com s=mailing c=relaxed/simple a=rsa-sha256 [invalid - public key record (currently?) unavailable]
2020-02-22 07:16:46 1j5O4o-0004dP-Sl DKIM: d=srv2.de s=mailing c=relaxed/simple a=rsa-sha256 [verification succeeded]
2020-02-22 07:16:50 1j5O4o-0004dP-Sl <= return@t.ttline.com H=mail21-242.srv2.de [91.241.72.242] P=esmtp S=100 DKIM=srv2.de
2020-02-22 07:17:50 1j5O4p-0004dP-Sl <= x@ttline.com H=mail.ttline.com [192.0.2.7] P=esmtp S=100 DKIM=ttline.com
";
        let opts = LoadOptions {
            threads: 1,
            ..LoadOptions::default()
        };
        let m = from_bytes("t", log.as_bytes().to_vec(), &opts);
        let g = Grouping::new(&m, AggKey::DkimDomain, NetPrefix::default());
        let rows = group(&m, &g, &Filter::default(), false);
        let row = |k: &str| rows.iter().find(|r| r.key == k).expect(k);
        let t = row("ttline.com");
        // Per message all three pass; per signature the brand's own fail.
        assert_eq!((t.messages, t.dkim.pass), (3, 3));
        assert_eq!((t.messages_sig_fail, t.messages_sig_invalid), (1, 1));
        assert_eq!(
            t.signatures.as_deref(),
            Some(&SigTally {
                pass: 1,
                fail: 1,
                invalid: 1,
                other: 0,
                aligned: 3,
                clients: 3,
                networks: 2,
            })
        );
        let s = row("srv2.de")
            .signatures
            .as_deref()
            .copied()
            .expect("tally");
        assert_eq!(
            (s.pass, s.fail, s.aligned, s.clients, s.networks),
            (2, 0, 0, 2, 1)
        );
        // A filter applies to the signatures through their messages.
        let f = Filter {
            time: Some((
                m.first_time.unwrap_or(0),
                m.first_time.unwrap_or(0) + 30_000,
            )),
            ..Filter::default()
        };
        let t = signature_tallies(&m, &g, &f);
        let gid = g.find("ttline.com").expect("group") as usize;
        assert_eq!((t[gid].pass, t[gid].fail, t[gid].invalid), (0, 1, 0));
        // Other keys count messages with a failing signature beside their status.
        let g = Grouping::new(&m, AggKey::Ip, NetPrefix::default());
        let rows = group(&m, &g, &Filter::default(), false);
        let r = rows.iter().find(|r| r.key == "91.241.72.241").expect("row");
        assert_eq!(
            (r.dkim.pass, r.messages_sig_fail, r.signatures.as_deref()),
            (1, 1, None)
        );
        assert!(
            signature_tallies(&m, &g, &Filter::default())
                .iter()
                .all(|t| *t == SigTally::default())
        );
    }

    #[test]
    fn groups_counted_on_two_threads_are_those_of_one() {
        // Enough groups and recipients for the second thread of each part: 45 k
        // addresses, each sending twice, odd ones to one recipient, even to two.
        const GROUPS: u32 = 2 * WORTH_A_THREAD as u32 + 5_000;
        let b62 = |mut v: u32| {
            let a = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
            let mut out = [b'0'; 6];
            for c in out.iter_mut().rev() {
                *c = a[(v % 62) as usize];
                v /= 62;
            }
            String::from_utf8_lossy(&out).into_owned()
        };
        let ip = |j: u32| format!("10.{}.{}.{}", j >> 16, (j >> 8) & 255, j & 255);
        let mut log = String::new();
        for k in 0..2 * GROUPS {
            let j = k % GROUPS;
            let rcpts = if j.is_multiple_of(2) {
                format!("r{}@x.example r{}@x.example", j % 3, (j + 1) % 3)
            } else {
                format!("r{}@x.example", j % 3)
            };
            log.push_str(&format!(
                "2020-02-22 07:15:46 1j5O4n-{}-Sl <= s@x.example H=h [{}] P=esmtp S=10 for {rcpts}\n",
                b62(k),
                ip(j)
            ));
        }
        let m = from_bytes("t", log.into_bytes(), &LoadOptions::default());
        let g = Grouping::new(&m, AggKey::Ip, NetPrefix::default());
        let rows = group(&m, &g, &Filter::default(), true);
        assert_eq!(rows.len(), GROUPS as usize);
        assert!(rows.windows(2).all(|w| w[0].group < w[1].group));
        for (j, r) in rows.iter().enumerate() {
            let j = j as u32;
            assert_eq!(r.key, ip(j));
            assert_eq!((r.messages, r.clients), (2, 1), "{}", r.key);
            assert_eq!(
                r.recipients,
                if j.is_multiple_of(2) { 2 } else { 1 },
                "{}",
                r.key
            );
        }
    }
}
