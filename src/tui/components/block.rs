//! Blocking: the blocklist file and what it holds (for the sender markers), and the block
//! preview overlay, modal while open: every entry `b` offers for the selected sender or the
//! message in the detail pane (`tui::block::Candidates`), the current one switched with
//! `Tab` / `Shift-Tab` and widened or narrowed with `w` / `W`, and what it would match in the
//! loaded logs. `u` asks before it removes; `U` undoes the last block or unblock.
//!
//! The candidates and figures come from `tui::block`; this room holds the state and the
//! keys; `blockfile` writes the file.

use std::path::PathBuf;
use std::sync::Arc;

use crate::blocklist::{self, Blocklist, Entry, Policy};
use crate::model::Model;
use crate::query::AggKey;
use crate::tui::block::{self, BlockFacts, Candidates, Kind, Preview, Proposal};
use crate::tui::components::blockfile::{self, Removal, Undo};
use crate::tui::components::prompt::PromptKind;
use crate::tui::data;
use crate::tui::index::GroupIndex;
use crate::tui::keys::{Action, KeyMap};
use crate::tui::view::Outcome;

pub use crate::tui::components::blockfile::Done;

/// The block preview: the entries offered, the current one, and what it matches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlockOverlay {
    pub choices: Candidates,
    /// The impact of `choices.current()`, recomputed on every switch and step.
    pub preview: Preview,
}

impl BlockOverlay {
    /// The entry shown and that `Enter` writes.
    pub fn entry(&self) -> &Entry {
        self.choices.current()
    }

    pub fn proposal(&self) -> &Proposal {
        self.choices.proposal()
    }
}

/// What `b` and `u` act on: the selected sender group, and the message in the detail pane
/// when that pane has the focus (`b` then offers that message's entries).
pub struct Target {
    pub group: Option<(Arc<GroupIndex>, u32)>,
    pub message: Option<u32>,
}

#[derive(Default)]
pub struct Blocker {
    /// The preview, while open.
    pub overlay: Option<BlockOverlay>,
    /// Where blocklist entries are read and written; `None` when no location is known.
    pub path: Option<PathBuf>,
    /// `path` and why it was chosen (`blocklist::locate`, the rule the CLI follows too).
    pub location: Option<blocklist::Location>,
    /// The safety rules `b` and `w` follow (the command line's `--min-v4-prefix`, …); the
    /// loaded logs' `I=` addresses are added to its server addresses.
    pub policy: Policy,
    /// The blocklist as last read or written, for the sender markers.
    pub list: Option<Blocklist>,
    /// A `u` waiting for its answer.
    pub pending: Option<Removal>,
    /// The last block or unblock, for `U`.
    pub last: Option<Undo>,
    facts: Option<Arc<BlockFacts>>,
}

/// The entry a group's key stands for (see `block::key_entry`).
pub fn group_key_entry(m: &Model, ix: &GroupIndex, gid: u32) -> Option<Entry> {
    let host_ip = (ix.by() == AggKey::Host)
        .then(|| block::single_ip(m, ix, gid))
        .flatten();
    block::key_entry(ix.by(), ix.label(gid), host_ip)
}

impl Blocker {
    pub fn is_open(&self) -> bool {
        self.overlay.is_some()
    }

    /// Reads the blocklist at `path` (`--blocklist`; when `None`, the file `blocklist::locate`
    /// picks, as for the CLI, so both read the same file). A missing file is
    /// an empty list; lines that are not entries are reported once.
    pub fn load(&mut self, path: Option<PathBuf>) -> Done {
        let location = match blocklist::locate(path.as_deref()) {
            Ok(l) => l,
            Err(e) => return Done::says(e.to_string()),
        };
        let path = location.path.clone();
        self.path = Some(path.clone());
        self.location = Some(location);
        match Blocklist::load(&path) {
            Ok(bl) => {
                let notice = bl.problems().first().map(|first| {
                    format!(
                        "blocklist {}: {} line(s) are not entries and are kept as they are (line {}: {})",
                        path.display(),
                        bl.problems().len(),
                        first.line_no,
                        first.problem
                    )
                });
                self.list = Some(bl);
                Done::changed(notice)
            }
            Err(e) => Done::says(e.to_string()),
        }
    }

