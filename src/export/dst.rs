//! Daylight-saving days on which an export target runs a job differently from `jobtab run`
//! and cron (PRODUCT.md sections 3 and 7), so the export can say so.
//!
//! jobtab follows Vixie cron: a fixed-time job (minute and hour fields do not start with `*`)
//! whose time a spring-forward change skips runs once right after the change, and one whose
//! time a fall-back change repeats runs once; other jobs follow real time (skipped times do
//! not run, repeated times run twice). The targets differ:
//!
//! - Kubernetes (robfig/cron walks real time): a fixed-time job's skipped time does not run,
//!   and its repeated time runs twice. Other jobs behave as in jobtab.
//! - systemd: a fixed-time job's skipped time does not run, and a repeated time runs once,
//!   also for jobs that follow real time (jobtab runs those twice).
//!
//! A job is affected only when its zone actually changes its offset over a time the schedule
//! matches (`30 2 * * 1-5` in New York never is: the change is on a Sunday): each change of
//! the zone from the export on, for `HORIZON_YEARS`, is checked against the schedule.

use chrono::{DateTime, NaiveDateTime, TimeDelta, Utc};

use crate::schedule::Schedule;
use crate::zone::Zone;

/// How far ahead changes are looked for: a full cycle of the calendar (dates fall on the same
/// weekdays again after 28 years), so a schedule restricted to some days is caught whatever
/// year its day and a change coincide in.
const HORIZON_YEARS: i64 = 28;

/// The step of the offset scan. Changes closer together than this could hide each other; no
/// real zone has any (`schedule::dst` assumes three hours).
const STEP: TimeDelta = TimeDelta::hours(6);

/// Which way a zone changes its offset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Change {
    /// Clocks go forward: a range of wall times does not occur that day.
    SpringForward,
    /// Clocks go back: a range of wall times occurs twice that day.
    FallBack,
}

/// A change of a zone's UTC offset: when, and the offsets (seconds) before and after.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Transition {
    at: DateTime<Utc>,
    before: i32,
    after: i32,
}

impl Transition {
    fn change(self) -> Change {
        if self.after > self.before {
            Change::SpringForward
        } else {
            Change::FallBack
        }
    }

    /// The wall times the change skips (spring forward) or repeats (fall back): `[from, to)`.
    fn walls(self) -> Option<(NaiveDateTime, NaiveDateTime)> {
        let wall = |offset: i32| {
            self.at
                .naive_utc()
                .checked_add_signed(TimeDelta::seconds(i64::from(offset)))
        };
        let (a, b) = (wall(self.before)?, wall(self.after)?);
        Some((a.min(b), a.max(b)))
    }
}

/// A change that skips or repeats a time a job runs at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Hit {
    pub(crate) change: Change,
    /// The wall times it skips or repeats: `[from, to)`.
    pub(crate) from: NaiveDateTime,
    pub(crate) to: NaiveDateTime,
}

/// The changes of the zones an export meets, found once per zone.
#[derive(Debug)]
pub(crate) struct Changes {
    from: DateTime<Utc>,
    until: DateTime<Utc>,
    zones: Vec<(Zone, Vec<Transition>)>,
}

impl Changes {
    /// Changes from `now` on (the export's time), for `HORIZON_YEARS`.
    pub(crate) fn new(now: DateTime<Utc>) -> Changes {
        let until = now
            .checked_add_signed(TimeDelta::days(HORIZON_YEARS * 366))
            .unwrap_or(now);
        Changes {
            from: now,
            until,
            zones: Vec::new(),
        }
    }

    fn of(&mut self, zone: Zone) -> &[Transition] {
        let index = match self.zones.iter().position(|(z, _)| *z == zone) {
            Some(index) => index,
            None => {
                let found = transitions(zone, self.from, self.until);
                self.zones.push((zone, found));
                self.zones.len() - 1
            }
        };
        &self.zones[index].1
    }

    /// The first change of `kind` in `zone` that skips or repeats a wall time the schedule
    /// matches.
    pub(crate) fn first_hit(
        &mut self,
        schedule: &Schedule,
        zone: Zone,
        kind: Change,
    ) -> Option<Hit> {
        self.of(zone)
            .iter()
            .filter(|t| t.change() == kind)
            .find_map(|t| {
                let (from, to) = t.walls()?;
                schedule.first_wall_in(from, to)?;
                Some(Hit {
                    change: kind,
                    from,
                    to,
                })
            })
    }
}

fn offset(zone: Zone, t: DateTime<Utc>) -> i32 {
    zone.to_fixed(t).offset().local_minus_utc()
}

