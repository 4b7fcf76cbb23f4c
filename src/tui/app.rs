//! The app: the shared view (model, filters, grouping, sort, notice) and the routing of
//! actions to the pane that owns them (`components`). Rendering reads this state; the
//! event loop feeds it actions, load progress and the finished model.
//!
//! No terminal I/O here, so every key can be tested without a screen.

use std::path::PathBuf;
use std::sync::Arc;

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::components::block::{Blocker, Target};
use super::components::detail::DetailPane;
use super::components::help::Help;
use super::components::history::HistoryView;
use super::components::lines::LinesView;
use super::components::list::{ListState, Sideways};
use super::components::messages::MessageList;
use super::components::prompt::{Edit, Prompt, PromptKind};
use super::components::rejections::RejectionList;
use super::components::senders::SenderList;
use super::index::{self, Agg};
use super::keys::{Action, Key, KeyMap};
use super::layout;
use super::logs::{LoadState, Loaded, Logs};
use super::scope::{Change, Scope};
use super::view::{Outcome, Pane};
use crate::model::Model;
use crate::parse::ParseContext;
use crate::query::NetPrefix;

pub struct App {
    pub keys: KeyMap,
    pub logs: Logs,

    /// The grouping key, order and filters every pane shows.
    pub scope: Scope,

    pub senders: SenderList,
    pub messages: MessageList,
    /// The middle pane's other list: the sender's rejections (`R`).
    pub rejections: RejectionList,
    pub detail: DetailPane,
    /// The log lines view, when open.
    pub lines: Option<LinesView>,
    /// The sender history view (`H`), when open.
    pub history: Option<HistoryView>,
    pub block: Blocker,
    /// Following a growing log (`None`: read once).
    pub live: Option<super::following::LiveView>,
    pub prompt: Option<Prompt>,
    pub help: Help,

    pub focus: Pane,
    /// The focused pane has the whole body (`z`).
    pub zoom: bool,
    /// One-shot notice (a regex error, a bad time range).
    pub notice: Option<String>,
    pub quit: bool,
    pub size: (u16, u16),
}

impl App {
    pub fn new(keys: KeyMap, files: Vec<String>, prefix: NetPrefix, ctx: ParseContext) -> App {
        App {
            keys,
            logs: Logs::new(files, prefix, ctx),
            scope: Scope::at_prefix(prefix),
            senders: SenderList::default(),
            messages: MessageList::default(),
            rejections: RejectionList::default(),
            detail: DetailPane::default(),
            lines: None,
            history: None,
            block: Blocker::default(),
            live: None,
            prompt: None,
            help: Help::default(),
            focus: Pane::Senders,
            zoom: false,
            notice: None,
            quit: false,
            size: (80, 24),
        }
    }

    /// A ready app over an already built model (tests, benches).
    pub fn with_model(keys: KeyMap, model: Model, prefix: NetPrefix, size: (u16, u16)) -> App {
        let files = model.sources.iter().map(|s| s.name.clone()).collect();
        let mut app = App::new(keys, files, prefix, ParseContext::default());
        app.size = super::backend::clamp_size(size.0, size.1);
        app.loaded(Loaded::build(Arc::new(model), prefix));
        // A fixed figure keeps rendered screens reproducible.
        app.logs.load = LoadState::Ready { seconds: 0.0 };
        app
    }

    pub fn loaded(&mut self, l: Loaded) {
        self.logs.loaded(l);
        self.regroup();
    }

    /// The label of a row under the current key.
    pub fn label(&self, r: &Agg) -> &str {
        self.senders.label(r)
    }

    pub fn selected_key(&self) -> Option<String> {
        self.senders
            .selected_row()
            .map(|r| self.label(r).to_string())
    }

    /// Rows of each list the current screen size can show.
    pub fn list_height(&self, pane: Pane) -> usize {
        layout::list_height(self.size, self.focus, self.zoom, pane)
    }

