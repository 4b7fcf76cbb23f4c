//! The text of a line as `Model::line` hands it out: borrowed from a map or a
//! buffer, or shared with a span of gzip text inflated again (`packed`), which
//! the model cannot lend for longer than its cache keeps the span.

use std::ops::Deref;
use std::sync::Arc;

#[derive(Clone)]
pub struct LineText<'a> {
    hold: Hold<'a>,
    from: usize,
    to: usize,
}

#[derive(Clone)]
enum Hold<'a> {
    Borrowed(&'a [u8]),
    /// A span inflated again, or a line copied together across spans.
    Shared(Arc<Vec<u8>>),
}

impl Default for LineText<'_> {
    fn default() -> Self {
        LineText::borrowed(&[])
    }
}

impl<'a> LineText<'a> {
    pub fn borrowed(s: &'a [u8]) -> LineText<'a> {
        LineText {
            hold: Hold::Borrowed(s),
            from: 0,
            to: s.len(),
        }
    }

    /// `span[from..to]`, keeping the span alive.
    pub(crate) fn shared(span: Arc<Vec<u8>>, from: usize, to: usize) -> LineText<'a> {
        let to = to.min(span.len());
        LineText {
            from: from.min(to),
            to,
            hold: Hold::Shared(span),
        }
    }

    pub(crate) fn owned(v: Vec<u8>) -> LineText<'a> {
        let to = v.len();
        LineText::shared(Arc::new(v), 0, to)
    }

    fn whole(&self) -> &[u8] {
        match &self.hold {
            Hold::Borrowed(s) => s,
            Hold::Shared(s) => s,
        }
    }

    /// The part of this text that `f` picks, which is a slice of it; a slice
    /// from elsewhere (a constant) is copied. `None` when `f` picks nothing.
    pub fn try_narrow(self, f: impl FnOnce(&[u8]) -> Option<&[u8]>) -> Option<LineText<'a>> {
        let picked = {
            let text = &*self;
            let base = text.as_ptr() as usize;
            let sub = f(text)?;
            let at = (sub.as_ptr() as usize).wrapping_sub(base);
            if at <= text.len() && sub.len() <= text.len() - at {
                Ok((at, sub.len()))
            } else {
                Err(sub.to_vec())
            }
        };
        Some(match picked {
            Ok((at, len)) => {
                let from = self.from + at;
                match self.hold {
                    Hold::Borrowed(s) => LineText::borrowed(&s[from..from + len]),
                    hold => LineText {
                        hold,
                        from,
                        to: from + len,
                    },
                }
            }
            Err(copy) => LineText::owned(copy),
        })
    }

    /// As `try_narrow`, for a pick that always finds something.
    pub fn narrow(self, f: impl FnOnce(&[u8]) -> &[u8]) -> LineText<'a> {
        self.try_narrow(|t| Some(f(t))).unwrap_or_default()
    }
}

impl Deref for LineText<'_> {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        self.whole().get(self.from..self.to).unwrap_or_default()
    }
}

impl AsRef<[u8]> for LineText<'_> {
    fn as_ref(&self) -> &[u8] {
        self
    }
}

impl std::fmt::Debug for LineText<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}", String::from_utf8_lossy(self))
    }
}

impl PartialEq for LineText<'_> {
    fn eq(&self, other: &Self) -> bool {
        **self == **other
    }
}

impl Eq for LineText<'_> {}

impl PartialEq<[u8]> for LineText<'_> {
    fn eq(&self, other: &[u8]) -> bool {
        &**self == other
    }
}

impl PartialEq<&[u8]> for LineText<'_> {
    fn eq(&self, other: &&[u8]) -> bool {
        &**self == *other
    }
}

impl<const N: usize> PartialEq<&[u8; N]> for LineText<'_> {
    fn eq(&self, other: &&[u8; N]) -> bool {
        &**self == other.as_slice()
    }
}

impl<const N: usize> PartialEq<[u8; N]> for LineText<'_> {
    fn eq(&self, other: &[u8; N]) -> bool {
        &**self == other.as_slice()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn narrowing_keeps_the_picked_part_of_every_kind() {
        let span = Arc::new(b"xxhello worldyy".to_vec());
        let kinds = [
            LineText::borrowed(b"hello world"),
            LineText::shared(span, 2, 13),
            LineText::owned(b"hello world".to_vec()),
        ];
        for t in kinds {
            assert_eq!(t, b"hello world");
            let w = t.clone().narrow(|s| &s[6..]);
            assert_eq!(w, b"world");
            let o = w.clone().narrow(|s| &s[1..3]);
            assert_eq!(o, b"or");
            // A pick from elsewhere is copied, not misread as an offset.
            assert_eq!(t.clone().narrow(|_| b"other"), b"other");
            assert!(t.try_narrow(|_| None).is_none());
        }
    }
}
