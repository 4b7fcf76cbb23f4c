//! The app's routing for the middle pane's second list, the selected sender's rejections
//! (`R`): when it shows instead of the messages, its keys, and what the detail pane
//! shows from it. The list's own state is its component's (`components::rejections`);
//! this only ties it to the shared view, as `views.rs` does for the full-body views.

use super::app::App;
use super::components::list::ListState;
use super::keys::Action;
use super::view::Pane;

impl App {
    /// Reads the selected sender's rejections again if the middle pane is to show them
    /// (after the sender or the filters changed; the messages are already read).
    pub(super) fn refresh_rejections(&mut self) {
        let Some(m) = self.logs.model.clone() else {
            return;
        };
        let group = self.senders.selected_row().map(|r| r.group);
        let ix = self.senders.index().cloned();
        // Arrivals, not message ids: a spam run's rejected-after-DATA messages have ids.
        let arrived = self.messages.all.iter().any(|&i| {
            m.messages
                .get(i as usize)
                .is_some_and(|x| x.has(crate::model::flags::ARRIVED))
        });
        self.rejections
            .refresh(group, arrived, &m, ix.as_deref(), &self.scope.filter);
    }

    /// Rows of the rejection list on screen: the pane's list rows less the summary line.
    fn rejection_rows(&self) -> usize {
        self.list_height(Pane::Messages).saturating_sub(1).max(1)
    }

    /// After the rejection selection may have moved: the detail shows its line.
    pub(super) fn after_rejection_move(&mut self) {
        let h = self.rejection_rows();
        self.rejections.settle(h);
        let m = self.logs.model.clone();
        self.detail
            .show_rejection(m.as_deref(), self.rejections.selected());
    }

    /// The keys the rejection list answers: `R` anywhere on the panes, and while the
    /// middle pane shows rejections and has the focus, the moving keys (and `/`, which
    /// searches only the other lists). Whether the key was one of them.
    pub(super) fn rejections_act(&mut self, a: Action) -> bool {
        if a == Action::Rejections {
            self.toggle_rejections();
            return true;
        }
        if self.focus != Pane::Messages || !self.rejections.on {
            return false;
        }
        if ListState::moves(a) {
            let (n, h) = (self.rejections.rows.len(), self.rejection_rows());
            self.rejections.list.apply(a, n, h);
            self.after_rejection_move();
            return true;
        }
        if a == Action::Search {
            let r = self.keys.first(Action::Rejections);
            self.notice = Some(format!(
                "search works in the sender and message lists ({r} shows the messages)"
            ));
            return true;
        }
        false
    }

    /// `R`: the middle pane between the sender's messages and its rejections. From the
    /// sender list it means "show me its rejections": it opens the pane, as Enter would,
    /// and when the pane shows them already (a sender that got nothing through) it only
    /// opens it; on a narrow screen the pane is not in sight to be switched.
    fn toggle_rejections(&mut self) {
        if self.senders.selected_row().is_none() {
            self.notice = Some("no sender selected".into());
            return;
        }
        if self.focus == Pane::Senders && self.rejections.on {
            return self.set_focus(Pane::Messages);
        }
        let on = self.rejections.toggle();
        if on && !self.messages.search.is_empty() {
            // The hidden list keeps no search that Esc would then clear unseen.
            self.set_search(Pane::Messages, String::new());
        }
        self.after_sender_move();
        if on && self.focus == Pane::Senders {
            self.set_focus(Pane::Messages);
        }
    }
}
