//! A sender group's rejections, readable: each rejected command or connection
//! with its time, SMTP stage, the recipient or sender it named and Exim's reason
//! text, and the reasons summarised by category.
//!
//! Nothing of this is kept in the model: the group's rejection lines are found
//! through `Grouping::peer_groups` (lines without an id) and the group's rejected
//! messages (`rejected after DATA`), and parsed again here. Text fields are
//! offsets into the line (`Span`); callers sanitize what they print.

use super::senders::{Filter, Grouping, message_passes};
use crate::model::{Model, NONE, flags};
use crate::parse::exim::parse_line;
use crate::parse::{Family, LineKind, ParseContext, Payload, RejectStage};

/// Where in the dialogue the client was turned away: Exim's stage, plus the
/// failed logins and protocol errors listed beside the rejections.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    Connect,
    Helo,
    Mail,
    Rcpt,
    Data,
    AfterData,
    LocalScan,
    Size,
    SenderVerify,
    /// `authenticator failed for …` (not counted in `rejections`: see `auth_failures`).
    Auth,
    /// `SMTP protocol synchronization error`, `SMTP protocol error in`, `SMTP syntax error in`.
    Protocol,
    Other,
}

impl Stage {
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Connect => "connect",
            Stage::Helo => "helo",
            Stage::Mail => "mail",
            Stage::Rcpt => "rcpt",
            Stage::Data => "data",
            Stage::AfterData => "after_data",
            Stage::LocalScan => "local_scan",
            Stage::Size => "size",
            Stage::SenderVerify => "sender_verify",
            Stage::Auth => "auth",
            Stage::Protocol => "protocol",
            Stage::Other => "other",
        }
    }

    fn of(s: RejectStage) -> Stage {
        match s {
            RejectStage::Connect => Stage::Connect,
            RejectStage::Helo => Stage::Helo,
            RejectStage::Mail => Stage::Mail,
            RejectStage::Rcpt => Stage::Rcpt,
            RejectStage::Data => Stage::Data,
            RejectStage::AfterData => Stage::AfterData,
            RejectStage::LocalScan => Stage::LocalScan,
            RejectStage::Size => Stage::Size,
            RejectStage::SenderVerify => Stage::SenderVerify,
            RejectStage::Other => Stage::Other,
        }
    }
}

/// What a rejection was for, read from stable substrings of Exim's (and common
/// ACLs') messages. The order of the tests in [`Reason::classify`] decides ties.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// `relay not permitted`, `relaying denied`.
    Relay,
    /// `Unrouteable address`, `User unknown`, `Unknown user`, `no such user`,
    /// `Previous (cached) callout verification failure` on a RCPT.
    UnknownUser,
    /// `Host is ratelimited`, `rate limit`, `too many`.
    RateLimit,
    /// `authenticator failed for … 535 Incorrect authentication data`.
    AuthFailure,
    /// `is in a black list at`, `blacklist`, `blocklist`, `listed at`, `DNSBL`, `RBL`.
    Dnsbl,
    /// `sender verify fail`, `Sender verify failed`, `Could not complete sender verify`.
    SenderVerify,
    /// `spam points`, `spam score`, `virus`, `malware`.
    SpamContent,
    /// `Greylisted`, `greylist` (a temporary rejection a real server retries past).
    Greylist,
    /// `Invalid HELO name`, a rejected `EHLO`/`HELO` argument.
    BadHelo,
    /// Protocol errors: synchronization (talking before the greeting), bad commands.
    Protocol,
    /// Anything else an ACL refused (`SPF check failed`, size, local policy).
    PolicyOther,
}

