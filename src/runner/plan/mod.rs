//! Next-due bookkeeping for `jobtab run`: every loaded job, its next planned instant, and a
//! min-heap of those instants, so finding what is due costs O(log n) per run, never a scan of
//! every job.
//!
//! Pure: every method takes `now` from the caller, so the rules are unit-tested with injected
//! times. Rules (RESEARCH.md C4, C12, C18; supercronic's `cron.go`):
//! - the next instant is `schedule.next_after(previous planned instant)`, which applies the
//!   DST rule; when that is already past (the scheduler woke late), the job is planned from
//!   now instead: missed ticks are never burst-run;
//! - a forward clock jump (or a suspend) skips every instant not yet run up to the new time,
//!   reported as missed, except that a `catch_up = "once"` job runs one of them; that includes
//!   the instant the scheduler was sleeping toward when the suspend began (it would otherwise
//!   start as late as the suspend was long);
//! - a backward jump (Vixie cron's rule, RESEARCH.md C4): jobs with `*` in the minute or hour
//!   field keep running on real time (planned again from the new time), fixed-time jobs never
//!   repeat an instant already run (their plan is kept); a jump larger than
//!   [`super::clock::CORRECTION`] is a clock correction and replans every job;
//! - `jitter`: a job's instants (slots) fire its jitter offset later. `Slot::next` holds the
//!   slot (it becomes the run's `scheduled_at`), the heap the instant it fires; every "past"
//!   or "due" above is judged by when a slot fires.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::sync::Arc;
use std::sync::mpsc::SyncSender;

use chrono::{DateTime, TimeDelta, Utc};

use super::clock::Jump;
use super::overlap::{self, Decision};
use crate::execute::{RunInput, Trigger};
use crate::history::{RunRecord, RunStatus};
use crate::store::{CatchUp, Job};

/// How many missed instants of one job are counted after a jump before giving up counting.
const MISSED_COUNT_LIMIT: usize = 1000;

/// One loaded job and its planning state.
#[derive(Debug)]
struct Slot {
    job: Arc<Job>,
    /// The next planned slot (it fires at `Triggers::fires_at`); `None` when disabled,
    /// `@reboot`, or never again.
    next: Option<DateTime<Utc>>,
    /// The latest instant already handed out (run, queued, skipped or missed).
    last: Option<DateTime<Utc>>,
}

/// A run that is due now.
#[derive(Debug, Clone)]
pub(crate) struct Due {
    pub(crate) job: Arc<Job>,
    /// The slot: the run's `scheduled_at` (it fires later by the job's jitter offset).
    pub(crate) at: DateTime<Utc>,
    /// How late the scheduler is for it (after its jitter).
    pub(crate) late: TimeDelta,
    /// Later instants that were also already past and were skipped (the scheduler woke late).
    pub(crate) skipped_late: bool,
    /// When the job's following planned run fires.
    pub(crate) next: Option<DateTime<Utc>>,
}

/// Instants of one job that fell in a forward clock jump.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Missed {
    pub(crate) name: String,
    pub(crate) first: DateTime<Utc>,
    pub(crate) last: DateTime<Utc>,
    /// How many (at most `MISSED_COUNT_LIMIT`; `more` says there were more).
    pub(crate) count: usize,
    pub(crate) more: bool,
    /// The job has `catch_up = "once"`: one run (at `last`) is returned to be started.
    pub(crate) catch_up: bool,
}

/// What a backward jump did to the plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Backward {
    /// A clock correction: every job was planned from the new time.
    Correction,
    /// How many jobs with `*` in the minute or hour field were planned from the new time;
    /// fixed-time jobs kept their plan.
    Replanned(usize),
}

/// What a reload changed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Diff {
    pub(crate) added: Vec<String>,
    pub(crate) removed: Vec<String>,
    pub(crate) changed: Vec<String>,
}

impl Diff {
    /// "2 added, 1 removed, 3 changed".
    pub(crate) fn summary(&self) -> String {
        format!(
            "{} added, {} removed, {} changed",
            self.added.len(),
            self.removed.len(),
            self.changed.len()
        )
    }
}

