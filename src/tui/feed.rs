//! Following the live log for the TUI: one thread owns the growing model
//! (`model::live::Live`) and the follower of the last file (`model::follow`), and
//! hands the screen finished snapshots.
//!
//! Why snapshots: appending needs the model mutably while the screen reads it,
//! and the indexes a screen needs (a grouping, the recipients, the summary)
//! take tens to hundreds of milliseconds to build on a big log. Building them
//! here, on a copy (`Live::snapshot`: the text is shared, the indexes copied),
//! keeps every key answered at once; the screen swaps in a finished bundle.
//! Refreshes are at most one per `EVERY`, and none while nothing was appended.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::index::GroupIndex;
use super::logs::Loaded;
use crate::model::live::Live;
use crate::model::tail::Tail;
use crate::model::{LoadOptions, Progress};
use crate::query::{AggKey, NetPrefix, SortKey};

/// How often the file is looked at without change notifications (`model::watch`):
/// a `fstat` and a `stat` each time.
const POLL: Duration = Duration::from_millis(200);
/// With notifications: the longest wait for one (a file system that sends none, such
/// as NFS written from another host, is still read this often).
const CEILING: Duration = Duration::from_secs(1);
/// Fewest time between two reads: a writer flushing every line would otherwise
/// wake the feed for each.
const GATHER: Duration = Duration::from_millis(50);
/// Fewest time between two refreshes of the screen's data.
const EVERY: Duration = Duration::from_millis(500);
/// The append rate is measured over this window.
const RATE_WINDOW: Duration = Duration::from_secs(10);

/// What the screen wants a refresh to build, and whether it holds still.
#[derive(Debug, Clone, Copy)]
pub struct Wanted {
    pub by: AggKey,
    pub prefix: NetPrefix,
    /// The order on screen: a refresh's rows come sorted in it.
    pub sort: SortKey,
    /// Paused: lines are still read and folded in, but no refresh is built (the
    /// screen would not show it); `Msg::Waiting` counts what waits instead.
    pub paused: bool,
}

pub type Control = Arc<Mutex<Wanted>>;

/// A new state of the data, ready to show.
pub struct Refresh {
    pub loaded: Loaded,
    /// Lines and messages that are new since the previous refresh.
    pub lines: u64,
    /// The first message that is new (messages `new_from..` arrived since).
    pub new_from: u32,
}

/// The append rate over the last `RATE_WINDOW`.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Rate {
    pub lines_per_s: f64,
    pub messages_per_min: f64,
}

/// What the feed tells the screen (the event loop wraps each in its message).
pub enum Event {
    Progress(Progress),
    Loaded(Box<Loaded>),
    Grouping(Arc<GroupIndex>),
    Refresh(Box<Refresh>),
    Rate(Rate),
    /// Lines read while paused.
    Waiting(u64),
    /// What happened to the followed file (rotated, truncated, gone).
    Notice(String),
    Failed(String),
}

/// Hands an event to the screen; `false` once the screen is gone.
pub type Send = Box<dyn Fn(Event) -> bool + std::marker::Send>;

/// Whether `path` is a file the TUI follows: a regular file that is not gzip.
pub fn followable(path: &std::path::Path) -> bool {
    use std::os::unix::fs::FileExt;
    let Ok(f) = std::fs::File::open(path) else {
        return false;
    };
    if !f.metadata().is_ok_and(|m| m.is_file()) {
        return false;
    }
    let mut magic = [0u8; 2];
    !(f.read_exact_at(&mut magic, 0).is_ok() && magic == [0x1f, 0x8b])
}

/// Loads `older` once, reads `last` from its start, then follows it. Sends
/// `Event::Loaded` first (what the plain loader sends), then an `Event::Refresh`
/// after appends, `Event::Rate` when the rate changes and `Event::Notice` on a
/// rotation, truncation or deletion. Ends when the screen is gone.
pub fn spawn(older: Vec<PathBuf>, last: PathBuf, opts: LoadOptions, control: Control, tx: Send) {
    std::thread::spawn(move || {
        let work = std::panic::AssertUnwindSafe(|| run(&older, &last, opts, &control, &tx));
        if std::panic::catch_unwind(work).is_err() {
            let _ = tx(Event::Failed("the follower crashed (see above)".into()));
        }
    });
}

fn wanted(control: &Control) -> Wanted {
    match control.lock() {
        Ok(w) => *w,
        Err(p) => *p.into_inner(),
    }
}

/// The followed file and what was appended from it since the last refresh.
struct Feed {
    tail: Tail,
    pending_lines: u64,
    /// Messages before the first append not yet shown.
    new_from: Option<u32>,
}

impl Feed {
    /// Reads what was appended (all of it, in bites) and folds it in. Changes of
    /// the file come back as notices to show.
    fn step(&mut self, notices: &mut Vec<String>) -> Result<u64, String> {
        let a = self.tail.drain(notices).map_err(|e| e.to_string())?;
        if !a.is_empty() {
            self.new_from.get_or_insert(a.new_messages.start);
        }
        let n = a.lines.len() as u64;
        self.pending_lines += n;
        Ok(n)
    }

    /// A snapshot with the indexes the screen shows, built here.
    fn refresh(&mut self, w: Wanted) -> Refresh {
        let model = Arc::new(self.tail.live.snapshot());
        let new_from = self.new_from.take().unwrap_or(model.messages.len() as u32);
        let lines = std::mem::take(&mut self.pending_lines);
        Refresh {
            loaded: Loaded::build_for(model, w.by, w.prefix).with_rows(w.sort),
            lines,
            new_from,
        }
    }
}

