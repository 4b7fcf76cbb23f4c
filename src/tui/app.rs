//! App state and what each action does to it. Rendering reads this state; the event
//! loop feeds it actions, load progress and the finished model.
//!
//! No terminal I/O here, so every key can be tested without a screen.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::block::{self, BlockFacts, Preview, Proposal};
use super::data::{self, Detail, Fuzzy, LineRow, RecipientIndex, Spark};
use super::index::{self, Agg, GroupIndex};
use super::keys::{Action, Key, KeyMap};
use super::layout;
use crate::blocklist::{self, Blocklist, Entry};
use crate::model::{Model, Progress};
use crate::parse::{DkimStatus, Family, LineKind, ParseContext};
use crate::query::{self, AggKey, Filter, Grouping, NetPrefix, SortKey, Summary};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pane {
    Senders,
    Messages,
    Detail,
}

impl Pane {
    pub fn name(self) -> &'static str {
        match self {
            Pane::Senders => "senders",
            Pane::Messages => "messages",
            Pane::Detail => "detail",
        }
    }
}

/// The log lines view (`o`): the lines no message and no sender leads to, or (`o` again)
/// every unrecognized line of the log. It replaces the panes until `Esc`.
#[derive(Debug, Clone)]
pub struct LinesView {
    pub unrecognized_only: bool,
    pub cursor: Cursor,
    /// All lines of the mode, in log order (shared with the app's cache).
    base: Arc<Vec<u32>>,
    /// `base` narrowed by the regex; `None` while no regex is set.
    narrowed: Option<Vec<u32>>,
    /// The rows on screen, parsed and sanitized once per move rather than per frame.
    pub rows: Vec<LineRow>,
    /// `FILE:N` of the selected line.
    pub place: Option<String>,
}

impl LinesView {
    /// The lines listed now.
    pub fn list(&self) -> &[u32] {
        self.narrowed.as_deref().unwrap_or(&self.base)
    }

    /// Lines of the mode before the regex.
    pub fn total(&self) -> usize {
        self.base.len()
    }

    pub fn narrowed(&self) -> bool {
        self.narrowed.is_some()
    }
}

/// Line numbers of the two modes, built on first use and kept: the model never changes.
#[derive(Debug, Clone)]
struct LineIndexes {
    other: Arc<Vec<u32>>,
    /// How many of `other` are unrecognized.
    other_unrecognized: usize,
    unrecognized: Arc<Vec<u32>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PromptKind {
    Search,
    Regex,
    Time,
    /// The optional reason written into a new blocklist entry's comment.
    Comment,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prompt {
    pub kind: PromptKind,
    pub text: String,
    /// For a search: which list it narrows.
    pub pane: Pane,
}

/// The block preview: the entry proposed for the selected sender, as widened or narrowed, and
/// what it would match in the loaded logs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlockOverlay {
    pub proposal: Proposal,
    pub entry: Entry,
    pub preview: Preview,
}

/// Selection and scroll of one list.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Cursor {
    pub selected: usize,
    pub offset: usize,
}

impl Cursor {
    fn clamp(&mut self, len: usize, height: usize) {
        let height = height.max(1);
        if len == 0 {
            *self = Cursor::default();
            return;
        }
        self.selected = self.selected.min(len - 1);
        if self.selected < self.offset {
            self.offset = self.selected;
        }
        if self.selected >= self.offset + height {
            self.offset = self.selected + 1 - height;
        }
        self.offset = self.offset.min(len.saturating_sub(height));
    }

    fn apply(&mut self, a: Action, len: usize, height: usize) {
        let page = height.max(1);
        match a {
            Action::Down => self.selected = self.selected.saturating_add(1),
            Action::Up => self.selected = self.selected.saturating_sub(1),
            Action::PageDown => self.selected = self.selected.saturating_add(page),
            Action::PageUp => self.selected = self.selected.saturating_sub(page),
            Action::First => self.selected = 0,
            Action::Last => self.selected = len.saturating_sub(1),
            _ => {}
        }
        self.clamp(len, height);
    }
}

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
    pub summary: Summary,
}

pub struct App {
    pub keys: KeyMap,
    pub files: Vec<String>,
    pub prefix: NetPrefix,
    pub ctx: ParseContext,
    pub load: LoadState,
    pub model: Option<Arc<Model>>,
    pub summary: Option<Summary>,
    recipients: Option<Arc<RecipientIndex>>,
    groupings: HashMap<AggKey, Arc<GroupIndex>>,
    /// Groups with something to show when nothing is filtered, per key.
    totals: HashMap<AggKey, usize>,

    pub by: AggKey,
    pub sort: SortKey,
    pub filter: Filter,
    pub regex: Option<String>,
    pub time_text: Option<String>,

    /// Grouped and sorted rows for the current key and filter.
    pub rows: Vec<Agg>,
    pub sender_search: String,
    /// Indices into `rows` after the search.
    pub senders_shown: Vec<u32>,
    pub senders: Cursor,
    sparks: HashMap<u32, Spark>,

    /// Messages of the selected sender (log order) and those the search keeps.
    pub sender_messages: Vec<u32>,
    pub message_search: String,
    pub messages_shown: Vec<u32>,
    pub messages: Cursor,
    msg_text: Vec<String>,
    pub recipients_of: HashMap<u32, String>,
    pub selected_group: Option<u32>,

    pub detail: Option<Detail>,
    pub detail_scroll: usize,

