//! Blocking: the blocklist file and what it holds (for the sender markers), and the block
//! preview overlay, modal while open: the entry proposed for the selected sender, as
//! widened or narrowed, and what it would match in the loaded logs.
//!
//! The proposals and figures come from `tui::block`; this room holds the state and the
//! keys, and writes the file.

use std::path::PathBuf;
use std::sync::Arc;

use crate::blocklist::{self, Blocklist, Entry, Policy};
use crate::model::Model;
use crate::query::AggKey;
use crate::tui::block::{self, BlockFacts, Preview, Proposal};
use crate::tui::data;
use crate::tui::index::GroupIndex;
use crate::tui::keys::{Action, KeyMap};
use crate::tui::view::Outcome;

/// The block preview: the entry proposed, as widened or narrowed, and what it matches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlockOverlay {
    pub proposal: Proposal,
    pub entry: Entry,
    pub preview: Preview,
}

#[derive(Default)]
pub struct Blocker {
    /// The preview, while open.
    pub overlay: Option<BlockOverlay>,
    /// Where blocklist entries are read and written; `None` when no location is known.
    pub path: Option<PathBuf>,
    /// The safety rules `b` and `w` follow (the command line's `--min-v4-prefix`, …); the
    /// loaded logs' `I=` addresses are added to its server addresses.
    pub policy: Policy,
    /// The blocklist as last read or written, for the sender markers.
    pub list: Option<Blocklist>,
    facts: Option<Arc<BlockFacts>>,
}

/// The entry a group's key stands for (see `block::key_entry`).
pub fn group_key_entry(m: &Model, ix: &GroupIndex, gid: u32) -> Option<Entry> {
    let host_ip = (ix.by() == AggKey::Host)
        .then(|| block::single_ip(m, ix, gid))
        .flatten();
    block::key_entry(ix.by(), ix.label(gid), host_ip)
}

/// Whether a blocklist call changed what the markers must show.
pub struct Done {
    pub notice: Option<String>,
    pub list_changed: bool,
}

impl Done {
    fn says(notice: String) -> Done {
        Done {
            notice: Some(notice),
            list_changed: false,
        }
    }

    fn changed(notice: Option<String>) -> Done {
        Done {
            notice,
            list_changed: true,
        }
    }
}

impl Blocker {
    pub fn is_open(&self) -> bool {
        self.overlay.is_some()
    }

