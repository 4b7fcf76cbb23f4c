//! `grep --follow` and `senders --follow`: the last file given is followed as it
//! grows (through rotation and truncation, see `model::follow`), the others are
//! loaded once. Both run until Ctrl-C or SIGTERM and then end with exit 0.

use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use rustc_hash::FxHashSet;

use super::{LoadArgs, output};
use crate::model::live::{Appended, Live};
use crate::model::tail::Tail;
use crate::model::watch::Watch;
use crate::model::{Model, NONE, flags};

/// How often the followed file is looked at without change notifications
/// (`model::watch`): a `fstat` and a `stat` each time.
const POLL: Duration = Duration::from_millis(200);
/// With notifications: the longest wait for one (NFS written from another host
/// sends none).
const CEILING: Duration = Duration::from_secs(1);
/// After a notification, what else is written this long is read with it: a writer
/// flushing every line would otherwise wake the loop for each.
const GATHER: Duration = Duration::from_millis(50);

/// Set by Ctrl-C (SIGINT) and SIGTERM: the loops end and print what is left.
fn stop_flag() -> Result<Arc<AtomicBool>> {
    let stop = Arc::new(AtomicBool::new(false));
    for sig in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        signal_hook::flag::register(sig, Arc::clone(&stop))
            .context("cannot install signal handlers")?;
    }
    Ok(stop)
}

/// Waits until the followed file's directory changes or `d` passed, waking early
/// when asked to stop. `false` once stopping.
fn nap(stop: &AtomicBool, watch: &Watch, d: Duration) -> bool {
    let until = Instant::now() + d;
    // A signal ends inotify's poll() at once (EINTR); the slice only bounds the
    // wait for the stop flag where there is no inotify, or a signal came between.
    let slice = Duration::from_millis(if watch.notifies() { 250 } else { 50 });
    while !stop.load(Ordering::Relaxed) {
        let left = until.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return true;
        }
        if watch.wait(left.min(slice)) {
            std::thread::sleep(GATHER);
            return !stop.load(Ordering::Relaxed);
        }
    }
    false
}

/// How long to wait for a change before looking all the same.
fn ceiling(watch: &Watch) -> Duration {
    if watch.notifies() { CEILING } else { POLL }
}

/// The followed file and the model it feeds.
struct Feed {
    tail: Tail,
    quiet: bool,
}

impl Feed {
    fn open(files: &[PathBuf], load: &LoadArgs) -> Result<Feed> {
        let Some((last, older)) = files.split_last() else {
            bail!("--follow needs a file");
        };
        check_followable(last)?;
        let live = Live::load(older, load.options(), &mut |_| {})?;
        Ok(Feed {
            tail: Tail::new(live, last),
            quiet: load.quiet,
        })
    }

    /// Reads all that was appended and folds it in; what it added. What happened
    /// to the file is said on standard error.
    fn step(&mut self) -> Result<Appended> {
        let mut notices = Vec::new();
        let a = self.tail.drain(&mut notices)?;
        if !self.quiet {
            for n in notices {
                eprintln!("mailtriage: {n}");
            }
        }
        Ok(a)
    }
}

/// A file can be followed when it is there and readable, and not standard input
/// or gzip (a compressed file does not grow line by line).
fn check_followable(path: &Path) -> Result<()> {
    let name = path.display().to_string();
    if name == "-" {
        bail!("standard input cannot be followed; give the log's path");
    }
    // Missing, unreadable or a directory: the same one-line errors as a load.
    crate::model::source::probe(path)?;
    let mut magic = [0u8; 2];
    if let Ok(f) = std::fs::File::open(path) {
        use std::os::unix::fs::FileExt;
        if f.read_exact_at(&mut magic, 0).is_ok() && magic == [0x1f, 0x8b] {
            bail!(
                "{name}: a gzip file does not grow; follow the live log, give this one before it"
            );
        }
    }
    Ok(())
}