    pub focus: Pane,
    pub help: bool,
    pub prompt: Option<Prompt>,
    /// One-shot notice (a regex error, a bad time range).
    pub notice: Option<String>,
    pub quit: bool,
    pub size: (u16, u16),
    fuzzy: Fuzzy,

    /// Where blocklist entries are read and written; `None` when no location is known.
    /// The safety rules `b` and `w` follow (the command line's `--min-v4-prefix`, …); the
    /// loaded logs' `I=` addresses are added to its server addresses.
    pub block_policy: crate::blocklist::Policy,
    pub blocklist_path: Option<PathBuf>,
    /// The blocklist as last read or written, for the sender markers.
    pub blocklist: Option<Blocklist>,
    pub block: Option<BlockOverlay>,
    block_facts: Option<Arc<BlockFacts>>,
    /// The entry covering each group on screen (`None`: not covered), filled like `sparks`.
    covers: HashMap<u32, Option<Entry>>,

    /// The log lines view, when open.
    pub lines: Option<LinesView>,
    line_indexes: Option<LineIndexes>,
}

const FAMILIES: [Option<Family>; 3] = [None, Some(Family::Ipv4), Some(Family::Ipv6)];
const DKIMS: [Option<DkimStatus>; 5] = [
    None,
    Some(DkimStatus::Pass),
    Some(DkimStatus::Fail),
    Some(DkimStatus::Invalid),
    Some(DkimStatus::None),
];

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

impl App {
    pub fn new(keys: KeyMap, files: Vec<String>, prefix: NetPrefix, ctx: ParseContext) -> App {
        App {
            keys,
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
            by: AggKey::Ip,
            sort: SortKey::Messages,
            filter: Filter::default(),
            regex: None,
            time_text: None,
            rows: Vec::new(),
            sender_search: String::new(),
            senders_shown: Vec::new(),
            senders: Cursor::default(),
            sparks: HashMap::new(),
            sender_messages: Vec::new(),
            message_search: String::new(),
            messages_shown: Vec::new(),
            messages: Cursor::default(),
            msg_text: Vec::new(),
            recipients_of: HashMap::new(),
            selected_group: None,
            detail: None,
            detail_scroll: 0,
            focus: Pane::Senders,
            help: false,
            prompt: None,
            notice: None,
            quit: false,
            size: (80, 24),
            fuzzy: Fuzzy::default(),
            blocklist_path: None,
            block_policy: crate::blocklist::Policy::default(),
            blocklist: None,
            block: None,
            block_facts: None,
            covers: HashMap::new(),
            lines: None,
            line_indexes: None,
        }
    }

    /// A ready app over an already built model (tests, benches).
    pub fn with_model(keys: KeyMap, model: Model, prefix: NetPrefix, size: (u16, u16)) -> App {
        let files = model.sources.iter().map(|s| s.name.clone()).collect();
        let mut app = App::new(keys, files, prefix, ParseContext::default());
        app.size = super::backend::clamp_size(size.0, size.1);
        let model = Arc::new(model);
        let recipients = Arc::new(RecipientIndex::new(&model));
        let g = Arc::new(Grouping::new(&model, AggKey::Ip, prefix));
        let g = Arc::new(GroupIndex::new(&model, g, prefix));
        let summary = query::summary(&model);
        app.loaded(Loaded {
            model,
            recipients,
            groupings: vec![g],
            summary,
        });
        // A fixed figure keeps rendered screens reproducible.
        app.load = LoadState::Ready { seconds: 0.0 };
        app
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
        self.regroup();
    }

    /// A grouping built in the background after the load.
    pub fn add_grouping(&mut self, g: Arc<GroupIndex>) {
        self.groupings.entry(g.by()).or_insert(g);
    }

    /// The current key's index; built here if the background has not yet.
    pub fn index(&mut self) -> Option<Arc<GroupIndex>> {
        let m = self.model.clone()?;
        let (by, prefix) = (self.by, self.prefix);
        let g = self
            .groupings
            .entry(by)
            .or_insert_with(|| {
                let g = Arc::new(Grouping::new(&m, by, prefix));
                Arc::new(GroupIndex::new(&m, g, prefix))
            })
            .clone();
        Some(g)
    }

    /// The label of a row under the current key.
    pub fn label(&self, r: &Agg) -> &str {
        self.groupings
            .get(&self.by)
            .map_or("", |ix| ix.label(r.group))
    }

    pub fn selected_key(&self) -> Option<String> {
        self.selected_row().map(|r| self.label(r).to_string())
    }

    /// Lines of the selected sender's rejections and auth failures that have no
    /// message (those the sender list counts), newest first, at most `limit`.
    pub fn selected_peer_lines(&self, limit: usize) -> Vec<u32> {
        let (Some(m), Some(r)) = (&self.model, self.selected_row()) else {
            return Vec::new();
        };
        let Some(ix) = self.groupings.get(&self.by) else {
            return Vec::new();
        };
        if self.filter.dkim.is_some() {
            return Vec::new();
        }
        let f = &self.filter;
        ix.peers(r.group)
            .iter()
            .rev()
            .filter_map(|&pi| m.peer_events.get(pi as usize))
            .filter(|p| {
                (m.peer_kind(p).is_rejection()
                    || m.peer_kind(p) == crate::parse::LineKind::AuthFailure)
                    && f.family
                        .is_none_or(|x| x == crate::parse::Family::of(m.ip(p.ip)))
                    && f.time.is_none_or(|(a, b)| p.time >= a && p.time <= b)
                    && f.matches.as_ref().is_none_or(|x| x.lines.contains(p.line))
            })
            .take(limit)
            .map(|p| p.line)
            .collect()
    }