impl Reason {
    pub const ALL: [Reason; 11] = [
        Reason::Relay,
        Reason::UnknownUser,
        Reason::RateLimit,
        Reason::AuthFailure,
        Reason::Dnsbl,
        Reason::SenderVerify,
        Reason::SpamContent,
        Reason::Greylist,
        Reason::BadHelo,
        Reason::Protocol,
        Reason::PolicyOther,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Reason::Relay => "relay",
            Reason::UnknownUser => "unknown_user",
            Reason::RateLimit => "rate_limit",
            Reason::AuthFailure => "auth_failure",
            Reason::Dnsbl => "dnsbl",
            Reason::SenderVerify => "sender_verify",
            Reason::SpamContent => "spam_content",
            Reason::Greylist => "greylist",
            Reason::BadHelo => "bad_helo",
            Reason::Protocol => "protocol",
            Reason::PolicyOther => "policy_other",
        }
    }

    /// The category of a rejection at `stage` with reason text `text` (the
    /// whole body when the line gives no reason), ignoring ASCII case.
    pub fn classify(stage: Stage, text: &[u8]) -> Reason {
        let t = text.to_ascii_lowercase();
        let has = |n: &str| memchr::memmem::find(&t, n.as_bytes()).is_some();
        match stage {
            Stage::Auth => return Reason::AuthFailure,
            Stage::Protocol => return Reason::Protocol,
            Stage::SenderVerify => return Reason::SenderVerify,
            _ => {}
        }
        if has("relay not permitted") || has("relaying denied") || has("relay access denied") {
            Reason::Relay
        } else if has("black list")
            || has("blacklist")
            || has("blocklist")
            || has("dnsbl")
            || has("listed at")
            || has("spamhaus")
            || has(" rbl")
        {
            Reason::Dnsbl
        } else if has("ratelimit") || has("rate limit") || has("too many") {
            Reason::RateLimit
        } else if has("sender verify") || has("sender address verification") {
            Reason::SenderVerify
        } else if has("unrouteable address")
            || has("unknown user")
            || has("user unknown")
            || has("no such user")
            || has("unknown local part")
            || has("mailbox unavailable")
            || (stage == Stage::Rcpt && has("callout verification failure"))
        {
            Reason::UnknownUser
        } else if has("greylist") {
            Reason::Greylist
        } else if has("spam") || has("virus") || has("malware") {
            Reason::SpamContent
        } else if has("helo") || stage == Stage::Helo {
            Reason::BadHelo
        } else if has("synchronization error") || has("input=\"") {
            Reason::Protocol
        } else {
            Reason::PolicyOther
        }
    }
}

/// A piece of a line: byte offset and length (cheap to keep, read back with
/// [`Span::of`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub at: u32,
    pub len: u32,
}

impl Span {
    /// Where `part` (a subslice of `line`) sits in `line`.
    fn within(line: &[u8], part: &[u8]) -> Option<Span> {
        let start = (part.as_ptr() as usize).checked_sub(line.as_ptr() as usize)?;
        if start.checked_add(part.len())? > line.len() {
            return None;
        }
        Some(Span {
            at: u32::try_from(start).ok()?,
            len: u32::try_from(part.len()).ok()?,
        })
    }

    /// The bytes of this span in `line` (empty when it does not fit).
    pub fn of(self, line: &[u8]) -> &[u8] {
        let a = self.at as usize;
        line.get(a..a + self.len as usize).unwrap_or_default()
    }
}

/// One rejection (or failed login, or protocol error) of a group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RejectionRow {
    /// The model line.
    pub line: u32,
    /// The message it belongs to (`NONE` for a line without an id).
    pub msg: u32,
    pub time: i64,
    pub stage: Stage,
    /// `temporarily rejected`, `sender verify defer`.
    pub temporary: bool,
    pub reason: Reason,
    /// The `RCPT` argument.
    pub recipient: Option<Span>,
    /// `F=`, the `MAIL` argument, the address a sender verification failed for.
    pub sender: Option<Span>,
    /// An auth failure's `set_id=`.
    pub login: Option<Span>,
    /// Exim's reason text (the body when the line gives none).
    pub text: Span,
}

impl RejectionRow {
    /// Whether this row is counted in a sender's `rejections` (auth failures
    /// and protocol errors are listed beside them, counted apart).
    pub fn is_rejection(&self) -> bool {
        !matches!(self.stage, Stage::Auth | Stage::Protocol)
    }
}

