//! The rejection list: what the middle pane shows instead of the selected sender's
//! messages (`R`, or by itself for a sender that never got a message through): its
//! rejections, failed logins and protocol errors, newest first, under the filters in
//! force, with its reasons counted.

use super::list::ListState;
use crate::model::Model;
use crate::query::rejections::{self, ReasonCount, RejectionRow, Stage};
use crate::query::{Filter, Reason};
use crate::tui::index::GroupIndex;

#[derive(Default)]
pub struct RejectionList {
    /// The admin asked for rejections (`R`): the pane keeps showing them, sender after
    /// sender, until asked for messages again (one sender after another is how a run of
    /// rejecters is read).
    pub wanted: bool,
    /// The pane shows rejections now: wanted, or the sender got no message through.
    pub on: bool,
    /// The sender whose messages the admin asked for though none arrived (`R` on its
    /// rejections, opened by themselves): its rejected messages' ids are worth a look.
    declined: Option<u32>,
    /// The sender whose rejections these are.
    pub group: Option<u32>,
    /// Newest first, as the message list.
    pub rows: Vec<RejectionRow>,
    /// Every reason of `rows`, most first.
    pub reasons: Vec<ReasonCount>,
    pub list: ListState,
}

impl RejectionList {
    /// `R`: rejections for messages or back. Whether the pane now shows rejections.
    pub fn toggle(&mut self) -> bool {
        if self.on {
            self.wanted = false;
            self.declined = self.group;
        } else {
            self.wanted = true;
            self.declined = None;
        }
        self.wanted
    }

    /// The messages of sender `group`, not its rejections, even if none arrived: a
    /// jump to one of its message ids lands in the message list.
    pub fn prefer_messages(&mut self, group: u32) {
        self.wanted = false;
        self.declined = Some(group);
    }

    pub fn selected(&self) -> Option<&RejectionRow> {
        self.rows.get(self.list.selected)
    }

    /// Reads sender `group`'s rows again (another sender, or the filters changed) when
    /// the pane is to show them: when wanted, or when none of the sender's messages
    /// arrived (`arrived` false) but it has rows. The selection stays on the same line if it is
    /// still listed, and a new sender is read from the top.
    pub fn refresh(
        &mut self,
        group: Option<u32>,
        arrived: bool,
        m: &Model,
        ix: Option<&GroupIndex>,
        f: &Filter,
    ) {
        let keep = self
            .selected()
            .map(|r| r.line)
            .filter(|_| group == self.group);
        self.group = group;
        self.rows.clear();
        self.reasons.clear();
        let by_itself = !arrived && self.declined.is_none_or(|d| Some(d) != group);
        if self.wanted || by_itself {
            if let (Some(ix), Some(g)) = (ix, group) {
                self.rows = rejections::rejections_among(m, f, ix.messages(g), ix.peers(g));
                // Newest first: during a run the admin wants the latest.
                self.rows.reverse();
            }
            self.reasons = rejections::summarise(&self.rows, Reason::ALL.len());
        }
        self.on = self.wanted || (by_itself && !self.rows.is_empty());
        self.list.selected = keep
            .and_then(|l| self.rows.iter().position(|r| r.line == l))
            .unwrap_or(0);
        if keep.is_none() {
            self.list.offset = 0;
        }
    }

    /// The counts, named as the sender list's columns, then every reason, most first:
    /// `81 rej 6 authf 6 proto · unknown_user ×27  relay ×9`.
    pub fn summary(&self) -> String {
        let n = |s: fn(&RejectionRow) -> bool| self.rows.iter().filter(|r| s(r)).count();
        let mut s = format!("{} rej", n(RejectionRow::is_rejection));
        let auth = n(|r| r.stage == Stage::Auth);
        if auth > 0 {
            s.push_str(&format!(" {auth} authf"));
        }
        let proto = n(|r| r.stage == Stage::Protocol);
        if proto > 0 {
            s.push_str(&format!(" {proto} proto"));
        }
        let top: Vec<String> = self
            .reasons
            .iter()
            .map(|c| format!("{} \u{d7}{}", c.reason.as_str(), c.count))
            .collect();
        if !top.is_empty() {
            s.push_str(" \u{b7} ");
            s.push_str(&top.join("  "));
        }
        s
    }

    /// Clamps the selection to `height` rows on screen.
    pub fn settle(&mut self, height: usize) {
        self.list.clamp(self.rows.len(), height);
    }
}
