//! Rendering query results as text, JSON or CSV, every piece of log text through
//! the one sanitizer of its output (`crate::text`). The only raw bytes are whole
//! log lines of `show`/`grep`/`lines` into a pipe, which are the log itself.

use std::io::{self, Write};

use serde_json::json;
use unicode_width::UnicodeWidthChar;

use crate::model::{Model, NONE};
use crate::query::rejections::Span;
use crate::query::{
    AggKey, LineMatches, Reason, RejectionRow, SenderRow, SigTally, Stage, Summary,
};
use crate::text::{csv, json, plural, sanitize};

/// How whole log lines are written: as the log's bytes (into a pipe or a file, so
/// the output is the log itself) or sanitised (onto a terminal).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lines {
    Raw,
    Sanitized,
}

pub enum Format {
    Text,
    Json,
    Csv,
}

pub fn summary(out: &mut impl Write, s: &Summary, as_json: bool) -> io::Result<()> {
    if as_json {
        json::to_writer_pretty(&mut *out, s)?;
        return writeln!(out);
    }
    let or_dash = |t: &Option<String>| t.clone().unwrap_or_else(|| "-".into());
    writeln!(
        out,
        "files               {}",
        s.files
            .iter()
            .map(|f| sanitize(f.as_bytes()))
            .collect::<Vec<_>>()
            .join(" ")
    )?;
    writeln!(
        out,
        "span                {} .. {}",
        or_dash(&s.first),
        or_dash(&s.last)
    )?;
    writeln!(out, "lines               {}", s.lines)?;
    writeln!(out, "unrecognized lines  {}", s.unrecognized_lines)?;
    writeln!(out, "messages            {}", s.messages)?;
    writeln!(out, "arrivals            {}", s.arrivals)?;
    writeln!(out, "rejected after DATA {}", s.rejected_after_data)?;
    writeln!(out, "without arrival     {}", s.without_arrival)?;
    if s.arrival_lines != s.arrivals {
        writeln!(
            out,
            "arrival lines       {} (ids logged arriving more than once count once above)",
            s.arrival_lines
        )?;
    }
    writeln!(out, "deliveries          {}", s.deliveries)?;
    writeln!(out, "deferrals           {}", s.deferrals)?;
    writeln!(out, "bounces             {}", s.bounces)?;
    writeln!(out, "rejections          {}", s.rejections)?;
    writeln!(
        out,
        "arrivals by family  ipv4 {}  ipv6 {}  unknown {}",
        s.family.ipv4, s.family.ipv6, s.family.unknown
    )?;
    writeln!(
        out,
        "arrivals by DKIM    pass {}  fail {}  invalid {}  none {}",
        s.dkim.pass, s.dkim.fail, s.dkim.invalid, s.dkim.none
    )
}

fn time_or_empty(t: Option<i64>) -> String {
    t.map(crate::parse::time::format_iso).unwrap_or_default()
}

/// A column after the key: (CSV name, text heading, text width, left-aligned, value).
type Column = (
    &'static str,
    &'static str,
    usize,
    bool,
    fn(&SenderRow) -> String,
);

fn sig(r: &SenderRow, f: fn(&SigTally) -> u64) -> String {
    r.signatures
        .as_ref()
        .map(|t| f(t).to_string())
        .unwrap_or_default()
}

