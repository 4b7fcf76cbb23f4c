//! query (placeholder until its issue lands).
