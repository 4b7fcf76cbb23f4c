//! Footer: the active view as plain text with counts, then key hints (from the key
//! table) or the prompt being edited.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use unicode_width::UnicodeWidthStr;

use crate::tui::app::App;
use crate::tui::components::prompt::PromptKind;
use crate::tui::data::fit_cells;
use crate::tui::keys::Action;
use crate::tui::status;
use crate::tui::theme::Theme;

pub fn render(frame: &mut Frame, status: Rect, hints: Rect, app: &App, theme: Theme) {
    let width = status.width as usize;
    let view = status::view_text(app);
    let spans = if app.logs.is_loading() {
        vec![Span::raw(fit_cells(&view, width))]
    } else {
        // The counts (and a line's `FILE:N`, its end the part that matters) win the room;
        // the view's words are cut first, each cut with its `…`.
        let count = tail(&status::count_text(app), width);
        let room = width.saturating_sub(count.width() + 2);
        let view = if room == 0 {
            String::new()
        } else {
            fit_cells(&view, room) + "  "
        };
        vec![Span::raw(view), Span::styled(count, theme.title())]
    };
    frame.render_widget(Paragraph::new(Line::from(spans)), status);

    let line = match &app.prompt {
        // A yes/no question: the notice above asks it; nothing is typed.
        Some(p) if p.kind == PromptKind::Confirm => {
            Line::from(Span::styled(p.label(None), theme.key()))
        }
        Some(p) => {
            let label = p.label(app.scope.time_text.as_deref());
            let room = (hints.width as usize).saturating_sub(label.width() + 1);
            Line::from(vec![
                Span::styled(label, theme.key()),
                Span::raw(tail(&crate::text::sanitize(p.text.as_bytes()), room)),
                Span::styled("█", theme.dim()),
            ])
        }
        None if app.block.is_open() => block_hints(app, hints.width, theme),
        None if app.lines.is_some() => lines_hints(app, hints.width, theme),
        None if app.history.is_some() => history_hints(app, hints.width, theme),
        None => hint_line(app, hints.width, theme),
    };
    frame.render_widget(Paragraph::new(line), hints);
}

/// The end of `text` (terminal-safe) in `width` cells, after a `…` when the start is
/// cut: the prompt's cursor is at the end, where the typing is.
fn tail(text: &str, width: usize) -> String {
    use unicode_width::UnicodeWidthChar;
    if text.width() <= width {
        return text.to_string();
    }
    let mut kept = Vec::new();
    let mut used = 1;
    for c in text.chars().rev() {
        let w = c.width().unwrap_or(0);
        if used + w > width {
            break;
        }
        kept.push(c);
        used += w;
    }
    std::iter::once('\u{2026}')
        .chain(kept.into_iter().rev())
        .collect()
}

/// The hints in triage order: what to do first comes first.
const HINT_ORDER: [Action; 18] = [
    Action::Quit,
    Action::Drill,
    Action::Back,
    Action::Jump,
    Action::Search,
    Action::History,
    Action::Block,
    // Reading why a sender was refused comes right after deciding to block it.
    Action::Rejections,
    Action::Family,
    Action::Dkim,
    Action::GroupBy,
    Action::Sort,
    Action::Regex,
    Action::Time,
    Action::OtherLines,
    Action::Zoom,
    Action::Unblock,
    Action::Undo,
];

/// `q quit  Enter open  … ? more`, built from the key table and fitted to `width`
/// cells: whole hints only, most useful first, and `? more` when some did not fit
/// (a hint cut at the edge, `/ searc`, hid every key after it).
pub fn hint_line<'a>(app: &App, width: u16, theme: Theme) -> Line<'a> {
    let help = app.keys.first(Action::Help);
    let cell = |key: &str, label: &str| key.width() + 1 + label.width();
    let hints: Vec<(String, &str)> = HINT_ORDER
        .into_iter()
        .filter(|&a| !app.keys.keys(a).is_empty())
        .filter_map(|a| Some((app.keys.first(a), a.hint()?)))
        .collect();
    let all: usize = hints.iter().map(|(k, l)| cell(k, l) + 2).sum();
    let last_label = if all + cell(&help, "help") <= width as usize {
        "help"
    } else {
        "more"
    };
    let mut room = (width as usize).saturating_sub(cell(&help, last_label));
    let mut spans = Vec::new();
    for (key, label) in hints {
        let need = cell(&key, label) + 2;
        if need > room {
            break;
        }
        room -= need;
        spans.push(Span::styled(key, theme.key()));
        spans.push(Span::raw(format!(" {label}  ")));
    }
    spans.push(Span::styled(help, theme.key()));
    spans.push(Span::raw(format!(" {last_label}")));
    Line::from(spans)
}