/// The scheduler's plan: jobs, next instants, and in-flight/queued runs per job name.
#[derive(Debug, Default)]
pub(crate) struct Plan {
    slots: Vec<Slot>,
    index: HashMap<String, usize>,
    heap: BinaryHeap<Reverse<(DateTime<Utc>, usize)>>,
    /// Runs in flight per job name (they outlive a reload that removes their job).
    running: HashMap<String, usize>,
    /// The one pending run per `overlap = "queue"` job.
    queued: HashMap<String, Pending>,
    /// Per job name, the slots of the jobs that run `after` it, in file order.
    dependents: HashMap<String, Vec<usize>>,
}

/// A run waiting to start: its slot, why it runs, and what its trigger handed over.
#[derive(Debug)]
pub(crate) struct Pending {
    pub(crate) at: DateTime<Utc>,
    pub(crate) trigger: Trigger,
    pub(crate) input: RunInput,
    /// Gets the run's record when it ends (a webhook with `response = "wait"`).
    pub(crate) done: Option<SyncSender<RunRecord>>,
}

impl Pending {
    /// A run of the plan (or any trigger that hands nothing over and wants no record back).
    pub(crate) fn plain(at: DateTime<Utc>, trigger: Trigger) -> Pending {
        Pending {
            at,
            trigger,
            input: RunInput::default(),
            done: None,
        }
    }
}

impl Plan {
    pub(crate) fn new() -> Plan {
        Plan::default()
    }

    /// Replaces the jobs (at start and on reload). Unchanged jobs keep their plan; added and
    /// changed jobs are planned from `now` (never repeating an instant already run); removed
    /// jobs stop being scheduled and lose their queued run. Runs in flight are not touched.
    pub(crate) fn load(&mut self, jobs: Vec<Job>, now: DateTime<Utc>) -> Diff {
        let mut diff = Diff::default();
        let mut old: HashMap<String, Slot> = self
            .slots
            .drain(..)
            .map(|slot| (slot.job.name.clone(), slot))
            .collect();
        self.index.clear();
        for job in jobs {
            let slot = match old.remove(&job.name) {
                Some(slot) if same_job(&slot.job, &job) => slot,
                Some(slot) => {
                    diff.changed.push(job.name.clone());
                    let from = slot.last.map_or(now, |last| last.max(now));
                    let mut next = first_run(&job, from);
                    // A longer jitter can make a slot already run fire again later: never.
                    if let (Some(at), Some(last)) = (next, slot.last)
                        && at <= last
                    {
                        next = job
                            .triggers
                            .schedule
                            .as_ref()
                            .and_then(|s| s.next_after(last, job.zone));
                    }
                    Slot {
                        next,
                        last: slot.last,
                        job: Arc::new(job),
                    }
                }
                None => {
                    diff.added.push(job.name.clone());
                    Slot {
                        next: first_run(&job, now),
                        last: None,
                        job: Arc::new(job),
                    }
                }
            };
            self.index.insert(slot.job.name.clone(), self.slots.len());
            self.slots.push(slot);
        }
        diff.removed = old.into_keys().collect();
        diff.removed.sort();
        self.dependents.clear();
        for (i, slot) in self.slots.iter().enumerate() {
            for upstream in &slot.job.triggers.after {
                self.dependents.entry(upstream.clone()).or_default().push(i);
            }
        }
        for name in &diff.removed {
            self.queued.remove(name);
        }
        self.rebuild_heap();
        diff
    }

    fn rebuild_heap(&mut self) {
        self.heap = self
            .slots
            .iter()
            .enumerate()
            .filter_map(|(i, slot)| {
                slot.next
                    .map(|at| Reverse((slot.job.triggers.fires_at(at), i)))
            })
            .collect();
    }

    /// Every loaded job, in file order.
    pub(crate) fn jobs(&self) -> impl Iterator<Item = &Arc<Job>> {
        self.slots.iter().map(|slot| &slot.job)
    }

    /// Every job with when its next planned run fires.
    pub(crate) fn next_runs(&self) -> impl Iterator<Item = (&str, Option<DateTime<Utc>>)> {
        self.slots.iter().map(|slot| {
            let fires = slot.next.map(|at| slot.job.triggers.fires_at(at));
            (slot.job.name.as_str(), fires)
        })
    }

