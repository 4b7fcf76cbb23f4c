//! The sender list: the grouped rows under the current key, the search that narrows them,
//! the selection, and what is computed only for the rows on screen (sparklines, blocklist
//! markers).

use std::collections::HashMap;
use std::sync::Arc;

use super::block::group_key_entry;
use super::list::ListState;
use crate::blocklist::{Blocklist, Entry};
use crate::model::Model;
use crate::query::{Filter, SortKey, addr_search};
use crate::tui::block;
use crate::tui::data::{self, Fuzzy, Spark};
use crate::tui::index::{self, Agg, GroupIndex};

#[derive(Default)]
pub struct SenderList {
    /// Grouped and sorted rows for the current key and filter.
    pub rows: Vec<Agg>,
    pub search: String,
    /// Indices into `rows` after the search.
    pub shown: Vec<u32>,
    pub list: ListState,
    /// The index the rows were grouped with; labels are read from it.
    ix: Option<Arc<GroupIndex>>,
    sparks: HashMap<u32, Spark>,
    /// Buckets the cached `sparks` have (the activity column's cells when they were made).
    spark_cells: usize,
    /// The entry covering each group on screen (`None`: not covered), filled like `sparks`.
    covers: HashMap<u32, Option<Entry>>,
    /// A message whose group the next rows select (see `anchor`), set across a regrouping.
    pub follow: Option<u32>,
    fuzzy: Fuzzy,
}

impl SenderList {
    /// New rows under `ix`; the selection stays on `keep` if it is still shown.
    pub fn set_rows(&mut self, rows: Vec<Agg>, ix: Arc<GroupIndex>, keep: Option<u32>) {
        // The old rows and index may be a replaced log's: freed off this thread.
        crate::tui::reaper::bury((std::mem::replace(&mut self.rows, rows), self.ix.replace(ix)));
        self.sparks.clear();
        self.covers.clear();
        let keep = self.follow.take().and_then(|m| self.group_of(m)).or(keep);
        self.narrow(keep);
    }

    /// Drops the rows of the old key: its group ids mean nothing under a new one. The
    /// search stays: what the admin typed (an address prefix, a domain) is often still
    /// what they look for under the next key.
    pub fn reset(&mut self) {
        self.list = ListState::default();
        self.rows.clear();
        self.shown.clear();
    }

    /// The message to follow across a regrouping: the selected message when there is one,
    /// else the selected sender's most recent message (any message of the group would do;
    /// the newest is the one an admin was most likely reading).
    pub fn anchor(&self, selected_message: Option<u32>) -> Option<u32> {
        selected_message.or_else(|| {
            let ix = self.ix.as_ref()?;
            let row = self.selected_row()?;
            ix.messages(row.group).last().copied()
        })
    }

    /// The group of `msg` under the current key, if it has one.
    pub fn group_of(&self, msg: u32) -> Option<u32> {
        self.ix.as_ref()?.grouping.groups_of(msg).first().copied()
    }

    /// A new order is read from its top: the selection goes there.
    pub fn resort(&mut self, sort: SortKey) {
        if let Some(ix) = &self.ix {
            index::sort_aggs(&mut self.rows, sort, ix);
        }
        self.narrow(None);
    }

    /// The label of a row under the current key.
    pub fn label(&self, r: &Agg) -> &str {
        self.ix.as_ref().map_or("", |ix| ix.label(r.group))
    }

    pub fn index(&self) -> Option<&Arc<GroupIndex>> {
        self.ix.as_ref()
    }

    /// The current grouping and the selected row's group in it.
    pub fn selected_group(&self) -> Option<(Arc<GroupIndex>, u32)> {
        Some((self.ix.clone()?, self.selected_row()?.group))
    }

    pub fn selected_row(&self) -> Option<&Agg> {
        let i = *self.shown.get(self.list.selected)?;
        self.rows.get(i as usize)
    }

    /// Selects the row of group `gid`; whether it is shown.
    pub fn select_group(&mut self, gid: u32) -> bool {
        let at = self
            .shown
            .iter()
            .position(|&i| self.rows.get(i as usize).is_some_and(|r| r.group == gid));
        if let Some(p) = at {
            self.list.selected = p;
        }
        at.is_some()
    }

    /// Labels of the rows shown, in order.
    pub fn shown_keys(&self) -> Vec<String> {
        self.shown
            .iter()
            .filter_map(|&i| self.rows.get(i as usize))
            .map(|r| self.label(r).to_string())
            .collect()
    }

