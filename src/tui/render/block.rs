//! The block preview overlay: the entries offered with the current one marked (`▶`), what
//! was refused and why, what the current entry matches in the loaded logs, and the
//! collateral in words that stay readable without colour.

use std::fmt::Display;

use ratatui::Frame;

use crate::text::plural;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};
use unicode_width::UnicodeWidthStr;

use crate::blocklist::Entry;
use crate::tui::app::App;
use crate::tui::block::{Candidates, Kind};
use crate::tui::components::block::BlockOverlay;
use crate::tui::keys::Action;
use crate::tui::theme::Theme;

/// How many collateral addresses or domains are named before `+N more`.
const NAMED: usize = 4;

fn sanitize(s: &str) -> String {
    crate::tui::data::shown(s.as_bytes())
}

/// `a, b, c, d +3 more`.
fn first_few<T: Display>(items: &[T]) -> String {
    let mut s = items
        .iter()
        .take(NAMED)
        .map(|x| sanitize(&x.to_string()))
        .collect::<Vec<_>>()
        .join(", ");
    if items.len() > NAMED {
        s.push_str(&format!(" +{} more", items.len() - NAMED));
    }
    s
}

fn field<'a>(name: &'static str, value: String, theme: Theme) -> Line<'a> {
    Line::from(vec![
        Span::styled(format!("{name:<9}"), theme.dim()),
        Span::raw(value),
    ])
}

/// The other candidates in switching order after the current one, compactly, in `width`
/// cells: `address 192.0.2.10 · domain:spam.example`, cut with `…` (an IPv6 address in the
/// middle) so the line never wraps.
fn others(c: &Candidates, width: usize) -> String {
    let all = c.candidates();
    let n = all.len();
    let mut parts: Vec<String> = (1..n)
        .filter_map(|k| all.get((c.position() + k) % n))
        .map(|x| match x.entry {
            // A domain entry names its kind (`domain:`, `dkim:`); an address or network not.
            Entry::Net(_) => format!("{} {}", x.kind.as_str(), x.entry),
            _ => x.entry.to_string(),
        })
        .map(|t| sanitize(&t))
        .collect();
    if c.dkim_left_out() > 0 {
        parts.push(format!("+{} DKIM domains not offered", c.dkim_left_out()));
    }
    if parts.is_empty() {
        return "(none: this is the only entry offered)".into();
    }
    // Each part keeps at least a few cells, so a long first one does not hide the rest.
    let each = (width / parts.len().max(1)).max(12);
    let fitted: Vec<String> = parts
        .iter()
        .map(|p| crate::tui::data::fit_cells(p, each.saturating_sub(3)))
        .collect();
    let joined = fitted.join(" · ");
    let whole = parts.join(" · ");
    let text = if whole.width() <= width {
        whole
    } else {
        joined
    };
    crate::tui::data::fit_cells(&text, width)
}

/// Cells of the kind column in the candidate list (`envelope domain` and a space).
const KIND_W: usize = 16;

/// The candidates one per line in switching order, the current one marked `▶` and the others
/// dimmed; each entry fitted to the width with `…` (an IPv6 address cut in the middle).
fn candidate_list<'a>(c: &Candidates, width: usize, theme: Theme) -> Vec<Line<'a>> {
    let room = width.saturating_sub(9 + 2 + KIND_W);
    let mut lines = Vec::new();
    for (i, x) in c.candidates().iter().enumerate() {
        let current = i == c.position();
        let style = if current { theme.title() } else { theme.dim() };
        let label = if i == 0 { "offered" } else { "" };
        let text = sanitize(&x.entry.to_string());
        let busiest = match c.addresses() {
            n if n > 1 && x.kind == Kind::Address => Some(format!(" (busiest of {n} addresses)")),
            _ => None,
        };
        let whole = busiest
            .as_ref()
            .map(|b| text.width() + b.width() <= room)
            .unwrap_or(true);
        let mut spans = vec![
            Span::styled(format!("{label:<9}"), theme.dim()),
            Span::styled(if current { "▶ " } else { "  " }, style),
            Span::styled(format!("{:<KIND_W$}", x.kind.as_str()), style),
            // The current entry is whole (wrapped if it must be): it is what Enter writes.
            Span::styled(
                if current {
                    text.clone()
                } else {
                    crate::tui::data::fit_cells(&text, room)
                },
                style,
            ),
        ];
        if whole && let Some(b) = &busiest {
            spans.push(Span::styled(b.clone(), theme.dim()));
        }
        lines.push(Line::from(spans));
        if !whole && let Some(b) = busiest {
            let pad = 9 + 2 + KIND_W;
            lines.push(Line::from(Span::styled(
                format!("{:pad$}{}", "", b.trim_start()),
                theme.dim(),
            )));
        }
    }
    if c.dkim_left_out() > 0 {
        lines.push(Line::from(Span::styled(
            format!("{:11}+{} DKIM domains not offered", "", c.dkim_left_out()),
            theme.dim(),
        )));
    }
    lines
}

/// The candidates in two lines, for a screen too short for the list: the current entry, and
/// the others compactly.
fn candidate_compact<'a>(c: &Candidates, width: usize, theme: Theme) -> Vec<Line<'a>> {
    let count = c.candidates().len();
    let entry = sanitize(&c.current().to_string());
    let mut lines = vec![Line::from(vec![
        Span::styled(format!("{:<9}", "entry"), theme.dim()),
        Span::styled(
            format!("▶ {} {entry}", c.current_kind().as_str()),
            theme.title(),
        ),
        Span::styled(format!("  {}/{count}", c.position() + 1), theme.dim()),
    ])];
    if count > 1 || c.dkim_left_out() > 0 {
        lines.push(Line::from(vec![
            Span::styled(format!("{:<9}", "others"), theme.dim()),
            Span::styled(others(c, width.saturating_sub(9)), theme.dim()),
        ]));
    }
    lines
}

