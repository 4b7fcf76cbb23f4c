//! The Exim main-log format: prefix (stamp, zone, pid, syslog), message id, body.
//!
//! Follows `shared/format/exim-log-format.md`. Every branch falls back to
//! `Unrecognized` rather than guessing, and nothing here can panic on input.

pub mod fields;

use super::event::*;
use super::msgid::MsgId;
use super::scan;
use super::time;
use super::{Depth, LogFormat, ParseContext};
use fields::{Token, Tokens, decimal_u64, find_token, parse_host, unbracket};

#[derive(Debug, Clone, Copy, Default)]
pub struct Exim {
    pub ctx: ParseContext,
}

impl LogFormat for Exim {
    fn parse<'a>(&self, line: &'a [u8]) -> Event<'a> {
        parse_line(line, &self.ctx)
    }

    fn index<'a>(&self, line: &'a [u8]) -> Event<'a> {
        index_line(line, &self.ctx)
    }
}

/// Skips `host prog[pid]: ` as syslog and journald write it. After Exim's own
/// stamp only the `prog[pid]` form counts, since `id DKIM: …` has the same shape.
///
/// Asked of nearly every line, and nearly always no: the tag's scan is a byte
/// loop that stops at the first byte a tag cannot hold, usually within a few
/// bytes, where a `memchr` for the colon read up to 64.
fn skip_syslog_tag(b: &[u8], need_pid: bool) -> Option<usize> {
    let host_end = memchr::memchr(b' ', b)?;
    if host_end == 0 || host_end > 255 {
        return None;
    }
    let rest = &b[host_end + 1..];
    // The tag ends at a colon within 64 bytes and holds no space or `=`.
    let colon = rest
        .iter()
        .take(64)
        .position(|&c| matches!(c, b':' | b' ' | b'='))
        .filter(|&i| rest[i] == b':')?;
    let tag = &rest[..colon];
    if tag.is_empty() {
        return None;
    }
    // `exim[1234]` or plain `exim`.
    let ok = match memchr::memchr(b'[', tag) {
        Some(o) => tag.ends_with(b"]") && tag[o + 1..tag.len() - 1].iter().all(u8::is_ascii_digit),
        None => {
            !need_pid
                && tag
                    .iter()
                    .all(|c| c.is_ascii_alphanumeric() || *c == b'-' || *c == b'_')
        }
    };
    if !ok || rest.get(colon + 1) != Some(&b' ') {
        return None;
    }
    Some(host_end + 1 + colon + 2)
}

/// Exim's own stamp after a syslog prefix, when `syslog_timestamp` is on: it
/// wins over the syslog daemon's. Returns the bytes it took.
fn exim_stamp_after_syslog(ev: &mut Event<'_>, b: &[u8]) -> usize {
    match time::parse_exim(b) {
        Some((ms, used)) if b.get(used) == Some(&b' ') => {
            ev.time = Some(ms);
            ev.yearless = false;
            let mut n = used;
            if let Some((z, zl)) = time::parse_zone(&b[n..]) {
                ev.zone = Some(z);
                n += zl;
            }
            if b.get(n) == Some(&b' ') {
                n + 1
            } else {
                used + 1
            }
        }
        _ => 0,
    }
}

static PROTOCOL_ERROR: std::sync::LazyLock<[memchr::memmem::Finder<'static>; 2]> =
    std::sync::LazyLock::new(|| {
        [
            memchr::memmem::Finder::new(b" SMTP protocol "),
            memchr::memmem::Finder::new(b" SMTP syntax error in "),
        ]
    });

/// Whether a `session` line is a protocol error (`SMTP protocol
/// synchronization error`, `SMTP protocol error in`, `SMTP syntax error in`):
/// one test on the whole line, made once at load (`Model::is_protocol_error`)
/// for the counts and the lists alike.
pub fn is_protocol_error(line: &[u8]) -> bool {
    PROTOCOL_ERROR.iter().any(|f| f.find(line).is_some())
}

/// Parses one line (without its terminator).
pub fn parse_line<'a>(line: &'a [u8], ctx: &ParseContext) -> Event<'a> {
    parse_to(line, ctx, Depth::Full)
}

/// Parses one line as far as the model stores it (see [`Depth::Index`]): a
/// quarter of the lines are deliveries, whose fields (and their host's address)
/// cost a third of their parse and are only ever shown.
pub fn index_line<'a>(line: &'a [u8], ctx: &ParseContext) -> Event<'a> {
    parse_to(line, ctx, Depth::Index)
}

