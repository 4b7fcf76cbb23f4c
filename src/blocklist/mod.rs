//! blocklist (placeholder until its issue lands).
