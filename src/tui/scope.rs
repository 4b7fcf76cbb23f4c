//! What the lists show: the grouping key, the order, and the filters (family, DKIM, the
//! regex over raw lines, the time range). Shared by every pane; the app changes it and
//! then has the lists follow.

use std::sync::Arc;

use super::keys::Action;
use crate::model::Model;
use crate::parse::{DkimStatus, Family};
use crate::query::{self, AggKey, Filter, NetPrefix, SortKey};

#[derive(Debug, Clone)]
pub struct Scope {
    pub by: AggKey,
    /// Where the `net` key cuts addresses (`--v4-prefix`, `--v6-prefix`, then `p` / `P`).
    pub prefix: NetPrefix,
    pub sort: SortKey,
    pub filter: Filter,
    pub regex: Option<String>,
    pub time_text: Option<String>,
    /// Following a growing log: the sort cycle has `recent` (a log read once keeps
    /// the cycle it had, `S` going straight back to rejections).
    pub live: bool,
}

impl Default for Scope {
    fn default() -> Self {
        Scope {
            by: AggKey::Ip,
            prefix: NetPrefix::default(),
            sort: SortKey::Messages,
            filter: Filter::default(),
            regex: None,
            time_text: None,
            live: false,
        }
    }
}

/// Which part of the scope an action changed, so the lists redo only what follows from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// A filter: the same key, grouped and filtered again.
    Filter,
    /// Another key: the old rows' group ids mean nothing.
    Key,
    /// Another order of the same rows.
    Order,
}

const FAMILIES: [Option<Family>; 3] = [None, Some(Family::Ipv4), Some(Family::Ipv6)];
const DKIMS: [Option<DkimStatus>; 5] = [
    None,
    Some(DkimStatus::Pass),
    Some(DkimStatus::Fail),
    Some(DkimStatus::Invalid),
    Some(DkimStatus::None),
];

/// The prefix lengths `p` and `P` step through: the networks an admin blocks (a hoster's
/// /64 or /48 customer range, a /24), then the single address, and round.
const V6_PREFIXES: [u8; 5] = [64, 56, 48, 32, 128];
const V4_PREFIXES: [u8; 3] = [24, 16, 32];

/// The value after (or before) `cur` in `xs`, round and round.
fn cycle<T: PartialEq + Copy>(xs: &[T], cur: T, forward: bool) -> T {
    let i = xs.iter().position(|x| *x == cur).unwrap_or(0);
    let n = xs.len();
    xs[if forward {
        (i + 1) % n
    } else {
        (i + n - 1) % n
    }]
}

impl Scope {
    /// The key as titles name it; `net` with the prefixes it cuts at (`net /24 /64`).
    pub fn by_text(&self) -> String {
        match self.by {
            AggKey::Net => format!("net /{} /{}", self.prefix.v4, self.prefix.v6),
            by => by.as_str().to_string(),
        }
    }

    /// The default view, with the command line's `net` prefixes.
    pub fn at_prefix(prefix: NetPrefix) -> Scope {
        Scope {
            prefix,
            ..Scope::default()
        }
    }

    /// The cycling keys (`f d a s` and their shifted way back); `None` for any other action.
    pub fn cycle(&mut self, a: Action) -> Option<Change> {
        match a {
            Action::Family | Action::FamilyBack => {
                self.filter.family = cycle(&FAMILIES, self.filter.family, a == Action::Family);
                Some(Change::Filter)
            }
            Action::Dkim | Action::DkimBack => {
                self.filter.dkim = cycle(&DKIMS, self.filter.dkim, a == Action::Dkim);
                Some(Change::Filter)
            }
            Action::GroupBy => {
                self.by = self.by.next();
                Some(Change::Key)
            }
            Action::GroupByBack => {
                self.by = self.by.prev();
                Some(Change::Key)
            }
            // The `net` key at the next prefix: shown at once, whatever the key was.
            Action::PrefixV6 => {
                self.prefix.v6 = cycle(&V6_PREFIXES, self.prefix.v6, true);
                self.by = AggKey::Net;
                Some(Change::Key)
            }
            Action::PrefixV4 => {
                self.prefix.v4 = cycle(&V4_PREFIXES, self.prefix.v4, true);
                self.by = AggKey::Net;
                Some(Change::Key)
            }
            Action::Sort => {
                self.sort = self.sort.next();
                if self.sort == SortKey::Recent && !self.live {
                    self.sort = self.sort.next();
                }
                Some(Change::Order)
            }
            Action::SortBack => {
                self.sort = self.sort.prev();
                if self.sort == SortKey::Recent && !self.live {
                    self.sort = self.sort.prev();
                }
                Some(Change::Order)
            }
            _ => None,
        }
    }

    /// A new regex over raw lines (empty clears it); an error says why.
    pub fn set_regex(&mut self, pattern: &str, m: Option<&Model>) -> Result<(), String> {
        if pattern.is_empty() {
            self.regex = None;
            self.filter.matches = None;
            return Ok(());
        }
        let Some(m) = m else { return Ok(()) };
        match query::grep::compile(pattern, &query::GrepOptions::default()) {
            Ok(re) => {
                self.filter.matches = Some(Arc::new(query::grep(m, &re)));
                self.regex = Some(pattern.to_string());
                Ok(())
            }
            Err(e) => Err(format!(
                "regex error: {}",
                e.to_string().lines().last().unwrap_or("invalid")
            )),
        }
    }

    /// A new time range (empty clears it), read relative to `now`; an error says why.
    pub fn set_time(&mut self, text: &str, now: i64) -> Result<(), String> {
        let text = text.trim();
        if text.is_empty() {
            self.time_text = None;
            self.filter.time = None;
            return Ok(());
        }
        let r = super::data::parse_time_range(text, now)?;
        self.filter.time = Some(r);
        self.time_text = Some(text.to_string());
        Ok(())
    }

    /// `by=ip family=all dkim=any sort=messages` and the searches and filters set.
    pub fn text(&self, sender_search: &str, message_search: &str) -> String {
        let mut s = format!(
            "by={} family={} dkim={} sort={}",
            self.by.as_str(),
            self.filter.family.map_or("all", |f| f.as_str()),
            self.filter.dkim.map_or("any", |d| d.as_str()),
            self.sort.as_str(),
        );
        if !sender_search.is_empty() {
            s.push_str(&format!(" search={sender_search}"));
        }
        if !message_search.is_empty() {
            s.push_str(&format!(" msgsearch={message_search}"));
        }
        if let Some(r) = &self.regex {
            s.push_str(&format!(" regex={r}"));
        }
        if let Some(t) = &self.time_text {
            s.push_str(&format!(" time={t}"));
        }
        s
    }
}
