//! `jobtab export`: the same jobs as Kubernetes manifests (`kubernetes`) or systemd units
//! (`systemd`), PRODUCT.md section 7. This module owns the translation; reading the job file
//! and writing the output belong to `commands/export.rs`.
//!
//! An export is all or nothing: when any enabled job cannot be expressed, the error names
//! every such job and the reason, and nothing is printed or written.

pub(crate) mod dst;
pub(crate) mod kubernetes;
pub(crate) mod names;
pub(crate) mod oncalendar;
pub(crate) mod systemd;
pub(crate) mod vars;
pub(crate) mod yaml;

#[cfg(test)]
mod agreement;

use std::fmt;
use std::time::Duration;

use crate::store::{Action, Job};

/// A job an export cannot express, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Refusal {
    pub(crate) job: String,
    pub(crate) reason: String,
}

/// The note for a job whose schedule (or `after`, systemd's `OnSuccess=`/`OnFailure=`) is
/// exported while its webhook cannot be.
pub(crate) fn webhook_note(job: &crate::store::Job) -> String {
    let what = if job.triggers.has_schedule() {
        "schedule"
    } else {
        "`after`"
    };
    format!(
        "job {:?}: only its {what} is exported; its webhook needs `jobtab run --listen`",
        job.name
    )
}

/// Every job an export refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Refused {
    /// "Kubernetes" or "systemd".
    pub(crate) target: &'static str,
    pub(crate) refusals: Vec<Refusal>,
}

impl fmt::Display for Refused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let count = self.refusals.len();
        write!(
            f,
            "cannot export {count} job{} to {}, nothing was exported:",
            if count == 1 { "" } else { "s" },
            self.target
        )?;
        for refusal in &self.refusals {
            write!(f, "\n  job {:?}: {}", refusal.job, refusal.reason)?;
        }
        write!(
            f,
            "\nchange those jobs, or leave them out with `jobtab disable NAME`, then export again"
        )
    }
}

impl std::error::Error for Refused {}

/// How long `jobtab exec` waits after SIGTERM before SIGKILL, plus a margin (see
/// `execute::KILL_GRACE`).
const KILL_MARGIN: Duration = Duration::from_secs(5);
/// Time for the process (or pod) to start and for the result notification.
const START_MARGIN: Duration = Duration::from_secs(60);
/// The most a retry delay can be lengthened by jitter (`execute` varies it by ±20%).
const JITTER_NUMERATOR: u32 = 6;
const JITTER_DENOMINATOR: u32 = 5;

/// The longest outer limit an export writes. A run that may take longer than this (many
/// retries with a doubling delay soon add up to centuries) gets no outer limit at all rather
/// than a huge number: a limit of a year stops nothing a person would notice, and the values
/// stay far inside what Kubernetes (int64 seconds) and systemd accept.
pub(crate) const MAX_BUDGET: Duration = Duration::from_secs(366 * 24 * 3600);

/// The outer limit an export puts on one `jobtab exec` of a job.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Budget {
    /// Whole seconds, at least 1 and at most `MAX_BUDGET`.
    Seconds(u64),
    /// A shell job without a timeout: it may run forever, so the outer limit must not stop it.
    NoTimeout,
    /// Its attempts and retry delays together may take longer than `MAX_BUDGET`.
    TooLong,
}

/// The outer limit for Kubernetes `activeDeadlineSeconds` and systemd `TimeoutStartSec=`.
pub(crate) fn budget(job: &Job) -> Budget {
    match run_budget(job) {
        None => Budget::NoTimeout,
        Some(duration) if duration > MAX_BUDGET => Budget::TooLong,
        Some(duration) => Budget::Seconds(ceil_seconds(duration).max(1)),
    }
}

/// The longest one `jobtab exec` of the job can take, for an outer limit (Kubernetes
/// `activeDeadlineSeconds`, systemd `TimeoutStartSec=`): every attempt up to its timeout plus
/// the kill grace, every retry delay at its longest (doubling, +20% jitter), and a minute to
/// start and notify; `Duration::MAX` when that overflows. `None` for a shell job without a
/// timeout: it may run forever, so the outer limit must not stop it either.
///
/// The limit is a backstop: `jobtab exec` enforces the job's timeout itself, per attempt.
pub(crate) fn run_budget(job: &Job) -> Option<Duration> {
    use crate::execute::MAX_RETRY_DELAY;
    let per_attempt = match (&job.action, job.timeout) {
        (_, Some(timeout)) => timeout,
        (Action::Http(_), None) => job.http_timeout(),
        (Action::Shell { .. }, None) => return None,
    };
    let attempts = job.retries.saturating_add(1);
    let mut total = (per_attempt.saturating_add(KILL_MARGIN)).saturating_mul(attempts);
    let mut delay = job.retry_delay;
    for done in 0..job.retries {
        // As the executor waits: doubling and jitter both stop at MAX_RETRY_DELAY.
        let longest =
            (delay.saturating_mul(JITTER_NUMERATOR) / JITTER_DENOMINATOR).min(MAX_RETRY_DELAY);
        if longest == MAX_RETRY_DELAY {
            // Every delay from here on is the cap: add them at once.
            total = total.saturating_add(longest.saturating_mul(job.retries - done));
            break;
        }
        total = total.saturating_add(longest);
        delay = delay.saturating_mul(2).min(MAX_RETRY_DELAY);
    }
    Some(total.saturating_add(START_MARGIN))
}

