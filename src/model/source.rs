//! Where log bytes come from: a guarded memory map for plain files, a bounded
//! read for everything else (gzip, pipes, FIFOs, devices, stdin, `--no-mmap`).
//!
//! A map is a view of the file, not a copy. Exim and logrotate rotate by renaming,
//! which leaves a mapped file intact; `copytruncate` shrinks or rewrites it under
//! us. A shrink is survived (`fault` maps zeros over the vanished pages) and both
//! are detected (`Source::check`), after which the source's text is replaced by a
//! notice: bytes of a new file are never shown as lines of the old one. A file
//! followed as it grows is never mapped: `follow` reads it, and `live` keeps
//! what was read as `Owned` sources that continue one another.

use std::fs::File;
use std::io::{self, BufReader, Read};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use memmap2::Mmap;

use super::budget::{Limit, Shared, human};
use super::packed::{self, Packed};
use super::{LineText, fault};

/// Bytes of the start and of the end of a mapped file kept to notice a rewrite.
const PROBE: usize = 4096;

pub enum Bytes {
    Mapped(Mapped),
    Owned(Vec<u8>),
    /// A mapped gzip file as the load reads it: its text inflated whole, to
    /// be parsed, and the access points to let the text go after (`pack`).
    Inflated {
        file: Mapped,
        text: Vec<u8>,
        index: packed::Index,
    },
    /// A mapped gzip file after the load: the text is inflated again span by
    /// span where lines are read (see `packed`).
    Packed {
        file: Mapped,
        packed: Packed,
    },
}

/// A read-only map of a regular file, registered with the SIGBUS guard.
pub struct Mapped {
    // Declared before `map` so it is unregistered before the range is unmapped.
    guard: fault::Guard,
    map: Mmap,
    file: File,
    head: Vec<u8>,
    tail: Vec<u8>,
    /// Set by `check` when the file no longer holds what was loaded.
    changed: AtomicBool,
}

impl Mapped {
    fn changed(&self) -> bool {
        self.changed.load(Ordering::Acquire) || self.guard.faulted()
    }

    /// Compares the file with what was mapped: shorter than the map, or other
    /// bytes at its start or at the end of the loaded part, means it was
    /// truncated or rewritten. Appends (Exim's own writes) are no change.
    fn check(&self) -> bool {
        if self.changed() {
            return true;
        }
        let len = self.map.len();
        let same = || -> io::Result<bool> {
            if self.file.metadata()?.len() < len as u64 {
                return Ok(false);
            }
            let mut buf = vec![0u8; PROBE];
            for (at, want) in [(0, &self.head), (len - self.tail.len(), &self.tail)] {
                let got = &mut buf[..want.len()];
                self.file.read_exact_at(got, at as u64)?;
                if got != want.as_slice() {
                    return Ok(false);
                }
            }
            Ok(true)
        };
        if !same().unwrap_or(false) {
            self.changed.store(true, Ordering::Release);
        }
        self.changed()
    }
}

impl Bytes {
    /// The text, where it is held whole: all but a packed gzip file, whose
    /// text is only inflated span by span (`Source::text`).
    pub fn as_slice(&self) -> Option<&[u8]> {
        match self {
            Bytes::Mapped(m) => Some(&m.map),
            Bytes::Owned(v) => Some(v),
            Bytes::Inflated { text, .. } => Some(text),
            Bytes::Packed { .. } => None,
        }
    }

    fn len(&self) -> u64 {
        match self {
            Bytes::Packed { packed, .. } => packed.len(),
            other => other.as_slice().map_or(0, |s| s.len() as u64),
        }
    }

    /// Bytes claimed from the load's budget for what this holds: what was
    /// read or inflated into memory.
    pub fn held(&self) -> u64 {
        match self {
            Bytes::Owned(v) | Bytes::Inflated { text: v, .. } => v.capacity() as u64,
            Bytes::Mapped(_) | Bytes::Packed { .. } => 0,
        }
    }

    /// The map a change on disk is watched on.
    fn mapped(&self) -> Option<&Mapped> {
        match self {
            Bytes::Mapped(m) | Bytes::Inflated { file: m, .. } | Bytes::Packed { file: m, .. } => {
                Some(m)
            }
            Bytes::Owned(_) => None,
        }
    }