    /// Inner width and height of a pane at the current screen size.
    pub fn pane_size(&self, pane: Pane) -> (usize, usize) {
        layout::pane_size(self.size, self.focus, self.zoom, pane)
    }

    /// Regroups, filters and sorts from scratch, keeping the selected sender if
    /// it is still there.
    pub fn regroup(&mut self) {
        self.tell_feed();
        let Some(m) = self.logs.model.clone() else {
            return;
        };
        let Some(ix) = self.logs.index(self.scope.by, self.scope.prefix) else {
            return;
        };
        let keep = self.senders.selected_row().map(|r| r.group);
        let mut rows = index::aggregate(&m, &ix, &self.scope.filter);
        index::sort_aggs(&mut rows, self.scope.sort, &ix);
        self.senders.set_rows(rows, ix, keep);
        self.after_sender_move();
    }

    /// After the sender selection may have moved: what its rows show, and its messages.
    pub(super) fn after_sender_move(&mut self) {
        let Some(m) = self.logs.model.clone() else {
            return;
        };
        self.settle_senders();
        let group = self.senders.selected_row().map(|r| r.group);
        let ix = self.senders.index().cloned();
        if group != self.messages.group {
            self.messages
                .open(group, &m, ix.as_deref(), &self.scope.filter);
        } else {
            self.messages.reload(&m, ix.as_deref(), &self.scope.filter);
        }
        self.refresh_rejections();
        self.after_message_move();
    }

    /// Clamps the sender list to its height and fills what its rows on screen show.
    fn settle_senders(&mut self) {
        if let Some(m) = self.logs.model.clone() {
            let size = self.pane_size(Pane::Senders);
            let bl = self.block.list.as_ref();
            self.senders.settle(size, &m, &self.scope.filter, bl);
        }
    }

    /// After the message selection may have moved: its recipients, and the detail.
    pub(super) fn after_message_move(&mut self) {
        let Some(m) = self.logs.model.clone() else {
            return;
        };
        let h = self.list_height(Pane::Messages);
        self.messages.settle(h, &m, self.logs.recipients.as_deref());
        if self.rejections.on {
            return self.after_rejection_move();
        }
        self.detail
            .show(Some(&m), self.messages.selected(), &self.logs.ctx);
    }

    /// Reads the blocklist at `path` (when `None`, the file `blocklist::locate` picks, the rule
    /// the CLI follows, so `b` writes what cron exports). A missing file is an
    /// empty list; lines that are not entries are reported once in the status line.
    pub fn open_blocklist(&mut self, path: Option<PathBuf>) {
        let done = self.block.load(path);
        self.after_block(done);
    }

    fn after_block(&mut self, done: super::components::block::Done) {
        if let Some(n) = done.notice {
            self.notice = Some(n);
        }
        if let Some(k) = done.ask {
            self.open_prompt(k);
        }
        if done.list_changed
            && let Some(m) = self.logs.model.clone()
        {
            let h = self.list_height(Pane::Senders);
            self.senders
                .blocklist_changed(h, &m, self.block.list.as_ref());
        }
    }

    pub fn resize(&mut self, w: u16, h: u16) {
        self.size = super::backend::clamp_size(w, h);
        self.settle_senders();
        let (dw, dh) = self.pane_size(Pane::Detail);
        self.detail.clamp(dw, dh);
        if let Some(m) = self.logs.model.clone() {
            let mh = self.list_height(Pane::Messages);
            self.messages
                .settle(mh, &m, self.logs.recipients.as_deref());
        }
        self.after_lines_move();
        self.after_history_move();
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
        self.unmark();
        match self.keys.action(k) {
            Some(a) => self.act(a),
            // Any key closes help, even one bound to nothing.
            None if self.help.open => self.help.open = false,
            None => return false,
        }
        true
    }

