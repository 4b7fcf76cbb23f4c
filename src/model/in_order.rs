//! Parsing pieces on several threads and folding their results in piece order,
//! with no thread of its own for the fold: whichever worker holds the next
//! result folds it, and the others go on parsing.
//!
//! A fold thread beside one parser per core left a core idle a fifth of a load:
//! the fold waited for one worker's piece while the other worker waited for room
//! to hand its own over, and three threads shared two cores. Here there are as
//! many threads as cores, and a result waits only while an earlier piece is
//! still being parsed.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError, TryLockError};

/// How a run is split.
#[derive(Debug, Clone, Copy)]
pub struct Plan {
    /// Pieces, numbered from 0; results are folded in that order.
    pub pieces: usize,
    pub threads: usize,
    /// Most pieces a worker may start past the next one to fold: bounds the
    /// results held when one piece is slow.
    pub window: usize,
}

/// Parses every piece with `parse` (each thread with its own `worker()` state) and
/// folds each result with `fold(worker, piece, result)` in piece order, until
/// `fold` returns false. The calling thread is worker 0 and calls `tick` after
/// each piece it parsed (progress belongs to the caller's thread).
pub fn run<W, T, P, F>(
    plan: Plan,
    worker: impl Fn() -> W + Sync,
    parse: P,
    fold: F,
    tick: &mut dyn FnMut(),
) where
    T: Send,
    P: Fn(&mut W, usize) -> T + Sync,
    F: FnMut(usize, usize, T) -> bool + Send,
{
    let plan = Plan {
        threads: plan.threads.clamp(1, plan.pieces.max(1)),
        window: plan.window.max(1),
        ..plan
    };
    let shared = Shared {
        plan,
        ready: Mutex::new(Ready {
            next: 0,
            done: BTreeMap::new(),
        }),
        moved: Condvar::new(),
        claimed: AtomicUsize::new(0),
        stopped: AtomicBool::new(false),
        fold: Mutex::new(fold),
    };
    std::thread::scope(|s| {
        for w in 1..plan.threads {
            let (shared, worker, parse) = (&shared, &worker, &parse);
            s.spawn(move || shared.work(w, worker, parse, &mut || {}));
        }
        shared.work(0, &worker, &parse, tick);
    });
}

struct Ready<T> {
    /// The next piece to fold.
    next: usize,
    /// Parsed pieces not folded yet, with the worker that parsed them.
    done: BTreeMap<usize, (usize, T)>,
}

struct Shared<T, F> {
    plan: Plan,
    ready: Mutex<Ready<T>>,
    /// Told when `next` moves on, for workers that are a window ahead.
    moved: Condvar,
    claimed: AtomicUsize,
    stopped: AtomicBool,
    fold: Mutex<F>,
}

impl<T, F: FnMut(usize, usize, T) -> bool> Shared<T, F> {
    fn work<W>(
        &self,
        w: usize,
        worker: &impl Fn() -> W,
        parse: &impl Fn(&mut W, usize) -> T,
        tick: &mut dyn FnMut(),
    ) {
        // A panicking worker must not leave the others waiting for its piece.
        let _stop = StopOnUnwind(self);
        let mut state = worker();
        loop {
            let i = self.claimed.fetch_add(1, Ordering::Relaxed);
            if i >= self.plan.pieces || !self.wait_for_room(i) {
                return;
            }
            let out = parse(&mut state, i);
            self.lock_ready().done.insert(i, (w, out));
            self.fold_ready();
            tick();
        }
    }

    /// Waits until piece `i` is within the window; false once stopped.
    fn wait_for_room(&self, i: usize) -> bool {
        let mut r = self.lock_ready();
        while i >= r.next + self.plan.window && !self.is_stopped() {
            r = self.moved.wait(r).unwrap_or_else(PoisonError::into_inner);
        }
        !self.is_stopped()
    }

