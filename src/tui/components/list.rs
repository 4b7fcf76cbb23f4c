//! Selection and scroll of one list: the state every list pane shares (senders, messages,
//! log lines), so paging and clamping are written once and a new list gets them by
//! holding one.

use crate::tui::keys::Action;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ListState {
    pub selected: usize,
    /// The first row on screen.
    pub offset: usize,
}

impl ListState {
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
