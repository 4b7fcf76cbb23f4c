//! The loaded logs as the TUI holds them: the load's progress, the model, and what is
//! built from it once (recipients, the groupings, per-key totals, the line indexes).
//! Never changes what the user sees on its own: the app asks it for what a view needs.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use super::components::lines::LineIndexes;
use super::data::RecipientIndex;
use super::index::{self, GroupIndex};
use crate::model::{Model, Progress};
use crate::parse::{Family, LineKind, ParseContext};
use crate::query::{AggKey, Filter, Grouping, NetPrefix, SortKey, Summary};

#[derive(Debug, Clone)]
pub enum LoadState {
    Loading {
        progress: Progress,
        started: Instant,
    },
    Ready {
        seconds: f64,
    },
}

/// The finished index and what is derived from it once.
pub struct Loaded {
    pub model: Arc<Model>,
    pub recipients: Arc<RecipientIndex>,
    /// Groupings built in the loader (at least the first key's).
    pub groupings: Vec<Arc<GroupIndex>>,
    /// The first grouping's rows with nothing filtered, in an order: what a follow
    /// refresh shows without aggregating or sorting on the screen thread (and its
    /// total). Built by `with_rows`, for refreshes only.
    pub rows: Option<(SortKey, Vec<index::Agg>)>,
    pub summary: Summary,
}

impl Loaded {
    /// What the loader derives from a model at once: the first key's grouping, the
    /// recipients and the summary (the other groupings follow in the background).
    pub fn build(model: Arc<Model>, prefix: NetPrefix) -> Loaded {
        Loaded::build_for(model, AggKey::Ip, prefix)
    }

    /// The same with key `by`'s grouping (a refresh builds the one on screen).
    pub fn build_for(model: Arc<Model>, by: AggKey, prefix: NetPrefix) -> Loaded {
        let first = Arc::new(Grouping::new(&model, by, prefix));
        let first = Arc::new(GroupIndex::new(&model, first, prefix));
        Loaded {
            recipients: Arc::new(RecipientIndex::new(&model)),
            rows: None,
            groupings: vec![first],
            summary: crate::query::summary(&model),
            model,
        }
    }
}

impl Loaded {
    /// With the first grouping's unfiltered rows, sorted in `sort`, built here
    /// (off the screen thread).
    pub fn with_rows(mut self, sort: SortKey) -> Loaded {
        if let Some(g) = self.groupings.first() {
            let mut rows = index::aggregate(&self.model, g, &Filter::default());
            index::sort_aggs(&mut rows, sort, g);
            self.rows = Some((sort, rows));
        }
        self
    }
}

pub struct Logs {
    pub files: Vec<String>,
    /// The command line's `net` prefixes, which the loader's groupings are cut at (what
    /// the view uses is `Scope::prefix`).
    pub prefix: NetPrefix,
    pub ctx: ParseContext,
    pub load: LoadState,
    pub model: Option<Arc<Model>>,
    pub summary: Option<Summary>,
    pub recipients: Option<Arc<RecipientIndex>>,
    groupings: HashMap<AggKey, Arc<GroupIndex>>,
    /// Groups with something to show when nothing is filtered, per key.
    totals: HashMap<AggKey, usize>,
    lines: Option<LineIndexes>,
}

impl Logs {
    pub fn new(files: Vec<String>, prefix: NetPrefix, ctx: ParseContext) -> Logs {
        Logs {
            files,
            prefix,
            ctx,
            load: LoadState::Loading {
                progress: Progress::default(),
                started: Instant::now(),
            },
            model: None,
            summary: None,
            recipients: None,
            groupings: HashMap::new(),
            totals: HashMap::new(),
            lines: None,
        }
    }

    pub fn is_loading(&self) -> bool {
        matches!(self.load, LoadState::Loading { .. })
    }

    pub fn progress(&mut self, p: Progress) {
        if let LoadState::Loading { progress, .. } = &mut self.load {
            *progress = p;
        }
    }