/// As [`index_line`], into an event the caller reuses line after line.
pub fn index_line_into<'a>(ev: &mut Event<'a>, line: &'a [u8], ctx: &ParseContext) {
    parse_into(ev, line, ctx, Depth::Index)
}

fn parse_to<'a>(line: &'a [u8], ctx: &ParseContext, depth: Depth) -> Event<'a> {
    let mut ev = Event::unrecognized(line);
    parse_into(&mut ev, line, ctx, depth);
    ev
}

/// As `parse_to`, into `ev`, whatever it held: an event is a few hundred
/// bytes, and returning one by value cost a copy of it per line.
fn parse_into<'a>(ev: &mut Event<'a>, line: &'a [u8], ctx: &ParseContext, depth: Depth) {
    // A crash can leave NUL padding where the file was preallocated; the line
    // Exim wrote after it restarted follows the NULs.
    let line = match line.first() {
        Some(0) => &line[line.iter().position(|&c| c != 0).unwrap_or(line.len())..],
        _ => line,
    };
    *ev = Event::unrecognized(line);
    // Exim indents the further lines of a multi-line entry
    // (` Suggested action: use keep_environment.`).
    if line.first() == Some(&b' ') {
        ev.kind = LineKind::Continuation;
        return;
    }
    let p;
    // The id at `p`, when it was read already to rule out a syslog tag.
    let mut id_at_p = None;
    if let Some((ms, used)) = time::parse_exim(line) {
        ev.time = Some(ms);
        let mut q = used;
        if let Some((z, used)) = time::parse_zone(&line[q..]) {
            ev.zone = Some(z);
            q += used;
        } else if time::looks_like_zone(&line[q..]) {
            // ` +0175`: not a clock Exim keeps, so not a stamp either.
            *ev = Event::unrecognized(line);
            return;
        }
        if line.get(q) != Some(&b' ') {
            return;
        }
        q += 1;
        // A syslog tag after Exim's own stamp (`2019-10-22 03:39:17 mx1 exim[29786]: …`).
        // Most lines have a message id here, which no host name is: reading it
        // first spares them the tag's scan.
        id_at_p = MsgId::parse_prefix(&line[q..]);
        if id_at_p.is_none()
            && !line[q..].starts_with(b"[")
            && !line[q..].starts_with(b"H=")
            && let Some(n) = skip_syslog_tag(&line[q..], true)
        {
            q += n;
        }
        p = q;
    } else if let Some((ms, used)) = time::parse_syslog(line, ctx.syslog_year) {
        ev.time = Some(ms);
        ev.yearless = true;
        let mut q = used + 1;
        match skip_syslog_tag(line.get(q..).unwrap_or_default(), false) {
            Some(n) => q += n,
            None => return,
        }
        q += exim_stamp_after_syslog(ev, &line[q..]);
        p = q;
    } else if let Some((ms, zone, used)) = time::parse_rfc3339(line) {
        // syslog-ng and rsyslog: `2024-03-24T02:05:21.420+00:00 info exim[8003]: `,
        // with a host name or a severity before the tag.
        ev.time = Some(ms);
        ev.zone = zone;
        let mut q = used + 1;
        if line.get(used) != Some(&b' ') {
            *ev = Event::unrecognized(line);
            return;
        }
        match skip_syslog_tag(line.get(q..).unwrap_or_default(), false) {
            Some(n) => q += n,
            None => return,
        }
        q += exim_stamp_after_syslog(ev, &line[q..]);
        p = q;
    } else if let Some(n) = skip_syslog_tag(line, false) {
        // journald-style `host exim[pid]: 2021-07-17 23:20:49 …`.
        match time::parse_exim(&line[n..]) {
            Some((ms, used)) if line.get(n + used) == Some(&b' ') => {
                ev.time = Some(ms);
                p = n + used + 1;
            }
            _ => return,
        }
    } else {
        return;
    }
    let mut rest = line.get(p..).unwrap_or_default();
    // `[pid] ` from `+pid`.
    if rest.first() == Some(&b'[')
        && let Some(close) = memchr::memchr(b']', &rest[..rest.len().min(24)])
    {
        let digits = &rest[1..close];
        if !digits.is_empty()
            && digits.iter().all(u8::is_ascii_digit)
            && rest.get(close + 1) == Some(&b' ')
        {
            ev.pid = decimal_u64(digits).and_then(|v| u32::try_from(v).ok());
            rest = &rest[close + 2..];
        }
    }
    // `rest` still starts at `p` when it had an id (an id is no `[pid]`).
    if let Some((id, len)) = id_at_p.or_else(|| MsgId::parse_prefix(rest)) {
        ev.msgid = Some(id);
        rest = rest.get(len + 1..).unwrap_or_default();
    }
    ev.body = rest;
    classify(ev, depth);
}

