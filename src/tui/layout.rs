//! Where each region goes for a screen size. Shared by rendering and by the app
//! (which needs list heights to scroll), so the two never disagree.

use ratatui::layout::{Constraint, Layout, Rect};

use super::view::Pane;

/// Below this width one pane is shown at a time, with a breadcrumb.
pub const WIDE_MIN_WIDTH: u16 = 100;
pub const WIDE_MIN_HEIGHT: u16 = 24;
/// From this width messages and detail sit side by side under the senders.
pub const SIDE_BY_SIDE_MIN_WIDTH: u16 = 150;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Areas {
    pub header: Rect,
    /// Between header and status line: the panes, or the log lines view alone.
    pub body: Rect,
    pub senders: Option<Rect>,
    pub messages: Option<Rect>,
    pub detail: Option<Rect>,
    pub status: Rect,
    pub hints: Rect,
    pub wide: bool,
}

pub fn is_wide(area: Rect) -> bool {
    area.width >= WIDE_MIN_WIDTH && area.height >= WIDE_MIN_HEIGHT
}

pub fn areas(area: Rect, focus: Pane) -> Areas {
    let [header, body, status, hints] = Layout::vertical([
        Constraint::Length(2),
        Constraint::Min(1),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(area);
    let wide = is_wide(area);
    let mut a = Areas {
        header,
        body,
        senders: None,
        messages: None,
        detail: None,
        status,
        hints,
        wide,
    };
    if wide && area.width >= SIDE_BY_SIDE_MIN_WIDTH {
        let [top, bottom] =
            Layout::vertical([Constraint::Percentage(40), Constraint::Percentage(60)]).areas(body);
        let [left, right] =
            Layout::horizontal([Constraint::Percentage(55), Constraint::Percentage(45)])
                .areas(bottom);
        a.senders = Some(top);
        a.messages = Some(left);
        a.detail = Some(right);
    } else if wide {
        // Full-width rows keep every column of both lists readable.
        let [top, middle, bottom] = Layout::vertical([
            Constraint::Percentage(35),
            Constraint::Percentage(25),
            Constraint::Percentage(40),
        ])
        .areas(body);
        a.senders = Some(top);
        a.messages = Some(middle);
        a.detail = Some(bottom);
    } else {
        match focus {
            Pane::Senders => a.senders = Some(body),
            Pane::Messages => a.messages = Some(body),
            Pane::Detail => a.detail = Some(body),
        }
    }
    a
}

/// Inner height of a pane: wide panes have a full border, narrow ones only a
/// title line; lists also spend a row on column titles.
pub fn list_height(size: (u16, u16), focus: Pane, pane: Pane) -> usize {
    let area = Rect::new(0, 0, size.0, size.1);
    let a = areas(area, focus);
    let pick = |a: &Areas| match pane {
        Pane::Senders => a.senders,
        Pane::Messages => a.messages,
        Pane::Detail => a.detail,
    };
    // A pane not on screen scrolls as it would once it has the focus.
    let rect = pick(&a)
        .or_else(|| pick(&areas(area, pane)))
        .unwrap_or(area);
    let chrome = if a.wide { 2 } else { 1 };
    let titles = if pane == Pane::Detail { 0 } else { 1 };
    (rect.height as usize)
        .saturating_sub(chrome + titles)
        .max(1)
}

/// Rows of the log lines view: it takes the whole body, with the chrome of a pane.
pub fn lines_height(size: (u16, u16)) -> usize {
    let a = areas(Rect::new(0, 0, size.0, size.1), Pane::Senders);
    let chrome = if a.wide { 2 } else { 1 };
    (a.body.height as usize).saturating_sub(chrome + 1).max(1)
}
