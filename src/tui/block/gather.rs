//! Gathering the candidates of `Candidates`: each judged by `not_offered` once, repeats
//! dropped, refusals kept with their reason.

use std::net::IpAddr;

use rustc_hash::FxHashMap;

use crate::blocklist::{Entry, EntryError, Policy, SenderKey};
use crate::model::{Model, NONE};
use crate::query::AggKey;

use super::candidate::{Candidate, Candidates, Kind, MAX_DKIM_CANDIDATES, Refused};
use super::proposal::{Proposal, not_offered};

/// A host entry is the address kind, a wider network the network kind.
pub(super) fn net_kind(e: &Entry) -> Kind {
    match e.as_net() {
        Some(n) if n.prefix_len() < n.max_prefix_len() => Kind::Network,
        _ => Kind::Address,
    }
}

/// The sorted model address indices of some messages, and the busiest address (ties to the
/// lowest index, so the choice is reproducible).
pub(super) fn client_addresses(m: &Model, msgs: &[u32]) -> (Vec<u32>, Option<IpAddr>) {
    let mut count: FxHashMap<u32, usize> = FxHashMap::default();
    for msg in msgs.iter().filter_map(|&i| m.messages.get(i as usize)) {
        if msg.ip != NONE {
            *count.entry(msg.ip).or_default() += 1;
        }
    }
    let busiest = count
        .iter()
        .max_by_key(|(ip, n)| (**n, std::cmp::Reverse(**ip)))
        .and_then(|(&ip, _)| m.ip(ip));
    let mut ips: Vec<u32> = count.into_keys().collect();
    ips.sort_unstable();
    (ips, busiest)
}

/// Everything of a `Proposal` but its entry.
pub(super) struct Context {
    pub(super) anchor: Option<IpAddr>,
    pub(super) sender: String,
    pub(super) by: AggKey,
    pub(super) suspect: Option<String>,
    pub(super) own_ips: Vec<u32>,
}

/// Candidates as they are gathered: each judged once, repeats dropped.
pub(super) struct Build {
    pub(super) policy: Policy,
    pub(super) offered: Vec<Candidate>,
    refused: Vec<Refused>,
}

impl Build {
    pub(super) fn new(policy: Policy) -> Build {
        Build {
            policy,
            offered: Vec::new(),
            refused: Vec::new(),
        }
    }

    /// Adds a candidate unless the same entry is there already; a refused one goes aside.
    fn add(&mut self, kind: Kind, what: &str, made: Result<Entry, EntryError>) {
        let entry = match made {
            Ok(e) => e,
            Err(e) => return self.refuse(kind, what.to_owned(), e.to_string()),
        };
        if self.offered.iter().any(|c| c.entry == entry) {
            return;
        }
        match not_offered(&self.policy, &entry) {
            Some(why) => self.refuse(kind, entry.to_string(), why),
            None => self.offered.push(Candidate { kind, entry }),
        }
    }

    fn refuse(&mut self, kind: Kind, what: String, why: String) {
        if !self.refused.iter().any(|r| r.what == what) {
            self.refused.push(Refused { kind, what, why });
        }
    }

    /// The client address, and the first network around it (/24, /64) unless the grouping's
    /// own network is offered already.
    pub(super) fn client(&mut self, ip: IpAddr) {
        let addr = Entry::propose(SenderKey::Ip(ip));
        let net = addr.as_ref().ok().and_then(Entry::widen);
        self.add(Kind::Address, &ip.to_string(), addr);
        if let Some(net) = net
            && !self.offered.iter().any(|c| c.kind == Kind::Network)
        {
            self.add(Kind::Network, &net.to_string(), Ok(net));
        }
    }

    /// The envelope domain and the first DKIM domains; returns how many DKIM domains were left.
    pub(super) fn domains(&mut self, envelope: Option<&str>, dkim: &[String]) -> usize {
        if let Some(d) = envelope {
            self.add(Kind::SenderDomain, d, Entry::propose(SenderKey::Domain(d)));
        }
        for d in dkim.iter().take(MAX_DKIM_CANDIDATES) {
            self.add(
                Kind::DkimDomain,
                d,
                Entry::propose(SenderKey::DkimDomain(d)),
            );
        }
        dkim.len().saturating_sub(MAX_DKIM_CANDIDATES)
    }

    pub(super) fn finish(
        self,
        shown: &str,
        c: Context,
        addresses: usize,
        dkim_left_out: usize,
    ) -> Result<Candidates, String> {
        let Some(first) = self.offered.first() else {
            let why = self
                .refused
                .iter()
                .map(|r| r.why.as_str())
                .collect::<Vec<_>>()
                .join("; ");
            return Err(if why.is_empty() {
                format!("{shown} cannot be blocked: it has no address or domain")
            } else {
                format!("{shown} cannot be blocked: {why}")
            });
        };
        let context = Proposal {
            entry: first.entry.clone(),
            anchor: c.anchor,
            sender: c.sender,
            by: c.by,
            suspect: c.suspect,
            own_ips: c.own_ips,
            policy: self.policy,
        };
        Ok(Candidates::new(
            context,
            self.offered,
            self.refused,
            addresses,
            dkim_left_out,
        ))
    }
}