fn classify(ev: &mut Event<'_>, depth: Depth) {
    let b = ev.body;
    if b.len() >= 3 && b[2] == b' ' {
        let kind = match &b[..2] {
            b"<=" => Some(LineKind::Arrival),
            b"(=" => Some(LineKind::FakeReject),
            b"=>" => Some(LineKind::Delivery),
            b"->" => Some(LineKind::DeliveryMore),
            b">>" => Some(LineKind::Cutthrough),
            b"*>" => Some(LineKind::Suppressed),
            b"**" => Some(LineKind::Bounce),
            b"==" => Some(LineKind::Deferral),
            _ => None,
        };
        if let Some(kind) = kind {
            // Flags belong to a message; without an id it is somebody's free text.
            if ev.msgid.is_some() {
                ev.kind = kind;
                match kind {
                    LineKind::Arrival | LineKind::FakeReject => {
                        // Filled where it lies: an `Arrival` is a few hundred
                        // bytes, and building it aside cost a copy per line.
                        ev.payload = Payload::Arrival(Arrival::default());
                        if let Payload::Arrival(a) = &mut ev.payload {
                            parse_arrival(a, &b[3..]);
                        }
                    }
                    _ => ev.payload = Payload::Delivery(parse_delivery(&b[3..], kind, depth)),
                }
            }
            return;
        }
    }
    if let Some(rest) = b.strip_prefix(b"DKIM: ") {
        match parse_dkim(rest) {
            Some(sig) => {
                ev.kind = LineKind::DkimSignature;
                ev.payload = Payload::Dkim(sig);
            }
            None => ev.kind = LineKind::DkimOther,
        }
        return;
    }
    if let Some(rest) = b.strip_prefix(b"SA: ") {
        ev.kind = LineKind::SpamScan;
        ev.payload = Payload::Spam(parse_sa(rest));
        return;
    }
    if b.starts_with(b"cwd=") && contains(b, b" args: ") {
        ev.kind = LineKind::Arguments;
        return;
    }
    if let Some(rest) = b.strip_prefix(b"Spool file ") {
        // `Spool file is locked (…)`, `Spool file for <id> is locked (…)` (4.9x),
        // `Spool file <id>-D not found`: the id is in the text when not before it.
        let named = rest.strip_prefix(b"for ").unwrap_or(rest);
        if ev.msgid.is_none() {
            ev.msgid = MsgId::parse_prefix(named).map(|(id, _)| id);
        }
        if ev.msgid.is_some() {
            ev.kind = LineKind::Lifecycle;
        }
        return;
    }
    if b.starts_with(b"Completed") {
        ev.kind = LineKind::Completed;
        return;
    }
    if b.starts_with(b"Frozen") || b.starts_with(b"frozen by") {
        ev.kind = LineKind::Frozen;
        return;
    }
    const LIFECYCLE: [&[u8]; 9] = [
        b"Unfrozen",
        b"Message is frozen",
        b"cancelled by",
        b"removed by",
        b"error ignored",
        b"spool file is locked",
        b"no immediate delivery",
        b"Warning: ",
        b"SMTP connection lost after final dot",
    ];
    if ev.msgid.is_some()
        && (LIFECYCLE.iter().any(|p| b.starts_with(p))
            || LIFECYCLE_ERRORS.iter().any(|p| b.starts_with(p))
            // `addr <parent>: error ignored`: a failed bounce was thrown away.
            || b.ends_with(b": error ignored"))
    {
        ev.kind = LineKind::Lifecycle;
        return;
    }
    if b.starts_with(b"H=")
        || b.starts_with(b"DS H=")
        || b.starts_with(b"F=")
        || b.starts_with(b"U=")
    {
        classify_host_led(ev);
        return;
    }
    if b.starts_with(b"rejected ") || b.starts_with(b"temporarily rejected ") {
        ev.kind = LineKind::Rejection;
        ev.payload = Payload::Rejection(parse_rejection_free(b));
        return;
    }
    if classify_session(ev) {
        return;
    }
    if b.starts_with(b"Start queue run")
        || b.starts_with(b"End queue run")
        || b.starts_with(b"Abandon queue run")
        || (b.starts_with(b"Start '") && contains(b, b"queue run"))
    {
        ev.kind = LineKind::QueueRun;
        return;
    }
    if (b.starts_with(b"exim ") && contains(b, b" daemon started"))
        || b.starts_with(b"IPv6 socket creation failed")
        || b.starts_with(b"IPv4 socket creation failed")
        || b.starts_with(b"socket bind() to port ")
        || b.starts_with(b"socket listen() ")
        || (ev.msgid.is_none() && b.starts_with(b"Warning: "))
        || b.starts_with(b"listen backlog")
        || (b.starts_with(b"pid ") && contains(b, b" received: "))
    {
        ev.kind = LineKind::Daemon;
        return;
    }
    if ev.msgid.is_some()
        && (b.starts_with(b"Failed to connect to")
            || b.starts_with(b"retry time not reached")
            || b.starts_with(b"Retry time not yet reached")
            || b.starts_with(b"retry timeout exceeded"))
    {
        ev.kind = LineKind::HostAttempt;
        return;
    }
    if ev.msgid.is_some() {
        classify_old_host_attempt(ev);
    }
}

