//! cli (placeholder until its issue lands).
pub fn main() -> i32 {
    0
}
