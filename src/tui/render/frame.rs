//! What every pane is drawn in: its frame (a border, or a breadcrumb on a narrow screen)
//! and the first row of a list on screen.

use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders};

use crate::tui::app::App;
use crate::tui::theme::Theme;
use crate::tui::view::{Pane, Row, Tone};

/// The first row of a list to draw: the list's own offset, moved down only if a notice
/// took rows from the pane after the list scrolled, so the selection stays on screen.
pub fn visible_offset(offset: usize, selected: usize, height: usize) -> usize {
    offset.max((selected + 1).saturating_sub(height.max(1)))
}

/// A pane's frame: a full border when panes sit side by side, else a title line
/// holding the breadcrumb (the only pane on screen says where it is).
pub fn pane_block<'a>(
    app: &App,
    pane: Pane,
    title: String,
    theme: Theme,
    (wide, width): (bool, u16),
) -> Block<'a> {
    let focused = app.focus == pane;
    // Room for the title on the top border: its corners and a cell of border each side.
    let room = (width as usize).saturating_sub(4);
    if wide {
        let title = crate::tui::data::fit_cells(&title, room.saturating_sub(4));
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
            .title(breadcrumb(app, theme, room))
    }
}

/// `senders › 2a01:238:… › 1QFOdo-0001zq-E9`, the focused step in bold.
fn breadcrumb<'a>(app: &App, theme: Theme, room: usize) -> Line<'a> {
    let mut parts: Vec<(Pane, String)> =
        vec![(Pane::Senders, format!("senders by {}", app.scope.by_text()))];
    if app.focus != Pane::Senders
        && let Some(k) = app.selected_key()
    {
        // Group labels are already terminal-safe (`query::key`); only cut.
        parts.push((Pane::Messages, crate::tui::data::shown_safe(&k)));
        if app.rejections.on {
            // Which of the middle pane's two lists is open, as the wide title says.
            parts.push((Pane::Messages, "rejections".into()));
        }
    }
    if app.focus == Pane::Detail
        && let Some(d) = &app.detail.message
    {
        parts.push((Pane::Detail, d.id.clone()));
    }
    // Too long for the screen: the sender key gives way first (cut in the middle, as an
    // address is), then the others, each with its mark.
    let width = |parts: &[(Pane, String)]| {
        parts
            .iter()
            .map(|(_, t)| unicode_width::UnicodeWidthStr::width(t.as_str()) + 3)
            .sum::<usize>()
    };
    for i in [1, 0, 2] {
        let over = width(&parts).saturating_sub(room);
        if over == 0 {
            break;
        }
        if let Some((_, t)) = parts.get_mut(i) {
            let w = unicode_width::UnicodeWidthStr::width(t.as_str());
            *t = crate::tui::data::fit_cells(t, w.saturating_sub(over).max(4));
        }
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
pub fn inner(block: &Block<'_>, r: Rect) -> Rect {
    block.inner(r)
}

/// The theme's style for a tone.
pub fn style(theme: Theme, tone: Tone) -> Style {
    match tone {
        Tone::Plain => Style::new(),
        Tone::Dim => theme.dim(),
        Tone::Title => theme.title(),
        Tone::Pass => theme.pass(),
        Tone::Fail => theme.fail(),
        Tone::Arrival => theme.arrival_line(),
        Tone::Dkim => theme.dkim_line(),
    }
}

/// A row of toned text as a line to draw.
pub fn line<'a>(row: Row, theme: Theme) -> Line<'a> {
    Line::from(
        row.into_iter()
            .map(|(t, tone)| Span::styled(t, style(theme, tone)))
            .collect::<Vec<_>>(),
    )
}
