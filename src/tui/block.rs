//! Blocking from the sender list: what `b` proposes for a sender, the live impact preview over
//! compact per-message facts, and which blocklist entry covers a sender. Never writes a file.
//!
//! The facts are built once per model and hold integers only (model address index, interned
//! domain ids), so recomputing a preview on `w` / `W` is one linear pass even at 1.3 M messages.

// Log text reaches this module; a `str` sliced at a byte offset can panic inside a character.
#![deny(clippy::string_slice)]

use std::net::IpAddr;

use ipnet::IpNet;
use rustc_hash::{FxHashMap, FxHashSet};

use crate::blocklist::policy::{self, Level, Policy};
use crate::blocklist::preview::signature_is_target;
use crate::blocklist::{Blocklist, Entry, SenderKey};
use crate::model::{Model, NONE, flags};
use crate::parse::DkimResult;
use crate::query::AggKey;
use crate::query::senders::domain_of;

use super::index::GroupIndex;

/// What blocking needs of each arrived message, as integers.
pub struct BlockFacts {
    /// Model message index of each arrived message.
    msgs: Vec<u32>,
    /// Index into `Model::ips` (`NONE` without a client address).
    ip: Vec<u32>,
    /// Envelope sender domain, an id into `domains` (`NONE` when unknown).
    sender_domain: Vec<u32>,
    /// Passing DKIM domains of fact `i`: `dkim[dkim_start[i]..dkim_start[i+1]]`.
    dkim_start: Vec<u32>,
    dkim: Vec<u32>,
    /// Recipients of fact `i`, lower-cased and interned: `rcpt[rcpt_start[i]..rcpt_start[i+1]]`.
    rcpt_start: Vec<u32>,
    rcpt: Vec<u32>,
    /// Lower-cased domains (sender and DKIM share one table).
    domains: Vec<String>,
    /// Fact index of each model message (`NONE` when it did not arrive).
    fact_of: Vec<u32>,
}

#[derive(Default)]
struct Table {
    names: Vec<String>,
    ids: FxHashMap<Vec<u8>, u32>,
}

impl Table {
    fn id(&mut self, lower: Vec<u8>) -> u32 {
        if let Some(&i) = self.ids.get(&lower) {
            return i;
        }
        let i = self.names.len() as u32;
        self.names
            .push(String::from_utf8_lossy(&lower).into_owned());
        self.ids.insert(lower, i);
        i
    }
}

impl BlockFacts {
    pub fn new(m: &Model) -> BlockFacts {
        let n = m.messages.len();
        let mut fact_of = vec![NONE; n];
        let mut msgs = Vec::new();
        for (i, msg) in m.messages.iter().enumerate() {
            if msg.has(flags::ARRIVED) {
                fact_of[i] = msgs.len() as u32;
                msgs.push(i as u32);
            }
        }
        let count = msgs.len();
        let mut domains = Table::default();
        // Each distinct sender string is looked at once.
        let mut by_sender: FxHashMap<u32, u32> = FxHashMap::default();
        let mut ip = Vec::with_capacity(count);
        let mut sender_domain = Vec::with_capacity(count);
        for &i in &msgs {
            let msg = &m.messages[i as usize];
            ip.push(msg.ip);
            let d = if msg.sender == NONE {
                NONE
            } else {
                *by_sender
                    .entry(msg.sender)
                    .or_insert_with(|| domain_of(m.str(msg.sender)).map_or(NONE, |d| domains.id(d)))
            };
            sender_domain.push(d);
        }
        let mut by_dkim: FxHashMap<u32, u32> = FxHashMap::default();
        let (dkim_start, dkim) = csr(
            count,
            m.signatures
                .iter()
                .filter(|s| s.result == DkimResult::Pass && s.domain != NONE)
                .filter_map(|s| {
                    let f = *fact_of.get(s.msg as usize)?;
                    let d = *by_dkim.entry(s.domain).or_insert_with(|| {
                        let raw = m.str(s.domain);
                        let raw = raw.strip_suffix(b".").unwrap_or(raw);
                        domains.id(raw.to_ascii_lowercase())
                    });
                    (f != NONE).then_some((f, d))
                }),
        );
        let mut addrs = Table::default();
        let mut by_addr: FxHashMap<u32, u32> = FxHashMap::default();
        let (rcpt_start, rcpt) = csr(
            count,
            m.recipients.iter().filter_map(|r| {
                let f = *fact_of.get(r.msg as usize)?;
                let a = *by_addr
                    .entry(r.addr)
                    .or_insert_with(|| addrs.id(m.str(r.addr).to_ascii_lowercase()));
                (f != NONE && r.addr != NONE).then_some((f, a))
            }),
        );
        BlockFacts {
            msgs,
            ip,
            sender_domain,
            dkim_start,
            dkim,
            rcpt_start,
            rcpt,
            domains: domains.names,
            fact_of,
        }
    }