    /// How many jobs have a planned instant.
    #[cfg(test)]
    pub(crate) fn scheduled(&self) -> usize {
        self.heap.len()
    }

    /// When the earliest planned run fires, and its job.
    pub(crate) fn next_due(&self) -> Option<(DateTime<Utc>, &Arc<Job>)> {
        self.heap
            .peek()
            .map(|Reverse((at, i))| (*at, &self.slots[*i].job))
    }

    /// Takes every run due at or before `now` and plans each job's following run.
    pub(crate) fn pop_due(&mut self, now: DateTime<Utc>) -> Vec<Due> {
        let mut due = Vec::new();
        while let Some(&Reverse((fires, i))) = self.heap.peek() {
            if fires > now {
                break;
            }
            self.heap.pop();
            let slot = &mut self.slots[i];
            let (triggers, zone) = (&slot.job.triggers, slot.job.zone);
            let Some(at) = slot.next else { continue };
            let mut next = triggers
                .schedule
                .as_ref()
                .and_then(|s| s.next_after(at, zone));
            let skipped_late = next.is_some_and(|n| triggers.fires_at(n) <= now);
            if skipped_late {
                next = triggers.slot_firing_after(now, zone);
            }
            let next_fires = next.map(|n| triggers.fires_at(n));
            slot.last = Some(at);
            slot.next = next;
            if let Some(next_fires) = next_fires {
                self.heap.push(Reverse((next_fires, i)));
            }
            due.push(Due {
                job: Arc::clone(&slot.job),
                at,
                late: now - fires,
                skipped_late,
                next: next_fires,
            });
        }
        due
    }

    /// Handles a forward jump of the wall clock (or a suspend): every instant of each job not
    /// yet run and due by `jump.now` is missed; jobs are planned from `jump.now`. Returns what
    /// was missed; for `catch_up = "once"` jobs the caller starts one run at `Missed::last`.
    ///
    /// An instant due before `jump.expected` counts too: the scheduler sleeps toward its next
    /// instant by the monotonic clock, so when a suspend starts during that sleep it wakes
    /// with the instant at or just before `expected`, and starting it now would make it as
    /// late as the suspend was long. (The jump is called as soon as it is seen, before
    /// `pop_due`, so any instant still planned and past is at least the jump's size late.)
    pub(crate) fn jump_forward(&mut self, jump: &Jump) -> Vec<Missed> {
        let mut missed = Vec::new();
        for slot in &mut self.slots {
            let Some(first) = slot.next else { continue };
            let (triggers, zone) = (&slot.job.triggers, slot.job.zone);
            if triggers.fires_at(first) > jump.now {
                continue;
            }
            let (mut last, mut count, mut more) = (first, 1, false);
            while let Some(t) = triggers
                .schedule
                .as_ref()
                .and_then(|s| s.next_after(last, zone))
            {
                if triggers.fires_at(t) > jump.now {
                    break;
                }
                if count == MISSED_COUNT_LIMIT {
                    more = true;
                    break;
                }
                last = t;
                count += 1;
            }
            slot.last = Some(last);
            slot.next = triggers.slot_firing_after(jump.now, zone);
            missed.push(Missed {
                name: slot.job.name.clone(),
                first,
                last,
                count,
                more,
                catch_up: slot.job.catch_up == CatchUp::Once,
            });
        }
        self.rebuild_heap();
        missed
    }