/// Messages a transport or the delivery process writes with the message's id.
const LIFECYCLE_ERRORS: [&[u8]; 5] = [
    b"Tainted filename ",
    b"unable to open file ",
    b"Error while reading message ",
    b"Process failed ",
    // cPanel's own `logwrite` from its outbound transport.
    b"SMTP connection outbound ",
];

/// Per-host delivery errors as Exim wrote them before 4.86, without `H=`:
/// `host [ip] Connection timed out`, `[ip] SSL verify error: …`,
/// `SMTP error from remote mail server after RCPT TO:<…>: host h [ip]: 451 …`,
/// `Remote host h [ip] closed connection …`, `SMTP timeout while connected to h [ip] …`.
/// The host named is the destination: a delivery attempt, never a client.
fn classify_old_host_attempt(ev: &mut Event<'_>) {
    let b = ev.body;
    let host_text = if b.starts_with(b"SMTP error from remote mail") {
        split_reason(b)
            .1
            .and_then(|r| r.strip_prefix(b"host "))
            .unwrap_or_default()
    } else if let Some(r) = b.strip_prefix(b"Remote host ") {
        r
    } else if let Some(r) = b.strip_prefix(b"SMTP timeout while connected to ") {
        r
    } else {
        b
    };
    let (h, used) = parse_host(host_text);
    let name_ok = h.name.is_none_or(|n| {
        n.iter()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'.' | b'_'))
    });
    if h.ip.is_some() && name_ok && matches!(host_text.get(used), Some(b' ' | b':')) {
        ev.kind = LineKind::HostAttempt;
        ev.payload = Payload::Peer(Some(h));
    }
}

/// sa-exim's `SA: Action: <what>: score=18.8 required=5.0 … (host=name [ip]) for …`
/// (and its `SA: Debug:` lines, which carry none of these).
fn parse_sa(b: &[u8]) -> SpamScan<'_> {
    let mut s = SpamScan::default();
    let Some(action) = b.strip_prefix(b"Action: ") else {
        return s;
    };
    let (what, rest) = split_reason(action);
    s.action = Some(match memchr::memchr(b'(', what) {
        Some(i) => what.get(..i.saturating_sub(1)).unwrap_or(what),
        None => what,
    });
    let rest = rest.unwrap_or_default();
    if let Some(v) = rest.strip_prefix(b"score=") {
        s.score = parse_tenths(v);
    }
    if let Some(i) = find_token(rest, b"required=") {
        s.required = parse_tenths(&rest[i + b"required=".len()..]);
    }
    if let Some(i) = memchr::memmem::rfind(b, b"(host=") {
        let v = &b[i + b"(host=".len()..];
        let (mut h, _) = parse_host(&v[..memchr::memchr(b')', v).unwrap_or(v.len())]);
        // sa-exim writes `NULL` for a client without a reverse name.
        if h.name == Some(b"NULL") {
            h.name = None;
        }
        if h.addr_text.is_some() {
            s.host = Some(h);
        }
    }
    s
}

