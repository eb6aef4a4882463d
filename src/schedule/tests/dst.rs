//! Daylight-saving tests: exact runs across spring-forward and fall-back changes in New York,
//! Berlin and Lord Howe (a 30-minute shift), and a brute-force check of the Vixie rule that
//! walks real time minute by minute around every 2026 change.

use chrono::{DateTime, TimeDelta, Utc};

use crate::schedule::Schedule;
use crate::zone::Zone;

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .unwrap()
        .with_timezone(&Utc)
}

fn runs(expr: &str, tz: &str, after: &str, count: usize) -> Vec<String> {
    let zone = Zone::parse(tz).unwrap();
    Schedule::parse(expr)
        .unwrap()
        .upcoming(at(after), zone, count)
        .into_iter()
        .map(|t| zone.to_fixed(t).to_rfc3339())
        .collect()
}

const NY: &str = "America/New_York";
const BERLIN: &str = "Europe/Berlin";
const LORD_HOWE: &str = "Australia/Lord_Howe";

#[test]
fn new_york_fixed_time_spring_forward_runs_right_after_the_gap() {
    assert_eq!(
        runs("30 2 * * *", NY, "2026-03-07T00:00:00-05:00", 3),
        [
            "2026-03-07T02:30:00-05:00",
            "2026-03-08T03:00:00-04:00",
            "2026-03-09T02:30:00-04:00"
        ]
    );
    // Two skipped times still run once.
    assert_eq!(
        runs("0,30 2 * * *", NY, "2026-03-08T00:00:00-05:00", 2),
        ["2026-03-08T03:00:00-04:00", "2026-03-09T02:00:00-04:00"]
    );
    // The exact example of PRODUCT.md: 07:00Z.
    let schedule = Schedule::parse("30 2 * * *").unwrap();
    let ny = Zone::parse(NY).unwrap();
    assert_eq!(
        schedule.next_after(at("2026-03-08T00:00:00Z"), ny),
        Some(at("2026-03-08T07:00:00Z"))
    );
}

#[test]
fn new_york_fixed_time_fall_back_runs_once() {
    assert_eq!(
        runs("30 1 * * *", NY, "2026-10-31T12:00:00Z", 2),
        ["2026-11-01T01:30:00-04:00", "2026-11-02T01:30:00-05:00"]
    );
    // Asked from inside the second pass, it still does not run again that day.
    assert_eq!(
        runs("30 1 * * *", NY, "2026-11-01T01:10:00-05:00", 1),
        ["2026-11-02T01:30:00-05:00"]
    );
}

#[test]
fn new_york_wildcard_jobs_follow_real_time() {
    assert_eq!(
        runs("*/30 * * * *", NY, "2026-11-01T00:45:00-04:00", 5),
        [
            "2026-11-01T01:00:00-04:00",
            "2026-11-01T01:30:00-04:00",
            "2026-11-01T01:00:00-05:00",
            "2026-11-01T01:30:00-05:00",
            "2026-11-01T02:00:00-05:00"
        ]
    );
    assert_eq!(
        runs("*/30 * * * *", NY, "2026-03-08T01:15:00-05:00", 3),
        [
            "2026-03-08T01:30:00-05:00",
            "2026-03-08T03:00:00-04:00",
            "2026-03-08T03:30:00-04:00"
        ]
    );
    assert_eq!(
        runs("0 * * * *", NY, "2026-11-01T00:30:00-04:00", 3),
        [
            "2026-11-01T01:00:00-04:00",
            "2026-11-01T01:00:00-05:00",
            "2026-11-01T02:00:00-05:00"
        ]
    );
    assert_eq!(
        runs("0 * * * *", NY, "2026-03-08T00:30:00-05:00", 2),
        ["2026-03-08T01:00:00-05:00", "2026-03-08T03:00:00-04:00"]
    );
    // A wildcard hour with a fixed minute is not fixed-time: 02:30 is skipped.
    assert_eq!(
        runs("30 */1 * * *", NY, "2026-03-08T01:45:00-05:00", 1),
        ["2026-03-08T03:30:00-04:00"]
    );
}

#[test]
fn new_york_seconds_schedules() {
    // Fixed by minute and hour: once after the gap, then every 20 s the next night.
    assert_eq!(
        runs("*/20 30 2 * * *", NY, "2026-03-08T00:00:00-05:00", 3),
        [
            "2026-03-08T03:00:00-04:00",
            "2026-03-09T02:30:00-04:00",
            "2026-03-09T02:30:20-04:00"
        ]
    );
    assert_eq!(
        runs("*/20 * * * * *", NY, "2026-03-08T01:59:30-05:00", 3),
        [
            "2026-03-08T01:59:40-05:00",
            "2026-03-08T03:00:00-04:00",
            "2026-03-08T03:00:20-04:00"
        ]
    );
    assert_eq!(
        runs("*/30 59 * * * *", NY, "2026-11-01T01:58:00-04:00", 4),
        [
            "2026-11-01T01:59:00-04:00",
            "2026-11-01T01:59:30-04:00",
            "2026-11-01T01:59:00-05:00",
            "2026-11-01T01:59:30-05:00"
        ]
    );
}

#[test]
fn berlin() {
    assert_eq!(
        runs("30 2 * * *", BERLIN, "2026-03-28T12:00:00Z", 2),
        ["2026-03-29T03:00:00+02:00", "2026-03-30T02:30:00+02:00"]
    );
    assert_eq!(
        runs("30 2 * * *", BERLIN, "2026-10-24T12:00:00Z", 2),
        ["2026-10-25T02:30:00+02:00", "2026-10-26T02:30:00+01:00"]
    );
    assert_eq!(
        runs("*/30 * * * *", BERLIN, "2026-10-25T02:15:00+02:00", 4),
        [
            "2026-10-25T02:30:00+02:00",
            "2026-10-25T02:00:00+01:00",
            "2026-10-25T02:30:00+01:00",
            "2026-10-25T03:00:00+01:00"
        ]
    );
}

