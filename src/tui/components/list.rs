//! Selection and scroll of one list: the state every list pane shares (senders, messages,
//! log lines), so paging and clamping are written once and a new list gets them by
//! holding one.

use crate::tui::keys::Action;
use crate::tui::view::Outcome;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ListState {
    pub selected: usize,
    /// The first row on screen.
    pub offset: usize,
}

impl ListState {
    /// After the list under it was rebuilt: the selection moves to `now` (where the
    /// row it was on went), on the same screen row; to the nearest row when it went
    /// away.
    pub fn moved_to(&mut self, now: Option<usize>, len: usize) {
        let row = self.selected.saturating_sub(self.offset);
        self.selected = now.unwrap_or(self.selected).min(len.saturating_sub(1));
        self.offset = self.selected.saturating_sub(row);
    }

    /// Whether `a` moves a list's selection (the keys `apply` answers).
    pub fn moves(a: Action) -> bool {
        matches!(
            a,
            Action::Down
                | Action::Up
                | Action::PageDown
                | Action::PageUp
                | Action::First
                | Action::Last
        )
    }

    /// Keeps the selection inside the list and on screen, and the screen inside the list.
    pub fn clamp(&mut self, len: usize, height: usize) {
        let height = height.max(1);
        if len == 0 {
            *self = ListState::default();
            return;
        }
        self.selected = self.selected.min(len - 1);
        if self.selected < self.offset {
            self.offset = self.selected;
        }
        if self.selected >= self.offset + height {
            self.offset = self.selected + 1 - height;
        }
        self.offset = self.offset.min(len.saturating_sub(height));
    }

    /// As `clamp`, but the screen may start less than `height` rows before the end: where
    /// rows wrap, each takes more than a row, and the last lines need a screen of their own
    /// (the caller keeps the last page full, knowing how the rows wrap).
    pub fn clamp_wrapped(&mut self, len: usize, height: usize) {
        let height = height.max(1);
        if len == 0 {
            *self = ListState::default();
            return;
        }
        self.selected = self.selected.min(len - 1);
        self.offset = self.offset.min(self.selected);
        if self.selected >= self.offset + height {
            self.offset = self.selected + 1 - height;
        }
    }

    /// Moves the selection for a key over a list of `len` rows, `height` on screen.
    pub fn apply(&mut self, a: Action, len: usize, height: usize) {
        let page = height.max(1);
        match a {
            Action::Down => self.selected = self.selected.saturating_add(1),
            Action::Up => self.selected = self.selected.saturating_sub(1),
            Action::PageDown => self.selected = self.selected.saturating_add(page),
            Action::PageUp => self.selected = self.selected.saturating_sub(page),
            Action::First => self.selected = 0,
            Action::Last => self.selected = len.saturating_sub(1),
            _ => {}
        }
        self.clamp(len, height);
    }

    /// Positions of the rows on screen, `height` of them from the offset.
    pub fn visible<'a, T>(&self, items: &'a [T], height: usize) -> impl Iterator<Item = &'a T> {
        items.iter().skip(self.offset).take(height)
    }
}

/// How a pane shows lines wider than itself: cut with a mark and scrolled sideways, or
/// wrapped. Every list and text pane holds one, so each gets both.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Sideways {
    /// Cells hidden on the left of every cut line.
    pub hscroll: usize,
    pub wrap: bool,
}

impl Sideways {
    /// Whether `a` is one of the sideways keys `act` answers.
    pub fn moves(a: Action) -> bool {
        matches!(a, Action::ScrollLeft | Action::ScrollRight | Action::Wrap)
    }

    /// `<`, `>` (half the pane's `width` a step, never past the widest line) and the wrap
    /// toggle; `None` for any other action.
    pub fn act(&mut self, a: Action, width: usize, widest: usize) -> Option<Outcome> {
        let step = (width / 2).max(1);
        let most = widest.saturating_sub(width);
        match a {
            Action::ScrollLeft => self.hscroll = self.hscroll.saturating_sub(step),
            Action::ScrollRight => self.hscroll = (self.hscroll + step).min(most),
            Action::Wrap => {
                self.wrap = !self.wrap;
                self.hscroll = 0;
            }
            _ => return None,
        }
        Some(Outcome::Moved)
    }

    /// Keeps the offset within the widest line (the pane or its lines changed).
    pub fn clamp(&mut self, width: usize, widest: usize) {
        self.hscroll = self.hscroll.min(widest.saturating_sub(width));
    }
}

/// Scrolls a text of `len` rows, `height` on screen: a key pages by a whole screen, and
/// the last row never leaves the bottom (no blank rows past the end).
pub fn scroll_text(offset: usize, a: Action, len: usize, height: usize) -> usize {
    let height = height.max(1);
    let next = match a {
        Action::Down => offset.saturating_add(1),
        Action::Up => offset.saturating_sub(1),
        Action::PageDown => offset.saturating_add(height),
        Action::PageUp => offset.saturating_sub(height),
        Action::First => 0,
        Action::Last => usize::MAX,
        _ => offset,
    };
    next.min(len.saturating_sub(height))
}
