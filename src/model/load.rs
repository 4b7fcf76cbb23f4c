//! Loading inputs into a model: split each source into chunks at line boundaries,
//! parse chunks on worker threads, fold the results into the builder in order.
//!
//! Parsing is the expensive, embarrassingly parallel part; folding needs log order
//! (a message's lines must be linked in sequence), so one thread does it while the
//! workers run ahead by a bounded number of chunks.

use std::path::PathBuf;
use std::sync::mpsc;

use super::build::Lane;
use super::compact::{ChunkOut, Compactor};
use super::source::{self, SourceError};
use super::{Builder, Model, Source};
use crate::parse::{ParseContext, exim};

#[derive(Debug, Clone)]
pub struct LoadOptions {
    pub ctx: ParseContext,
    pub threads: usize,
    pub mmap: bool,
    pub chunk_bytes: usize,
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
            mmap: true,
            chunk_bytes: 1 << 20,
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
    let mut pos = 0usize;
    while pos < chunk.len() {
        let end = memchr::memchr(b'\n', &chunk[pos..]).map_or(chunk.len(), |i| pos + i);
        let mut line = &chunk[pos..end];
        if line.last() == Some(&b'\r') {
            line = &line[..line.len() - 1];
        }
        c.push(&mut out, pos as u32, &exim::parse_line(line, ctx));
        pos = end + 1;
    }
    out
}

/// Folds one source's bytes into the builder, parsing with `threads` workers.
pub fn index_source(
    b: &mut Builder,
    data: &[u8],
    base: u64,
    opts: &LoadOptions,
    progress: &mut dyn FnMut(Progress),
    done_before: u64,
    total: u64,
) {
    let pieces = chunks(data, opts.chunk_bytes.clamp(1 << 10, u32::MAX as usize));
    let threads = opts.threads.max(1).min(pieces.len().max(1));
    b.reserve_for(data.len());
    let ctx = opts.ctx;
    std::thread::scope(|scope| {
        let mut receivers = Vec::with_capacity(threads);
        for w in 0..threads {
            // A small bound keeps at most a few parsed chunks alive per worker.
            let (tx, rx) = mpsc::sync_channel::<ChunkOut<'_>>(1);
            receivers.push((rx, Lane::default()));
            let pieces = &pieces;
            scope.spawn(move || {
                let mut c = Compactor::default();
                for &(s, e) in pieces.iter().skip(w).step_by(threads) {
                    if tx.send(parse_chunk(&data[s..e], &ctx, &mut c)).is_err() {
                        return;
                    }
                }
            });
        }
        for (i, &(s, e)) in pieces.iter().enumerate() {
            let (rx, lane) = &mut receivers[i % threads];
            let Ok(chunk) = rx.recv() else { break };
            b.absorb(lane, &chunk, base + s as u64);
            progress(Progress {
                bytes_done: done_before + e as u64,
                bytes_total: total,
                lines: b.model.line_start.len() as u64,
            });
        }
    });
}

/// Loads and indexes the given files (in the order given: oldest rotation first).
pub fn load(
    paths: &[PathBuf],
    opts: &LoadOptions,
    progress: &mut dyn FnMut(Progress),
) -> Result<Model, LoadError> {
    let mut sources = Vec::with_capacity(paths.len());
    for p in paths {
        sources.push((p.display().to_string(), source::open(p, opts.mmap)?));
    }
    let total: u64 = sources.iter().map(|(_, d)| d.as_slice().len() as u64).sum();
    let mut b = Builder::new();
    let mut base = 0u64;
    for (name, data) in sources {
        let bytes = data.as_slice();
        index_source(&mut b, bytes, base, opts, progress, base, total);
        if b.model.line_start.len() >= u32::MAX as usize - 1 {
            return Err(LoadError::TooManyLines { path: name });
        }
        let len = bytes.len() as u64;
        b.model.sources.push(Source { name, data, base });
        base += len;
    }
    progress(Progress {
        bytes_done: total,
        bytes_total: total,
        lines: b.model.line_start.len() as u64,
    });
    release_free_memory();
    Ok(b.finish())
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
    index_source(&mut b, &data, 0, opts, &mut |_| {}, 0, total);
    b.model.sources.push(Source {
        name: name.to_string(),
        data: source::Bytes::Owned(data),
        base: 0,
    });
    b.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

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