    /// Reads the blocklist at `path` (the default location when `None`). A missing file is
    /// an empty list; lines that are not entries are reported once.
    pub fn load(&mut self, path: Option<PathBuf>) -> Done {
        let path = match path.map_or_else(blocklist::default_path, Ok) {
            Ok(p) => p,
            Err(e) => return Done::says(e.to_string()),
        };
        self.path = Some(path.clone());
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
    pub fn add_facts(&mut self, f: Arc<BlockFacts>) {
        self.facts.get_or_insert(f);
    }

    fn facts(&mut self, m: &Model) -> Arc<BlockFacts> {
        self.facts
            .get_or_insert_with(|| Arc::new(BlockFacts::new(m)))
            .clone()
    }

    /// `b`: proposes an entry for group `gid` and opens the preview.
    pub fn open(&mut self, m: &Model, ix: &GroupIndex, gid: u32, keys: &KeyMap) -> Outcome {
        let facts = self.facts(m);
        let group_key = keys.first(Action::GroupBy);
        match block::propose(m, &facts, ix, gid, &group_key, &self.policy) {
            Ok(proposal) => {
                let entry = proposal.entry.clone();
                let preview = block::preview(m, &facts, &entry, &proposal);
                self.overlay = Some(BlockOverlay {
                    proposal,
                    entry,
                    preview,
                });
                Outcome::Done
            }
            Err(e) => Outcome::Notice(e),
        }
    }

    /// `w` / `W` in the preview: one step wider or narrower, and the preview again.
    pub fn step(&mut self, m: &Model, wider: bool, keys: &KeyMap) -> Outcome {
        let Some(ov) = self.overlay.as_ref() else {
            return Outcome::Notice(format!(
                "{} and {} change the prefix in the block preview; open it with {}",
                keys.first(Action::Widen),
                keys.first(Action::Narrow),
                keys.first(Action::Block)
            ));
        };
        let next = match block::step(&ov.proposal, &ov.entry, wider) {
            Ok(next) => next,
            Err(why) => return Outcome::Notice(why),
        };
        let facts = self.facts(m);
        if let Some(ov) = self.overlay.as_mut() {
            ov.preview = block::preview(m, &facts, &next, &ov.proposal);
            ov.entry = next;
        }
        Outcome::Done
    }

    /// Keys while the preview is open: it is modal, so list keys do nothing. `Drill` asks
    /// the app for the comment prompt; the app answers quit and help itself.
    pub fn act(&mut self, a: Action, m: Option<&Model>, keys: &KeyMap) -> Outcome {
        match a {
            Action::Drill | Action::Quit | Action::Help => Outcome::Ignored,
            Action::Back => {
                self.overlay = None;
                Outcome::Notice("not blocked; nothing written".into())
            }
            Action::Widen | Action::Narrow => match m {
                Some(m) => self.step(m, a == Action::Widen, keys),
                None => Outcome::Done,
            },
            _ => Outcome::Notice(format!(
                "{} adds the entry, {} cancels, {}/{} change the prefix",
                keys.first(Action::Drill),
                keys.first(Action::Back),
                keys.first(Action::Widen),
                keys.first(Action::Narrow)
            )),
        }
    }

    /// Esc in the comment prompt cancels the whole block, as in the preview.
    pub fn cancel(&mut self) -> String {
        self.overlay = None;
        "not blocked; nothing written".into()
    }

    /// The comment prompt's `Enter`: adds the previewed entry to the file, merging with
    /// what is on disk.
    pub fn confirm(&mut self, reason: &str) -> Done {
        let Some(ov) = self.overlay.take() else {
            return Done {
                notice: None,
                list_changed: false,
            };
        };
        // The overlay only holds offered entries; checked again so no path writes one that is not.
        if let Some(why) = block::not_offered(&ov.proposal.policy, &ov.entry) {
            return Done::says(format!("not written: {why}"));
        }
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
        let saved = Blocklist::load(&path).and_then(|mut bl| {
            let added = bl.add(ov.entry.clone(), Some(&comment));
            bl.save().map(|()| (bl, added))
        });
        match saved {
            Ok((bl, added)) => {
                self.list = Some(bl);
                Done::changed(Some(if added {
                    format!("added {} to {}", ov.entry, path.display())
                } else {
                    format!("{} is already in {}", ov.entry, path.display())
                }))
            }
            Err(e) => Done::says(e.to_string()),
        }
    }

    /// `u`: removes the most specific entry covering group `gid`.
    pub fn unblock(&mut self, m: &Model, ix: &GroupIndex, gid: u32) -> Done {
        // Group labels are already terminal-safe (`query::key`); only cut.
        let shown = data::shown_safe(ix.label(gid));
        let Some(path) = self.path.clone() else {
            return Done::says("no blocklist location; pass --blocklist PATH".into());
        };
        let Some(key) = group_key_entry(m, ix, gid) else {
            return Done::says(format!("{shown} is not covered by the blocklist"));
        };
        // The file as it is now, not as loaded: another process may have changed it.
        let mut bl = match Blocklist::load(&path) {
            Ok(bl) => bl,
            Err(e) => return Done::says(e.to_string()),
        };
        let Some(entry) = block::covering(&bl, &key) else {
            self.list = Some(bl);
            return Done::changed(Some(format!("{shown} is not covered by the blocklist")));
        };
        bl.remove(&entry);
        match bl.save() {
            Ok(()) => {
                self.list = Some(bl);
                Done::changed(Some(format!(
                    "removed {entry} (covering {shown}) from {}",
                    path.display()
                )))
            }
            Err(e) => Done::says(e.to_string()),
        }
    }
}