/// Every column, in CSV order (the `signatures` ones are empty except under
/// `dkim-domain`).
const COLUMNS: [Column; 26] = [
    ("family", "FAMILY", 7, true, |r| r.family.to_string()),
    ("messages", "MSGS", 8, false, |r| r.messages.to_string()),
    ("bytes", "BYTES", 12, false, |r| r.bytes.to_string()),
    ("dkim_pass", "PASS", 6, false, |r| r.dkim.pass.to_string()),
    ("dkim_fail", "FAIL", 6, false, |r| r.dkim.fail.to_string()),
    ("dkim_invalid", "INVAL", 6, false, |r| {
        r.dkim.invalid.to_string()
    }),
    ("dkim_none", "NONE", 6, false, |r| r.dkim.none.to_string()),
    ("messages_sig_fail", "SIGFAIL", 7, false, |r| {
        r.messages_sig_fail.to_string()
    }),
    ("messages_sig_invalid", "SIGINV", 6, false, |r| {
        r.messages_sig_invalid.to_string()
    }),
    ("rejections", "REJ", 6, false, |r| r.rejections.to_string()),
    ("recipients", "RCPTS", 6, false, |r| {
        r.recipients.to_string()
    }),
    ("first", "FIRST", 19, true, |r| time_or_empty(r.first)),
    ("last", "LAST", 19, true, |r| time_or_empty(r.last)),
    ("signatures_pass", "S.PASS", 7, false, |r| {
        sig(r, |t| t.pass)
    }),
    ("signatures_fail", "S.FAIL", 7, false, |r| {
        sig(r, |t| t.fail)
    }),
    ("signatures_invalid", "S.INV", 6, false, |r| {
        sig(r, |t| t.invalid)
    }),
    ("signatures_other", "S.OTH", 6, false, |r| {
        sig(r, |t| t.other)
    }),
    ("signatures_aligned", "ALIGNED", 7, false, |r| {
        sig(r, |t| t.aligned)
    }),
    ("signatures_clients", "IPS", 6, false, |r| {
        sig(r, |t| t.clients)
    }),
    ("signatures_networks", "NETS", 6, false, |r| {
        sig(r, |t| t.networks)
    }),
    // Last in CSV, so the columns before it keep their places.
    ("auth_failures", "AUTHF", 6, false, |r| {
        r.auth_failures.to_string()
    }),
    ("protocol_errors", "PROTO", 6, false, |r| {
        r.protocol_errors.to_string()
    }),
    ("arrivals", "ARR", 8, false, |r| r.arrivals.to_string()),
    ("clients", "IPS", 6, false, |r| r.clients.to_string()),
    ("recent_5m", "5MIN", 6, false, |r| r.recent_5m.to_string()),
    ("recent_1h", "1HOUR", 6, false, |r| r.recent_1h.to_string()),
];

/// The text table's columns for a key: under `dkim-domain` the domain's own
/// signatures take the place of the per-message DKIM columns (their `IPS` is
/// `clients`); under `ip` there is no `IPS`, always 1.
/// `recent`: with the last-5-minutes and last-hour counts after the messages (what
/// `senders --follow` watches).
fn text_columns(by: AggKey, recent: bool) -> Vec<&'static Column> {
    let names: &[&str] = if by == AggKey::DkimDomain {
        &[
            "family",
            "messages",
            "arrivals",
            "bytes",
            "signatures_pass",
            "signatures_fail",
            "signatures_invalid",
            "signatures_other",
            "signatures_aligned",
            "signatures_clients",
            "signatures_networks",
            "rejections",
            "auth_failures",
            "protocol_errors",
            "recipients",
            "first",
            "last",
        ]
    } else {
        &[
            "family",
            "messages",
            "arrivals",
            "bytes",
            "dkim_pass",
            "dkim_fail",
            "dkim_invalid",
            "dkim_none",
            "messages_sig_fail",
            "messages_sig_invalid",
            "rejections",
            "auth_failures",
            "protocol_errors",
            "recipients",
            "clients",
            "first",
            "last",
        ]
    };
    let mut names = names.to_vec();
    if recent {
        names.splice(2..2, ["recent_5m", "recent_1h"]);
    }
    names
        .iter()
        .filter(|n| by != AggKey::Ip || **n != "clients")
        .filter_map(|n| COLUMNS.iter().find(|c| c.0 == *n))
        .collect()
}

/// Columns a sanitised string takes (it holds no control characters).
fn width(s: &str) -> usize {
    s.chars().map(|c| c.width().unwrap_or(0)).sum()
}

/// `s` cut to `w` columns (`…` marks a cut) and padded to them.
fn fit(s: &str, w: usize) -> String {
    let mut out = String::new();
    let mut used = 0;
    if width(s) <= w {
        out.push_str(s);
        used = width(s);
    } else {
        for c in s.chars() {
            let cw = c.width().unwrap_or(0);
            if used + cw + 1 > w {
                break;
            }
            out.push(c);
            used += cw;
        }
        out.push('\u{2026}');
        used += 1;
    }
    out.extend(std::iter::repeat_n(' ', w.saturating_sub(used)));
    out
}

