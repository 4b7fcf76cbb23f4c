//! Bytes of one log line -> a typed event, behind a format boundary.
//!
//! Owns the event vocabulary shared by every log format. It never allocates on the
//! hot path and never panics on input: anything it cannot read becomes `Unrecognized`.

pub mod event;
pub mod exim;
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