/// Every change of the zone's offset in `(from, until]`, to the second.
fn transitions(zone: Zone, from: DateTime<Utc>, until: DateTime<Utc>) -> Vec<Transition> {
    let at = |seconds: i64| DateTime::from_timestamp(seconds, 0);
    let offset_at = |seconds: i64| at(seconds).map(|t| offset(zone, t));
    let step = STEP.num_seconds();
    let mut out = Vec::new();
    let mut t = from.timestamp();
    let Some(mut before) = offset_at(t) else {
        return out;
    };
    while t < until.timestamp() {
        let next = t + step;
        let Some(then) = offset_at(next) else {
            break;
        };
        if then == before {
            t = next;
            continue;
        }
        // The first second with another offset, in (t, next].
        let (mut lo, mut hi) = (t, next);
        while hi - lo > 1 {
            let mid = lo + (hi - lo) / 2;
            if offset_at(mid) == Some(before) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        let (Some(instant), Some(after)) = (at(hi), offset_at(hi)) else {
            break;
        };
        out.push(Transition {
            at: instant,
            before,
            after,
        });
        t = hi;
        before = after;
    }
    out
}

/// How an export target runs a job on the days a change skips or repeats its time, when that
/// differs from `jobtab run` and cron: one sentence per kind of change, for a comment in the
/// output and a note on stderr.
pub(crate) fn differences(
    schedule: &Schedule,
    zone: Zone,
    target: Target,
    changes: &mut Changes,
) -> Vec<String> {
    if schedule.is_reboot() {
        return Vec::new();
    }
    let fixed = schedule.is_fixed_time();
    let mut out = Vec::new();
    let name = target.name();
    if fixed && let Some(hit) = changes.first_hit(schedule, zone, Change::SpringForward) {
        out.push(format!(
            "{}, {name} skips its run; `jobtab run` and cron run it once, right after the \
             change",
            hit.when(zone)
        ));
    }
    let fall_back = match target {
        // robfig/cron walks real time: the repeated time matches twice.
        Target::Kubernetes if fixed => {
            Some("{name} runs it twice; `jobtab run` and cron run it once")
        }
        // systemd runs a repeated time once; jobtab runs a job that follows real time twice.
        Target::Systemd if !fixed => Some(
            "{name} runs each of those times once; `jobtab run` and cron run each twice, as the \
             clock passes it twice",
        ),
        _ => None,
    };
    if let Some(text) = fall_back
        && let Some(hit) = changes.first_hit(schedule, zone, Change::FallBack)
    {
        out.push(format!(
            "{}, {}",
            hit.when(zone),
            text.replace("{name}", name)
        ));
    }
    out
}

/// The engine an export is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Target {
    Kubernetes,
    Systemd,
}

impl Target {
    fn name(self) -> &'static str {
        match self {
            Target::Kubernetes => "Kubernetes",
            Target::Systemd => "systemd",
        }
    }
}

impl Hit {
    /// "in America/New_York, on the days clocks spring forward over 02:00-03:00 (next:
    /// 2027-03-14)".
    fn when(&self, zone: Zone) -> String {
        let time = |t: NaiveDateTime| {
            if t.and_utc().timestamp() % 60 == 0 {
                t.format("%H:%M").to_string()
            } else {
                t.format("%H:%M:%S").to_string()
            }
        };
        let verb = match self.change {
            Change::SpringForward => "spring forward over",
            Change::FallBack => "fall back over",
        };
        format!(
            "in {zone}, on the days clocks {verb} {}-{} (next: {})",
            time(self.from),
            time(self.to),
            self.from.format("%Y-%m-%d")
        )
    }
}

