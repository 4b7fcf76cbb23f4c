//! Drawing: one pure function of the app state, delegating to one file per region.
//!
//! Never mutates state and never does I/O; every string from the log arrives here
//! already sanitized or is sanitized here.

mod block;
mod detail;
mod flow;
mod footer;
mod frame;
mod header;
mod help;
mod history;
mod lines;
mod messages;
mod rejections;
mod senders;

use ratatui::Frame;
use ratatui::text::Span;

use super::app::App;
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
    let a = layout::areas(area, app.focus, app.zoom);
    header::render(frame, a.header, app, theme);
    if app.lines.is_some() {
        lines::render(frame, a.body, app, theme, a.wide);
    } else if app.history.is_some() {
        history::render(frame, a.body, app, theme, a.wide);
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
    if app.block.is_open() {
        block::render(frame, area, app, theme);
    }
    if app.help.open {
        help::render(frame, area, app, theme);
    }
}

fn panes(frame: &mut Frame, a: &layout::Areas, app: &App, theme: Theme) {
    if let Some(r) = a.senders {
        senders::render(frame, r, app, theme, a.wide);
    }
    if let Some(r) = a.messages {
        if app.rejections.on {
            rejections::render(frame, r, app, theme, a.wide);
        } else {
            messages::render(frame, r, app, theme, a.wide);
        }
    }
    if let Some(r) = a.detail {
        detail::render(frame, r, app, theme, a.wide);
    }
}
