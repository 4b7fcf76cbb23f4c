//! Making log text safe to show. Log content is written by strangers: it can hold
//! escape sequences, control, bidi and invisible characters and invalid UTF-8.
//! One entry per output: `sanitize` for a terminal (the TUI and CLI text), `csv`
//! for spreadsheet fields, `json` for JSON strings; all share one list of unsafe
//! characters, so no output lets through what another escapes.

mod class;
pub mod csv;
pub mod json;
mod terminal;

pub use class::is_unsafe;
pub use terminal::{sanitize, sanitize_lines, unsanitize};

/// `1 entry`, `2 entries`: a count with its noun in the right number, for every
/// message a person reads (the CLI's text and the TUI's).
pub fn plural(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
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
    fn exim_escapes_are_undone() {
        assert_eq!(
            unescape_exim(br#"a \"q\" \\ \033[1m"#),
            b"a \"q\" \\ \x1b[1m".to_vec()
        );
        assert_eq!(unescape_exim(br#"trailing\"#), b"trailing\\".to_vec());
        assert_eq!(unescape_exim(br#"\12"#), b"12".to_vec());
    }
}
