//! Footer: the active view as plain text with counts, then key hints (from the key
//! table) or the prompt being edited.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::tui::app::{App, PromptKind};
use crate::tui::keys::Action;
use crate::tui::theme::Theme;

pub fn render(frame: &mut Frame, status: Rect, hints: Rect, app: &App, theme: Theme) {
    let mut spans = vec![Span::raw(app.view_text())];
    if !app.is_loading() {
        spans.push(Span::raw("  "));
        spans.push(Span::styled(app.count_text(), theme.title()));
    }
    if let Some(n) = &app.notice {
        spans.push(Span::raw("  "));
        spans.push(Span::styled(
            crate::text::sanitize(n.as_bytes()),
            theme.notice(),
        ));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), status);

    let line = match &app.prompt {
        Some(p) => {
            let label = match p.kind {
                PromptKind::Search => "search (Enter keeps, Esc clears): ",
                PromptKind::Regex => "regex over raw lines (empty clears): ",
                PromptKind::Time => "time (A..B, last 24h, today; empty clears): ",
                PromptKind::Comment => "comment (optional; Enter adds, Esc cancels): ",
            };
            Line::from(vec![
                Span::styled(label, theme.key()),
                Span::raw(crate::text::sanitize(p.text.as_bytes())),
                Span::styled("█", theme.dim()),
            ])
        }
        None if app.block.is_some() => block_hints(app, theme),
        None if app.lines.is_some() => lines_hints(app, theme),
        None => hint_line(app, theme),
    };
    frame.render_widget(Paragraph::new(line), hints);
}

/// `q quit  ? help  / search ...`, built from the key table.
pub fn hint_line<'a>(app: &App, theme: Theme) -> Line<'a> {
    let mut spans = Vec::new();
    // Help and quit first: on a narrow screen the tail of the line is cut.
    let order = [Action::Help, Action::Quit].into_iter().chain(
        Action::ALL
            .into_iter()
            .filter(|a| !matches!(a, Action::Help | Action::Quit)),
    );
    for a in order {
        let Some(label) = a.hint() else { continue };
        if app.keys.keys(a).is_empty() {
            continue;
        }
        if !spans.is_empty() {
            spans.push(Span::raw("  "));
        }
        spans.push(Span::styled(app.keys.first(a), theme.key()));
        spans.push(Span::raw(format!(" {label}")));
    }
    Line::from(spans)
}

/// While the block preview is open only its own keys do something; the footer says which.
fn block_hints<'a>(app: &App, theme: Theme) -> Line<'a> {
    let mut spans = Vec::new();
    for (a, label) in [
        (Action::Drill, "add (asks for a comment)"),
        (Action::Back, "cancel"),
        (Action::Widen, "wider"),
        (Action::Narrow, "narrower"),
        (Action::Help, "help"),
    ] {
        if !spans.is_empty() {
            spans.push(Span::raw("  "));
        }
        spans.push(Span::styled(app.keys.first(a), theme.key()));
        spans.push(Span::raw(format!(" {label}")));
    }
    Line::from(spans)
}

/// In the log lines view: the keys that do something there.
fn lines_hints<'a>(app: &App, theme: Theme) -> Line<'a> {
    let toggle = if app.lines.as_ref().is_some_and(|v| v.unrecognized_only) {
        "other lines"
    } else {
        "unrecognized only"
    };
    let mut spans = Vec::new();
    for (a, label) in [
        (Action::Help, "help"),
        (Action::Quit, "quit"),
        (Action::Back, "back"),
        (Action::OtherLines, toggle),
        (Action::Regex, "regex"),
    ] {
        if !spans.is_empty() {
            spans.push(Span::raw("  "));
        }
        spans.push(Span::styled(app.keys.first(a), theme.key()));
        spans.push(Span::raw(format!(" {label}")));
    }
    Line::from(spans)
}
