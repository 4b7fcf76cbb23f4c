//! Drawing: one pure function of the app state, delegating to one file per region.
//!
//! Never mutates state and never does I/O; every string from the log arrives here
//! already sanitized or is sanitized here.

mod block;
mod detail;
mod footer;
mod header;
mod help;
mod lines;
mod messages;
mod senders;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders};

use super::app::{App, Pane};
use super::layout;
use super::theme::Theme;

pub fn render(frame: &mut Frame, app: &App, theme: Theme) {
    let full = frame.area();
    // A notice (an error, a confirmation) gets lines of its own at the bottom, wrapped,
    // never cut at the edge of the status line; it stays until the next key.
    let notice = app
        .notice
        .as_ref()
        .map(|n| crate::text::sanitize(n.as_bytes()));
    let notice_rows = notice.as_ref().map_or(0, |n| {
        let w = unicode_width::UnicodeWidthStr::width(n.as_str()).max(1);
        let rows = w.div_ceil(full.width.max(1) as usize) as u16;
        rows.clamp(1, (full.height / 4).max(1))
    });
    let [area, notice_area] = ratatui::layout::Layout::vertical([
        ratatui::layout::Constraint::Min(0),
        ratatui::layout::Constraint::Length(notice_rows),
    ])
    .areas(full);
    let a = layout::areas(area, app.focus);
    header::render(frame, a.header, app, theme);
    if app.lines.is_some() {
        lines::render(frame, a.body, app, theme, a.wide);
    } else {
        panes(frame, &a, app, theme);
    }
    footer::render(frame, a.status, a.hints, app, theme);
    if let Some(n) = notice {
        frame.render_widget(
            ratatui::widgets::Paragraph::new(Span::styled(n, theme.notice()))
                .wrap(ratatui::widgets::Wrap { trim: false }),
            notice_area,
        );
    }
    if app.block.is_some() {
        block::render(frame, area, app, theme);
    }
    if app.help {
        help::render(frame, area, app, theme);
    }
}

/// The first row of a list to draw: the list's own offset, moved down only if a notice
/// took rows from the pane after the list scrolled, so the selection stays on screen.
fn visible_offset(offset: usize, selected: usize, height: usize) -> usize {
    offset.max((selected + 1).saturating_sub(height.max(1)))
}

fn panes(frame: &mut Frame, a: &layout::Areas, app: &App, theme: Theme) {
    if let Some(r) = a.senders {
        senders::render(frame, r, app, theme, a.wide);
    }
    if let Some(r) = a.messages {
        messages::render(frame, r, app, theme, a.wide);
    }
    if let Some(r) = a.detail {
        detail::render(frame, r, app, theme, a.wide);
    }
}

/// A pane's frame: a full border when panes sit side by side, else a title line
/// holding the breadcrumb (the only pane on screen says where it is).
fn pane_block<'a>(app: &App, pane: Pane, title: String, theme: Theme, wide: bool) -> Block<'a> {
    let focused = app.focus == pane;
    if wide {
        Block::new()
            .borders(Borders::ALL)
            .border_style(theme.border(focused))
            // A mark in the title, not only the border's colour or weight, so the
            // focused pane is plain to see without colour too.
            .title(Line::from(Span::styled(
                if focused {
                    format!(" \u{25b6} {title} ")
                } else {
                    format!(" {title} ")
                },
                theme.title(),
            )))
    } else {
        Block::new()
            .borders(Borders::TOP)
            .border_style(theme.border(true))
            .title(breadcrumb(app, theme))
    }
}

/// `senders › 2a01:238:… › 1QFOdo-0001zq-E9`, the focused step in bold.
fn breadcrumb<'a>(app: &App, theme: Theme) -> Line<'a> {
    let mut parts: Vec<(Pane, String)> =
        vec![(Pane::Senders, format!("senders by {}", app.by.as_str()))];
    if app.focus != Pane::Senders
        && let Some(k) = app.selected_key()
    {
        // Group labels are already terminal-safe (`query::key`); only cut.
        parts.push((Pane::Messages, crate::tui::data::shown_safe(&k)));
    }
    if app.focus == Pane::Detail
        && let Some(d) = &app.detail
    {
        parts.push((Pane::Detail, d.id.clone()));
    }
    let mut spans = vec![Span::raw(" ")];
    for (i, (p, t)) in parts.into_iter().enumerate() {
        if i > 0 {
            spans.push(Span::styled(" › ", theme.dim()));
        }
        let style = if p == app.focus {
            theme.title()
        } else {
            Style::new()
        };
        spans.push(Span::styled(t, style));
    }
    spans.push(Span::raw(" "));
    Line::from(spans)
}

/// The part of `r` inside a pane block.
fn inner(block: &Block<'_>, r: Rect) -> Rect {
    block.inner(r)
}