    /// Lets the inflated text of a gzip file go, once it is parsed: its lines
    /// are inflated again from the file where they are read. Returns the bytes
    /// freed. Other bytes are kept as they are.
    pub fn pack(self) -> (Bytes, u64) {
        match self {
            Bytes::Inflated { file, text, index } => {
                // The windows kept were never claimed from the budget.
                let freed = (text.capacity() as u64).saturating_sub(index.heap_bytes() as u64);
                drop(text);
                let packed = Packed::new(index);
                (Bytes::Packed { file, packed }, freed)
            }
            other => (other, 0),
        }
    }
}

/// One input file as loaded.
pub struct Source {
    /// What the user named (`-` for stdin).
    pub name: String,
    pub(crate) data: Bytes,
    /// Offset of this source's first byte in the model's global offset space.
    pub base: u64,
    /// Shown instead of each line once the file changed under its map.
    notice: Vec<u8>,
    /// More of the same file as the source before it (a followed file comes in
    /// pieces): its lines are numbered on from there, and it is no file of its own.
    continues: bool,
}

impl Source {
    /// A copy of a source read into memory (`None` for a mapped one, which is
    /// never appended to).
    pub(crate) fn owned_copy(&self) -> Option<Source> {
        let Bytes::Owned(v) = &self.data else {
            return None;
        };
        Some(Source {
            name: self.name.clone(),
            data: Bytes::Owned(v.clone()),
            base: self.base,
            notice: self.notice.clone(),
            continues: self.continues,
        })
    }

    pub fn new(name: String, data: Bytes, base: u64) -> Source {
        let notice = format!("[{name} changed on disk since it was loaded]").into_bytes();
        Source {
            name,
            data,
            base,
            notice,
            continues: false,
        }
    }

    /// This source as more of the file the source before it came from.
    pub fn continuing(mut self) -> Source {
        self.continues = true;
        self
    }

    /// Whether this source is more of the file before it (see `continuing`).
    pub fn continues(&self) -> bool {
        self.continues
    }

    /// The loaded bytes, where they are held whole (not for a packed gzip
    /// file: see `text`); empty once the file changed under its map (see
    /// `changed`).
    pub fn bytes(&self) -> Option<&[u8]> {
        if self.changed() {
            Some(&[])
        } else {
            self.data.as_slice()
        }
    }

    /// Bytes `[from, to)` of the text, clamped to it; the notice once the
    /// file changed under its map, or no longer inflates.
    pub fn text(&self, from: usize, to: usize) -> LineText<'_> {
        if self.changed() {
            return LineText::borrowed(&self.notice);
        }
        let got = match &self.data {
            Bytes::Packed { file, packed } => packed.text(&file.map, from as u64, to as u64),
            other => other.as_slice().map(|d| {
                let to = to.min(d.len());
                LineText::borrowed(&d[from.min(to)..to])
            }),
        };
        // Reading the end of the text may just find the file shrunk: the
        // fault marks it changed (a map's bytes are not read until here).
        if let Some(t) = &got {
            std::hint::black_box(t.last().copied());
        }
        match got {
            Some(t) if !self.changed() => t,
            _ => LineText::borrowed(&self.notice),
        }
    }

    /// The spans a packed gzip text is inflated in (`span`); 0 for other
    /// sources, whose text is whole (`bytes`).
    pub fn spans(&self) -> usize {
        match &self.data {
            Bytes::Packed { packed, .. } => packed.spans(),
            _ => 0,
        }
    }

    /// Span `k` of a packed gzip text, inflated into `out` (not cached: a pass
    /// over every span would only push out the spans lately shown); its offset
    /// in the text, or `None` once the file changed or no longer inflates.
    pub fn span(&self, k: usize, out: &mut Vec<u8>) -> Option<u64> {
        let Bytes::Packed { file, packed } = &self.data else {
            return None;
        };
        if self.changed() {
            return None;
        }
        let at = packed.inflate_span(&file.map, k, out)?;
        (!self.changed()).then_some(at)
    }

    pub fn len(&self) -> u64 {
        self.data.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether the file is known to have been truncated or rewritten since it was
    /// mapped. Cheap (no system call): `check` is what looks at the file.
    pub fn changed(&self) -> bool {
        self.data.mapped().is_some_and(Mapped::changed)
    }

    /// Looks at the file (one `fstat`, two small reads) and says whether it
    /// changed; once changed, a source stays changed. Copies never change.
    pub fn check(&self) -> bool {
        self.data.mapped().is_some_and(Mapped::check)
    }

    /// The placeholder line shown for this source's lines once it changed.
    pub fn notice(&self) -> &[u8] {
        &self.notice
    }

    pub fn heap_bytes(&self) -> usize {
        match &self.data {
            Bytes::Owned(v) => v.capacity(),
            Bytes::Mapped(m) => m.head.capacity() + m.tail.capacity() + self.notice.capacity(),
            Bytes::Inflated { file, text, index } => {
                file.head.capacity() + file.tail.capacity() + text.capacity() + index.heap_bytes()
            }
            Bytes::Packed { file, packed } => {
                file.head.capacity() + file.tail.capacity() + packed.heap_bytes()
            }
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error(
        "{path}: no such file (pass the path of an Exim main log, e.g. /var/log/exim4/mainlog)"
    )]
    NotFound { path: String },
    #[error("{path}: permission denied (try sudo, or add yourself to the adm group)")]
    PermissionDenied { path: String },
    #[error("{path}: is a directory (pass the log file inside it, e.g. {path}/mainlog)")]
    Directory { path: String },
    #[error("{path}: not a valid gzip file: {source}")]
    Gzip { path: String, source: io::Error },
    #[error(
        "{path}: stopped after reading {}: the memory limit is {limit}; raise it with --max-memory SIZE (e.g. --max-memory {})",
        human(*read),
        limit.raised()
    )]
    TooBig {
        path: String,
        read: u64,
        limit: Limit,
    },
    #[error("{path}: {source}")]
    Io { path: String, source: io::Error },
}

