//! Interned byte strings: each distinct sender, host, domain… stored once, named by a
//! `u32`. Keeps the model compact (no `String` per field) and makes grouping cheap.

use std::hash::BuildHasher;

use hashbrown::HashTable;
use rustc_hash::FxBuildHasher;

pub const NONE: u32 = u32::MAX;

#[derive(Default, Clone)]
pub struct Interner {
    bytes: Vec<u8>,
    /// End offset of each string in `bytes`. 64-bit: more than 4 GiB of distinct
    /// strings must not wrap an offset and make one string read as another.
    ends: Vec<u64>,
    table: HashTable<u32>,
}

fn hash(b: &[u8]) -> u64 {
    FxBuildHasher.hash_one(b)
}

/// String `i` of a (bytes, ends) pair; empty for an unknown id.
fn slot<'a>(bytes: &'a [u8], ends: &[u64], i: u32) -> &'a [u8] {
    let i = i as usize;
    let Some(&end) = ends.get(i) else {
        return &[];
    };
    let start = match i.checked_sub(1) {
        Some(p) => ends.get(p).copied().unwrap_or(0),
        None => 0,
    };
    bytes.get(start as usize..end as usize).unwrap_or_default()
}

impl Interner {
    pub fn intern(&mut self, s: &[u8]) -> u32 {
        let h = hash(s);
        let (bytes, ends) = (&self.bytes, &self.ends);
        if let Some(&i) = self.table.find(h, |&i| slot(bytes, ends, i) == s) {
            return i;
        }
        // Ids are u32 and `NONE` is reserved: past that many strings, the
        // last id is reused rather than wrapping onto id 0.
        let Ok(id) = u32::try_from(self.ends.len()) else {
            return NONE - 1;
        };
        if id >= NONE - 1 {
            return NONE - 1;
        }
        self.bytes.extend_from_slice(s);
        self.ends.push(self.bytes.len() as u64);
        let (bytes, ends) = (&self.bytes, &self.ends);
        self.table
            .insert_unique(h, id, |&i| hash(slot(bytes, ends, i)));
        id
    }

    /// The bytes of an interned string; empty for `NONE` or an unknown id.
    pub fn get(&self, id: u32) -> &[u8] {
        slot(&self.bytes, &self.ends, id)
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
        self.bytes.capacity() + self.ends.capacity() * 8 + self.table.capacity() * 5
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
