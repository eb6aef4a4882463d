//! The job file's data model: the TOML as written (`Raw*`, read key by key in `parse`, whose
//! key lists a test holds to these structs) and the resolved, validated `Job` every other
//! module works with (PRODUCT.md section 2).

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::schedule::Schedule;
use crate::zone::Zone;

/// The total time an HTTP call may take when its job sets no `timeout`.
pub(crate) const DEFAULT_HTTP_TIMEOUT: Duration = Duration::from_secs(30);
/// How long an HTTP call may take to connect.
pub(crate) const HTTP_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// The most `retries` a job may have: with the delay doubling each time, more would only
/// wait for centuries.
pub(crate) const MAX_RETRIES: u32 = 100;
/// The first retry delay when a job sets `retries` but no `retry_delay`.
pub(crate) const DEFAULT_RETRY_DELAY: Duration = Duration::from_secs(10);

/// `[defaults]`: settings every job inherits unless it sets its own.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct RawDefaults {
    pub(crate) timezone: Option<String>,
    pub(crate) timeout: Option<String>,
    pub(crate) retries: Option<u32>,
    pub(crate) retry_delay: Option<String>,
    pub(crate) overlap: Option<Overlap>,
    pub(crate) catch_up: Option<CatchUp>,
    pub(crate) shell: Option<String>,
    pub(crate) notify: Option<RawNotify>,
    pub(crate) ping: Option<String>,
    pub(crate) mail_to: Option<String>,
}

/// One `[jobs.NAME]` table as written.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct RawJob {
    pub(crate) description: Option<String>,
    pub(crate) schedule: String,
    pub(crate) command: Option<String>,
    pub(crate) shell: Option<String>,
    pub(crate) http: Option<RawHttp>,
    pub(crate) timezone: Option<String>,
    pub(crate) enabled: Option<bool>,
    pub(crate) timeout: Option<String>,
    pub(crate) retries: Option<u32>,
    pub(crate) retry_delay: Option<String>,
    pub(crate) overlap: Option<Overlap>,
    pub(crate) catch_up: Option<CatchUp>,
    pub(crate) workdir: Option<String>,
    pub(crate) env: Option<BTreeMap<String, String>>,
    pub(crate) notify: Option<RawNotify>,
    /// A healthchecks.io-style ping URL; `""` turns off the one of `[defaults]`.
    pub(crate) ping: Option<String>,
    /// Where `sendmail -t` mails results; `""` turns off the one of `[defaults]` (cron's
    /// `MAILTO=""`).
    pub(crate) mail_to: Option<String>,
}

/// `http = { ... }` as written.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct RawHttp {
    pub(crate) method: Option<String>,
    pub(crate) url: String,
    pub(crate) headers: Option<BTreeMap<String, String>>,
    pub(crate) body: Option<String>,
    pub(crate) expect: Option<Vec<u16>>,
}

/// `notify = { ... }` as written.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct RawNotify {
    pub(crate) url: String,
    pub(crate) on: Option<NotifyOn>,
    pub(crate) secret: Option<String>,
    pub(crate) format: Option<NotifyFormat>,
    pub(crate) signature: Option<SignatureScheme>,
}

/// What to do when a run is due while the previous run of the same job still runs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub(crate) enum Overlap {
    /// Skip the new run and log it.
    #[default]
    Skip,
    /// Run once right after the current run ends.
    Queue,
    /// Start the new run anyway.
    Allow,
}

/// What to do with runs missed while the machine slept or the clock jumped.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub(crate) enum CatchUp {
    /// Log and skip them (cron's behaviour).
    #[default]
    None,
    /// Run one of them as soon as possible.
    Once,
}

/// When to send the result notification.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub(crate) enum NotifyOn {
    #[default]
    Failure,
    Success,
    Always,
}

/// The body a notification carries.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub(crate) enum NotifyFormat {
    /// The run's record as JSON (PRODUCT.md section 5).
    #[default]
    Json,
    /// A Slack incoming-webhook message.
    Slack,
    /// A Discord webhook message.
    Discord,
}

