//! `Cancel`: the shared stop switch of running runs (graceful or immediate), and the two things
//! it interrupts without any helper thread: wake-up pipes that a shell run polls next to its
//! output pipes (one per level, readable from the moment cancellation reaches that level), and
//! the HTTP agent of the token's runs (shut down on cancel, which fails its calls in flight at
//! once). Sleeps between retries wait on a condition variable.

use std::io::{PipeReader, PipeWriter, Write as _};
use std::os::fd::{AsFd as _, BorrowedFd};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, OnceLock, PoisonError};
use std::time::{Duration, Instant};

use ureq::Agent;

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

/// One pipe per level; a byte is written into it when cancellation reaches the level and
/// never read, so it stays readable for every run that polls it, now or later.
struct Wakers {
    graceful: (PipeReader, PipeWriter),
    kill: (PipeReader, PipeWriter),
}

impl Wakers {
    fn new() -> std::io::Result<Wakers> {
        Ok(Wakers {
            graceful: std::io::pipe()?,
            kill: std::io::pipe()?,
        })
    }

    /// Makes the pipes of every level up to `level` readable. A one-byte write into a pipe
    /// that holds a few bytes at most never blocks.
    fn signal(&self, level: Level) {
        if level >= Level::Graceful {
            let _ = (&self.graceful.1).write(&[1]);
        }
        if level >= Level::Kill {
            let _ = (&self.kill.1).write(&[2]);
        }
    }
}

#[derive(Default)]
struct Inner {
    level: Mutex<Option<Level>>,
    changed: Condvar,
    /// Created on first use, under the `level` lock (so no escalation is missed).
    wakers: OnceLock<Option<Wakers>>,
    /// Created on first use, under the `level` lock.
    agent: OnceLock<Agent>,
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
        self.lock().unwrap_or(Level::None)
    }

    /// Sleeps up to `duration`; returns early with `true` when cancelled.
    pub(crate) fn sleep(&self, duration: Duration) -> bool {
        let deadline = Instant::now() + duration;
        let mut level = self.lock();
        loop {
            if level.is_some() {
                return true;
            }
            let now = Instant::now();
            if now >= deadline {
                return false;
            }
            level = self
                .inner
                .changed
                .wait_timeout(level, deadline - now)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
    }

    /// A descriptor that becomes readable (and stays so) once cancellation reaches `level`
    /// (`Graceful` or `Kill`; `None` is treated as `Graceful`), for `poll(2)` next to a run's
    /// own descriptors. `None` when the pipes could not be created (out of descriptors): then
    /// the caller checks `level()` now and then instead.
    pub(crate) fn waker(&self, level: Level) -> Option<BorrowedFd<'_>> {
        let wakers = match self.inner.wakers.get() {
            Some(wakers) => wakers.as_ref(),
            None => {
                let current = self.lock();
                let wakers = self
                    .inner
                    .wakers
                    .get_or_init(|| Wakers::new().ok())
                    .as_ref();
                if let (Some(wakers), Some(current)) = (wakers, *current) {
                    wakers.signal(current);
                }
                wakers
            }
        }?;
        let pipe = if level == Level::Kill {
            &wakers.kill.0
        } else {
            &wakers.graceful.0
        };
        Some(pipe.as_fd())
    }

    /// The HTTP agent of this token's runs (made by `make` on first use; clones share its
    /// connections). Cancelling shuts it down, which interrupts every call in flight with an
    /// I/O error. `None` once cancelled: start no call then.
    pub(crate) fn http_agent(&self, make: impl FnOnce() -> Agent) -> Option<Agent> {
        let level = self.lock();
        if level.is_some() {
            return None;
        }
        Some(self.inner.agent.get_or_init(make).clone())
    }

    fn escalate(&self, level: Level) {
        let mut current = self.lock();
        if current.is_some_and(|current| current >= level) {
            return;
        }
        *current = Some(level);
        if let Some(Some(wakers)) = self.inner.wakers.get() {
            wakers.signal(level);
        }
        if let Some(agent) = self.inner.agent.get() {
            agent.clone().shutdown();
        }
        self.inner.changed.notify_all();
    }

    fn lock(&self) -> MutexGuard<'_, Option<Level>> {
        self.inner
            .level
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nix::poll::{PollFd, PollFlags, PollTimeout, poll};

    fn readable(fd: BorrowedFd<'_>) -> bool {
        let mut fds = [PollFd::new(fd, PollFlags::POLLIN)];
        poll(&mut fds, PollTimeout::ZERO).unwrap() == 1
    }

    #[test]
    fn wakers_become_readable_per_level_and_stay_so() {
        let cancel = Cancel::new();
        let graceful = cancel.waker(Level::Graceful).unwrap();
        let kill = cancel.waker(Level::Kill).unwrap();
        assert!(!readable(graceful) && !readable(kill));
        assert!(!cancel.is_cancelled());
        cancel.cancel();
        cancel.cancel();
        assert!(readable(graceful) && !readable(kill));
        assert_eq!(cancel.level(), Level::Graceful);
        cancel.clone().kill();
        assert!(readable(graceful) && readable(kill));
        assert!(readable(graceful), "polling does not consume the wake-up");
        assert_eq!(cancel.level(), Level::Kill);
    }

    #[test]
    fn wakers_made_after_the_cancel_are_readable() {
        let cancel = Cancel::new();
        cancel.kill();
        assert!(readable(cancel.waker(Level::Graceful).unwrap()));
        assert!(readable(cancel.waker(Level::Kill).unwrap()));
    }

    #[test]
    fn http_agent_is_shared_and_refused_once_cancelled() {
        let cancel = Cancel::new();
        let mut made = 0;
        let first = cancel.http_agent(|| {
            made += 1;
            Agent::new_with_defaults()
        });
        assert!(first.is_some());
        assert!(cancel.http_agent(|| unreachable!()).is_some());
        assert_eq!(made, 1);
        cancel.cancel();
        assert!(cancel.http_agent(Agent::new_with_defaults).is_none());
    }

    #[test]
    fn cancel_interrupts_a_call_in_flight() {
        // A server that accepts and never answers.
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/", listener.local_addr().unwrap());
        let cancel = Cancel::new();
        let agent = cancel
            .http_agent(|| {
                Agent::config_builder()
                    .timeout_global(Some(Duration::from_secs(30)))
                    .build()
                    .new_agent()
            })
            .unwrap();
        let call = std::thread::spawn(move || agent.get(&url).call());
        let _accepted = listener.accept().unwrap();
        let start = Instant::now();
        std::thread::sleep(Duration::from_millis(100));
        cancel.cancel();
        assert!(call.join().unwrap().is_err());
        // Far sooner than the 30 s the call or the sleep would take, even on a busy machine.
        assert!(
            start.elapsed() < Duration::from_secs(15),
            "{:?}",
            start.elapsed()
        );
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
        // Far sooner than the 30 s the call or the sleep would take, even on a busy machine.
        assert!(
            start.elapsed() < Duration::from_secs(15),
            "{:?}",
            start.elapsed()
        );
    }
}
