//! The log lines view: lines no message or sender leads to (or every unrecognized line),
//! one row each as `time  kind  raw line`, cut at the pane's edge.
//!
//! Draws only the rows the app prepared for the screen; never reads the whole list.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Row, Table, Wrap};

use super::frame::line;
use crate::parse::LineKind;
use crate::parse::time;
use crate::tui::app::App;
use crate::tui::components::lines::{LinesView, TIME_W};
use crate::tui::components::text;
use crate::tui::data::grouped;
use crate::tui::keys::Action;
use crate::tui::theme::Theme;
use crate::tui::view::Tone;

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
        // The header's `unrec` counts the whole log, lines of messages too: say both,
        // so the two numbers never seem to disagree.
        let here = app.logs.other_unrecognized().unwrap_or(0) as u64;
        let all = app
            .logs
            .summary
            .as_ref()
            .map_or(here, |s| s.unrecognized_lines);
        if here == all {
            format!("other lines {count} (unrecognized {} in all)", grouped(all))
        } else {
            format!(
                "other lines {count} (unrecognized {} here, {} in all)",
                grouped(here),
                grouped(all)
            )
        }
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
    let kind_w = v.kind_width() as u16;
    let line_w = v.line_width(body.width as usize);
    // Each raw line in one row, cut at the sideways offset with a mark, or wrapped in
    // as many rows as it needs.
    let texts: Vec<Vec<Line>> = v
        .rows
        .iter()
        .map(|r| {
            let row = vec![(r.text.clone(), Tone::Plain)];
            text::lay_out(&[row], line_w, v.side.hscroll, v.side.wrap)
                .into_iter()
                .map(|r| line(r, theme))
                .collect()
        })
        .collect();
    // The rows were prepared for the whole pane; if a notice (or wrapping) took rows
    // since, the first ones give way so the selection stays on screen.
    let fits = body.height.saturating_sub(1).max(1) as usize;
    let sel = v.cursor.selected.saturating_sub(v.cursor.offset);
    let mut first = 0;
    while first < sel
        && texts
            .get(first..=sel)
            .map_or(0, |t| t.iter().map(|x| x.len().max(1)).sum::<usize>())
            > fits
    {
        first += 1;
    }
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
                Cell::from(ratatui::text::Text::from(
                    texts.get(k).cloned().unwrap_or_default(),
                )),
            ])
            .height(texts.get(k).map_or(1, |t| t.len().max(1)) as u16);
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
        Constraint::Length(TIME_W as u16),
        Constraint::Length(kind_w),
        Constraint::Fill(1),
    ];
    frame.render_widget(
        Table::new(rows, widths).header(head).column_spacing(1),
        body,
    );
}