    fn dkim_of(&self, f: usize) -> &[u32] {
        slice(&self.dkim_start, &self.dkim, f)
    }

    fn rcpt_of(&self, f: usize) -> &[u32] {
        slice(&self.rcpt_start, &self.rcpt, f)
    }

    /// The most frequent envelope sender domain among some model messages.
    fn main_domain(&self, msgs: &[u32]) -> Option<String> {
        let mut n: FxHashMap<u32, usize> = FxHashMap::default();
        for &i in msgs {
            let Some(&f) = self.fact_of.get(i as usize) else {
                continue;
            };
            if f != NONE && self.sender_domain[f as usize] != NONE {
                *n.entry(self.sender_domain[f as usize]).or_default() += 1;
            }
        }
        // Ties go to the alphabetically first domain, so the choice is reproducible.
        n.into_iter()
            .max_by(|a, b| {
                a.1.cmp(&b.1)
                    .then_with(|| self.domains[b.0 as usize].cmp(&self.domains[a.0 as usize]))
            })
            .map(|(d, _)| self.domains[d as usize].clone())
    }
}

fn slice<'a>(start: &[u32], items: &'a [u32], i: usize) -> &'a [u32] {
    match (start.get(i), start.get(i + 1)) {
        (Some(&a), Some(&b)) => items.get(a as usize..b as usize).unwrap_or(&[]),
        _ => &[],
    }
}

/// Compressed rows from `(row, item)` pairs in any order; each row's items keep their order and
/// repeats are dropped.
fn csr(rows: usize, pairs: impl Iterator<Item = (u32, u32)>) -> (Vec<u32>, Vec<u32>) {
    let mut lone: Vec<(u32, u32)> = pairs.collect();
    // Stable, so each row keeps the order its items were named in.
    lone.sort_by_key(|p| p.0);
    let mut start = Vec::with_capacity(rows + 1);
    let mut items = Vec::with_capacity(lone.len());
    let mut k = 0;
    for row in 0..rows as u32 {
        start.push(items.len() as u32);
        let from = items.len();
        while k < lone.len() && lone[k].0 == row {
            let it = lone[k].1;
            if !items[from..].contains(&it) {
                items.push(it);
            }
            k += 1;
        }
    }
    start.push(items.len() as u32);
    (start, items)
}

/// The sender the overlay was opened on: what it proposes, and what counts as "its own" when
/// looking for collateral.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proposal {
    pub entry: Entry,
    /// The address narrowing walks back to.
    pub anchor: Option<IpAddr>,
    /// The selected sender's label (unsanitised).
    pub sender: String,
    pub by: AggKey,
    /// The domain believed abusive: DKIM signatures of other domains are collateral.
    pub suspect: Option<String>,
    /// Model address indices of the selected sender, sorted.
    pub own_ips: Vec<u32>,
    /// The safety rules entries are judged by (the server's addresses from the log's `I=`).
    pub policy: Policy,
}

/// The rules for a loaded log: defaults, with the server's own addresses from its `I=` fields.
pub fn policy_for(m: &Model, base: &Policy) -> Policy {
    let mut policy = base.clone();
    policy.server_addrs.extend_from_slice(&m.interfaces);
    policy.server_addrs.sort_unstable();
    policy.server_addrs.dedup();
    policy
}