/// `text` as comment lines of at most about `width` characters, each starting with `prefix`
/// (such as `"  # "`) and ending with a newline.
pub(crate) fn comment_lines(text: &str, prefix: &str, width: usize) -> String {
    let mut out = String::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && prefix.len() + line.len() + 1 + word.len() > width {
            out.push_str(prefix);
            out.push_str(&line);
            out.push('\n');
            line.clear();
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        out.push_str(prefix);
        out.push_str(&line);
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .unwrap()
            .with_timezone(&Utc)
    }

    fn zone(name: &str) -> Zone {
        Zone::parse(name).unwrap()
    }

    fn diffs(schedule: &str, zone_name: &str, target: Target) -> Vec<String> {
        let mut changes = Changes::new(utc("2026-01-01T00:00:00Z"));
        differences(
            &Schedule::parse(schedule).unwrap(),
            zone(zone_name),
            target,
            &mut changes,
        )
    }

    #[test]
    fn transitions_are_found_to_the_second() {
        let found = transitions(
            zone("America/New_York"),
            utc("2026-01-01T00:00:00Z"),
            utc("2027-01-01T00:00:00Z"),
        );
        assert_eq!(
            found,
            [
                Transition {
                    at: utc("2026-03-08T07:00:00Z"),
                    before: -5 * 3600,
                    after: -4 * 3600
                },
                Transition {
                    at: utc("2026-11-01T06:00:00Z"),
                    before: -4 * 3600,
                    after: -5 * 3600
                },
            ]
        );
        let walls = found[0].walls().unwrap();
        assert_eq!(walls.0.to_string(), "2026-03-08 02:00:00");
        assert_eq!(walls.1.to_string(), "2026-03-08 03:00:00");
        let walls = found[1].walls().unwrap();
        assert_eq!(walls.0.to_string(), "2026-11-01 01:00:00");
        assert_eq!(walls.1.to_string(), "2026-11-01 02:00:00");
        assert!(
            transitions(
                zone("UTC"),
                utc("2026-01-01T00:00:00Z"),
                utc("2054-01-01T00:00:00Z")
            )
            .is_empty()
        );
        // Lord Howe shifts by 30 minutes.
        let howe = transitions(
            zone("Australia/Lord_Howe"),
            utc("2026-01-01T00:00:00Z"),
            utc("2027-01-01T00:00:00Z"),
        );
        assert_eq!(howe.len(), 2, "{howe:?}");
        assert!(howe.iter().all(|t| (t.after - t.before).abs() == 1800));
    }

    #[test]
    fn kubernetes_differs_for_fixed_times_in_a_skipped_or_repeated_range() {
        let spring = diffs("30 2 * * *", "America/New_York", Target::Kubernetes);
        assert_eq!(
            spring,
            [
                "in America/New_York, on the days clocks spring forward over 02:00-03:00 (next: \
              2026-03-08), Kubernetes skips its run; `jobtab run` and cron run it once, right \
              after the change"
            ]
        );
        let fall = diffs("30 1 * * *", "America/New_York", Target::Kubernetes);
        assert_eq!(
            fall,
            [
                "in America/New_York, on the days clocks fall back over 01:00-02:00 (next: \
              2026-11-01), Kubernetes runs it twice; `jobtab run` and cron run it once"
            ]
        );
        // Times no change touches, zones without changes, jobs that follow real time (as
        // robfig does), and days the change never falls on.
        for (schedule, zone) in [
            ("0 12 * * *", "America/New_York"),
            ("0 3 * * *", "America/New_York"),
            ("30 2 * * *", "UTC"),
            ("30 2 * * *", "Asia/Tokyo"),
            ("30 * * * *", "America/New_York"),
            ("*/5 1 * * *", "America/New_York"),
            ("30 1 * * 1-5", "America/New_York"),
            ("30 2 * 1 *", "America/New_York"),
            ("@reboot", "America/New_York"),
        ] {
            assert_eq!(
                diffs(schedule, zone, Target::Kubernetes),
                Vec::<String>::new(),
                "{schedule} in {zone}"
            );
        }
        // Europe changes at 01:00 UTC: 02:00-03:00 in Berlin in spring, 02:00-03:00 twice in
        // autumn; a job at 02:30 hits both.
        assert_eq!(
            diffs("30 2 * * *", "Europe/Berlin", Target::Kubernetes).len(),
            2
        );
        // A date that a change falls on only in some years is found in the next such year.
        let rare = diffs("30 2 8 3 *", "America/New_York", Target::Kubernetes);
        assert_eq!(rare.len(), 1);
        assert!(rare[0].contains("(next: 2026-03-08)"), "{rare:?}");
        let rare = diffs("30 2 9 3 *", "America/New_York", Target::Kubernetes);
        assert!(rare[0].contains("(next: 2031-03-09)"), "{rare:?}");
    }

    #[test]
    fn systemd_differs_for_skipped_fixed_times_and_repeated_real_times() {
        let spring = diffs("30 2 * * *", "America/New_York", Target::Systemd);
        assert_eq!(spring.len(), 1);
        assert!(spring[0].contains("systemd skips its run"), "{spring:?}");
        // A fixed time that repeats runs once in both.
        assert!(diffs("30 1 * * *", "America/New_York", Target::Systemd).is_empty());
        let fall = diffs("*/15 * * * *", "America/New_York", Target::Systemd);
        assert_eq!(
            fall,
            [
                "in America/New_York, on the days clocks fall back over 01:00-02:00 (next: \
              2026-11-01), systemd runs each of those times once; `jobtab run` and cron run \
              each twice, as the clock passes it twice"
            ]
        );
        assert!(diffs("*/15 * * * *", "UTC", Target::Systemd).is_empty());
        assert!(diffs("*/15 9-17 * * *", "America/New_York", Target::Systemd).is_empty());
        assert!(diffs("0 12 * * *", "America/New_York", Target::Systemd).is_empty());
    }

    #[test]
    fn comments_wrap_at_words() {
        let text = comment_lines("aaa bbb ccc ddd", "  # ", 12);
        assert_eq!(text, "  # aaa bbb\n  # ccc ddd\n");
        assert_eq!(comment_lines("", "# ", 80), "");
    }
}
