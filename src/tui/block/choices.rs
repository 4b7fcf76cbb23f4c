//! Every entry `b` can offer for one sender group or one message, switchable inside the preview:
//! the grouping's own entry first (none for `host`, `recipient` and `auth`: a recipient address is
//! never offered), then the client address, a network around it (walked with
//! `w` / `W`), the envelope sender's domain and the domains whose DKIM signature passed.
//!
//! Each candidate is judged by `not_offered` when it is made and on every step; a refused one is
//! set aside with its reason (`Candidates::refused`) and can never become the current entry, so
//! nothing refused reaches the comment prompt. The client address is the parsed `H=` address
//! (`Message::ip`), never the HELO name.

use std::net::IpAddr;

use ipnet::IpNet;

use crate::blocklist::{Entry, Policy, SenderKey};
use crate::model::{Model, NONE};
use crate::query::AggKey;
use crate::query::key::key_text;
use crate::query::senders::domain_of;
use crate::tui::index::GroupIndex;

use super::candidate::{Candidate, Candidates, Kind, Refused};
use super::facts::BlockFacts;
use super::gather::{Build, Context, client_addresses, net_kind};
use super::preview::{Preview, preview};
use super::proposal::step_entry;
use super::proposal::{Proposal, not_offered, policy_for};

impl Candidates {
    /// The candidates for sender group `gid` of a grouping. The grouping's own entry comes first
    /// (`b` on a domain row still proposes the domain); it is refused with the same words as
    /// `propose` when the policy will not offer it, since that is what the admin asked for.
    pub fn for_group(
        m: &Model,
        facts: &BlockFacts,
        ix: &GroupIndex,
        gid: u32,
        base: &Policy,
    ) -> Result<Candidates, String> {
        let label = ix.label(gid).to_string();
        let by = ix.by();
        // Group labels are already terminal-safe (`query::key`); only cut.
        let shown = crate::tui::data::shown_safe(&label);
        if ix.grouping.is_no_value(gid) || ix.grouping.is_empty_value(gid) {
            return Err(format!(
                "{shown} cannot be blocked: it has no address or domain"
            ));
        }
        let msgs = ix.messages(gid);
        let (own_ips, busiest) = client_addresses(m, msgs);
        let main = facts.main_domain(msgs);
        let (own, anchor, suspect, envelope) = match by {
            AggKey::Ip => {
                let ip: IpAddr = label
                    .parse()
                    .map_err(|_| format!("{shown} is no address"))?;
                let own = (Kind::Address, Entry::propose(SenderKey::Ip(ip)));
                (Some(own), Some(ip), main.clone(), main)
            }
            AggKey::Net => {
                let net: IpNet = label
                    .parse()
                    .map_err(|_| format!("{shown} is no network"))?;
                let own = Entry::propose(SenderKey::Network(net));
                let kind = own.as_ref().map_or(Kind::Network, net_kind);
                (Some((kind, own)), busiest, main.clone(), main)
            }
            AggKey::Host => (None, busiest, main.clone(), main),
            // Who is targeted, or whose login sent: not an address to refuse mail
            // from. The offer is the busiest client, its network, its domain.
            AggKey::Recipient | AggKey::Auth => (None, busiest, main.clone(), main),
            AggKey::Sender => {
                let d = domain_of(label.as_bytes())
                    .map(|d| String::from_utf8_lossy(&d).into_owned())
                    .ok_or_else(|| {
                        format!("{shown} cannot be blocked: no domain in the address")
                    })?;
                let own = (Kind::SenderDomain, Entry::propose(SenderKey::Domain(&d)));
                (Some(own), busiest, Some(d.clone()), Some(d))
            }
            AggKey::Domain => {
                let own = (
                    Kind::SenderDomain,
                    Entry::propose(SenderKey::Domain(&label)),
                );
                (Some(own), busiest, Some(label.clone()), Some(label.clone()))
            }
            AggKey::DkimDomain => {
                let own = (
                    Kind::DkimDomain,
                    Entry::propose(SenderKey::DkimDomain(&label)),
                );
                (Some(own), busiest, Some(label.clone()), main)
            }
        };
        let mut b = Build::new(policy_for(m, base));
        if let Some((kind, made)) = own {
            let entry = made.map_err(|e| format!("{shown} cannot be blocked: {e}"))?;
            if let Some(why) = not_offered(&b.policy, &entry) {
                return Err(format!("{shown} cannot be blocked: {why}"));
            }
            b.offered.push(Candidate { kind, entry });
        }
        if let Some(ip) = anchor {
            b.client(ip);
        }
        let dkim_left_out = b.domains(envelope.as_deref(), &facts.dkim_domains(msgs));
        let addresses = own_ips.len();
        b.finish(
            &shown,
            Context {
                anchor,
                sender: label,
                by,
                suspect,
                own_ips,
            },
            addresses,
            dkim_left_out,
        )
    }

