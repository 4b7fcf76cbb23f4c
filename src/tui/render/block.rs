//! The block preview overlay: the proposed entry, what it matches in the loaded logs, and the
//! collateral in words that stay readable without colour.

use std::fmt::Display;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use crate::blocklist::Entry;
use crate::tui::app::App;
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

fn body<'a>(app: &App, ov: &BlockOverlay, theme: Theme) -> Vec<Line<'a>> {
    let p = &ov.preview;
    let mut lines = vec![
        Line::from(vec![
            Span::styled(format!("{:<9}", "entry"), theme.dim()),
            Span::styled(sanitize(&ov.entry.to_string()), theme.title()),
        ]),
        field(
            "sender",
            format!(
                "{} (by {})",
                // A group label, already terminal-safe (`query::key`); only cut.
                crate::tui::data::shown_safe(&ov.proposal.sender),
                ov.proposal.by.as_str()
            ),
            theme,
        ),
        field(
            "suspect",
            ov.proposal
                .suspect
                .as_deref()
                .map_or_else(|| "unknown domain".to_string(), sanitize),
            theme,
        ),
    ];
    if let Entry::Net(net) = &ov.entry {
        let step = |wider| {
            crate::tui::block::step(&ov.proposal, &ov.entry, wider)
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
            "{} messages from {} senders (addresses) to {} recipients",
            p.messages, p.senders, p.recipients
        ),
        theme,
    ));
    lines.push(Line::from(""));
    let warn = theme.fail().add_modifier(Modifier::BOLD);
    if !p.collateral_ips.is_empty() {
        lines.push(Line::from(vec![
            Span::styled("! COLLATERAL ", warn),
            Span::raw(format!(
                "{} other senders in this network: {}",
                p.collateral_ips.len(),
                first_few(&p.collateral_ips)
            )),
        ]));
    }
    if p.collateral_dkim_messages > 0 {
        lines.push(Line::from(vec![
            Span::styled("! COLLATERAL ", warn),
            Span::raw(format!(
                "{} messages passed DKIM for {} other domains: {}",
                p.collateral_dkim_messages,
                p.collateral_dkim_domains.len(),
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
    let file = app.block.path.as_ref().map_or_else(
        || "(no location)".to_string(),
        |p| sanitize(&p.display().to_string()),
    );
    lines.push(field("file", file, theme));
    lines
}

pub fn render(frame: &mut Frame, area: Rect, app: &App, theme: Theme) {
    let Some(ov) = &app.block.overlay else { return };
    let lines = body(app, ov, theme);
    let w = area.width.min(78);
    let inner_w = w.saturating_sub(2).max(1) as usize;
    // Wrapped height, so the box grows with long collateral lines instead of cutting them.
    let rows: usize = lines
        .iter()
        .map(|l| l.width().max(1).div_ceil(inner_w))
        .sum();
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
