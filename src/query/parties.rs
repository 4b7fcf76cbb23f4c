//! Who a message or a client event names beside its client: the recipients a
//! message went to, the login that submitted it, the recipient a `RCPT` was
//! refused for, the login a failed authentication tried. The `recipient` and
//! `auth` groupings read them here.
//!
//! The model keeps recipients per message but no login: the login is read
//! again from the arrival line, and only for the messages whose flags say the
//! line has one, so building the `auth` grouping parses a few lines, not all.

use crate::model::{Message, Model, flags};
use crate::parse::exim::parse_line;
use crate::parse::{LineKind, ParseContext, Payload, RejectStage};

/// `Model::recipients` regrouped by message: the recipients of message `i` are
/// `addrs[start[i]..start[i + 1]]` (interned addresses, in log order, repeats
/// kept: a `for` list and its deliveries name the same address).
pub struct RecipientsByMessage {
    start: Vec<u32>,
    addrs: Vec<u32>,
}

impl RecipientsByMessage {
    /// A counting sort of `Model::recipients` by message: two linear passes.
    pub fn new(m: &Model) -> RecipientsByMessage {
        let n = m.messages.len();
        let mut start = vec![0u32; n + 1];
        for r in &m.recipients {
            if let Some(c) = start.get_mut(r.msg as usize + 1) {
                *c += 1;
            }
        }
        for i in 0..n {
            start[i + 1] += start[i];
        }
        let mut fill = start.clone();
        let mut addrs = vec![0u32; start[n] as usize];
        for r in &m.recipients {
            if (r.msg as usize) < n
                && let Some(at) = fill.get_mut(r.msg as usize)
            {
                addrs[*at as usize] = r.addr;
                *at += 1;
            }
        }
        RecipientsByMessage { start, addrs }
    }

    pub fn of(&self, msg: u32) -> &[u32] {
        let i = msg as usize;
        match (self.start.get(i), self.start.get(i + 1)) {
            (Some(&a), Some(&b)) => self.addrs.get(a as usize..b as usize).unwrap_or_default(),
            _ => &[],
        }
    }
}

/// The id an authenticated arrival logged (`A=dovecot_plain:joe@example.com`
/// gives `joe@example.com`; an `A=` without an id, as Exim writes it when the
/// authenticator sets none, gives the authenticator's name), else for a local
/// submission its user (`U=root`). `None` for anything else: a `U=` on an SMTP
/// arrival is an RFC 1413 ident answer, the client's claim, not a login here.
pub fn login(m: &Model, msg: &Message) -> Option<Vec<u8>> {
    if !msg.has(flags::ARRIVED) || !msg.has(flags::AUTH) && !msg.has(flags::LOCAL) {
        return None;
    }
    let text = m.line(msg.arrival_line);
    let ev = parse_line(&text, &ParseContext::default());
    let Payload::Arrival(a) = ev.payload else {
        return None;
    };
    if let Some(auth) = a.auth {
        let id = match memchr::memchr(b':', auth) {
            Some(i) => auth.get(i + 1..).unwrap_or_default(),
            None => auth,
        };
        return Some(id.to_vec());
    }
    if msg.has(flags::LOCAL) {
        return a.ident.map(<[u8]>::to_vec);
    }
    None
}

/// What a client event names for the `recipient` and `auth` groupings: the
/// `RCPT` argument of a recipient rejection, the `set_id=` of a failed login.
pub enum EventParty {
    Recipient(Vec<u8>),
    Login(Vec<u8>),
    Nothing,
}

/// Reads line `line` (a `Model::peer_events` line of kind `kind`) for the party
/// it names; only rejections and failed logins are parsed.
pub fn event_party(m: &Model, line: u32, kind: LineKind) -> EventParty {
    if !kind.is_rejection() && kind != LineKind::AuthFailure {
        return EventParty::Nothing;
    }
    let text = m.line(line);
    let ev = parse_line(&text, &ParseContext::default());
    match ev.payload {
        Payload::Rejection(r) if r.stage == RejectStage::Rcpt => match r.argument {
            Some(a) if !a.is_empty() => EventParty::Recipient(a.to_vec()),
            _ => EventParty::Nothing,
        },
        Payload::Auth {
            set_id: Some(id), ..
        } if !id.is_empty() => EventParty::Login(id.to_vec()),
        _ => EventParty::Nothing,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::load::{LoadOptions, from_bytes};

    #[test]
    fn logins_come_from_a_and_local_u_and_events_name_their_party() {
        let log = "\
2025-01-06 10:00:00 1tUq1a-000001-AA <= joe@example.com H=(laptop) [198.51.100.7] P=esmtpsa A=dovecot_plain:joe@example.com S=100 for a@example.org
2025-01-06 10:00:01 1tUq1b-000001-AA <= root@mx U=root P=local S=100 for b@example.org
2025-01-06 10:00:02 1tUq1c-000001-AA <= x@example.net H=mx.example.net [192.0.2.1] U=ident P=esmtp S=100 for c@example.org
2025-01-06 10:00:03 1tUq1d-000001-AA <= y@example.net H=(laptop) [198.51.100.8] P=esmtpa A=plain S=100 for d@example.org
2025-01-06 10:00:04 H=(x) [203.0.113.9] F=<s@x.test> rejected RCPT <Ceo@Example.org>: relay not permitted
2025-01-06 10:00:05 dovecot_plain authenticator failed for (x) [203.0.113.9]: 535 Incorrect authentication data (set_id=joe@example.com)
";
        let opts = LoadOptions {
            threads: 1,
            ..LoadOptions::default()
        };
        let m = from_bytes("t", log.as_bytes().to_vec(), &opts);
        let logins: Vec<Option<Vec<u8>>> = m.messages.iter().map(|x| login(&m, x)).collect();
        assert_eq!(
            logins,
            vec![
                Some(b"joe@example.com".to_vec()),
                Some(b"root".to_vec()),
                None,
                Some(b"plain".to_vec()),
            ]
        );
        let parties: Vec<String> = m
            .peer_events
            .iter()
            .map(|p| match event_party(&m, p.line, m.peer_kind(p)) {
                EventParty::Recipient(r) => format!("rcpt {}", String::from_utf8_lossy(&r)),
                EventParty::Login(l) => format!("login {}", String::from_utf8_lossy(&l)),
                EventParty::Nothing => "-".into(),
            })
            .collect();
        assert_eq!(parties, ["rcpt Ceo@Example.org", "login joe@example.com"]);
        let by = RecipientsByMessage::new(&m);
        assert_eq!(by.of(0).len(), 1);
        assert!(by.of(99).is_empty());
    }
}
