//! The calendar side of a schedule, done by croner: which wall-clock times match, and the
//! next matching wall time after a given one (croner walks field by field, never minute by
//! minute). Croner searches `chrono::NaiveDateTime`, so its own time-zone and DST handling
//! never runs: `dst` maps wall times to instants with Vixie's rule.
//!
//! Our layer adds what croner does not do the Vixie way: the `*`-first-character day rule
//! (croner's `dom_and_dow` option, set exactly when a day field starts with `*`), patterns
//! normalised so croner reads them as Vixie does (`normalise`), and a quick "never" for
//! schedules whose day can never occur (croner would search to the year 5000 for them).

use std::cell::RefCell;
use std::rc::Rc;

use chrono::{Datelike, NaiveDate, NaiveDateTime, TimeDelta};
use croner::Cron;
use croner::parser::{CronParser, Seconds, Year};

use super::normalise;
use super::parse::FIRST_YEAR;
use super::spec::Spec;

/// The matcher of one schedule: croner patterns whose union is the schedule (see
/// `normalise`), those that can never match left out.
///
/// An engine lives for one computation. It borrows the schedule's fields and builds croner
/// patterns for the year its search starts in (see `normalise::YEAR_WINDOW`), again only when
/// a later search starts in another year. The patterns are not kept in `Schedule`: each holds
/// croner's 5 KiB year table, which 10,000 jobs would turn into 50 MB.
#[derive(Debug)]
pub(crate) struct Engine<'a> {
    spec: &'a Spec,
    built: RefCell<Option<(i32, Rc<[Cron]>)>>,
}

impl<'a> Engine<'a> {
    /// An engine for validated fields; croner runs at the first search.
    pub(crate) fn new(spec: &'a Spec) -> Engine<'a> {
        Engine {
            spec,
            built: RefCell::new(None),
        }
    }

    /// Checks that croner reads every pattern we build for these fields. An error means
    /// croner refused a pattern we built: a bug of ours, reported when the schedule is
    /// parsed rather than hidden until it should run.
    ///
    /// Classic fields are not checked: `normalise` writes them as numbers, ranges, lists and
    /// steps that croner reads by construction (the reference tests run thousands of random
    /// ones through croner), and the check is a third of what `list` spends on a file of
    /// 10,000 different schedules. `L`, `W`, `#` and years, where croner's reading is less
    /// plain, are checked.
    pub(crate) fn check(spec: &Spec) -> Result<(), String> {
        if spec.is_classic() {
            return Ok(());
        }
        build(spec, FIRST_YEAR as i32).map(drop)
    }

    /// The croner patterns for searches starting in `year`.
    fn crons(&self, year: i32) -> Rc<[Cron]> {
        let mut built = self.built.borrow_mut();
        if let Some((from, crons)) = built.as_ref()
            && *from == year
        {
            return Rc::clone(crons);
        }
        // `check` passed when the schedule was parsed, so this cannot fail; if it did, the
        // schedule would have no runs rather than wrong ones.
        let crons: Rc<[Cron]> = build(self.spec, year).unwrap_or_default().into();
        *built = Some((year, Rc::clone(&crons)));
        crons
    }

    /// Whether a wall-clock time (whole seconds) matches the schedule.
    pub(crate) fn matches(&self, wall: NaiveDateTime) -> bool {
        self.crons(wall.year())
            .iter()
            .any(|cron| cron.is_time_matching(&wall).unwrap_or(false))
    }

    /// The first matching wall time strictly after `after` (whole seconds), or `None` when
    /// there is none (also past croner's year 5000).
    pub(crate) fn next_wall(&self, after: NaiveDateTime) -> Option<NaiveDateTime> {
        let mut from = after;
        if let Some(year) = &self.spec.year {
            // Skip straight to the first year left, or stop when none is.
            let offset =
                u32::try_from(after.year().saturating_sub(FIRST_YEAR as i32).max(0)).ok()?;
            let first = i32::try_from(year.next_from(offset)? + FIRST_YEAR).ok()?;
            if first > after.year() {
                from = year_start(first)?.checked_sub_signed(TimeDelta::seconds(1))?;
            }
        } else if after.year() < 1 {
            // Croner's years start at 1 and it would walk up to it one year at a time.
            from = year_start(1)?.checked_sub_signed(TimeDelta::seconds(1))?;
        }
        self.crons(from.year())
            .iter()
            .filter_map(|cron| cron.find_next_occurrence(&from, false).ok())
            .min()
    }
}

/// The croner patterns of `spec` for searches starting in `from_year`, leaving out those
/// whose day can never occur.
fn build(spec: &Spec, from_year: i32) -> Result<Vec<Cron>, String> {
    let parser = CronParser::builder()
        .seconds(Seconds::Required)
        .year(Year::Required)
        .dom_and_dow(spec.days_and())
        .build();
    let mut crons = Vec::new();
    for pattern in normalise::patterns(spec, from_year) {
        let cron = parser.parse(&pattern).map_err(|err| {
            format!(
                "the cron engine cannot read it as {pattern:?} ({err}): please report this \
                 schedule"
            )
        })?;
        if day_can_occur(&cron) {
            crons.push(cron);
        }
    }
    Ok(crons)
}

fn year_start(year: i32) -> Option<NaiveDateTime> {
    NaiveDate::from_ymd_opt(year, 1, 1)?.and_hms_opt(0, 0, 0)
}

/// Whether some day ever matches the pattern's day and month fields. A month's days depend
/// only on its length and the weekday of its first day, and over the years every month
/// starts on every weekday (February with 28 and with 29 days), so trying each month of the
/// pattern in each of those forms decides it: at most 12 x 7 x 31 checks, usually one.
fn day_can_occur(cron: &Cron) -> bool {
    let pattern = &cron.pattern;
    // 2001 is a common year, 2004 a leap year; only their month lengths matter here.
    let forms = |month: u32| -> &'static [i32] { if month == 2 { &[2001, 2004] } else { &[2001] } };
    (1..=12u32)
        .filter(|&month| pattern.month_match(month).unwrap_or(false))
        .any(|month| {
            forms(month).iter().any(|&year| {
                let length = croner::time::days_in_month(year, month);
                (0..7u32).any(|first| {
                    (1..=length).any(|day| {
                        let weekday = croner::Weekday::from_days_from_sunday(first + day - 1);
                        pattern
                            .day_match(year, month, day, weekday)
                            .unwrap_or(false)
                    })
                })
            })
        })
}

#[cfg(test)]
mod tests {
    use super::super::Schedule;
    use super::*;

