//! Opening the inputs of one load on worker threads, ahead of the indexer,
//! handed over in the order given: a rotation set's `.gz` files decompress at
//! once, one per worker, while the ones before them are parsed.
//!
//! Only files are opened ahead. Standard input, FIFOs and devices are read by
//! the indexer's thread when their turn comes, as before: a pipe read ahead
//! could block the load's end on a writer that never closes, after an earlier
//! file has already failed.
//!
//! The budget each reader claims from is shared. A mapped gzip file's text is
//! let go once parsed, so reading ahead can hold more than reading in turn
//! would: a file whose read ahead ran out of memory is read again in its turn,
//! once the files before it have given theirs back, and fails only if it does
//! not fit then either.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;

use super::source::{Bytes, SourceError};

/// Whether `path` may be opened on a worker: a file (or a name that will fail
/// to open, which fails the same there), never a stream.
fn ahead(path: &Path) -> bool {
    if path.as_os_str() == "-" {
        return false;
    }
    std::fs::metadata(path).map_or(true, |m| m.is_file() || m.is_dir())
}

/// Opens each of `paths` with `open` (on up to `workers` threads; 0: all on this
/// one, one after another) and passes the results to `each` in the order of
/// `paths`; what was read ahead and let go is given to `discard` (to give its
/// memory back to the budget). Stops at the first `Err` of `each`: no further file is started,
/// those being opened are finished and dropped.
pub fn in_order<E>(
    paths: &[PathBuf],
    workers: usize,
    open: &(dyn Fn(&Path) -> Result<Bytes, SourceError> + Sync),
    each: &mut dyn FnMut(usize, Result<Bytes, SourceError>) -> Result<(), E>,
    discard: &dyn Fn(Bytes),
) -> Result<(), E> {
    let early: Vec<bool> = paths.iter().map(|p| ahead(p)).collect();
    let workers = workers.min(early.iter().filter(|&&a| a).count());
    if workers == 0 {
        for (i, p) in paths.iter().enumerate() {
            each(i, open(p))?;
        }
        return Ok(());
    }
    let next = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    let (senders, receivers): (Vec<_>, Vec<_>) = paths
        .iter()
        .map(|_| mpsc::sync_channel::<Result<Bytes, SourceError>>(1))
        .unzip();
    std::thread::scope(|scope| {
        for _ in 0..workers {
            let (next, stop, early, senders) = (&next, &stop, &early, &senders);
            scope.spawn(move || {
                // Taken in order, so the file the indexer waits for is always
                // among those being read.
                while !stop.load(Ordering::Acquire) {
                    let i = next.fetch_add(1, Ordering::AcqRel);
                    let Some(p) = paths.get(i) else { return };
                    if early[i] {
                        // One send per channel of capacity 1: never blocks; a
                        // failed send means the indexer stopped.
                        let _ = senders[i].send(open(p));
                    }
                }
            });
        }
        // Up to where files are read ahead; past it, each is read in turn.
        let mut ahead_until = paths.len();
        let result = (|| {
            for (i, p) in paths.iter().enumerate() {
                let opened = if early[i] && i < ahead_until {
                    match receivers[i].recv() {
                        Err(_) => {
                            // Only a worker that died (a bug) drops a sender unsent.
                            Err(SourceError::Io {
                                path: p.display().to_string(),
                                source: std::io::Error::other("the thread reading it ended"),
                            })
                        }
                        Ok(Err(SourceError::TooBig { .. })) => {
                            // Files read ahead of this one may hold what it
                            // needs. Stop reading ahead: no worker takes a file
                            // past those it has taken, whose reads are let go.
                            // From here on files are read in turn, as without
                            // reading ahead, and this one first.
                            let taken = next.swap(paths.len(), Ordering::AcqRel).min(paths.len());
                            for j in i + 1..taken {
                                if early[j]
                                    && let Ok(Ok(b)) = receivers[j].recv()
                                {
                                    discard(b);
                                }
                            }
                            ahead_until = i + 1;
                            open(p)
                        }
                        Ok(got) => got,
                    }
                } else {
                    open(p)
                };
                each(i, opened)?;
            }
            Ok(())
        })();
        if result.is_err() {
            stop.store(true, Ordering::Release);
        }
        result
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    fn files(n: usize) -> (tempfile::TempDir, Vec<PathBuf>) {
        let dir = tempfile::tempdir().expect("tempdir");
        let paths = (0..n)
            .map(|i| {
                let p = dir.path().join(format!("f{i}"));
                std::fs::write(&p, format!("{i}\n")).expect("write");
                p
            })
            .collect();
        (dir, paths)
    }

    fn read(p: &Path) -> Result<Bytes, SourceError> {
        std::fs::read(p)
            .map(Bytes::Owned)
            .map_err(|e| SourceError::Io {
                path: p.display().to_string(),
                source: e,
            })
    }

    #[test]
    fn results_come_in_the_given_order_whatever_the_workers() {
        let (_dir, paths) = files(9);
        for workers in 0..5 {
            let mut seen = Vec::new();
            let r: Result<(), ()> = in_order(
                &paths,
                workers,
                &read,
                &mut |i, b| {
                    let b = b.map_err(|_| ())?;
                    seen.push((
                        i,
                        String::from_utf8_lossy(b.as_slice().unwrap_or_default()).into_owned(),
                    ));
                    Ok(())
                },
                &drop,
            );
            assert!(r.is_ok());
            let want: Vec<_> = (0..9).map(|i| (i, format!("{i}\n"))).collect();
            assert_eq!(seen, want, "{workers} workers");
        }
    }

    #[test]
    fn a_file_read_ahead_past_the_memory_is_read_again_in_its_turn() {
        // Room for one file at a time, given back as each is taken (as a
        // packed gzip gives its text back once parsed).
        let (_dir, paths) = files(9);
        for workers in 1..5 {
            let held = std::sync::atomic::AtomicUsize::new(0);
            let open = |p: &Path| {
                if held.fetch_add(1, Ordering::AcqRel) >= 1 {
                    held.fetch_sub(1, Ordering::AcqRel);
                    return Err(SourceError::TooBig {
                        path: p.display().to_string(),
                        read: 0,
                        limit: super::super::budget::Limit::new(Some(1)),
                    });
                }
                read(p)
            };
            let mut seen = Vec::new();
            let r: Result<(), String> = in_order(
                &paths,
                workers,
                &open,
                &mut |i, b| {
                    let b = b.map_err(|e| e.to_string())?;
                    held.fetch_sub(1, Ordering::AcqRel);
                    seen.push((
                        i,
                        String::from_utf8_lossy(b.as_slice().unwrap_or_default()).into_owned(),
                    ));
                    Ok(())
                },
                &|_| {
                    held.fetch_sub(1, Ordering::AcqRel);
                },
            );
            assert_eq!(r, Ok(()), "{workers} workers");
            let want: Vec<_> = (0..9).map(|i| (i, format!("{i}\n"))).collect();
            assert_eq!(seen, want, "{workers} workers");
        }
    }

    #[test]
    fn the_first_error_in_order_stops_the_rest() {
        let (_dir, mut paths) = files(30);
        paths[3] = PathBuf::from("/nonexistent/mailtriage-test");
        let opened = Mutex::new(0usize);
        let counting = |p: &Path| {
            *opened.lock().expect("lock") += 1;
            // Slow enough that the workers cannot have opened all before the stop.
            std::thread::sleep(std::time::Duration::from_millis(2));
            read(p)
        };
        let mut seen = 0;
        let r = in_order(
            &paths,
            2,
            &counting,
            &mut |i, b| {
                seen += 1;
                b.map(|_| ()).map_err(|e| (i, e.to_string()))
            },
            &drop,
        );
        let (i, e) = r.expect_err("the missing file fails");
        assert_eq!(i, 3);
        assert!(e.starts_with("/nonexistent/mailtriage-test"), "{e}");
        assert_eq!(seen, 4);
        // Workers run ahead, but stop soon after.
        assert!(*opened.lock().expect("lock") < 30);
    }
}