fn text_line(key: &str, key_width: usize, cols: &[&Column], cells: &[String]) -> String {
    let mut line = fit(key, key_width);
    for ((_, _, w, left, _), c) in cols.iter().copied().zip(cells) {
        line.push_str("  ");
        if *left {
            line.push_str(&format!("{c:<w$}"));
        } else {
            line.push_str(&format!("{c:>w$}"));
        }
    }
    line.trim_end().to_string()
}

pub fn senders(
    out: &mut impl Write,
    rows: &[SenderRow],
    by: AggKey,
    fmt: Format,
    recent: bool,
) -> io::Result<()> {
    match fmt {
        Format::Json => {
            json::to_writer_pretty(&mut *out, rows)?;
            writeln!(out)
        }
        Format::Csv => {
            let names: Vec<&str> = COLUMNS.iter().map(|c| c.0).collect();
            writeln!(out, "key,{}", names.join(","))?;
            for r in rows {
                let key = csv::safe_field(r.key.clone());
                let cells: Vec<String> = COLUMNS.iter().map(|c| (c.4)(r)).collect();
                writeln!(out, "{key},{}", cells.join(","))?;
            }
            Ok(())
        }
        Format::Text => {
            // Keys are already terminal-safe (`query::key`).
            let keys: Vec<String> = rows.iter().map(|r| r.key.clone()).collect();
            let w = keys
                .iter()
                .map(|k| width(k))
                .max()
                .unwrap_or(0)
                .clamp(by.as_str().len(), 60);
            let cols = text_columns(by, recent);
            let headings: Vec<String> = cols.iter().map(|c| c.1.to_string()).collect();
            writeln!(
                out,
                "{}",
                text_line(&by.as_str().to_uppercase(), w, &cols, &headings)
            )?;
            for (r, k) in rows.iter().zip(keys) {
                let cells: Vec<String> = cols.iter().map(|c| (c.4)(r)).collect();
                writeln!(out, "{}", text_line(&k, w, &cols, &cells))?;
            }
            Ok(())
        }
    }
}

/// One sender's rejections: a table (text), an object (JSON) or one row each (CSV).
/// Every log field goes through its output's sanitizer.
pub fn rejections(
    out: &mut impl Write,
    m: &Model,
    key: &str,
    rows: &[RejectionRow],
    fmt: Format,
) -> io::Result<()> {
    let field = |r: &RejectionRow, s: Option<Span>| s.map(|s| s.of(&m.line(r.line)).to_vec());
    let reasons = crate::query::rejections::summarise(rows, Reason::ALL.len());
    match fmt {
        Format::Json => {
            let list: Vec<serde_json::Value> = rows
                .iter()
                .map(|r| {
                    let t = |s| field(r, s).map(|b| json::text(&b));
                    json!({
                        "time": crate::parse::time::format_iso(r.time),
                        "stage": r.stage,
                        "temporary": r.temporary,
                        "reason": r.reason,
                        "recipient": t(r.recipient),
                        "sender": t(r.sender),
                        "login": t(r.login),
                        "text": t(Some(r.text)),
                        "counted": r.is_rejection(),
                        "line": m.line_place(r.line).map(|(f, n)| format!("{f}:{n}")),
                    })
                })
                .collect();
            let v = json!({
                "key": key,
                "rejections": rows.iter().filter(|r| r.is_rejection()).count(),
                "auth_failures": rows.iter().filter(|r| r.stage == Stage::Auth).count(),
                "protocol_errors": rows.iter().filter(|r| r.stage == Stage::Protocol).count(),
                "reasons": reasons,
                "list": list,
            });
            json::to_writer_pretty(&mut *out, &v)?;
            writeln!(out)
        }
        Format::Csv => {
            writeln!(
                out,
                "time,stage,temporary,reason,recipient,sender,login,text"
            )?;
            for r in rows {
                let t = |s| field(r, s).map(|b| csv::text_field(&b)).unwrap_or_default();
                writeln!(
                    out,
                    "{},{},{},{},{},{},{},{}",
                    crate::parse::time::format_iso(r.time),
                    r.stage.as_str(),
                    r.temporary,
                    r.reason.as_str(),
                    t(r.recipient),
                    t(r.sender),
                    t(r.login),
                    t(Some(r.text)),
                )?;
            }
            Ok(())
        }
        Format::Text => {
            let t = |r: &RejectionRow, s| {
                field(r, s)
                    .map(|b| sanitize(&b))
                    .unwrap_or_else(|| "-".into())
            };
            writeln!(
                out,
                "{:<19}  {:<15}  {:<13}  {:<30}  REASON",
                "TIME", "STAGE", "CATEGORY", "RECIPIENT/SENDER/LOGIN"
            )?;
            for r in rows {
                let who = if r.recipient.is_some() {
                    t(r, r.recipient)
                } else if r.sender.is_some() {
                    t(r, r.sender)
                } else {
                    t(r, r.login)
                };
                let stage = if r.temporary {
                    format!("{} (temp)", r.stage.as_str())
                } else {
                    r.stage.as_str().to_string()
                };
                writeln!(
                    out,
                    "{:<19}  {:<15}  {:<13}  {}  {}",
                    crate::parse::time::format_iso(r.time),
                    stage,
                    r.reason.as_str(),
                    fit(&who, 30),
                    t(r, Some(r.text))
                )?;
            }
            writeln!(out)?;
            let counted = rows.iter().filter(|r| r.is_rejection()).count();
            writeln!(
                out,
                "{}, {}, {}",
                plural(counted as u64, "rejection", "rejections"),
                plural(
                    rows.iter().filter(|r| r.stage == Stage::Auth).count() as u64,
                    "failed login",
                    "failed logins"
                ),
                plural(
                    rows.iter().filter(|r| r.stage == Stage::Protocol).count() as u64,
                    "protocol error",
                    "protocol errors"
                )
            )?;
            for c in reasons {
                writeln!(out, "  {:>6}  {}", c.count, c.reason.as_str())?;
            }
            Ok(())
        }
    }
}

