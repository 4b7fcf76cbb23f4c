//! The key table: named actions, their default keys (embedded from
//! `assets/keys.toml`) patched by the user's file. Help and footer hints read it.
//!
//! Knows nothing of app state: it maps a key press to an `Action`, nothing more.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::path::{Path, PathBuf};

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

mod action;

pub use action::Action;

pub const DEFAULT_KEYS: &str = include_str!("../../../assets/keys.toml");

/// A key with the modifiers that matter (Ctrl, Alt). Shift is folded into the
/// character (`G`) or the code (`BackTab`), as terminals disagree on reporting it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Key {
    pub code: KeyCode,
    pub mods: KeyModifiers,
}

impl Key {
    pub fn new(code: KeyCode, mods: KeyModifiers) -> Key {
        let mods = mods & (KeyModifiers::CONTROL | KeyModifiers::ALT);
        let code = match code {
            KeyCode::Char(c) if mods.contains(KeyModifiers::CONTROL) => {
                KeyCode::Char(c.to_ascii_lowercase())
            }
            c => c,
        };
        Key { code, mods }
    }

    pub fn from_event(e: &KeyEvent) -> Option<Key> {
        if e.kind != KeyEventKind::Press {
            return None;
        }
        Some(Key::new(e.code, e.modifiers))
    }

    pub fn parse(s: &str) -> Result<Key, String> {
        let mut mods = KeyModifiers::NONE;
        let mut rest = s;
        loop {
            if let Some(r) = strip_prefix_ci(rest, "ctrl-") {
                mods |= KeyModifiers::CONTROL;
                rest = r;
            } else if let Some(r) = strip_prefix_ci(rest, "alt-") {
                mods |= KeyModifiers::ALT;
                rest = r;
            } else {
                break;
            }
        }
        let mut chars = rest.chars();
        let code = match (chars.next(), chars.next()) {
            (Some(c), None) => KeyCode::Char(c),
            _ => match rest.to_ascii_lowercase().as_str() {
                "enter" | "return" => KeyCode::Enter,
                "esc" | "escape" => KeyCode::Esc,
                "tab" => KeyCode::Tab,
                "shift-tab" | "backtab" => KeyCode::BackTab,
                "backspace" => KeyCode::Backspace,
                "up" => KeyCode::Up,
                "down" => KeyCode::Down,
                "left" => KeyCode::Left,
                "right" => KeyCode::Right,
                "pageup" | "pgup" => KeyCode::PageUp,
                "pagedown" | "pgdn" => KeyCode::PageDown,
                "home" => KeyCode::Home,
                "end" => KeyCode::End,
                "space" => KeyCode::Char(' '),
                "delete" | "del" => KeyCode::Delete,
                "insert" => KeyCode::Insert,
                f if f.len() > 1 && f.starts_with('f') => {
                    match f.get(1..).unwrap_or_default().parse::<u8>() {
                        Ok(n @ 1..=12) => KeyCode::F(n),
                        _ => return Err(format!("unknown key `{s}`")),
                    }
                }
                _ => return Err(format!("unknown key `{s}`")),
            },
        };
        Ok(Key::new(code, mods))
    }
}

fn strip_prefix_ci<'a>(s: &'a str, p: &str) -> Option<&'a str> {
    let (head, rest) = s.split_at_checked(p.len())?;
    (!rest.is_empty() && head.eq_ignore_ascii_case(p)).then_some(rest)
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.mods.contains(KeyModifiers::CONTROL) {
            f.write_str("Ctrl-")?;
        }
        if self.mods.contains(KeyModifiers::ALT) {
            f.write_str("Alt-")?;
        }
        match self.code {
            KeyCode::Char(' ') => f.write_str("Space"),
            KeyCode::Char(c) => write!(f, "{c}"),
            KeyCode::Enter => f.write_str("Enter"),
            KeyCode::Esc => f.write_str("Esc"),
            KeyCode::Tab => f.write_str("Tab"),
            KeyCode::BackTab => f.write_str("Shift-Tab"),
            KeyCode::Backspace => f.write_str("Backspace"),
            KeyCode::Up => f.write_str("↑"),
            KeyCode::Down => f.write_str("↓"),
            KeyCode::Left => f.write_str("←"),
            KeyCode::Right => f.write_str("→"),
            KeyCode::PageUp => f.write_str("PgUp"),
            KeyCode::PageDown => f.write_str("PgDn"),
            KeyCode::Home => f.write_str("Home"),
            KeyCode::End => f.write_str("End"),
            KeyCode::Delete => f.write_str("Del"),
            KeyCode::Insert => f.write_str("Ins"),
            KeyCode::F(n) => write!(f, "F{n}"),
            other => write!(f, "{other:?}"),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("{file}: {msg}")]
    Toml { file: String, msg: String },
    #[error("{file}: unknown action `{action}` (known: {known})")]
    UnknownAction {
        file: String,
        action: String,
        known: String,
    },
    #[error("{file}: action `{action}`: {msg}")]
    BadKey {
        file: String,
        action: String,
        msg: String,
    },
    #[error(
        "key `{key}` is bound to both `{first}` and `{second}` (after reading {file}); remove one of them"
    )]
    Duplicate {
        file: String,
        key: String,
        first: &'static str,
        second: &'static str,
    },
    #[error("{file}: {msg}")]
    Io { file: String, msg: String },
}

#[derive(serde::Deserialize)]
struct KeyFile {
    #[serde(default)]
    keys: BTreeMap<String, Vec<String>>,
}

