//! The candidate types of the block preview: what an entry blocks by, the entries offered and
//! refused, and `Candidates`, built by `gather` and switched by `choices`.

use crate::blocklist::Entry;

use super::proposal::Proposal;

/// At most this many DKIM domains are offered, the most frequent first: a relay's group can
/// carry hundreds, and switching through them one key at a time helps no one.
pub const MAX_DKIM_CANDIDATES: usize = 5;

/// What a candidate blocks by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// The client address (a host entry, /32 or /128).
    Address,
    /// A network around the client address, walked along the prefix ladder.
    Network,
    /// The envelope sender's domain (`domain:`).
    SenderDomain,
    /// A domain whose DKIM signature passed (`dkim:`).
    DkimDomain,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Address => "address",
            Kind::Network => "network",
            Kind::SenderDomain => "envelope domain",
            Kind::DkimDomain => "DKIM domain",
        }
    }
}

/// One entry the preview can switch to. Only entries the policy offers are candidates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub kind: Kind,
    pub entry: Entry,
}

/// A candidate refused by the policy or by entry syntax, kept so the preview can say why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    pub kind: Kind,
    /// The entry as it would be written, or the domain text from the log when it is no valid
    /// entry at all: log text, so sanitise it before display.
    pub what: String,
    pub why: String,
}

/// The entries `b` offers for one sender or message, with one current. Built once when the
/// preview opens; switching and stepping never look at the messages again, only the preview
/// (one linear pass over `BlockFacts`) is recomputed for the new current entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidates {
    /// What the preview compares against; its `entry` is always the current entry.
    pub(super) context: Proposal,
    pub(super) offered: Vec<Candidate>,
    pub(super) current: usize,
    pub(super) refused: Vec<Refused>,
    /// Distinct client addresses of the group (the address offered is the busiest).
    pub(super) addresses: usize,
    /// DKIM domains seen but not offered (beyond `MAX_DKIM_CANDIDATES`).
    pub(super) dkim_left_out: usize,
}

impl Candidates {
    pub(super) fn new(
        context: Proposal,
        offered: Vec<Candidate>,
        refused: Vec<Refused>,
        addresses: usize,
        dkim_left_out: usize,
    ) -> Candidates {
        Candidates {
            context,
            offered,
            current: 0,
            refused,
            addresses,
            dkim_left_out,
        }
    }
}
