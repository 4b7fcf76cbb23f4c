//! JSON whose bytes are as inert as the terminal text: every unsafe character is
//! written as a `\uXXXX` escape, so a parser gets it back but a terminal never sees it.
//! Must never change a value: the output parses to exactly the strings given.

use std::fmt::Write as _;
use std::io;

use serde::Serialize;
use serde_json::ser::{CompactFormatter, Formatter, PrettyFormatter, Serializer};

use super::class::is_unsafe;

/// Log bytes as a JSON string value: valid UTF-8 as itself, each byte that is not
/// UTF-8 as the four characters `\xNN` (JSON strings cannot hold bytes, and U+FFFD
/// would make `\xff` and `\xfe` the same).
pub fn text(b: &[u8]) -> String {
    let mut out = String::with_capacity(b.len());
    for chunk in b.utf8_chunks() {
        out.push_str(chunk.valid());
        for x in chunk.invalid() {
            let _ = write!(out, "\\x{x:02x}");
        }
    }
    out
}

/// `serde_json::to_writer_pretty` with unsafe characters escaped.
pub fn to_writer_pretty<W: io::Write, T: Serialize + ?Sized>(
    w: W,
    value: &T,
) -> serde_json::Result<()> {
    value.serialize(&mut Serializer::with_formatter(
        w,
        Inert(PrettyFormatter::new()),
    ))
}

/// `serde_json::to_writer` with unsafe characters escaped.
pub fn to_writer<W: io::Write, T: Serialize + ?Sized>(w: W, value: &T) -> serde_json::Result<()> {
    value.serialize(&mut Serializer::with_formatter(w, Inert(CompactFormatter)))
}

/// A formatter that writes what `F` writes, except that string content serde_json
/// passes through raw (it escapes only C0, `"` and `\`) is checked for DEL, C1,
/// bidi, separators and invisible characters.
struct Inert<F>(F);

fn write_escaped<W: ?Sized + io::Write>(w: &mut W, c: char) -> io::Result<()> {
    let mut units = [0u16; 2];
    for u in c.encode_utf16(&mut units) {
        write!(w, "\\u{u:04x}")?;
    }
    Ok(())
}

impl<F: Formatter> Formatter for Inert<F> {
    fn write_string_fragment<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        let mut start = 0;
        for (i, c) in fragment.char_indices() {
            if is_unsafe(c) {
                self.0.write_string_fragment(w, &fragment[start..i])?;
                write_escaped(w, c)?;
                start = i + c.len_utf8();
            }
        }
        self.0.write_string_fragment(w, &fragment[start..])
    }

    // The rest is layout, which belongs to the wrapped formatter.
    fn begin_array<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.begin_array(w)
    }
    fn end_array<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_array(w)
    }
    fn begin_array_value<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.0.begin_array_value(w, first)
    }
    fn end_array_value<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_array_value(w)
    }
    fn begin_object<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.begin_object(w)
    }
    fn end_object<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_object(w)
    }
    fn begin_object_key<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.0.begin_object_key(w, first)
    }
    fn end_object_key<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_object_key(w)
    }
    fn begin_object_value<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.begin_object_value(w)
    }
    fn end_object_value<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_object_value(w)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn compact(v: &serde_json::Value) -> String {
        let mut out = Vec::new();
        to_writer(&mut out, v).expect("write");
        String::from_utf8(out).expect("utf8")
    }

    #[test]
    fn unsafe_characters_are_escaped_and_come_back() {
        let hostile = "a\u{7f}\u{9b}2J\u{202e}\u{2028}\u{200b}\u{e0041}\x1b]52;c;x\x07\"\\";
        let v = serde_json::json!({ "key": hostile, "n": [1, -2] });
        let s = compact(&v);
        assert_eq!(
            s,
            r#"{"key":"a\u007f\u009b2J\u202e\u2028\u200b\udb40\udc41\u001b]52;c;x\u0007\"\\","n":[1,-2]}"#
        );
        assert!(s.chars().all(|c| !is_unsafe(c)));
        let back: serde_json::Value = serde_json::from_str(&s).expect("parses");
        assert_eq!(back, v);
    }

    #[test]
    fn pretty_layout_is_kept() {
        let v = serde_json::json!({ "a": ["\u{85}"], "b": {} });
        let mut ours = Vec::new();
        to_writer_pretty(&mut ours, &v).expect("write");
        let theirs = serde_json::to_string_pretty(&v).expect("write");
        assert_eq!(
            String::from_utf8(ours).expect("utf8"),
            theirs.replace('\u{85}', "\\u0085")
        );
    }

    #[test]
    fn bad_utf8_becomes_distinct_visible_bytes() {
        assert_eq!(text(b"a\xff\xfe\xc3\xa9"), "a\\xff\\xfe\u{e9}");
        assert_ne!(text(b"a\xff"), text(b"a\xfe"));
    }
}