/// Whole seconds, rounded up (`u64::MAX` at most).
pub(crate) fn ceil_seconds(duration: Duration) -> u64 {
    duration
        .as_secs()
        .saturating_add(u64::from(duration.subsec_nanos() > 0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_delays_in_the_budget_stop_at_the_executors_cap() {
        let text = "[jobs.t]\nschedule = \"@daily\"\ncommand = \"x\"\ntimeout = \"1m\"\n\
                    retries = 40\nretry_delay = \"1h\"\n";
        let (jobs, problems) = crate::store::parse(text);
        assert!(problems.is_empty(), "{problems:?}");
        let budget = run_budget(&jobs[0]).unwrap();
        // 41 attempts of 1m + margin, and 40 delays of at most one day each.
        assert!(
            budget <= Duration::from_secs(41 * 3600 + 40 * 86_400),
            "{budget:?}"
        );
        assert!(budget > Duration::from_secs(30 * 86_400), "{budget:?}");
    }

    fn job(toml: &str) -> Job {
        let (jobs, problems) = crate::store::parse(toml);
        assert!(problems.is_empty(), "{problems:?}");
        jobs.into_iter().next().unwrap()
    }

    #[test]
    fn budget_covers_every_attempt_and_delay() {
        let shell = job("[jobs.a]\nschedule = \"* * * * *\"\ncommand = \"true\"\n");
        assert_eq!(run_budget(&shell), None);
        let timed =
            job("[jobs.a]\nschedule = \"* * * * *\"\ncommand = \"true\"\ntimeout = \"30m\"\n");
        assert_eq!(run_budget(&timed), Some(Duration::from_secs(1800 + 5 + 60)));
        // 3 attempts of 10s (+5s each), delays 10s and 20s (+20%), and the start margin.
        let retried = job(
            "[jobs.a]\nschedule = \"* * * * *\"\ncommand = \"true\"\ntimeout = \"10s\"\n\
             retries = 2\nretry_delay = \"10s\"\n",
        );
        assert_eq!(
            run_budget(&retried),
            Some(Duration::from_secs(45 + 12 + 24 + 60))
        );
        // HTTP jobs without a timeout use the default HTTP timeout per attempt.
        let http =
            job("[jobs.a]\nschedule = \"* * * * *\"\nhttp = { url = \"https://x.example\" }\n");
        assert_eq!(
            run_budget(&http),
            Some(http.http_timeout() + Duration::from_secs(65))
        );
        // Absurd retry counts saturate instead of overflowing.
        let mut many =
            job("[jobs.a]\nschedule = \"* * * * *\"\ncommand = \"true\"\ntimeout = \"1s\"\n");
        many.retries = u32::MAX;
        assert!(run_budget(&many).is_some_and(|b| b > Duration::from_secs(366 * 86_400)));
        assert_eq!(budget(&many), Budget::TooLong);
        assert_eq!(budget(&retried), Budget::Seconds(45 + 12 + 24 + 60));
        assert_eq!(budget(&shell), Budget::NoTimeout);
        // 100 retries (the most a job may have) of a 10s delay: the delay doubles up to the
        // executor's one-day cap, so about three months, not centuries.
        let hundred = job(
            "[jobs.a]\nschedule = \"* * * * *\"\ncommand = \"true\"\ntimeout = \"1s\"\n\
             retries = 100\n",
        );
        let Budget::Seconds(seconds) = budget(&hundred) else {
            panic!("{:?}", budget(&hundred));
        };
        assert!((80 * 86_400..100 * 86_400).contains(&seconds), "{seconds}");
        // Just within the cap: a long timeout is kept.
        let long =
            job("[jobs.a]\nschedule = \"* * * * *\"\ncommand = \"true\"\ntimeout = \"300d\"\n");
        assert_eq!(budget(&long), Budget::Seconds(300 * 86_400 + 65));
    }

    #[test]
    fn refusals_name_every_job() {
        let refused = Refused {
            target: "Kubernetes",
            refusals: vec![
                Refusal {
                    job: "a".into(),
                    reason: "it has a seconds field".into(),
                },
                Refusal {
                    job: "b".into(),
                    reason: "it runs at @reboot".into(),
                },
            ],
        };
        let text = refused.to_string();
        assert!(
            text.starts_with("cannot export 2 jobs to Kubernetes"),
            "{text}"
        );
        assert!(text.contains("job \"a\": it has a seconds field"), "{text}");
        assert!(text.contains("job \"b\": it runs at @reboot"), "{text}");
        assert!(text.ends_with("then export again"), "{text}");
    }

    #[test]
    fn seconds_round_up() {
        assert_eq!(ceil_seconds(Duration::from_millis(1500)), 2);
        assert_eq!(ceil_seconds(Duration::from_secs(3)), 3);
        assert_eq!(ceil_seconds(Duration::MAX), u64::MAX);
    }
}
