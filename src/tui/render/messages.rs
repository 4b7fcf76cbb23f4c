//! Messages of the selected sender, newest first.

use ratatui::Frame;
use ratatui::layout::{Alignment, Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table};

use super::frame::{inner, pane_block, visible_offset};
use crate::model::Outcome;
use crate::parse::DkimStatus;
use crate::tui::app::App;
use crate::tui::data::human_bytes;
use crate::tui::theme::Theme;
use crate::tui::view::Pane;

// Widths of the fixed columns: the spare width for senders and recipients is computed
// from the same numbers the table is given, so both agree on where a value is cut.
const W_TIME: u16 = 14;
const W_SIZE: u16 = 5;
const W_DKIM: u16 = 7;
const W_OUTCOME: u16 = 9;
/// `-12.5`, `100.0`.
const W_SPAM: u16 = 5;
/// The spam column only shows when senders and recipients keep at least this much.
const SPARE_FOR_SPAM: u16 = 30;

pub fn render(frame: &mut Frame, area: Rect, app: &App, theme: Theme, wide: bool) {
    let title = match app.selected_key() {
        // Group labels are already terminal-safe (`query::key`); only cut.
        Some(k) => format!("messages of {}", crate::tui::data::shown_safe(&k)),
        None => "messages".to_string(),
    };
    let block = pane_block(app, Pane::Messages, title, theme, (wide, area.width));
    let body = inner(&block, area);
    frame.render_widget(block, area);
    let Some(m) = &app.logs.model else { return };
    if app.messages.shown.is_empty() {
        let limit = body.height.saturating_sub(2) as usize;
        let peers = match (app.senders.selected_row(), app.senders.index()) {
            (Some(r), Some(ix)) => app.logs.peer_lines(ix, r.group, &app.scope.filter, limit),
            _ => Vec::new(),
        };
        if app.messages.all.is_empty() && !peers.is_empty() {
            // A sender that never got a message through: show what it tried.
            let mut lines = vec![Line::from(Span::styled(
                "No accepted message. Latest rejections without a message id:",
                theme.dim(),
            ))];
            for l in peers {
                lines.push(Line::from(crate::tui::data::shown(&m.line(l))));
            }
            frame.render_widget(Paragraph::new(lines), body);
            return;
        }
        let text = if app.senders.selected_row().is_some() && !app.messages.all.is_empty() {
            "No message matches the search (Esc clears it)."
        } else if app.senders.selected_row().is_some() {
            "This sender has no accepted message here (only stray lines)."
        } else {
            "No sender selected."
        };
        frame.render_widget(Paragraph::new(Span::styled(text, theme.dim())), body);
        return;
    }
    let focused = app.focus == Pane::Messages;
    let height = body.height.saturating_sub(1) as usize;
    let first = visible_offset(app.messages.list.offset, app.messages.list.selected, height);
    let long_ids = app
        .messages
        .shown
        .iter()
        .skip(first)
        .take(height)
        .any(|&i| m.messages.get(i as usize).is_some_and(|x| x.id.is_long()));
    // Envelope senders and recipients share what the fixed columns leave, 3:2; the
    // widths are computed here, not left to the table, so each cut can be marked.
    let id_w: u16 = if long_ids { 23 } else { 16 };
    // Six gaps of one cell between the seven columns.
    let fixed = W_TIME + id_w + W_SIZE + W_DKIM + W_OUTCOME + 6;
    // A log without a spam scanner has no scores: no column of dashes for it.
    let spam =
        !m.spam.is_empty() && body.width.saturating_sub(fixed + W_SPAM + 1) >= SPARE_FOR_SPAM;
    let fixed = if spam { fixed + W_SPAM + 1 } else { fixed };
    let spare = body.width.saturating_sub(fixed);
    let sender_w = spare * 3 / 5;
    let rcpt_w = spare - sender_w;
    let fit = |t: &str, w: u16| crate::tui::data::fit_cells(t, w as usize);
    let rows: Vec<Row> = app
        .messages
        .shown
        .iter()
        .enumerate()
        .skip(first)
        .take(height)
        .filter_map(|(pos, &i)| {
            let msg = m.messages.get(i as usize)?;
            let sender = m.str(msg.sender);
            let sender = if msg.sender == crate::model::NONE {
                "-".to_string()
            } else if sender.is_empty() {
                "<>".to_string()
            } else {
                crate::tui::data::shown(sender)
            };
            let dkim_style = match msg.dkim {
                DkimStatus::Pass => theme.pass(),
                DkimStatus::Fail => theme.fail(),
                DkimStatus::Invalid => theme.warn(),
                DkimStatus::None => theme.dim(),
            };
            let outcome = msg.outcome();
            let out_style = match outcome {
                Outcome::Rejected | Outcome::Bounced | Outcome::Frozen => theme.fail(),
                Outcome::Deferred | Outcome::Partial => theme.warn(),
                _ => ratatui::style::Style::new(),
            };
            let t = crate::parse::time::format_log(msg.time);
            let mut cells = vec![
                Cell::from(t.get(5..).unwrap_or(&t).to_string()),
                Cell::from(msg.id.to_string()),
                Cell::from(fit(&sender, sender_w)),
                Cell::from(fit(
                    app.messages
                        .recipients_of
                        .get(&i)
                        .map_or("", String::as_str),
                    rcpt_w,
                )),
                Cell::from(Line::from(human_bytes(msg.size as u64)).alignment(Alignment::Right)),
                Cell::from(Span::styled(msg.dkim.as_str(), dkim_style)),
                Cell::from(Span::styled(outcome.as_str(), out_style)),
            ];
            if spam {
                cells.push(spam_cell(m.spam_score(i), theme));
            }
            let mut row = Row::new(cells);
            if app.live.as_ref().is_some_and(|l| l.is_fresh(i)) {
                row = row.style(theme.fresh());
            }
            Some(if pos == app.messages.list.selected {
                row.style(theme.selected(focused))
            } else {
                row
            })
        })
        .collect();
    let mut head = vec![
        Cell::from("time"),
        Cell::from("message id"),
        Cell::from(fit("envelope sender", sender_w)),
        Cell::from(fit("recipients", rcpt_w)),
        Cell::from(Line::from("size").alignment(Alignment::Right)),
        Cell::from("dkim"),
        Cell::from("outcome"),
    ];
    let mut widths = vec![
        Constraint::Length(W_TIME),
        Constraint::Length(id_w),
        Constraint::Length(sender_w),
        Constraint::Length(rcpt_w),
        Constraint::Length(W_SIZE),
        Constraint::Length(W_DKIM),
        Constraint::Length(W_OUTCOME),
    ];
    if spam {
        head.push(Cell::from(Line::from("spam").alignment(Alignment::Right)));
        widths.push(Constraint::Length(W_SPAM));
    }
    let head = Row::new(head).style(theme.column_titles());
    frame.render_widget(
        Table::new(rows, widths).header(head).column_spacing(1),
        body,
    );
}

/// A message's spam score (`SA:` lines), right-aligned: at or over the scanner's
/// threshold it reads as a failure; `-` when it was not scanned.
fn spam_cell<'a>(score: Option<crate::model::SpamScore>, theme: Theme) -> Cell<'a> {
    let Some(sc) = score else {
        return Cell::from(Line::from(Span::styled("-", theme.dim())).alignment(Alignment::Right));
    };
    let style = match sc.is_spam() {
        Some(true) => theme.fail(),
        _ => ratatui::style::Style::new(),
    };
    let text = crate::tui::data::fit_cells(&format!("{:.1}", sc.score()), W_SPAM as usize);
    Cell::from(Line::from(Span::styled(text, style)).alignment(Alignment::Right))
}