/// How a notification with a secret is signed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub(crate) enum SignatureScheme {
    /// Standard Webhooks: `webhook-id`, `webhook-timestamp`, `webhook-signature`, with a
    /// `whsec_` key.
    #[default]
    Standard,
    /// `Jobtab-Signature: t=...,v1=<hex>` with any secret (jobtab's first scheme).
    Jobtab,
}

/// A job resolved against `[defaults]` and validated.
#[derive(Debug, Clone)]
pub(crate) struct Job {
    pub(crate) name: String,
    pub(crate) description: Option<String>,
    /// What makes it run.
    pub(crate) triggers: Triggers,
    /// The job's `timezone`, else the default's, else the machine's.
    pub(crate) zone: Zone,
    pub(crate) enabled: bool,
    pub(crate) action: Action,
    /// `None`: shell jobs run without a limit; HTTP calls use `DEFAULT_HTTP_TIMEOUT`.
    pub(crate) timeout: Option<Duration>,
    pub(crate) retries: u32,
    pub(crate) retry_delay: Duration,
    pub(crate) overlap: Overlap,
    pub(crate) catch_up: CatchUp,
    /// `${VAR}` references are kept verbatim; they are expanded when the job runs.
    pub(crate) env: BTreeMap<String, String>,
    pub(crate) notify: Option<Notify>,
    /// healthchecks.io-style ping URL (may hold `${VAR}`).
    pub(crate) ping: Option<String>,
    /// Addresses for `sendmail -t`, as written (cron's MAILTO).
    pub(crate) mail_to: Option<String>,
}

/// What makes a job run. A new kind of trigger is a field here, its parsing in
/// `store::resolve`, and an event source in `runner::sources` that asks the scheduler for a
/// run; the compiler points at the rest (`list`, `show`, `next`, the crontab and export
/// refusals).
#[derive(Debug, Clone)]
pub(crate) struct Triggers {
    /// The `schedule` key as written (trimmed): what `list`, `show` and `next` print and a
    /// crontab line carries.
    pub(crate) written: String,
    /// A calendar schedule: a run at each of its instants. `None` for `@reboot`.
    pub(crate) schedule: Option<Schedule>,
    /// One run when `jobtab run` starts (`@reboot`; at boot when installed in the crontab).
    pub(crate) at_start: bool,
}

impl Triggers {
    /// The triggers a `schedule` key makes: `@reboot` runs at start, anything else on its
    /// calendar.
    pub(crate) fn from_schedule(schedule: Schedule) -> Triggers {
        let written = schedule.as_str().to_owned();
        if schedule.is_reboot() {
            Triggers {
                written,
                schedule: None,
                at_start: true,
            }
        } else {
            Triggers {
                written,
                schedule: Some(schedule),
                at_start: false,
            }
        }
    }

    /// The `schedule` key as written.
    pub(crate) fn as_str(&self) -> &str {
        &self.written
    }

    /// The first scheduled run strictly after `after` in `zone` (`Schedule::next_after`);
    /// `None` without a schedule or when it never fires again.
    pub(crate) fn next_after(&self, after: DateTime<Utc>, zone: Zone) -> Option<DateTime<Utc>> {
        self.schedule.as_ref()?.next_after(after, zone)
    }

    /// The next `count` scheduled runs after `after` (`Schedule::upcoming`).
    pub(crate) fn upcoming(
        &self,
        after: DateTime<Utc>,
        zone: Zone,
        count: usize,
    ) -> Vec<DateTime<Utc>> {
        match &self.schedule {
            Some(schedule) => schedule.upcoming(after, zone, count),
            None => Vec::new(),
        }
    }

    /// When the job runs, in English (`Schedule::describe`).
    pub(crate) fn describe(&self) -> String {
        match &self.schedule {
            Some(schedule) => schedule.describe(),
            None if self.at_start => crate::schedule::AT_START.to_owned(),
            None => String::new(),
        }
    }

    /// Whether the schedule has a seconds field.
    pub(crate) fn has_seconds(&self) -> bool {
        self.schedule.as_ref().is_some_and(Schedule::has_seconds)
    }

    /// Whether the job runs at start only (no schedule).
    pub(crate) fn at_start_only(&self) -> bool {
        self.at_start && self.schedule.is_none()
    }

