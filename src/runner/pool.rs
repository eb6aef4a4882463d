//! A bounded pool of worker threads that run jobs, so the scheduler thread never blocks on one.
//!
//! A run is blocking work (it waits for a child process or an HTTP response), so each run in
//! flight holds one thread. Threads are started on demand, up to [`MAX_WORKERS`], with small
//! stacks, and an idle one exits after [`IDLE_EXIT`]. When every worker is busy, further runs
//! wait in a FIFO queue and start as workers free up: that bound is what keeps 10,000 due runs
//! from becoming 10,000 threads.

use std::collections::VecDeque;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

/// At most this many runs execute at once; more wait for a free worker. 256 threads start
/// 1,000 shell jobs due in the same second well within that second, and finish 1,000 HTTP
/// calls to a responsive server within 2 s.
pub(crate) const MAX_WORKERS: usize = 256;

/// Each worker's stack. Only the pages a run touches are resident, so this bounds address
/// space, not memory; it leaves room for TLS handshakes in HTTP jobs.
pub(crate) const WORKER_STACK: usize = 512 * 1024;

/// An idle worker exits after this long without work.
pub(crate) const IDLE_EXIT: Duration = Duration::from_secs(60);

type Task = Box<dyn FnOnce() + Send + 'static>;

/// The pool; cloning shares it.
#[derive(Clone)]
pub(crate) struct Pool {
    shared: Arc<Shared>,
}

struct Shared {
    state: Mutex<State>,
    work: Condvar,
    max: usize,
    idle_exit: Duration,
}

#[derive(Default)]
struct State {
    queue: VecDeque<Task>,
    threads: usize,
    idle: usize,
    /// Threads spawned that have not yet looked at the queue.
    fresh: usize,
}

impl Pool {
    pub(crate) fn new() -> Pool {
        Pool::with_limits(MAX_WORKERS, IDLE_EXIT)
    }

    fn with_limits(max: usize, idle_exit: Duration) -> Pool {
        Pool {
            shared: Arc::new(Shared {
                state: Mutex::new(State::default()),
                work: Condvar::new(),
                max: max.max(1),
                idle_exit,
            }),
        }
    }

    /// Queues `task`; an idle worker picks it up at once, else a new worker is started if the
    /// limit allows. Never blocks on a running task. Returns how many tasks are waiting for a
    /// worker (0 when it starts now).
    pub(crate) fn submit(&self, task: impl FnOnce() + Send + 'static) -> usize {
        let mut state = self.shared.lock();
        state.queue.push_back(Box::new(task));
        if state.queue.len() > state.idle + state.fresh && state.threads < self.shared.max {
            // Counted before the thread runs, so a burst does not overshoot the limit.
            state.threads += 1;
            state.fresh += 1;
            let shared = Arc::clone(&self.shared);
            let spawned = std::thread::Builder::new()
                .name("job".into())
                .stack_size(WORKER_STACK)
                .spawn(move || worker(&shared));
            if spawned.is_err() {
                // Out of threads: the task waits for a running worker to pick it up.
                state.threads -= 1;
                state.fresh -= 1;
            }
        } else {
            self.shared.work.notify_one();
        }
        state.queue.len().saturating_sub(state.idle + state.fresh)
    }

    /// Worker threads alive now.
    #[cfg(test)]
    pub(crate) fn threads(&self) -> usize {
        self.shared.lock().threads
    }
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // A task never runs under this lock, so a poisoned lock still holds consistent data.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

fn worker(shared: &Shared) {
    let mut state = shared.lock();
    state.fresh -= 1;
    loop {
        if let Some(task) = state.queue.pop_front() {
            drop(state);
            // A panicking task must not take the worker count down with it.
            let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(task));
            state = shared.lock();
            continue;
        }
        state.idle += 1;
        let (next, timeout) = shared
            .work
            .wait_timeout(state, shared.idle_exit)
            .unwrap_or_else(PoisonError::into_inner);
        state = next;
        state.idle -= 1;
        if timeout.timed_out() && state.queue.is_empty() {
            state.threads -= 1;
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::mpsc;
    use std::time::Instant;

    use super::*;

    #[test]
    fn a_slow_task_does_not_delay_others() {
        let pool = Pool::new();
        let (tx, rx) = mpsc::channel();
        pool.submit(|| std::thread::sleep(Duration::from_secs(2)));
        let start = Instant::now();
        for i in 0..50 {
            let tx = tx.clone();
            pool.submit(move || tx.send(i).unwrap());
        }
        for _ in 0..50 {
            rx.recv_timeout(Duration::from_secs(1)).unwrap();
        }
        assert!(start.elapsed() < Duration::from_secs(1));
    }

    #[test]
    fn the_thread_count_is_bounded_and_queued_tasks_all_run() {
        let pool = Pool::with_limits(4, Duration::from_secs(5));
        let done = Arc::new(AtomicUsize::new(0));
        let (tx, rx) = mpsc::channel();
        let mut waiting = 0;
        for _ in 0..40 {
            let (done, tx) = (Arc::clone(&done), tx.clone());
            waiting = pool.submit(move || {
                std::thread::sleep(Duration::from_millis(20));
                done.fetch_add(1, Ordering::SeqCst);
                tx.send(()).unwrap();
            });
            assert!(pool.threads() <= 4);
        }
        assert!(waiting > 0, "with 4 workers, most of 40 tasks wait");
        for _ in 0..40 {
            rx.recv_timeout(Duration::from_secs(5)).unwrap();
        }
        assert_eq!(done.load(Ordering::SeqCst), 40);
        assert!(pool.threads() <= 4);
    }

    #[test]
    fn idle_workers_exit_and_a_panic_is_contained() {
        let pool = Pool::with_limits(2, Duration::from_millis(100));
        pool.submit(|| panic!("a job thread panicked"));
        let (tx, rx) = mpsc::channel();
        pool.submit(move || tx.send(()).unwrap());
        rx.recv_timeout(Duration::from_secs(2)).unwrap();
        let deadline = Instant::now() + Duration::from_secs(3);
        while pool.threads() > 0 && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        assert_eq!(pool.threads(), 0);
        // And new work starts a worker again.
        let (tx, rx) = mpsc::channel();
        pool.submit(move || tx.send(()).unwrap());
        rx.recv_timeout(Duration::from_secs(2)).unwrap();
    }
}
