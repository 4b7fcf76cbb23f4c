//! The selected sender's rejections in the middle pane (`R`): a summary line of counts
//! and top reasons, then one row each, newest first: time, stage, reason category, whom
//! it named, and Exim's reason text. Every value is sanitized (`data::shown`) and cut
//! with a mark (`fit_cells`), never silently.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::Span;
use ratatui::widgets::{Cell, Paragraph, Row, Table};

use super::frame::{inner, pane_block, visible_offset};
use crate::query::Reason;
use crate::tui::app::App;
use crate::tui::data::{fit_cells, shown, stage_label, who};
use crate::tui::theme::Theme;
use crate::tui::view::Pane;

// The time is fixed; stage and reason are as wide as the rows on screen need (most are
// `RCPT`), and what is left goes to whom the row named and to the reason text.
const W_TIME: u16 = 14;

pub fn render(frame: &mut Frame, area: Rect, app: &App, theme: Theme, wide: bool) {
    let list = &app.rejections;
    let title = match app.selected_key() {
        // Group labels are already terminal-safe (`query::key`); only cut.
        Some(k) => format!(
            "rejections of {} ({})",
            crate::tui::data::shown_safe(&k),
            list.rows.len()
        ),
        None => "rejections".to_string(),
    };
    let block = pane_block(app, Pane::Messages, title, theme, (wide, area.width));
    let body = inner(&block, area);
    frame.render_widget(block, area);
    let Some(m) = &app.logs.model else { return };
    let [summary, table] =
        ratatui::layout::Layout::vertical([Constraint::Length(1), Constraint::Fill(1)]).areas(body);
    let width = body.width as usize;
    if list.rows.is_empty() {
        let key = app.keys.first(crate::tui::keys::Action::Rejections);
        let text = format!(
            "No rejection of this sender under the filters in force ({key} shows its messages)."
        );
        frame.render_widget(
            Paragraph::new(Span::styled(fit_cells(&text, width), theme.dim())),
            summary,
        );
        return;
    }
    frame.render_widget(
        Paragraph::new(Span::styled(
            fit_cells(&list.summary(), width),
            theme.title(),
        )),
        summary,
    );
    let focused = app.focus == Pane::Messages;
    let height = table.height.saturating_sub(1) as usize;
    let first = visible_offset(list.list.offset, list.list.selected, height);
    let on_screen = || list.rows.iter().skip(first).take(height);
    let cells = |t: &str| unicode_width::UnicodeWidthStr::width(t) as u16;
    let stage_w = on_screen()
        .map(|r| cells(&stage_label(r)))
        .fold(5, u16::max);
    let reason_w = on_screen()
        .map(|r| cells(r.reason.as_str()))
        .fold(6, u16::max);
    // Four gaps of one cell between the five columns; whom it named gets 2 of 5 parts.
    let spare = table.width.saturating_sub(W_TIME + stage_w + reason_w + 4);
    let who_w = spare * 2 / 5;
    let text_w = spare - who_w;
    let fit = |t: &str, w: u16| fit_cells(t, w as usize);
    let rows: Vec<Row> = list
        .rows
        .iter()
        .enumerate()
        .skip(first)
        .take(height)
        .map(|(pos, r)| {
            let t = crate::parse::time::format_log(r.time);
            // Refused for good (5xx) reads as a failure; greylisting and rate limits warn.
            let tone = if r.temporary || r.reason == Reason::Greylist {
                theme.warn()
            } else {
                theme.fail()
            };
            let row = Row::new(vec![
                Cell::from(t.get(5..).unwrap_or(&t).to_string()),
                Cell::from(fit(&stage_label(r), stage_w)),
                Cell::from(Span::styled(r.reason.as_str(), tone)),
                Cell::from(fit(&who(m, r), who_w)),
                Cell::from(fit(&shown(r.text.of(&m.line(r.line))), text_w)),
            ]);
            if pos == list.list.selected {
                row.style(theme.selected(focused))
            } else {
                row
            }
        })
        .collect();
    let head = Row::new(vec![
        Cell::from("time"),
        Cell::from("stage"),
        Cell::from("reason"),
        Cell::from(fit("who", who_w)),
        Cell::from(fit("reason text", text_w)),
    ])
    .style(theme.column_titles());
    let widths = [
        Constraint::Length(W_TIME),
        Constraint::Length(stage_w),
        Constraint::Length(reason_w),
        Constraint::Length(who_w),
        Constraint::Length(text_w),
    ];
    frame.render_widget(
        Table::new(rows, widths).header(head).column_spacing(1),
        table,
    );
}
