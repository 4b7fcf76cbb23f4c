//! Gzip text kept compressed after the load: the `.gz` file stays mapped (its
//! pages are the page cache's, not ours), and spans of its text are inflated
//! again when a line is shown or searched.
//!
//! Deflate can only be entered where its decoder state is known, so the load
//! records access points as it inflates (zlib's `examples/zran.c` method): at a
//! block boundary about every `SPAN` bytes of text, the input position to the
//! bit and the 32 KiB of text before it, which back-references may reach. A
//! span is inflated from its point with that window as the dictionary. The
//! points cost 32 KiB per MiB of text (3 %) where the text itself cost 100 %.
//!
//! Inflating needs zlib's `Z_BLOCK`, `inflatePrime` and the dictionary calls,
//! which flate2 does not offer: they come from `libz-rs-sys`, the C interface
//! of the `zlib-rs` backend flate2 already uses.

use std::io::{self, Read};
use std::mem::MaybeUninit;
use std::sync::{Arc, Mutex};

use libz_rs_sys as z;

/// Text between access points. A span is what one line shown costs to inflate
/// (a few milliseconds); its window is what it costs to keep (32 KiB).
pub const SPAN: u64 = 1 << 20;
const WINDOW: usize = 32 << 10;
/// Spans kept inflated, most recently used last: a message's lines are close
/// together in the log, so its detail needs one or two.
const CACHED: usize = 16;
const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];
/// `windowBits` for a gzip member with its header and trailer, and for raw
/// deflate (what a point resumes in the middle of).
const GZIP: i32 = 15 + 16;
const RAW: i32 = -15;

/// Where inflating can start again.
struct Point {
    /// Offset in the text.
    out: u64,
    /// Offset in the compressed bytes of the first whole byte still to read.
    inp: u64,
    /// Bits of the byte before `inp` still to read (0: none).
    bits: u8,
    /// The text before `out` (up to 32 KiB) for back-references; none at the
    /// start of the stream, where inflating starts with the gzip header.
    window: Box<[u8]>,
}

/// An inflate stream of zlib's interface, ended when dropped.
struct Stream {
    // Boxed: zlib's state points back at its stream, which must not move.
    strm: Box<z::z_stream>,
}

impl Stream {
    fn new(window_bits: i32) -> Option<Stream> {
        let mut strm = Box::new(z::z_stream::default());
        // SAFETY: a default stream has no allocator set, and zlib-rs then uses
        // Rust's; the version and size are those of the library linked.
        let ret = unsafe {
            z::inflateInit2_(
                &mut *strm,
                window_bits,
                z::zlibVersion(),
                std::mem::size_of::<z::z_stream>() as i32,
            )
        };
        (ret == z::Z_OK).then_some(Stream { strm })
    }

    fn reset(&mut self, window_bits: i32) -> bool {
        // SAFETY: the stream was initialised by `new`.
        unsafe { z::inflateReset2(&mut *self.strm, window_bits) == z::Z_OK }
    }

    fn prime(&mut self, bits: u8, value: u8) -> bool {
        // SAFETY: as `reset`.
        unsafe { z::inflatePrime(&mut *self.strm, i32::from(bits), i32::from(value)) == z::Z_OK }
    }

    fn set_dictionary(&mut self, d: &[u8]) -> bool {
        // SAFETY: as `reset`; `d` is read for its length, which fits a window.
        unsafe { z::inflateSetDictionary(&mut *self.strm, d.as_ptr(), d.len() as u32) == z::Z_OK }
    }

    /// The text the stream would refer back into now (up to 32 KiB).
    fn dictionary(&self) -> Box<[u8]> {
        let mut d = vec![0u8; WINDOW];
        let mut n: u32 = 0;
        // SAFETY: `d` is writable for 32 KiB, which is always enough.
        let ret = unsafe { z::inflateGetDictionary(&*self.strm, d.as_mut_ptr(), &mut n) };
        if ret != z::Z_OK {
            n = 0;
        }
        d.truncate((n as usize).min(WINDOW));
        d.into_boxed_slice()
    }

    /// `Z_BLOCK`'s report: bit 7 at the end of a block, bit 6 in the last block
    /// of the stream, bits 0–2 the bits of the last byte read still unused.
    fn data_type(&self) -> i32 {
        self.strm.data_type
    }

