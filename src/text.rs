//! Text helpers shared by every face (placeholder).
