//! The at-start source: one `Event::RunNow` per job that runs when `jobtab run` starts
//! (`@reboot`). The scheduler applies the job's overlap policy to every run, whatever asked
//! for it.

use std::sync::Arc;
use std::sync::mpsc::Sender;

use crate::execute::Trigger;
use crate::runner::scheduler::{Event, RunRequest};
use crate::store::Job;

/// Asks for one run of every enabled job that runs at start (`@reboot`), once, when the
/// scheduler starts. Returns how many runs it asked for.
pub(crate) fn at_start<'a>(
    jobs: impl Iterator<Item = &'a Arc<Job>>,
    events: &Sender<Event>,
) -> usize {
    let mut sent = 0;
    for job in jobs.filter(|job| job.enabled && job.triggers.at_start) {
        let run = Event::RunNow(RunRequest::plain(job.name.clone(), Trigger::Start));
        if events.send(run).is_ok() {
            sent += 1;
        }
    }
    sent
}