    /// Inflates from `input` into `output`: zlib's return code, the bytes read
    /// and the bytes written.
    fn inflate(
        &mut self,
        input: &[u8],
        output: &mut [MaybeUninit<u8>],
        flush: i32,
    ) -> (i32, usize, usize) {
        let avail_in = input.len().min(u32::MAX as usize);
        let avail_out = output.len().min(u32::MAX as usize);
        self.strm.next_in = input.as_ptr();
        self.strm.avail_in = avail_in as u32;
        self.strm.next_out = output.as_mut_ptr().cast();
        self.strm.avail_out = avail_out as u32;
        // SAFETY: the pointers and lengths were just set from live slices,
        // which outlive the call; zlib only writes within `avail_out`.
        let ret = unsafe { z::inflate(&mut *self.strm, flush) };
        let used = avail_in - self.strm.avail_in as usize;
        let made = avail_out - self.strm.avail_out as usize;
        // Nothing may keep pointing into the slices after they go.
        self.strm.next_in = std::ptr::null();
        self.strm.avail_in = 0;
        self.strm.next_out = std::ptr::null_mut();
        self.strm.avail_out = 0;
        (ret, used, made)
    }
}

impl Drop for Stream {
    fn drop(&mut self) {
        // SAFETY: the stream was initialised by `new` and is ended once.
        unsafe {
            z::inflateEnd(&mut *self.strm);
        }
    }
}

fn corrupt(what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, what.to_string())
}

/// Inflates gzip bytes (members one after another, as `MultiGzDecoder`) as a
/// reader, noting access points on the way: the first read of a load, whose
/// text is parsed and then let go (`Packed::new`).
///
/// Bytes after the last member that are no gzip header end the text, as
/// `gzip -d` ignores trailing garbage; a member cut short is an error.
pub struct Indexer<'a> {
    comp: &'a [u8],
    pos: usize,
    stream: Stream,
    /// Between members: the next read starts a new one, if there is one.
    between: bool,
    done: bool,
    out: u64,
    points: Vec<Point>,
    span: u64,
}

impl<'a> Indexer<'a> {
    /// Reads `comp`, with access points about every `span` bytes of text
    /// (`SPAN`; tests take less).
    pub fn new(comp: &'a [u8], span: u64) -> io::Result<Indexer<'a>> {
        let stream =
            Stream::new(GZIP).ok_or_else(|| io::Error::other("inflate could not start"))?;
        Ok(Indexer {
            comp,
            pos: 0,
            stream,
            between: false,
            done: false,
            out: 0,
            span: span.max(1),
            points: vec![Point {
                out: 0,
                inp: 0,
                bits: 0,
                window: Box::default(),
            }],
        })
    }

    /// The access points, for text of `len` bytes (what was read).
    pub fn finish(self, len: u64) -> Index {
        let mut points = self.points;
        points.retain(|p| p.out < len || p.out == 0);
        points.shrink_to_fit();
        Index { points, len }
    }

    fn read_uninit(&mut self, buf: &mut [MaybeUninit<u8>]) -> io::Result<usize> {
        loop {
            if self.done || buf.is_empty() {
                return Ok(0);
            }
            let rest = self.comp.get(self.pos..).unwrap_or_default();
            if self.between {
                if !rest.starts_with(&GZIP_MAGIC) {
                    self.done = true;
                    return Ok(0);
                }
                if !self.stream.reset(GZIP) {
                    return Err(io::Error::other("inflate could not restart"));
                }
                self.between = false;
            }
            let (ret, used, made) = self.stream.inflate(rest, buf, z::Z_BLOCK);
            self.pos += used;
            self.out += made as u64;
            match ret {
                z::Z_OK => {
                    let dt = self.stream.data_type();
                    let last = self.points.last().map_or(0, |p| p.out);
                    // At the end of a block that is not the stream's last: the
                    // next block starts afresh from here and its window.
                    if dt & 0xc0 == 0x80 && self.out > 0 && self.out - last >= self.span {
                        let window = self.stream.dictionary();
                        self.points.push(Point {
                            out: self.out,
                            inp: self.pos as u64,
                            bits: (dt & 7) as u8,
                            window,
                        });
                    }
                }
                z::Z_STREAM_END => self.between = true,
                z::Z_BUF_ERROR if used > 0 || made > 0 => {}
                z::Z_BUF_ERROR => {
                    return Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        "the compressed data end before the gzip member does (truncated file)",
                    ));
                }
                z::Z_NEED_DICT => return Err(corrupt("deflate data ask for a preset dictionary")),
                _ => return Err(corrupt("invalid compressed data")),
            }
            if made > 0 {
                return Ok(made);
            }
        }
    }
}

