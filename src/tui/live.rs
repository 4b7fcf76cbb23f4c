//! The followed log as the screen sees it: the live marker's state (rate, pause,
//! what waits), the marks on what is new, and how a refresh is swapped in while
//! the selection, the scroll position and the filters stay where they were.

use super::app::App;
use super::feed::{Control, Rate, Refresh};
use super::following::LiveView;

impl App {
    /// The screen follows `file`; `control` is what the feed thread reads.
    pub fn start_live(&mut self, file: String) -> Control {
        let (v, c) = LiveView::new(file, self.scope.by, self.scope.prefix, self.scope.sort);
        self.live = Some(v);
        self.scope.live = true;
        c
    }

    /// Tells the feed which grouping a refresh should build, and in which order
    /// (the ones on screen).
    pub(super) fn tell_feed(&self) {
        if let Some(l) = &self.live {
            let (by, prefix, sort) = (self.scope.by, self.scope.prefix, self.scope.sort);
            l.tell(|w| (w.by, w.prefix, w.sort) = (by, prefix, sort));
        }
    }

    /// A key was pressed: what was new has been seen.
    pub(super) fn unmark(&mut self) {
        if let Some(l) = &mut self.live {
            l.fresh_from = None;
        }
    }

    pub fn toggle_pause(&mut self) {
        let Some(l) = &mut self.live else {
            self.notice = Some(
                "not following: the log is read once (a .gz, standard input, or --no-follow)"
                    .into(),
            );
            return;
        };
        l.paused = !l.paused;
        let paused = l.paused;
        l.tell(|w| w.paused = paused);
        if !paused && let Some(r) = l.held.take() {
            self.apply_refresh(*r);
        }
    }

    pub fn set_rate(&mut self, r: Rate) -> bool {
        match &mut self.live {
            Some(l) if l.rate != r => {
                l.rate = r;
                true
            }
            _ => false,
        }
    }

    /// Lines read while paused (the feed's count of what waits).
    pub fn set_waiting(&mut self, n: u64) -> bool {
        match &mut self.live {
            Some(l) if l.paused => {
                l.waiting = n + l.held.as_ref().map_or(0, |h| h.lines);
                true
            }
            _ => false,
        }
    }

    /// A refresh from the feed: shown now, or held while paused. Whether to redraw.
    pub fn refreshed(&mut self, r: Refresh) -> bool {
        let Some(l) = &mut self.live else {
            return false;
        };
        if l.paused {
            let lines = r.lines + l.held.as_ref().map_or(0, |h| h.lines);
            l.held = Some(Box::new(Refresh { lines, ..r }));
            l.waiting = lines;
            return true;
        }
        self.apply_refresh(r);
        true
    }

    /// Swaps the new data in. The rows are those of the same grouping, filters and
    /// search; the selected sender and message stay selected, on the same screen
    /// row where they still show.
    fn apply_refresh(&mut self, r: Refresh) {
        let sender_row = screen_row(&self.senders.list);
        let message_row = screen_row(&self.messages.list);
        let label = self.selected_key();
        let anchor = self.senders.anchor(self.messages.selected());
        let old_group = self.messages.group;
        let built = r.loaded.groupings.first().cloned();
        let unfiltered = self.logs.refresh(r.loaded);
        self.block.facts_stale();
        if let Some(l) = &mut self.live {
            l.appended += r.lines;
            l.waiting = 0;
            l.fresh_from = Some(r.new_from);
        }
        // Relative ranges and regex matches are read again over the grown log.
        if let Some(t) = self.scope.time_text.clone() {
            let now = self.logs.model.as_ref().and_then(|m| m.last_time);
            let _ = self.scope.set_time(&t, now.unwrap_or(0));
        }
        if let Some(re) = self.scope.regex.clone() {
            let _ = self.scope.set_regex(&re, self.logs.model.as_deref());
        }
        let Some(m) = self.logs.model.clone() else {
            return;
        };
        let Some(ix) = self.logs.index(self.scope.by, self.scope.prefix) else {
            return;
        };
        // Nothing filtered (the common case), the feed's rows are the rows: no
        // aggregation here, where it would delay the next key. Their group ids
        // are those of the grouping they were built on.
        let same = built.is_some_and(|b| std::sync::Arc::ptr_eq(&b, &ix));
        let rows = match unfiltered {
            Some((sort, mut rows)) if same && self.scope.filter.is_empty() => {
                if sort != self.scope.sort {
                    super::index::sort_aggs(&mut rows, self.scope.sort, &ix);
                }
                rows
            }
            other => {
                super::reaper::bury(other);
                let mut rows = super::index::aggregate(&m, &ix, &self.scope.filter);
                super::index::sort_aggs(&mut rows, self.scope.sort, &ix);
                rows
            }
        };
        // The same sender by its newest message's group, else by its label (a client
        // with rejections only has no message).
        let by_label = label.and_then(|l| ix.group_of_label(&l));
        self.senders.follow = anchor;
        self.senders.set_rows(rows, ix.clone(), by_label);
        // Group ids are the new grouping's: the messages pane follows its sender.
        let now_group = self.senders.selected_row().map(|r| r.group);
        if old_group.is_some() && now_group.is_some() {
            self.messages.group = now_group;
        }
        keep_row(&mut self.senders.list, sender_row);
        self.after_sender_move();
        keep_row(&mut self.messages.list, message_row);
        self.after_message_move();
        self.refresh_views();
    }
}

/// Where the selection is on screen; `None` when the list is scrolled to its top.
fn screen_row(list: &super::components::list::ListState) -> Option<usize> {
    (list.offset > 0).then(|| list.selected.saturating_sub(list.offset))
}

/// Puts the selection back on screen row `row` (what it was on before a refresh).
/// A list read from its top stays at its top: a sender that climbs above the
/// selected one, or a message newer than it, shows above it instead of off screen.
fn keep_row(list: &mut super::components::list::ListState, row: Option<usize>) {
    list.offset = row.map_or(0, |r| list.selected.saturating_sub(r));
}
