//! tui (placeholder until its issue lands).