/// Why the TUI will not offer `entry` at all: the fixed refusals, and networks wider than the
/// minimum prefix (which only the CLI's `--force` may write). Other warnings do not stop it.
pub fn not_offered(policy: &Policy, entry: &Entry) -> Option<String> {
    let findings = policy.judge(entry);
    if policy::is_forbidden(&findings) {
        return Some(policy::describe(&findings));
    }
    let net = entry.as_net()?;
    let min = policy.min_prefix(net);
    (net.prefix_len() < min).then(|| {
        format!(
            "{entry} is wider than /{min}, the widest block offered here (block add --force can write it)"
        )
    })
}

/// `w` / `W`: the next step wider or narrower, or why there is none.
pub fn step(p: &Proposal, entry: &Entry, wider: bool) -> Result<Entry, String> {
    let next = if wider {
        entry.widen()
    } else {
        entry.narrow(p.anchor)
    };
    let Some(next) = next else {
        return Err(match (entry, wider) {
            (Entry::Net(_), true) => format!("{entry} is the widest step"),
            (Entry::Net(_), false) => format!("{entry} is a single address"),
            _ => "only addresses and networks have a prefix to change".into(),
        });
    };
    match not_offered(&p.policy, &next) {
        Some(why) if wider => Err(format!("stopped at {entry}: {why}")),
        _ => Ok(next),
    }
}

/// What `b` says when the selected sender cannot be proposed.
pub fn propose(
    m: &Model,
    facts: &BlockFacts,
    ix: &GroupIndex,
    gid: u32,
    group_key: &str,
    base: &Policy,
) -> Result<Proposal, String> {
    let label = ix.label(gid).to_string();
    let by = ix.by();
    // Group labels are already terminal-safe (`query::key`); only cut.
    let shown = crate::tui::data::shown_safe(&label);
    // The grouping says which groups are no value or the empty one: a log
    // value that reads `(none)` is an ordinary (escaped) key.
    if ix.grouping.is_no_value(gid) || ix.grouping.is_empty_value(gid) {
        return Err(format!(
            "{shown} cannot be blocked: it has no address or domain"
        ));
    }
    let msgs = ix.messages(gid);
    let mut ip_count: FxHashMap<u32, usize> = FxHashMap::default();
    for &i in msgs {
        if let Some(msg) = m.messages.get(i as usize)
            && msg.ip != NONE
        {
            *ip_count.entry(msg.ip).or_default() += 1;
        }
    }
    let mut own_ips: Vec<u32> = ip_count.keys().copied().collect();
    own_ips.sort_unstable();
    // The busiest address: where narrowing a widened network should land.
    let busiest = ip_count
        .iter()
        .max_by_key(|(ip, n)| (**n, std::cmp::Reverse(**ip)))
        .and_then(|(&ip, _)| m.ip(ip));
    let bad = |e: crate::blocklist::EntryError| format!("{shown} cannot be blocked: {e}");
    let (key, anchor, suspect) = match by {
        AggKey::Ip => {
            let ip: IpAddr = label
                .parse()
                .map_err(|_| format!("{shown} is no address"))?;
            (SenderKey::Ip(ip), Some(ip), facts.main_domain(msgs))
        }
        AggKey::Net => {
            let net: IpNet = label
                .parse()
                .map_err(|_| format!("{shown} is no network"))?;
            (SenderKey::Network(net), busiest, facts.main_domain(msgs))
        }
        AggKey::Host => {
            let [only] = own_ips.as_slice() else {
                return Err(format!(
                    "{shown} cannot be blocked by host name ({} client addresses); press {group_key} to group by ip or net",
                    own_ips.len(),
                ));
            };
            let ip = m
                .ip(*only)
                .ok_or_else(|| format!("{shown} has no address"))?;
            (SenderKey::Ip(ip), Some(ip), facts.main_domain(msgs))
        }
        AggKey::Domain => (SenderKey::Domain(&label), None, Some(label.clone())),
        AggKey::DkimDomain => (SenderKey::DkimDomain(&label), None, Some(label.clone())),
        AggKey::Sender => {
            let d = domain_of(label.as_bytes())
                .map(|d| String::from_utf8_lossy(&d).into_owned())
                .ok_or_else(|| format!("{shown} cannot be blocked: no domain in the address"))?;
            let entry = Entry::propose(SenderKey::Domain(&d)).map_err(bad)?;
            let policy = policy_for(m, base);
            if let Some(why) = not_offered(&policy, &entry) {
                return Err(format!("{shown} cannot be blocked: {why}"));
            }
            return Ok(Proposal {
                entry,
                anchor: None,
                sender: label,
                by,
                suspect: Some(d),
                own_ips,
                policy,
            });
        }
    };
    let entry = Entry::propose(key).map_err(bad)?;
    let policy = policy_for(m, base);
    if let Some(why) = not_offered(&policy, &entry) {
        return Err(format!("{shown} cannot be blocked: {why}"));
    }
    Ok(Proposal {
        entry,
        anchor,
        sender: label,
        by,
        suspect,
        own_ips,
        policy,
    })
}