/// Whether a message's transaction is over: its `Completed` line came, or it
/// was rejected after DATA (such a message never arrives, so never completes).
fn complete(m: &Model, msg: u32) -> bool {
    m.messages.get(msg as usize).is_some_and(|x| {
        x.has(flags::COMPLETED) || (x.has(flags::REJECTED) && !x.has(flags::ARRIVED))
    })
}

/// `grep --follow`: each transaction with a matching line, printed once it is
/// complete; a matching line of no message at once; the unfinished ones at the end.
pub fn grep(
    files: &[PathBuf],
    load: &LoadArgs,
    re: &regex::bytes::Regex,
    as_json: bool,
    mode: output::Lines,
) -> Result<i32> {
    let stop = stop_flag()?;
    let mut feed = Feed::open(files, load)?;
    let watch = Watch::new(feed.tail.path());
    let mut out = io::BufWriter::new(io::stdout().lock());
    // Matched, not printed yet / printed: a transaction goes out once.
    let mut waiting: FxHashSet<u32> = FxHashSet::default();
    let mut printed: FxHashSet<u32> = FxHashSet::default();
    // The files loaded once come first, as new lines.
    let mut a = {
        let m = feed.tail.live.model();
        let n = m.line_count() as u32;
        let mut touched: Vec<u32> = m.line_msg.iter().copied().filter(|&x| x != NONE).collect();
        touched.sort_unstable();
        touched.dedup();
        Appended {
            lines: 0..n,
            new_messages: 0..m.messages.len() as u32,
            touched,
        }
    };
    let mut stopping = false;
    loop {
        let m = feed.tail.live.model();
        for l in a.lines.clone() {
            if !re.is_match(&m.line(l)) {
                continue;
            }
            match m.line_msg.get(l as usize).copied() {
                Some(NONE) | None => output::grep_item(&mut out, m, None, l, as_json, mode)?,
                Some(msg) if !printed.contains(&msg) => {
                    waiting.insert(msg);
                }
                Some(_) => {}
            }
        }
        for &msg in &a.touched {
            if waiting.contains(&msg) && complete(m, msg) {
                output::grep_item(&mut out, m, Some(msg), 0, as_json, mode)?;
                waiting.remove(&msg);
                printed.insert(msg);
            }
        }
        out.flush()?;
        if stopping {
            break;
        }
        // Asked to stop: what was written before the signal is read, then the end.
        stopping = !nap(&stop, &watch, ceiling(&watch));
        a = feed.step()?;
    }
    // Stopped: what matched and has not completed, in log order.
    let m = feed.tail.live.model();
    let mut rest: Vec<u32> = waiting.into_iter().collect();
    rest.sort_unstable_by_key(|&msg| m.messages[msg as usize].first_line);
    for msg in rest {
        output::grep_item(&mut out, m, Some(msg), 0, as_json, mode)?;
    }
    out.flush()?;
    Ok(0)
}

/// `senders --follow`: the table again every `every` when lines came in since
/// it was printed last; `print` writes one table of the model.
pub fn senders(
    files: &[PathBuf],
    load: &LoadArgs,
    every: Duration,
    print: &mut dyn FnMut(&mut dyn Write, &Model) -> Result<()>,
) -> Result<i32> {
    let stop = stop_flag()?;
    let mut feed = Feed::open(files, load)?;
    let watch = Watch::new(feed.tail.path());
    let mut out = io::BufWriter::new(io::stdout().lock());
    // First what is there, then the table; then one table per period with news.
    feed.step()?;
    print(&mut out, feed.tail.live.model())?;
    out.flush()?;
    let mut last = Instant::now();
    let mut changed = false;
    // With news waiting for its period, look again when it is due.
    while nap(
        &stop,
        &watch,
        if changed {
            every.saturating_sub(last.elapsed()).max(GATHER)
        } else {
            ceiling(&watch)
        },
    ) {
        changed |= !feed.step()?.is_empty();
        if changed && last.elapsed() >= every {
            writeln!(out)?;
            print(&mut out, feed.tail.live.model())?;
            out.flush()?;
            last = Instant::now();
            changed = false;
        }
    }
    Ok(0)
}