/// `-12.3` at the start of `b` in tenths (`-123`), saturating; `None` without digits.
fn parse_tenths(b: &[u8]) -> Option<i16> {
    let (neg, b) = match b.strip_prefix(b"-") {
        Some(r) => (true, r),
        None => (false, b),
    };
    let int = b.iter().take_while(|c| c.is_ascii_digit()).count();
    if int == 0 {
        return None;
    }
    let mut v: i32 = 0;
    for &c in &b[..int.min(6)] {
        v = v * 10 + (c - b'0') as i32;
    }
    v *= 10;
    if b.get(int) == Some(&b'.')
        && let Some(d) = b.get(int + 1).filter(|c| c.is_ascii_digit())
    {
        v += (d - b'0') as i32;
    }
    let v = if neg { -v } else { v };
    Some(v.clamp(i16::MIN as i32, i16::MAX as i32) as i16)
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    memchr::memmem::find(hay, needle).is_some()
}

/// Searchers built once: `memmem::find` would rebuild one per call, per line.
static AUTH_FAILED: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
    std::sync::LazyLock::new(|| memchr::memmem::Finder::new(b"authenticator failed for "));

/// Lines that start with `H=`, `F=`, `U=`: rejections, sender verify failures,
/// local_scan rejections, and per-host delivery attempts (with an id).
fn classify_host_led(ev: &mut Event<'_>) {
    let b = ev.body;
    let mut host = None;
    let mut sender = None;
    let mut toks = Tokens::new(b);
    loop {
        let before = toks.position();
        let Some(tok) = toks.next() else { break };
        match tok {
            Token::Host(h) => host = host.or(Some(h)),
            Token::Tag(b"F", v) => sender = Some(unbracket(v)),
            Token::Tag(..) => {}
            Token::Word(b"DS") => {}
            Token::Word(w) => {
                let tail = &b[before..];
                let tail = tail.strip_prefix(b" ").unwrap_or(tail);
                if w == b"dropped" && tail.starts_with(b"dropped by ") {
                    // `H=[ip] dropped by 'connect' ACL: reason` (a `drop` verb).
                    let (_, reason) = split_reason(tail);
                    ev.kind = LineKind::Rejection;
                    ev.payload = Payload::Rejection(Rejection {
                        host,
                        sender,
                        stage: RejectStage::Connect,
                        temporary: false,
                        argument: None,
                        reason,
                    });
                } else if w == b"rejected" || w == b"temporarily" {
                    let mut r = parse_rejection_free(tail);
                    r.host = host;
                    r.sender = r.sender.or(sender);
                    ev.kind = LineKind::Rejection;
                    ev.payload = Payload::Rejection(r);
                } else if tail.starts_with(b"sender verify ") {
                    let after = &tail[b"sender verify ".len()..];
                    let (arg, reason) = split_reason(after);
                    ev.kind = LineKind::SenderVerifyFail;
                    ev.payload = Payload::Rejection(Rejection {
                        host,
                        sender: arg
                            .strip_prefix(b"fail for ")
                            .or(arg.strip_prefix(b"defer for "))
                            .map(unbracket)
                            .or(sender),
                        stage: RejectStage::SenderVerify,
                        temporary: arg.starts_with(b"defer"),
                        argument: None,
                        reason,
                    });
                } else if tail.starts_with(b"Warning: ") {
                    // An ACL `warn` verb's log_message: about the client, even
                    // when the message already has an id.
                    ev.kind = LineKind::AclWarning;
                    ev.payload = Payload::Peer(host);
                } else if tail.starts_with(b"incomplete transaction") {
                    ev.kind = LineKind::Session;
                    ev.payload = Payload::Peer(host);
                } else if ev.msgid.is_some() {
                    ev.kind = LineKind::HostAttempt;
                    ev.payload = Payload::Peer(host);
                } else {
                    // Site logwrite text that happens to start with a tag: keep the
                    // client so the line is still attributed, but call it unknown.
                    ev.payload = Payload::Peer(host);
                }
                return;
            }
        }
    }
    if ev.msgid.is_some() && host.is_some() {
        ev.kind = LineKind::HostAttempt;
        ev.payload = Payload::Peer(host);
    }
}

