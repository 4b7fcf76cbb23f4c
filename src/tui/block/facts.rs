//! What blocking needs of each arrived message, built once per model: integers only (model
//! address index, interned domain ids), so a preview is one linear pass even at 1.3 M messages.

use rustc_hash::FxHashMap;

use crate::blocklist::entry::domain_within;

use crate::model::{Model, NONE, flags};
use crate::parse::DkimResult;
use crate::query::senders::domain_of;

/// What blocking needs of each arrived message, as integers.
pub struct BlockFacts {
    /// Model message index of each arrived message.
    pub(super) msgs: Vec<u32>,
    /// Index into `Model::ips` (`NONE` without a client address).
    pub(super) ip: Vec<u32>,
    /// Envelope sender domain, an id into `domains` (`NONE` when unknown).
    pub(super) sender_domain: Vec<u32>,
    /// Passing DKIM domains of fact `i`: `dkim[dkim_start[i]..dkim_start[i+1]]`.
    dkim_start: Vec<u32>,
    dkim: Vec<u32>,
    /// Recipients of fact `i`, lower-cased and interned: `rcpt[rcpt_start[i]..rcpt_start[i+1]]`.
    rcpt_start: Vec<u32>,
    rcpt: Vec<u32>,
    /// Lower-cased domains (sender and DKIM share one table).
    pub(super) domains: Vec<String>,
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

    pub(super) fn dkim_of(&self, f: usize) -> &[u32] {
        slice(&self.dkim_start, &self.dkim, f)
    }

    pub(super) fn rcpt_of(&self, f: usize) -> &[u32] {
        slice(&self.rcpt_start, &self.rcpt, f)
    }

    /// The fact index of a model message, if it arrived.
    pub(super) fn fact(&self, msg: u32) -> Option<usize> {
        let f = *self.fact_of.get(msg as usize)?;
        (f != NONE).then_some(f as usize)
    }

    /// A domain by id (lower case, no trailing dot).
    pub(super) fn domain(&self, id: u32) -> Option<&str> {
        self.domains.get(id as usize).map(String::as_str)
    }

    /// The envelope sender domain of fact `f`.
    pub(super) fn sender_domain_of(&self, f: usize) -> Option<&str> {
        self.domain(*self.sender_domain.get(f)?)
    }

    /// The domains with a passing DKIM signature among some model messages, the most frequent
    /// first (ties alphabetically, so the order is reproducible).
    pub(super) fn dkim_domains(&self, msgs: &[u32]) -> Vec<String> {
        let mut n: FxHashMap<u32, usize> = FxHashMap::default();
        for f in msgs.iter().filter_map(|&i| self.fact(i)) {
            for &d in self.dkim_of(f) {
                *n.entry(d).or_default() += 1;
            }
        }
        let mut found: Vec<(&str, usize)> = n
            .into_iter()
            .filter_map(|(d, k)| Some((self.domain(d)?, k)))
            .collect();
        found.sort_unstable_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
        found.into_iter().map(|(d, _)| d.to_owned()).collect()
    }

    /// Model address indices, sorted, of the arrivals with a passing DKIM signature of `domain`
    /// or of one of its subdomains: mail that provably is that domain's.
    pub(super) fn ips_signed_by(&self, domain: &str) -> Vec<u32> {
        let within: Vec<bool> = self
            .domains
            .iter()
            .map(|d| domain_within(d, domain))
            .collect();
        let mut ips: Vec<u32> = (0..self.msgs.len())
            .filter(|&f| {
                self.dkim_of(f)
                    .iter()
                    .any(|&d| within.get(d as usize).copied() == Some(true))
            })
            .filter_map(|f| self.ip.get(f).copied())
            .filter(|&ip| ip != NONE)
            .collect();
        ips.sort_unstable();
        ips.dedup();
        ips
    }

    /// The most frequent envelope sender domain among some model messages.
    pub(super) fn main_domain(&self, msgs: &[u32]) -> Option<String> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csr_groups_rows_and_drops_repeats() {
        let (s, i) = csr(3, [(2, 5), (0, 1), (2, 5), (2, 4)].into_iter());
        assert_eq!(s, [0, 1, 1, 3]);
        assert_eq!(i, [1, 5, 4]);
    }
}
