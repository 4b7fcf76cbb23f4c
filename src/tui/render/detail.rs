//! Detail of one message, as the detail component lays it out for the pane's width
//! (fields, arrival and DKIM lines, signatures, deliveries, other lines), from its scroll.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::frame::{inner, line, pane_block};
use crate::tui::app::App;
use crate::tui::theme::Theme;
use crate::tui::view::Pane;

pub fn render(frame: &mut Frame, area: Rect, app: &App, theme: Theme, wide: bool) {
    let title = match &app.detail.message {
        Some(d) if d.rejection => format!("rejection {}", d.id),
        Some(d) => format!("message {}", d.id),
        None => "message".into(),
    };
    let block = pane_block(app, Pane::Detail, title, theme, (wide, area.width));
    let body = inner(&block, area);
    frame.render_widget(block, area);
    if app.detail.message.is_none() {
        frame.render_widget(
            Paragraph::new(Span::styled("No message selected.", theme.dim())),
            body,
        );
        return;
    };
    let lines: Vec<Line> = app
        .detail
        .laid_out(body.width as usize)
        .into_iter()
        .skip(app.detail.scroll)
        .take(body.height as usize)
        .map(|r| line(r, theme))
        .collect();
    frame.render_widget(Paragraph::new(lines), body);
}
