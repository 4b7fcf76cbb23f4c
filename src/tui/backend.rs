//! The ratatui backend that writes to the terminal: the 16 basic colours as SGR 30–37,
//! 90–97 (and 40–47, 100–107), a screen size clamped to what we lay out, and cells the
//! terminal could measure differently from us written as a plain replacement instead.
//!
//! Never writes bytes from a cell that could change the terminal's state: every escape
//! sequence here is built from numbers.

use std::io::{self, Write};

use ratatui::backend::{Backend, ClearType, WindowSize};
use ratatui::buffer::Cell;
use ratatui::crossterm::cursor::{Hide, MoveTo, Show};
use ratatui::crossterm::terminal::{self, Clear};
use ratatui::crossterm::{execute, queue};
use ratatui::layout::{Position, Size};
use ratatui::style::{Color, Modifier};
use unicode_width::UnicodeWidthStr;

/// The largest screen we lay out and allocate buffers for. A terminal that reports more
/// (a 9999x9999 window costs gigabytes of cells) gets its top-left corner used.
pub const MAX_COLS: u16 = 1000;
pub const MAX_ROWS: u16 = 500;

/// A reported terminal size as the app should use it.
pub fn clamp_size(w: u16, h: u16) -> (u16, u16) {
    (w.min(MAX_COLS), h.min(MAX_ROWS))
}

pub struct BasicBackend<W: Write> {
    writer: W,
    /// A fixed size instead of asking the terminal (tests).
    fixed: Option<Size>,
}

impl<W: Write> BasicBackend<W> {
    /// A backend over the real terminal: the size is the terminal's, clamped.
    pub fn new(writer: W) -> Self {
        BasicBackend {
            writer,
            fixed: None,
        }
    }

    /// A backend of a fixed size writing into `writer` (to capture bytes in a test).
    pub fn with_size(writer: W, width: u16, height: u16) -> Self {
        let (width, height) = clamp_size(width, height);
        BasicBackend {
            writer,
            fixed: Some(Size { width, height }),
        }
    }

    pub fn writer(&self) -> &W {
        &self.writer
    }
}

/// SGR parameter of a foreground colour (`bg` adds 10); `None` for the default.
fn color_code(c: Color) -> Option<ColorCode> {
    use ColorCode::Basic;
    Some(match c {
        Color::Reset => return None,
        Color::Black => Basic(30),
        Color::Red => Basic(31),
        Color::Green => Basic(32),
        Color::Yellow => Basic(33),
        Color::Blue => Basic(34),
        Color::Magenta => Basic(35),
        Color::Cyan => Basic(36),
        Color::Gray => Basic(37),
        Color::DarkGray => Basic(90),
        Color::LightRed => Basic(91),
        Color::LightGreen => Basic(92),
        Color::LightYellow => Basic(93),
        Color::LightBlue => Basic(94),
        Color::LightMagenta => Basic(95),
        Color::LightCyan => Basic(96),
        Color::White => Basic(97),
        Color::Indexed(n) if n < 8 => Basic(30 + n),
        Color::Indexed(n) if n < 16 => Basic(90 + n - 8),
        Color::Indexed(n) => ColorCode::Indexed(n),
        Color::Rgb(r, g, b) => ColorCode::Rgb(r, g, b),
    })
}

#[derive(Clone, Copy)]
enum ColorCode {
    Basic(u8),
    Indexed(u8),
    Rgb(u8, u8, u8),
}

/// One complete SGR sequence for a style: reset, then every attribute and colour. Sending
/// the whole style on each change costs a few bytes and cannot drift from what we meant.
fn write_style<W: Write>(w: &mut W, fg: Color, bg: Color, m: Modifier) -> io::Result<()> {
    w.write_all(b"\x1b[0")?;
    for (flag, code) in [
        (Modifier::BOLD, "1"),
        (Modifier::DIM, "2"),
        (Modifier::ITALIC, "3"),
        (Modifier::UNDERLINED, "4"),
        (Modifier::SLOW_BLINK, "5"),
        (Modifier::RAPID_BLINK, "6"),
        (Modifier::REVERSED, "7"),
        (Modifier::HIDDEN, "8"),
        (Modifier::CROSSED_OUT, "9"),
    ] {
        if m.contains(flag) {
            write!(w, ";{code}")?;
        }
    }
    for (c, base) in [(fg, 0u8), (bg, 10u8)] {
        match color_code(c) {
            None => {}
            Some(ColorCode::Basic(n)) => write!(w, ";{}", n + base)?,
            Some(ColorCode::Indexed(n)) => write!(w, ";{};5;{n}", 38 + base)?,
            Some(ColorCode::Rgb(r, g, b)) => write!(w, ";{};2;{r};{g};{b}", 38 + base)?,
        }
    }
    w.write_all(b"m")
}

