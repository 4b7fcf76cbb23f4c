//! Log bytes as text a terminal shows inertly, for the TUI and every CLI output.
//! Must never let a byte through that moves the cursor or hides itself.
//!
//! The escaped form is unambiguous: `\xNN` below 0x80 is that control byte, at or
//! above 0x80 a byte that is not UTF-8; `\u{NNNN}` is an unsafe character; `\t`,
//! `\n`, `\r` are those controls; and a backslash from the log is doubled exactly
//! when what follows it could otherwise be read as one of these. Two different
//! inputs therefore never look the same (a test decodes the form back).

use std::fmt::Write;

use super::class::{is_combining, is_unsafe};

#[derive(Clone, Copy)]
enum Unit {
    Char(char),
    Byte(u8),
}

/// The characters of `b`, and each byte that is not UTF-8 on its own. Lazy: a
/// line can be megabytes long, and only one unit of look-ahead is needed.
fn units(b: &[u8]) -> impl Iterator<Item = Unit> + '_ {
    b.utf8_chunks().flat_map(|chunk| {
        let bytes = chunk.invalid().iter().map(|&x| Unit::Byte(x));
        chunk.valid().chars().map(Unit::Char).chain(bytes)
    })
}

/// Whether `u` is written as an escape when it follows a visible character
/// (`after_base`) or not.
fn escaped(u: Unit, after_base: bool) -> bool {
    match u {
        Unit::Byte(_) => true,
        Unit::Char(c) => is_unsafe(c) || (!after_base && is_combining(c)),
    }
}

/// Visible, inert text for a terminal: controls, format, bidi and invisible
/// characters as `\xNN`/`\u{NNNN}` (`\t`, `\n`, `\r` for those three), a bad
/// UTF-8 byte as `\xNN`, a combining mark with nothing before it to combine with
/// as `\u{NNNN}`; everything else as itself.
pub fn sanitize(b: &[u8]) -> String {
    let mut units = units(b).peekable();
    let mut out = String::with_capacity(b.len());
    // A combining mark is drawn as itself only on top of a visible character
    // that came from the log, never on an escape, a space or the pane's edge.
    let mut after_base = false;
    while let Some(u) = units.next() {
        match u {
            Unit::Char('\\') => {
                let ambiguous = units.peek().is_some_and(|&n| match n {
                    Unit::Char('\\' | 'x' | 'u' | 't' | 'n' | 'r') => true,
                    n => escaped(n, true),
                });
                out.push_str(if ambiguous { "\\\\" } else { "\\" });
                after_base = true;
            }
            u if escaped(u, after_base) => {
                push_escape(&mut out, u);
                after_base = false;
            }
            Unit::Char(c) => {
                out.push(c);
                after_base = !c.is_whitespace();
            }
            Unit::Byte(_) => {}
        }
    }
    out
}

fn push_escape(out: &mut String, u: Unit) {
    let _ = match u {
        Unit::Byte(x) => write!(out, "\\x{x:02x}"),
        Unit::Char('\t') => write!(out, "\\t"),
        Unit::Char('\n') => write!(out, "\\n"),
        Unit::Char('\r') => write!(out, "\\r"),
        Unit::Char(c) if (c as u32) < 0x80 => write!(out, "\\x{:02x}", c as u32),
        Unit::Char(c) => write!(out, "\\u{{{:04x}}}", c as u32),
    };
}

