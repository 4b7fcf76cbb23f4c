//! Loading inputs into a model: split each source into chunks at line boundaries,
//! parse chunks on worker threads, fold the results into the builder in order.
//!
//! Parsing is the expensive, embarrassingly parallel part; folding needs log order
//! (a message's lines must be linked in sequence), so the chunks are folded one at
//! a time in order, by whichever worker holds the next one (`in_order`), while
//! the others run ahead by a bounded number of chunks.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use super::budget::{Budget, Limit, Room, Shared, human};
use super::build::Lane;
use super::compact::{ChunkOut, Compactor};
use super::source::{self, SourceError};
use super::{Builder, Model, Source, in_order, readahead};
use crate::parse::line_ends::LineEnds;
use crate::parse::{ParseContext, exim};

#[derive(Debug, Clone)]
pub struct LoadOptions {
    pub ctx: ParseContext,
    pub threads: usize,
    /// Inputs opened (mapped, read, decompressed) at once, ahead of the parse;
    /// 0 opens them one after another before any is parsed.
    pub readers: usize,
    pub mmap: bool,
    pub chunk_bytes: usize,
    /// Bytes of a mapped gzip file's text between the points it can be
    /// inflated again from once packed (`packed::SPAN`): each costs a 32 KiB
    /// window, and a line read costs inflating up to this much.
    pub gzip_span: u64,
    /// `--max-memory`: bytes a load may hold; `None` derives it from the
    /// memory the system has available (see `budget`).
    pub max_memory: Option<u64>,
}

impl Default for LoadOptions {
    fn default() -> Self {
        use chrono::Datelike;
        LoadOptions {
            ctx: ParseContext {
                syslog_year: chrono::Local::now().year(),
            },
            threads: std::thread::available_parallelism()
                .map_or(2, |n| n.get())
                .min(16),
            // One decompressing per core: inflate is the other half of a
            // rotation set's load, and it overlaps with the parse.
            readers: std::thread::available_parallelism()
                .map_or(2, |n| n.get())
                .min(16),
            mmap: true,
            chunk_bytes: 1 << 20,
            gzip_span: super::packed::SPAN,
            max_memory: None,
        }
    }
}

#[derive(Debug, Clone, Copy, Default)]
pub struct Progress {
    pub bytes_done: u64,
    pub bytes_total: u64,
    pub lines: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error(transparent)]
    Source(#[from] SourceError),
    #[error("{path}: log is larger than this build can index (4 billion lines)")]
    TooManyLines { path: String },
    #[error(
        "{path}: stopped after {lines} lines: indexing more would pass the memory limit of {limit}; raise it with --max-memory SIZE (e.g. --max-memory {})",
        limit.raised()
    )]
    OverBudget {
        path: String,
        lines: u64,
        limit: Limit,
    },
    #[error(
        "{what}: loading needs at least {} of memory ({}), more than the memory limit of {limit}; raise it with --max-memory SIZE (e.g. --max-memory {}), or load fewer files",
        human(*need), fit_detail(*text, *held), suggest(*need, *text, *held)
    )]
    WontFit {
        what: String,
        need: u64,
        text: u64,
        held: u64,
        limit: Limit,
    },
    #[error(
        "{path} changed on disk while it was read (truncated or rewritten, e.g. by logrotate's copytruncate); run again, or use --no-mmap to read a copy"
    )]
    Changed { path: String },
}

/// Why indexing a source stopped early.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    /// Line numbers are 32-bit.
    TooManyLines,
    /// More lines would pass the memory budget.
    OverBudget,
}

/// Splits `data` into pieces of about `size` bytes that end after a newline.
fn chunks(data: &[u8], size: usize) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = 0;
    while start < data.len() {
        let mut end = (start + size).min(data.len());
        if end < data.len() {
            end = match memchr::memchr(b'\n', &data[end..]) {
                Some(i) => end + i + 1,
                None => data.len(),
            };
        }
        out.push((start, end));
        start = end;
    }
    out
}

/// Parses every line of one chunk into compact records.
fn parse_chunk<'a>(chunk: &'a [u8], ctx: &ParseContext, c: &mut Compactor<'a>) -> ChunkOut<'a> {
    let mut out = ChunkOut {
        recs: Vec::with_capacity(chunk.len() / 100 + 1),
        ..ChunkOut::default()
    };
    let mut ev = crate::parse::Event::unrecognized(b"");
    for (pos, end) in LineEnds::new(chunk) {
        let mut line = &chunk[pos..end];
        if line.last() == Some(&b'\r') {
            line = &line[..line.len() - 1];
        }
        exim::index_line_into(&mut ev, line, ctx);
        c.push(&mut out, pos as u32, line, &ev);
    }
    c.flush(&mut out);
    out
}