/// What an entry would block among the loaded messages.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Preview {
    pub messages: usize,
    /// Distinct client addresses of the matched messages.
    pub senders: usize,
    /// Distinct recipients (case-insensitive).
    pub recipients: usize,
    /// Matched messages with a passing DKIM signature of a domain other than the suspect's.
    pub collateral_dkim_messages: usize,
    /// Those domains, sorted.
    pub collateral_dkim_domains: Vec<String>,
    /// Matched client addresses that are not the selected sender's, sorted.
    pub collateral_ips: Vec<IpAddr>,
    /// Why the entry is risky although offered (a private range, the server's own address).
    pub warnings: Vec<String>,
}

impl Preview {
    pub fn has_collateral(&self) -> bool {
        self.collateral_dkim_messages > 0 || !self.collateral_ips.is_empty()
    }
}

/// Counts what `entry` matches, with the collateral relative to the proposal's sender.
pub fn preview(m: &Model, facts: &BlockFacts, entry: &Entry, p: &Proposal) -> Preview {
    // Per distinct address and per domain once, so the pass over messages is table look-ups.
    let ip_hit: Vec<bool> = match entry {
        Entry::Net(_) => m.ips.iter().map(|&ip| entry.matches_ip(ip)).collect(),
        _ => Vec::new(),
    };
    let dom_hit: Vec<bool> = match entry {
        Entry::SenderDomain(_) => facts
            .domains
            .iter()
            .map(|d| entry.matches_domain(d))
            .collect(),
        Entry::DkimDomain(_) => facts
            .domains
            .iter()
            .map(|d| entry.matches_dkim_domain(d))
            .collect(),
        Entry::Net(_) => Vec::new(),
    };
    let other: Vec<bool> = facts
        .domains
        .iter()
        .map(|d| !signature_is_target(entry, d, p.suspect.as_deref()))
        .collect();
    let hit = |table: &[bool], id: u32| id != NONE && table.get(id as usize).copied() == Some(true);
    let mut out = Preview::default();
    let mut ips: FxHashSet<u32> = FxHashSet::default();
    let mut rcpts: FxHashSet<u32> = FxHashSet::default();
    let mut other_domains: FxHashSet<u32> = FxHashSet::default();
    for f in 0..facts.msgs.len() {
        let matched = match entry {
            Entry::Net(_) => hit(&ip_hit, facts.ip[f]),
            Entry::SenderDomain(_) => hit(&dom_hit, facts.sender_domain[f]),
            Entry::DkimDomain(_) => facts.dkim_of(f).iter().any(|&d| hit(&dom_hit, d)),
        };
        if !matched {
            continue;
        }
        out.messages += 1;
        if facts.ip[f] != NONE {
            ips.insert(facts.ip[f]);
        }
        rcpts.extend(facts.rcpt_of(f).iter().copied());
        let mut collateral = false;
        for &d in facts.dkim_of(f) {
            if other.get(d as usize).copied() == Some(true) {
                collateral = true;
                other_domains.insert(d);
            }
        }
        out.collateral_dkim_messages += usize::from(collateral);
    }
    out.senders = ips.len();
    out.recipients = rcpts.len();
    out.warnings = p
        .policy
        .judge(entry)
        .into_iter()
        .filter(|f| f.level == Level::Confirm)
        .map(|f| f.reason)
        .collect();
    let mut doms: Vec<String> = other_domains
        .into_iter()
        .filter_map(|d| facts.domains.get(d as usize).cloned())
        .collect();
    doms.sort_unstable();
    out.collateral_dkim_domains = doms;
    if matches!(entry, Entry::Net(_)) {
        let mut other_ips: Vec<IpAddr> = ips
            .into_iter()
            .filter(|i| p.own_ips.binary_search(i).is_err())
            .filter_map(|i| m.ip(i))
            .collect();
        other_ips.sort_unstable();
        out.collateral_ips = other_ips;
    }
    out
}