/// Marks that combine with the character before them, which every terminal draws in that
/// character's cell (accents of decomposed text).
fn is_combining_mark(c: char) -> bool {
    matches!(c as u32,
        0x0300..=0x036f | 0x1ab0..=0x1aff | 0x1dc0..=0x1dff | 0x20d0..=0x20ff | 0xfe20..=0xfe2f)
}

/// What to write for a cell. One printable character (plus combining accents) is written
/// as it is; anything else a terminal may give another width than ours (zero-width and
/// format characters, joiners, variation selectors, line separators, controls) is written
/// as `�` padded to the width we laid out, so no cell is left stale when it is redrawn.
fn safe_symbol(symbol: &str) -> std::borrow::Cow<'_, str> {
    let mut chars = symbol.chars();
    let plain = match chars.next() {
        None => true,
        Some(first) => {
            !first.is_control()
                && !is_invisible(first)
                && !is_combining_mark(first)
                && chars.all(is_combining_mark)
        }
    };
    if plain {
        return symbol.into();
    }
    let width = symbol.width().max(1);
    let mut s = String::from("\u{fffd}");
    s.extend(std::iter::repeat_n(' ', width - 1));
    s.into()
}

/// Characters without a glyph of their own, whose width terminals disagree on.
fn is_invisible(c: char) -> bool {
    matches!(c as u32,
        0x00ad | 0x034f | 0x061c | 0x115f | 0x1160 | 0x17b4 | 0x17b5 | 0x180b..=0x180f
        | 0x200b..=0x200f | 0x2028..=0x202e | 0x2060..=0x206f | 0x3164 | 0xfe00..=0xfe0f
        | 0xfeff | 0xffa0 | 0xfff0..=0xfffb | 0x1bca0..=0x1bca3 | 0x1d173..=0x1d17a
        | 0xe0000..=0xe0fff)
}

impl<W: Write> Backend for BasicBackend<W> {
    type Error = io::Error;

