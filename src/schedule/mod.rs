//! Cron schedules, exactly as Vixie cron reads them plus seconds, years, `L`, `W` and `#`
//! (PRODUCT.md section 3), behind one type of our own built on `croner`.
//!
//! This module never reads the wall clock: every computation takes the instant to start from
//! and the zone to evaluate in.

mod fields;

use std::fmt;

use chrono::{DateTime, Utc};
use croner::Cron;
use croner::parser::{CronParser, Seconds, Year};

use crate::zone::Zone;

pub(crate) use fields::Fields;

/// A parsed, validated schedule.
#[derive(Debug, Clone)]
pub(crate) struct Schedule {
    text: String,
    kind: Kind,
}

#[derive(Debug, Clone)]
enum Kind {
    /// `@reboot`: once when the scheduler starts, or cron's `@reboot` when installed.
    Reboot,
    Cron {
        cron: Cron,
        fields: usize,
    },
}

impl Schedule {
    /// Parses a schedule: 5 fields (Vixie), 6 (seconds first), 7 (seconds first, then year),
    /// or a nickname.
    pub(crate) fn parse(text: &str) -> Result<Schedule, ScheduleError> {
        let trimmed = text.trim();
        if trimmed.eq_ignore_ascii_case("@reboot") {
            return Ok(Schedule {
                text: trimmed.to_owned(),
                kind: Kind::Reboot,
            });
        }
        let fields = trimmed.split_whitespace().count();
        let parser = CronParser::builder()
            .seconds(Seconds::Optional)
            .year(Year::Optional)
            .build();
        let cron = parser.parse(trimmed).map_err(|err| ScheduleError {
            text: text.to_owned(),
            message: err.to_string(),
        })?;
        Ok(Schedule {
            text: trimmed.to_owned(),
            kind: Kind::Cron { cron, fields },
        })
    }

    /// The schedule as the user wrote it (trimmed).
    pub(crate) fn as_str(&self) -> &str {
        &self.text
    }

    /// Whether this is `@reboot`.
    pub(crate) fn is_reboot(&self) -> bool {
        matches!(self.kind, Kind::Reboot)
    }

    /// Whether the schedule has a seconds field (6 or 7 fields).
    pub(crate) fn has_seconds(&self) -> bool {
        matches!(self.kind, Kind::Cron { fields, .. } if fields >= 6)
    }

    /// The first run strictly after `after`, evaluated in `zone`; `None` for `@reboot` and for
    /// schedules that never fire again.
    pub(crate) fn next_after(&self, after: DateTime<Utc>, zone: Zone) -> Option<DateTime<Utc>> {
        let Kind::Cron { cron, .. } = &self.kind else {
            return None;
        };
        match zone {
            Zone::Local => cron
                .find_next_occurrence(&after.with_timezone(&chrono::Local), false)
                .ok()
                .map(|t| t.with_timezone(&Utc)),
            Zone::Named(tz) => cron
                .find_next_occurrence(&after.with_timezone(&tz), false)
                .ok()
                .map(|t| t.with_timezone(&Utc)),
        }
    }

    /// The next `count` runs after `after`.
    pub(crate) fn upcoming(
        &self,
        after: DateTime<Utc>,
        zone: Zone,
        count: usize,
    ) -> Vec<DateTime<Utc>> {
        let mut out = Vec::with_capacity(count);
        let mut cursor = after;
        while out.len() < count {
            let Some(next) = self.next_after(cursor, zone) else {
                break;
            };
            out.push(next);
            cursor = next;
        }
        out
    }

    /// The schedule's fields after nickname expansion, names turned into numbers (months 1-12,
    /// weekdays 0-7 as written), whitespace-normalised; `None` for `@reboot`.
    pub(crate) fn fields(&self) -> Option<Fields> {
        if self.is_reboot() {
            return None;
        }
        let text = fields::expand_nickname(&self.text).unwrap_or(&self.text);
        let parts: Vec<&str> = text.split_whitespace().collect();
        Fields::from_parts(&parts)
    }

    /// Whether this is a fixed-time job for the DST rule: its minute and hour fields both do
    /// not start with `*` (`@daily`, `@weekly`, `@monthly`, `@yearly` are; `@hourly` is not).
    pub(crate) fn is_fixed_time(&self) -> bool {
        self.fields()
            .is_some_and(|f| !f.minute.starts_with('*') && !f.hour.starts_with('*'))
    }

    /// The schedule in English, like crontab.guru.
    pub(crate) fn describe(&self) -> String {
        match &self.kind {
            Kind::Reboot => "once when the scheduler starts (at boot when installed)".to_owned(),
            Kind::Cron { cron, .. } => cron.describe(),
        }
    }

    /// `Ok` when the system crontab can express this schedule, else the reason.
    pub(crate) fn crontab_compatible(&self) -> Result<(), String> {
        if self.has_seconds() {
            return Err("it has a seconds field, which the system crontab cannot express".into());
        }
        Ok(())
    }
}

impl fmt::Display for Schedule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// A schedule that does not parse: the text and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ScheduleError {
    pub(crate) text: String,
    pub(crate) message: String,
}

impl fmt::Display for ScheduleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid schedule {:?}: {}", self.text, self.message)
    }
}

impl std::error::Error for ScheduleError {}