impl Read for Indexer<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        // SAFETY: a `&mut [u8]` is a valid `&mut [MaybeUninit<u8>]`; inflate
        // only writes initialised bytes into it.
        let buf = unsafe { &mut *(buf as *mut [u8] as *mut [MaybeUninit<u8>]) };
        self.read_uninit(buf)
    }
}

/// The access points of one gzip text, and its length.
pub struct Index {
    points: Vec<Point>,
    len: u64,
}

impl Index {
    pub fn len(&self) -> u64 {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Bytes the index holds: the windows, mostly.
    pub fn heap_bytes(&self) -> usize {
        self.points.capacity() * std::mem::size_of::<Point>()
            + self.points.iter().map(|p| p.window.len()).sum::<usize>()
    }

    /// Span `k` as `[start, end)` of the text.
    fn bounds(&self, k: usize) -> Option<(u64, u64)> {
        let p = self.points.get(k)?;
        let end = self.points.get(k + 1).map_or(self.len, |q| q.out);
        Some((p.out, end))
    }

    /// The span holding text offset `at`.
    fn span_of(&self, at: u64) -> usize {
        self.points
            .partition_point(|p| p.out <= at)
            .saturating_sub(1)
    }

    /// Inflates span `k` from `comp` again; `None` when the bytes no longer
    /// inflate to it (the file changed, or a fault zeroed its pages).
    fn inflate(&self, comp: &[u8], k: usize) -> Option<Vec<u8>> {
        let mut out = Vec::new();
        self.inflate_into(comp, k, &mut out).map(|()| out)
    }

    /// As `inflate`, into `out` (cleared first), whose memory a pass over
    /// many spans uses again.
    fn inflate_into(&self, comp: &[u8], k: usize, out: &mut Vec<u8>) -> Option<()> {
        out.clear();
        let p = self.points.get(k)?;
        let (start, end) = self.bounds(k)?;
        let want = usize::try_from(end - start).ok()?;
        out.reserve_exact(want);
        let mut raw = p.out != 0;
        let mut stream = Stream::new(if raw { RAW } else { GZIP })?;
        let mut pos = usize::try_from(p.inp).ok()?;
        if raw {
            if p.bits > 0 {
                let byte = *comp.get(pos.checked_sub(1)?)?;
                if !stream.prime(p.bits, byte >> (8 - p.bits)) {
                    return None;
                }
            }
            if !stream.set_dictionary(&p.window) {
                return None;
            }
        }
        while out.len() < want {
            let rest = comp.get(pos..)?;
            let room = want - out.len();
            let (ret, used, made) =
                stream.inflate(rest, &mut out.spare_capacity_mut()[..room], z::Z_NO_FLUSH);
            pos += used;
            // SAFETY: inflate initialised `made` bytes after the length.
            unsafe { out.set_len(out.len() + made) };
            match ret {
                z::Z_OK => {}
                z::Z_BUF_ERROR if used > 0 || made > 0 => {}
                z::Z_STREAM_END => {
                    // Raw deflate leaves the member's trailer (CRC and size)
                    // unread; a gzip stream has read it.
                    if raw {
                        pos += 8;
                        raw = false;
                    }
                    if !comp.get(pos..)?.starts_with(&GZIP_MAGIC) || !stream.reset(GZIP) {
                        break;
                    }
                }
                _ => return None,
            }
        }
        (out.len() == want).then_some(())
    }
}

/// A gzip text held compressed: its bytes, its access points, the spans
/// inflated lately.
pub struct Packed {
    index: Index,
    cache: Mutex<Vec<(usize, Arc<Vec<u8>>)>>,
}

impl Packed {
    pub fn new(index: Index) -> Packed {
        Packed {
            index,
            cache: Mutex::new(Vec::new()),
        }
    }

    pub fn len(&self) -> u64 {
        self.index.len
    }

    pub fn is_empty(&self) -> bool {
        self.index.is_empty()
    }

    pub fn heap_bytes(&self) -> usize {
        let cached = self
            .cache
            .lock()
            .map_or(0, |c| c.iter().map(|(_, s)| s.len()).sum::<usize>());
        self.index.heap_bytes() + cached
    }