    fn draw<'a, I>(&mut self, content: I) -> io::Result<()>
    where
        I: Iterator<Item = (u16, u16, &'a Cell)>,
    {
        let mut style: Option<(Color, Color, Modifier)> = None;
        let mut last: Option<Position> = None;
        for (x, y, cell) in content {
            if !matches!(last, Some(p) if x == p.x.wrapping_add(1) && y == p.y) {
                queue!(self.writer, MoveTo(x, y))?;
            }
            last = Some(Position { x, y });
            let s = (cell.fg, cell.bg, cell.modifier);
            if style != Some(s) {
                write_style(&mut self.writer, s.0, s.1, s.2)?;
                style = Some(s);
            }
            self.writer
                .write_all(safe_symbol(cell.symbol()).as_bytes())?;
        }
        self.writer.write_all(b"\x1b[0m")
    }

    fn hide_cursor(&mut self) -> io::Result<()> {
        execute!(self.writer, Hide)
    }

    fn show_cursor(&mut self) -> io::Result<()> {
        execute!(self.writer, Show)
    }

    fn get_cursor_position(&mut self) -> io::Result<Position> {
        // Only an inline viewport asks; ours is the full screen.
        Ok(Position::ORIGIN)
    }

    fn set_cursor_position<P: Into<Position>>(&mut self, position: P) -> io::Result<()> {
        let Position { x, y } = position.into();
        execute!(self.writer, MoveTo(x, y))
    }

    fn clear(&mut self) -> io::Result<()> {
        self.clear_region(ClearType::All)
    }

    fn clear_region(&mut self, clear_type: ClearType) -> io::Result<()> {
        use ratatui::crossterm::terminal::ClearType as C;
        let t = match clear_type {
            ClearType::All => C::All,
            ClearType::AfterCursor => C::FromCursorDown,
            ClearType::BeforeCursor => C::FromCursorUp,
            ClearType::CurrentLine => C::CurrentLine,
            ClearType::UntilNewLine => C::UntilNewLine,
        };
        execute!(self.writer, Clear(t))
    }

    fn size(&self) -> io::Result<Size> {
        if let Some(s) = self.fixed {
            return Ok(s);
        }
        let (w, h) = terminal::size()?;
        let (width, height) = clamp_size(w, h);
        Ok(Size { width, height })
    }

    fn window_size(&mut self) -> io::Result<WindowSize> {
        let columns_rows = self.size()?;
        Ok(WindowSize {
            columns_rows,
            pixels: Size::default(),
        })
    }

    fn flush(&mut self) -> io::Result<()> {
        self.writer.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::Terminal;
    use ratatui::style::Style;
    use ratatui::text::{Line, Span};
    use ratatui::widgets::Paragraph;

    fn bytes_of(draw: impl FnOnce(&mut ratatui::Frame)) -> String {
        let mut t = Terminal::new(BasicBackend::with_size(Vec::new(), 20, 2)).expect("terminal");
        t.draw(draw).expect("draw");
        String::from_utf8_lossy(t.backend().writer()).into_owned()
    }

    #[test]
    fn colours_are_the_16_basic_sgr_codes() {
        let out = bytes_of(|f| {
            let line = Line::from(vec![
                Span::styled("r", Style::new().fg(Color::Red)),
                Span::styled("g", Style::new().fg(Color::DarkGray).bg(Color::Blue)),
                Span::styled("w", Style::new().fg(Color::White).bg(Color::LightCyan)),
                Span::styled("b", Style::new().fg(Color::Yellow).bold().reversed()),
            ]);
            f.render_widget(Paragraph::new(line), f.area());
        });
        assert!(!out.contains("38;5;") && !out.contains("48;5;"), "{out:?}");
        assert!(out.contains("\x1b[0;31mr"), "{out:?}");
        assert!(out.contains("\x1b[0;90;44mg"), "{out:?}");
        assert!(out.contains("\x1b[0;97;106mw"), "{out:?}");
        assert!(out.contains("\x1b[0;1;7;33mb"), "{out:?}");
        assert!(
            out.ends_with("\x1b[0m\x1b[?25l") || out.contains("\x1b[0m"),
            "{out:?}"
        );
    }

    #[test]
    fn every_basic_colour_has_its_code() {
        let all = [
            (Color::Black, 30),
            (Color::Red, 31),
            (Color::Green, 32),
            (Color::Yellow, 33),
            (Color::Blue, 34),
            (Color::Magenta, 35),
            (Color::Cyan, 36),
            (Color::Gray, 37),
            (Color::DarkGray, 90),
            (Color::LightRed, 91),
            (Color::LightGreen, 92),
            (Color::LightYellow, 93),
            (Color::LightBlue, 94),
            (Color::LightMagenta, 95),
            (Color::LightCyan, 96),
            (Color::White, 97),
        ];
        for (c, code) in all {
            let mut v = Vec::new();
            write_style(&mut v, c, c, Modifier::empty()).expect("write");
            assert_eq!(
                String::from_utf8_lossy(&v),
                format!("\x1b[0;{code};{}m", code + 10)
            );
        }
    }

    #[test]
    fn the_size_is_clamped() {
        let b = BasicBackend::with_size(Vec::new(), 9999, 9999);
        assert_eq!(
            b.size().expect("size"),
            Size {
                width: MAX_COLS,
                height: MAX_ROWS
            }
        );
        assert_eq!(clamp_size(80, 24), (80, 24));
    }

    #[test]
    fn cells_a_terminal_may_measure_otherwise_are_replaced() {
        assert_eq!(safe_symbol("a"), "a");
        assert_eq!(safe_symbol("\u{e9}"), "\u{e9}");
        assert_eq!(safe_symbol("e\u{301}"), "e\u{301}");
        assert_eq!(safe_symbol("\u{4e2d}"), "\u{4e2d}");
        assert_eq!(safe_symbol("a\u{200b}"), "\u{fffd}");
        assert_eq!(safe_symbol("\u{2028}"), "\u{fffd}");
        assert_eq!(safe_symbol("x\u{ad}"), "\u{fffd}");
        // A family emoji: one grapheme of three people and two joiners.
        let family = "\u{1f468}\u{200d}\u{1f469}\u{200d}\u{1f467}";
        assert_eq!(safe_symbol(family), "\u{fffd} ");
        assert_eq!(safe_symbol("\u{2764}\u{fe0f}"), "\u{fffd} ");
        assert_eq!(safe_symbol("\u{1b}"), "\u{fffd}");
    }
}