fn write_line(out: &mut impl Write, line: &[u8], mode: Lines) -> io::Result<()> {
    match mode {
        Lines::Sanitized => writeln!(out, "{}", sanitize(line)),
        Lines::Raw => {
            out.write_all(line)?;
            out.write_all(b"\n")
        }
    }
}

pub fn transaction(
    out: &mut impl Write,
    m: &Model,
    lines: impl Iterator<Item = u32>,
    mode: Lines,
) -> io::Result<()> {
    for l in lines {
        write_line(out, &m.line(l), mode)?;
    }
    Ok(())
}

/// A message's DKIM signatures, one a line (sanitised wherever it goes: this is
/// mailtriage's text, not the log's):
/// `  d=example.com s=sel a=rsa-sha256 fail: body hash mismatch (…)`.
pub fn signatures(out: &mut impl Write, m: &Model, msg: u32) -> io::Result<()> {
    let sigs = crate::query::signatures(m, msg);
    if sigs.is_empty() {
        return Ok(());
    }
    writeln!(out)?;
    writeln!(out, "DKIM signatures ({}):", sigs.len())?;
    for s in &sigs {
        writeln!(out, "  {}", signature_text(s))?;
    }
    Ok(())
}

/// `show`'s last line when a spam scanner scored the message (sa-exim `SA:` lines):
/// `Spam score: 38.2 (required 5.0, spam)`, as the TUI's detail pane gives it.
pub fn spam_score(out: &mut impl Write, m: &Model, msg: u32) -> io::Result<()> {
    let Some(sc) = m.spam_score(msg) else {
        return Ok(());
    };
    let mut t = format!("Spam score: {:.1}", sc.score());
    if let Some(r) = sc.required_tenths {
        let verdict = if sc.is_spam() == Some(true) {
            "spam"
        } else {
            "not spam"
        };
        t.push_str(&format!(
            " (required {:.1}, {verdict})",
            f32::from(r) / 10.0
        ));
    }
    writeln!(out)?;
    writeln!(out, "{t}")
}