    /// The candidates for one message (a model message index), as from its detail: its client
    /// address, the network around it, its envelope sender's domain and its passing DKIM
    /// domains. The suspect is its envelope domain (else its first DKIM domain); its "own"
    /// addresses, not counted as collateral, are its client address and every address that sent
    /// mail with a passing signature of the suspect domain (what provably is that sender's).
    pub fn for_message(
        m: &Model,
        facts: &BlockFacts,
        msg: u32,
        base: &Policy,
    ) -> Result<Candidates, String> {
        let message = m
            .messages
            .get(msg as usize)
            .ok_or_else(|| "no such message".to_string())?;
        let Some(f) = facts.fact(msg) else {
            return Err(format!(
                "{} cannot be blocked: it did not arrive here (no <= line)",
                message.id
            ));
        };
        let ip = (message.ip != NONE).then(|| m.ip(message.ip)).flatten();
        let envelope = facts.sender_domain_of(f).map(str::to_owned);
        let dkim: Vec<String> = facts
            .dkim_of(f)
            .iter()
            .filter_map(|&d| facts.domain(d))
            .map(str::to_owned)
            .collect();
        let suspect = envelope.clone().or_else(|| dkim.first().cloned());
        let mut own_ips = suspect
            .as_deref()
            .map(|s| facts.ips_signed_by(s))
            .unwrap_or_default();
        if ip.is_some()
            && let Err(at) = own_ips.binary_search(&message.ip)
        {
            own_ips.insert(at, message.ip);
        }
        // Terminal-safe: an address, or the escaped envelope sender (`query::key`).
        let (sender, by) = match ip {
            Some(ip) => (ip.to_string(), AggKey::Ip),
            None if message.sender != NONE => (key_text(m.str(message.sender)), AggKey::Sender),
            None => (message.id.to_string(), AggKey::Sender),
        };
        let mut b = Build::new(policy_for(m, base));
        if let Some(ip) = ip {
            b.client(ip);
        }
        let dkim_left_out = b.domains(envelope.as_deref(), &dkim);
        b.finish(
            &message.id.to_string(),
            Context {
                anchor: ip,
                sender,
                by,
                suspect,
                own_ips,
            },
            usize::from(ip.is_some()),
            dkim_left_out,
        )
    }

    /// The entry the preview shows and `Enter` would write; always offered by the policy.
    pub fn current(&self) -> &Entry {
        &self.context.entry
    }

    pub fn current_kind(&self) -> Kind {
        self.offered
            .get(self.current)
            .map_or(Kind::Address, |c| c.kind)
    }

    /// Every offered entry, in switching order; `position` is the current one's index.
    pub fn candidates(&self) -> &[Candidate] {
        &self.offered
    }

    pub fn position(&self) -> usize {
        self.current
    }

    /// What was considered and refused, with the reason (never selectable).
    pub fn refused(&self) -> &[Refused] {
        &self.refused
    }

    /// How many client addresses the sender has (the address offered is the busiest).
    pub fn addresses(&self) -> usize {
        self.addresses
    }

    /// How many DKIM domains were seen but not offered (only the most frequent are).
    pub fn dkim_left_out(&self) -> usize {
        self.dkim_left_out
    }

    /// The context `preview` and `step` need: the policy, the narrowing anchor, the suspect
    /// domain and the sender's own addresses, with `entry` the current entry.
    pub fn proposal(&self) -> &Proposal {
        &self.context
    }

    /// The impact of the current entry: `preview(m, facts, self.current(), self.proposal())`.
    pub fn preview(&self, m: &Model, facts: &BlockFacts) -> Preview {
        preview(m, facts, self.current(), &self.context)
    }

    /// Tab / Shift-Tab: the next (or previous) candidate, wrapping; an error when there is no
    /// other one.
    pub fn next_kind(&mut self, forward: bool) -> Result<Entry, String> {
        let n = self.offered.len();
        if n < 2 {
            return Err(format!("{} is the only entry offered here", self.current()));
        }
        self.current = if forward {
            (self.current + 1) % n
        } else {
            (self.current + n - 1) % n
        };
        self.sync();
        Ok(self.current().clone())
    }

    /// Makes the first candidate of `kind` current; false (nothing changes) when there is none.
    pub fn select_kind(&mut self, kind: Kind) -> bool {
        let Some(i) = self.offered.iter().position(|c| c.kind == kind) else {
            return false;
        };
        self.current = i;
        self.sync();
        true
    }

    /// `w` / `W` on the address or the network: one step along the prefix ladder (IPv4
    /// /32 → /24 → /16, IPv6 /128 → /64 → /56 → /48 → /32), stopping with the reason at the
    /// policy's minimum prefix or a refusal. Widening the address moves to the network;
    /// narrowing the network down to the address moves back to the address.
    pub fn step(&mut self, wider: bool) -> Result<Entry, String> {
        let kind = self.current_kind();
        if !matches!(kind, Kind::Address | Kind::Network) {
            return Err(format!(
                "{} has no prefix to change: only the address and the network do",
                self.current()
            ));
        }
        let next = step_entry(
            &self.context.policy,
            self.context.anchor,
            self.current(),
            wider,
        )?;
        let target = match net_kind(&next) {
            Kind::Address => self
                .offered
                .iter()
                .position(|c| c.kind == Kind::Address && c.entry == next),
            _ => None,
        }
        .or_else(|| self.offered.iter().position(|c| c.kind == Kind::Network));
        let i = match target {
            Some(i) => i,
            None => {
                self.offered.push(Candidate {
                    kind: Kind::Network,
                    entry: next.clone(),
                });
                self.offered.len() - 1
            }
        };
        if let Some(c) = self.offered.get_mut(i) {
            c.entry = next.clone();
        }
        self.current = i;
        self.sync();
        Ok(next)
    }

    fn sync(&mut self) {
        if let Some(c) = self.offered.get(self.current) {
            self.context.entry = c.entry.clone();
        }
    }
}
