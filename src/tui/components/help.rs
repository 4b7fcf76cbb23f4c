//! The help overlay: open or not, and its lines, generated from the key table so it can
//! never disagree with it.

use crate::tui::keys::{Action, KeyMap};

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Help {
    pub open: bool,
    /// First help line on screen: the table is longer than a 24-row screen has rows.
    pub scroll: usize,
}

/// Rows the overlay's border and title take.
pub const CHROME: usize = 2;

impl Help {
    pub fn show(&mut self) {
        self.open = true;
        self.scroll = 0;
    }

    /// The moving keys scroll the table (a screen of `rows` rows shows part of it); any
    /// other key closes it. Returns whether the key also quits.
    pub fn act(&mut self, a: Option<Action>, keys: &KeyMap, rows: u16) -> bool {
        let total = entries(keys).len();
        let h = (rows as usize).saturating_sub(CHROME).max(1);
        let last = total.saturating_sub(h);
        self.scroll = match a {
            Some(Action::Down) => self.scroll + 1,
            Some(Action::Up) => self.scroll.saturating_sub(1),
            Some(Action::PageDown) => self.scroll + h,
            Some(Action::PageUp) => self.scroll.saturating_sub(h),
            Some(Action::First) => 0,
            Some(Action::Last) => last,
            _ => {
                self.open = false;
                return a == Some(Action::Quit);
            }
        }
        .min(last);
        false
    }
}

/// Keys and description of each help line. Each pair (down and up, pages, ends, left and
/// right, zoom and wrap, widen and narrow, unblock and undo, the two prefixes, each cycle
/// and its way back, the two panes' Tabs, help and quit) shares one line, so the table is
/// short; what a small screen cannot hold scrolls.
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
                    | Action::PrevPane
                    | Action::PrefixV4
                    | Action::Quit
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
                "group by: ip net host sender domain rcpt auth dkim",
            ),
            Action::Sort => (
                pair(Action::Sort, Action::SortBack),
                "sort: msgs bytes last dkim-fail rej; live: recent",
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
            Action::NextPane => (
                pair(Action::NextPane, Action::PrevPane),
                "next / previous pane",
            ),
            Action::Help => (pair(Action::Help, Action::Quit), "this help / quit"),
            Action::Widen => (
                pair(Action::Widen, Action::Narrow),
                "in the block preview: wider / narrower prefix",
            ),
            Action::PrefixV6 => (
                pair(Action::PrefixV6, Action::PrefixV4),
                "net prefix: next IPv6 /64 /56 /48 /32, IPv4 /24 /16",
            ),
            Action::Unblock => (
                pair(Action::Unblock, Action::Undo),
                "unblock the sender (asks) / undo the last change",
            ),
            a => (keys.joined(a), a.describe()),
        })
        .collect()
}
