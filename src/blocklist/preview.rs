//! What an entry would block, computed over plain message facts so it never depends on the model.
//! Must never decide anything: it only counts, for the admin to judge collateral damage.

use std::collections::BTreeSet;
use std::net::IpAddr;

use super::entry::Entry;

/// The facts about one arrived message that blocking decisions need. Borrowed, so callers can
/// build it from any model without copying.
#[derive(Debug, Clone, Copy)]
pub struct MessageFacts<'a> {
    /// The connecting client's address.
    pub ip: Option<IpAddr>,
    /// The envelope sender's domain.
    pub sender_domain: Option<&'a str>,
    /// Domains whose DKIM signature on this message verified.
    pub dkim_pass_domains: &'a [&'a str],
    pub recipients: &'a [&'a str],
    /// The key the model groups senders by (shown to the admin, compared for "distinct").
    pub sender_key: &'a str,
}

/// Owned message facts, for sources that cannot lend (e.g. facts gathered from log files); also
/// (de)serialisable so fixtures can be written by hand.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct OwnedFacts {
    pub ip: Option<IpAddr>,
    pub sender_domain: Option<String>,
    pub dkim_pass_domains: Vec<String>,
    pub recipients: Vec<String>,
    pub sender_key: String,
}

/// Borrowed views of the string lists inside `OwnedFacts`, kept alive while `MessageFacts` borrow
/// them.
pub struct FactsViews<'a> {
    owned: &'a [OwnedFacts],
    dkim: Vec<Vec<&'a str>>,
    rcpt: Vec<Vec<&'a str>>,
}

impl<'a> FactsViews<'a> {
    pub fn new(owned: &'a [OwnedFacts]) -> Self {
        let strs = |v: &'a Vec<String>| v.iter().map(String::as_str).collect();
        FactsViews {
            owned,
            dkim: owned.iter().map(|o| strs(&o.dkim_pass_domains)).collect(),
            rcpt: owned.iter().map(|o| strs(&o.recipients)).collect(),
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = MessageFacts<'_>> + Clone {
        self.owned
            .iter()
            .zip(self.dkim.iter().zip(&self.rcpt))
            .map(|(o, (d, r))| MessageFacts {
                ip: o.ip,
                sender_domain: o.sender_domain.as_deref(),
                dkim_pass_domains: d,
                recipients: r,
                sender_key: &o.sender_key,
            })
    }
}

/// What an entry would have blocked among the given messages.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Impact {
    pub messages: usize,
    /// Distinct `sender_key`s among matched messages, sorted.
    pub senders: Vec<String>,
    /// Distinct recipients (case-insensitive) of matched messages.
    pub recipients: usize,
    /// Matched messages with a passing DKIM signature that is not the target's (see
    /// `signature_is_target`): likely legitimate mail that would be lost.
    pub collateral_dkim_messages: usize,
    /// Those other signing domains, sorted.
    pub collateral_dkim_domains: Vec<String>,
    /// For network entries: distinct client addresses inside the network that sent at least one
    /// matched message not attributable to the suspect domain, sorted. Without a suspect domain
    /// nothing is attributable, so every address in a network wider than one host is listed.
    pub collateral_ips: Vec<IpAddr>,
}

impl Impact {
    pub fn sender_count(&self) -> usize {
        self.senders.len()
    }
}

/// Whether an entry matches one message: by client address, envelope sender domain, or a
/// passing DKIM signature.
pub fn entry_matches(entry: &Entry, m: &MessageFacts<'_>) -> bool {
    match entry {
        Entry::Net(_) => m.ip.is_some_and(|ip| entry.matches_ip(ip)),
        Entry::SenderDomain(_) => m.sender_domain.is_some_and(|d| entry.matches_domain(d)),
        Entry::DkimDomain(_) => m
            .dkim_pass_domains
            .iter()
            .any(|d| entry.matches_dkim_domain(d)),
    }
}

/// Whether a passing DKIM signature by `signer` on a message `entry` matches is what the admin
/// means to block, rather than evidence of legitimate mail that would be lost:
/// - `dkim:X` targets X's signatures (and its subdomains'); another signer is collateral.
/// - `domain:X` matches the envelope sender, which anyone can forge; a valid signature of X
///   itself proves the mail really is X's, so *every* passing signature is collateral, the
///   blocked domain's own included (blocking `domain:gmail.com` loses genuine Gmail mail).
/// - a network targets a client; signatures of the suspect domain are its own, others (or all,
///   without a suspect) are collateral.
pub fn signature_is_target(entry: &Entry, signer: &str, suspect: Option<&str>) -> bool {
    match entry {
        Entry::DkimDomain(_) => entry.matches_dkim_domain(signer),
        Entry::SenderDomain(_) => false,
        Entry::Net(_) => suspect.is_some_and(|s| belongs_to(signer, s)),
    }
}

fn belongs_to(domain: &str, suspect: &str) -> bool {
    let suspect = suspect.strip_suffix('.').unwrap_or(suspect);
    Entry::SenderDomain(suspect.to_ascii_lowercase()).matches_domain(domain)
}

/// Counts what `entry` matches among `msgs`, and the collateral relative to `suspect_domain`
/// (the domain the admin believes is abusive).
pub fn preview<'a>(
    entry: &Entry,
    msgs: impl Iterator<Item = MessageFacts<'a>>,
    suspect_domain: Option<&str>,
) -> Impact {
    let mut impact = Impact::default();
    let mut senders = BTreeSet::new();
    let mut recipients = BTreeSet::new();
    let mut dkim_domains = BTreeSet::new();
    let mut ips = BTreeSet::new();
    let wider_than_host = entry
        .as_net()
        .is_some_and(|n| n.prefix_len() < n.max_prefix_len());
    for m in msgs.filter(|m| entry_matches(entry, m)) {
        impact.messages += 1;
        senders.insert(m.sender_key);
        for r in m.recipients {
            recipients.insert(r.to_ascii_lowercase());
        }
        let other_signers: Vec<&str> = m
            .dkim_pass_domains
            .iter()
            .copied()
            .filter(|d| !signature_is_target(entry, d, suspect_domain))
            .collect();
        if !other_signers.is_empty() {
            impact.collateral_dkim_messages += 1;
            dkim_domains.extend(other_signers.iter().map(|d| d.to_ascii_lowercase()));
        }
        if let (Some(ip), true) = (m.ip, entry.as_net().is_some()) {
            let attributable = suspect_domain.is_some_and(|s| {
                m.sender_domain.is_some_and(|d| belongs_to(d, s))
                    || m.dkim_pass_domains.iter().any(|d| belongs_to(d, s))
            });
            if !attributable && (suspect_domain.is_some() || wider_than_host) {
                ips.insert(ip);
            }
        }
    }
    impact.senders = senders.into_iter().map(str::to_owned).collect();
    impact.recipients = recipients.len();
    impact.collateral_dkim_domains = dkim_domains.into_iter().collect();
    impact.collateral_ips = ips.into_iter().collect();
    impact
}

/// One row of `block check`: what an entry matched in the given messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckRow {
    pub line_no: usize,
    pub entry: Entry,
    pub impact: Impact,
}

/// Runs `preview` for every entry; `msgs` is cloned per entry, so pass a cheap iterator.
pub fn check<'a, 'e>(
    entries: impl Iterator<Item = (usize, &'e Entry)>,
    msgs: impl Iterator<Item = MessageFacts<'a>> + Clone,
) -> Vec<CheckRow> {
    entries
        .map(|(line_no, entry)| CheckRow {
            line_no,
            entry: entry.clone(),
            impact: preview(entry, msgs.clone(), None),
        })
        .collect()
}
