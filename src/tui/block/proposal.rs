//! What `b` proposes for one sender group (one entry, as the grouping names it), the rules it is
//! judged by, and the `w` / `W` ladder.

use std::net::IpAddr;

use ipnet::IpNet;
use rustc_hash::FxHashMap;

use crate::blocklist::policy::{self, Policy};
use crate::blocklist::{Entry, SenderKey};
use crate::model::{Model, NONE};
use crate::query::AggKey;
use crate::query::senders::domain_of;

use super::facts::BlockFacts;
use crate::tui::index::GroupIndex;

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
    step_entry(&p.policy, p.anchor, entry, wider)
}

/// One step on the prefix ladder from `entry`, narrowing toward `anchor`; refused when the
/// policy would not offer the result (in either direction, so no step can reach an entry that
/// `not_offered` refuses).
pub(super) fn step_entry(
    policy: &Policy,
    anchor: Option<IpAddr>,
    entry: &Entry,
    wider: bool,
) -> Result<Entry, String> {
    let next = if wider {
        entry.widen()
    } else {
        entry.narrow(anchor)
    };
    let Some(next) = next else {
        return Err(match (entry, wider) {
            (Entry::Net(_), true) => format!("{entry} is the widest step"),
            (Entry::Net(_), false) => format!("{entry} is a single address"),
            _ => "only addresses and networks have a prefix to change".into(),
        });
    };
    match not_offered(policy, &next) {
        Some(why) => Err(format!("stopped at {entry}: {why}")),
        None => Ok(next),
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
        // A recipient or a login is not who sends: never an entry of its own. Its
        // busiest client is what `b` proposes (the candidates offer the rest).
        AggKey::Recipient | AggKey::Auth => {
            let ip = busiest.ok_or_else(|| {
                format!("{shown} cannot be blocked: its messages name no client address")
            })?;
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
