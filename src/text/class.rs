//! Which characters may reach an output as themselves. Owns the one list of
//! characters every output escapes; must never decide how they are written.

use unicode_width::UnicodeWidthChar;

/// Characters that draw nothing, move the cursor, reorder or join text, or that
/// terminals and ratatui disagree on the width of. Merged from Unicode 16's general
/// categories Cf (format), Zl and Zp (line and paragraph separators) and the
/// Default_Ignorable_Code_Point property (which adds variation selectors, the
/// combining grapheme joiner, Hangul fillers and the whole tag block). Sorted.
const INVISIBLE: [(u32, u32); 25] = [
    (0x00ad, 0x00ad),   // soft hyphen
    (0x034f, 0x034f),   // combining grapheme joiner
    (0x0600, 0x0605),   // Arabic number signs (prepended)
    (0x061c, 0x061c),   // Arabic letter mark (bidi)
    (0x06dd, 0x06dd),   // end of ayah
    (0x070f, 0x070f),   // Syriac abbreviation mark
    (0x0890, 0x0891),   // Arabic pound and piastre marks above
    (0x08e2, 0x08e2),   // Arabic disputed end of ayah
    (0x115f, 0x1160),   // Hangul choseong and jungseong fillers
    (0x17b4, 0x17b5),   // Khmer inherent vowels
    (0x180b, 0x180f),   // Mongolian variation selectors, vowel separator
    (0x200b, 0x200f),   // zero width space, ZWNJ, ZWJ, LRM, RLM
    (0x2028, 0x202e),   // line and paragraph separators, bidi embeddings and overrides
    (0x2060, 0x206f),   // word joiner, invisible operators, bidi isolates, deprecated formats
    (0x3164, 0x3164),   // Hangul filler
    (0xfe00, 0xfe0f),   // variation selectors (VS16 switches to a wider emoji glyph)
    (0xfeff, 0xfeff),   // zero width no-break space, byte order mark
    (0xffa0, 0xffa0),   // halfwidth Hangul filler
    (0xfff0, 0xfffb),   // unassigned ignorables, interlinear annotation
    (0x110bd, 0x110bd), // Kaithi number sign
    (0x110cd, 0x110cd), // Kaithi number sign above
    (0x13430, 0x1343f), // Egyptian hieroglyph format controls
    (0x1bca0, 0x1bca3), // shorthand format controls
    (0x1d173, 0x1d17a), // musical symbol format controls
    (0xe0000, 0xe0fff), // tags and variation selectors supplement
];

/// Whether `c` is never shown as itself: a control (C0, DEL, C1), a format,
/// bidi, separator or otherwise invisible character, or a noncharacter.
pub fn is_unsafe(c: char) -> bool {
    let u = c as u32;
    if u < 0xa0 {
        return c.is_control();
    }
    if (0xfdd0..=0xfdef).contains(&u) || u & 0xfffe == 0xfffe {
        return true;
    }
    INVISIBLE
        .binary_search_by(|&(lo, hi)| {
            if hi < u {
                std::cmp::Ordering::Less
            } else if lo > u {
                std::cmp::Ordering::Greater
            } else {
                std::cmp::Ordering::Equal
            }
        })
        .is_ok()
}

/// A character that takes no cell of its own (a combining mark, a conjoining
/// jamo): shown only where it has a visible character to combine with.
pub fn is_combining(c: char) -> bool {
    c.width() == Some(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_sorted_and_disjoint() {
        for w in INVISIBLE.windows(2) {
            assert!(w[0].0 <= w[0].1 && w[0].1 < w[1].0, "{w:x?}");
        }
    }

    #[test]
    fn controls_bidi_and_invisibles_are_unsafe() {
        for c in [
            '\0',
            '\x1b',
            '\x7f',
            '\u{80}',
            '\u{9b}',
            '\u{9f}',
            '\u{ad}',
            '\u{200b}',
            '\u{200d}',
            '\u{200e}',
            '\u{2028}',
            '\u{2029}',
            '\u{202e}',
            '\u{2060}',
            '\u{2066}',
            '\u{2069}',
            '\u{3164}',
            '\u{fe0f}',
            '\u{feff}',
            '\u{fffe}',
            '\u{ffff}',
            '\u{1fffe}',
            '\u{fdd0}',
            '\u{e0001}',
            '\u{e0041}',
            '\u{e007f}',
            '\u{e0100}',
            '\u{61c}',
            '\u{180e}',
        ] {
            assert!(is_unsafe(c), "{:04x}", c as u32);
        }
        for c in [
            'a',
            ' ',
            '~',
            '\u{a0}',
            '\u{e9}',
            '\u{301}',
            '\u{4e2d}',
            '\u{1f600}',
            '\u{fffd}',
        ] {
            assert!(!is_unsafe(c), "{:04x}", c as u32);
        }
    }

    #[test]
    fn marks_are_combining_and_letters_are_not() {
        assert!(is_combining('\u{301}'));
        assert!(is_combining('\u{20dd}'));
        assert!(!is_combining('e'));
        assert!(!is_combining('\u{4e2d}'));
    }
}
