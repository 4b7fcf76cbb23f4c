//! Frees what a follow refresh replaced (the old model copy, its groupings, the
//! rows built on them) on a thread of its own: dropping them is a walk over
//! hundreds of thousands of allocations, tens of milliseconds the screen thread
//! would otherwise spend before it can answer the next key.

use std::sync::Mutex;
use std::sync::mpsc::{self, Sender};

type Grave = Box<dyn Send>;

static REAPER: Mutex<Option<Sender<Grave>>> = Mutex::new(None);

/// Drops `t` later, on the reaper thread; at once if that thread cannot start.
pub fn bury<T: Send + 'static>(t: T) {
    let Ok(mut slot) = REAPER.lock() else {
        return drop(t);
    };
    if slot.is_none() {
        let (tx, rx) = mpsc::channel::<Grave>();
        let started = std::thread::Builder::new()
            .name("reaper".into())
            .spawn(move || {
                for grave in rx {
                    drop(grave);
                }
            });
        if started.is_err() {
            return drop(t);
        }
        *slot = Some(tx);
    }
    if let Some(tx) = slot.as_ref()
        && let Err(back) = tx.send(Box::new(t))
    {
        drop(back);
    }
}
