//! What the TUI shows of one rejection row (`query::rejections`): its stage as an admin
//! reads Exim's dialogue, whom it named, and its detail, all sanitized here.

use super::detail::Detail;
use super::fit::shown;
use crate::model::{Model, NONE};
use crate::parse::{LineKind, time};
use crate::query::rejections::{RejectionRow, Span, Stage};

/// The stage in the words of the SMTP dialogue (`RCPT`, `after DATA`), with `4xx` for
/// a temporary rejection: a greylisted or ratelimited client comes back, a 5xx one not.
pub fn stage_label(r: &RejectionRow) -> String {
    let s = match r.stage {
        Stage::Connect => "connect",
        Stage::Helo => "HELO",
        Stage::Mail => "MAIL",
        Stage::Rcpt => "RCPT",
        Stage::Data => "DATA",
        Stage::AfterData => "after DATA",
        Stage::LocalScan => "local_scan",
        Stage::Size => "size",
        Stage::SenderVerify => "verify",
        Stage::Auth => "auth",
        Stage::Protocol => "protocol",
        Stage::Other => "other",
    };
    if r.temporary {
        format!("{s} 4xx")
    } else {
        s.to_string()
    }
}

/// Whom the row named, the most telling first: the recipient refused (`to …`), else the
/// sender (`from …`), else the login that failed (`login …`); empty when none was logged.
pub fn who(m: &Model, r: &RejectionRow) -> String {
    let line = m.line(r.line);
    let part = |tag: &str, s: Option<Span>| s.map(|s| format!("{tag} {}", shown(s.of(&line))));
    part("to", r.recipient)
        .or_else(|| part("from", r.sender))
        .or_else(|| part("login", r.login))
        .unwrap_or_default()
}

/// The detail pane's view of one rejection: its fields, then its raw line.
pub fn rejection_detail(m: &Model, r: &RejectionRow) -> Detail {
    let line = m.line(r.line);
    let mut d = Detail {
        id: super::detail::line_place(m, r.line).unwrap_or_else(|| format!("line {}", r.line + 1)),
        rejection: true,
        ..Detail::default()
    };
    d.fields.push(("time", time::format_log(r.time)));
    d.fields.push(("stage", stage_label(r)));
    d.fields.push(("reason", r.reason.as_str().to_string()));
    for (k, s) in [
        ("recipient", r.recipient),
        ("sender", r.sender),
        ("login", r.login),
    ] {
        if let Some(s) = s {
            d.fields.push((k, shown(s.of(&line))));
        }
    }
    if let Some(msg) = m.messages.get(r.msg as usize).filter(|_| r.msg != NONE) {
        d.fields.push(("message", msg.id.to_string()));
    }
    d.fields.push(("text", shown(r.text.of(&line))));
    let kind = m
        .line_kind
        .get(r.line as usize)
        .copied()
        .unwrap_or(LineKind::Unrecognized);
    d.lines.push((kind, shown(&line)));
    d
}
