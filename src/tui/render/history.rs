//! The sender history view: a gutter mark (`<` arrival, `D` DKIM, `!` failure) and the
//! raw line, a blank row between transactions, cut at the pane's edge with a mark.
//!
//! Draws only the rows the app prepared for the screen; never reads the whole history.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

use super::frame::line;
use crate::query::history::Mark;
use crate::tui::app::App;
use crate::tui::components::history::{HistoryView, gutter};
use crate::tui::components::text;
use crate::tui::data::{count_fit, fit_cells};
use crate::tui::theme::Theme;
use crate::tui::view::Tone;

/// `history of <label> — N transactions, M lines`, fitted to `width` cells.
fn title(v: &HistoryView, width: usize) -> String {
    let t = count_fit(v.transactions as u64, 9);
    let l = count_fit(v.lines as u64, 9);
    let plural = |n: usize, one: &str, many: &str| if n == 1 { one } else { many }.to_string();
    let counts = format!(
        " \u{2014} {t} {}, {l} {}",
        plural(v.transactions, "transaction", "transactions"),
        plural(v.lines, "line", "lines")
    );
    let fixed = "history of ".len() + counts.chars().count();
    let label = fit_cells(&v.label, width.saturating_sub(fixed).max(1));
    fit_cells(&format!("history of {label}{counts}"), width)
}

fn tone(mark: Option<Mark>) -> Tone {
    match mark {
        Some(Mark::Arrival) => Tone::Arrival,
        Some(Mark::Dkim) => Tone::Dkim,
        Some(Mark::Failure) => Tone::Fail,
        _ => Tone::Plain,
    }
}

pub fn render(frame: &mut Frame, area: Rect, app: &App, theme: Theme, wide: bool) {
    let Some(v) = &app.history else { return };
    let borders = if wide { Borders::ALL } else { Borders::TOP };
    let room = (area.width as usize).saturating_sub(4);
    let block = Block::new()
        .borders(borders)
        .border_style(theme.border(true))
        .title(Span::styled(format!(" {} ", title(v, room)), theme.title()));
    let body = block.inner(area);
    frame.render_widget(block, area);
    if v.is_empty() {
        let p = Paragraph::new(Span::styled(
            "Nothing of this sender passes the filters in force.",
            theme.notice(),
        ))
        .wrap(Wrap { trim: true });
        frame.render_widget(p, body);
        return;
    }
    let line_w = HistoryView::line_width(body.width as usize);
    let sel = v.cursor.selected.saturating_sub(v.cursor.offset);
    let mut out: Vec<Line> = Vec::new();
    let mut sel_at = 0;
    for (k, r) in v.shown.iter().enumerate() {
        if r.mark.is_none() {
            // The blank row between transactions, as exigrep prints it.
            out.push(Line::from(""));
            continue;
        }
        // Already sanitized by the component; the gutter reads without colour.
        let row = vec![(r.text.clone(), tone(r.mark))];
        let laid = text::lay_out(&[row], line_w, v.side.hscroll, v.side.wrap);
        if k == sel {
            sel_at = out.len();
        }
        let mark_style = match tone(r.mark) {
            Tone::Arrival => theme.arrival_line(),
            Tone::Dkim => theme.dkim_line(),
            Tone::Fail => theme.fail(),
            _ => theme.dim(),
        };
        for (n, piece) in laid.into_iter().enumerate() {
            let g = if n == 0 { gutter(r.mark) } else { ' ' };
            let mut spans = vec![Span::styled(format!("{g} "), mark_style)];
            spans.extend(line(piece, theme).spans);
            let mut l = Line::from(spans);
            if k == sel {
                l = l.style(theme.selected(true));
            }
            out.push(l);
        }
    }
    // Wrapping may take more rows than the screen: the first ones give way so the
    // selection stays on it.
    let fits = body.height.max(1) as usize;
    let skip = (sel_at + 1).saturating_sub(fits);
    let shown: Vec<Line> = out.into_iter().skip(skip).take(fits).collect();
    frame.render_widget(Paragraph::new(shown), body);
}