    /// Char positions of a label the search matched.
    pub fn highlights(&self, label: &str) -> Vec<usize> {
        if let Some(q) = addr_search::parse(&self.search) {
            // An address search matches from the start of the label (or by containment,
            // where no character of the query need appear): mark the common start.
            if !q.matches(label) {
                return Vec::new();
            }
            let n = label
                .chars()
                .zip(self.search.trim().chars())
                .take_while(|(a, b)| a.eq_ignore_ascii_case(b))
                .count();
            return (0..n).collect();
        }
        self.fuzzy.highlights(label, &self.search)
    }

    pub fn spark(&self, group: u32) -> Option<&Spark> {
        self.sparks.get(&group)
    }

    /// The blocklist entry covering a group, if the markers were computed for it.
    pub fn cover(&self, group: u32) -> Option<&Entry> {
        self.covers.get(&group).and_then(Option::as_ref)
    }

    /// A new search text; one that grew by a character narrows from the rows shown.
    pub fn set_search(&mut self, text: String) {
        // Fuzzy matches of a longer pattern are a subset of the shorter one's; address
        // matches (prefix or CIDR containment) need not be, so they start from all rows.
        let grew = text.starts_with(&self.search)
            && !self.search.is_empty()
            && addr_search::parse(&text).is_none();
        self.search = text;
        if grew {
            self.shown = self.search_rows(&self.shown);
            self.list.selected = 0;
        } else {
            self.narrow(None);
        }
    }

    /// Applies the search to all rows; `keep` is the group to stay on (same key).
    fn narrow(&mut self, keep: Option<u32>) {
        let all: Vec<u32> = (0..self.rows.len() as u32).collect();
        self.shown = self.search_rows(&all);
        self.list.selected = keep
            .and_then(|k| {
                self.shown
                    .iter()
                    .position(|&i| self.rows.get(i as usize).is_some_and(|r| r.group == k))
            })
            .unwrap_or(0);
    }

    fn search_rows(&self, from: &[u32]) -> Vec<u32> {
        let Some(ix) = &self.ix else {
            return from.to_vec();
        };
        let rows = &self.rows;
        let label = |i: u32| rows.get(i as usize).map_or("", |r| ix.label(r.group));
        // Text that reads as an address or network prefix matches by prefix and CIDR
        // containment (fuzzily, `4d2a` would keep any address holding those digits in
        // order); a piece from inside an address (`db8:1`) still finds it, as one run.
        if let Some(q) = addr_search::parse(&self.search) {
            let piece = self.search.trim().to_ascii_lowercase();
            return from
                .iter()
                .copied()
                .filter(|&i| q.matches(label(i)) || label(i).contains(piece.as_str()))
                .collect();
        }
        self.fuzzy.narrow(from, &self.search, label)
    }

    /// Group ids of the rows on screen.
    fn visible_groups(&self, height: usize) -> Vec<u32> {
        self.list
            .visible(&self.shown, height)
            .filter_map(|&i| self.rows.get(i as usize).map(|r| r.group))
            .collect()
    }

    /// Clamps the selection to `height` rows on screen and fills what those rows show.
    /// `(width, height)` is the pane's inside: the activity column has a bucket per cell.
    pub fn settle(
        &mut self,
        (width, height): (usize, usize),
        m: &Model,
        f: &Filter,
        bl: Option<&Blocklist>,
    ) {
        self.list.clamp(self.shown.len(), height);
        let Some(ix) = self.ix.clone() else { return };
        let cells = crate::tui::layout::spark_cells(width);
        if cells != self.spark_cells {
            self.sparks.clear();
            self.spark_cells = cells;
        }
        for gid in self.visible_groups(height) {
            self.sparks
                .entry(gid)
                .or_insert_with(|| data::sparkline(m, f, ix.messages(gid), ix.peers(gid), cells));
        }
        self.fill_covers(height, m, bl);
    }

    /// Blocklist markers for the rows on screen that have none yet.
    pub fn fill_covers(&mut self, height: usize, m: &Model, bl: Option<&Blocklist>) {
        let (Some(bl), Some(ix)) = (bl, self.ix.clone()) else {
            return;
        };
        for gid in self.visible_groups(height) {
            self.covers.entry(gid).or_insert_with(|| {
                group_key_entry(m, &ix, gid).and_then(|key| block::covering(bl, &key))
            });
        }
    }

    /// The blocklist changed: the markers of the rows on screen are read again.
    pub fn blocklist_changed(&mut self, height: usize, m: &Model, bl: Option<&Blocklist>) {
        self.covers.clear();
        self.fill_covers(height, m, bl);
    }
}