fn io_error(path: &str, e: io::Error) -> SourceError {
    match e.kind() {
        io::ErrorKind::NotFound => SourceError::NotFound {
            path: path.to_string(),
        },
        io::ErrorKind::PermissionDenied => SourceError::PermissionDenied {
            path: path.to_string(),
        },
        _ => SourceError::Io {
            path: path.to_string(),
            source: e,
        },
    }
}

const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// Whether `open` would get past the file system: the file exists, is not a directory
/// and can be opened. The interactive view asks before it takes the terminal over.
pub fn probe(path: &Path) -> Result<(), SourceError> {
    let name = path.display().to_string();
    let meta = std::fs::metadata(path).map_err(|e| io_error(&name, e))?;
    if meta.is_dir() {
        return Err(SourceError::Directory { path: name });
    }
    File::open(path).map_err(|e| io_error(&name, e))?;
    Ok(())
}

/// Maps or reads one input. `-` is stdin. Gzip is recognised by its magic bytes,
/// whatever the name: a `.gz` name on plain text is read as text.
///
/// A mapped gzip file is indexed for inflating again every `gzip_span` bytes
/// of its text (`packed::SPAN`), to be packed once parsed (`Bytes::pack`).
pub fn open(
    path: &Path,
    allow_mmap: bool,
    gzip_span: u64,
    budget: &Shared,
) -> Result<Bytes, SourceError> {
    let name = path.display().to_string();
    if name == "-" {
        return read_stream(&name, io::stdin().lock(), 0, budget).map(Bytes::Owned);
    }
    let meta = std::fs::metadata(path).map_err(|e| io_error(&name, e))?;
    if meta.is_dir() {
        return Err(SourceError::Directory { path: name });
    }
    let file = File::open(path).map_err(|e| io_error(&name, e))?;
    let mut hint = 0;
    if meta.is_file() && meta.len() > 0 {
        // A regular file can be probed without moving its position.
        let gz = gzip_size(&file, meta.len());
        if allow_mmap && let Some(m) = map(&file) {
            let Some(size) = gz else {
                return Ok(Bytes::Mapped(m));
            };
            return inflate_mapped(&name, m, size, gzip_span, budget);
        }
        hint = gz.unwrap_or(meta.len());
    }
    read_stream(&name, file, hint, budget).map(Bytes::Owned)
}