/// One signature as `show` lists it.
pub fn signature_text(s: &crate::query::SigView<'_>) -> String {
    let field = |v: Option<&[u8]>| v.map_or("-".into(), sanitize);
    let mut t = format!(
        "d={} s={} a={} {}",
        field(s.domain),
        field(s.selector),
        field(s.algorithm.as_deref()),
        s.result.as_str()
    );
    if let Some(r) = s.reason.as_deref() {
        t.push_str(": ");
        t.push_str(&sanitize(r));
    }
    if s.tag_only {
        t.push_str(" (DKIM= on the arrival; no DKIM: line logged)");
    } else if s.tagged {
        t.push_str(" (also DKIM= on the arrival)");
    }
    t
}

/// Prints matching transactions whole (then a blank line) and matching lines
/// without an id alone, in log order. Returns whether anything matched.
/// One item of `grep`'s output: message `msg`'s whole transaction, or the
/// standalone line `line` when `msg` is `None`.
pub fn grep_item(
    out: &mut impl Write,
    m: &Model,
    msg: Option<u32>,
    line: u32,
    as_json: bool,
    mode: Lines,
) -> io::Result<()> {
    if as_json {
        let (id, lines): (Option<String>, Vec<String>) = match msg {
            None => (None, vec![json::text(&m.line(line))]),
            Some(msg) => (
                Some(m.messages[msg as usize].id.to_string()),
                m.message_lines(msg)
                    .map(|l| json::text(&m.line(l)))
                    .collect(),
            ),
        };
        json::to_writer(&mut *out, &json!({ "message": id, "lines": lines }))?;
        writeln!(out)?;
    } else if let Some(msg) = msg {
        transaction(out, m, m.message_lines(msg), mode)?;
        writeln!(out)?;
    } else {
        write_line(out, &m.line(line), mode)?;
    }
    Ok(())
}

pub fn grep(
    out: &mut impl Write,
    m: &Model,
    hits: &LineMatches,
    as_json: bool,
    mode: Lines,
) -> io::Result<bool> {
    let mut found = false;
    for (i, &msg) in m.line_msg.iter().enumerate() {
        let line = i as u32;
        let first_of_match = msg != NONE
            && hits.messages.contains(msg)
            && m.messages[msg as usize].first_line == line;
        let standalone = msg == NONE && hits.lines.contains(line);
        if !first_of_match && !standalone {
            continue;
        }
        found = true;
        grep_item(out, m, (!standalone).then_some(msg), line, as_json, mode)?;
    }
    Ok(found)
}

/// Lines whose kind is one of `kinds`, optionally as `FILE:N: line`.
pub fn lines(
    out: &mut impl Write,
    m: &Model,
    kinds: &[crate::parse::LineKind],
    numbers: bool,
    mode: Lines,
) -> io::Result<bool> {
    let mut any = false;
    for (i, k) in m.line_kind.iter().enumerate() {
        if !kinds.contains(k) {
            continue;
        }
        any = true;
        if numbers && let Some((name, n)) = m.line_place(i as u32) {
            write!(out, "{}:{n}: ", sanitize(name.as_bytes()))?;
        }
        write_line(out, &m.line(i as u32), mode)?;
    }
    Ok(any)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_fitted_by_columns_not_characters() {
        assert_eq!(fit("ab", 4), "ab  ");
        // Two wide characters take four columns.
        assert_eq!(fit("\u{4e2d}\u{6587}", 5), "\u{4e2d}\u{6587} ");
        assert_eq!(fit("abcdef", 4), "abc\u{2026}");
        assert_eq!(fit("\u{4e2d}\u{6587}\u{5b57}", 4), "\u{4e2d}\u{2026} ");
        assert_eq!(width(&fit(r"osc\x1b]52;c;aGk=\x07", 10)), 10);
    }

    #[test]
    fn sanitized_lines_hold_no_escape() {
        let mut out = Vec::new();
        write_line(&mut out, b"\x1b]52;c;x\x07 \xff", Lines::Sanitized).expect("write");
        assert_eq!(out, b"\\x1b]52;c;x\\x07 \\xff\n");
        let mut out = Vec::new();
        write_line(&mut out, b"\x1b[2J", Lines::Raw).expect("write");
        assert_eq!(out, b"\x1b[2J\n");
    }
}
