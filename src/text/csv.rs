//! CSV fields for text from the log, safe to open in a spreadsheet and to print.
//! Must never be used for numbers we write ourselves: only log text is neutralised.

use super::terminal::sanitize;

/// Characters that make a spreadsheet read a cell as a formula (OWASP's CSV
/// injection list, with the full-width forms some spreadsheets also accept).
/// Tab and CR are on OWASP's list too; `sanitize` has already made them `\t`, `\r`.
const FORMULA_START: [char; 8] = [
    '=', '+', '-', '@', '\u{ff1d}', '\u{ff0b}', '\u{ff0d}', '\u{ff20}',
];

/// One field of log text: sanitised like terminal text (a CSV file is read on
/// terminals too), prefixed with `'` when a spreadsheet would read it as a
/// formula (also after leading spaces, which spreadsheets skip), and quoted per
/// RFC 4180 when it holds a comma, a quote or outer spaces, or was neutralised.
pub fn text_field(raw: &[u8]) -> String {
    let s = sanitize(raw);
    let formula = s
        .trim_start()
        .starts_with(|c: char| FORMULA_START.contains(&c));
    let s = if formula { format!("'{s}") } else { s };
    if formula || s.contains([',', '"']) || s.starts_with(' ') || s.ends_with(' ') {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_neutralised() {
        assert_eq!(text_field(b"=cmd|'/C calc'!A0"), "\"'=cmd|'/C calc'!A0\"");
        for f in ["+1", "-1", "@SUM(A1)", "  =1", "\u{ff1d}1"] {
            let out = text_field(f.as_bytes());
            assert!(out.starts_with("\"'"), "{f:?} -> {out:?}");
        }
        assert_eq!(text_field(b"\t=1"), "\\t=1");
        assert_eq!(text_field(b"\r=1"), "\\r=1");
    }

    #[test]
    fn plain_keys_are_unchanged_and_specials_quoted() {
        assert_eq!(text_field(b"mail.example.org"), "mail.example.org");
        assert_eq!(text_field(b"2001:db8::/64"), "2001:db8::/64");
        assert_eq!(text_field(b"(none)"), "(none)");
        assert_eq!(text_field(b"a,b"), "\"a,b\"");
        assert_eq!(text_field(b"say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(text_field(b"x\ny"), "x\\ny");
    }

    #[test]
    fn escapes_do_not_reach_the_file() {
        assert_eq!(text_field(b"\x1b]52;c;aGk=\x07"), "\\x1b]52;c;aGk=\\x07");
        assert_eq!(text_field("\u{202e}x".as_bytes()), "\\u{202e}x");
    }
}
