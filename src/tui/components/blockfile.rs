//! The blocklist file as the TUI changes it: add one entry, remove one (after `u` was
//! answered `y`), and the one undo of the last of those. Every write goes through
//! `Blocklist::load` + `add`/`remove` + `save`, so it is atomic and merges with what another
//! program wrote meanwhile; every entry written passes `tui::block::not_offered`.
//!
//! Undo is one level and does not redo: after it there is nothing to undo until the next
//! block or unblock. It only touches the entry it names, and only while the file still holds
//! what the change left there.

use std::path::{Path, PathBuf};

use crate::blocklist::{Blocklist, Entry, Policy};
use crate::tui::block;
use crate::tui::components::prompt::PromptKind;

/// What a blocklist call means for the app: a notice, whether the markers must be redrawn
/// (the list was read again), and a prompt to open (the comment, the `u` question).
pub struct Done {
    pub notice: Option<String>,
    pub list_changed: bool,
    pub ask: Option<PromptKind>,
}

impl Done {
    pub fn says(notice: String) -> Done {
        Done {
            notice: Some(notice),
            list_changed: false,
            ask: None,
        }
    }

    pub fn changed(notice: Option<String>) -> Done {
        Done {
            notice,
            list_changed: true,
            ask: None,
        }
    }

    pub fn nothing() -> Done {
        Done {
            notice: None,
            list_changed: false,
            ask: None,
        }
    }
}

/// The last change the TUI made to the file, for `U`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Undo {
    /// `b` + `Enter` added `entry` with `comment` (it was not in the file before).
    Added {
        path: PathBuf,
        entry: Entry,
        comment: String,
    },
    /// `u` + `y` removed `entry`, which had `comment`.
    Removed {
        path: PathBuf,
        entry: Entry,
        comment: Option<String>,
    },
}

/// A `u` waiting for its `y`: the entry found covering the sender when it was asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Removal {
    pub path: PathBuf,
    pub entry: Entry,
    /// The sender as shown (terminal-safe, cut).
    pub shown: String,
}

impl Removal {
    /// The question the notice shows while the prompt waits.
    pub fn question(&self) -> String {
        format!(
            "remove {} (covering {}) from {}? y/n",
            self.entry,
            self.shown,
            shown_path(&self.path)
        )
    }
}

/// A path for the screen (file names are sanitised like log text).
pub fn shown_path(p: &Path) -> String {
    crate::tui::data::shown(p.display().to_string().as_bytes())
}

/// The comment the file holds beside `entry`, if it holds the entry.
fn comment_of(bl: &Blocklist, entry: &Entry) -> Option<Option<String>> {
    bl.entries()
        .find(|(_, e, _)| *e == entry)
        .map(|(_, _, c)| c.map(str::to_owned))
}

/// Adds `entry` with `comment`, merging with the file; the new list, and the undo when the
/// entry was not there before.
pub fn add(
    path: &Path,
    policy: &Policy,
    entry: &Entry,
    comment: &str,
) -> Result<(Blocklist, String, Option<Undo>), String> {
    // Checked here too, so no path writes an entry the policy does not offer.
    if let Some(why) = block::not_offered(policy, entry) {
        return Err(format!("not written: {why}"));
    }
    let mut bl = Blocklist::load(path).map_err(|e| e.to_string())?;
    let added = bl.add(entry.clone(), Some(comment));
    bl.save().map_err(|e| e.to_string())?;
    let file = shown_path(path);
    Ok(if added {
        let undo = Undo::Added {
            path: path.to_path_buf(),
            entry: entry.clone(),
            comment: comment.to_string(),
        };
        (bl, format!("added {entry} to {file}"), Some(undo))
    } else {
        (bl, format!("{entry} is already in {file}"), None)
    })
}

/// `u` answered `y`: removes the entry asked about, as the file holds it now.
pub fn remove(r: &Removal) -> Result<(Blocklist, String, Option<Undo>), String> {
    let mut bl = Blocklist::load(&r.path).map_err(|e| e.to_string())?;
    let file = shown_path(&r.path);
    let Some(comment) = comment_of(&bl, &r.entry) else {
        return Ok((
            bl,
            format!("{} is no longer in {file}; nothing removed", r.entry),
            None,
        ));
    };
    bl.remove(&r.entry);
    bl.save().map_err(|e| e.to_string())?;
    let undo = Undo::Removed {
        path: r.path.clone(),
        entry: r.entry.clone(),
        comment,
    };
    Ok((
        bl,
        format!("removed {} (covering {}) from {file}", r.entry, r.shown),
        Some(undo),
    ))
}

/// `U`: reverses `u`, as far as the file still allows: an added entry is removed only while
/// it is there with the comment it was written with (so a line the admin kept or edited
/// stays); a removed entry comes back with its comment unless it is back already.
pub fn undo(u: &Undo, policy: &Policy) -> Result<(Blocklist, String), String> {
    match u {
        Undo::Added {
            path,
            entry,
            comment,
        } => {
            let mut bl = Blocklist::load(path).map_err(|e| e.to_string())?;
            let file = shown_path(path);
            let msg = match comment_of(&bl, entry) {
                None => format!("nothing undone: {entry} is no longer in {file}"),
                Some(c) if c.as_deref() != Some(comment.as_str()) => {
                    format!("nothing undone: {entry} in {file} was changed since it was added")
                }
                Some(_) => {
                    bl.remove(entry);
                    bl.save().map_err(|e| e.to_string())?;
                    format!("undone: removed {entry} from {file} again")
                }
            };
            Ok((bl, msg))
        }
        Undo::Removed {
            path,
            entry,
            comment,
        } => {
            if let Some(why) = block::not_offered(policy, entry) {
                return Err(format!(
                    "nothing undone: {entry} is not written back: {why}"
                ));
            }
            let mut bl = Blocklist::load(path).map_err(|e| e.to_string())?;
            let file = shown_path(path);
            let msg = if bl.add(entry.clone(), comment.as_deref()) {
                bl.save().map_err(|e| e.to_string())?;
                let with = if comment.is_some() {
                    " with its comment"
                } else {
                    ""
                };
                format!("undone: {entry} is back in {file}{with}")
            } else {
                format!("nothing undone: {entry} is in {file} already")
            };
            Ok((bl, msg))
        }
    }
}
