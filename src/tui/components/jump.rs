//! The jump prompt's answer (`:`): which parts of the filter in force would hide what a
//! jump lands on, so the app clears those (and says so) rather than land on nothing.
//! Reading the text and finding the target is `query::jump`'s.

use crate::model::Model;
use crate::query::Filter;
use crate::tui::data::message_passes;
use crate::tui::index::GroupIndex;

/// A part of the filter a jump may clear.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    Family,
    Dkim,
    Time,
    Regex,
}

impl Part {
    pub const ALL: [Part; 4] = [Part::Family, Part::Dkim, Part::Time, Part::Regex];

    /// The word the status line uses for it.
    pub fn name(self) -> &'static str {
        match self {
            Part::Family => "family",
            Part::Dkim => "dkim",
            Part::Time => "time",
            Part::Regex => "regex",
        }
    }

    pub fn is_set(self, f: &Filter) -> bool {
        match self {
            Part::Family => f.family.is_some(),
            Part::Dkim => f.dkim.is_some(),
            Part::Time => f.time.is_some(),
            Part::Regex => f.matches.is_some(),
        }
    }

    /// The filter with only this part of `f`.
    fn alone(self, f: &Filter) -> Filter {
        let mut only = Filter::default();
        match self {
            Part::Family => only.family = f.family,
            Part::Dkim => only.dkim = f.dkim,
            Part::Time => only.time = f.time,
            Part::Regex => only.matches = f.matches.clone(),
        }
        only
    }
}

/// The parts of `f` in force.
pub fn set_parts(f: &Filter) -> Vec<Part> {
    Part::ALL.into_iter().filter(|p| p.is_set(f)).collect()
}

/// Parts of `f` that alone hide the target: for a message, each it fails; for a row of
/// `ix` (`gid`), each under which none of its messages and (`peers_pass`) none of its
/// client lines pass. Parts that hide it only together are the caller's to find.
pub fn hiding(
    m: &Model,
    ix: &GroupIndex,
    gid: u32,
    message: Option<u32>,
    f: &Filter,
    peers_pass: impl Fn(&Filter) -> bool,
) -> Vec<Part> {
    set_parts(f)
        .into_iter()
        .filter(|p| {
            let only = p.alone(f);
            match message {
                Some(i) => !message_passes(m, &only, i),
                None => ix.messages_of(m, gid, &only).is_empty() && !peers_pass(&only),
            }
        })
        .collect()
}