/// Bytes `open` will hold or map for `path`, as far as it can tell without
/// reading it: for gzip, the size its trailer gives. 0 for streams. For progress.
pub fn expected_len(path: &Path) -> u64 {
    // Looked at before opening: opening a FIFO would wait for its writer, and
    // take what it writes from the real read.
    match std::fs::metadata(path) {
        Ok(m) if m.is_file() => File::open(path)
            .ok()
            .and_then(|f| gzip_size(&f, m.len()))
            .unwrap_or(m.len()),
        _ => 0,
    }
}

/// What `open` will certainly take for `path`, as far as its size tells before
/// it is read, for the check before a load (`load::check_fit`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Least {
    /// Bytes held in memory for the model's life (a file that cannot be
    /// mapped, gzip read without a map).
    pub held: u64,
    /// Bytes held only while the file is parsed: a mapped gzip file's text,
    /// let go once parsed (`Bytes::pack`).
    pub while_parsed: u64,
    /// Bytes of log text.
    pub text: u64,
}

/// What `open` will certainly take for `path`. A lower bound: a gzip trailer
/// that is not plausible counts as its compressed size, and streams count
/// nothing.
pub fn least_len(path: &Path, allow_mmap: bool) -> Least {
    let none = Least::default();
    let Ok(m) = std::fs::metadata(path) else {
        return none;
    };
    if !m.is_file() || path.as_os_str() == "-" {
        return none;
    }
    let Ok(f) = File::open(path) else {
        return none;
    };
    let held = |n: u64| Least {
        held: n,
        while_parsed: 0,
        text: n,
    };
    match gzip_size(&f, m.len()) {
        // The 4x guess of `gzip_size` for an implausible trailer is no bound.
        Some(n) if n == m.len().saturating_mul(4) => held(m.len()),
        Some(n) if allow_mmap => Least {
            held: 0,
            while_parsed: n,
            text: n,
        },
        Some(n) => held(n),
        None if allow_mmap => Least {
            held: 0,
            while_parsed: 0,
            text: m.len(),
        },
        None => held(m.len()),
    }
}

/// For a gzip file of `len` bytes, the uncompressed size to expect: the size
/// its last member's trailer gives (ISIZE) when plausible, else 4 times `len`
/// (as the trailer is modulo 4 GiB and a file may hold several members).
/// `None` if the file is no gzip.
fn gzip_size(file: &File, len: u64) -> Option<u64> {
    let mut magic = [0u8; 2];
    if file.read_exact_at(&mut magic, 0).is_err() || magic != GZIP_MAGIC {
        return None;
    }
    let mut trailer = [0u8; 4];
    let isize = match len.checked_sub(4) {
        Some(at) if file.read_exact_at(&mut trailer, at).is_ok() => {
            u64::from(u32::from_le_bytes(trailer))
        }
        _ => 0,
    };
    // Deflate cannot shrink text below about 1/1032; a trailer beyond that, or
    // below the compressed size, is wrapped or from another member.
    let plausible = isize >= len / 2 && isize <= len.saturating_mul(1032);
    Some(if plausible {
        isize
    } else {
        len.saturating_mul(4)
    })
}

/// Maps `file` under the SIGBUS guard; `None` (read it instead) when it cannot
/// be mapped or guarded.
fn map(file: &File) -> Option<Mapped> {
    // SAFETY: the map is read-only and private to us. The file can still shrink
    // underneath: the guard turns the resulting SIGBUS into zero pages and marks
    // the source changed, and every reader of lines looks at that mark.
    let map = unsafe { Mmap::map(file) }.ok()?;
    if map.is_empty() {
        return None;
    }
    let guard = fault::guard(map.as_ptr() as usize, map.len())?;
    let n = map.len().min(PROBE);
    let head = map[..n].to_vec();
    let tail = map[map.len() - n..].to_vec();
    Some(Mapped {
        guard,
        map,
        file: file.try_clone().ok()?,
        head,
        tail,
        changed: AtomicBool::new(false),
    })
}