    /// Span `k`, inflated (from the cache when it was lately).
    fn span(&self, comp: &[u8], k: usize) -> Option<Arc<Vec<u8>>> {
        if let Ok(mut c) = self.cache.lock()
            && let Some(i) = c.iter().position(|(j, _)| *j == k)
        {
            let hit = c.remove(i);
            let s = hit.1.clone();
            c.push(hit);
            return Some(s);
        }
        // Inflated without the lock: another thread's line need not wait.
        let s = Arc::new(self.index.inflate(comp, k)?);
        if let Ok(mut c) = self.cache.lock()
            && !c.iter().any(|(j, _)| *j == k)
        {
            if c.len() >= CACHED {
                c.remove(0);
            }
            c.push((k, s.clone()));
        }
        Some(s)
    }

    /// Text `[from, to)` (offsets in the text), inflated from `comp`; `None`
    /// when it no longer inflates (see `Index::inflate`).
    pub fn text<'a>(&self, comp: &[u8], from: u64, to: u64) -> Option<super::LineText<'a>> {
        let to = to.min(self.index.len);
        if from >= to {
            return Some(super::LineText::default());
        }
        let k = self.index.span_of(from);
        let (start, end) = self.index.bounds(k)?;
        let first = self.span(comp, k)?;
        if to <= end {
            return Some(super::LineText::shared(
                first,
                (from - start) as usize,
                (to - start) as usize,
            ));
        }
        // A line across spans: copied together from each.
        let mut v = Vec::with_capacity(usize::try_from(to - from).ok()?);
        v.extend_from_slice(first.get((from - start) as usize..)?);
        let mut k = k + 1;
        while (v.len() as u64) < to - from {
            let (start, _) = self.index.bounds(k)?;
            let s = self.span(comp, k)?;
            let need = ((to - start) as usize).min(s.len());
            v.extend_from_slice(s.get(..need)?);
            k += 1;
        }
        Some(super::LineText::owned(v))
    }

    /// The spans of the text, between one access point and the next.
    pub fn spans(&self) -> usize {
        self.index.points.len()
    }