/// A view's own keys, whole ones only, as many as `width` holds; `? more` (help lists the
/// rest) when some were left out.
fn fitted<'a>(
    app: &App,
    width: u16,
    theme: Theme,
    keys: Vec<(String, &str)>,
    sep: &str,
) -> Line<'a> {
    let cell = |key: &str, label: &str| key.width() + 1 + label.width();
    let all: usize = keys.iter().map(|(k, l)| cell(k, l) + sep.width()).sum();
    let more = (app.keys.first(Action::Help), "more");
    let mut room = width as usize;
    if all > room {
        room = room.saturating_sub(cell(&more.0, more.1) + sep.width());
    }
    let mut spans = Vec::new();
    let mut cut = false;
    for (key, label) in keys {
        let need = cell(&key, label) + if spans.is_empty() { 0 } else { sep.width() };
        if need > room {
            cut = true;
            break;
        }
        room -= need;
        if !spans.is_empty() {
            spans.push(Span::raw(sep.to_string()));
        }
        spans.push(Span::styled(key, theme.key()));
        spans.push(Span::raw(format!(" {label}")));
    }
    if cut {
        if !spans.is_empty() {
            spans.push(Span::raw(sep.to_string()));
        }
        spans.push(Span::styled(more.0, theme.key()));
        spans.push(Span::raw(format!(" {}", more.1)));
    }
    Line::from(spans)
}

/// While the block preview is open only its own keys do something; the footer says which:
/// `Tab kind · w/W prefix · Enter add · Esc cancel · ? help`.
fn block_hints<'a>(app: &App, width: u16, theme: Theme) -> Line<'a> {
    let k = |a| app.keys.first(a);
    let keys = vec![
        (k(Action::NextPane), "kind"),
        (
            format!("{}/{}", k(Action::Widen), k(Action::Narrow)),
            "prefix",
        ),
        (k(Action::Drill), "add"),
        (k(Action::Back), "cancel"),
        (k(Action::Help), "help"),
    ];
    fitted(app, width, theme, keys, " · ")
}

/// In the log lines view: the keys that do something there.
fn lines_hints<'a>(app: &App, width: u16, theme: Theme) -> Line<'a> {
    let toggle = if app.lines.as_ref().is_some_and(|v| v.unrecognized_only) {
        "other lines"
    } else {
        "unrecognized only"
    };
    let keys = [
        (Action::Help, "help"),
        (Action::Quit, "quit"),
        (Action::Back, "back"),
        (Action::OtherLines, toggle),
        (Action::Regex, "regex"),
        (Action::ScrollRight, "scroll"),
        (Action::Wrap, "wrap"),
    ];
    let keys = keys.map(|(a, l)| (app.keys.first(a), l)).to_vec();
    fitted(app, width, theme, keys, "  ")
}

/// In the history view: the keys that do something there.
fn history_hints<'a>(app: &App, width: u16, theme: Theme) -> Line<'a> {
    let keys = [
        (Action::Help, "help"),
        (Action::Quit, "quit"),
        (Action::Back, "back"),
        (Action::PageDown, "page"),
        (Action::Block, "block"),
        (Action::Jump, "jump"),
        (Action::ScrollRight, "scroll"),
        (Action::Wrap, "wrap"),
    ];
    let keys = keys.map(|(a, l)| (app.keys.first(a), l)).to_vec();
    fitted(app, width, theme, keys, "  ")
}