    fn engine(expr: &str) -> Engine<'static> {
        // Leaked so the engine can borrow it for the rest of the test.
        let schedule: &'static Schedule = Box::leak(Box::new(Schedule::parse(expr).unwrap()));
        match &schedule.kind {
            super::super::Kind::Cron { spec, .. } => Engine::new(spec),
            super::super::Kind::Reboot => panic!("not a time schedule"),
        }
    }

    fn wall(text: &str) -> NaiveDateTime {
        text.parse().unwrap()
    }

    #[test]
    fn classic_schedules_always_build() {
        // `check` skips croner for classic fields; croner must read every one of them.
        for expr in [
            "* * * * *",
            "*/7 1-5/2 1,15,31 */3 0-7",
            "59 23 31 12 7",
            "0 0 1-31/4294967295 * *",
            "1,* * * * *",
            "*/61 */25 */32 */13 */8",
            "0-59/59 0-23/23 1-31/30 1-12/11 0-7/6",
            "*/5 * * * * *",
        ] {
            let schedule = Schedule::parse(expr).unwrap();
            let super::super::Kind::Cron { spec, .. } = &schedule.kind else {
                panic!("{expr}");
            };
            assert!(spec.is_classic(), "{expr}");
            for year in [1, 1970, 2026, 4999, 5000] {
                assert!(build(spec, year).is_ok(), "{expr} from {year}");
            }
        }
        for extended in [
            "0 0 L * *",
            "0 0 15W * *",
            "0 0 * * 1#2",
            "0 0 * * 5L",
            "0 0 0 1 1 * 2030",
        ] {
            let schedule = Schedule::parse(extended).unwrap();
            let super::super::Kind::Cron { spec, .. } = &schedule.kind else {
                panic!("{extended}");
            };
            assert!(!spec.is_classic(), "{extended}");
        }
    }

    #[test]
    fn days_that_never_occur_are_known_at_once() {
        for never in [
            "0 0 31 2 *",
            "0 0 30 feb *",
            "0 0 31 4,6,9,11 *",
            "0 0 30W 2 *",
            "0 0 0 31 2 * 2030",
        ] {
            assert!(engine(never).crons(2026).is_empty(), "{never}");
        }
        for some in [
            "0 0 29 2 *",
            "0 0 * 2 5#5",
            "0 0 31 2 1",
            "0 0 */30 2 *",
            "0 0 L 2 *",
        ] {
            assert!(!engine(some).crons(2026).is_empty(), "{some}");
        }
    }

    #[test]
    fn a_fifth_friday_in_february_is_found_decades_ahead() {
        assert_eq!(
            engine("0 0 * 2 5#5").next_wall(wall("2026-01-01T00:00:00")),
            Some(wall("2036-02-29T00:00:00"))
        );
    }

    #[test]
    fn year_fields_skip_ahead_and_end() {
        let e = engine("0 0 0 1 1 * 2030,2099");
        assert_eq!(
            e.next_wall(wall("2026-05-01T00:00:00")),
            Some(wall("2030-01-01T00:00:00"))
        );
        assert_eq!(
            e.next_wall(wall("2030-01-01T00:00:00")),
            Some(wall("2099-01-01T00:00:00"))
        );
        assert_eq!(e.next_wall(wall("2099-01-01T00:00:00")), None);
        let even = engine("0 0 0 1 1 * */2");
        assert_eq!(
            even.next_wall(wall("2026-06-01T00:00:00")),
            Some(wall("2028-01-01T00:00:00"))
        );
        assert_eq!(even.next_wall(wall("2099-01-01T00:00:00")), None);
        assert_eq!(
            even.next_wall(NaiveDateTime::MIN),
            Some(wall("1970-01-01T00:00:00"))
        );
    }

    #[test]
    fn last_day_and_last_weekday_together() {
        // January 2026 ends on a Saturday: LW is Friday the 30th, L Saturday the 31st.
        let e = engine("0 0 L,LW * *");
        assert_eq!(
            e.next_wall(wall("2026-01-01T00:00:00")),
            Some(wall("2026-01-30T00:00:00"))
        );
        assert_eq!(
            e.next_wall(wall("2026-01-30T00:00:00")),
            Some(wall("2026-01-31T00:00:00"))
        );
        assert!(e.matches(wall("2026-01-31T00:00:00")));
        assert!(!e.matches(wall("2026-01-29T00:00:00")));
    }

    #[test]
    fn far_past_and_far_future_answer_without_panic() {
        let e = engine("0 0 1 1 *");
        assert_eq!(
            e.next_wall(NaiveDateTime::MIN),
            Some(wall("0001-01-01T00:00:00"))
        );
        assert_eq!(
            e.next_wall(wall("4999-06-01T00:00:00")),
            Some(wall("5000-01-01T00:00:00"))
        );
        assert_eq!(e.next_wall(NaiveDateTime::MAX), None);
    }
}
