//! Help overlay, generated from the key table so it can never disagree with it.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use crate::tui::app::App;
use crate::tui::keys::Action;
use crate::tui::theme::Theme;

/// Keys and description of each help line. Down and up, widen and narrow, and each cycle
/// and its way back share one line each so the whole table still fits an 80x24 screen.
fn entries(app: &App) -> Vec<(String, &'static str)> {
    let pair = |a: Action, b: Action| format!("{} {}", app.keys.joined(a), app.keys.joined(b));
    Action::ALL
        .iter()
        .filter(|&&a| {
            !matches!(
                a,
                Action::Narrow
                    | Action::Up
                    | Action::FamilyBack
                    | Action::DkimBack
                    | Action::GroupByBack
                    | Action::SortBack
            )
        })
        .map(|&a| match a {
            Action::Family => (
                pair(Action::Family, Action::FamilyBack),
                "family filter: all, ipv4, ipv6 (shifted: back)",
            ),
            Action::Dkim => (
                pair(Action::Dkim, Action::DkimBack),
                "DKIM filter: any, pass, fail, invalid, none (back)",
            ),
            Action::GroupBy => (
                pair(Action::GroupBy, Action::GroupByBack),
                "group by: ip, net, host, sender, domain, dkim (back)",
            ),
            Action::Sort => (
                pair(Action::Sort, Action::SortBack),
                "sort: messages, bytes, last seen, DKIM fail (back)",
            ),
            Action::Down => (
                format!(
                    "{} {}",
                    app.keys.joined(Action::Down),
                    app.keys.joined(Action::Up)
                ),
                "move down / up",
            ),
            Action::Widen => (
                format!(
                    "{} {}",
                    app.keys.joined(Action::Widen),
                    app.keys.joined(Action::Narrow)
                ),
                "in the block preview: wider / narrower prefix",
            ),
            a => (app.keys.joined(a), a.describe()),
        })
        .collect()
}

pub fn render(frame: &mut Frame, area: Rect, app: &App, theme: Theme) {
    let entries = entries(app);
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
                Span::raw(what),
            ])
        })
        .collect();
    let w = (key_w as u16 + 60).min(area.width);
    let h = (lines.len() as u16 + 2).min(area.height);
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
    frame.render_widget(Clear, r);
    frame.render_widget(Paragraph::new(lines).block(block), r);
}
