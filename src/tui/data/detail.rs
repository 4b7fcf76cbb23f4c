//! One message's detail and the log lines view's rows: the places the TUI parses log
//! text, through `parse::exim::parse_line`, only for what is on screen.

use std::net::IpAddr;

use super::fit::{SHOWN_CHARS, clip, human_bytes, shown};
use crate::model::Model;
use crate::parse::{self, LineKind, ParseContext, Payload, exim, time};
use crate::text::{sanitize, unescape_exim};

/// The bytes of a line its timestamp (and syslog prefix) can be in.
fn head(raw: &[u8]) -> &[u8] {
    raw.get(..raw.len().min(512)).unwrap_or(raw)
}

/// What the detail pane shows about one message, already sanitized.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Detail {
    pub id: String,
    pub fields: Vec<(&'static str, String)>,
    pub signatures: Vec<String>,
    /// Deliveries, deferrals and bounces (`=>`, `->`, `==`, `**`).
    pub deliveries: Vec<String>,
    /// The message's rejection lines (`rejected after DATA`…): never deliveries.
    pub rejections: Vec<String>,
    pub lines: Vec<(LineKind, String)>,
    /// One rejection line (`data::rejection_detail`), not a message: `id` is its
    /// `FILE:N`, and only the fields and the line itself are shown.
    pub rejection: bool,
}

fn opt(b: Option<&[u8]>) -> Option<String> {
    b.map(shown)
}

/// Parses the lines of one message for display.
pub fn detail(m: &Model, msg: u32, ctx: &ParseContext) -> Option<Detail> {
    let message = m.messages.get(msg as usize)?;
    let mut d = Detail {
        id: message.id.to_string(),
        ..Detail::default()
    };
    let push = |d: &mut Detail, k: &'static str, v: Option<String>| {
        if let Some(v) = v {
            d.fields.push((k, v));
        }
    };
    for l in m.message_lines(msg) {
        let raw = m.line(l);
        let kind = m
            .line_kind
            .get(l as usize)
            .copied()
            .unwrap_or(LineKind::Unrecognized);
        d.lines.push((kind, shown(&raw)));
        let ev = exim::parse_line(&raw, ctx);
        let when = ev.time.map(time::format_log).unwrap_or_default();
        match &ev.payload {
            Payload::Arrival(a) => {
                push(&mut d, "time", Some(when));
                push(
                    &mut d,
                    "sender",
                    a.sender
                        .map(|s| if s.is_empty() { "<>".into() } else { shown(s) }),
                );
                if let Some(h) = &a.host {
                    push(&mut d, "client", Some(client_text(h)));
                    push(&mut d, "host", opt(h.name));
                    push(&mut d, "helo", opt(h.helo));
                }
                push(&mut d, "protocol", opt(a.protocol));
                push(&mut d, "tls", opt(a.tls));
                push(&mut d, "auth", opt(a.auth));
                push(
                    &mut d,
                    "size",
                    a.size.map(|s| format!("{s} ({})", human_bytes(s))),
                );
                push(&mut d, "message-id", opt(a.message_id));
                push(
                    &mut d,
                    "subject",
                    // `\ooo` is 4 bytes for one character: a prefix that long suffices.
                    a.subject
                        .map(|s| shown(&unescape_exim(s.get(..SHOWN_CHARS * 16).unwrap_or(s)))),
                );
                push(&mut d, "recipients", opt(a.recipients));
            }
            Payload::Delivery(x) => {
                let what = match ev.kind {
                    LineKind::Bounce => "bounced",
                    LineKind::Deferral => "deferred",
                    _ => "delivered",
                };
                let mut t = format!("{when} {what} {}", shown(x.address));
                if let Some(r) = x.router {
                    t.push_str(&format!(" R={}", shown(r)));
                }
                if let Some(tr) = x.transport {
                    t.push_str(&format!(" T={}", shown(tr)));
                }
                if let Some(h) = &x.host {
                    t.push_str(&format!(" H={}", client_text(h)));
                }
                if let Some(msg) = x.message {
                    t.push_str(&format!(": {}", shown(msg)));
                }
                d.deliveries.push(clip(t));
            }
            Payload::Rejection(r) => {
                let mut t = format!("{when} rejected");
                if let Some(reason) = r.reason {
                    t.push_str(&format!(": {}", shown(reason)));
                }
                d.rejections.push(clip(t));
            }
            _ => {}
        }
    }
    if !d.fields.iter().any(|(k, _)| *k == "size") && message.size > 0 {
        d.fields.push(("size", message.size.to_string()));
    }
    d.fields
        .push(("outcome", message.outcome().as_str().to_string()));
    d.fields.push(("dkim", message.dkim.as_str().to_string()));
    if let Some(sc) = m.spam_score(msg) {
        let mut t = format!("{:.1}", sc.score());
        if let Some(r) = sc.required_tenths {
            t.push_str(&format!("/{:.1}", f32::from(r) / 10.0));
        }
        d.fields.push(("spam", t));
    }
    // One entry per signature as the model counts them: a `DKIM=` tag and the
    // `DKIM:` line of the same signature are one, as in `show` and the counts.
    for s in crate::query::signatures(m, msg) {
        d.signatures.push(clip(signature_text(&s)));
    }
    Some(d)
}

/// `d= s= a= result= reason=`, sanitized (the pane colours a row by `result=pass`).
fn signature_text(s: &crate::query::SigView<'_>) -> String {
    let field = |v: Option<&[u8]>| v.map_or("-".into(), shown);
    let mut t = format!(
        "d={} s={} a={} result={}",
        field(s.domain),
        field(s.selector),
        field(s.algorithm.as_deref()),
        s.result.as_str()
    );
    if let Some(r) = s.reason.as_deref() {
        t.push_str(" reason=");
        t.push_str(&shown(r));
    }
    if s.tag_only {
        t.push_str(" (DKIM= on the arrival only)");
    }
    t
}

/// One row of the log lines view, already sanitized.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineRow {
    pub line: u32,
    /// The line's own timestamp, if it has one the parser can read.
    pub time: Option<i64>,
    pub kind: LineKind,
    pub text: String,
}

/// A row for line `i`. The model keeps no time per line, so the line is parsed again
/// here; only for the rows on screen, so the cost does not grow with the log.
pub fn line_row(m: &Model, i: u32, ctx: &ParseContext) -> LineRow {
    let raw = m.line(i);
    LineRow {
        line: i,
        time: exim::parse_line(head(&raw), ctx).time,
        kind: m
            .line_kind
            .get(i as usize)
            .copied()
            .unwrap_or(LineKind::Unrecognized),
        text: shown(&raw),
    }
}

/// `FILE:N` of a line, numbered from 1 within its file, as `mailtriage lines -n` prints it.
pub fn line_place(m: &Model, i: u32) -> Option<String> {
    let (name, n) = m.line_place(i)?;
    Some(format!("{}:{n}", sanitize(name.as_bytes())))
}

fn client_text(h: &parse::Host<'_>) -> String {
    let ip = match (h.ip, h.addr_text) {
        (Some(IpAddr::V6(a)), _) => format!("[{a}]"),
        (Some(a), _) => a.to_string(),
        (None, Some(t)) => format!("[{}]", shown(t)),
        (None, None) => "-".into(),
    };
    match h.port {
        Some(p) => format!("{ip}:{p}"),
        None => ip,
    }
}