/// Reads line `line` as a rejection row, if it is one.
pub fn read_row(m: &Model, line: u32, msg: u32, time: i64) -> Option<RejectionRow> {
    let text = m.line(line);
    let ev = parse_line(&text, &ParseContext::default());
    let span = |p: &[u8]| Span::within(&text, p);
    let body = span(ev.body).unwrap_or(Span { at: 0, len: 0 });
    let mut row = RejectionRow {
        line,
        msg,
        time,
        stage: Stage::Other,
        temporary: false,
        reason: Reason::PolicyOther,
        recipient: None,
        sender: None,
        login: None,
        text: body,
    };
    match (&ev.kind, &ev.payload) {
        (LineKind::Rejection | LineKind::SenderVerifyFail, Payload::Rejection(r)) => {
            row.stage = Stage::of(r.stage);
            row.temporary = r.temporary;
            match r.stage {
                RejectStage::Rcpt => row.recipient = r.argument.and_then(span),
                RejectStage::Mail => row.sender = r.argument.and_then(span),
                _ => {}
            }
            if row.sender.is_none() {
                row.sender = r.sender.and_then(span);
            }
            if let Some(t) = r.reason.and_then(span) {
                row.text = t;
            }
            // `SMTP protocol synchronization error (…): rejected connection from
            // H=[ip] input="GET / …"` is a client talking before the greeting.
            if r.reason.is_none() && memchr::memmem::find(ev.body, b" input=\"").is_some() {
                row.stage = Stage::Protocol;
            }
        }
        (LineKind::AuthFailure, Payload::Auth { set_id, .. }) => {
            row.stage = Stage::Auth;
            row.login = set_id.and_then(span);
            // `… [ip]:port: 535 Incorrect authentication data (set_id=…)`.
            let after_host = memchr::memrchr(b']', ev.body).unwrap_or(0);
            if let Some(tail) = ev.body.get(after_host..)
                && let Some(i) = memchr::memmem::find(tail, b": ")
                && let Some(t) = tail.get(i + 2..).and_then(span)
            {
                row.text = t;
            }
        }
        (LineKind::Session, _) if m.is_protocol_error(line) => {
            row.stage = Stage::Protocol;
        }
        _ => return None,
    }
    row.reason = Reason::classify(row.stage, row.text.of(&text));
    Some(row)
}

/// Whether a peer event's line can be a row (a cheap test before parsing).
fn peer_kind_listed(k: LineKind) -> bool {
    k.is_rejection() || k == LineKind::AuthFailure || k == LineKind::Session
}

/// The rejections of group `gid` that pass the filter, in log order: its
/// rejection, failed-login and protocol-error lines without an id, and the
/// first rejection line of each of its messages that was rejected and never
/// arrived (the one `rejections` counts). Costs a pass over the messages and
/// the client lines plus a parse of each line listed.
pub fn rejections_of(m: &Model, g: &Grouping, gid: u32, f: &Filter) -> Vec<RejectionRow> {
    let mut out = Vec::new();
    each_row(m, g, f, |g_of| g_of == gid, |_, r| out.push(r));
    out.sort_by_key(|r| r.line);
    out
}

/// The reason summary (at most `top`) of each group of `gids`, in that order,
/// in one pass over the model (each rejection line of those groups parsed once).
pub fn reason_summaries(
    m: &Model,
    g: &Grouping,
    f: &Filter,
    gids: &[u32],
    top: usize,
) -> Vec<Vec<ReasonCount>> {
    let mut slot: rustc_hash::FxHashMap<u32, usize> = rustc_hash::FxHashMap::default();
    for (i, &gid) in gids.iter().enumerate() {
        slot.entry(gid).or_insert(i);
    }
    let mut counts = vec![[0u64; Reason::ALL.len()]; gids.len()];
    each_row(
        m,
        g,
        f,
        |gid| slot.contains_key(&gid),
        |gid, r| {
            let c = slot.get(&gid).and_then(|&i| counts.get_mut(i));
            let at = Reason::ALL.iter().position(|x| *x == r.reason);
            if let (Some(c), Some(at)) = (c, at)
                && let Some(n) = c.get_mut(at)
            {
                *n += 1;
            }
        },
    );
    gids.iter()
        .map(|gid| {
            let c = slot
                .get(gid)
                .and_then(|&i| counts.get(i))
                .copied()
                .unwrap_or_default();
            top_of(&c, top)
        })
        .collect()
}