    pub(super) fn prompt_key(&mut self, k: Key) {
        let Some(mut p) = self.prompt.take() else {
            return;
        };
        match p.key(k) {
            Edit::Cancel => {
                if matches!(p.kind, PromptKind::Comment | PromptKind::Confirm) {
                    self.notice = Some(self.block.cancel());
                }
                if p.is_live() {
                    // Esc clears the search (the wording), not just the edit.
                    self.set_search(p.pane, String::new());
                }
            }
            Edit::Submit => match p.kind {
                PromptKind::Search => {}
                PromptKind::Regex => self.set_regex(&p.text),
                PromptKind::Time => self.set_time(&p.text),
                PromptKind::Comment | PromptKind::Confirm => {
                    let done = self.block.confirm(&p.text);
                    self.after_block(done);
                }
                PromptKind::Jump => self.jump(&p.text),
            },
            Edit::Typed => {
                if p.is_live() {
                    self.set_search(p.pane, p.text.clone());
                }
                self.prompt = Some(p);
            }
        }
    }

    pub(super) fn set_search(&mut self, pane: Pane, text: String) {
        match pane {
            Pane::Messages => {
                if let Some(m) = self.logs.model.clone() {
                    self.messages.set_search(text, &m);
                }
                self.after_message_move();
            }
            _ => {
                self.senders.set_search(text);
                self.after_sender_move();
            }
        }
    }

    /// A search and the regex open on their text in force, to edit; the time range and a
    /// comment open empty (the time prompt's label names the range in force).
    pub(super) fn open_prompt(&mut self, kind: PromptKind) {
        let text = match (kind, self.focus) {
            (PromptKind::Search, Pane::Messages) => self.messages.search.clone(),
            (PromptKind::Search, _) => self.senders.search.clone(),
            (PromptKind::Regex, _) => self.scope.regex.clone().unwrap_or_default(),
            _ => String::new(),
        };
        self.prompt = Some(Prompt::new(kind, text, self.focus));
    }

    /// What a component's answer means for the rest of the app.
    pub(super) fn follow(&mut self, o: Outcome) {
        if let Outcome::Notice(n) = o {
            self.notice = Some(n);
        }
    }

    pub fn act(&mut self, a: Action) {
        if self.help.open {
            // Moving keys scroll help, any other leaves it, and quitting still quits.
            if self.help.act(Some(a), &self.keys, self.size.1) {
                self.quit = true;
            }
            return;
        }
        match a {
            Action::Quit => return self.quit = true,
            Action::Help => return self.help.show(),
            Action::Pause => return self.toggle_pause(),
            _ => {}
        }
        if self.block.is_open() {
            return self.block_act(a);
        }
        if self.lines.is_some() {
            return self.lines_act(a);
        }
        if self.history.is_some() {
            return self.history_act(a);
        }
        if self.logs.is_loading() {
            self.notice = Some("still loading: only quit and help work yet".into());
            return;
        }
        if self.rejections_act(a) {
            return;
        }
        if ListState::moves(a) || Sideways::moves(a) {
            return self.move_cursor(a);
        }
        self.view_act(a);
    }

    /// The block preview is modal: only its own keys work.
    fn block_act(&mut self, a: Action) {
        if a == Action::Drill {
            return self.open_prompt(PromptKind::Comment);
        }
        let o = self.block.act(a, self.logs.model.as_deref(), &self.keys);
        self.follow(o);
    }

    fn move_cursor(&mut self, a: Action) {
        let h = self.list_height(self.focus);
        if Sideways::moves(a) && self.focus != Pane::Detail {
            let (key, lines) = (self.keys.first(a), self.keys.first(Action::OtherLines));
            self.notice = Some(format!(
                "{key} works in the message detail and the log lines view ({lines} opens it)"
            ));
            return;
        }
        match self.focus {
            Pane::Senders => {
                self.senders.list.apply(a, self.senders.shown.len(), h);
                self.after_sender_move();
            }
            Pane::Messages => {
                self.messages.list.apply(a, self.messages.shown.len(), h);
                self.after_message_move();
            }
            Pane::Detail => {
                let (w, h) = self.pane_size(Pane::Detail);
                let o = self.detail.act(a, w, h);
                self.follow(o);
            }
        }
    }

