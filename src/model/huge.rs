//! Transparent huge pages for the big tables that loading probes at random.
//!
//! A lookup in a table of tens of megabytes misses the TLB as well as the cache
//! on 4 KiB pages; with 2 MiB pages the page walk mostly goes away. Linux gives
//! them to anonymous memory only when asked (`madvise`), as most systems run
//! transparent huge pages in `madvise` mode. Elsewhere this does nothing.

/// Below this a table fits a few huge pages at most: not worth a system call.
const MIN_BYTES: usize = 4 << 20;

/// Asks for huge pages under the spare capacity of `v`. Call it right after
/// reserving and before writing, so the pages are not first faulted in small.
pub fn advise<T>(v: &mut Vec<T>) {
    let bytes = v.capacity() * std::mem::size_of::<T>();
    if bytes < MIN_BYTES {
        return;
    }
    advise_range(v.as_mut_ptr() as usize, bytes);
}

#[cfg(target_os = "linux")]
fn advise_range(start: usize, len: usize) {
    // madvise wants a page-aligned start; the partial first page is left as is.
    const PAGE: usize = 4096;
    let aligned = start.next_multiple_of(PAGE);
    let Some(len) = (start + len).checked_sub(aligned) else {
        return;
    };
    // SAFETY: the range lies inside one live allocation owned by the caller, and
    // MADV_HUGEPAGE only changes how it is backed, never its contents. A failure
    // (e.g. THP disabled) just leaves the usual small pages, so it is ignored.
    unsafe {
        libc::madvise(aligned as *mut libc::c_void, len, libc::MADV_HUGEPAGE);
    }
}

#[cfg(not(target_os = "linux"))]
fn advise_range(_start: usize, _len: usize) {}
