//! Stopping `jobtab run` on SIGINT/SIGTERM (PRODUCT.md section 5): stop scheduling, wait up
//! to `--grace` for running jobs, then cancel them (SIGTERM, then SIGKILL to their process
//! groups); a second signal kills them at once and `run` exits 128 + its number (130 for
//! SIGINT, 143 for SIGTERM).

use std::process::ExitCode;
use std::sync::mpsc::Receiver;
use std::time::Duration;

use super::{Event, Scheduler};
use crate::execute;
use crate::runner::sources::signals::{Signal, Stop};

/// After the grace period and `Cancel::cancel`, how long to wait for cancelled runs to end
/// (their process groups get SIGKILL after `execute::KILL_GRACE`).
const CANCEL_WAIT: Duration = Duration::from_secs(3);

/// After a second signal and `Cancel::kill`, how long to let killed runs record themselves.
const KILL_WAIT: Duration = Duration::from_secs(1);

impl Scheduler {
    /// Stops scheduling, waits up to the grace period for running jobs, then cancels them.
    pub(super) fn shutdown(&mut self, events: &Receiver<Event>, signal: Stop) -> ExitCode {
        let signal = signal.name();
        self.published.set_stopping();
        let dropped = self.plan.clear_queue();
        let running = self.plan.running_total();
        if dropped > 0 {
            self.logger
                .info(None, &format!("dropped {dropped} queued run(s): stopping"));
        }
        if running == 0 {
            self.logger
                .info(None, &format!("{signal}: stopped; no jobs were running"));
            return ExitCode::SUCCESS;
        }
        self.logger.info(
            None,
            &format!(
                "{signal}: stopped scheduling; waiting up to {} for {running} running job{}; \
                 send the signal again to kill {} now",
                crate::duration::format(self.grace),
                if running == 1 { "" } else { "s" },
                if running == 1 { "it" } else { "them" }
            ),
        );
        if let Some(code) = self.wait_for_runs(events, self.grace) {
            return code;
        }
        let running = self.plan.running_total();
        self.logger.warn(
            None,
            &format!(
                "grace period over: stopping {running} running job{} (SIGTERM, then SIGKILL \
                 after {})",
                if running == 1 { "" } else { "s" },
                crate::duration::format(execute::KILL_GRACE)
            ),
        );
        self.executor.cancel();
        if let Some(code) = self.wait_for_runs(events, execute::KILL_GRACE + CANCEL_WAIT) {
            return code;
        }
        self.logger.error(
            None,
            &format!(
                "{} job(s) still running after being killed; exiting anyway",
                self.plan.running_total()
            ),
        );
        ExitCode::SUCCESS
    }

    /// Waits until no run is in flight (`Some(0)`), a second signal kills them (`Some(128 +
    /// its number)`), or `limit` passes (`None`).
    fn wait_for_runs(&mut self, events: &Receiver<Event>, limit: Duration) -> Option<ExitCode> {
        let deadline = self.clock.mono() + limit;
        loop {
            if self.plan.running_total() == 0 {
                self.logger.info(None, "all running jobs ended; exiting");
                return Some(ExitCode::SUCCESS);
            }
            match self.clock.wait(events, deadline) {
                Ok(Event::Signal(Signal::Stop(again))) => {
                    self.logger.warn(
                        None,
                        &format!(
                            "{} again: killing {} running job(s) now",
                            again.name(),
                            self.plan.running_total()
                        ),
                    );
                    self.executor.kill();
                    let until = self.clock.mono() + KILL_WAIT;
                    while self.plan.running_total() > 0 {
                        match self.clock.wait(events, until) {
                            Ok(event) => self.record_if_finished(event),
                            Err(_) => break,
                        }
                    }
                    return Some(ExitCode::from(again.exit_code()));
                }
                Ok(event) => self.record_if_finished(event),
                Err(_) => return None,
            }
        }
    }

    /// While stopping, only ended runs count: they are recorded, and their dependents
    /// (`after`) do not start; nothing is scheduled or reloaded any more.
    fn record_if_finished(&mut self, event: Event) {
        if let Event::Finished {
            job,
            run_id: _,
            status,
            failed,
            duration,
        } = event
        {
            self.record_finished(&job, status, failed, duration);
        }
    }
}