    /// Facts built in the background after the load; a `b` pressed earlier built its own.
    /// The log grew: the facts are built again on the next use.
    pub fn facts_stale(&mut self) {
        // One entry per message: freed off the screen thread.
        crate::tui::reaper::bury(self.facts.take());
    }

    pub fn add_facts(&mut self, f: Arc<BlockFacts>) {
        self.facts.get_or_insert(f);
    }

    fn facts(&mut self, m: &Model) -> Arc<BlockFacts> {
        self.facts
            .get_or_insert_with(|| Arc::new(BlockFacts::new(m)))
            .clone()
    }

    /// The keys of blocking outside the preview: `b` opens it on the target, `u` asks before
    /// removing the entry covering the selected sender, `U` undoes; `w` / `W` say where they
    /// work.
    pub fn request(&mut self, a: Action, m: Option<&Model>, on: Target, keys: &KeyMap) -> Done {
        let Some(m) = m else {
            return Done::nothing();
        };
        match (a, on.message, on.group) {
            (Action::Undo, _, _) => self.undo(m),
            (Action::Block, Some(msg), _) => self.open_message(m, msg),
            (Action::Block, None, Some((ix, gid))) => self.open(m, &ix, gid),
            (Action::Unblock, _, Some((ix, gid))) => self.ask_unblock(m, &ix, gid),
            (Action::Block | Action::Unblock, _, None) => Done::says("no sender selected".into()),
            _ => Done::says(format!(
                "{} and {} change the prefix in the block preview; open it with {}",
                keys.first(Action::Widen),
                keys.first(Action::Narrow),
                keys.first(Action::Block)
            )),
        }
    }

    fn show(&mut self, m: &Model, made: Result<Candidates, String>) -> Done {
        match made {
            Ok(choices) => {
                let facts = self.facts(m);
                let preview = choices.preview(m, &facts);
                self.overlay = Some(BlockOverlay { choices, preview });
                Done::nothing()
            }
            Err(e) => Done::says(e),
        }
    }

    /// `b` on a sender row: every entry offered for group `gid`, its own entry first.
    pub fn open(&mut self, m: &Model, ix: &GroupIndex, gid: u32) -> Done {
        let facts = self.facts(m);
        let made = Candidates::for_group(m, &facts, ix, gid, &self.policy);
        self.show(m, made)
    }

    /// `b` in the detail pane: the entries offered for one message, its client address first.
    pub fn open_message(&mut self, m: &Model, msg: u32) -> Done {
        let facts = self.facts(m);
        let made = Candidates::for_message(m, &facts, msg, &self.policy);
        self.show(m, made)
    }

    /// A switch or a step of the candidates, then the preview of the new current entry.
    fn change(
        &mut self,
        m: &Model,
        f: impl FnOnce(&mut Candidates) -> Result<Entry, String>,
    ) -> Outcome {
        let facts = self.facts(m);
        let Some(ov) = self.overlay.as_mut() else {
            return Outcome::Done;
        };
        match f(&mut ov.choices) {
            Ok(_) => {
                ov.preview = ov.choices.preview(m, &facts);
                Outcome::Done
            }
            Err(why) => Outcome::Notice(why),
        }
    }

    /// `w` / `W`: one step along the prefix ladder. On a domain candidate they move to the
    /// network (`w`) or the address (`W`) first, where the ladder is.
    fn step(&mut self, m: &Model, wider: bool) -> Outcome {
        self.change(m, |c| {
            if matches!(c.current_kind(), Kind::SenderDomain | Kind::DkimDomain) {
                let to = if wider { Kind::Network } else { Kind::Address };
                if c.select_kind(to) {
                    return Ok(c.current().clone());
                }
            }
            c.step(wider)
        })
    }