/// Folds one source's bytes into the builder, parsing with `threads` workers.
/// Stops before a chunk whose lines would pass 32-bit line numbers or the budget.
#[allow(clippy::too_many_arguments)]
pub fn index_source(
    b: &mut Builder,
    data: &[u8],
    base: u64,
    opts: &LoadOptions,
    budget: &(dyn Room + Sync),
    progress: &mut dyn FnMut(Progress),
    done_before: u64,
    total: u64,
) -> Result<(), Stop> {
    let pieces = chunks(data, opts.chunk_bytes.clamp(1 << 10, u32::MAX as usize));
    let threads = opts.threads.max(1).min(pieces.len().max(1));
    // Not more room than the budget can ever fill (a huge map would otherwise
    // reserve tables for it up front, before any check).
    let room = budget.free() / super::budget::LINE_COST;
    b.reserve_for(
        data.len()
            .min(usize::try_from(room.saturating_mul(100)).unwrap_or(usize::MAX)),
    );
    let ctx = opts.ctx;
    let mut stop = Ok(());
    let mut lanes: Vec<Lane> = (0..threads).map(|_| Lane::default()).collect();
    // Written by whichever worker folds, read by this thread for progress.
    let folded_to = AtomicUsize::new(0);
    let folded_lines = AtomicU64::new(b.model.line_start.len() as u64);
    let plan = in_order::Plan {
        pieces: pieces.len(),
        threads,
        window: threads * WINDOW_PER_THREAD,
    };
    in_order::run(
        plan,
        Compactor::default,
        |c, i| {
            let (s, e) = pieces[i];
            parse_chunk(&data[s..e], &ctx, c)
        },
        |w, i, chunk| {
            let lines = (b.model.line_start.len() + chunk.recs.len()) as u64;
            if lines >= u32::MAX as u64 - 1 {
                stop = Err(Stop::TooManyLines);
                return false;
            }
            if !budget.index(lines) {
                stop = Err(Stop::OverBudget);
                return false;
            }
            let (s, e) = pieces[i];
            b.absorb(&mut lanes[w], &chunk, base + s as u64);
            folded_to.store(e, Ordering::Relaxed);
            folded_lines.store(b.model.line_start.len() as u64, Ordering::Relaxed);
            true
        },
        &mut || {
            progress(Progress {
                bytes_done: done_before + folded_to.load(Ordering::Relaxed) as u64,
                bytes_total: total,
                lines: folded_lines.load(Ordering::Relaxed),
            })
        },
    );
    if stop.is_ok() {
        progress(Progress {
            bytes_done: done_before + data.len() as u64,
            bytes_total: total,
            lines: b.model.line_start.len() as u64,
        });
    }
    stop
}

/// Pieces each worker may parse ahead of the fold: enough that a slow piece
/// (a burst of long lines) does not stall the others, few enough that the
/// results held stay a few megabytes.
const WINDOW_PER_THREAD: usize = 4;

/// Loads and indexes the given files (in the order given: oldest rotation first).
pub fn load(
    paths: &[PathBuf],
    opts: &LoadOptions,
    progress: &mut dyn FnMut(Progress),
) -> Result<Model, LoadError> {
    let (b, _) = load_builder(paths, opts, progress)?;
    release_free_memory();
    Ok(b.finish())
}

/// The fewest bytes per line a log is assumed to have when its line count is
/// guessed from its size before reading it. Exim's lines average 150 to 250
/// bytes; a longer assumed line gives fewer lines, so the guess stays a lower
/// bound for nearly every real log.
const LONGEST_AVERAGE_LINE: u64 = 512;

/// Refuses, before anything is read, inputs that cannot fit the memory limit:
/// the text held in memory (unmappable files, gzip read without a map, and the
/// largest mapped gzip file, held whole while it is parsed) plus the index of
/// the lines the inputs hold at least. A lower bound, so what it refuses would certainly
/// have stopped at the limit, after minutes of decompressing; what it lets
/// through may still stop there, with `OverBudget`.
pub fn check_fit(paths: &[PathBuf], opts: &LoadOptions) -> Result<(), LoadError> {
    let limit = Limit::new(opts.max_memory);
    let (mut held, mut text, mut largest) = (0u64, 0u64, 0u64);
    for p in paths {
        let l = source::least_len(p, opts.mmap);
        held = held.saturating_add(l.held);
        text = text.saturating_add(l.text);
        // Mapped gzip text is let go once parsed: only one is certainly
        // held at a time (reading ahead may hold more, but need not).
        largest = largest.max(l.while_parsed);
    }
    let held = held.saturating_add(largest);
    let lines = text / LONGEST_AVERAGE_LINE;
    let need = held.saturating_add(lines.saturating_mul(super::budget::LINE_COST));
    if need <= limit.bytes {
        return Ok(());
    }
    let what = match paths {
        [one] => one.display().to_string(),
        _ => format!("these {} files", paths.len()),
    };
    Err(LoadError::WontFit {
        what,
        need,
        text,
        held,
        limit,
    })
}

