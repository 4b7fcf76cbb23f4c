//! The sender history view (`H`): every transaction of one row of the sender list, whole
//! and in log order, a blank row between transactions, as `exigrep` prints them. It
//! replaces the panes until `Esc`, like the log lines view.

use super::list::{ListState, Sideways};
use crate::model::Model;
use crate::query::history::{Mark, Row};
use crate::tui::data;
use crate::tui::keys::{Action, KeyMap};
use crate::tui::view::Outcome;

/// Cells of the gutter: the mark and a space.
pub const GUTTER_W: usize = 2;

/// One row on screen, already sanitized.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryRow {
    /// `None` for the blank row between transactions.
    pub mark: Option<Mark>,
    pub text: String,
}

#[derive(Debug, Clone)]
pub struct HistoryView {
    /// The row's label (`query::key`, terminal-safe).
    pub label: String,
    rows: Vec<Row>,
    /// Blocks of lines: transactions, and runs of client lines without a message.
    pub transactions: usize,
    /// Lines, without the blank rows.
    pub lines: usize,
    pub cursor: ListState,
    pub side: Sideways,
    /// The rows on screen, read and sanitized once per move rather than per frame.
    pub shown: Vec<HistoryRow>,
    /// `FILE:N` of the selected line (`None` on a blank row).
    pub place: Option<String>,
}

/// The character in the gutter of a row: visible without colour.
pub fn gutter(mark: Option<Mark>) -> char {
    match mark {
        Some(Mark::Arrival) => '<',
        Some(Mark::Dkim) => 'D',
        Some(Mark::Failure) => '!',
        _ => ' ',
    }
}

impl HistoryView {
    /// The view of `rows` (`query::history::group_history`), at its first line.
    pub fn open(label: String, rows: Vec<Row>) -> HistoryView {
        let gaps = rows.iter().filter(|r| **r == Row::Gap).count();
        let transactions = if rows.is_empty() { 0 } else { gaps + 1 };
        HistoryView {
            label,
            lines: rows.len() - gaps,
            transactions,
            rows,
            cursor: ListState::default(),
            // Whole lines, as the seed's loop over exigrep printed them; `Z` cuts them.
            side: Sideways {
                wrap: true,
                ..Sideways::default()
            },
            shown: Vec::new(),
            place: None,
        }
    }

    /// The same sender's rows again, over a grown log: the selected line stays
    /// selected, on the same screen row.
    pub fn refresh(&mut self, rows: Vec<Row>) {
        let was = self.rows.get(self.cursor.selected).and_then(|r| r.line());
        let fresh = HistoryView::open(std::mem::take(&mut self.label), rows);
        let now = was.and_then(|l| fresh.rows.iter().position(|r| r.line() == Some(l)));
        let (cursor, side) = (self.cursor, self.side);
        *self = HistoryView {
            cursor,
            side,
            ..fresh
        };
        self.cursor.moved_to(now, self.rows.len());
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Cells of the line column in a view `width` cells wide.
    pub fn line_width(width: usize) -> usize {
        width.saturating_sub(GUTTER_W).max(1)
    }

    /// Clamps the cursor to `height` rows and rebuilds the rows on screen.
    pub fn settle(&mut self, height: usize, m: &Model) {
        if self.side.wrap {
            self.cursor.clamp_wrapped(self.rows.len(), height);
        } else {
            self.cursor.clamp(self.rows.len(), height);
        }
        self.shown = self
            .cursor
            .visible(&self.rows, height)
            .map(|r| match *r {
                Row::Line { line, mark } => HistoryRow {
                    mark: Some(mark),
                    text: data::shown(&m.line(line)),
                },
                Row::Gap => HistoryRow {
                    mark: None,
                    text: String::new(),
                },
            })
            .collect();
        self.place = self
            .rows
            .get(self.cursor.selected)
            .and_then(|r| r.line())
            .and_then(|i| data::line_place(m, i));
    }

    /// The view's own keys: moving (never onto a blank row), sideways, and leaving; a
    /// jump is the app's (`Ignored`), the panes' keys say where they work.
    pub fn act(&mut self, a: Action, width: usize, height: usize, keys: &KeyMap) -> Outcome {
        let widest = self.shown.iter().map(|r| r.text.chars().count()).max();
        if let Some(o) = self
            .side
            .act(a, Self::line_width(width), widest.unwrap_or(0))
        {
            return o;
        }
        if self.side.wrap && a == Action::PageDown && !self.rows.is_empty() {
            // Wrapped lines take several rows: a page is the lines that fit whole, so
            // paging shows every line (a page of `height` lines would skip some).
            let w = Self::line_width(width);
            let rows: Vec<usize> = self
                .shown
                .iter()
                .map(|r| match r.mark {
                    None => 1,
                    Some(_) => super::text::wrapped_rows(&r.text, w),
                })
                .collect();
            let last = self.rows.len() - 1;
            let top = super::text::wrapped_page(&rows, self.cursor.offset, height, self.rows.len());
            self.cursor.offset = top;
            self.cursor.selected = top;
            if self.rows.get(top) == Some(&Row::Gap) {
                self.cursor.selected = (top + 1).min(last);
            }
            return Outcome::Moved;
        }
        if ListState::moves(a) {
            let len = self.rows.len();
            self.cursor.apply(a, len, height);
            // A blank row has nothing to point at: step past it the way the key went.
            if self.rows.get(self.cursor.selected) == Some(&Row::Gap) {
                let up = matches!(a, Action::Up | Action::PageUp);
                let next = if up {
                    self.cursor.selected.saturating_sub(1)
                } else {
                    self.cursor.selected + 1
                };
                self.cursor.selected = next;
                self.cursor.clamp(len, height);
            }
            return Outcome::Moved;
        }
        match a {
            Action::Back | Action::History => Outcome::Close,
            // The app's: the jump prompt, and blocking the sender whose history this is.
            Action::Jump | Action::Block => Outcome::Ignored,
            _ => Outcome::Notice(format!(
                "{} works in the sender lists; {} goes back to them",
                keys.first(a),
                keys.first(Action::Back)
            )),
        }
    }
}
