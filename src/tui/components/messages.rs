//! The message list: the selected sender's messages (newest first), the search that
//! narrows them, the selection, and the recipients of the rows on screen.

use std::collections::HashMap;

use super::list::ListState;
use crate::model::Model;
use crate::query::Filter;
use crate::tui::data::{self, Fuzzy, RecipientIndex};
use crate::tui::index::GroupIndex;

#[derive(Default)]
pub struct MessageList {
    /// The sender whose messages these are.
    pub group: Option<u32>,
    /// Messages of the sender, newest first, before the search.
    pub all: Vec<u32>,
    pub search: String,
    pub shown: Vec<u32>,
    pub list: ListState,
    /// Search text of each of `all`, built on the first search.
    text: Vec<String>,
    /// Recipients of each message drawn so far, kept: the model never changes.
    pub recipients_of: HashMap<u32, String>,
    /// A message to select when the list next opens: a regrouping follows the message the
    /// admin was on into its group under the new key.
    pub follow: Option<u32>,
    fuzzy: Fuzzy,
}

impl MessageList {
    pub fn selected(&self) -> Option<u32> {
        self.shown.get(self.list.selected).copied()
    }

    /// Selects message `msg`; whether it is shown.
    pub fn select(&mut self, msg: u32) -> bool {
        let at = self.shown.iter().position(|&x| x == msg);
        if let Some(p) = at {
            self.list.selected = p;
        }
        at.is_some()
    }

    /// Another sender: its messages from the top, without the old search.
    pub fn open(&mut self, group: Option<u32>, m: &Model, ix: Option<&GroupIndex>, f: &Filter) {
        self.group = group;
        self.list = ListState::default();
        self.search.clear();
        self.fetch(m, ix, f);
        if let Some(k) = self.follow.take()
            && let Some(p) = self.shown.iter().position(|&x| x == k)
        {
            self.list.selected = p;
        }
    }

    /// The same sender again (the filter may have changed which messages show), staying on
    /// the selected message if it still shows.
    pub fn reload(&mut self, m: &Model, ix: Option<&GroupIndex>, f: &Filter) {
        let keep = self.selected();
        self.fetch(m, ix, f);
        if let Some(k) = keep
            && let Some(p) = self.shown.iter().position(|&x| x == k)
        {
            self.list.selected = p;
        }
    }

    fn fetch(&mut self, m: &Model, ix: Option<&GroupIndex>, f: &Filter) {
        self.all.clear();
        self.text.clear();
        if let (Some(g), Some(gid)) = (ix, self.group) {
            self.all = g.messages_of(m, gid, f);
            // Newest first: during a spam run the admin wants the latest.
            self.all.reverse();
        }
        let all = self.all.clone();
        self.narrow(&all, m);
    }

    /// A new search text; one that grew by a character narrows from the rows shown.
    pub fn set_search(&mut self, text: String, m: &Model) {
        let grew = text.starts_with(&self.search) && !self.search.is_empty();
        self.search = text;
        let from = if grew {
            self.shown.clone()
        } else {
            self.all.clone()
        };
        self.narrow(&from, m);
        self.list.selected = 0;
    }

    fn search_text(&mut self, m: &Model) {
        if self.text.len() == self.all.len() {
            return;
        }
        self.text = self
            .all
            .iter()
            .map(|&i| match m.messages.get(i as usize) {
                Some(msg) => format!("{} {}", msg.id, String::from_utf8_lossy(m.str(msg.sender))),
                None => String::new(),
            })
            .collect();
    }

    fn narrow(&mut self, from: &[u32], m: &Model) {
        if self.search.is_empty() {
            self.shown = from.to_vec();
            return;
        }
        self.search_text(m);
        // Candidates are positions in `all`, so texts line up.
        let pos: HashMap<u32, u32> = self
            .all
            .iter()
            .enumerate()
            .map(|(p, &i)| (i, p as u32))
            .collect();
        let cands: Vec<u32> = from.iter().filter_map(|i| pos.get(i).copied()).collect();
        let texts = &self.text;
        let kept = self.fuzzy.narrow(&cands, &self.search, |p| {
            texts.get(p as usize).map_or("", String::as_str)
        });
        self.shown = kept
            .into_iter()
            .filter_map(|p| self.all.get(p as usize).copied())
            .collect();
    }

    /// Clamps the selection to `height` rows and fills the recipients those rows show.
    pub fn settle(&mut self, height: usize, m: &Model, r: Option<&RecipientIndex>) {
        self.list.clamp(self.shown.len(), height);
        let Some(r) = r else { return };
        for &i in self.list.visible(&self.shown, height) {
            self.recipients_of.entry(i).or_insert_with(|| {
                // One row shows a screenful at most, whatever the number of recipients.
                let mut text = String::new();
                for a in r.of(i) {
                    if text.len() > data::SHOWN_CHARS {
                        text.push('\u{2026}');
                        break;
                    }
                    if !text.is_empty() {
                        text.push(',');
                    }
                    text.push_str(&data::shown(m.str(a)));
                }
                text
            });
        }
    }
}