    /// Char positions of a sender label the search matched.
    pub fn sender_highlights(&self, label: &str) -> Vec<usize> {
        self.fuzzy.highlights(label, &self.sender_search)
    }

    /// Labels of the rows shown, in order.
    pub fn shown_keys(&self) -> Vec<String> {
        self.senders_shown
            .iter()
            .filter_map(|&i| self.rows.get(i as usize))
            .map(|r| self.label(r).to_string())
            .collect()
    }

    pub fn total_senders(&self) -> usize {
        self.totals.get(&self.by).copied().unwrap_or(0)
    }

    pub fn selected_row(&self) -> Option<&Agg> {
        let i = *self.senders_shown.get(self.senders.selected)?;
        self.rows.get(i as usize)
    }

    pub fn selected_message(&self) -> Option<u32> {
        self.messages_shown.get(self.messages.selected).copied()
    }

    pub fn spark(&self, group: u32) -> Option<&Spark> {
        self.sparks.get(&group)
    }

    /// Rows of each list the current screen size can show.
    pub fn list_height(&self, pane: Pane) -> usize {
        layout::list_height(self.size, self.focus, pane)
    }

    /// Regroups, filters and sorts from scratch, keeping the selected sender if
    /// it is still there.
    pub fn regroup(&mut self) {
        let Some(m) = self.model.clone() else { return };
        let Some(ix) = self.index() else { return };
        let keep = self.selected_row().map(|r| r.group);
        if !self.totals.contains_key(&self.by) {
            let n = index::aggregate(&m, &ix, &Filter::default()).len();
            self.totals.insert(self.by, n);
        }
        self.rows = index::aggregate(&m, &ix, &self.filter);
        index::sort_aggs(&mut self.rows, self.sort, &ix);
        self.sparks.clear();
        self.covers.clear();
        self.narrow_senders(keep);
    }

    /// Applies the search to all rows; `keep` is the group to stay on (same key).
    fn narrow_senders(&mut self, keep: Option<u32>) {
        let all: Vec<u32> = (0..self.rows.len() as u32).collect();
        self.senders_shown = self.search_rows(&all);
        self.senders.selected = keep
            .and_then(|k| {
                self.senders_shown
                    .iter()
                    .position(|&i| self.rows[i as usize].group == k)
            })
            .unwrap_or(0);
        self.after_sender_move();
    }

    /// Narrows further from the rows shown now (a search that grew by a character).
    fn narrow_senders_from_shown(&mut self) {
        self.senders_shown = self.search_rows(&self.senders_shown.clone());
        self.senders.selected = 0;
        self.after_sender_move();
    }

    fn search_rows(&self, from: &[u32]) -> Vec<u32> {
        let Some(ix) = self.groupings.get(&self.by) else {
            return from.to_vec();
        };
        let rows = &self.rows;
        self.fuzzy.narrow(from, &self.sender_search, |i| {
            rows.get(i as usize).map_or("", |r| ix.label(r.group))
        })
    }

    fn after_sender_move(&mut self) {
        let h = self.list_height(Pane::Senders);
        self.senders.clamp(self.senders_shown.len(), h);
        self.fill_sparks();
        let group = self.selected_row().map(|r| r.group);
        if group != self.selected_group {
            self.selected_group = group;
            self.load_messages();
        } else {
            // Same sender, but the filter may have changed which messages show.
            self.load_messages_keep();
        }
    }

