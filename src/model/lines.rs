//! Where each line starts, in 4 bytes a line instead of 8: a 64-bit base per block
//! of lines plus a 32-bit offset from it. A new block also starts whenever an
//! offset would not fit, so no input (however long its lines) breaks the scheme.

const BLOCK_LINES: usize = 1 << 16;

/// A line's bytes from its start to the next line's: without its `\n`, and the
/// `\r` of a CRLF before it.
pub fn without_terminator(l: &[u8]) -> &[u8] {
    let l = l.strip_suffix(b"\n").unwrap_or(l);
    l.strip_suffix(b"\r").unwrap_or(l)
}

#[derive(Default, Clone)]
pub struct LineStarts {
    /// (first line of the block, its global offset), in line order.
    blocks: Vec<(u32, u64)>,
    offs: Vec<u32>,
}

impl LineStarts {
    pub fn len(&self) -> usize {
        self.offs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.offs.is_empty()
    }

    pub fn reserve(&mut self, n: usize) {
        self.offs.reserve(n);
    }

    pub fn capacity_bytes(&self) -> usize {
        self.offs.capacity() * 4 + self.blocks.capacity() * 16
    }

    pub fn push(&mut self, start: u64) {
        let i = self.offs.len();
        let fits = self
            .blocks
            .last()
            .is_some_and(|&(_, base)| start >= base && start - base <= u32::MAX as u64);
        if i.is_multiple_of(BLOCK_LINES) || !fits {
            self.blocks.push((i as u32, start));
        }
        let base = self.blocks.last().map_or(0, |b| b.1);
        self.offs.push((start - base) as u32);
    }

    fn block_of(&self, i: usize) -> (u32, u64) {
        // Blocks start at every BLOCK_LINES lines, plus rare extra ones.
        let guess = (i / BLOCK_LINES).min(self.blocks.len().saturating_sub(1));
        match self.blocks.get(guess) {
            Some(&b)
                if b.0 as usize <= i
                    && self.blocks.get(guess + 1).is_none_or(|n| n.0 as usize > i) =>
            {
                b
            }
            _ => {
                let k = self.blocks.partition_point(|b| b.0 as usize <= i);
                self.blocks[k.saturating_sub(1)]
            }
        }
    }

    pub fn get(&self, i: usize) -> Option<u64> {
        let off = *self.offs.get(i)?;
        Some(self.block_of(i).1 + off as u64)
    }

    /// Number of lines whose start satisfies `pred` (starts are increasing):
    /// like `slice::partition_point`.
    pub fn partition_point(&self, pred: impl Fn(u64) -> bool) -> usize {
        let (mut lo, mut hi) = (0usize, self.offs.len());
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if self.get(mid).is_some_and(&pred) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        lo
    }
}

/// Each line's next line of the same message, in 2 bytes a line instead of 4:
/// the distance to it. The rare link longer than that (a message retried hours
/// later on a busy server, 65,535 lines on) is kept in a map of its own.
#[derive(Default, Clone)]
pub struct LineLinks {
    /// Distance to the next line; `NEAR_NONE` for none, `FAR` to look in `far`.
    near: Vec<u16>,
    far: rustc_hash::FxHashMap<u32, u32>,
}

const NEAR_NONE: u16 = 0;
const FAR: u16 = u16::MAX;

impl LineLinks {
    pub fn len(&self) -> usize {
        self.near.len()
    }

    pub fn is_empty(&self) -> bool {
        self.near.is_empty()
    }

    pub fn reserve(&mut self, n: usize) {
        self.near.reserve(n);
    }

    pub fn capacity_bytes(&self) -> usize {
        self.near.capacity() * 2 + self.far.capacity() * 9
    }

    /// A new last line, linked to nothing yet.
    pub fn push(&mut self) {
        self.near.push(NEAR_NONE);
    }

    /// Links line `i` to `next`, a later line; `NONE` (or an earlier line,
    /// which no message has) unlinks it.
    pub fn set(&mut self, i: u32, next: u32) {
        let Some(slot) = self.near.get_mut(i as usize) else {
            return;
        };
        if *slot == FAR {
            self.far.remove(&i);
        }
        *slot = match next.checked_sub(i) {
            Some(d) if next != super::NONE && d > 0 && d < FAR as u32 => d as u16,
            Some(d) if next != super::NONE && d > 0 => {
                self.far.insert(i, next);
                FAR
            }
            _ => NEAR_NONE,
        };
    }

    /// The next line of line `i`'s message: `Some(NONE)` at its last line,
    /// `None` past the end.
    pub fn get(&self, i: u32) -> Option<u32> {
        Some(match *self.near.get(i as usize)? {
            NEAR_NONE => super::NONE,
            FAR => self.far.get(&i).copied().unwrap_or(super::NONE),
            d => i + u32::from(d),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_near_and_far_read_back_and_relink() {
        use super::super::NONE;
        let mut l = LineLinks::default();
        for _ in 0..200_000 {
            l.push();
        }
        let pairs = [
            (0, 1),
            (1, 65_534),
            (2, 65_537),
            (3, 199_999),
            (7, NONE),
            (65_534, 65_535),
        ];
        for (i, n) in pairs {
            l.set(i, n);
        }
        for (i, n) in pairs {
            assert_eq!(l.get(i), Some(n), "line {i}");
        }
        assert_eq!(l.get(5), Some(NONE));
        assert_eq!(l.get(200_000), None);
        // Relinked from far to near and back: the map follows.
        l.set(2, 3);
        assert_eq!(l.get(2), Some(3));
        assert!(!l.far.contains_key(&2));
        l.set(1, 100_000);
        assert_eq!(l.get(1), Some(100_000));
        // Nothing links backwards or to itself.
        l.set(9, 9);
        l.set(10, 4);
        assert_eq!((l.get(9), l.get(10)), (Some(NONE), Some(NONE)));
    }

    #[test]
    fn starts_round_trip_across_blocks_and_huge_gaps() {
        let mut s = LineStarts::default();
        let mut want = Vec::new();
        let mut pos = 0u64;
        for i in 0..200_000u64 {
            want.push(pos);
            s.push(pos);
            // Every so often a line longer than 4 GiB (as offsets go).
            pos += if i % 50_000 == 7 {
                5 << 30
            } else {
                1 + i % 300
            };
        }
        for (i, &w) in want.iter().enumerate() {
            assert_eq!(s.get(i), Some(w), "line {i}");
        }
        assert_eq!(s.get(want.len()), None);
        for probe in [0u64, 1, want[1234], want[1234] + 1, want[150_000], u64::MAX] {
            assert_eq!(
                s.partition_point(|x| x <= probe),
                want.partition_point(|&x| x <= probe)
            );
        }
    }
}