/// `text: reason` → (text, reason), splitting at the first `: ` outside `<…>`.
fn split_reason(b: &[u8]) -> (&[u8], Option<&[u8]>) {
    let mut depth = 0i32;
    for i in 0..b.len() {
        match b[i] {
            b'<' => depth += 1,
            b'>' => depth -= 1,
            b':' if depth <= 0 && b.get(i + 1) == Some(&b' ') => {
                return (&b[..i], Some(&b[i + 2..]));
            }
            _ => {}
        }
    }
    (b, None)
}

/// `[temporarily ]rejected <what>[: reason]` with whatever fields follow `<what>`.
fn parse_rejection_free(b: &[u8]) -> Rejection<'_> {
    let (temporary, b) = match b.strip_prefix(b"temporarily ") {
        Some(r) => (true, r),
        None => (false, b),
    };
    let b = b.strip_prefix(b"rejected ").unwrap_or(b);
    let (what, reason) = split_reason(b);
    let mut r = Rejection {
        host: None,
        sender: None,
        stage: RejectStage::Other,
        temporary,
        argument: None,
        reason,
    };
    let word_end = memchr::memchr(b' ', what).unwrap_or(what.len());
    let (verb, arg) = (
        &what[..word_end],
        what.get(word_end + 1..).filter(|a| !a.is_empty()),
    );
    r.stage = match verb {
        b"RCPT" => RejectStage::Rcpt,
        b"MAIL" => RejectStage::Mail,
        b"EHLO" | b"HELO" => RejectStage::Helo,
        b"connection" => RejectStage::Connect,
        b"DATA" => RejectStage::Data,
        b"after" => RejectStage::AfterData,
        b"by" => RejectStage::LocalScan,
        b"from" => RejectStage::Size,
        _ => RejectStage::Other,
    };
    r.argument = match r.stage {
        RejectStage::Rcpt | RejectStage::Mail => arg.map(unbracket),
        RejectStage::Helo => arg.map(|a| a.strip_prefix(b"or HELO ").unwrap_or(a)),
        _ => arg,
    };
    // `rejected EHLO from [ip]: …` and `rejected from <s> H=…: message too big`.
    if let Some(a) = arg {
        if let Some(from) = a.strip_prefix(b"from ") {
            let (h, _) = parse_host(from);
            if h.addr_text.is_some() {
                r.host = Some(h);
            }
        }
        if r.stage == RejectStage::Size {
            let e = memchr::memchr(b' ', a).unwrap_or(a.len());
            r.sender = Some(unbracket(&a[..e]));
            if let Some(hp) = find_token(a, b"H=") {
                let (h, _) = parse_host(&a[hp + 2..]);
                r.host = Some(h);
            }
        }
    }
    r
}

