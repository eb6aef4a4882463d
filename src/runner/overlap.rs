//! The overlap policy inside one `jobtab run`: what to do with a run that is due while the
//! previous run of the same job still runs (PRODUCT.md section 5, `overlap`).
//!
//! The per-job lock file that `execute` takes is the safety net across processes (cron-invoked
//! `exec`s); this is the in-process decision, so a skipped run never even reaches `execute`.

use crate::store::Overlap;

/// What to do with one due run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Decision {
    /// Start it now.
    Start,
    /// Keep it and start it right after the running one ends (`queue`).
    Queue,
    /// Drop it: the previous run still runs (`skip`).
    SkipRunning,
    /// Drop it: one run is already queued behind the running one (`queue`).
    SkipQueued,
}

/// Decides for a run that is due now, given how many runs of the job are in flight and
/// whether one is already queued.
pub(crate) fn decide(policy: Overlap, running: usize, queued: bool) -> Decision {
    if running == 0 {
        return Decision::Start;
    }
    match policy {
        Overlap::Allow => Decision::Start,
        Overlap::Skip => Decision::SkipRunning,
        Overlap::Queue if queued => Decision::SkipQueued,
        Overlap::Queue => Decision::Queue,
    }
}

impl Decision {
    /// Why a dropped run was dropped, for the log line "skipped run due at T: <reason>".
    pub(crate) fn skip_reason(self) -> Option<&'static str> {
        match self {
            Decision::SkipRunning => Some("previous run still running"),
            Decision::SkipQueued => Some("previous run still running and another run is queued"),
            Decision::Start | Decision::Queue => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_idle_job_always_starts() {
        for policy in [Overlap::Skip, Overlap::Queue, Overlap::Allow] {
            assert_eq!(decide(policy, 0, false), Decision::Start);
        }
    }

    #[test]
    fn skip_drops_runs_while_one_runs() {
        assert_eq!(decide(Overlap::Skip, 1, false), Decision::SkipRunning);
        assert_eq!(
            Decision::SkipRunning.skip_reason(),
            Some("previous run still running")
        );
    }

    #[test]
    fn queue_keeps_exactly_one_pending_run() {
        assert_eq!(decide(Overlap::Queue, 1, false), Decision::Queue);
        assert_eq!(decide(Overlap::Queue, 1, true), Decision::SkipQueued);
        assert_eq!(Decision::Queue.skip_reason(), None);
    }

    #[test]
    fn allow_starts_concurrent_runs() {
        assert_eq!(decide(Overlap::Allow, 3, false), Decision::Start);
    }
}