/// Calls `emit(gid, row)` for each row of every group `want` accepts.
fn each_row(
    m: &Model,
    g: &Grouping,
    f: &Filter,
    want: impl Fn(u32) -> bool,
    mut emit: impl FnMut(u32, RejectionRow),
) {
    for i in 0..m.messages.len() as u32 {
        let gids = g.groups_of(i);
        if !gids.iter().any(|&x| want(x)) {
            continue;
        }
        if let Some(r) = message_row(m, f, i) {
            for &gid in gids.iter().filter(|&&x| want(x)) {
                emit(gid, r);
            }
        }
    }
    for (pi, &gid) in g.peer_groups().iter().enumerate() {
        if gid == NONE || !want(gid) {
            continue;
        }
        if let Some(r) = peer_row(m, f, pi as u32) {
            emit(gid, r);
        }
    }
}

/// The rows among one group's messages `msgs` and client events `peers` (indices into
/// `Model::peer_events`), in log order: what [`rejections_of`] finds for the group
/// whose messages and events these are, without a pass over the whole model (the
/// TUI keeps both lists per group).
pub fn rejections_among(m: &Model, f: &Filter, msgs: &[u32], peers: &[u32]) -> Vec<RejectionRow> {
    let mut out: Vec<RejectionRow> = msgs
        .iter()
        .filter_map(|&i| message_row(m, f, i))
        .chain(peers.iter().filter_map(|&pi| peer_row(m, f, pi)))
        .collect();
    out.sort_by_key(|r| r.line);
    out
}

/// The row of message `i`: its first rejection line, when it was rejected, never
/// arrived (the one `rejections` counts) and passes the filter.
fn message_row(m: &Model, f: &Filter, i: u32) -> Option<RejectionRow> {
    let msg = m.messages.get(i as usize)?;
    if msg.has(flags::ARRIVED) || !msg.has(flags::REJECTED) || !message_passes(m, f, i) {
        return None;
    }
    let first = m.message_lines(i).take(m.line_count()).find(|&l| {
        m.line_kind
            .get(l as usize)
            .is_some_and(|k| k.is_rejection())
    })?;
    read_row(m, first, i, msg.time)
}

/// The row of client event `pi` (a line without an id), when it is a rejection, a
/// failed login or a protocol error that passes the filter. A DKIM filter keeps only
/// messages, so no event passes it.
fn peer_row(m: &Model, f: &Filter, pi: u32) -> Option<RejectionRow> {
    let p = m.peer_events.get(pi as usize)?;
    if f.dkim.is_some() || !peer_kind_listed(m.peer_kind(p)) {
        return None;
    }
    if f.family.is_some_and(|x| x != Family::of(m.ip(p.ip))) || !peer_time_ok(f, p.time) {
        return None;
    }
    if let Some(x) = &f.matches
        && !x.lines.contains(p.line)
    {
        return None;
    }
    read_row(m, p.line, NONE, p.time)
}

fn peer_time_ok(f: &Filter, t: i64) -> bool {
    f.time.is_none_or(|(a, b)| t >= a && t <= b)
}

/// A reason and how many rows gave it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct ReasonCount {
    pub reason: Reason,
    pub count: u64,
}

/// Rows by reason, most first (ties in [`Reason::ALL`] order), at most `top`.
pub fn summarise(rows: &[RejectionRow], top: usize) -> Vec<ReasonCount> {
    let mut counts = [0u64; Reason::ALL.len()];
    for r in rows {
        if let Some(c) = Reason::ALL
            .iter()
            .position(|x| *x == r.reason)
            .and_then(|i| counts.get_mut(i))
        {
            *c += 1;
        }
    }
    top_of(&counts, top)
}