    pub(super) fn set_focus(&mut self, p: Pane) {
        self.focus = p;
        self.resize(self.size.0, self.size.1);
    }

    /// Keys of the panes and of the shared view (filters, grouping, sort, prompts).
    pub(super) fn view_act(&mut self, a: Action) {
        if let Some(c) = self.scope.cycle(a) {
            match c {
                Change::Key => {
                    let anchor = self.senders.anchor(self.messages.selected());
                    (self.senders.follow, self.messages.follow) = (anchor, anchor);
                    self.senders.reset();
                }
                Change::Order => {
                    self.tell_feed();
                    self.senders.resort(self.scope.sort);
                }
                Change::Filter => {}
            }
            return if c == Change::Order {
                self.after_sender_move()
            } else {
                self.regroup()
            };
        }
        match a {
            Action::Zoom => {
                self.zoom = !self.zoom;
                self.resize(self.size.0, self.size.1);
            }
            Action::Drill => {
                let next = match self.focus {
                    Pane::Senders if self.senders.selected_row().is_some() => Pane::Messages,
                    Pane::Messages if !self.detail.is_empty() => Pane::Detail,
                    f => f,
                };
                self.set_focus(next);
            }
            Action::Back => {
                // Back first drops the focused list's search, then leaves the pane.
                if self.focus == Pane::Senders && !self.senders.search.is_empty() {
                    return self.set_search(Pane::Senders, String::new());
                }
                if self.focus == Pane::Messages && !self.messages.search.is_empty() {
                    return self.set_search(Pane::Messages, String::new());
                }
                self.set_focus(self.focus.back());
            }
            Action::NextPane | Action::PrevPane => {
                self.set_focus(self.focus.cycle(a == Action::NextPane));
            }
            Action::Search if self.focus == Pane::Detail => {
                self.notice = Some("search works in the sender and message lists".into());
            }
            Action::Search => self.open_prompt(PromptKind::Search),
            Action::Regex => self.open_prompt(PromptKind::Regex),
            Action::Time => self.open_prompt(PromptKind::Time),
            Action::OtherLines => self.open_lines(false),
            Action::Jump => self.open_prompt(PromptKind::Jump),
            Action::History => self.open_history(),
            Action::Block | Action::Unblock | Action::Undo | Action::Widen | Action::Narrow => {
                let on = self.block_target();
                let done = self
                    .block
                    .request(a, self.logs.model.as_deref(), on, &self.keys);
                self.after_block(done);
            }
            _ => {}
        }
    }

    /// What `b` and `u` act on: the selected sender, and the message shown when the detail
    /// pane has the focus (not a rejection's line: that is the sender's).
    fn block_target(&self) -> Target {
        Target {
            group: self.senders.selected_group(),
            message: self
                .messages
                .selected()
                .filter(|_| self.focus == Pane::Detail && !self.rejections.on),
        }
    }

    pub fn set_regex(&mut self, pattern: &str) {
        match self.scope.set_regex(pattern, self.logs.model.as_deref()) {
            Ok(()) => {
                self.regroup();
                // The lines view keeps only the lines that match themselves.
                if let Some(v) = self.lines.as_mut() {
                    v.narrow(self.scope.filter.matches.as_deref());
                }
                self.after_lines_move();
            }
            Err(e) => self.notice = Some(e),
        }
    }

    pub fn set_time(&mut self, text: &str) {
        let now = self
            .logs
            .model
            .as_ref()
            .and_then(|m| m.last_time)
            .unwrap_or(0);
        match self.scope.set_time(text, now) {
            Ok(()) => self.regroup(),
            Err(e) => self.notice = Some(e),
        }
    }
}
