//! mailtriage: triage Exim main logs from a terminal.
//!
//! Data flows one way: file -> `parse` -> `model` -> `query` -> (`tui` | `cli` | `blocklist`).
//! The model never imports the TUI, and the TUI never parses log text.

// Input paths must not panic: an unwrap on log-derived data is a crash a spammer
// can trigger. Tests may unwrap.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]
// Slicing a `str` at a byte offset panics inside a multi-byte character, and
// log text holds any bytes: `clippy::string_slice` is denied for every target
// in Cargo.toml, and `clippy.toml` disallows the `str`/`String` methods that
// panic the same way. Use `get(..)`, `split_once`, `char_indices`.

pub mod blocklist;
pub mod cli;
pub mod r#gen;
pub mod model;
pub mod parse;
pub mod query;
pub mod text;
pub mod tui;