    /// Span `k`, inflated afresh into `out` (not cached): its offset in the
    /// text, or `None` where it no longer inflates.
    pub fn inflate_span(&self, comp: &[u8], k: usize, out: &mut Vec<u8>) -> Option<u64> {
        let (start, _) = self.index.bounds(k)?;
        self.index.inflate_into(comp, k, out)?;
        Some(start)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::{Compression, write::GzEncoder};
    use proptest::prelude::*;
    use std::io::Write;

    fn gz(parts: &[&[u8]], level: u32) -> Vec<u8> {
        let mut out = Vec::new();
        for p in parts {
            let mut e = GzEncoder::new(Vec::new(), Compression::new(level));
            e.write_all(p).expect("write");
            out.extend(e.finish().expect("finish"));
        }
        out
    }

    /// Text that compresses like a log: repeated words with changing numbers.
    fn log_text(lines: usize, seed: u64) -> Vec<u8> {
        let mut t = Vec::new();
        let mut x = seed | 1;
        for i in 0..lines {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            writeln!(
                t,
                "2026-12-02 10:{:02}:{:02} 1w{x:x}-00 <= a{}@example.org H=[10.0.{}.{}] S={}",
                i % 60,
                (i / 60) % 60,
                x % 7,
                x % 255,
                x % 9999,
                x % 100000
            )
            .expect("write");
        }
        t
    }

    fn index(comp: &[u8], span: u64) -> (Vec<u8>, Index) {
        let mut r = Indexer::new(comp, span).expect("indexer");
        let mut text = Vec::new();
        r.read_to_end(&mut text).expect("inflate");
        let n = text.len() as u64;
        (text, r.finish(n))
    }

    fn check_all(comp: &[u8], text: &[u8], span: u64) {
        let (read, idx) = index(comp, span);
        assert_eq!(read, text, "the first read gives the text");
        let packed = Packed::new(idx);
        assert_eq!(packed.len(), text.len() as u64);
        // Every span, and ranges across spans, read as the text.
        let mut whole = Vec::new();
        let mut s = Vec::new();
        for k in 0..packed.spans() {
            let at = packed.inflate_span(comp, k, &mut s).expect("span");
            assert_eq!(at, whole.len() as u64);
            whole.extend_from_slice(&s);
        }
        assert_eq!(whole, text);
        let n = text.len();
        for (from, to) in [
            (0, n),
            (0, 1),
            (n / 3, n / 3 + 5000),
            (n.saturating_sub(10), n),
            (n / 2, n / 2),
        ] {
            let got = packed.text(comp, from as u64, to as u64).expect("text");
            assert_eq!(&*got, &text[from.min(to)..to], "{from}..{to}");
        }
    }

    #[test]
    fn points_resume_at_every_level_and_across_members() {
        let a = log_text(3000, 1);
        let b = log_text(2000, 2);
        for level in [0, 1, 6, 9] {
            check_all(&gz(&[&a], level), &a, 4096);
            let both: Vec<u8> = [a.clone(), b.clone()].concat();
            check_all(&gz(&[&a, &b], level), &both, 4096);
            // An empty member between two.
            check_all(&gz(&[&a, b"", &b], level), &both, 10_000);
        }
        // Points fall on deflate block boundaries, tens of KiB apart here.
        let big = log_text(40_000, 6);
        let (_, idx) = index(&gz(&[&big], 6), 4096);
        assert!(
            idx.points.len() > 20,
            "small spans give many points: {}",
            idx.points.len()
        );
        assert!(
            idx.points.iter().any(|p| p.bits != 0),
            "some points start within a byte"
        );
    }

    #[test]
    fn trailing_garbage_ends_the_text_and_a_cut_member_is_an_error() {
        let a = log_text(500, 3);
        let mut comp = gz(&[&a], 6);
        let whole = comp.clone();
        comp.extend_from_slice(&[0; 100]);
        check_all(&comp, &a, 4096);
        let cut = &whole[..whole.len() / 2];
        let mut r = Indexer::new(cut, 4096).expect("indexer");
        let err = r.read_to_end(&mut Vec::new()).expect_err("truncated");
        assert_eq!(err.kind(), io::ErrorKind::UnexpectedEof);
        let mut bad = whole.clone();
        bad[20] ^= 0xff;
        bad[21] ^= 0x55;
        // Corrupt data either fail to inflate or fail the CRC; never panic.
        let _ = Indexer::new(&bad, 4096)
            .expect("indexer")
            .read_to_end(&mut Vec::new());
    }

    #[test]
    fn changed_bytes_give_none_not_garbage_or_a_panic() {
        let a = log_text(3000, 4);
        let comp = gz(&[&a], 6);
        let (_, idx) = index(&comp, 4096);
        let packed = Packed::new(idx);
        let zeros = vec![0u8; comp.len()];
        assert!(packed.text(&zeros, 50_000, 50_100).is_none());
        assert!(
            packed
                .text(
                    &comp[..comp.len() / 2],
                    (a.len() - 100) as u64,
                    a.len() as u64
                )
                .is_none()
        );
        let mut s = Vec::new();
        assert!((0..packed.spans()).all(|k| packed.inflate_span(&zeros, k, &mut s).is_none()));
    }

    #[test]
    fn the_cache_keeps_a_bounded_number_of_spans() {
        let a = log_text(80_000, 5);
        let comp = gz(&[&a], 6);
        let (_, idx) = index(&comp, 4096);
        let spans = idx.points.len();
        assert!(spans > CACHED * 2);
        let packed = Packed::new(idx);
        for at in (0..a.len()).step_by(2048) {
            let got = packed
                .text(&comp, at as u64, (at + 10) as u64)
                .expect("text");
            assert_eq!(&*got, &a[at..(at + 10).min(a.len())]);
        }
        assert!(packed.cache.lock().expect("lock").len() <= CACHED);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]
        #[test]
        fn any_range_reads_as_the_text(
            lines in 1usize..1500,
            seed in any::<u64>(),
            cut in 0usize..4,
            level in 0u32..10,
            span in 512u64..20_000,
            ranges in proptest::collection::vec((0.0f64..1.0, 0usize..9000), 1..20),
        ) {
            let t = log_text(lines, seed);
            let at = t.len() * cut / 4;
            let comp = gz(&[&t[..at], &t[at..]], level);
            let (read, idx) = index(&comp, span);
            prop_assert_eq!(&read, &t);
            let packed = Packed::new(idx);
            for (f, len) in ranges {
                let from = ((t.len() as f64) * f) as usize;
                let to = (from + len).min(t.len());
                let got = packed.text(&comp, from as u64, to as u64).expect("text");
                prop_assert_eq!(&*got, &t[from..to]);
            }
        }
    }
}
