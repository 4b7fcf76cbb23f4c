//! The log lines view: lines no message or sender leads to (or every unrecognized line),
//! one row each as `time  kind  raw line`, cut at the pane's edge.
//!
//! Draws only the rows the app prepared for the screen; never reads the whole list.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Row, Table, Wrap};

use crate::parse::LineKind;
use crate::parse::time;
use crate::tui::app::App;
use crate::tui::components::lines::LinesView;
use crate::tui::data::grouped;
use crate::tui::keys::Action;
use crate::tui::theme::Theme;

/// `other lines 10 (unrecognized 6)`, `unrecognized lines 2/7 (whole log)`.
fn title(app: &App, v: &LinesView) -> String {
    let count = if v.narrowed() {
        format!(
            "{}/{}",
            grouped(v.list().len() as u64),
            grouped(v.total() as u64)
        )
    } else {
        grouped(v.total() as u64)
    };
    if v.unrecognized_only {
        format!("unrecognized lines {count} (whole log)")
    } else {
        let unrec = app.logs.other_unrecognized().unwrap_or(0) as u64;
        format!("other lines {count} (unrecognized {})", grouped(unrec))
    }
}

fn empty_text(app: &App, v: &LinesView) -> String {
    if v.narrowed() && v.total() > 0 {
        format!(
            "No line here matches the regex. Clear: regex ({} then Enter on an empty line)",
            app.keys.first(Action::Regex)
        )
    } else if v.unrecognized_only {
        "The parser understood every line of this log.".into()
    } else {
        "Every line belongs to a message or a sender: nothing else to show.".into()
    }
}

pub fn render(frame: &mut Frame, area: Rect, app: &App, theme: Theme, wide: bool) {
    let Some(v) = &app.lines else { return };
    let label = Span::styled(format!(" {} ", title(app, v)), theme.title());
    let block = if wide {
        Block::new()
            .borders(Borders::ALL)
            .border_style(theme.border(true))
            .title(label)
    } else {
        Block::new()
            .borders(Borders::TOP)
            .border_style(theme.border(true))
            .title(label)
    };
    let body = block.inner(area);
    frame.render_widget(block, area);
    if v.list().is_empty() {
        let p = Paragraph::new(Span::styled(empty_text(app, v), theme.notice()))
            .wrap(Wrap { trim: true });
        frame.render_widget(p, body);
        return;
    }
    let kind_w = v
        .rows
        .iter()
        .map(|r| r.kind.name().len())
        .max()
        .unwrap_or(4)
        .max(4) as u16;
    // The rows were prepared for the whole pane; if a notice took rows since, the
    // first ones give way so the selection stays on screen.
    let fits = body.height.saturating_sub(1) as usize;
    let first = (v.cursor.selected.saturating_sub(v.cursor.offset) + 1).saturating_sub(fits.max(1));
    let rows: Vec<Row> = v
        .rows
        .iter()
        .enumerate()
        .skip(first)
        .map(|(k, r)| {
            // `06-01 08:00:00`, as the message list shows times; `-` for a line without one.
            let time = r.time.map_or_else(
                || "-".to_string(),
                |t| time::format_log(t).get(5..).unwrap_or_default().to_string(),
            );
            let kind_style = if r.kind == LineKind::Unrecognized {
                theme.warn()
            } else {
                theme.dim()
            };
            // Already sanitized by `data::line_row`.
            let row = Row::new(vec![
                Cell::from(time),
                Cell::from(Span::styled(r.kind.name(), kind_style)),
                Cell::from(Line::from(r.text.clone())),
            ]);
            if v.cursor.offset + k == v.cursor.selected {
                row.style(theme.selected(true))
            } else {
                row
            }
        })
        .collect();
    let head = Row::new(vec![
        Cell::from("time"),
        Cell::from("kind"),
        Cell::from("line"),
    ])
    .style(theme.column_titles());
    let widths = [
        Constraint::Length(14),
        Constraint::Length(kind_w),
        Constraint::Fill(1),
    ];
    frame.render_widget(
        Table::new(rows, widths).header(head).column_spacing(1),
        body,
    );
}
