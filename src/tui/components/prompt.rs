//! The one-line prompt in the footer: a search (live), a regex, a time range, a
//! block's comment, or a yes/no question (`u`). It edits its text; what the text does is the app's to decide.

use ratatui::crossterm::event::{KeyCode, KeyModifiers};

use crate::tui::keys::Key;
use crate::tui::view::Pane;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PromptKind {
    Search,
    Regex,
    Time,
    /// The optional reason written into a new blocklist entry's comment.
    Comment,
    /// What to jump to: a message id (or a pasted header holding one), an address, a
    /// network, an envelope sender or a domain.
    Jump,
    /// A yes/no question (the notice above says what): `y` answers yes, any other key no.
    Confirm,
}

/// The most characters a prompt holds: a pasted header is a few hundred, a pasted log
/// could be megabytes that nothing would read.
pub const MAX_TEXT: usize = 4096;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prompt {
    pub kind: PromptKind,
    pub text: String,
    /// For a search: which list it narrows.
    pub pane: Pane,
}

/// What a key did to the prompt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Edit {
    /// `Esc`: the prompt closes without its text being used.
    Cancel,
    /// `Enter`: the prompt closes and its text is used.
    Submit,
    /// The text changed (or stayed); the prompt stays open.
    Typed,
}

impl Prompt {
    pub fn new(kind: PromptKind, text: String, pane: Pane) -> Prompt {
        Prompt { kind, text, pane }
    }

    /// Whether each edit applies at once (a search narrows as it is typed).
    pub fn is_live(&self) -> bool {
        self.kind == PromptKind::Search
    }

    pub fn key(&mut self, k: Key) -> Edit {
        if self.kind == PromptKind::Confirm {
            let yes = matches!(k.code, KeyCode::Char('y' | 'Y')) && k.mods.is_empty();
            return if yes { Edit::Submit } else { Edit::Cancel };
        }
        match k.code {
            KeyCode::Esc => return Edit::Cancel,
            KeyCode::Enter => return Edit::Submit,
            KeyCode::Backspace => {
                self.text.pop();
            }
            KeyCode::Char(c) if !k.mods.contains(KeyModifiers::CONTROL) => self.push(c),
            KeyCode::Char('u') => self.text.clear(),
            _ => {}
        }
        Edit::Typed
    }

    /// One typed character, while the text is under `MAX_TEXT`.
    fn push(&mut self, c: char) {
        if self.text.chars().count() < MAX_TEXT {
            self.text.push(c);
        }
    }

    /// Pasted text (a terminal's bracketed paste), typed at the end: line breaks and
    /// tabs become spaces (a header pasted whole is one line of words), other control
    /// characters are dropped, and the text stops at `MAX_TEXT` characters.
    pub fn paste(&mut self, pasted: &str) -> Edit {
        let mut n = self.text.chars().count();
        let mut after_cr = false;
        for c in pasted.chars() {
            if n >= MAX_TEXT {
                break;
            }
            let was_cr = std::mem::replace(&mut after_cr, c == '\r');
            let c = match c {
                '\n' if was_cr => continue,
                '\r' | '\n' | '\t' => ' ',
                c if c.is_control() => continue,
                c => c,
            };
            self.text.push(c);
            n += 1;
        }
        Edit::Typed
    }

    /// The words before the text; `time_now` is the time range in force, if any.
    pub fn label(&self, time_now: Option<&str>) -> String {
        match (self.kind, time_now) {
            (PromptKind::Search, _) => "search (Enter keeps, Esc clears): ".to_string(),
            (PromptKind::Regex, _) => "regex over raw lines (empty clears): ".to_string(),
            (PromptKind::Time, Some(now)) => format!(
                "time (now {}; empty clears): ",
                crate::text::sanitize(now.as_bytes())
            ),
            (PromptKind::Time, None) => "time (A..B, last 24h, today; empty clears): ".to_string(),
            (PromptKind::Comment, _) => "comment (optional; Enter adds, Esc cancels): ".to_string(),
            (PromptKind::Jump, _) => "jump to (id, address, network, sender, domain): ".to_string(),
            (PromptKind::Confirm, _) => "y removes it, any other key keeps it".to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_paste_is_one_line_without_controls() {
        let mut p = Prompt::new(PromptKind::Jump, "x ".into(), Pane::Senders);
        p.paste("Received: from a\r\n\tby b with esmtps id 1tXcNe-000000001E7-1L5d\x1b[2J;\n");
        assert_eq!(
            p.text,
            "x Received: from a  by b with esmtps id 1tXcNe-000000001E7-1L5d[2J; "
        );
        p.paste(&"y".repeat(MAX_TEXT * 2));
        assert_eq!(p.text.chars().count(), MAX_TEXT);
    }
}
