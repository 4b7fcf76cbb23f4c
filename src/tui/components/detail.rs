//! The detail pane: one message's parsed fields, signatures, deliveries and raw lines,
//! and how far it is scrolled.

use super::list::ListState;
use crate::model::Model;
use crate::parse::ParseContext;
use crate::tui::data::{self, Detail};
use crate::tui::keys::Action;
use crate::tui::view::Outcome;

#[derive(Debug, Default)]
pub struct DetailPane {
    pub message: Option<Detail>,
    /// The first line on screen.
    pub scroll: usize,
}

impl DetailPane {
    /// Shows message `msg` (or nothing); a different message is read from its top.
    pub fn show(&mut self, m: Option<&Model>, msg: Option<u32>, ctx: &ParseContext) {
        let current = self.message.as_ref().map(|d| d.id.clone());
        self.message = match (m, msg) {
            (Some(m), Some(i)) => data::detail(m, i, ctx),
            _ => None,
        };
        if self.message.as_ref().map(|d| d.id.clone()) != current {
            self.scroll = 0;
        }
    }

    /// Lines the pane has (for scrolling).
    pub fn len(&self) -> usize {
        self.message.as_ref().map_or(0, |d| {
            d.fields.len() + d.signatures.len() + d.deliveries.len() + d.lines.len() + 3
        })
    }

    pub fn is_empty(&self) -> bool {
        self.message.is_none()
    }

    /// Scroll keys over `height` rows on screen.
    pub fn act(&mut self, a: Action, height: usize) -> Outcome {
        if !ListState::moves(a) {
            return Outcome::Ignored;
        }
        let mut c = ListState {
            selected: self.scroll,
            offset: self.scroll,
        };
        c.apply(a, self.len().saturating_sub(height) + 1, 1);
        self.scroll = c.selected;
        Outcome::Moved
    }
}