/// What a `WontFit` load holds, in words.
fn fit_detail(text: u64, held: u64) -> String {
    if held == 0 {
        format!("{} of log text, mapped, and its index", human(text))
    } else {
        format!(
            "{} of log text, {} of it decompressed or copied into memory, and its index",
            human(text),
            human(held)
        )
    }
}

/// A `--max-memory` to suggest for a load needing at least `need`: what such a
/// load typically takes (the text held, and an index of about 0.3 times the
/// text), and at least a quarter more than `need`, in whole M or G.
fn suggest(need: u64, text: u64, held: u64) -> String {
    let typical = held.saturating_add(text / 10 * 3);
    let more = need.saturating_add(need / 4).max(typical);
    if more >= 1 << 30 {
        format!("{}G", more.div_ceil(1 << 30))
    } else {
        format!("{}M", more.div_ceil(1 << 20).max(1))
    }
}

/// As `load`, but the builder is returned unfinished with the budget it has
/// used, so more lines can be appended (`live::Live`).
///
/// Inputs are opened ahead on `opts.readers` threads (`readahead`) and indexed
/// as each one's turn comes, so the model, its line numbers and any error are
/// those of reading the files one after another.
pub fn load_builder(
    paths: &[PathBuf],
    opts: &LoadOptions,
    progress: &mut dyn FnMut(Progress),
) -> Result<(Builder, Budget), LoadError> {
    check_fit(paths, opts)?;
    tune_allocator();
    let budget = Shared::new(Limit::new(opts.max_memory));
    // Sizes to expect, for progress: replaced by the real one as each arrives.
    let mut sizes: Vec<u64> = paths.iter().map(|p| source::expected_len(p)).collect();
    let mut b = Builder::new();
    let mut base = 0u64;
    let open = |p: &std::path::Path| source::open(p, opts.mmap, opts.gzip_span, &budget);
    let discard = |b: source::Bytes| budget.give_back(b.held());
    readahead::in_order(
        paths,
        opts.readers,
        &open,
        &mut |i, opened| {
            let data = opened?;
            let name = paths[i].display().to_string();
            // What `open` gives is whole: only `pack` below makes it otherwise.
            let bytes = data.as_slice().unwrap_or_default();
            sizes[i] = bytes.len() as u64;
            let total = sizes.iter().sum();
            let indexed = index_source(&mut b, bytes, base, opts, &budget, progress, base, total);
            match indexed {
                Ok(()) => {}
                Err(Stop::TooManyLines) => return Err(LoadError::TooManyLines { path: name }),
                Err(Stop::OverBudget) => {
                    return Err(LoadError::OverBudget {
                        path: name,
                        lines: b.model.line_start.len() as u64,
                        limit: budget.limit,
                    });
                }
            }
            let len = bytes.len() as u64;
            // A gzip file's text is parsed: let it go, keeping the file's map and
            // where to inflate it again from.
            let (data, freed) = data.pack();
            budget.give_back(freed);
            b.model
                .sources
                .push(Arc::new(Source::new(name, data, base)));
            base += len;
            Ok(())
        },
        &discard,
    )?;
    // A file truncated or rewritten while it was indexed gave lines that are not
    // its own: say so rather than return them as the log.
    if let Some(s) = b.model.sources.iter().find(|s| s.check()) {
        return Err(LoadError::Changed {
            path: s.name.clone(),
        });
    }
    progress(Progress {
        bytes_done: base,
        bytes_total: base,
        lines: b.model.line_start.len() as u64,
    });
    Ok((b, budget.into_budget()))
}

/// Fixes glibc's thresholds for the load. Left dynamic, freeing a buffer of a
/// few MiB raises the mmap threshold to its size and the trim threshold to
/// twice that, and each worker's arena then keeps up to that much free memory
/// at its top, which `malloc_trim` does not release for arenas but the main
/// one: 35 MB of resident memory after a 1 GiB load, 12 % of the model. Fixed,
/// buffers of 1 MiB and more are mapped and unmapped, and an arena's top is
/// given back past 2 MiB; the load's time did not change measurably.
fn tune_allocator() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets allocator parameters; it is safe to call at any time.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1 << 20);
        libc::mallopt(libc::M_TRIM_THRESHOLD, 2 << 20);
    }
}