    /// Group ids of the sender rows on screen.
    fn visible_groups(&self) -> impl Iterator<Item = u32> + '_ {
        let h = self.list_height(Pane::Senders);
        self.senders_shown
            .iter()
            .skip(self.senders.offset)
            .take(h)
            .filter_map(|&i| self.rows.get(i as usize).map(|r| r.group))
    }

    /// Sparklines for the rows on screen that have none yet.
    fn fill_sparks(&mut self) {
        let Some(m) = self.model.clone() else { return };
        let Some(ix) = self.groupings.get(&self.by).cloned() else {
            return;
        };
        let want: Vec<u32> = self
            .visible_groups()
            .filter(|gid| !self.sparks.contains_key(gid))
            .collect();
        for gid in want {
            let s = data::sparkline(&m, &self.filter, ix.messages(gid), ix.peers(gid));
            self.sparks.insert(gid, s);
        }
        self.fill_covers();
    }

    /// Blocklist markers for the rows on screen that have none yet.
    fn fill_covers(&mut self) {
        let (Some(m), Some(bl)) = (self.model.clone(), self.blocklist.as_ref()) else {
            return;
        };
        let Some(ix) = self.groupings.get(&self.by).cloned() else {
            return;
        };
        let want: Vec<u32> = self
            .visible_groups()
            .filter(|gid| !self.covers.contains_key(gid))
            .collect();
        let mut found = Vec::with_capacity(want.len());
        for gid in want {
            let cover = group_key_entry(&m, &ix, gid).and_then(|key| block::covering(bl, &key));
            found.push((gid, cover));
        }
        self.covers.extend(found);
    }

    /// The blocklist entry covering a group, if the markers were computed for it.
    pub fn cover(&self, group: u32) -> Option<&Entry> {
        self.covers.get(&group).and_then(Option::as_ref)
    }

    /// Reads the blocklist at `path` (the default location when `None`). A missing file is an
    /// empty list; lines that are not entries are reported once in the status line.
    pub fn open_blocklist(&mut self, path: Option<PathBuf>) {
        let path = match path.map_or_else(blocklist::default_path, Ok) {
            Ok(p) => p,
            Err(e) => {
                self.notice = Some(e.to_string());
                return;
            }
        };
        self.blocklist_path = Some(path.clone());
        match Blocklist::load(&path) {
            Ok(bl) => {
                let problems = bl.problems();
                if let Some(first) = problems.first() {
                    self.notice = Some(format!(
                        "blocklist {}: {} line(s) are not entries and are kept as they are (line {}: {})",
                        path.display(),
                        problems.len(),
                        first.line_no,
                        first.problem
                    ));
                }
                self.set_blocklist(bl);
            }
            Err(e) => self.notice = Some(e.to_string()),
        }
    }

    fn set_blocklist(&mut self, bl: Blocklist) {
        self.blocklist = Some(bl);
        self.covers.clear();
        self.fill_covers();
    }

    /// Facts built in the background after the load; a `b` pressed earlier built its own.
    pub fn add_block_facts(&mut self, f: Arc<BlockFacts>) {
        self.block_facts.get_or_insert(f);
    }

    fn facts(&mut self) -> Option<Arc<BlockFacts>> {
        let m = self.model.clone()?;
        Some(
            self.block_facts
                .get_or_insert_with(|| Arc::new(BlockFacts::new(&m)))
                .clone(),
        )
    }

    /// The loaded model, the current grouping and the selected sender's group.
    fn selected_sender(&self) -> Option<(Arc<Model>, Arc<GroupIndex>, u32)> {
        Some((
            self.model.clone()?,
            self.groupings.get(&self.by).cloned()?,
            self.selected_row()?.group,
        ))
    }

    /// `b`: proposes an entry for the selected sender and opens the preview.
    fn open_block(&mut self) {
        let Some((m, ix, gid)) = self.selected_sender() else {
            self.notice = Some("no sender selected".into());
            return;
        };
        let Some(facts) = self.facts() else { return };
        let group_key = self.keys.first(Action::GroupBy);
        match block::propose(&m, &facts, &ix, gid, &group_key, &self.block_policy) {
            Ok(proposal) => {
                let entry = proposal.entry.clone();
                let preview = block::preview(&m, &facts, &entry, &proposal);
                self.block = Some(BlockOverlay {
                    proposal,
                    entry,
                    preview,
                });
            }
            Err(e) => self.notice = Some(e),
        }
    }

    /// `w` / `W` in the preview: one step wider or narrower, and the preview again.
    fn step_block(&mut self, wider: bool) {
        let Some(ov) = self.block.as_ref() else {
            self.notice = Some(format!(
                "{} and {} change the prefix in the block preview; open it with {}",
                self.keys.first(Action::Widen),
                self.keys.first(Action::Narrow),
                self.keys.first(Action::Block)
            ));
            return;
        };
        let next = match block::step(&ov.proposal, &ov.entry, wider) {
            Ok(next) => next,
            Err(why) => {
                self.notice = Some(why);
                return;
            }
        };
        let (Some(m), Some(facts)) = (self.model.clone(), self.facts()) else {
            return;
        };
        if let Some(ov) = self.block.as_mut() {
            ov.preview = block::preview(&m, &facts, &next, &ov.proposal);
            ov.entry = next;
        }
    }

    /// The comment prompt's `Enter`: adds the previewed entry to the file, merging with what is
    /// on disk, and refreshes the markers.
    fn confirm_block(&mut self, reason: &str) {
        let Some(ov) = self.block.take() else { return };
        // The overlay only holds offered entries; checked again so no path writes one that is not.
        if let Some(why) = block::not_offered(&ov.proposal.policy, &ov.entry) {
            self.notice = Some(format!("not written: {why}"));
            return;
        }
        let Some(path) = self.blocklist_path.clone() else {
            self.notice = Some(
                "no blocklist location: neither XDG_CONFIG_HOME nor HOME is set; pass --blocklist PATH"
                    .into(),
            );
            return;
        };
        let reason = Some(reason.trim()).filter(|r| !r.is_empty());
        let comment = blocklist::tool_comment(
            chrono::Local::now().date_naive(),
            reason,
            Some(ov.preview.messages),
            Some(ov.preview.senders),
        );
        let saved = Blocklist::load(&path).and_then(|mut bl| {
            let added = bl.add(ov.entry.clone(), Some(&comment));
            bl.save().map(|()| (bl, added))
        });
        match saved {
            Ok((bl, added)) => {
                self.notice = Some(if added {
                    format!("added {} to {}", ov.entry, path.display())
                } else {
                    format!("{} is already in {}", ov.entry, path.display())
                });
                self.set_blocklist(bl);
            }
            Err(e) => self.notice = Some(e.to_string()),
        }
    }

    /// `u`: removes the most specific entry covering the selected sender.
    fn unblock(&mut self) {
        let Some((m, ix, gid)) = self.selected_sender() else {
            self.notice = Some("no sender selected".into());
            return;
        };
        // Group labels are already terminal-safe (`query::key`); only cut.
        let shown = data::shown_safe(ix.label(gid));
        let Some(path) = self.blocklist_path.clone() else {
            self.notice = Some("no blocklist location; pass --blocklist PATH".into());
            return;
        };
        let Some(key) = group_key_entry(&m, &ix, gid) else {
            self.notice = Some(format!("{shown} is not covered by the blocklist"));
            return;
        };
        // The file as it is now, not as loaded: another process may have changed it.
        let mut bl = match Blocklist::load(&path) {
            Ok(bl) => bl,
            Err(e) => {
                self.notice = Some(e.to_string());
                return;
            }
        };
        let Some(entry) = block::covering(&bl, &key) else {
            self.notice = Some(format!("{shown} is not covered by the blocklist"));
            self.set_blocklist(bl);
            return;
        };
        bl.remove(&entry);
        match bl.save() {
            Ok(()) => {
                self.notice = Some(format!(
                    "removed {entry} (covering {shown}) from {}",
                    path.display()
                ));
                self.set_blocklist(bl);
            }
            Err(e) => self.notice = Some(e.to_string()),
        }
    }

    /// Keys while the block preview is open: it is modal, so list keys do nothing.
    fn block_act(&mut self, a: Action) {
        match a {
            Action::Drill => {
                self.prompt = Some(Prompt {
                    kind: PromptKind::Comment,
                    text: String::new(),
                    pane: self.focus,
                });
            }
            Action::Back => {
                self.block = None;
                self.notice = Some("not blocked; nothing written".into());
            }
            Action::Widen => self.step_block(true),
            Action::Narrow => self.step_block(false),
            Action::Quit => self.quit = true,
            Action::Help => self.help = true,
            _ => {
                self.notice = Some(format!(
                    "{} adds the entry, {} cancels, {}/{} change the prefix",
                    self.keys.first(Action::Drill),
                    self.keys.first(Action::Back),
                    self.keys.first(Action::Widen),
                    self.keys.first(Action::Narrow)
                ));
            }
        }
    }

    fn load_messages(&mut self) {
        self.messages = Cursor::default();
        self.message_search.clear();
        self.fetch_messages();
    }

    fn load_messages_keep(&mut self) {
        let keep = self.selected_message();
        self.fetch_messages();
        if let Some(k) = keep
            && let Some(p) = self.messages_shown.iter().position(|&x| x == k)
        {
            self.messages.selected = p;
        }
        self.after_message_move();
    }

    fn fetch_messages(&mut self) {
        self.sender_messages.clear();
        self.msg_text.clear();
        if let (Some(m), Some(g), Some(gid)) = (
            self.model.clone(),
            self.groupings.get(&self.by).cloned(),
            self.selected_group,
        ) {
            self.sender_messages = g.messages_of(&m, gid, &self.filter);
            // Newest first: during a spam run the admin wants the latest.
            self.sender_messages.reverse();
        }
        self.narrow_messages(&self.sender_messages.clone());
        self.after_message_move();
    }

    fn message_search_text(&mut self) {
        if self.msg_text.len() == self.sender_messages.len() {
            return;
        }
        let Some(m) = self.model.clone() else { return };
        self.msg_text = self
            .sender_messages
            .iter()
            .map(|&i| {
                let msg = &m.messages[i as usize];
                format!("{} {}", msg.id, String::from_utf8_lossy(m.str(msg.sender)))
            })
            .collect();
    }

    fn narrow_messages(&mut self, from: &[u32]) {
        if self.message_search.is_empty() {
            self.messages_shown = from.to_vec();
            return;
        }
        self.message_search_text();
        // Candidates are positions in `sender_messages`, so texts line up.
        let pos: HashMap<u32, u32> = self
            .sender_messages
            .iter()
            .enumerate()
            .map(|(p, &i)| (i, p as u32))
            .collect();
        let cands: Vec<u32> = from.iter().filter_map(|i| pos.get(i).copied()).collect();
        let texts = &self.msg_text;
        let kept = self
            .fuzzy
            .narrow(&cands, &self.message_search, |p| texts[p as usize].as_str());
        self.messages_shown = kept
            .into_iter()
            .map(|p| self.sender_messages[p as usize])
            .collect();
    }

    fn after_message_move(&mut self) {
        let h = self.list_height(Pane::Messages);
        self.messages.clamp(self.messages_shown.len(), h);
        self.fill_recipients();
        let sel = self.selected_message();
        let current = self.detail.as_ref().map(|d| d.id.clone());
        self.detail = match (&self.model, sel) {
            (Some(m), Some(i)) => data::detail(m, i, &self.ctx),
            _ => None,
        };
        if self.detail.as_ref().map(|d| d.id.clone()) != current {
            self.detail_scroll = 0;
        }
    }

    fn fill_recipients(&mut self) {
        let (Some(m), Some(r)) = (self.model.clone(), self.recipients.clone()) else {
            return;
        };
        let h = self.list_height(Pane::Messages);
        for &i in self
            .messages_shown
            .iter()
            .skip(self.messages.offset)
            .take(h)
        {
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

    pub fn resize(&mut self, w: u16, h: u16) {
        self.size = super::backend::clamp_size(w, h);
        let sh = self.list_height(Pane::Senders);
        self.senders.clamp(self.senders_shown.len(), sh);
        self.fill_sparks();
        let mh = self.list_height(Pane::Messages);
        self.messages.clamp(self.messages_shown.len(), mh);
        self.fill_recipients();
        self.after_lines_move();
    }

    /// Handles one key press. Returns whether anything changed (a redraw is due).
    pub fn key(&mut self, e: KeyEvent) -> bool {
        let Some(k) = Key::from_event(&e) else {
            return false;
        };
        // Ctrl-c always quits, whatever the table or a prompt says.
        if k.code == KeyCode::Char('c') && k.mods == KeyModifiers::CONTROL {
            self.quit = true;
            return true;
        }
        if self.prompt.is_some() {
            self.prompt_key(k);
            return true;
        }
        self.notice = None;
        let a = self.keys.action(k);
        if self.help {
            // Any key closes help, even one bound to nothing.
            self.help = false;
            self.quit = a == Some(Action::Quit);
            return true;
        }
        let Some(a) = a else {
            return false;
        };
        self.act(a);
        true
    }

    pub fn act(&mut self, a: Action) {
        if self.help {
            // Any key leaves help, but quitting still quits.
            self.help = false;
            if a == Action::Quit {
                self.quit = true;
            }
            return;
        }
        if self.block.is_some() {
            self.block_act(a);
            return;
        }
        if self.lines.is_some() {
            self.lines_act(a);
            return;
        }
        match a {
            Action::Quit => self.quit = true,
            Action::Help => self.help = true,
            _ if self.is_loading() => {
                self.notice = Some("still loading: only quit and help work yet".into());
            }
            Action::Down
            | Action::Up
            | Action::PageDown
            | Action::PageUp
            | Action::First
            | Action::Last => self.move_cursor(a),
            Action::Drill => {
                self.focus = match self.focus {
                    Pane::Senders if self.selected_row().is_some() => Pane::Messages,
                    Pane::Messages if self.detail.is_some() => Pane::Detail,
                    f => f,
                };
                self.resize(self.size.0, self.size.1);
            }
            Action::Back => {
                // Back first drops the focused list's search, then leaves the pane.
                if self.focus == Pane::Senders && !self.sender_search.is_empty() {
                    self.set_search(Pane::Senders, String::new());
                    return;
                }
                if self.focus == Pane::Messages && !self.message_search.is_empty() {
                    self.set_search(Pane::Messages, String::new());
                    return;
                }
                self.focus = match self.focus {
                    Pane::Detail => Pane::Messages,
                    _ => Pane::Senders,
                };
                self.resize(self.size.0, self.size.1);
            }
            Action::NextPane | Action::PrevPane => {
                let order = [Pane::Senders, Pane::Messages, Pane::Detail];
                let i = order.iter().position(|p| *p == self.focus).unwrap_or(0);
                let step = if a == Action::NextPane { 1 } else { 2 };
                self.focus = order[(i + step) % 3];
                self.resize(self.size.0, self.size.1);
            }
            Action::Family | Action::FamilyBack => {
                self.filter.family = cycle(&FAMILIES, self.filter.family, a == Action::Family);
                self.regroup();
            }
            Action::Dkim | Action::DkimBack => {
                self.filter.dkim = cycle(&DKIMS, self.filter.dkim, a == Action::Dkim);
                self.regroup();
            }
            Action::GroupBy | Action::GroupByBack => {
                self.by = if a == Action::GroupBy {
                    self.by.next()
                } else {
                    self.by.prev()
                };
                self.sender_search.clear();
                self.senders = Cursor::default();
                // Group ids of the old key mean nothing under the new one.
                self.rows.clear();
                self.senders_shown.clear();
                self.regroup();
            }
            Action::Sort | Action::SortBack => {
                self.sort = if a == Action::Sort {
                    self.sort.next()
                } else {
                    self.sort.prev()
                };
                // A new order is read from its top: the selection goes there.
                if let Some(ix) = self.groupings.get(&self.by) {
                    index::sort_aggs(&mut self.rows, self.sort, ix);
                }
                self.narrow_senders(None);
            }
            Action::Search if self.focus == Pane::Detail => {
                self.notice = Some("search works in the sender and message lists".into());
            }
            Action::Search => {
                let pane = self.focus;
                let text = match pane {
                    Pane::Messages => self.message_search.clone(),
                    _ => self.sender_search.clone(),
                };
                self.prompt = Some(Prompt {
                    kind: PromptKind::Search,
                    text,
                    pane,
                });
            }
            Action::Regex => self.open_regex_prompt(),
            Action::Time => {
                // Empty, so a new range is typed, not appended to the old one; the
                // prompt's label shows the range in force.
                self.prompt = Some(Prompt {
                    kind: PromptKind::Time,
                    text: String::new(),
                    pane: self.focus,
                });
            }
            Action::OtherLines => self.open_lines(false),
            Action::Block => self.open_block(),
            Action::Widen | Action::Narrow => self.step_block(a == Action::Widen),
            Action::Unblock => self.unblock(),
        }
    }

    fn open_regex_prompt(&mut self) {
        let text = self.regex.clone().unwrap_or_default();
        self.prompt = Some(Prompt {
            kind: PromptKind::Regex,
            text,
            pane: self.focus,
        });
    }

    /// Builds the line indexes on first use: two passes over the model's per-line arrays,
    /// once per run, never per frame or per key.
    fn line_indexes(&mut self) -> Option<LineIndexes> {
        if self.line_indexes.is_none() {
            let m = self.model.clone()?;
            let other = query::other_lines(&m);
            let other_unrecognized = other
                .iter()
                .filter(|&&i| m.line_kind.get(i as usize) == Some(&LineKind::Unrecognized))
                .count();
            let unrecognized = query::lines_of_kind(&m, LineKind::Unrecognized);
            self.line_indexes = Some(LineIndexes {
                other: Arc::new(other),
                other_unrecognized,
                unrecognized: Arc::new(unrecognized),
            });
        }
        self.line_indexes.clone()
    }

    /// How many lines of the other-lines list are unrecognized (`None` before first use).
    pub fn other_unrecognized(&self) -> Option<usize> {
        self.line_indexes.as_ref().map(|x| x.other_unrecognized)
    }

    /// `o`: opens the log lines view on one mode, at its first line.
    pub fn open_lines(&mut self, unrecognized_only: bool) {
        let Some(ix) = self.line_indexes() else {
            return;
        };
        let base = if unrecognized_only {
            ix.unrecognized
        } else {
            ix.other
        };
        self.lines = Some(LinesView {
            unrecognized_only,
            cursor: Cursor::default(),
            base,
            narrowed: None,
            rows: Vec::new(),
            place: None,
        });
        self.narrow_lines();
    }

    /// Applies the regex (lines that match themselves, as `r` reads them) to the view.
    fn narrow_lines(&mut self) {
        let matches = self.filter.matches.clone();
        let Some(v) = self.lines.as_mut() else { return };
        v.narrowed = matches.map(|x| {
            v.base
                .iter()
                .copied()
                .filter(|&i| x.lines.contains(i))
                .collect()
        });
        self.after_lines_move();
    }

    /// Clamps the cursor and rebuilds the rows on screen.
    fn after_lines_move(&mut self) {
        let h = layout::lines_height(self.size);
        let (Some(m), Some(v)) = (self.model.clone(), self.lines.as_mut()) else {
            return;
        };
        v.cursor.clamp(v.list().len(), h);
        let visible: Vec<u32> = v
            .list()
            .iter()
            .skip(v.cursor.offset)
            .take(h)
            .copied()
            .collect();
        v.rows = visible
            .into_iter()
            .map(|i| data::line_row(&m, i, &self.ctx))
            .collect();
        v.place = v
            .list()
            .get(v.cursor.selected)
            .and_then(|&i| data::line_place(&m, i));
    }

    /// Keys while the log lines view is open: it stands in for the panes, so the sender
    /// list's own keys (grouping, filters, blocking) say where they work instead.
    fn lines_act(&mut self, a: Action) {
        match a {
            Action::Quit => self.quit = true,
            Action::Help => self.help = true,
            Action::Down
            | Action::Up
            | Action::PageDown
            | Action::PageUp
            | Action::First
            | Action::Last => {
                let h = layout::lines_height(self.size);
                if let Some(v) = self.lines.as_mut() {
                    let len = v.list().len();
                    v.cursor.apply(a, len, h);
                }
                self.after_lines_move();
            }
            Action::Back => self.lines = None,
            Action::OtherLines | Action::NextPane | Action::PrevPane => {
                let only = self.lines.as_ref().is_some_and(|v| !v.unrecognized_only);
                self.open_lines(only);
            }
            Action::Regex => self.open_regex_prompt(),
            _ => {
                self.notice = Some(format!(
                    "{} works in the sender lists; {} goes back to them",
                    self.keys.first(a),
                    self.keys.first(Action::Back)
                ));
            }
        }
    }

    fn move_cursor(&mut self, a: Action) {
        match self.focus {
            Pane::Senders => {
                let h = self.list_height(Pane::Senders);
                self.senders.apply(a, self.senders_shown.len(), h);
                self.after_sender_move();
            }
            Pane::Messages => {
                let h = self.list_height(Pane::Messages);
                self.messages.apply(a, self.messages_shown.len(), h);
                self.after_message_move();
            }
            Pane::Detail => {
                let len = self.detail_len();
                let h = self.list_height(Pane::Detail);
                let mut c = Cursor {
                    selected: self.detail_scroll,
                    offset: self.detail_scroll,
                };
                c.apply(a, len.saturating_sub(h) + 1, 1);
                self.detail_scroll = c.selected;
            }
        }
    }

    /// Lines the detail pane has (for scrolling).
    pub fn detail_len(&self) -> usize {
        self.detail.as_ref().map_or(0, |d| {
            d.fields.len() + d.signatures.len() + d.deliveries.len() + d.lines.len() + 3
        })
    }

    fn set_search(&mut self, pane: Pane, text: String) {
        match pane {
            Pane::Messages => {
                let grew =
                    text.starts_with(&self.message_search) && !self.message_search.is_empty();
                self.message_search = text;
                let from = if grew {
                    self.messages_shown.clone()
                } else {
                    self.sender_messages.clone()
                };
                self.narrow_messages(&from);
                self.messages.selected = 0;
                self.after_message_move();
            }
            _ => {
                let grew = text.starts_with(&self.sender_search) && !self.sender_search.is_empty();
                self.sender_search = text;
                if grew {
                    self.narrow_senders_from_shown();
                } else {
                    self.narrow_senders(None);
                }
            }
        }
    }

    fn prompt_key(&mut self, k: Key) {
        let Some(mut p) = self.prompt.take() else {
            return;
        };
        let live = p.kind == PromptKind::Search;
        match k.code {
            KeyCode::Esc => {
                if p.kind == PromptKind::Comment {
                    // Esc in the comment cancels the whole block, as in the preview.
                    self.block = None;
                    self.notice = Some("not blocked; nothing written".into());
                }
                if live {
                    // Esc clears the search (the wording), not just the edit.
                    self.set_search(p.pane, String::new());
                }
                return;
            }
            KeyCode::Enter => {
                match p.kind {
                    PromptKind::Search => {}
                    PromptKind::Regex => self.set_regex(&p.text),
                    PromptKind::Time => self.set_time(&p.text),
                    PromptKind::Comment => self.confirm_block(&p.text),
                }
                return;
            }
            KeyCode::Backspace => {
                p.text.pop();
            }
            KeyCode::Char(c) if !k.mods.contains(KeyModifiers::CONTROL) => p.text.push(c),
            KeyCode::Char('u') => p.text.clear(),
            _ => {}
        }
        if live {
            self.set_search(p.pane, p.text.clone());
        }
        self.prompt = Some(p);
    }

    pub fn set_regex(&mut self, pattern: &str) {
        if pattern.is_empty() {
            self.regex = None;
            self.filter.matches = None;
            self.regroup();
            self.narrow_lines();
            return;
        }
        let Some(m) = self.model.clone() else { return };
        match query::grep::compile(pattern, &query::GrepOptions::default()) {
            Ok(re) => {
                self.filter.matches = Some(Arc::new(query::grep(&m, &re)));
                self.regex = Some(pattern.to_string());
                self.regroup();
                self.narrow_lines();
            }
            Err(e) => {
                self.notice = Some(format!(
                    "regex error: {}",
                    e.to_string().lines().last().unwrap_or("invalid")
                ));
            }
        }
    }

    pub fn set_time(&mut self, text: &str) {
        let text = text.trim();
        if text.is_empty() {
            self.time_text = None;
            self.filter.time = None;
            self.regroup();
            return;
        }
        let now = self.model.as_ref().and_then(|m| m.last_time).unwrap_or(0);
        match data::parse_time_range(text, now) {
            Ok(r) => {
                self.filter.time = Some(r);
                self.time_text = Some(text.to_string());
                self.regroup();
            }
            Err(e) => self.notice = Some(e),
        }
    }

    /// `by=ip family=all dkim=any sort=messages` and what else is set.
    pub fn view_text(&self) -> String {
        if let Some(v) = &self.lines {
            // Only the regex narrows this list; the other filters are about senders.
            let mut s = String::from(if v.unrecognized_only {
                "lines=unrecognized"
            } else {
                "lines=other"
            });
            if let Some(r) = &self.regex {
                s.push_str(&format!(" regex={r}"));
            }
            return s;
        }
        let mut s = format!(
            "by={} family={} dkim={} sort={}",
            self.by.as_str(),
            self.filter.family.map_or("all", |f| f.as_str()),
            self.filter.dkim.map_or("any", |d| d.as_str()),
            self.sort.as_str(),
        );
        if !self.sender_search.is_empty() {
            s.push_str(&format!(" search={}", self.sender_search));
        }
        if !self.message_search.is_empty() {
            s.push_str(&format!(" msgsearch={}", self.message_search));
        }
        if let Some(r) = &self.regex {
            s.push_str(&format!(" regex={r}"));
        }
        if let Some(t) = &self.time_text {
            s.push_str(&format!(" time={t}"));
        }
        s
    }

    pub fn count_text(&self) -> String {
        if let Some(v) = &self.lines {
            let mut s = format!("{}/{} lines", v.list().len(), v.total());
            if let Some(p) = &v.place {
                s.push_str(&format!("  {p}"));
            }
            return s;
        }
        let mut s = format!(
            "{}/{} senders",
            self.senders_shown.len(),
            self.total_senders()
        );
        if self.focus != Pane::Senders {
            s.push_str(&format!(
                " {}/{} messages",
                self.messages_shown.len(),
                self.sender_messages.len()
            ));
        }
        s
    }

    /// When the list is empty: which filters are on and the keys that clear them.
    pub fn empty_reason(&self) -> Option<String> {
        if self.is_loading() || !self.senders_shown.is_empty() {
            return None;
        }
        let mut clear = Vec::new();
        if !self.sender_search.is_empty() {
            clear.push("search (Esc)".to_string());
        }
        if self.filter.family.is_some() {
            clear.push(format!("family ({})", self.keys.first(Action::Family)));
        }
        if self.filter.dkim.is_some() {
            clear.push(format!("dkim ({})", self.keys.first(Action::Dkim)));
        }
        if self.regex.is_some() {
            clear.push(format!(
                "regex ({} then Enter on an empty line)",
                self.keys.first(Action::Regex)
            ));
        }
        if self.time_text.is_some() {
            clear.push(format!(
                "time ({} then Enter on an empty line)",
                self.keys.first(Action::Time)
            ));
        }
        if clear.is_empty() {
            Some("No senders in this log.".into())
        } else {
            Some(format!(
                "No sender matches these filters. Clear: {}",
                clear.join(", ")
            ))
        }
    }
}

/// The entry a group's key stands for (see `block::key_entry`).
fn group_key_entry(m: &Model, ix: &GroupIndex, gid: u32) -> Option<Entry> {
    let host_ip = (ix.by() == AggKey::Host)
        .then(|| block::single_ip(m, ix, gid))
        .flatten();
    block::key_entry(ix.by(), ix.label(gid), host_ip)
}