/// The resolved table: each action's keys, and the reverse map.
#[derive(Debug, Clone)]
pub struct KeyMap {
    pub bindings: Vec<(Action, Vec<Key>)>,
    lookup: HashMap<Key, Action>,
}

impl KeyMap {
    /// The built-in defaults only.
    pub fn defaults() -> Result<KeyMap, KeyError> {
        let mut b = BTreeMap::new();
        patch(&mut b, DEFAULT_KEYS, "built-in keys.toml")?;
        build(b, "built-in keys.toml")
    }

    /// Defaults patched by `text` (a user file's contents).
    pub fn with_overrides(text: &str, file: &str) -> Result<KeyMap, KeyError> {
        let mut b = BTreeMap::new();
        patch(&mut b, DEFAULT_KEYS, "built-in keys.toml")?;
        patch(&mut b, text, file)?;
        build(b, file)
    }

    /// Defaults patched by the user's file if there is one.
    pub fn load_user() -> Result<KeyMap, KeyError> {
        match user_file() {
            Some(p) if p.exists() => {
                let file = p.display().to_string();
                let text = std::fs::read_to_string(&p).map_err(|e| KeyError::Io {
                    file: file.clone(),
                    msg: e.to_string(),
                })?;
                KeyMap::with_overrides(&text, &file)
            }
            _ => KeyMap::defaults(),
        }
    }

    pub fn action(&self, key: Key) -> Option<Action> {
        self.lookup.get(&key).copied()
    }

    pub fn keys(&self, a: Action) -> &[Key] {
        self.bindings
            .iter()
            .find(|(x, _)| *x == a)
            .map_or(&[], |(_, k)| k.as_slice())
    }

    /// The first key of an action as text (`?` when unbound).
    pub fn first(&self, a: Action) -> String {
        self.keys(a)
            .first()
            .map_or_else(|| "(unbound)".to_string(), |k| k.to_string())
    }

    /// All keys of an action, `j/↓`.
    pub fn joined(&self, a: Action) -> String {
        self.keys(a)
            .iter()
            .map(|k| k.to_string())
            .collect::<Vec<_>>()
            .join("/")
    }
}

/// `$XDG_CONFIG_HOME/mailtriage/keys.toml`, else `~/.config/mailtriage/keys.toml`.
pub fn user_file() -> Option<PathBuf> {
    let base = match std::env::var_os("XDG_CONFIG_HOME") {
        Some(x) if !x.is_empty() && Path::new(&x).is_absolute() => PathBuf::from(x),
        _ => PathBuf::from(std::env::var_os("HOME")?).join(".config"),
    };
    Some(base.join("mailtriage").join("keys.toml"))
}

fn patch(b: &mut BTreeMap<Action, Vec<Key>>, text: &str, file: &str) -> Result<(), KeyError> {
    let parsed: KeyFile = toml::from_str(text).map_err(|e| KeyError::Toml {
        file: file.to_string(),
        msg: e.to_string(),
    })?;
    for (name, keys) in parsed.keys {
        let Some(action) = Action::from_name(&name) else {
            return Err(KeyError::UnknownAction {
                file: file.to_string(),
                action: name,
                known: Action::ALL.map(|a| a.name()).join(", "),
            });
        };
        let mut parsed = Vec::with_capacity(keys.len());
        for k in keys {
            parsed.push(Key::parse(&k).map_err(|msg| KeyError::BadKey {
                file: file.to_string(),
                action: name.clone(),
                msg,
            })?);
        }
        b.insert(action, parsed);
    }
    Ok(())
}

fn build(b: BTreeMap<Action, Vec<Key>>, file: &str) -> Result<KeyMap, KeyError> {
    let mut lookup = HashMap::new();
    let mut bindings = Vec::new();
    for a in Action::ALL {
        let keys = b.get(&a).cloned().unwrap_or_default();
        for &k in &keys {
            if let Some(prev) = lookup.insert(k, a)
                && prev != a
            {
                return Err(KeyError::Duplicate {
                    file: file.to_string(),
                    key: k.to_string(),
                    first: prev.name(),
                    second: a.name(),
                });
            }
        }
        bindings.push((a, keys));
    }
    Ok(KeyMap { bindings, lookup })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_load_and_cover_every_action() {
        let k = KeyMap::defaults().expect("defaults");
        for a in Action::ALL {
            assert!(!k.keys(a).is_empty(), "{a:?} unbound");
        }
        let g = Key::new(KeyCode::Char('G'), KeyModifiers::SHIFT);
        assert_eq!(k.action(g), Some(Action::Last));
        let cd = Key::new(KeyCode::Char('d'), KeyModifiers::CONTROL);
        assert_eq!(k.action(cd), Some(Action::PageDown));
    }

    #[test]
    fn user_file_replaces_one_action_and_duplicates_are_refused() {
        let k = KeyMap::with_overrides("[keys]\nquit = [\"x\"]\n", "user").expect("ok");
        assert_eq!(k.joined(Action::Quit), "x");
        assert_eq!(k.action(Key::parse("q").expect("q")), None);
        let e = KeyMap::with_overrides("[keys]\nquit = [\"j\"]\n", "user").unwrap_err();
        let msg = e.to_string();
        assert!(
            msg.contains("`j`") && msg.contains("down") && msg.contains("quit"),
            "{msg}"
        );
        let e = KeyMap::with_overrides("[keys]\nfly = [\"z\"]\n", "user").unwrap_err();
        assert!(e.to_string().contains("unknown action `fly`"));
    }
}
