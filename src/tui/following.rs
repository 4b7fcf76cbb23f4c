//! What the screen knows of the followed log: the live marker's state (the rate,
//! the pause and what waits behind it), the marks on what the last refresh
//! brought, and the line to the feed thread (`feed::Control`).

use std::sync::Arc;

use super::feed::{Control, Rate, Refresh, Wanted};
use crate::query::{AggKey, NetPrefix, SortKey};

/// Following state of the screen; `App::live` is `None` when the log is read once.
pub struct LiveView {
    /// The followed file's name (as given).
    pub file: String,
    pub(super) control: Control,
    pub paused: bool,
    /// Lines read while paused, not yet on screen.
    pub waiting: u64,
    /// The newest refresh that came while paused.
    pub(super) held: Option<Box<Refresh>>,
    pub rate: Rate,
    /// Messages from this index on came with the last refresh: marked until a key.
    pub fresh_from: Option<u32>,
    /// Lines appended since the screen opened.
    pub appended: u64,
}

impl LiveView {
    pub fn new(file: String, by: AggKey, prefix: NetPrefix, sort: SortKey) -> (LiveView, Control) {
        let control = Arc::new(std::sync::Mutex::new(Wanted {
            by,
            prefix,
            sort,
            paused: false,
        }));
        let v = LiveView {
            file,
            control: control.clone(),
            paused: false,
            waiting: 0,
            held: None,
            rate: Rate::default(),
            fresh_from: None,
            appended: 0,
        };
        (v, control)
    }

    pub(super) fn tell(&self, f: impl FnOnce(&mut Wanted)) {
        match self.control.lock() {
            Ok(mut w) => f(&mut w),
            Err(p) => f(&mut p.into_inner()),
        }
    }

    /// Whether message `msg` came with the last refresh (and no key was pressed since).
    pub fn is_fresh(&self, msg: u32) -> bool {
        self.fresh_from.is_some_and(|f| msg >= f)
    }
}