    /// Folds the results that are next in order, unless another worker is folding.
    fn fold_ready(&self) {
        loop {
            let mut fold = match self.fold.try_lock() {
                Ok(f) => f,
                Err(TryLockError::WouldBlock) => return,
                // A fold panicked: its worker's unwinding stops the run.
                Err(TryLockError::Poisoned(_)) => return,
            };
            loop {
                let item = {
                    let mut r = self.lock_ready();
                    let n = r.next;
                    let item = r.done.remove(&n);
                    if item.is_some() {
                        r.next += 1;
                    }
                    item.map(|x| (n, x))
                };
                let Some((i, (w, out))) = item else { break };
                self.moved.notify_all();
                if self.is_stopped() || !(*fold)(w, i, out) {
                    self.stop();
                    return;
                }
            }
            drop(fold);
            // A result handed over while this thread held the fold found it
            // taken: fold it now, or nobody might.
            let r = self.lock_ready();
            if self.is_stopped() || !r.done.contains_key(&r.next) {
                return;
            }
        }
    }

    fn lock_ready(&self) -> MutexGuard<'_, Ready<T>> {
        self.ready.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn is_stopped(&self) -> bool {
        self.stopped.load(Ordering::Relaxed)
    }

    fn stop(&self) {
        // Under the lock, so a worker between its check and its wait sees it.
        let _r = self.lock_ready();
        self.stopped.store(true, Ordering::Relaxed);
        self.moved.notify_all();
    }
}

struct StopOnUnwind<'a, T, F: FnMut(usize, usize, T) -> bool>(&'a Shared<T, F>);

impl<T, F: FnMut(usize, usize, T) -> bool> Drop for StopOnUnwind<'_, T, F> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.0.stop();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Folds `pieces` pieces whose parse takes a few spins each, recording the order.
    fn folded(plan: Plan, stop_at: Option<usize>, delays: &[u8]) -> (Vec<usize>, Vec<usize>) {
        let mut order = Vec::new();
        let mut workers = Vec::new();
        let mut ticks = 0;
        run(
            plan,
            || (),
            |_, i| {
                for _ in 0..delays.get(i % delays.len().max(1)).copied().unwrap_or(0) {
                    std::thread::yield_now();
                }
                i * 10
            },
            |w, i, out| {
                assert_eq!(out, i * 10);
                order.push(i);
                workers.push(w);
                stop_at != Some(i)
            },
            &mut || ticks += 1,
        );
        assert!(ticks <= plan.pieces);
        (order, workers)
    }

    #[test]
    fn every_piece_is_folded_once_in_order() {
        for threads in 1..5 {
            for window in [1, 2, 8] {
                let plan = Plan {
                    pieces: 200,
                    threads,
                    window,
                };
                let (order, workers) = folded(plan, None, &[0, 5, 1, 20, 0, 0, 3]);
                assert_eq!(order, (0..200).collect::<Vec<_>>(), "{plan:?}");
                assert!(workers.iter().all(|&w| w < threads));
            }
        }
    }

    #[test]
    fn no_pieces_fold_nothing() {
        let plan = Plan {
            pieces: 0,
            threads: 4,
            window: 4,
        };
        assert_eq!(folded(plan, None, &[]).0, Vec::<usize>::new());
    }

    #[test]
    fn a_false_fold_stops_the_run() {
        for threads in 1..4 {
            let plan = Plan {
                pieces: 500,
                threads,
                window: 3,
            };
            let (order, _) = folded(plan, Some(40), &[0, 2, 9]);
            assert_eq!(order, (0..=40).collect::<Vec<_>>());
        }
    }

    #[test]
    fn a_panicking_parse_ends_the_run_instead_of_hanging_it() {
        let r = std::panic::catch_unwind(|| {
            run(
                Plan {
                    pieces: 100,
                    threads: 2,
                    window: 2,
                },
                || (),
                |_, i| {
                    assert_ne!(i, 7, "piece 7");
                    i
                },
                |_, _, _| true,
                &mut || {},
            )
        });
        assert!(r.is_err());
    }

    proptest! {
        #[test]
        fn any_plan_folds_in_order(
            pieces in 0usize..300,
            threads in 1usize..5,
            window in 1usize..6,
            delays in proptest::collection::vec(0u8..8, 1..10),
        ) {
            let plan = Plan { pieces, threads, window };
            let (order, _) = folded(plan, None, &delays);
            prop_assert_eq!(order, (0..pieces).collect::<Vec<_>>());
        }
    }
}
