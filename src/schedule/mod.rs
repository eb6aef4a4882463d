//! Cron schedules, exactly as Vixie cron reads them plus seconds, years, `L`, `W` and `#`
//! (PRODUCT.md section 3): parsing with our own messages, the next run in a time zone with
//! Vixie's daylight-saving rule, and the schedule in words.
//!
//! `croner` matches and searches wall-clock times (`engine`, fed patterns from `normalise`);
//! our layer adds the validation messages (`parse`), Vixie's `*`-first-character day rule and
//! the DST rule (`dst`), so no caller sees croner.
//!
//! This module never reads the wall clock: every computation takes the instant to start from
//! and the zone to evaluate in.

mod describe;
mod dst;
mod engine;
mod fields;
mod normalise;
mod parse;
mod spec;
#[cfg(test)]
mod tests;

use std::fmt;

use chrono::{DateTime, NaiveDateTime, Utc};

use crate::zone::Zone;

use engine::Engine;
pub(crate) use fields::Fields;
use parse::{Kind as FieldKind, parse_field};
use spec::Spec;

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
    /// A time schedule with 5, 6 or 7 fields (nicknames expanded to 5): the fields as we
    /// validated them (croner is built from them for each computation, see `engine`).
    Cron { spec: Box<Spec>, fields: usize },
}

const FIELD_HELP: &str = "expected 5 fields (minute hour day-of-month month day-of-week, \
                          like \"0 2 * * *\"), 6 (seconds first) or 7 (seconds first, year last)";

