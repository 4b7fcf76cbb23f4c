//! The app's routing for what takes the whole body (the log lines view `o`, the sender
//! history `H`) and for the jump (`:`) and a paste into the prompt: opening, closing and
//! the keys while open. The views' own state and keys are their components'; this only
//! ties them to the shared view, as `app.rs` does for the panes.

use super::app::App;
use super::components::history::HistoryView;
use super::components::jump::{self, Part};
use super::components::lines::LinesView;
use super::components::prompt::PromptKind;
use super::keys::Action;
use super::layout;
use super::view::{Outcome, Pane};
use crate::query::history::group_history;
use crate::query::jump::{Landing, resolve};

impl App {
    /// Rebuilds the rows of the log lines view for the screen.
    pub(super) fn after_lines_move(&mut self) {
        let h = layout::lines_height(self.size);
        if let (Some(m), Some(v)) = (self.logs.model.clone(), self.lines.as_mut()) {
            v.settle(h, &m, &self.logs.ctx);
        }
    }

    /// Rebuilds the rows of the history view for the screen.
    pub(super) fn after_history_move(&mut self) {
        let h = layout::history_size(self.size).1;
        if let (Some(m), Some(v)) = (self.logs.model.clone(), self.history.as_mut()) {
            v.settle(h, &m);
        }
    }

    /// The open history and lines views read the grown log (a follow refresh),
    /// keeping their selected line. A sender no longer listed keeps its old rows.
    pub(super) fn refresh_views(&mut self) {
        let m = self.logs.model.clone();
        if let (Some(m), Some(ix), Some(v)) =
            (m, self.senders.index().cloned(), self.history.as_mut())
            && let Some(gid) = ix.group_of_label(&v.label)
        {
            v.refresh(group_history(&m, &ix.grouping, gid, &self.scope.filter));
            self.after_history_move();
        }
        if self.lines.is_some() {
            let matches = self.scope.filter.matches.clone();
            if let (Some(ix), Some(v)) = (self.logs.line_indexes().cloned(), self.lines.as_mut()) {
                v.refresh(&ix, matches.as_deref());
                self.after_lines_move();
            }
        }
    }

    /// `o`: opens the log lines view on one mode, at its first line.
    pub fn open_lines(&mut self, unrecognized_only: bool) {
        let Some(ix) = self.logs.line_indexes() else {
            return;
        };
        let mut v = LinesView::open(ix, unrecognized_only);
        v.narrow(self.scope.filter.matches.as_deref());
        self.lines = Some(v);
        self.after_lines_move();
    }

    /// Keys while the log lines view is open: it stands in for the panes, so the sender
    /// list's own keys (grouping, filters, blocking) say where they work instead.
    pub(super) fn lines_act(&mut self, a: Action) {
        let (w, h) = layout::lines_size(self.size);
        let Some(v) = self.lines.as_mut() else { return };
        match v.act(a, w, h, &self.keys) {
            Outcome::Close => self.lines = None,
            Outcome::Ignored if a == Action::Regex => self.open_prompt(PromptKind::Regex),
            Outcome::Ignored => {
                let only = !v.unrecognized_only;
                self.open_lines(only);
            }
            o => {
                self.follow(o);
                self.after_lines_move();
            }
        }
    }

    /// `H`: the selected sender's every transaction, under the filters in force.
    pub fn open_history(&mut self) {
        let (Some(m), Some(ix), Some(row)) = (
            self.logs.model.clone(),
            self.senders.index().cloned(),
            self.senders.selected_row(),
        ) else {
            self.notice = Some("no sender selected".into());
            return;
        };
        let gid = row.group;
        let rows = group_history(&m, &ix.grouping, gid, &self.scope.filter);
        self.history = Some(HistoryView::open(ix.label(gid).to_string(), rows));
        self.after_history_move();
    }

    /// Keys while the history view is open; `Esc` goes back to the pane it came from.
    pub(super) fn history_act(&mut self, a: Action) {
        let (w, h) = layout::history_size(self.size);
        let Some(v) = self.history.as_mut() else {
            return;
        };
        match v.act(a, w, h, &self.keys) {
            Outcome::Close => self.history = None,
            Outcome::Ignored if a == Action::Block => {
                // What was read is what gets blocked: the preview opens on the panes.
                self.history = None;
                self.view_act(a);
            }
            Outcome::Ignored => {
                self.history = None;
                self.open_prompt(PromptKind::Jump);
            }
            o => {
                self.follow(o);
                self.after_history_move();
            }
        }
    }

