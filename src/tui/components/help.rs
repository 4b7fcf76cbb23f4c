//! The help overlay: open or not, and its lines, generated from the key table so it can
//! never disagree with it.

use crate::tui::keys::{Action, KeyMap};

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Help {
    pub open: bool,
}

impl Help {
    /// Any key closes help; returns whether the key also quits.
    pub fn close(&mut self, a: Option<Action>) -> bool {
        self.open = false;
        a == Some(Action::Quit)
    }
}

/// Keys and description of each help line. Each pair (down and up, pages, ends, left and
/// right, zoom and wrap, widen and narrow, unblock and undo, each cycle and its way back) shares one line so the whole table still fits an 80x24 screen.
pub fn entries(keys: &KeyMap) -> Vec<(String, &'static str)> {
    let pair = |a: Action, b: Action| format!("{} {}", keys.joined(a), keys.joined(b));
    Action::ALL
        .iter()
        .filter(|&&a| {
            !matches!(
                a,
                Action::Narrow
                    | Action::Up
                    | Action::PageUp
                    | Action::Last
                    | Action::ScrollRight
                    | Action::Zoom
                    | Action::FamilyBack
                    | Action::DkimBack
                    | Action::GroupByBack
                    | Action::SortBack
                    | Action::Undo
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
            Action::Down => (pair(Action::Down, Action::Up), "move down / up"),
            Action::PageDown => (pair(Action::PageDown, Action::PageUp), "page down / up"),
            Action::First => (pair(Action::First, Action::Last), "first / last row"),
            Action::ScrollLeft => (
                pair(Action::ScrollLeft, Action::ScrollRight),
                "long lines: scroll left / right by half a pane",
            ),
            Action::Wrap => (
                pair(Action::Zoom, Action::Wrap),
                "zoom the focused pane / wrap long lines (toggles)",
            ),
            Action::Widen => (
                pair(Action::Widen, Action::Narrow),
                "in the block preview: wider / narrower prefix",
            ),
            Action::Unblock => (
                pair(Action::Unblock, Action::Undo),
                "unblock the sender (asks) / undo the last change",
            ),
            a => (keys.joined(a), a.describe()),
        })
        .collect()
}