fn run(older: &[PathBuf], last: &std::path::Path, opts: LoadOptions, control: &Control, tx: &Send) {
    let mut tick = Instant::now();
    let ptx = tx;
    let mut progress = |p: Progress| {
        if tick.elapsed() >= Duration::from_millis(50) {
            tick = Instant::now();
            let _ = ptx(Event::Progress(p));
        }
    };
    let live = match Live::load(older, opts, &mut progress) {
        Ok(l) => l,
        Err(e) => {
            let _ = tx(Event::Failed(e.to_string()));
            return;
        }
    };
    let older_bytes = live.model().sources.iter().map(|s| s.len()).sum::<u64>();
    let mut feed = Feed {
        tail: Tail::new(live, last),
        pending_lines: 0,
        new_from: None,
    };
    // The file as it is now, in bites with progress between them.
    let total = older_bytes + std::fs::metadata(last).map_or(0, |m| m.len());
    loop {
        let p = match feed.tail.poll() {
            Ok(p) => p,
            Err(e) => {
                let _ = tx(Event::Failed(e.to_string()));
                return;
            }
        };
        if let Some(n) = p.notice
            && !tx(Event::Notice(n))
        {
            return;
        }
        let done = older_bytes + feed.tail.position();
        let _ = tx(Event::Progress(Progress {
            bytes_done: done,
            bytes_total: total.max(done),
            lines: feed.tail.live.model().line_count() as u64,
        }));
        if !p.more {
            break;
        }
    }
    let w = wanted(control);
    let first = Arc::new(feed.tail.live.snapshot());
    let loaded = Loaded::build_for(first.clone(), w.by, w.prefix);
    if !tx(Event::Loaded(Box::new(loaded))) {
        return;
    }
    // The other keys, so switching later costs nothing while the log is quiet
    // (the screen drops them once a refresh made them stale).
    for by in AggKey::ALL.into_iter().filter(|k| *k != w.by) {
        let g = Arc::new(crate::query::Grouping::new(&first, by, w.prefix));
        let g = Arc::new(super::index::GroupIndex::new(&first, g, w.prefix));
        if !tx(Event::Grouping(g)) {
            return;
        }
    }
    drop(first);
    follow(feed, control, tx)
}

/// The follow loop: poll, fold in, refresh at most every `EVERY`.
fn follow(mut feed: Feed, control: &Control, tx: &Send) {
    let mut last_refresh = Instant::now() - EVERY;
    // (when, lines so far, messages so far) per poll, over `RATE_WINDOW`.
    let mut samples: std::collections::VecDeque<(Instant, u64, u64)> = Default::default();
    let mut rate = Rate::default();
    let mut rate_sent = Instant::now();
    let mut waiting_sent = 0u64;
    let watch = crate::model::watch::Watch::new(feed.tail.path());
    let ceiling = if watch.notifies() { CEILING } else { POLL };
    let mut last_read = Instant::now();
    loop {
        let since = last_read.elapsed();
        if since < GATHER {
            std::thread::sleep(GATHER - since);
        }
        last_read = Instant::now();
        let mut notices = Vec::new();
        let stepped = feed.step(&mut notices);
        for n in notices {
            if !tx(Event::Notice(n)) {
                return;
            }
        }
        if let Err(e) = stepped {
            // Over the memory budget or the line limit: what was read stays shown.
            let _ = tx(Event::Notice(format!("following stopped: {e}")));
            return;
        }
        let now = Instant::now();
        let m = feed.tail.live.model();
        samples.push_back((now, m.line_count() as u64, m.messages.len() as u64));
        while samples
            .front()
            .is_some_and(|s| now.duration_since(s.0) > RATE_WINDOW)
        {
            samples.pop_front();
        }
        let next = measure(&samples);
        // At most one redraw a second for the rate, and at once when it stops.
        let due = now.duration_since(rate_sent) >= Duration::from_secs(1);
        if next != rate && (due || next == Rate::default()) {
            rate_sent = now;
            rate = next;
            if !tx(Event::Rate(rate)) {
                return;
            }
        }
        let w = wanted(control);
        if feed.pending_lines > 0 {
            if w.paused {
                if feed.pending_lines != waiting_sent {
                    waiting_sent = feed.pending_lines;
                    if !tx(Event::Waiting(waiting_sent)) {
                        return;
                    }
                }
            } else if now.duration_since(last_refresh) >= EVERY {
                waiting_sent = 0;
                let r = feed.refresh(w);
                last_refresh = Instant::now();
                if !tx(Event::Refresh(Box::new(r))) {
                    return;
                }
                // Building took a while on a big log: look at the file again at once.
                continue;
            }
        }
        // Woken by a change; or, with lines waiting for their refresh, when it is due.
        let most = if feed.pending_lines > 0 && !w.paused {
            EVERY.saturating_sub(now.duration_since(last_refresh))
        } else {
            ceiling
        };
        watch.wait(most.max(GATHER));
    }
}

/// Lines per second and messages per minute over the last `RATE_WINDOW` (a
/// burst reads as what it is over ten seconds, not as a rate it never kept).
fn measure(samples: &std::collections::VecDeque<(Instant, u64, u64)>) -> Rate {
    let (Some(a), Some(b)) = (samples.front(), samples.back()) else {
        return Rate::default();
    };
    let secs = RATE_WINDOW.as_secs_f64();
    if b.1 == a.1 {
        return Rate::default();
    }
    Rate {
        lines_per_s: (b.1 - a.1) as f64 / secs,
        messages_per_min: (b.2 - a.2) as f64 * 60.0 / secs,
    }
}
