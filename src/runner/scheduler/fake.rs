//! A fake clock and a fake executor for the scheduler's tests (in the spirit of watchexec's
//! `TestChild`): time moves only when the scheduler waits with no event pending, and runs
//! end only when a test says so.

use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use chrono::{DateTime, TimeDelta, Utc};

use super::{Clock, Event, Executor, Launch};
use crate::execute::{RunInput, Trigger};
use crate::history::RunStatus;

/// A clock whose wait returns a pending event at once, and otherwise moves both clocks to
/// the end of the wait (but not past the horizon a test set), as if it had slept.
#[derive(Clone)]
pub(crate) struct FakeClock {
    state: Arc<Mutex<Time>>,
}

struct Time {
    wall: DateTime<Utc>,
    mono: Instant,
    horizon: Instant,
}

impl FakeClock {
    pub(crate) fn new(wall: DateTime<Utc>) -> FakeClock {
        let mono = Instant::now();
        FakeClock {
            state: Arc::new(Mutex::new(Time {
                wall,
                mono,
                horizon: mono,
            })),
        }
    }

    fn time(&self) -> MutexGuard<'_, Time> {
        self.state.lock().unwrap()
    }

    /// Lets waits move time up to `span` from now.
    pub(crate) fn allow(&self, span: Duration) {
        let mut time = self.time();
        time.horizon = time.mono + span;
    }

    /// Whether time reached the horizon.
    pub(crate) fn at_horizon(&self) -> bool {
        let time = self.time();
        time.mono >= time.horizon
    }

    /// Moves the wall clock only: someone set the clock, or (forward) the machine slept.
    pub(crate) fn jump(&self, by: TimeDelta) {
        self.time().wall += by;
    }
}

impl Clock for FakeClock {
    fn now(&self) -> DateTime<Utc> {
        self.time().wall
    }

    fn mono(&self) -> Instant {
        self.time().mono
    }

    fn wait(&self, events: &Receiver<Event>, until: Instant) -> Result<Event, RecvTimeoutError> {
        if let Ok(event) = events.try_recv() {
            return Ok(event);
        }
        let mut time = self.time();
        let to = until.min(time.horizon);
        if to > time.mono {
            let slept = to - time.mono;
            time.mono = to;
            time.wall += TimeDelta::from_std(slept).unwrap();
        }
        Err(RecvTimeoutError::Timeout)
    }
}

/// A run the fake executor was asked to start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Started {
    pub(crate) job: String,
    /// The instant the run is for.
    pub(crate) at: DateTime<Utc>,
    pub(crate) trigger: Trigger,
    /// The fake wall clock when it was started.
    pub(crate) started: DateTime<Utc>,
    /// The run's id: the one the scheduler chose, else `fake-N` (N counts runs from 1).
    pub(crate) run_id: String,
    /// What its trigger handed over.
    pub(crate) input: RunInput,
}

/// An executor that records runs and ends them when told to (or when cancelled or killed).
#[derive(Clone)]
pub(crate) struct FakeExecutor {
    clock: FakeClock,
    state: Arc<Mutex<Runs>>,
}

#[derive(Default)]
struct Runs {
    started: Vec<Started>,
    /// Runs in flight: the job, the run id and where to report its end.
    running: Vec<(String, String, Sender<Event>)>,
    cancels: usize,
    kills: usize,
    /// Whether runs ignore `cancel` (a job that traps SIGTERM); `kill` always ends them.
    stubborn: bool,
}

impl FakeExecutor {
    pub(crate) fn new(clock: &FakeClock) -> FakeExecutor {
        FakeExecutor {
            clock: clock.clone(),
            state: Arc::new(Mutex::new(Runs::default())),
        }
    }

    fn runs(&self) -> MutexGuard<'_, Runs> {
        self.state.lock().unwrap()
    }

    /// Every run started so far, in order.
    pub(crate) fn started(&self) -> Vec<Started> {
        self.runs().started.clone()
    }

    /// The jobs of the runs started so far, in order.
    pub(crate) fn names(&self) -> Vec<String> {
        self.runs().started.iter().map(|s| s.job.clone()).collect()
    }

    /// How many runs are in flight.
    pub(crate) fn running(&self) -> usize {
        self.runs().running.len()
    }

    /// How many times runs were cancelled and killed.
    pub(crate) fn stops(&self) -> (usize, usize) {
        let runs = self.runs();
        (runs.cancels, runs.kills)
    }

    pub(crate) fn set_stubborn(&self) {
        self.runs().stubborn = true;
    }

    /// Ends the oldest run in flight of `job` with `status` (its `Finished` event is queued
    /// for the scheduler). Panics when none runs.
    pub(crate) fn finish(&self, job: &str, status: RunStatus) {
        let mut runs = self.runs();
        let i = runs
            .running
            .iter()
            .position(|(name, _, _)| name == job)
            .unwrap_or_else(|| panic!("no run of {job} in flight"));
        let (name, run_id, events) = runs.running.remove(i);
        report(name, run_id, &events, status);
    }

    fn end_all(&self, status: RunStatus) {
        for (name, run_id, events) in std::mem::take(&mut self.runs().running) {
            report(name, run_id, &events, status);
        }
    }
}

fn report(job: String, run_id: String, events: &Sender<Event>, status: RunStatus) {
    let _ = events.send(Event::Finished {
        job,
        run_id,
        failed: status != RunStatus::Ok,
        status,
        duration: Duration::from_secs(1),
    });
}

impl Executor for FakeExecutor {
    fn start(&mut self, run: Launch, events: Sender<Event>) -> usize {
        let started = self.clock.now();
        let mut runs = self.runs();
        let run_id = run
            .input
            .run_id
            .clone()
            .unwrap_or_else(|| format!("fake-{}", runs.started.len() + 1));
        runs.started.push(Started {
            job: run.job.name.clone(),
            at: run.at,
            trigger: run.trigger,
            started,
            run_id: run_id.clone(),
            input: run.input,
        });
        runs.running.push((run.job.name.clone(), run_id, events));
        0
    }

    fn cancel(&self) {
        let stubborn = {
            let mut runs = self.runs();
            runs.cancels += 1;
            runs.stubborn
        };
        if !stubborn {
            self.end_all(RunStatus::Cancelled);
        }
    }

    fn kill(&self) {
        self.runs().kills += 1;
        self.end_all(RunStatus::Cancelled);
    }
}
