//! `Cancel`: the shared stop switch of running runs (graceful or immediate).
//!
//! Running attempts subscribe a callback that is called once per escalation, so a waiter blocked
//! on its own channel wakes up at once; sleeps between retries wait on a condition variable.

use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

/// How far a cancellation went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Level {
    /// Not cancelled.
    None,
    /// SIGTERM now, SIGKILL after the grace; no further attempts.
    Graceful,
    /// SIGKILL now.
    Kill,
}

type Callback = Box<dyn Fn(Level) + Send>;

#[derive(Default)]
struct State {
    level: Option<Level>,
    next_id: u64,
    subscribers: Vec<(u64, Callback)>,
}

#[derive(Default)]
struct Inner {
    state: Mutex<State>,
    changed: Condvar,
}

/// Shared cancellation for running runs (clone = same token).
#[derive(Clone, Default)]
pub(crate) struct Cancel {
    inner: Arc<Inner>,
}

impl Cancel {
    /// A token nobody has cancelled yet.
    pub(crate) fn new() -> Cancel {
        Cancel::default()
    }

    /// Graceful: running shell runs get SIGTERM to their process group, SIGKILL after a short
    /// grace (`KILL_GRACE`); HTTP calls are abandoned; no further retries or attempts.
    pub(crate) fn cancel(&self) {
        self.escalate(Level::Graceful);
    }

    /// Immediate: SIGKILL to the process groups now.
    pub(crate) fn kill(&self) {
        self.escalate(Level::Kill);
    }

    /// Whether `cancel` or `kill` was called.
    pub(crate) fn is_cancelled(&self) -> bool {
        self.level() != Level::None
    }

    /// How far cancellation went.
    pub(crate) fn level(&self) -> Level {
        self.state().level.unwrap_or(Level::None)
    }

    /// Sleeps up to `duration`; returns early with `true` when cancelled.
    pub(crate) fn sleep(&self, duration: Duration) -> bool {
        let deadline = Instant::now() + duration;
        let mut state = self.state();
        loop {
            if state.level.is_some() {
                return true;
            }
            let now = Instant::now();
            if now >= deadline {
                return false;
            }
            state = self
                .inner
                .changed
                .wait_timeout(state, deadline - now)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
    }

    /// Calls `callback` with the level on every escalation until the returned guard is
    /// dropped; if already cancelled, calls it right away. The callback must not block.
    pub(crate) fn subscribe(&self, callback: impl Fn(Level) + Send + 'static) -> Subscription {
        let mut state = self.state();
        if let Some(level) = state.level {
            callback(level);
        }
        let id = state.next_id;
        state.next_id += 1;
        state.subscribers.push((id, Box::new(callback)));
        Subscription {
            cancel: self.clone(),
            id,
        }
    }

    fn escalate(&self, level: Level) {
        let mut state = self.state();
        if state.level.is_some_and(|current| current >= level) {
            return;
        }
        state.level = Some(level);
        for (_, callback) in &state.subscribers {
            callback(level);
        }
        self.inner.changed.notify_all();
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.inner
            .state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

/// Keeps a `subscribe` callback registered; dropping it unregisters the callback.
pub(crate) struct Subscription {
    cancel: Cancel,
    id: u64,
}

impl Drop for Subscription {
    fn drop(&mut self) {
        self.cancel
            .state()
            .subscribers
            .retain(|(id, _)| *id != self.id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;

    #[test]
    fn escalation_reaches_subscribers_once_per_level() {
        let cancel = Cancel::new();
        let (tx, rx) = mpsc::channel();
        let sub = cancel.subscribe(move |level| tx.send(level).unwrap());
        assert!(!cancel.is_cancelled());
        cancel.cancel();
        cancel.cancel();
        cancel.clone().kill();
        assert_eq!(
            rx.try_iter().collect::<Vec<_>>(),
            [Level::Graceful, Level::Kill]
        );
        assert!(cancel.is_cancelled());
        assert_eq!(cancel.level(), Level::Kill);
        drop(sub);
        assert_eq!(cancel.inner.state.lock().unwrap().subscribers.len(), 0);
    }

    #[test]
    fn late_subscriber_hears_current_level() {
        let cancel = Cancel::new();
        cancel.cancel();
        let (tx, rx) = mpsc::channel();
        let _sub = cancel.subscribe(move |level| tx.send(level).unwrap());
        assert_eq!(rx.try_recv().unwrap(), Level::Graceful);
    }

    #[test]
    fn sleep_is_interrupted_by_cancel() {
        let cancel = Cancel::new();
        assert!(!cancel.sleep(Duration::from_millis(20)));
        let other = cancel.clone();
        let start = Instant::now();
        let thread = std::thread::spawn(move || other.sleep(Duration::from_secs(30)));
        std::thread::sleep(Duration::from_millis(50));
        cancel.cancel();
        assert!(thread.join().unwrap());
        assert!(start.elapsed() < Duration::from_secs(5));
    }
}
