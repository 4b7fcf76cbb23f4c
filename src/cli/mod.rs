//! cli (placeholder until its issue lands).
pub mod block;

pub fn main() -> i32 {
    0
}