/// Hands the memory the workers freed (their tables, parsed chunks) back to the
/// system: glibc keeps freed memory of its per-thread arenas mapped otherwise,
/// which showed up as tens of megabytes of resident memory after a load.
fn release_free_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only releases memory that is free in the allocator.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// Builds a model from bytes already in memory (tests, fuzzing, stdin).
pub fn from_bytes(name: &str, data: Vec<u8>, opts: &LoadOptions) -> Model {
    let mut b = Builder::new();
    let total = data.len() as u64;
    // Bytes already in memory are the caller's to bound; only line numbers limit.
    let budget = Budget::new(Limit {
        bytes: u64::MAX,
        origin: super::budget::Origin::Flag,
    });
    let _ = index_source(&mut b, &data, 0, opts, &budget, &mut |_| {}, 0, total);
    b.model.sources.push(Arc::new(Source::new(
        name.to_string(),
        source::Bytes::Owned(data),
        0,
    )));
    b.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn log_file(lines: usize) -> (tempfile::TempDir, PathBuf, Vec<u8>) {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("mainlog");
        let mut log = Vec::new();
        for i in 0..lines {
            log.extend_from_slice(format!("2020-01-01 00:00:00 old line {i}\n").as_bytes());
        }
        std::fs::write(&path, &log).expect("write");
        (dir, path, log)
    }

    fn opts() -> LoadOptions {
        LoadOptions {
            threads: 2,
            chunk_bytes: 4096,
            ..LoadOptions::default()
        }
    }

    #[test]
    fn a_mapped_log_truncated_under_the_model_reads_as_a_notice() {
        let (_dir, path, _) = log_file(20_000);
        let m = load(std::slice::from_ref(&path), &opts(), &mut |_| {}).expect("load");
        assert!(matches!(m.sources[0].data, source::Bytes::Mapped(_)));
        assert!(m.check_sources().is_empty());
        assert_eq!(m.line(7), b"2020-01-01 00:00:00 old line 7");
        std::fs::File::options()
            .write(true)
            .open(&path)
            .and_then(|f| f.set_len(0))
            .expect("truncate");
        // Before any check: reading a vanished page is survived and noticed.
        let last = m.line_count() as u32 - 1;
        let notice = format!("[{} changed on disk since it was loaded]", path.display());
        assert_eq!(m.line(last), notice.as_bytes());
        assert_eq!(m.changed_sources().count(), 1);
        assert_eq!(m.check_sources(), [path.display().to_string()]);
        assert_eq!(m.line(0), notice.as_bytes());
        assert_eq!(m.sources[0].bytes(), Some(&[][..]));
    }

    #[test]
    fn a_copytruncated_log_never_shows_the_new_file_at_old_offsets() {
        let (_dir, path, old) = log_file(5_000);
        let m = load(std::slice::from_ref(&path), &opts(), &mut |_| {}).expect("load");
        // copytruncate, then Exim writes the new file, longer than the old one.
        let mut new = Vec::new();
        while new.len() <= old.len() {
            new.extend_from_slice(b"2020-01-02 00:00:00 NEW LINE\n");
        }
        std::fs::File::options()
            .write(true)
            .open(&path)
            .and_then(|f| f.set_len(0))
            .expect("truncate");
        std::fs::write(&path, &new).expect("rewrite");
        assert_eq!(m.check_sources().len(), 1);
        for i in 0..m.line_count() as u32 {
            let l = m.line(i);
            assert!(!l.windows(3).any(|w| w == b"NEW"), "line {i}: {l:?}");
            assert!(l.ends_with(b"changed on disk since it was loaded]"));
        }
    }

    #[test]
    fn appends_are_no_change() {
        let (_dir, path, _) = log_file(2_000);
        let m = load(std::slice::from_ref(&path), &opts(), &mut |_| {}).expect("load");
        let mut f = std::fs::File::options()
            .append(true)
            .open(&path)
            .expect("open");
        std::io::Write::write_all(&mut f, b"2020-01-01 00:00:01 appended\n").expect("append");
        assert!(m.check_sources().is_empty());
        assert_eq!(m.line(3), b"2020-01-01 00:00:00 old line 3");
    }

    #[test]
    fn a_read_copy_survives_any_change() {
        let (_dir, path, _) = log_file(2_000);
        let o = LoadOptions {
            mmap: false,
            ..opts()
        };
        let m = load(std::slice::from_ref(&path), &o, &mut |_| {}).expect("load");
        std::fs::write(&path, b"other\n").expect("rewrite");
        assert!(m.check_sources().is_empty());
        assert_eq!(m.line(3), b"2020-01-01 00:00:00 old line 3");
    }

    #[test]
    fn chunks_end_on_newlines_and_cover_everything() {
        let data = b"aaa\nbbbb\ncc\nd";
        for size in 1..20 {
            let c = chunks(data, size);
            assert_eq!(c.first().map(|x| x.0), Some(0));
            assert_eq!(c.last().map(|x| x.1), Some(data.len()));
            for w in c.windows(2) {
                assert_eq!(w[0].1, w[1].0);
                assert_eq!(data[w[0].1 - 1], b'\n');
            }
        }
    }
}