    /// Handles a backward jump (Vixie cron's rule, RESEARCH.md C4). Within
    /// [`super::clock::CORRECTION`]: jobs with `*` in the minute or hour field are planned again
    /// from `jump.now`, so an every-minute job keeps running every minute instead of waiting
    /// for the clock to catch up; fixed-time jobs keep their plan, so an instant already run
    /// is not repeated. Beyond it (a clock correction) every job is planned from `jump.now`.
    pub(crate) fn jump_backward(&mut self, jump: &Jump) -> Backward {
        let correction = jump.is_correction();
        let mut replanned = 0;
        for slot in &mut self.slots {
            if slot.next.is_none()
                || (!correction
                    && slot
                        .job
                        .triggers
                        .schedule
                        .as_ref()
                        .is_some_and(|s| s.is_fixed_time()))
            {
                continue;
            }
            slot.next = slot.job.triggers.slot_firing_after(jump.now, slot.job.zone);
            // A later reload of the job plans it from its last run: keep that on real time too.
            slot.last = slot.last.map(|last| last.min(jump.now));
            replanned += 1;
        }
        self.rebuild_heap();
        if correction {
            Backward::Correction
        } else {
            Backward::Replanned(replanned)
        }
    }

    /// The job of that name.
    pub(crate) fn job(&self, name: &str) -> Option<&Arc<Job>> {
        self.index.get(name).map(|&i| &self.slots[i].job)
    }

    /// The enabled jobs that run `after` a run of `name` that ended with `status`, in file
    /// order.
    pub(crate) fn dependents(&self, name: &str, status: RunStatus) -> Vec<Arc<Job>> {
        self.dependents
            .get(name)
            .into_iter()
            .flatten()
            .map(|&i| &self.slots[i].job)
            .filter(|job| job.enabled && job.triggers.after_status.matches(status))
            .cloned()
            .collect()
    }

    /// Applies the job's overlap policy to a run due now; on `Queue`, the caller hands the
    /// run to `queue`.
    pub(crate) fn decide(&self, job: &Job) -> Decision {
        let running = self.running.get(&job.name).copied().unwrap_or(0);
        overlap::decide(job.overlap, running, self.queued.contains_key(&job.name))
    }

    /// Keeps `run` as the job's pending run (after a `Queue` decision).
    pub(crate) fn queue(&mut self, name: &str, run: Pending) {
        self.queued.insert(name.to_owned(), run);
    }

    /// Records that a run of `name` started.
    pub(crate) fn begin(&mut self, name: &str) {
        *self.running.entry(name.to_owned()).or_insert(0) += 1;
    }

    /// Records that a run of `name` ended; returns the queued run to start now, if any (with
    /// the job as currently loaded).
    pub(crate) fn finish(&mut self, name: &str) -> Option<(Arc<Job>, Pending)> {
        let left = match self.running.get_mut(name) {
            Some(count) => {
                *count = count.saturating_sub(1);
                *count
            }
            None => 0,
        };
        if left > 0 {
            return None;
        }
        self.running.remove(name);
        let run = self.queued.remove(name)?;
        Some((Arc::clone(self.job(name)?), run))
    }

    /// Runs in flight, over all jobs.
    pub(crate) fn running_total(&self) -> usize {
        self.running.values().sum()
    }

    /// Drops every queued run (at shutdown); returns how many there were.
    pub(crate) fn clear_queue(&mut self) -> usize {
        let count = self.queued.len();
        self.queued.clear();
        count
    }
}

/// The first planned slot of a job loaded at `from`: the first that fires after it.
fn first_run(job: &Job, from: DateTime<Utc>) -> Option<DateTime<Utc>> {
    if !job.enabled {
        return None;
    }
    job.triggers.slot_firing_after(from, job.zone)
}

/// Whether a reloaded job is the same as the loaded one. Destructured without `..` so a new
/// field of `Job` cannot be forgotten here.
fn same_job(a: &Job, b: &Job) -> bool {
    let Job {
        name,
        description,
        triggers,
        zone,
        enabled,
        action,
        timeout,
        retries,
        retry_delay,
        overlap,
        catch_up,
        env,
        notify,
        ping,
        mail_to,
    } = a;
    *name == b.name
        && *description == b.description
        && triggers.same_as(&b.triggers)
        && *zone == b.zone
        && *enabled == b.enabled
        && *action == b.action
        && *timeout == b.timeout
        && *retries == b.retries
        && *retry_delay == b.retry_delay
        && *overlap == b.overlap
        && *catch_up == b.catch_up
        && *env == b.env
        && *notify == b.notify
        && *ping == b.ping
        && *mail_to == b.mail_to
}

#[cfg(test)]
mod tests;