    pub fn loaded(&mut self, l: Loaded) {
        let seconds = match &self.load {
            LoadState::Loading { started, .. } => started.elapsed().as_secs_f64(),
            LoadState::Ready { seconds } => *seconds,
        };
        self.load = LoadState::Ready { seconds };
        for g in l.groupings {
            self.groupings.insert(g.by(), g);
        }
        self.model = Some(l.model);
        self.summary = Some(l.summary);
        self.recipients = Some(l.recipients);
    }

    /// A grouping built in the background after the load (a `net` one only while its
    /// prefix lengths are still the ones in force; none built on an older state of a
    /// followed log).
    pub fn add_grouping(&mut self, g: Arc<GroupIndex>) {
        if self
            .model
            .as_ref()
            .is_some_and(|m| g.built_on != m.line_count())
        {
            return;
        }
        self.groupings.entry(g.by()).or_insert(g);
    }

    /// A followed log grew: everything built on the old state goes (the other keys'
    /// groupings and the line indexes are built again when asked for).
    /// Returns the first grouping's unfiltered rows the feed built (`Loaded::rows`).
    pub fn refresh(&mut self, l: Loaded) -> Option<(SortKey, Vec<index::Agg>)> {
        self.totals.clear();
        if let (Some(g), Some((_, rows))) = (l.groupings.first(), &l.rows) {
            self.totals.insert(g.by(), rows.len());
        }
        let mut groupings = std::mem::take(&mut self.groupings);
        let old = (
            groupings.drain().collect::<Vec<_>>(),
            self.lines.take(),
            self.model.replace(l.model),
            self.recipients.replace(l.recipients),
        );
        super::reaper::bury(old);
        self.groupings = groupings;
        for g in l.groupings {
            self.groupings.insert(g.by(), g);
        }
        self.summary = Some(l.summary);
        l.rows
    }

    /// The index of key `by` (`net` cut at `prefix`); built here if the background has not
    /// yet, or if it was built at another prefix (the background builds at the command
    /// line's).
    pub fn index(&mut self, by: AggKey, prefix: NetPrefix) -> Option<Arc<GroupIndex>> {
        let m = self.model.clone()?;
        if by == AggKey::Net && self.groupings.get(&by).is_some_and(|g| g.prefix != prefix) {
            self.groupings.remove(&by);
            self.totals.remove(&by);
        }
        let g = self
            .groupings
            .entry(by)
            .or_insert_with(|| {
                let g = Arc::new(Grouping::new(&m, by, prefix));
                Arc::new(GroupIndex::new(&m, g, prefix))
            })
            .clone();
        self.totals
            .entry(by)
            .or_insert_with(|| index::aggregate(&m, &g, &Filter::default()).len());
        Some(g)
    }

    /// Groups of key `by` with something to show when nothing is filtered.
    pub fn total(&self, by: AggKey) -> usize {
        self.totals.get(&by).copied().unwrap_or(0)
    }

    /// The line indexes of the log lines view, built on first use.
    pub fn line_indexes(&mut self) -> Option<&LineIndexes> {
        let m = self.model.clone()?;
        Some(self.lines.get_or_insert_with(|| LineIndexes::build(&m)))
    }

    /// How many lines of the other-lines list are unrecognized (`None` before first use).
    pub fn other_unrecognized(&self) -> Option<usize> {
        self.lines.as_ref().map(|x| x.other_unrecognized)
    }

    /// Lines of group `gid`'s rejections and auth failures that have no message (those
    /// the sender list counts), newest first, at most `limit`.
    pub fn peer_lines(&self, ix: &GroupIndex, gid: u32, f: &Filter, limit: usize) -> Vec<u32> {
        let Some(m) = &self.model else {
            return Vec::new();
        };
        if f.dkim.is_some() {
            return Vec::new();
        }
        ix.peers(gid)
            .iter()
            .rev()
            .filter_map(|&pi| m.peer_events.get(pi as usize))
            .filter(|p| {
                (m.peer_kind(p).is_rejection() || m.peer_kind(p) == LineKind::AuthFailure)
                    && f.family.is_none_or(|x| x == Family::of(m.ip(p.ip)))
                    && f.time.is_none_or(|(a, b)| p.time >= a && p.time <= b)
                    && f.matches.as_ref().is_none_or(|x| x.lines.contains(p.line))
            })
            .take(limit)
            .map(|p| p.line)
            .collect()
    }
}