/// Free-text session lines that name a client after `from `.
fn classify_session(ev: &mut Event<'_>) -> bool {
    let b = ev.body;
    const FROM_PREFIXES: [&[u8]; 8] = [
        b"SMTP connection from ",
        b"SMTP call from ",
        b"no MAIL in SMTP connection from ",
        b"unexpected disconnection while reading SMTP command from ",
        b"TLS error on connection from ",
        b"temporarily refused connection from ",
        b"connection from ",
        b"Connection from ",
    ];
    for prefix in FROM_PREFIXES {
        if let Some(rest) = b.strip_prefix(prefix) {
            let (h, _) = parse_host(rest);
            ev.kind = LineKind::Session;
            ev.payload = Payload::Peer(Some(h));
            return true;
        }
    }
    const H_PREFIXES: [&[u8]; 6] = [
        b"SMTP protocol synchronization error",
        b"SMTP protocol error in",
        b"SMTP syntax error in",
        b"SMTP command timeout on",
        b"SMTP data timeout",
        b"SMTP connection lost",
    ];
    for prefix in H_PREFIXES {
        if b.starts_with(prefix) {
            ev.kind = LineKind::Session;
            // The quoted SMTP command is the client's text: skip `H=` inside it.
            let host = find_token(b, b"H=")
                .map(|i| parse_host(&b[i + 2..]).0)
                .or_else(|| find_token(b, b"from ").map(|i| parse_host(&b[i + 5..]).0));
            ev.payload = Payload::Peer(host);
            return true;
        }
    }
    // 4.98 puts the connection's `Ci=` first: `SMTP connection Ci=8003 from (User) [ip]:port …`.
    if let Some(rest) = b.strip_prefix(b"SMTP connection Ci=") {
        let digits = rest.iter().take_while(|c| c.is_ascii_digit()).count();
        if let Some(from) = rest.get(digits..).and_then(|r| r.strip_prefix(b" from ")) {
            ev.kind = LineKind::Session;
            ev.payload = Payload::Peer(Some(parse_host(from).0));
            return true;
        }
    }
    // OpenSSL: a client that refused our certificate names no host; a failed
    // certificate check names the peer's address only.
    if b.starts_with(b"TLS client disconnected cleanly") {
        ev.kind = LineKind::Session;
        return true;
    }
    if ev.msgid.is_none() && b.first() == Some(&b'[') && contains(b, b"] SSL verify error: ") {
        let (h, _) = parse_host(b);
        ev.kind = LineKind::Session;
        ev.payload = Payload::Peer(Some(h));
        return true;
    }
    if b.starts_with(b"VRFY failed for ") {
        ev.kind = LineKind::Session;
        ev.payload = Payload::Peer(find_token(b, b"H=").map(|i| parse_host(&b[i + 2..]).0));
        return true;
    }
    if b.starts_with(b"no host name found for IP address ")
        || b.starts_with(b"no IP address found for host ")
    {
        ev.kind = LineKind::Session;
        let host = if let Some(ip) = b.strip_prefix(b"no host name found for IP address ") {
            let e = memchr::memchr(b' ', ip).unwrap_or(ip.len());
            Some(Host {
                ip: super::net::parse_ip(&ip[..e]),
                addr_text: Some(&ip[..e]),
                ..Host::default()
            })
        } else {
            find_token(b, b"connection from ").map(|i| parse_host(&b[i + 16..]).0)
        };
        ev.payload = Payload::Peer(host);
        return true;
    }
    if let Some(i) = AUTH_FAILED.find(b)
        && i > 0
        && matches!(b[i - 1], b' ' | b'\t')
    {
        // One post has a TAB before `authenticator` (fail2ban-issue-2553.log).
        let mut authenticator = &b[..i - 1];
        while let Some(a) = authenticator
            .strip_suffix(b" ")
            .or(authenticator.strip_suffix(b"\t"))
        {
            authenticator = a;
        }
        if authenticator.is_empty() || authenticator.contains(&b' ') {
            return false;
        }
        let mut rest = &b[i + b"authenticator failed for ".len()..];
        rest = rest.strip_prefix(b"H=").unwrap_or(rest);
        let (h, _) = parse_host(rest);
        let set_id = memchr::memmem::rfind(b, b"(set_id=").map(|s| {
            let v = &b[s + 8..];
            &v[..memchr::memrchr(b')', v).unwrap_or(v.len())]
        });
        ev.kind = LineKind::AuthFailure;
        ev.payload = Payload::Auth {
            authenticator,
            host: Some(h),
            set_id,
        };
        return true;
    }
    false
}

fn parse_arrival<'a>(a: &mut Arrival<'a>, b: &'a [u8]) {
    let mut toks = Tokens::new(b);
    // The sender comes first, unless a redacted log put the client there (`<= [] P=…`).
    let first = toks.rest();
    if first.first() == Some(&b'[') {
        let (h, used) = parse_host(first);
        a.host = Some(h);
        toks = Tokens::new(&first[used..]);
    } else if first.first() == Some(&b'"') {
        // Quoted local part with spaces: `"abc def"@x`.
        let q = fields::quoted_end(first);
        let e = memchr::memchr(b' ', &first[q.min(first.len())..]).map_or(first.len(), |i| q + i);
        a.sender = Some(&first[..e]);
        toks = Tokens::new(&first[e..]);
    } else if let Some(Token::Word(w)) = toks.next() {
        a.sender = Some(unbracket(w));
    }
    while let Some(tok) = toks.next() {
        match tok {
            Token::Host(h) => a.host = a.host.or(Some(h)),
            Token::Tag(name, v) => match name {
                b"I" => a.interface = Some(v),
                b"U" => a.ident = Some(v),
                b"P" => a.protocol = Some(v),
                b"X" => a.tls = Some(v),
                b"CV" => a.cert_verified = Some(v),
                b"A" => a.auth = Some(v),
                b"S" => a.size = decimal_u64(v),
                b"DKIM" => a.dkim_domain = Some(v),
                b"id" | b"id*" => a.message_id = Some(v),
                b"T" => a.subject = Some(v),
                b"R" => a.bounce_of = Some(v),
                _ => {}
            },
            Token::Word(b"for") => {
                let r = toks.rest();
                a.recipients = (!r.is_empty()).then_some(r);
                break;
            }
            Token::Word(b"from") => {
                // `from <addr>`: the unrewritten sender; consumed so it is not a recipient.
                toks.next();
            }
            Token::Word(_) => {}
        }
    }
}

