//! Rows of text wider than their pane: cut to a window with a mark on each cut side, or
//! wrapped into as many rows as they need. Never a silent cut: a row that goes on past
//! the right edge ends in `…`, one scrolled from its start begins with `…`.

use unicode_width::UnicodeWidthChar;

use crate::tui::view::{Row, Tone};

const MARK: char = '\u{2026}';

fn cells(c: char) -> usize {
    c.width().unwrap_or(0)
}

/// Width of a row in cells.
pub fn width(row: &Row) -> usize {
    row.iter()
        .map(|(t, _)| t.chars().map(cells).sum::<usize>())
        .sum()
}

/// The cells `from..from + width` of `row`, with `…` where something is hidden.
pub fn window(row: &Row, from: usize, width: usize) -> Row {
    let total = self::width(row);
    if width == 0 {
        return Vec::new();
    }
    if from == 0 && total <= width {
        return row.clone();
    }
    let left = from > 0 && total > 0;
    let right = total > from + width;
    // Cells kept for text once the marks take theirs.
    let start = from + usize::from(left);
    let end = (from + width).saturating_sub(usize::from(right));
    let mut out: Row = Vec::new();
    if left {
        out.push((MARK.to_string(), Tone::Dim));
    }
    let mut at = 0;
    for (text, tone) in row {
        let mut piece = String::new();
        for c in text.chars() {
            let w = cells(c);
            if at >= start && at + w <= end {
                piece.push(c);
            }
            at += w;
        }
        if !piece.is_empty() {
            out.push((piece, *tone));
        }
    }
    if right {
        out.push((MARK.to_string(), Tone::Dim));
    }
    out
}

/// `row` in rows of at most `width` cells, every character kept.
pub fn wrap(row: &Row, width: usize) -> Vec<Row> {
    let width = width.max(1);
    let mut out: Vec<Row> = vec![Vec::new()];
    let mut used = 0;
    for (text, tone) in row {
        let mut piece = String::new();
        for c in text.chars() {
            let w = cells(c);
            if used + w > width && used > 0 {
                if let Some(last) = out.last_mut()
                    && !piece.is_empty()
                {
                    last.push((std::mem::take(&mut piece), *tone));
                }
                out.push(Vec::new());
                used = 0;
            }
            piece.push(c);
            used += w;
        }
        if let Some(last) = out.last_mut()
            && !piece.is_empty()
        {
            last.push((piece, *tone));
        }
    }
    out
}

/// The rows a pane shows of `rows`: wrapped, or each cut to the window at `hscroll`.
pub fn lay_out(rows: &[Row], width: usize, hscroll: usize, wrapped: bool) -> Vec<Row> {
    if wrapped {
        rows.iter().flat_map(|r| wrap(r, width)).collect()
    } else {
        rows.iter().map(|r| window(r, hscroll, width)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain(s: &str) -> Row {
        vec![(s.to_string(), Tone::Plain)]
    }

    fn text(r: &Row) -> String {
        r.iter().map(|(t, _)| t.as_str()).collect()
    }

    #[test]
    fn a_long_row_is_readable_in_windows_and_in_wrapped_rows() {
        let long: String = (0..500)
            .map(|i| char::from(b'a' + (i % 26) as u8))
            .collect();
        let row = plain(&long);
        let width = 40;
        // Windows half a pane apart, as `>` steps, cover every character.
        let mut seen = vec![false; long.len()];
        let mut from = 0;
        loop {
            let w = text(&window(&row, from, width));
            assert!(w.chars().count() <= width);
            if from + width < long.len() {
                assert!(w.ends_with(MARK), "a cut row says so at {from}");
            }
            if from > 0 {
                assert!(w.starts_with(MARK), "a scrolled row says so at {from}");
            }
            let body = w.trim_start_matches(MARK).trim_end_matches(MARK);
            let at = from + usize::from(from > 0);
            assert_eq!(long.get(at..at + body.len()), Some(body));
            seen[at..at + body.len()].iter_mut().for_each(|s| *s = true);
            if from + width >= long.len() {
                break;
            }
            from += width / 2;
        }
        assert!(
            seen.iter().all(|s| *s),
            "every character shows in some window"
        );
        let rows = wrap(&row, width);
        assert_eq!(rows.iter().map(text).collect::<String>(), long);
        assert!(rows.iter().all(|r| width_of(r) <= width));
        assert_eq!(rows.len(), long.len().div_ceil(width));
    }

    fn width_of(r: &Row) -> usize {
        width(r)
    }

    #[test]
    fn a_row_that_fits_is_left_alone() {
        assert_eq!(window(&plain("short"), 0, 10), plain("short"));
        assert_eq!(wrap(&plain("short"), 10), vec![plain("short")]);
    }
}

/// Rows a text takes when wrapped at `width` cells (a blank one takes one).
pub fn wrapped_rows(t: &str, width: usize) -> usize {
    let row = vec![(t.to_string(), Tone::Plain)];
    wrap(&row, width.max(1)).len().max(1)
}

/// `PgDn` over wrapped lines: the first line of the next page, given the rows each line on
/// screen takes (`rows[0]` is the line at `offset`) in a view of `height` rows and `len`
/// lines. A page is the lines that fit whole, so paging shows every line (a page of
/// `height` lines would skip the ones wrapping pushed below the screen); the last page is
/// kept full, never scrolled past the end.
pub fn wrapped_page(rows: &[usize], offset: usize, height: usize, len: usize) -> usize {
    let Some(last) = len.checked_sub(1) else {
        return 0;
    };
    let mut used = 0;
    let fit = rows
        .iter()
        .take_while(|&&n| {
            used += n;
            used <= height
        })
        .count();
    let mut top = (offset + fit.max(1)).min(last);
    if offset + rows.len() > last {
        let tail = |t: usize| {
            rows.get(t - offset..)
                .map_or(0, |r| r.iter().sum::<usize>())
        };
        while top > offset && tail(top - 1) <= height {
            top -= 1;
        }
    }
    top
}

#[cfg(test)]
mod page_tests {
    use super::wrapped_page;

    #[test]
    fn a_page_is_the_lines_that_fit_whole() {
        // Lines of 3 rows in a 10-row view: three fit, the fourth starts the next page.
        assert_eq!(wrapped_page(&[3; 10], 0, 10, 100), 3);
        assert_eq!(wrapped_page(&[1; 10], 0, 10, 100), 10);
        // A line taller than the view still moves on.
        assert_eq!(wrapped_page(&[20, 1], 0, 10, 100), 1);
    }

    #[test]
    fn the_last_page_is_full_and_never_past_the_end() {
        // Ten lines of 2 rows, 10-row view, at line 4: lines 5..9 (10 rows) fill the last page.
        assert_eq!(wrapped_page(&[2; 6], 4, 10, 10), 5);
        // Already on the last page: it stays.
        assert_eq!(wrapped_page(&[2; 5], 5, 10, 10), 5);
    }
}
