//! Group keys as text: the exact bytes of a log value, written so that two
//! different values never read the same, and safe to show as they are.
//!
//! A key's text is the terminal sanitizer's form of the value (`text::sanitize`:
//! invalid bytes as `\xHH`, controls and invisible characters escaped, a
//! backslash doubled where it could be misread), which is reversible, so
//! `a\xff@x` and `a\xfe@x` stay two senders and `key_bytes` gives the bytes
//! back. Every output (TUI, CLI text, CSV, JSON) shows a key as it is and never
//! sanitizes it again. "No value" and "the empty value" are not values: they
//! print as the labels `(none)` and `<>`, and a value that would read as one of
//! them (a HELO that is literally `(none)`) starts with an escaped byte instead.

use crate::text::{sanitize, unsanitize};

/// Label of the group of messages that have no value for the key.
pub const NO_VALUE: &str = "(none)";
/// Label of the empty value (the null sender `<>`, an empty HELO).
pub const EMPTY_VALUE: &str = "<>";

/// The exact, reversible, terminal-safe text of a value.
pub fn key_text(b: &[u8]) -> String {
    let out = sanitize(b);
    if out == NO_VALUE || out == EMPTY_VALUE {
        // `(` is `\x28`, `<` is `\x3c`: the value, not the label.
        let first = out.as_bytes().first().copied().unwrap_or_default();
        let rest = out.get(1..).unwrap_or_default();
        return format!("\\x{first:02x}{rest}");
    }
    out
}

/// The bytes `key_text` was given, or `None` if `text` is not such a text
/// (a label, a stray escape).
pub fn key_bytes(text: &str) -> Option<Vec<u8>> {
    if text == NO_VALUE || text == EMPTY_VALUE {
        return None;
    }
    unsanitize(text).filter(|b| !b.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distinct_bytes_give_distinct_keys() {
        let values: [&[u8]; 10] = [
            b"a\xff@x.test",
            b"a\xfe@x.test",
            b"a\\xff@x.test",
            b"a\\\\xff@x.test",
            b"a\xef\xbf\xbd@x.test", // U+FFFD itself, which lossy decoding produced
            b"(none)",
            b"<>",
            b"\\x28none)",
            b"caf\xc3\xa9",
            b"caf\xc3",
        ];
        let keys: Vec<String> = values.iter().map(|v| key_text(v)).collect();
        for (i, a) in keys.iter().enumerate() {
            assert_ne!(a, NO_VALUE);
            assert_ne!(a, EMPTY_VALUE);
            for b in &keys[i + 1..] {
                assert_ne!(a, b);
            }
            assert_eq!(key_bytes(a).as_deref(), Some(values[i]), "{a}");
        }
        assert_eq!(key_text(b"a\xff@x.test"), "a\\xff@x.test");
        assert_eq!(key_text(b"a\\b"), "a\\b");
        assert_eq!(key_text(b"a\\xb"), "a\\\\xb");
        assert_eq!(key_text(b"a\x1b]0;t\x07"), "a\\x1b]0;t\\x07");
        assert_eq!(key_text(b"(none)"), "\\x28none)");
        assert_eq!(key_text("é@x".as_bytes()), "é@x");
        assert_eq!(key_bytes(NO_VALUE), None);
        assert_eq!(key_bytes(EMPTY_VALUE), None);
        assert_eq!(key_bytes("a\\q").as_deref(), Some(&b"a\\q"[..]));
        assert_eq!(key_bytes("a\\xé"), None);
    }
}
