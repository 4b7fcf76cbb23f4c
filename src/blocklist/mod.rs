//! Blocklist decisions: entries and their validation, widening to networks, the store file, the
//! impact preview and the writers for each consumer format. Never imports the model or the TUI.
#![cfg_attr(not(test), deny(clippy::unwrap_used))]
// Entries are matched against log text an attacker wrote: slicing a `str` at a byte offset can
// panic inside a multi-byte character, so it is refused here; work on bytes or chars instead.
#![deny(clippy::string_slice)]

pub mod entry;
pub mod export;
pub mod host;
pub mod location;
pub mod policy;
pub mod preview;
pub mod publish;
pub mod replace;
pub mod store;

pub use entry::{Entry, EntryError, SenderKey, narrow, sanitise_comment, widen};
pub use export::{Export, ExportError, ExportFile, Format, export, items_in};
pub use host::host_addresses;
pub use location::{Location, Why, locate};
pub use policy::{Finding, Level, Policy};
pub use preview::{CheckRow, FactsViews, Impact, MessageFacts, OwnedFacts, check, preview};
pub use publish::{PublishError, Published, publish};
pub use store::{Blocklist, Line, LineKind, Problem, StoreError, write_atomic};

/// The comment the tool writes beside an entry it adds: date, reason and evidence counts, so a
/// later reader knows why the line is there.
pub fn tool_comment(
    date: chrono::NaiveDate,
    reason: Option<&str>,
    messages: Option<usize>,
    senders: Option<usize>,
) -> String {
    let mut parts = vec![format!("added {}", date.format("%Y-%m-%d"))];
    if let Some(r) = reason.map(sanitise_comment).filter(|r| !r.is_empty()) {
        parts.push(r);
    }
    match (messages, senders) {
        (Some(m), Some(s)) => parts.push(format!("{} from {}", messages_n(m), senders_n(s))),
        (Some(m), None) => parts.push(messages_n(m)),
        (None, Some(s)) => parts.push(senders_n(s)),
        (None, None) => {}
    }
    sanitise_comment(&parts.join("; "))
}

fn messages_n(n: usize) -> String {
    crate::text::plural(n as u64, "message", "messages")
}

fn senders_n(n: usize) -> String {
    crate::text::plural(n as u64, "sender", "senders")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tool_comment_has_date_reason_and_counts_on_one_line() {
        let date = chrono::NaiveDate::from_ymd_opt(2026, 11, 27).expect("date");
        assert_eq!(
            tool_comment(date, Some("snowshoe\nrun"), Some(40), Some(3)),
            "added 2026-11-27; snowshoe run; 40 messages from 3 senders"
        );
        assert_eq!(tool_comment(date, None, None, None), "added 2026-11-27");
    }
}