    /// Whether both make a job run at the same times. (Destructured without `..`, so a new
    /// kind of trigger cannot be forgotten here.)
    pub(crate) fn same_as(&self, other: &Triggers) -> bool {
        let Triggers {
            written,
            schedule: _,
            at_start,
        } = self;
        // The schedule is parsed from `written`.
        *written == other.written && *at_start == other.at_start
    }
}

/// What a job runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Action {
    Shell {
        command: String,
        /// The shell that runs `command` with `-c`; `/bin/sh` when `None`.
        shell: Option<String>,
        workdir: Option<PathBuf>,
    },
    Http(HttpSpec),
}

/// An HTTP call. Strings may hold `${VAR}` references, expanded at run time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct HttpSpec {
    /// Upper-case method, `GET` by default.
    pub(crate) method: String,
    pub(crate) url: String,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Option<String>,
    /// Status codes that count as success; empty means any 2xx.
    pub(crate) expect: Vec<u16>,
}

/// Where and when to send a run's result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Notify {
    pub(crate) url: String,
    pub(crate) on: NotifyOn,
    /// HMAC key (may be a `${VAR}` reference).
    pub(crate) secret: Option<String>,
    pub(crate) format: NotifyFormat,
    pub(crate) signature: SignatureScheme,
}

impl Job {
    /// The total time an HTTP call of this job may take.
    pub(crate) fn http_timeout(&self) -> Duration {
        self.timeout.unwrap_or(DEFAULT_HTTP_TIMEOUT)
    }

    /// A one-line summary of what the job runs, for tables.
    pub(crate) fn action_summary(&self) -> String {
        match &self.action {
            Action::Shell { command, .. } => command.clone(),
            Action::Http(http) => format!("{} {}", http.method, http.url),
        }
    }
}

impl Overlap {
    /// The name as written in the job file.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Overlap::Skip => "skip",
            Overlap::Queue => "queue",
            Overlap::Allow => "allow",
        }
    }
}

impl CatchUp {
    /// The name as written in the job file.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            CatchUp::None => "none",
            CatchUp::Once => "once",
        }
    }
}

impl NotifyFormat {
    /// The name as written in the job file.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            NotifyFormat::Json => "json",
            NotifyFormat::Slack => "slack",
            NotifyFormat::Discord => "discord",
        }
    }
}

impl SignatureScheme {
    /// The name as written in the job file.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            SignatureScheme::Standard => "standard",
            SignatureScheme::Jobtab => "jobtab",
        }
    }
}

impl NotifyOn {
    /// The name as written in the job file.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            NotifyOn::Failure => "failure",
            NotifyOn::Success => "success",
            NotifyOn::Always => "always",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn triggers(schedule: &str) -> Triggers {
        Triggers::from_schedule(Schedule::parse(schedule).unwrap())
    }

    #[test]
    fn reboot_is_a_start_trigger_without_a_schedule() {
        for written in ["@reboot", "@Reboot"] {
            let start = triggers(written);
            assert!(start.at_start && start.at_start_only(), "{written}");
            assert!(start.schedule.is_none());
            assert_eq!(start.as_str(), written);
            assert_eq!(start.next_after(Utc::now(), Zone::Local), None);
            assert!(start.upcoming(Utc::now(), Zone::Local, 3).is_empty());
            assert_eq!(start.describe(), crate::schedule::AT_START);
        }
    }

    #[test]
    fn a_calendar_schedule_is_a_schedule_trigger() {
        let daily = triggers("0 2 * * *");
        assert!(!daily.at_start && !daily.at_start_only());
        assert_eq!(daily.as_str(), "0 2 * * *");
        let after = DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z")
            .unwrap()
            .to_utc();
        let next = daily.next_after(after, Zone::parse("UTC").unwrap());
        assert_eq!(next.unwrap().to_rfc3339(), "2026-01-01T02:00:00+00:00");
        assert!(!daily.has_seconds() && triggers("* * * * * *").has_seconds());
        assert!(daily.same_as(&triggers("0 2 * * *")));
        assert!(!daily.same_as(&triggers("0 3 * * *")));
    }
}