impl Schedule {
    /// Parses a schedule: 5 fields (Vixie), 6 (seconds first), 7 (seconds first, then year),
    /// or a nickname.
    pub(crate) fn parse(text: &str) -> Result<Schedule, ScheduleError> {
        let fail = |message: String| ScheduleError {
            text: text.to_owned(),
            message,
        };
        let trimmed = text.trim();
        if trimmed.is_empty() {
            return Err(fail(
                "the schedule is empty: write 5 fields such as \"0 2 * * *\" or a nickname \
                 such as @daily"
                    .to_owned(),
            ));
        }
        let expanded = if trimmed.starts_with('@') {
            if trimmed.contains(char::is_whitespace) {
                return Err(fail(
                    "a nickname such as @daily stands alone, without other fields".to_owned(),
                ));
            }
            if trimmed.eq_ignore_ascii_case("@reboot") {
                return Ok(Schedule {
                    text: trimmed.to_owned(),
                    kind: Kind::Reboot,
                });
            }
            fields::expand_nickname(trimmed).ok_or_else(|| {
                fail(format!(
                    "unknown nickname {}: use @yearly, @annually, @monthly, @weekly, @daily, \
                     @midnight, @hourly or @reboot",
                    parse::quote(trimmed)
                ))
            })?
        } else {
            trimmed
        };
        let parts: Vec<&str> = expanded.split_whitespace().collect();
        let command_like = parts.iter().skip(5).find(|p| looks_like_command(p));
        let hint = match command_like {
            Some(word) => format!(
                "; {} is not cron syntax: if a command follows the schedule, give only the \
                 schedule",
                parse::quote(word)
            ),
            None => String::new(),
        };
        if !(5..=7).contains(&parts.len()) || command_like.is_some() {
            let plural = if parts.len() == 1 { "" } else { "s" };
            return Err(fail(format!(
                "found {} field{plural}, {FIELD_HELP}{hint}",
                parts.len()
            )));
        }
        let (second, rest) = match parts.len() {
            5 => ("0", &parts[..]),
            _ => (parts[0], &parts[1..6]),
        };
        let field = |kind, text| parse_field(kind, text).map_err(&fail);
        let spec = Spec {
            second: field(FieldKind::Second, second)?,
            minute: field(FieldKind::Minute, rest[0])?,
            hour: field(FieldKind::Hour, rest[1])?,
            day_of_month: field(FieldKind::DayOfMonth, rest[2])?,
            month: field(FieldKind::Month, rest[3])?,
            day_of_week: field(FieldKind::DayOfWeek, rest[4])?,
            year: match parts.get(6) {
                Some(year) => Some(field(FieldKind::Year, year)?),
                None => None,
            },
        };
        Engine::check(&spec).map_err(fail)?;
        Ok(Schedule {
            text: trimmed.to_owned(),
            kind: Kind::Cron {
                spec: Box::new(spec),
                fields: parts.len(),
            },
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

    /// The first run strictly after `after`, evaluated on wall-clock time in `zone` with
    /// Vixie's daylight-saving rule (see `dst`); `None` for `@reboot` and for schedules that
    /// never fire again. Feeding each answer back in yields every run exactly once.
    pub(crate) fn next_after(&self, after: DateTime<Utc>, zone: Zone) -> Option<DateTime<Utc>> {
        let Kind::Cron { spec, .. } = &self.kind else {
            return None;
        };
        dst::next_after(&Engine::new(spec), self.is_fixed_time(), after, zone)
    }

    /// Whether the schedule fires at all, whatever the time and zone, as far as can be told
    /// without searching: `@reboot`, and classic fields whose days surely occur (a weekday
    /// restriction alone, or a day of month up to 28 in any month). `false` means "search":
    /// `next_after` tells (`0 0 30 2 *` never fires; years, `L`, `W`, `#` are not judged here).
    pub(crate) fn surely_fires(&self) -> bool {
        let Kind::Cron { spec, .. } = &self.kind else {
            return true;
        };
        if !spec.is_classic() {
            return false;
        }
        let (dom, dow) = (&spec.day_of_month, &spec.day_of_week);
        if !spec.days_and() {
            // Either day field matches: every month has every weekday.
            return true;
        }
        // Both must match: every day of the month, or some day 1-28 on any weekday.
        dom.is_every() || (dow.is_every() && dom.next_from(1).is_some_and(|day| day <= 28))
    }

    /// The next `count` runs after `after` (fewer when the schedule stops firing).
    pub(crate) fn upcoming(
        &self,
        after: DateTime<Utc>,
        zone: Zone,
        count: usize,
    ) -> Vec<DateTime<Utc>> {
        let Kind::Cron { spec, .. } = &self.kind else {
            return Vec::new();
        };
        // One engine for the whole walk: it rebuilds croner's patterns only when the walk
        // crosses into another year.
        let engine = Engine::new(spec);
        let fixed = self.is_fixed_time();
        let mut out = Vec::with_capacity(count.min(1024));
        let mut cursor = after;
        while out.len() < count {
            let Some(next) = dst::next_after(&engine, fixed, cursor, zone) else {
                break;
            };
            out.push(next);
            cursor = next;
        }
        out
    }

    /// Why a run computed by `next_after` is not at the plain wall time of the schedule: it
    /// was moved past a spring-forward gap, or it repeats a wall time after a fall-back.
    pub(crate) fn dst_note(&self, run: DateTime<Utc>, zone: Zone) -> Option<&'static str> {
        let Kind::Cron { spec, .. } = &self.kind else {
            return None;
        };
        let wall = zone.to_fixed(run).naive_local();
        if !Engine::new(spec).matches(wall) {
            return Some(
                "moved: daylight saving skipped its time, so it runs right after the change",
            );
        }
        let instants = zone.instants_at(wall);
        if instants.len() == 2 && instants[1] == run {
            return Some("again: daylight saving repeats this hour");
        }
        None
    }

    /// The first wall-clock time in `[from, to)` that the schedule's fields match, whatever
    /// the zone makes of it (for exports that tell which daylight-saving changes skip or
    /// repeat a job's times); `None` for `@reboot` and when none does.
    pub(crate) fn first_wall_in(
        &self,
        from: NaiveDateTime,
        to: NaiveDateTime,
    ) -> Option<NaiveDateTime> {
        let Kind::Cron { spec, .. } = &self.kind else {
            return None;
        };
        let before = from.checked_sub_signed(chrono::TimeDelta::seconds(1))?;
        Engine::new(spec)
            .next_wall(before)
            .filter(|wall| *wall < to)
    }

    /// The schedule in English, like crontab.guru, spelling out the day-of-month /
    /// day-of-week rule.
    pub(crate) fn describe(&self) -> String {
        match &self.kind {
            Kind::Reboot => AT_START.to_owned(),
            Kind::Cron { spec, .. } => describe::describe(spec),
        }
    }

    /// `Ok` when the system crontab can express this schedule, else the reason.
    pub(crate) fn crontab_compatible(&self) -> Result<(), String> {
        let Kind::Cron { spec, fields, .. } = &self.kind else {
            return Ok(());
        };
        let mut reasons = Vec::new();
        if *fields >= 6 {
            reasons.push("a seconds field");
        }
        if *fields == 7 {
            reasons.push("a year field");
        }
        if spec.day_of_month.has_special() || spec.day_of_week.has_special() {
            reasons.push("L, W or # in a day field");
        }
        if reasons.is_empty() {
            return Ok(());
        }
        Err(format!(
            "it has {}, which the system crontab cannot express",
            reasons.join(" and ")
        ))
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
        match &self.kind {
            Kind::Reboot => false,
            Kind::Cron { spec, .. } => !spec.minute.star && !spec.hour.star,
        }
    }
}

/// What `@reboot` means, in English.
pub(crate) const AT_START: &str =
    "Once when the scheduler starts (at boot when installed in the crontab)";

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
        let text = if self.text.chars().count() > 100 {
            format!("{}...", self.text.chars().take(100).collect::<String>())
        } else {
            self.text.clone()
        };
        write!(f, "invalid schedule {text:?}: {}", self.message)
    }
}

impl std::error::Error for ScheduleError {}

/// Whether a word after the fifth cannot be cron syntax, so the user probably pasted a
/// crontab line with its command.
fn looks_like_command(word: &str) -> bool {
    word.starts_with('/')
        || word.starts_with('.')
        || !word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '*' | ',' | '-' | '/' | '#' | '?'))
        || (word.len() > 3
            && word.chars().all(|c| c.is_ascii_alphabetic())
            && !word.eq_ignore_ascii_case("lw"))
}
