//! Blocking from the TUI: what `b` proposes for a sender or a message, the live impact preview
//! over compact per-message facts, and which blocklist entry covers a sender. Never writes a file.
//!
//! - `facts`: `BlockFacts`, built once per model, integers only, so recomputing a preview on
//!   `w` / `W` or on a switch of candidate is one linear pass even at 1.3 M messages.
//! - `proposal`: the single entry a grouping names (`propose`), the rules (`policy_for`,
//!   `not_offered`) and the prefix ladder (`step`).
//! - `choices`: `Candidates`, every entry `b` can offer for a sender group or one message
//!   (address, network, envelope domain, DKIM domains), switchable inside the preview.
//!   `gather` judges each one as it is gathered.
//! - `preview`: what one entry matches, and its collateral.
//! - `coverage`: which blocklist entry covers a sender (`B` markers, `u`).

// Log text reaches this module; a `str` sliced at a byte offset can panic inside a character.
#![deny(clippy::string_slice)]

mod candidate;
mod choices;
mod coverage;
mod facts;
mod gather;
mod preview;
mod proposal;

pub use candidate::{Candidate, Candidates, Kind, MAX_DKIM_CANDIDATES, Refused};
pub use coverage::{covering, covers, key_entry, single_ip};
pub use facts::BlockFacts;
pub use preview::{Preview, preview};
pub use proposal::{Proposal, not_offered, policy_for, propose, step};
