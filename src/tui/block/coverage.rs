//! Which blocklist entry covers a sender: the entry a group's key stands for, containment, and
//! the most specific covering entry (the `B` markers and `u`).

use std::net::IpAddr;

use crate::blocklist::{Blocklist, Entry, SenderKey};
use crate::model::{Model, NONE};
use crate::query::AggKey;
use crate::query::senders::domain_of;
use crate::tui::index::GroupIndex;

/// The entry a sender's key stands for when asking whether the blocklist covers it: the same
/// mapping `b` uses, without looking at messages (host groups are covered through their single
/// address, found by the caller).
pub fn key_entry(by: AggKey, label: &str, host_ip: Option<IpAddr>) -> Option<Entry> {
    let key = match by {
        AggKey::Ip => SenderKey::Ip(label.parse().ok()?),
        AggKey::Net => SenderKey::Network(label.parse().ok()?),
        AggKey::Host => SenderKey::Ip(host_ip?),
        // No entry stands for a recipient or a login.
        AggKey::Recipient | AggKey::Auth => return None,
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
    fn a_network_covers_its_hosts_and_a_domain_its_subdomains() {
        let e = |s: &str| Entry::parse(s).expect("entry");
        assert!(covers(&e("192.0.2.0/24"), &e("192.0.2.7")));
        assert!(!covers(&e("192.0.2.7"), &e("192.0.2.0/24")));
        assert!(covers(&e("domain:example.org"), &e("domain:a.example.org")));
        assert!(!covers(&e("dkim:example.org"), &e("domain:example.org")));
    }
}