fn parse_delivery(b: &[u8], kind: LineKind, depth: Depth) -> Delivery<'_> {
    let mut d = Delivery::default();
    let e = memchr::memchr(b' ', b).unwrap_or(b.len());
    d.address = &b[..e];
    let rest = &b[e..];
    // Bounces and deferrals end with `: message` after their fields.
    let (fields, message) = match kind {
        LineKind::Bounce | LineKind::Deferral => {
            let (f, m) = split_reason(rest);
            // `** addr <orig>: msg` — the colon can follow the address directly.
            if d.address.ends_with(b":") {
                d.address = &d.address[..d.address.len() - 1];
                (&b[..0], Some(rest.strip_prefix(b" ").unwrap_or(rest)))
            } else {
                (f, m)
            }
        }
        _ => (rest, None),
    };
    d.message = message;
    // Exim writes the original (`<orig@domain>`, after a `(parent)` if any)
    // before the first field: a `<word>` after one is not it.
    let mut in_fields = false;
    for tok in Tokens::new(fields) {
        match tok {
            Token::Word(w) => {
                if !in_fields && w.first() == Some(&b'<') && d.original.is_none() {
                    d.original = Some(unbracket(w));
                }
                continue;
            }
            _ if depth == Depth::Index => break,
            Token::Host(h) => d.host = d.host.or(Some(h)),
            Token::Tag(b"R", v) => d.router = Some(v),
            Token::Tag(b"T", v) => d.transport = Some(v),
            Token::Tag(b"X", v) => d.tls = Some(v),
            Token::Tag(b"C", v) => d.confirmation = Some(v),
            Token::Tag(..) => {}
        }
        in_fields = true;
    }
    d
}

/// Where the first ` - ` of a DKIM result starts (`[fail - body hash mismatch]`).
/// A `memmem::find` here built its searcher again on every signature line.
fn dash_separator(b: &[u8]) -> Option<usize> {
    let mut i = 0;
    while let Some(off) = b.get(i..).and_then(|r| scan::find(r, b'-')) {
        let j = i + off;
        if j >= 1 && b[j - 1] == b' ' && b.get(j + 1) == Some(&b' ') {
            return Some(j - 1);
        }
        i = j + 1;
    }
    None
}

fn parse_dkim(b: &[u8]) -> Option<DkimSignature<'_>> {
    // One signature: `key=value` tags, then the bracketed result at the end.
    let trimmed = b.strip_suffix(b" ").unwrap_or(b);
    if !trimmed.ends_with(b"]") {
        return None;
    }
    let open = memchr::memrchr(b'[', trimmed)?;
    let result_text = &trimmed[open + 1..trimmed.len() - 1];
    let mut sig = DkimSignature {
        result_text,
        ..DkimSignature::default()
    };
    let mut tags = 0;
    for tok in Tokens::new(&trimmed[..open]) {
        match tok {
            Token::Tag(k, v) => {
                tags += 1;
                match k {
                    b"d" => sig.domain = Some(v),
                    b"s" => sig.selector = Some(v),
                    b"a" => sig.algorithm = Some(v),
                    b"c" => sig.canonicalization = Some(v),
                    b"b" => sig.bits = Some(v),
                    b"i" => sig.identity = Some(v),
                    _ => {}
                }
            }
            _ => return None,
        }
    }
    if tags == 0 {
        return None;
    }
    let (word, reason) = match dash_separator(result_text) {
        Some(i) => (&result_text[..i], Some(&result_text[i + 3..])),
        None => (result_text, None),
    };
    // Exim's own texts, and `dkim_verify_status` words an ACL may set (`[fail - …]`).
    sig.verdict = match word {
        b"verification succeeded" | b"pass" => SigResult::Pass,
        b"verification failed" | b"fail" => SigResult::Fail,
        b"invalid" | b"failed key import" => SigResult::Invalid,
        _ => SigResult::Other,
    };
    sig.result = Some(sig.verdict.coarse());
    sig.reason = match sig.result {
        Some(DkimResult::Pass) => None,
        // `failed key import`, `not verified`: the whole text is the reason.
        _ => reason.or(Some(result_text)),
    };
    Some(sig)
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod real_tests;
