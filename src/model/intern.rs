//! Interned byte strings: each distinct sender, host, domain… stored once, named by a
//! `u32`. Keeps the model compact (no `String` per field) and makes grouping cheap.

use std::hash::BuildHasher;

use hashbrown::HashTable;
use rustc_hash::FxBuildHasher;

pub const NONE: u32 = u32::MAX;

#[derive(Default)]
pub struct Interner {
    bytes: Vec<u8>,
    ends: Vec<u32>,
    table: HashTable<u32>,
}

fn hash(b: &[u8]) -> u64 {
    FxBuildHasher.hash_one(b)
}

impl Interner {
    pub fn intern(&mut self, s: &[u8]) -> u32 {
        let h = hash(s);
        let (bytes, ends) = (&self.bytes, &self.ends);
        let get = |i: u32| -> &[u8] {
            let end = ends[i as usize] as usize;
            let start = if i == 0 {
                0
            } else {
                ends[i as usize - 1] as usize
            };
            &bytes[start..end]
        };
        if let Some(&i) = self.table.find(h, |&i| get(i) == s) {
            return i;
        }
        let id = self.ends.len() as u32;
        self.bytes.extend_from_slice(s);
        self.ends.push(self.bytes.len() as u32);
        let (bytes, ends) = (&self.bytes, &self.ends);
        self.table.insert_unique(h, id, |&i| {
            let end = ends[i as usize] as usize;
            let start = if i == 0 {
                0
            } else {
                ends[i as usize - 1] as usize
            };
            hash(&bytes[start..end])
        });
        id
    }

    /// The bytes of an interned string; empty for `NONE` or an unknown id.
    pub fn get(&self, id: u32) -> &[u8] {
        let i = id as usize;
        if i >= self.ends.len() {
            return &[];
        }
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        &self.bytes[start..self.ends[i] as usize]
    }

    pub fn lookup(&self, s: &[u8]) -> Option<u32> {
        self.table.find(hash(s), |&i| self.get(i) == s).copied()
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    pub fn heap_bytes(&self) -> usize {
        self.bytes.capacity() + self.ends.capacity() * 4 + self.table.capacity() * 5
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_bytes_same_id() {
        let mut i = Interner::default();
        let a = i.intern(b"a@example.org");
        let b = i.intern(b"b@example.org");
        assert_ne!(a, b);
        assert_eq!(i.intern(b"a@example.org"), a);
        assert_eq!(i.get(b), b"b@example.org");
        assert_eq!(i.lookup(b"nope"), None);
        assert_eq!(i.get(NONE), b"");
        let e = i.intern(b"");
        assert_eq!(i.get(e), b"");
    }
}