#[test]
fn lord_howe_half_hour_shift() {
    // 02:00 +10:30 becomes 02:30 +11:00 on 2026-10-04.
    assert_eq!(
        runs("15 2 * * *", LORD_HOWE, "2026-10-03T12:00:00+10:30", 2),
        ["2026-10-04T02:30:00+11:00", "2026-10-05T02:15:00+11:00"]
    );
    // 02:00 +11:00 becomes 01:30 +10:30 on 2026-04-05.
    assert_eq!(
        runs("45 1 * * *", LORD_HOWE, "2026-04-04T12:00:00+11:00", 2),
        ["2026-04-05T01:45:00+11:00", "2026-04-06T01:45:00+10:30"]
    );
    assert_eq!(
        runs("*/15 * * * *", LORD_HOWE, "2026-04-05T01:20:00+11:00", 5),
        [
            "2026-04-05T01:30:00+11:00",
            "2026-04-05T01:45:00+11:00",
            "2026-04-05T01:30:00+10:30",
            "2026-04-05T01:45:00+10:30",
            "2026-04-05T02:00:00+10:30"
        ]
    );
}

/// The Vixie rule by brute force: walk real time minute by minute and decide each instant by
/// the wall clock alone.
fn brute_force(
    schedule: &Schedule,
    zone: Zone,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Vec<DateTime<Utc>> {
    let fixed = schedule.is_fixed_time();
    let spec = match &schedule.kind {
        super::Kind::Cron { spec, .. } => spec,
        super::Kind::Reboot => return Vec::new(),
    };
    // Vixie's day rule from the parsed fields alone (these schedules have no L, W or #).
    let day_matches = |date: chrono::NaiveDate| {
        use chrono::Datelike;
        let dom = spec.day_of_month.has(date.day());
        let dow = spec.day_of_week.has(date.weekday().num_days_from_sunday());
        if spec.day_of_month.star || spec.day_of_week.star {
            dom && dow
        } else {
            dom || dow
        }
    };
    let wall_matches = |w: chrono::NaiveDateTime| {
        use chrono::{Datelike, Timelike};
        spec.minute.has(w.minute())
            && spec.hour.has(w.hour())
            && spec.month.has(w.month())
            && day_matches(w.date())
    };
    let minute = TimeDelta::minutes(1);
    let mut out = Vec::new();
    let mut t = from + minute;
    while t <= to {
        let wall = zone.to_fixed(t).naive_local();
        let prev_wall = zone.to_fixed(t - minute).naive_local();
        let fire = if fixed {
            let first_occurrence = zone.instants_at(wall).first() == Some(&t);
            let mut skipped = prev_wall + minute;
            let mut gap_match = false;
            while skipped < wall {
                gap_match |= wall_matches(skipped);
                skipped += minute;
            }
            (wall_matches(wall) && first_occurrence) || gap_match
        } else {
            wall_matches(wall)
        };
        if fire {
            out.push(t);
        }
        t += minute;
    }
    out
}

#[test]
fn vixie_rule_matches_brute_force_around_every_2026_change() {
    let exprs = [
        "30 2 * * *",
        "0 2 * * *",
        "0,30 1-3 * * *",
        "59 1 * * *",
        "15 2 * * *",
        "45 1 * * *",
        "*/30 * * * *",
        "0 * * * *",
        "*/7 * * * *",
        "30 */2 * * *",
        "*/15 2 * * *",
        "0 0-5 * * *",
        "@daily",
        "@hourly",
    ];
    let changes = [
        (NY, "2026-03-08T07:00:00Z"),
        (NY, "2026-11-01T06:00:00Z"),
        (BERLIN, "2026-03-29T01:00:00Z"),
        (BERLIN, "2026-10-25T01:00:00Z"),
        (LORD_HOWE, "2026-10-03T15:30:00Z"),
        (LORD_HOWE, "2026-04-04T15:00:00Z"),
    ];
    // One thread per change: the checks are independent, and the one from every 7th minute
    // asks for some 40,000 next runs, the CPU time of this test.
    std::thread::scope(|scope| {
        for (tz, change) in changes {
            scope.spawn(move || {
                let zone = Zone::parse(tz).unwrap();
                let from = at(change) - TimeDelta::hours(30);
                let to = at(change) + TimeDelta::hours(30);
                for expr in exprs {
                    let schedule = Schedule::parse(expr).unwrap();
                    let expected = brute_force(&schedule, zone, from, to);
                    let mut got = Vec::new();
                    let mut cursor = from;
                    while let Some(next) = schedule.next_after(cursor, zone) {
                        assert!(
                            next > cursor,
                            "{expr} in {tz}: {next} is not after {cursor}"
                        );
                        if next > to {
                            break;
                        }
                        got.push(next);
                        cursor = next;
                    }
                    assert_eq!(got, expected, "{expr} in {tz} around {change}");
                    // Starting from any minute in the window gives the same next run.
                    let mut t = from;
                    while t < to {
                        let want = expected.get(expected.partition_point(|x| *x <= t)).copied();
                        let next = schedule.next_after(t, zone);
                        if let Some(want) = want {
                            assert_eq!(next, Some(want), "{expr} in {tz} after {t}");
                        }
                        t += TimeDelta::minutes(7);
                    }
                }
            });
        }
    });
}