fn body<'a>(app: &App, ov: &BlockOverlay, width: usize, list: bool, theme: Theme) -> Vec<Line<'a>> {
    let p = &ov.preview;
    let c = &ov.choices;
    let entry = ov.entry();
    let proposal = ov.proposal();
    // In the list the address line says it; in the compact form the sender line does.
    let busiest = match c.addresses() {
        n if n > 1 && !list => format!(", busiest of {n} addresses"),
        _ => String::new(),
    };
    let mut lines = if list {
        candidate_list(c, width, theme)
    } else {
        candidate_compact(c, width, theme)
    };
    for r in c.refused() {
        lines.push(Line::from(vec![
            Span::styled(format!("{:<9}", "refused"), theme.dim()),
            Span::raw(format!(
                "{} {}: {}",
                r.kind.as_str(),
                sanitize(&r.what),
                sanitize(&r.why)
            )),
        ]));
    }
    lines.extend([
        field(
            "sender",
            format!(
                "{} (by {}){busiest}",
                // A group label, already terminal-safe (`query::key`); only cut.
                crate::tui::data::shown_safe(&proposal.sender),
                proposal.by.as_str()
            ),
            theme,
        ),
        field(
            "suspect",
            proposal
                .suspect
                .as_deref()
                .map_or_else(|| "unknown domain".to_string(), sanitize),
            theme,
        ),
    ]);
    if let Entry::Net(net) = entry {
        let step = |wider| {
            crate::tui::block::step(proposal, entry, wider)
                .ok()
                .and_then(|e| e.as_net())
                .map_or_else(|| "-".to_string(), |n| format!("/{}", n.prefix_len()))
        };
        lines.push(field(
            "prefix",
            format!(
                "/{}   {} wider {}   {} narrower {}",
                net.prefix_len(),
                app.keys.first(Action::Widen),
                step(true),
                app.keys.first(Action::Narrow),
                step(false),
            ),
            theme,
        ));
    }
    lines.push(field(
        "matches",
        format!(
            "{} from {} (addresses) to {}",
            plural(p.messages as u64, "message", "messages"),
            plural(p.senders as u64, "sender", "senders"),
            plural(p.recipients as u64, "recipient", "recipients")
        ),
        theme,
    ));
    lines.push(Line::from(""));
    let warn = theme.fail().add_modifier(Modifier::BOLD);
    if !p.collateral_ips.is_empty() {
        lines.push(Line::from(vec![
            Span::styled("! COLLATERAL ", warn),
            Span::raw(format!(
                "{} in this network: {}",
                plural(
                    p.collateral_ips.len() as u64,
                    "other sender",
                    "other senders"
                ),
                first_few(&p.collateral_ips)
            )),
        ]));
    }
    if p.collateral_dkim_messages > 0 {
        lines.push(Line::from(vec![
            Span::styled("! COLLATERAL ", warn),
            Span::raw(format!(
                "{} passed DKIM for {}: {}",
                plural(p.collateral_dkim_messages as u64, "message", "messages"),
                plural(
                    p.collateral_dkim_domains.len() as u64,
                    "other domain",
                    "other domains"
                ),
                first_few(&p.collateral_dkim_domains)
            )),
        ]));
    }
    for w in &p.warnings {
        lines.push(Line::from(vec![
            Span::styled("! WARNING ", warn),
            Span::raw(sanitize(w)),
        ]));
    }
    if !p.has_collateral() {
        lines.push(Line::from(Span::styled(
            "no collateral: no other sender, no DKIM pass for another domain",
            theme.pass(),
        )));
    }
    lines.push(Line::from(""));
    // With why it was chosen, so a file other than the one cron exports is seen before `Enter`.
    let file = app
        .block
        .location
        .as_ref()
        .map_or_else(|| "(no location)".to_string(), |l| sanitize(&l.to_string()));
    lines.push(field("file", file, theme));
    lines
}

pub fn render(frame: &mut Frame, area: Rect, app: &App, theme: Theme) {
    let Some(ov) = &app.block.overlay else { return };
    let w = area.width.min(78);
    let inner_w = w.saturating_sub(2).max(1) as usize;
    // Wrapped height, so the box grows with long collateral lines instead of cutting them.
    let rows = |lines: &[Line]| -> usize {
        lines
            .iter()
            .map(|l| l.width().max(1).div_ceil(inner_w))
            .sum()
    };
    let room = area.height.saturating_sub(4) as usize;
    let mut lines = body(app, ov, inner_w, true, theme);
    if rows(&lines) > room {
        lines = body(app, ov, inner_w, false, theme);
    }
    let rows = rows(&lines);
    // Leaves the footer visible: it holds the keys and, while typing, the comment.
    let h = (rows as u16 + 2).min(area.height.saturating_sub(2)).max(1);
    let r = Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + (area.height.saturating_sub(2) - h.min(area.height.saturating_sub(2))) / 2,
        width: w,
        height: h,
    };
    let block = Block::new()
        .borders(Borders::ALL)
        .border_style(theme.border(true))
        .title(Span::styled(" block: preview ", theme.title()));
    frame.render_widget(Clear, r);
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false }),
        r,
    );
}
