//! Making log text safe to show. Log content is written by strangers: it can hold
//! escape sequences, control bytes and invalid UTF-8. Everything drawn or printed
//! to a terminal goes through `sanitize`, which makes such bytes visible and inert.

use std::fmt::Write;

/// Visible, inert text for a terminal: control bytes become `\xNN` (or `\t`, `\n`,
/// `\r`), invalid UTF-8 becomes `\xNN` per byte, other characters pass.
pub fn sanitize(b: &[u8]) -> String {
    let mut out = String::with_capacity(b.len());
    for chunk in b.utf8_chunks() {
        for c in chunk.valid().chars() {
            match c {
                '\t' => out.push_str("\\t"),
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                // C0, DEL and C1 controls (CSI can be a single 0x9b).
                c if c.is_control() => {
                    let _ = write!(out, "\\x{:02x}", c as u32);
                }
                // Bidi overrides can reorder what the admin reads.
                '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' => {
                    let _ = write!(out, "\\u{{{:04x}}}", c as u32);
                }
                c => out.push(c),
            }
        }
        for byte in chunk.invalid() {
            let _ = write!(out, "\\x{byte:02x}");
        }
    }
    out
}

/// Undoes Exim's `string_printing` escapes (`\"`, `\\`, `\n`, `\ooo`) in a quoted
/// value such as a subject. The result is raw bytes: sanitize before display.
pub fn unescape_exim(b: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\' && i + 1 < b.len() {
            let n = b[i + 1];
            match n {
                b'n' => out.push(b'\n'),
                b'r' => out.push(b'\r'),
                b't' => out.push(b'\t'),
                b'0'..=b'7'
                    if b.len() >= i + 4
                        && b[i + 1..i + 4].iter().all(|d| (b'0'..=b'7').contains(d)) =>
                {
                    let v = (b[i + 1] - b'0') as u32 * 64
                        + (b[i + 2] - b'0') as u32 * 8
                        + (b[i + 3] - b'0') as u32;
                    out.push(v as u8);
                    i += 4;
                    continue;
                }
                other => out.push(other),
            }
            i += 2;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_are_made_visible() {
        assert_eq!(sanitize(b"a\x1b[31mred\x07"), "a\\x1b[31mred\\x07");
        assert_eq!(sanitize(b"\xff\xfeok"), "\\xff\\xfeok");
        assert_eq!(
            sanitize("caf\u{e9} \u{9b}2J".as_bytes()),
            "caf\u{e9} \\x9b2J"
        );
        assert_eq!(sanitize("x\u{202e}y".as_bytes()), "x\\u{202e}y");
        assert_eq!(sanitize(b"tab\there\r\n"), "tab\\there\\r\\n");
    }

    #[test]
    fn exim_escapes_are_undone() {
        assert_eq!(
            unescape_exim(br#"a \"q\" \\ \033[1m"#),
            b"a \"q\" \\ \x1b[1m".to_vec()
        );
        assert_eq!(unescape_exim(br#"trailing\"#), b"trailing\\".to_vec());
        assert_eq!(unescape_exim(br#"\12"#), b"12".to_vec());
    }
}