    /// Keys while the preview is open: it is modal, so list keys do nothing. `Drill` asks
    /// the app for the comment prompt; the app answers quit and help itself.
    pub fn act(&mut self, a: Action, m: Option<&Model>, keys: &KeyMap) -> Outcome {
        match (a, m) {
            (Action::Drill | Action::Quit | Action::Help, _) => Outcome::Ignored,
            (Action::Back, _) => {
                self.overlay = None;
                Outcome::Notice("not blocked; nothing written".into())
            }
            (Action::Widen | Action::Narrow, Some(m)) => self.step(m, a == Action::Widen),
            (Action::NextPane | Action::PrevPane, Some(m)) => {
                self.change(m, |c| c.next_kind(a == Action::NextPane))
            }
            _ => Outcome::Notice(format!(
                "{} adds the entry, {} cancels, {}/{} switch the entry, {}/{} change the prefix",
                keys.first(Action::Drill),
                keys.first(Action::Back),
                keys.first(Action::NextPane),
                keys.first(Action::PrevPane),
                keys.first(Action::Widen),
                keys.first(Action::Narrow)
            )),
        }
    }

    /// Esc in the comment prompt cancels the whole block, as in the preview; any key but `y`
    /// at the `u` question keeps the entry.
    pub fn cancel(&mut self) -> String {
        if self.pending.take().is_some() {
            return "nothing removed".into();
        }
        self.overlay = None;
        "not blocked; nothing written".into()
    }

    /// The prompt's answer: `y` to the `u` question removes the entry; the comment's `Enter`
    /// adds the previewed entry to the file, merging with what is on disk.
    pub fn confirm(&mut self, reason: &str) -> Done {
        if let Some(r) = self.pending.take() {
            return self.saved(blockfile::remove(&r));
        }
        let Some(ov) = self.overlay.take() else {
            return Done::nothing();
        };
        let Some(path) = self.path.clone() else {
            return Done::says(
                "no blocklist location: neither XDG_CONFIG_HOME nor HOME is set; pass --blocklist PATH"
                    .into(),
            );
        };
        let reason = Some(reason.trim()).filter(|r| !r.is_empty());
        let comment = blocklist::tool_comment(
            chrono::Local::now().date_naive(),
            reason,
            Some(ov.preview.messages),
            Some(ov.preview.senders),
        );
        let policy = &ov.proposal().policy;
        self.saved(blockfile::add(&path, policy, ov.entry(), &comment))
    }

    /// A write's result: the list as written, the notice, and what `U` would undo.
    fn saved(&mut self, r: Result<(Blocklist, String, Option<Undo>), String>) -> Done {
        match r {
            Ok((bl, notice, undo)) => {
                self.list = Some(bl);
                if undo.is_some() {
                    self.last = undo;
                }
                Done::changed(Some(notice))
            }
            Err(e) => Done::says(e),
        }
    }

    /// `u`: finds the most specific entry covering group `gid` and asks before removing it.
    pub fn ask_unblock(&mut self, m: &Model, ix: &GroupIndex, gid: u32) -> Done {
        // Group labels are already terminal-safe (`query::key`); only cut.
        let shown = data::shown_safe(ix.label(gid));
        let Some(path) = self.path.clone() else {
            return Done::says("no blocklist location; pass --blocklist PATH".into());
        };
        let Some(key) = group_key_entry(m, ix, gid) else {
            return Done::says(format!("{shown} is not covered by the blocklist"));
        };
        // The file as it is now, not as loaded: another process may have changed it.
        let bl = match Blocklist::load(&path) {
            Ok(bl) => bl,
            Err(e) => return Done::says(e.to_string()),
        };
        let found = block::covering(&bl, &key);
        self.list = Some(bl);
        let Some(entry) = found else {
            return Done::changed(Some(format!("{shown} is not covered by the blocklist")));
        };
        let r = Removal { path, entry, shown };
        let mut done = Done::changed(Some(r.question()));
        done.ask = Some(PromptKind::Confirm);
        self.pending = Some(r);
        done
    }

    /// `U`: undoes the last block or unblock, once.
    pub fn undo(&mut self, m: &Model) -> Done {
        let Some(u) = self.last.take() else {
            return Done::says(
                "nothing to undo: no block or unblock since the start (or the last undo)".into(),
            );
        };
        match blockfile::undo(&u, &block::policy_for(m, &self.policy)) {
            Ok((bl, notice)) => {
                self.list = Some(bl);
                Done::changed(Some(notice))
            }
            Err(e) => Done::says(e),
        }
    }
}