fn top_of(counts: &[u64; Reason::ALL.len()], top: usize) -> Vec<ReasonCount> {
    let mut out: Vec<ReasonCount> = Reason::ALL
        .iter()
        .zip(counts.iter().copied())
        .filter(|(_, c)| *c > 0)
        .map(|(&reason, count)| ReasonCount { reason, count })
        .collect();
    out.sort_by_key(|c| std::cmp::Reverse(c.count));
    out.truncate(top);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::load::{LoadOptions, from_bytes};

    fn row_of(line: &str) -> RejectionRow {
        let opts = LoadOptions {
            threads: 1,
            ..LoadOptions::default()
        };
        let m = from_bytes("t", format!("{line}\n").into_bytes(), &opts);
        read_row(&m, 0, NONE, 0).expect(line)
    }

    fn text(line: &str, s: Option<Span>) -> String {
        String::from_utf8_lossy(s.map_or(&b""[..], |s| s.of(line.as_bytes()))).into_owned()
    }

    /// One real line per category, with the file it was taken from.
    #[test]
    fn each_reason_category_on_real_lines() {
        for (file, line, stage, reason) in [
            (
                "../shared/samples/realworld/perericr-ddgrey-mainlog.log",
                "2020-02-22 01:06:24 H=(ejectfox.icu) [193.31.117.203] F=<keto@ejectfox.icu> rejected RCPT <535f.49acfc5e@rosnix.net>: Previous (cached) callout verification failure",
                Stage::Rcpt,
                Reason::UnknownUser,
            ),
            (
                "assets/demo/mainlog",
                "2025-01-06 12:16:59 H=13-0-33-87.dsl.tamfield.io [87.33.0.13]:42717 I=[192.0.2.25]:25 F=<stefan10@coraridge.eu> rejected RCPT <ceo@example.org>: Unrouteable address",
                Stage::Rcpt,
                Reason::UnknownUser,
            ),
            (
                "assets/demo/mainlog",
                "2025-01-11 21:40:39 H=mail2.islawave.com [112.241.39.77]:25549 I=[192.0.2.25]:25 F=<emil.novak662@orbmark16.co.uk> rejected RCPT <fatima.martin@quillantra.at>: relay not permitted",
                Stage::Rcpt,
                Reason::Relay,
            ),
            (
                "assets/demo/mainlog",
                "2025-01-07 17:54:56 H=(mx.dorford.com) [2607:f8b0:e6e1:1b0:3ab1:7b23:67c3:9934]:50245 I=[2001:db8:25::25]:25 F=<paulbernard346@dorford.com> rejected RCPT <rwolf@example.org>: Rejected because 2607:f8b0:e6e1:1b0:3ab1:7b23:67c3:9934 is in a black list at zen.rbl.example.net",
                Stage::Rcpt,
                Reason::Dnsbl,
            ),
            (
                "assets/demo/mainlog",
                "2025-01-09 00:05:51 H=167-70-117-84.dsl.keslink41.fr [84.117.70.167]:31115 I=[192.0.2.25]:25 temporarily rejected connection in \"connect\" ACL: \"Host is ratelimited (8.2/1h max:2.0)\"",
                Stage::Connect,
                Reason::RateLimit,
            ),
            (
                "assets/demo/mainlog",
                "2025-01-09 00:00:52 H=(islamont.biz) [2001:67c:f209:3:b729:2b49:3246:d717]:48344 I=[2001:db8:25::25]:25 X=TLS1.2:ECDHE-RSA-AES128-GCM-SHA256:128 CV=no F=<xenia.neumann@junbrook.com> temporarily rejected RCPT <mlehmann@example.org>: Greylisted, please try again later",
                Stage::Rcpt,
                Reason::Greylist,
            ),
            (
                "assets/demo/mainlog",
                "2025-01-09 06:11:41 H=mail.wynnet.net [2607:f8b0:e6e1:260e::19]:49671 I=[2001:db8:25::25]:25 F=<elena.lange@zenridge.top> rejected RCPT <maria.becker@example.org>: Sender verify failed",
                Stage::Rcpt,
                Reason::SenderVerify,
            ),
            (
                "assets/demo/mainlog",
                "2025-01-09 06:11:41 H=mail.wynnet.net [2607:f8b0:e6e1:260e::19]:49671 I=[2001:db8:25::25]:25 sender verify fail for <elena.lange@zenridge.top>: Unrouteable address",
                Stage::SenderVerify,
                Reason::SenderVerify,
            ),
            (
                "assets/demo/mainlog",
                "2025-01-09 13:51:09 1tVswH-000000000s4-46SV H=(User) [2a03:b0c0:ebb5:1f:b7a1:7d26:1cb0:3d94]:60928 I=[2001:db8:25::25]:25 F=<c.novak@glennet.org> rejected after DATA: This message scored 17.0 spam points.",
                Stage::AfterData,
                Reason::SpamContent,
            ),
            (
                "../shared/samples/realworld/artik292-ddos-exim_mainlog.log",
                "2023-04-23 06:01:48 H=(WIN-CLJ1B0GQ6JP) [45.88.67.59]:58135 rejected MAIL <spameri@tiscali.it>: Access denied - Invalid HELO name (See RFC2821 4.1.1.1)",
                Stage::Mail,
                Reason::BadHelo,
            ),
            (
                "../shared/samples/realworld/heavybrain101-youtube-mainlog.log",
                "2024-03-14 00:42:00 SMTP protocol synchronization error (input sent without waiting for greeting): rejected connection from H=[45.129.14.128] input=\"QUIT\\r\\n\"",
                Stage::Protocol,
                Reason::Protocol,
            ),
            (
                "../shared/samples/realworld/fail2ban-issue-3060.log",
                "2024-03-24T02:05:21.420+00:00 info exim[8003]: [8003] SMTP protocol error in \"AUTH LOGIN\" H=(User) [194.33.191.29]:4816 I=[65.109.230.99]:25 Ci=8003 LOGIN authentication mechanism not supported",
                Stage::Protocol,
                Reason::Protocol,
            ),
            (
                "../shared/samples/realworld/artik292-ddos-exim_mainlog.log",
                "2023-04-23 03:50:45 dovecot_login authenticator failed for (localhost) [46.148.40.143]:59474: 535 Incorrect authentication data (set_id=five)",
                Stage::Auth,
                Reason::AuthFailure,
            ),
            (
                "../shared/samples/realworld/fail2ban-issue-2553.log",
                "Oct 22 03:39:17 mx1 exim[29786]: dovecot_login \tauthenticator failed for (User) [92.118.38.37]: 535 Incorrect authentication data (set_id=takeuchi@domain.com)",
                Stage::Auth,
                Reason::AuthFailure,
            ),
            (
                "../shared/samples/realworld/perericr-ddgrey-mainlog.log",
                "2020-02-22 07:44:42 H=(smtp.filpo.eu) [117.69.47.186] F=<zatjswpeg@micahs.se> rejected RCPT <sales@rosnix.net>: SPF check failed.",
                Stage::Rcpt,
                Reason::PolicyOther,
            ),
        ] {
            let r = row_of(line);
            assert_eq!((r.stage, r.reason), (stage, reason), "{file}: {line}");
        }
    }

    #[test]
    fn a_row_points_at_its_recipient_sender_login_and_reason() {
        let l = "2025-01-06 12:16:59 H=13-0-33-87.dsl.tamfield.io [87.33.0.13]:42717 I=[192.0.2.25]:25 F=<stefan10@coraridge.eu> rejected RCPT <ceo@example.org>: Unrouteable address";
        let r = row_of(l);
        assert_eq!(text(l, r.recipient), "ceo@example.org");
        assert_eq!(text(l, r.sender), "stefan10@coraridge.eu");
        assert_eq!(text(l, Some(r.text)), "Unrouteable address");
        assert!(r.is_rejection());
        let l = "2023-04-23 03:50:45 dovecot_login authenticator failed for (localhost) [46.148.40.143]:59474: 535 Incorrect authentication data (set_id=five)";
        let r = row_of(l);
        assert_eq!(text(l, r.login), "five");
        assert!(text(l, Some(r.text)).starts_with("535 Incorrect"));
        assert!(!r.is_rejection());
    }
}
