//! Items laid out like words in a paragraph over a fixed number of rows: each item whole
//! on one row, and a `…` where items were left out, so a narrow screen never shows a
//! number cut in half (`v4 1148 v` read as a count of its own).

use ratatui::text::{Line, Span};
use unicode_width::UnicodeWidthStr;

use crate::tui::data::fit_cells;

/// Cells between two items on a row.
const GAP: usize = 2;

fn width(item: &[Span<'_>]) -> usize {
    item.iter().map(|s| s.content.width()).sum()
}

/// An item wider than a whole row keeps its first span's style, cut with `…`.
fn cut<'a>(item: Vec<Span<'a>>, w: usize) -> Vec<Span<'a>> {
    let style = item.first().map(|s| s.style).unwrap_or_default();
    let text: String = item.iter().map(|s| s.content.as_ref()).collect();
    vec![Span::styled(fit_cells(&text, w), style)]
}

/// `items` in order over at most `rows` rows of `w` cells. An item that does not fit the
/// current row starts the next; when the rows run out, the rest is left out and the last
/// row ends in `…`.
pub fn flow<'a>(items: Vec<Vec<Span<'a>>>, w: usize, rows: usize) -> Vec<Line<'a>> {
    let mut lines: Vec<(Vec<Span<'a>>, usize)> = vec![(Vec::new(), 0)];
    let mut left_out = false;
    for item in items {
        let iw = width(&item);
        let Some((row, used)) = lines.last_mut() else {
            break;
        };
        let need = if *used == 0 { iw } else { *used + GAP + iw };
        if *used == 0 && iw > w {
            // Wider than a whole row (many file names): cut where it is, not a row later.
            let item = cut(item, w);
            *used = width(&item);
            row.extend(item);
        } else if need <= w {
            if *used > 0 {
                row.push(Span::raw(" ".repeat(GAP)));
            }
            row.extend(item);
            *used = need;
        } else if lines.len() < rows {
            let item = if iw > w { cut(item, w) } else { item };
            let iw = width(&item);
            lines.push((item, iw));
        } else {
            left_out = true;
            break;
        }
    }
    if left_out && let Some((row, used)) = lines.last_mut() {
        // Room for the mark: drop trailing spans of the last row until it fits, or cut the
        // one left. The mark stands one space apart: `dddd…` would read as a cut value.
        while (*used + 2 > w || row.last().is_some_and(|s| s.content.trim().is_empty()))
            && row.len() > 1
        {
            if let Some(s) = row.pop() {
                *used -= s.content.width();
            }
        }
        if *used + 2 <= w {
            row.push(Span::raw(" \u{2026}"));
        } else if let Some(last) = row.pop() {
            let room = w.saturating_sub(*used - last.content.width());
            let mut t = String::new();
            for c in last.content.chars() {
                let cw = unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
                if t.width() + cw + 1 > room {
                    break;
                }
                t.push(c);
            }
            t.push('\u{2026}');
            row.push(Span::styled(t, last.style));
        }
    }
    lines.into_iter().map(|(row, _)| Line::from(row)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(lines: &[Line<'_>]) -> Vec<String> {
        lines
            .iter()
            .map(|l| l.spans.iter().map(|s| s.content.as_ref()).collect())
            .collect()
    }

    fn items(words: &[&str]) -> Vec<Vec<Span<'static>>> {
        words
            .iter()
            .map(|w| vec![Span::raw(w.to_string())])
            .collect()
    }

    #[test]
    fn items_move_to_the_next_row_whole() {
        let l = flow(items(&["aaaa", "bbbb", "cccc"]), 10, 2);
        assert_eq!(text(&l), ["aaaa  bbbb", "cccc"]);
    }

    #[test]
    fn what_does_not_fit_is_marked() {
        let l = flow(items(&["aaaa", "bbbb", "cccc", "dddd", "eeee"]), 10, 2);
        assert_eq!(text(&l), ["aaaa  bbbb", "cccc …"]);
    }

    #[test]
    fn the_mark_fits_the_row() {
        let t = text(&flow(items(&["aaaa", "bbbb", "cccccccccc", "dd"]), 10, 2));
        assert!(t.iter().all(|r| r.width() <= 10), "{t:?}");
        assert_eq!(t[1], "ccccccccc…");
        let t = text(&flow(items(&["aaaa", "bbbb", "cc", "dddd", "e"]), 10, 2));
        assert_eq!(t[1], "cc  dddd …");
    }

    #[test]
    fn a_first_item_wider_than_a_row_is_cut_on_the_first_row() {
        let l = flow(items(&["aaaaaaaaaaaaaaaa", "b"]), 8, 2);
        assert_eq!(text(&l), ["aaaaaaa…", "b"]);
    }

    #[test]
    fn an_item_wider_than_a_row_is_cut_with_a_mark() {
        let l = flow(items(&["a", "bbbbbbbbbbbbbbbb"]), 8, 2);
        assert_eq!(text(&l), ["a", "bbbbbbb…"]);
    }
}
