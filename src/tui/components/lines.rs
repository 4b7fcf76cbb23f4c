//! The log lines view (`o`): the lines no message and no sender leads to, or (`o` again)
//! every unrecognized line of the log. It replaces the panes until `Esc`.

use std::sync::Arc;

use super::list::{ListState, Sideways};
use crate::model::Model;
use crate::parse::{LineKind, ParseContext};
use crate::query::{self, LineMatches};
use crate::tui::data::{self, LineRow};
use crate::tui::keys::{Action, KeyMap};
use crate::tui::view::Outcome;

/// Cells of the time column, `06-01 08:00:00`.
pub const TIME_W: usize = 14;

#[derive(Debug, Clone)]
pub struct LinesView {
    pub unrecognized_only: bool,
    pub cursor: ListState,
    /// All lines of the mode, in log order (shared with the indexes' cache).
    base: Arc<Vec<u32>>,
    /// `base` narrowed by the regex; `None` while no regex is set.
    narrowed: Option<Vec<u32>>,
    /// The rows on screen, parsed and sanitized once per move rather than per frame.
    pub rows: Vec<LineRow>,
    /// `FILE:N` of the selected line.
    pub place: Option<String>,
    pub side: Sideways,
}

/// Line numbers of the two modes, built on first use and kept until the model grows
/// (`Logs::refresh`).
#[derive(Debug, Clone)]
pub struct LineIndexes {
    other: Arc<Vec<u32>>,
    /// How many of `other` are unrecognized.
    pub other_unrecognized: usize,
    unrecognized: Arc<Vec<u32>>,
}

impl LineIndexes {
    /// Two passes over the model's per-line arrays, once per run, never per frame or key.
    pub fn build(m: &Model) -> LineIndexes {
        let other = query::other_lines(m);
        let other_unrecognized = other
            .iter()
            .filter(|&&i| m.line_kind.get(i as usize) == Some(&LineKind::Unrecognized))
            .count();
        let unrecognized = query::lines_of_kind(m, LineKind::Unrecognized);
        LineIndexes {
            other: Arc::new(other),
            other_unrecognized,
            unrecognized: Arc::new(unrecognized),
        }
    }
}

impl LinesView {
    /// The view of one mode, at its first line.
    pub fn open(ix: &LineIndexes, unrecognized_only: bool) -> LinesView {
        let base = if unrecognized_only {
            ix.unrecognized.clone()
        } else {
            ix.other.clone()
        };
        LinesView {
            unrecognized_only,
            cursor: ListState::default(),
            base,
            narrowed: None,
            rows: Vec::new(),
            place: None,
            side: Sideways::default(),
        }
    }

    /// The same mode over a grown log (`ix` built on it), narrowed by `matches`:
    /// the selected line stays selected, on the same screen row.
    pub fn refresh(&mut self, ix: &LineIndexes, matches: Option<&LineMatches>) {
        let was = self.list().get(self.cursor.selected).copied();
        self.base = LinesView::open(ix, self.unrecognized_only).base;
        self.narrow(matches);
        // Both lists are in log order.
        let now = was.and_then(|l| self.list().binary_search(&l).ok());
        let len = self.list().len();
        self.cursor.moved_to(now, len);
    }

    /// The lines listed now.
    pub fn list(&self) -> &[u32] {
        self.narrowed.as_deref().unwrap_or(&self.base)
    }

    /// Lines of the mode before the regex.
    pub fn total(&self) -> usize {
        self.base.len()
    }

    pub fn narrowed(&self) -> bool {
        self.narrowed.is_some()
    }

    /// Cells of the kind column: its longest name on screen.
    pub fn kind_width(&self) -> usize {
        self.rows
            .iter()
            .map(|r| r.kind.name().len())
            .max()
            .unwrap_or(4)
            .max(4)
    }

    /// Cells of the line column in a view `width` cells wide (time, kind, two gaps).
    pub fn line_width(&self, width: usize) -> usize {
        width.saturating_sub(TIME_W + self.kind_width() + 2).max(1)
    }

    /// Keeps the lines that match the regex themselves, as `r` reads them.
    pub fn narrow(&mut self, matches: Option<&LineMatches>) {
        self.narrowed = matches.map(|x| {
            self.base
                .iter()
                .copied()
                .filter(|&i| x.lines.contains(i))
                .collect()
        });
    }

    /// Clamps the cursor to `height` rows and rebuilds the rows on screen.
    pub fn settle(&mut self, height: usize, m: &Model, ctx: &ParseContext) {
        if self.side.wrap {
            self.cursor.clamp_wrapped(self.list().len(), height);
        } else {
            self.cursor.clamp(self.list().len(), height);
        }
        let visible: Vec<u32> = self.cursor.visible(self.list(), height).copied().collect();
        self.rows = visible
            .into_iter()
            .map(|i| data::line_row(m, i, ctx))
            .collect();
        self.place = self
            .list()
            .get(self.cursor.selected)
            .and_then(|&i| data::line_place(m, i));
    }

    /// The view's own keys: moving, and leaving. It stands in for the panes, so the
    /// sender list's own keys (grouping, filters, blocking) say where they work instead;
    /// switching the mode and the regex are the app's (`Ignored`).
    pub fn act(&mut self, a: Action, width: usize, height: usize, keys: &KeyMap) -> Outcome {
        let line_w = self.line_width(width);
        let widest = self.rows.iter().map(|r| r.text.chars().count()).max();
        if let Some(o) = self.side.act(a, line_w, widest.unwrap_or(0)) {
            return o;
        }
        let len = self.list().len();
        if self.side.wrap && a == Action::PageDown && len > 0 {
            // Wrapped lines take several rows: page by the lines that fit whole.
            let rows: Vec<usize> = self
                .rows
                .iter()
                .map(|r| super::text::wrapped_rows(&r.text, line_w))
                .collect();
            let top = super::text::wrapped_page(&rows, self.cursor.offset, height, len);
            self.cursor.offset = top;
            self.cursor.selected = top;
            return Outcome::Moved;
        }
        if ListState::moves(a) {
            self.cursor.apply(a, len, height);
            return Outcome::Moved;
        }
        match a {
            Action::Back => Outcome::Close,
            Action::OtherLines | Action::NextPane | Action::PrevPane | Action::Regex => {
                Outcome::Ignored
            }
            _ => Outcome::Notice(format!(
                "{} works in the sender lists; {} goes back to them",
                keys.first(a),
                keys.first(Action::Back)
            )),
        }
    }
}