/// The entry a sender's key stands for when asking whether the blocklist covers it: the same
/// mapping `b` uses, without looking at messages (host groups are covered through their single
/// address, found by the caller).
pub fn key_entry(by: AggKey, label: &str, host_ip: Option<IpAddr>) -> Option<Entry> {
    let key = match by {
        AggKey::Ip => SenderKey::Ip(label.parse().ok()?),
        AggKey::Net => SenderKey::Network(label.parse().ok()?),
        AggKey::Host => SenderKey::Ip(host_ip?),
        AggKey::Domain => SenderKey::Domain(label),
        AggKey::DkimDomain => SenderKey::DkimDomain(label),
        AggKey::Sender => {
            let d = domain_of(label.as_bytes())?;
            return Entry::propose(SenderKey::Domain(std::str::from_utf8(&d).ok()?)).ok();
        }
    };
    Entry::propose(key).ok()
}

/// Whether `outer` blocks everything `inner` does: a network inside it, a domain below it.
pub fn covers(outer: &Entry, inner: &Entry) -> bool {
    match (outer, inner) {
        (Entry::Net(o), Entry::Net(i)) => o.contains(i),
        (Entry::SenderDomain(_), Entry::SenderDomain(d)) => outer.matches_domain(d),
        (Entry::DkimDomain(_), Entry::DkimDomain(d)) => outer.matches_dkim_domain(d),
        _ => false,
    }
}

/// The most specific entry of the blocklist covering `key` (longest prefix, longest domain).
pub fn covering(bl: &Blocklist, key: &Entry) -> Option<Entry> {
    bl.entries()
        .map(|(_, e, _)| e)
        .filter(|e| covers(e, key))
        .max_by_key(|e| match e {
            Entry::Net(n) => usize::from(n.prefix_len()),
            Entry::SenderDomain(d) | Entry::DkimDomain(d) => d.len(),
        })
        .cloned()
}

/// The single client address of a host group, if it has exactly one.
pub fn single_ip(m: &Model, ix: &GroupIndex, gid: u32) -> Option<IpAddr> {
    let mut only = None;
    for &i in ix.messages(gid) {
        let ip = m.messages.get(i as usize).map_or(NONE, |x| x.ip);
        if ip == NONE {
            continue;
        }
        match only {
            None => only = Some(ip),
            Some(o) if o != ip => return None,
            _ => {}
        }
    }
    m.ip(only?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csr_groups_rows_and_drops_repeats() {
        let (s, i) = csr(3, [(2, 5), (0, 1), (2, 5), (2, 4)].into_iter());
        assert_eq!(s, [0, 1, 1, 3]);
        assert_eq!(i, [1, 5, 4]);
    }

    #[test]
    fn a_network_covers_its_hosts_and_a_domain_its_subdomains() {
        let e = |s: &str| Entry::parse(s).expect("entry");
        assert!(covers(&e("192.0.2.0/24"), &e("192.0.2.7")));
        assert!(!covers(&e("192.0.2.7"), &e("192.0.2.0/24")));
        assert!(covers(&e("domain:example.org"), &e("domain:a.example.org")));
        assert!(!covers(&e("dkim:example.org"), &e("domain:example.org")));
    }
}
