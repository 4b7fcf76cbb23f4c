//! Detail of one message: parsed fields, signatures, deliveries, then every raw
//! line of the transaction in log order with arrival and DKIM lines highlighted.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::frame::{inner, pane_block};
use crate::parse::LineKind;
use crate::tui::app::App;
use crate::tui::theme::Theme;
use crate::tui::view::Pane;

pub fn render(frame: &mut Frame, area: Rect, app: &App, theme: Theme, wide: bool) {
    let title = match &app.detail.message {
        Some(d) => format!("message {}", d.id),
        None => "message".into(),
    };
    let block = pane_block(app, Pane::Detail, title, theme, wide);
    let body = inner(&block, area);
    frame.render_widget(block, area);
    let Some(d) = &app.detail.message else {
        frame.render_widget(
            Paragraph::new(Span::styled("No message selected.", theme.dim())),
            body,
        );
        return;
    };
    let mut lines: Vec<Line> = Vec::new();
    // Fields flow across the width (`key value` pairs), so a short pane still
    // has room for the raw lines below them.
    let width = body.width as usize;
    let mut row: Vec<Span> = Vec::new();
    let mut used = 0usize;
    for (k, v) in &d.fields {
        let need = k.len() + 1 + v.chars().count() + 2;
        if used > 0 && used + need > width {
            lines.push(Line::from(std::mem::take(&mut row)));
            used = 0;
        }
        row.push(Span::styled(format!("{k} "), theme.dim()));
        row.push(Span::raw(format!("{v}  ")));
        used += need;
    }
    if !row.is_empty() {
        lines.push(Line::from(row));
    }
    lines.push(Line::from(Span::styled(
        format!("DKIM signatures ({})", d.signatures.len()),
        theme.title(),
    )));
    for s in &d.signatures {
        let style = if s.contains("result=pass") {
            theme.pass()
        } else {
            theme.fail()
        };
        lines.push(Line::from(vec![
            Span::raw("  "),
            Span::styled(s.clone(), style),
        ]));
    }
    lines.push(Line::from(Span::styled(
        format!("Deliveries ({})", d.deliveries.len()),
        theme.title(),
    )));
    for s in &d.deliveries {
        lines.push(Line::from(format!("  {s}")));
    }
    lines.push(Line::from(Span::styled(
        format!("Log lines ({})", d.lines.len()),
        theme.title(),
    )));
    for (kind, text) in &d.lines {
        let (mark, style) = match kind {
            LineKind::Arrival | LineKind::FakeReject => ("<=", theme.arrival_line()),
            LineKind::DkimSignature | LineKind::DkimOther => ("DK", theme.dkim_line()),
            _ => ("  ", ratatui::style::Style::new()),
        };
        lines.push(Line::from(vec![
            Span::styled(format!("{mark} "), style),
            Span::styled(text.clone(), style),
        ]));
    }
    let scroll = app.detail.scroll.min(u16::MAX as usize) as u16;
    frame.render_widget(Paragraph::new(lines).scroll((scroll, 0)), body);
}