/// Inflates a mapped gzip file whole within the budget, noting where its text
/// can be inflated again once it is let go (`Bytes::pack`).
fn inflate_mapped(
    name: &str,
    file: Mapped,
    hint: u64,
    span: u64,
    budget: &Shared,
) -> Result<Bytes, SourceError> {
    let gzip = |e: SourceError| match e {
        SourceError::Io { path, source } => SourceError::Gzip { path, source },
        other => other,
    };
    let mut r = packed::Indexer::new(&file.map, span).map_err(|e| gzip(io_error(name, e)))?;
    let text = read_bounded(name, &mut r, hint, budget).map_err(gzip)?;
    let index = r.finish(text.len() as u64);
    if file.changed() {
        return Err(SourceError::Gzip {
            path: name.to_string(),
            source: io::Error::other("the file changed while it was read"),
        });
    }
    Ok(Bytes::Inflated { file, text, index })
}

/// Reads a stream whole within the budget, decompressing it if it starts with the
/// gzip magic. The magic is sniffed by reading, never by seeking, so pipes and
/// FIFOs lose no byte: the sniffed prefix is chained back in front of the rest.
///
/// `hint` is the size to expect once decompressed (see `gzip_size`).
fn read_stream(
    name: &str,
    inner: impl Read,
    hint: u64,
    budget: &Shared,
) -> Result<Vec<u8>, SourceError> {
    let mut r = BufReader::with_capacity(64 << 10, inner);
    let mut prefix = [0u8; 2];
    let mut n = 0;
    while n < prefix.len() {
        match r.read(&mut prefix[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(io_error(name, e)),
        }
    }
    let whole = (&prefix[..n]).chain(r);
    if prefix[..n] == GZIP_MAGIC {
        let mut gz = flate2::read::MultiGzDecoder::new(whole);
        read_bounded(name, &mut gz, hint, budget).map_err(|e| match e {
            SourceError::Io { path, source } => SourceError::Gzip { path, source },
            other => other,
        })
    } else {
        let mut whole = whole;
        read_bounded(name, &mut whole, hint, budget)
    }
}

/// Reads to the end, growing the buffer only while the budget allows: an endless
/// or exploding stream ends with `TooBig` instead of an aborted allocation.
/// Several readers may share the budget (see `load`): each claims its growth
/// before allocating it, and a failed read gives back what it held.
fn read_bounded(
    name: &str,
    r: &mut dyn Read,
    hint: u64,
    budget: &Shared,
) -> Result<Vec<u8>, SourceError> {
    let mut buf: Vec<u8> = Vec::new();
    let read = fill(name, r, hint, budget, &mut buf);
    let before = buf.capacity() as u64;
    if read.is_err() {
        buf = Vec::new();
    } else {
        buf.shrink_to_fit();
    }
    budget.give_back(before - buf.capacity() as u64);
    read.map(|()| buf)
}

fn fill(
    name: &str,
    r: &mut dyn Read,
    hint: u64,
    budget: &Shared,
    buf: &mut Vec<u8>,
) -> Result<(), SourceError> {
    let too_big = |read: usize| SourceError::TooBig {
        path: name.to_string(),
        read: read as u64,
        limit: budget.limit,
    };
    loop {
        let cap = buf.capacity() as u64;
        // One byte past the hint, so a file of the hinted size needs no growth
        // just to find its end.
        let want = cap
            .saturating_mul(2)
            .max(hint.saturating_add(1))
            .max(64 << 10);
        let extra = budget.claim(want.saturating_sub(cap));
        if extra == 0 {
            return Err(too_big(buf.len()));
        }
        let reserved = usize::try_from(extra)
            .ok()
            .and_then(|n| buf.try_reserve_exact(n).ok());
        let grown = buf.capacity() as u64 - cap;
        if grown >= extra {
            budget.add(grown - extra);
        } else {
            budget.give_back(extra - grown);
        }
        if reserved.is_none() {
            return Err(too_big(buf.len()));
        }
        let asked = buf.capacity() - buf.len();
        // `take` stops read_to_end at the reserved capacity, so it never grows
        // the buffer behind the budget's back.
        let got = r
            .take(asked as u64)
            .read_to_end(buf)
            .map_err(|e| io_error(name, e))?;
        if got < asked {
            return Ok(());
        }
    }
}

/// The logs mailtriage opens when given no file, in the order tried.
pub const DEFAULT_LOGS: [&str; 3] = [
    "/var/log/exim4/mainlog",
    "/var/log/exim/main.log",
    "/var/spool/exim/log/mainlog",
];

pub fn default_log() -> Option<PathBuf> {
    DEFAULT_LOGS.iter().map(PathBuf::from).find(|p| p.is_file())
}
