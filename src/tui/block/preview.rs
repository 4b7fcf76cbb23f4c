//! The live impact preview of one entry over the compact facts: what it matches and the
//! collateral relative to the sender the overlay was opened on. Counts only; decides nothing.

use std::net::IpAddr;

use rustc_hash::FxHashSet;

use crate::blocklist::Entry;
use crate::blocklist::policy::Level;
use crate::blocklist::preview::signature_is_target;
use crate::model::{Model, NONE};

use super::facts::BlockFacts;
use super::proposal::Proposal;

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
