//! Group keys as text: the exact bytes of a log value, written so that two
//! different values never read the same. Never lossy, never a sanitizer.
//!
//! Valid UTF-8 passes as is, `\` becomes `\\` and each invalid byte `\xHH`, so
//! `a\xff@x` and `a\xfe@x` stay two senders and `key_bytes` gives the bytes
//! back. "No value" and "the empty value" are not values: they print as the
//! labels `(none)` and `<>`, and a value that would read as one of them (a HELO
//! that is literally `(none)`) starts with an escaped byte instead. Control
//! characters are left in: each output sanitizes for its own medium.

use std::fmt::Write;

/// Label of the group of messages that have no value for the key.
pub const NO_VALUE: &str = "(none)";
/// Label of the empty value (the null sender `<>`, an empty HELO).
pub const EMPTY_VALUE: &str = "<>";

/// The exact, reversible text of a value.
pub fn key_text(b: &[u8]) -> String {
    let mut out = String::with_capacity(b.len());
    for chunk in b.utf8_chunks() {
        for c in chunk.valid().chars() {
            if c == '\\' {
                out.push_str("\\\\");
            } else {
                out.push(c);
            }
        }
        for byte in chunk.invalid() {
            let _ = write!(out, "\\x{byte:02x}");
        }
    }
    if out == NO_VALUE || out == EMPTY_VALUE {
        // `(` is `\x28`, `<` is `\x3c`: the value, not the label.
        let first = out.as_bytes().first().copied().unwrap_or_default();
        let rest = out.get(1..).unwrap_or_default();
        return format!("\\x{first:02x}{rest}");
    }
    out
}

/// The bytes `key_text` was given, or `None` if `text` is not such a text
/// (a label, a stray backslash).
pub fn key_bytes(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len());
    let mut rest = text;
    while let Some((head, tail)) = rest.split_once('\\') {
        out.extend_from_slice(head.as_bytes());
        if let Some(t) = tail.strip_prefix('\\') {
            out.push(b'\\');
            rest = t;
        } else {
            let t = tail.strip_prefix('x')?;
            let hex = t.get(..2)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            rest = t.get(2..)?;
        }
    }
    out.extend_from_slice(rest.as_bytes());
    (text != NO_VALUE && text != EMPTY_VALUE && !out.is_empty()).then_some(out)
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
        assert_eq!(key_text(b"a\\b"), "a\\\\b");
        assert_eq!(key_text(b"(none)"), "\\x28none)");
        assert_eq!(key_text("é@x".as_bytes()), "é@x");
        assert_eq!(key_bytes(NO_VALUE), None);
        assert_eq!(key_bytes(EMPTY_VALUE), None);
        assert_eq!(key_bytes("a\\q"), None);
        assert_eq!(key_bytes("a\\xé"), None);
    }
}
