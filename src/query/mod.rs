//! Questions asked of the model: summary counts, sender aggregates, a sender's
//! messages, exigrep-style matching, a sender's history, jumping to pasted text,
//! address-shaped search. Pure functions of (model, query).
//!
//! The CLI and the TUI both call these, so a number on screen can always be
//! checked with a command.

pub mod addr_search;
pub mod dkim;
pub mod grep;
pub mod history;
pub mod jump;
pub mod key;
pub mod lines;
pub mod parties;
pub mod rejections;
pub mod senders;
pub mod summary;
pub mod time_range;

pub use dkim::{SigView, signatures};
pub use grep::{GrepOptions, LineMatches, grep};
pub use lines::{lines_of_kind, other_lines};
pub use rejections::{Reason, ReasonCount, RejectionRow, Stage, rejections_among, rejections_of};
pub use senders::{
    AggKey, DkimTally, Filter, Grouping, NetPrefix, SenderRow, SigTally, SortKey, aligned,
    dkim_fail_key, fill_reasons, group, messages_of, signature_tallies, sort_rows,
};
pub use summary::{Summary, summary};
