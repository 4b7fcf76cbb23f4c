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

/// The regions for a screen. `zoom` gives the focused pane the whole body.
pub fn areas(area: Rect, focus: Pane, zoom: bool) -> Areas {
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
    if zoom || !wide {
        match focus {
            Pane::Senders => a.senders = Some(body),
            Pane::Messages => a.messages = Some(body),
            Pane::Detail => a.detail = Some(body),
        }
    } else if area.width >= SIDE_BY_SIDE_MIN_WIDTH {
        // The focused row gets the larger share of the height.
        let top = if focus == Pane::Senders { 60 } else { 40 };
        let [top, bottom] =
            Layout::vertical([Constraint::Percentage(top), Constraint::Fill(1)]).areas(body);
        let [left, right] =
            Layout::horizontal([Constraint::Percentage(55), Constraint::Percentage(45)])
                .areas(bottom);
        a.senders = Some(top);
        a.messages = Some(left);
        a.detail = Some(right);
    } else {
        // Full-width rows keep every column of both lists readable; the focused pane
        // gets most of the rows, so a message's lines show without scrolling.
        let share = |p: Pane| Constraint::Percentage(if p == focus { 60 } else { 20 });
        let [top, middle, bottom] = Layout::vertical([
            share(Pane::Senders),
            share(Pane::Messages),
            share(Pane::Detail),
        ])
        .areas(body);
        a.senders = Some(top);
        a.messages = Some(middle);
        a.detail = Some(bottom);
    }
    a
}

/// Inner width and height of a pane: wide panes have a full border, narrow ones only a
/// title line; lists also spend a row on column titles.
pub fn pane_size(size: (u16, u16), focus: Pane, zoom: bool, pane: Pane) -> (usize, usize) {
    let area = Rect::new(0, 0, size.0, size.1);
    let a = areas(area, focus, zoom);
    let pick = |a: &Areas| match pane {
        Pane::Senders => a.senders,
        Pane::Messages => a.messages,
        Pane::Detail => a.detail,
    };
    // A pane not on screen scrolls as it would once it has the focus.
    let rect = pick(&a)
        .or_else(|| pick(&areas(area, pane, zoom)))
        .unwrap_or(area);
    let (chrome_w, chrome_h) = if a.wide { (2, 2) } else { (0, 1) };
    let titles = if pane == Pane::Detail { 0 } else { 1 };
    let w = (rect.width as usize).saturating_sub(chrome_w).max(1);
    let h = (rect.height as usize)
        .saturating_sub(chrome_h + titles)
        .max(1);
    (w, h)
}

/// Cells of the sender list's activity column in a pane `width` cells wide: one bucket
/// per cell, so a wide screen shows finer time (the key column keeps what it needs).
pub fn spark_cells(width: usize) -> usize {
    match width {
        0..110 => 8,
        110..150 => 16,
        w => (16 + (w - 150) / 2).min(40),
    }
}

/// Inner height of a pane (see `pane_size`).
pub fn list_height(size: (u16, u16), focus: Pane, zoom: bool, pane: Pane) -> usize {
    pane_size(size, focus, zoom, pane).1
}

/// Rows of the log lines view: it takes the whole body, with the chrome of a pane.
pub fn lines_height(size: (u16, u16)) -> usize {
    lines_size(size).1
}

/// Inner width and rows of the log lines view.
pub fn lines_size(size: (u16, u16)) -> (usize, usize) {
    let a = areas(Rect::new(0, 0, size.0, size.1), Pane::Senders, false);
    let (cw, ch) = if a.wide { (2, 2) } else { (0, 1) };
    (
        (a.body.width as usize).saturating_sub(cw).max(1),
        (a.body.height as usize).saturating_sub(ch + 1).max(1),
    )
}

/// Inner width and rows of the history view: the lines view's room, and the row its
/// column titles take.
pub fn history_size(size: (u16, u16)) -> (usize, usize) {
    let (w, h) = lines_size(size);
    (w, h + 1)
}
