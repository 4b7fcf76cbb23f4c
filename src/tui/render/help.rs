//! Help overlay, generated from the key table so it can never disagree with it.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use crate::tui::app::App;
use crate::tui::theme::Theme;

pub fn render(frame: &mut Frame, area: Rect, app: &App, theme: Theme) {
    let entries = crate::tui::components::help::entries(&app.keys);
    let key_w = entries
        .iter()
        .map(|(k, _)| k.chars().count())
        .max()
        .unwrap_or(8);
    let lines: Vec<Line> = entries
        .into_iter()
        .map(|(keys, what)| {
            Line::from(vec![
                Span::styled(format!("{keys:<key_w$}  "), theme.key()),
                // A user's key file can make the key column wide: cut with a mark.
                Span::raw(crate::tui::data::fit_cells(
                    what,
                    (area.width as usize).saturating_sub(key_w + 4),
                )),
            ])
        })
        .collect();
    let w = (key_w as u16 + 60).min(area.width);
    let h = (lines.len() as u16 + 2).min(area.height);
    // What does not fit scrolls (`Help::act`), and the border says so: never cut silently.
    let rows = (h as usize).saturating_sub(crate::tui::components::help::CHROME);
    let total = lines.len();
    let first = app.help.scroll.min(total.saturating_sub(rows));
    let below = total.saturating_sub(first + rows);
    let lines: Vec<Line> = lines.into_iter().skip(first).take(rows).collect();
    let r = Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + (area.height - h) / 2,
        width: w,
        height: h,
    };
    let block = Block::new()
        .borders(Borders::ALL)
        .border_style(theme.border(true))
        .title(Span::styled(" keys (any key closes) ", theme.title()));
    let block = match (first, below) {
        (0, 0) => block,
        (above, below) => block.title_bottom(Span::styled(
            format!(" {above} above, {below} below: j/k scroll "),
            theme.dim(),
        )),
    };
    frame.render_widget(Clear, r);
    frame.render_widget(Paragraph::new(lines).block(block), r);
}
