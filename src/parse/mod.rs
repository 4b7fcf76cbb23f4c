//! Bytes of one log line -> a typed event, behind a format boundary.
//!
//! Owns the event vocabulary shared by every log format. It never allocates on the
//! hot path and never panics on input: anything it cannot read becomes `Unrecognized`.

pub mod event;
pub mod exim;
pub mod line_ends;
pub mod msgid;
pub mod net;
pub mod scan;
pub mod time;

pub use event::*;
pub use msgid::MsgId;
pub use net::Family;

/// A log format the model can be built from. Exim is the only one today; Postfix will
/// be a second implementation, so the model only ever sees `Event`s.
pub trait LogFormat: Send + Sync {
    /// Parse one line (without its line terminator).
    fn parse<'a>(&self, line: &'a [u8]) -> Event<'a>;

    /// Parse one line for the index: what the model stores, and may leave out
    /// fields only the detail pane shows (it parses its lines again with `parse`).
    fn index<'a>(&self, line: &'a [u8]) -> Event<'a> {
        self.parse(line)
    }
}

/// How much of a line to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Depth {
    /// Every field (the detail pane, queries that show a line).
    Full,
    /// What the model stores (the load): a delivery's address and original
    /// recipient, without its router, transport, host, TLS and confirmation.
    Index,
}

/// Context a line cannot carry itself: syslog prefixes have no year.
#[derive(Debug, Clone, Copy)]
pub struct ParseContext {
    pub syslog_year: i32,
}

impl Default for ParseContext {
    fn default() -> Self {
        Self { syslog_year: 1970 }
    }
}
