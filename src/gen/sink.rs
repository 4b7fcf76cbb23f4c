//! Line output: time-stamp prefix, one reusable buffer, and the byte budget.
//! Never writes a partial line: a line that would pass the target is dropped, and so is all after it.

use std::io::{self, Write};

use super::clock::{MsgId, Stamp};

const FLUSH_AT: usize = 1 << 18;

pub struct Sink<W: Write> {
    out: W,
    pub buf: Vec<u8>,
    flushed: u64,
    target: u64,
    pub lines: u64,
    pub full: bool,
    stamp: Stamp,
    millis: bool,
    pids: bool,
    start: usize,
}

impl<W: Write> Sink<W> {
    pub fn new(out: W, target: u64, millis: bool, pids: bool) -> Self {
        Sink {
            out,
            buf: Vec::with_capacity(FLUSH_AT + 16 * 1024),
            flushed: 0,
            target,
            lines: 0,
            full: false,
            stamp: Stamp::new(),
            millis,
            pids,
            start: 0,
        }
    }

    /// Starts a line: `YYYY-MM-DD HH:MM:SS[.mmm] [[pid] ]`.
    pub fn begin(&mut self, t_ms: u64, pid: u32) {
        self.start = self.buf.len();
        let st = self.stamp.set((t_ms / 1000) as i64);
        self.buf.extend_from_slice(st);
        if self.millis {
            let ms = (t_ms % 1000) as u32;
            self.buf.extend_from_slice(&[
                b'.',
                b'0' + (ms / 100) as u8,
                b'0' + (ms / 10 % 10) as u8,
                b'0' + (ms % 10) as u8,
            ]);
        }
        self.buf.push(b' ');
        if self.pids {
            self.buf.push(b'[');
            num(&mut self.buf, u64::from(pid));
            self.buf.extend_from_slice(b"] ");
        }
    }

    /// Starts a line that carries a message id.
    pub fn begin_id(&mut self, t_ms: u64, pid: u32, id: &MsgId) {
        self.begin(t_ms, pid);
        self.buf.extend_from_slice(id.as_bytes());
        self.buf.push(b' ');
    }

    pub fn end(&mut self) -> io::Result<()> {
        if self.full {
            self.buf.truncate(self.start);
            return Ok(());
        }
        self.buf.push(b'\n');
        if self.flushed + self.buf.len() as u64 > self.target {
            self.buf.truncate(self.start);
            self.full = true;
            return Ok(());
        }
        self.lines += 1;
        if self.buf.len() >= FLUSH_AT {
            self.out.write_all(&self.buf)?;
            self.flushed += self.buf.len() as u64;
            self.buf.clear();
        }
        Ok(())
    }

    pub fn finish(mut self) -> io::Result<(u64, u64)> {
        self.out.write_all(&self.buf)?;
        self.flushed += self.buf.len() as u64;
        self.buf.clear();
        self.out.flush()?;
        Ok((self.flushed, self.lines))
    }
}

/// Decimal without going through `fmt` (this runs several times per line).
#[inline]
pub fn num(buf: &mut Vec<u8>, mut v: u64) {
    let mut tmp = [0u8; 20];
    let mut i = tmp.len();
    loop {
        i -= 1;
        tmp[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    buf.extend_from_slice(&tmp[i..]);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sink_never_passes_the_target() {
        let mut out = Vec::new();
        {
            // Each line is 26 bytes: two fit in 60, the third would not.
            let mut s = Sink::new(&mut out, 60, false, false);
            for _ in 0..10 {
                s.begin(0, 1);
                s.buf.extend_from_slice(b"hello");
                s.end().ok();
            }
            let (bytes, lines) = s.finish().unwrap_or((0, 0));
            assert_eq!(lines, 2);
            assert_eq!(bytes, 52);
        }
        assert_eq!(out.len(), 52);
    }

    #[test]
    fn prefix_has_millis_and_pid_when_asked() {
        let mut out = Vec::new();
        let mut s = Sink::new(&mut out, 1000, true, true);
        s.begin(1_748_736_000_042, 4711);
        s.buf.extend_from_slice(b"x");
        s.end().ok();
        s.finish().ok();
        assert_eq!(out, b"2025-06-01 00:00:00.042 [4711] x\n");
    }
}
