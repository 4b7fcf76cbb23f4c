//! mailtriage: triage Exim main logs from a terminal.
//!
//! Data flows one way: file -> `parse` -> `model` -> `query` -> (`tui` | `cli` | `blocklist`).
//! The model never imports the TUI, and the TUI never parses log text.

pub mod blocklist;
pub mod cli;
pub mod r#gen;
pub mod model;
pub mod parse;
pub mod query;
pub mod text;
pub mod tui;
