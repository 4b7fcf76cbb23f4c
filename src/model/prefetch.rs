//! Asking for a table's cache line ahead of a look-up that is certain to come:
//! the load's tables are far larger than the cache, so each look-up is a miss,
//! and fetching it a few records early hides it behind other work.

/// Starts loading the cache line of `v[i]`; nothing when `i` is out of range.
#[inline]
pub fn prefetch<T>(v: &[T], i: usize) {
    let Some(e) = v.get(i) else { return };
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
        // SAFETY: SSE is part of the x86_64 baseline, and a prefetch is only a
        // hint that never faults (the address is an element of `v` anyway).
        unsafe { _mm_prefetch::<_MM_HINT_T0>(e as *const T as *const i8) };
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = e;
}