/// Text that may span lines (an error message with a parser's caret diagram):
/// each line sanitised, and every line after the first indented, so nothing in
/// the text can start a line of its own that looks like a new message.
pub fn sanitize_lines(s: &str) -> String {
    s.split('\n')
        .map(|l| sanitize(l.as_bytes()))
        .collect::<Vec<_>>()
        .join("\n  ")
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use proptest::prelude::Strategy;

    /// Reads the escaped form back to bytes: the proof that `sanitize` is injective.
    pub(crate) fn unsanitize(s: &str) -> Option<Vec<u8>> {
        let mut out = Vec::new();
        let mut rest = s;
        while let Some(c) = rest.chars().next() {
            if c != '\\' {
                let mut buf = [0; 4];
                out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                rest = &rest[c.len_utf8()..];
                continue;
            }
            let tail = &rest[1..];
            match tail.chars().next() {
                Some('\\') => {
                    out.push(b'\\');
                    rest = &tail[1..];
                }
                Some(e @ ('t' | 'n' | 'r')) => {
                    out.push(match e {
                        't' => b'\t',
                        'n' => b'\n',
                        _ => b'\r',
                    });
                    rest = &tail[1..];
                }
                Some('x') => {
                    out.push(u8::from_str_radix(tail.get(1..3)?, 16).ok()?);
                    rest = &tail[3..];
                }
                Some('u') => {
                    let end = tail.find('}')?;
                    let c = char::from_u32(u32::from_str_radix(tail.get(2..end)?, 16).ok()?)?;
                    let mut buf = [0; 4];
                    out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                    rest = &tail[end + 1..];
                }
                _ => {
                    out.push(b'\\');
                    rest = tail;
                }
            }
        }
        Some(out)
    }

    #[test]
    fn escapes_are_made_visible() {
        assert_eq!(sanitize(b"a\x1b[31mred\x07"), "a\\x1b[31mred\\x07");
        assert_eq!(sanitize(b"\xff\xfeok"), "\\xff\\xfeok");
        assert_eq!(
            sanitize("caf\u{e9} \u{9b}2J".as_bytes()),
            "caf\u{e9} \\u{009b}2J"
        );
        assert_eq!(sanitize("x\u{202e}y".as_bytes()), "x\\u{202e}y");
        assert_eq!(sanitize(b"tab\there\r\n\x7f"), "tab\\there\\r\\n\\x7f");
    }

    #[test]
    fn invisible_characters_are_shown() {
        assert_eq!(sanitize("a\u{200b}b".as_bytes()), "a\\u{200b}b");
        assert_eq!(sanitize("a\u{2028}b".as_bytes()), "a\\u{2028}b");
        assert_eq!(sanitize("soft\u{ad}hy".as_bytes()), "soft\\u{00ad}hy");
        assert_eq!(
            sanitize("\u{1f468}\u{200d}\u{1f469}".as_bytes()),
            "\u{1f468}\\u{200d}\u{1f469}"
        );
        assert_eq!(sanitize("\u{feff}x".as_bytes()), "\\u{feff}x");
        assert_eq!(sanitize("\u{e0041}".as_bytes()), "\\u{e0041}");
        assert_eq!(sanitize("\u{2764}\u{fe0f}".as_bytes()), "\u{2764}\\u{fe0f}");
    }

    #[test]
    fn combining_marks_need_something_to_combine_with() {
        assert_eq!(sanitize("e\u{301}".as_bytes()), "e\u{301}");
        assert_eq!(sanitize("\u{301}e".as_bytes()), "\\u{0301}e");
        assert_eq!(sanitize(" \u{301}".as_bytes()), " \\u{0301}");
        assert_eq!(sanitize("\x1b\u{301}".as_bytes()), "\\x1b\\u{0301}");
        assert_eq!(sanitize("e\u{301}\u{308}".as_bytes()), "e\u{301}\u{308}");
    }

    #[test]
    fn backslashes_are_doubled_only_where_they_would_be_ambiguous() {
        assert_eq!(sanitize(br#"T="a \"q\"""#), r#"T="a \"q\"""#);
        assert_eq!(sanitize(br"\033[1m"), r"\033[1m");
        assert_eq!(sanitize(br"a\xff"), r"a\\xff");
        assert_eq!(sanitize(br"a\\b"), r"a\\\b");
        assert_eq!(sanitize(b"a\\\x1b"), r"a\\\x1b");
        assert_eq!(sanitize(b"a\\\xff"), r"a\\\xff");
        assert_eq!(sanitize(br"end\"), r"end\");
        assert_ne!(sanitize(br"a\xff"), sanitize(b"a\xff"));
    }

    #[test]
    fn distinct_bytes_stay_distinct() {
        assert_ne!(sanitize(b"a\xff@x"), sanitize(b"a\xfe@x"));
        // U+009B written as UTF-8 is not the lone byte 0x9b.
        assert_ne!(sanitize("\u{9b}".as_bytes()), sanitize(b"\x9b"));
        for s in [
            &b"a\xff\\xfe"[..],
            b"\\\\\\",
            b"\\u{41}",
            b"\xc3",
            b"\\\xc3\xa9",
        ] {
            assert_eq!(unsanitize(&sanitize(s)).as_deref(), Some(s), "{s:?}");
        }
    }

    proptest::proptest! {
        #[test]
        fn any_bytes_come_out_inert_and_decodable(
            b in proptest::collection::vec(
                proptest::prop_oneof![
                    proptest::num::u8::ANY.prop_map(|x| vec![x]),
                    proptest::char::any().prop_map(|c| c.to_string().into_bytes()),
                    proptest::sample::select(vec!["\\", "x", "u", "{", "}", "\u{301}", "\u{200d}"])
                        .prop_map(|s| s.as_bytes().to_vec()),
                ],
                0..24,
            )
        ) {
            let b: Vec<u8> = b.concat();
            let s = sanitize(&b);
            for (i, c) in s.char_indices() {
                proptest::prop_assert!(!is_unsafe(c), "{:04x} in {:?}", c as u32, s);
                if is_combining(c) {
                    let before = s[..i].chars().next_back();
                    proptest::prop_assert!(
                        before.is_some_and(|p| !p.is_whitespace()),
                        "lone mark in {:?}", s
                    );
                }
            }
            proptest::prop_assert_eq!(unsanitize(&s), Some(b));
        }
    }

    #[test]
    fn lines_after_the_first_are_indented() {
        assert_eq!(
            sanitize_lines("bad\nmailtriage: fake\r\x1b[2J"),
            "bad\n  mailtriage: fake\\r\\x1b[2J"
        );
    }
}