    /// A bracketed paste: typed into the open prompt (as one line), else ignored.
    /// Returns whether anything changed.
    pub fn paste(&mut self, text: &str) -> bool {
        let Some(p) = self.prompt.as_mut() else {
            return false;
        };
        p.paste(text);
        if p.is_live() {
            let (pane, text) = (p.pane, p.text.clone());
            self.set_search(pane, text);
        }
        true
    }

    /// Enter in the jump prompt: finds what `text` names and lands on it. The grouping
    /// (and net prefix) changes if the landing says so; the searches are dropped, and
    /// the filters that would hide the target are cleared, the notice naming them. A
    /// message is selected in the message list, with the focus there; any other target
    /// is a row of the sender list. An error is the notice.
    pub fn jump(&mut self, text: &str) {
        let (Some(m), Some(ix)) = (self.logs.model.clone(), self.senders.index().cloned()) else {
            return;
        };
        let landing = match resolve(&m, text) {
            Ok(t) => t.landing(&ix.grouping, self.scope.prefix),
            Err(e) => return self.notice = Some(e),
        };
        self.land(&landing);
    }

    fn land(&mut self, l: &Landing) {
        let Some(m) = self.logs.model.clone() else {
            return;
        };
        if l.by != self.scope.by || l.prefix != self.scope.prefix {
            self.scope.prefix = l.prefix;
            self.scope.by = l.by;
            self.senders.reset();
        }
        self.senders.search.clear();
        self.messages.search.clear();
        let Some(ix) = self.logs.index(self.scope.by, self.scope.prefix) else {
            return;
        };
        let Some(gid) = ix.grouping.find(&l.label) else {
            self.regroup();
            self.notice = Some(format!(
                "{} is not a row under by={}",
                crate::tui::data::shown_safe(&l.label),
                self.scope.by.as_str()
            ));
            return;
        };
        let f = self.scope.filter.clone();
        let peers_pass =
            |f: &crate::query::Filter| !self.logs.peer_lines(&ix, gid, f, 1).is_empty();
        let mut cleared = jump::hiding(&m, &ix, gid, l.message, &f, peers_pass);
        self.clear_parts(&cleared);
        self.regroup();
        let shown = |app: &mut App| {
            app.senders.select_group(gid) && l.message.is_none_or(|i| app.shown_message(i))
        };
        if !shown(self) {
            // Hidden only by parts together: every part goes.
            let rest = jump::set_parts(&self.scope.filter);
            self.clear_parts(&rest);
            cleared.extend(rest);
            self.regroup();
            shown(self);
        }
        if l.message.is_some() {
            // A message is landed on in the message list, so that is what the pane shows.
            self.rejections.prefer_messages(gid);
        }
        self.after_sender_move();
        if let Some(i) = l.message {
            self.messages.select(i);
            self.set_focus(Pane::Messages);
        } else {
            self.set_focus(Pane::Senders);
        }
        if !cleared.is_empty() {
            let names: Vec<&str> = cleared.iter().map(|p| p.name()).collect();
            self.notice = Some(format!("to show it, cleared: {}", names.join(", ")));
        }
    }

    /// Whether message `i` shows in the selected sender's message list.
    fn shown_message(&mut self, i: u32) -> bool {
        let Some(m) = self.logs.model.clone() else {
            return false;
        };
        let group = self.senders.selected_row().map(|r| r.group);
        let ix = self.senders.index().cloned();
        self.messages
            .open(group, &m, ix.as_deref(), &self.scope.filter);
        self.messages.select(i)
    }

    fn clear_parts(&mut self, parts: &[Part]) {
        for p in parts {
            match p {
                Part::Family => self.scope.filter.family = None,
                Part::Dkim => self.scope.filter.dkim = None,
                Part::Time => {
                    let _ = self.scope.set_time("", 0);
                }
                Part::Regex => {
                    let _ = self.scope.set_regex("", None);
                }
            }
        }
    }
}
