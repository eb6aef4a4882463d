//! Unit tests of `Schedule`: exact next runs for the corner cases of the Vixie dialect and
//! its extensions, daylight-saving changes in several zones, messages and accessors. Longer
//! runs in their own files: `dst` (every 2026 change, minute by minute), `reference` and
//! `special_reference` (random expressions against references written from the rules).

mod dst;
mod reference;
mod special_reference;

use chrono::{DateTime, Utc};

use super::*;

fn zone(name: &str) -> Zone {
    Zone::parse(name).unwrap()
}

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .unwrap()
        .with_timezone(&Utc)
}

/// The next `count` runs of `expr` after `after`, as RFC 3339 in `tz`.
fn runs(expr: &str, tz: &str, after: &str, count: usize) -> Vec<String> {
    let zone = zone(tz);
    Schedule::parse(expr)
        .unwrap()
        .upcoming(at(after), zone, count)
        .into_iter()
        .map(|t| zone.to_fixed(t).to_rfc3339())
        .collect()
}

fn err(expr: &str) -> String {
    Schedule::parse(expr).unwrap_err().to_string()
}

#[test]
fn star_step_in_day_of_month_means_and() {
    // Odd days that are also Mondays, not odd days or Mondays.
    assert_eq!(
        runs("0 0 */2 * 1", "UTC", "2026-01-01T00:00:00Z", 4),
        [
            "2026-01-05T00:00:00+00:00",
            "2026-01-19T00:00:00+00:00",
            "2026-02-09T00:00:00+00:00",
            "2026-02-23T00:00:00+00:00"
        ]
    );
    // A star step in day of week likewise: the 13th only when it is a Sunday.
    assert_eq!(
        runs("0 0 13 * */7", "UTC", "2026-01-01T00:00:00Z", 2),
        ["2026-09-13T00:00:00+00:00", "2026-12-13T00:00:00+00:00"]
    );
}

#[test]
fn two_restricted_day_fields_mean_or() {
    assert_eq!(
        runs("0 0 13 * 5", "UTC", "2026-02-01T00:00:00Z", 6),
        [
            "2026-02-06T00:00:00+00:00",
            "2026-02-13T00:00:00+00:00",
            "2026-02-20T00:00:00+00:00",
            "2026-02-27T00:00:00+00:00",
            "2026-03-06T00:00:00+00:00",
            "2026-03-13T00:00:00+00:00"
        ]
    );
}

#[test]
fn sunday_is_zero_and_seven() {
    let zero = runs("0 0 * * 0", "UTC", "2026-01-01T00:00:00Z", 3);
    assert_eq!(
        zero,
        [
            "2026-01-04T00:00:00+00:00",
            "2026-01-11T00:00:00+00:00",
            "2026-01-18T00:00:00+00:00"
        ]
    );
    assert_eq!(runs("0 0 * * 7", "UTC", "2026-01-01T00:00:00Z", 3), zero);
    assert_eq!(runs("0 0 * * sun", "UTC", "2026-01-01T00:00:00Z", 3), zero);
    // 5-7 is Friday through Sunday.
    assert_eq!(
        runs("0 0 * * 5-7", "UTC", "2026-01-01T00:00:00Z", 4),
        [
            "2026-01-02T00:00:00+00:00",
            "2026-01-03T00:00:00+00:00",
            "2026-01-04T00:00:00+00:00",
            "2026-01-09T00:00:00+00:00"
        ]
    );
}

#[test]
fn month_lengths_and_leap_days() {
    assert_eq!(
        runs("0 0 31 * *", "UTC", "2026-01-31T00:00:00Z", 3),
        [
            "2026-03-31T00:00:00+00:00",
            "2026-05-31T00:00:00+00:00",
            "2026-07-31T00:00:00+00:00"
        ]
    );
    assert_eq!(
        runs("0 0 29 2 *", "UTC", "2026-01-01T00:00:00Z", 2),
        ["2028-02-29T00:00:00+00:00", "2032-02-29T00:00:00+00:00"]
    );
}

#[test]
fn impossible_dates_never_fire_and_answer_fast() {
    let start = std::time::Instant::now();
    for expr in [
        "0 0 31 2 *",
        "0 0 30 2 *",
        "0 0 31 4,6,9,11 *",
        "0 0 0 1 1 * 2020",
    ] {
        let schedule = Schedule::parse(expr).unwrap();
        assert_eq!(
            schedule.next_after(at("2026-01-01T00:00:00Z"), zone("UTC")),
            None,
            "{expr}"
        );
    }
    // Stepping minute by minute through the years would take far longer; the bound is
    // generous for a busy machine.
    assert!(
        start.elapsed() < std::time::Duration::from_secs(5),
        "{:?}",
        start.elapsed()
    );
}

#[test]
fn names_and_ranges() {
    assert_eq!(
        runs("0 9 * jan-mar mon-fri", "UTC", "2026-03-27T00:00:00Z", 4),
        [
            "2026-03-27T09:00:00+00:00",
            "2026-03-30T09:00:00+00:00",
            "2026-03-31T09:00:00+00:00",
            "2027-01-01T09:00:00+00:00"
        ]
    );
    assert_eq!(
        runs("0 9 * JAN-Mar MON-fri", "UTC", "2026-03-27T00:00:00Z", 4),
        runs("0 9 * 1-3 1-5", "UTC", "2026-03-27T00:00:00Z", 4)
    );
}

#[test]
fn steps_restart_per_field() {
    assert_eq!(
        runs("*/35 0 * * *", "UTC", "2026-01-01T00:00:00Z", 3),
        [
            "2026-01-01T00:35:00+00:00",
            "2026-01-02T00:00:00+00:00",
            "2026-01-02T00:35:00+00:00"
        ]
    );
    assert_eq!(
        runs("0 10-20/5 * * *", "UTC", "2026-01-01T00:00:00Z", 4),
        [
            "2026-01-01T10:00:00+00:00",
            "2026-01-01T15:00:00+00:00",
            "2026-01-01T20:00:00+00:00",
            "2026-01-02T10:00:00+00:00"
        ]
    );
}

#[test]
fn last_nearest_weekday_and_nth() {
    // L: the last day of the month.
    assert_eq!(
        runs("0 0 L * *", "UTC", "2026-01-31T00:00:00Z", 3),
        [
            "2026-02-28T00:00:00+00:00",
            "2026-03-31T00:00:00+00:00",
            "2026-04-30T00:00:00+00:00"
        ]
    );
    // 5L: the last Friday. Jan 2026: 30th; Feb: 27th; Mar: 27th.
    assert_eq!(
        runs("0 0 * * 5L", "UTC", "2026-01-01T00:00:00Z", 3),
        [
            "2026-01-30T00:00:00+00:00",
            "2026-02-27T00:00:00+00:00",
            "2026-03-27T00:00:00+00:00"
        ]
    );
    // 1#2: the second Monday. Jan 2026: 12th; Feb: 9th.
    assert_eq!(
        runs("0 0 * * mon#2", "UTC", "2026-01-01T00:00:00Z", 2),
        ["2026-01-12T00:00:00+00:00", "2026-02-09T00:00:00+00:00"]
    );
    // 15W: Feb 15 2026 is a Sunday -> Monday 16th; Mar 15 is a Sunday too -> 16th; Aug 15 is
    // a Saturday -> Friday 14th.
    assert_eq!(
        runs("0 0 15W 2,3,8 *", "UTC", "2026-01-01T00:00:00Z", 3),
        [
            "2026-02-16T00:00:00+00:00",
            "2026-03-16T00:00:00+00:00",
            "2026-08-14T00:00:00+00:00"
        ]
    );
    // 1W on Saturday Aug 1 2026 -> Monday the 3rd (never into July).
    assert_eq!(
        runs("0 0 1W 8 *", "UTC", "2026-01-01T00:00:00Z", 1),
        ["2026-08-03T00:00:00+00:00"]
    );
    // LW: the last weekday. Jan 2026 ends on a Saturday -> Friday 30th; May 31 is a Sunday
    // -> Friday 29th.
    assert_eq!(
        runs("0 0 LW 1,5 *", "UTC", "2026-01-01T00:00:00Z", 2),
        ["2026-01-30T00:00:00+00:00", "2026-05-29T00:00:00+00:00"]
    );
}

#[test]
fn seconds_and_years() {
    assert_eq!(
        runs("*/20 * * * * *", "UTC", "2026-01-01T00:00:50Z", 3),
        [
            "2026-01-01T00:01:00+00:00",
            "2026-01-01T00:01:20+00:00",
            "2026-01-01T00:01:40+00:00"
        ]
    );
    assert_eq!(
        runs("0 0 12 1 1 * 2027-2028", "UTC", "2026-01-01T00:00:00Z", 3),
        ["2027-01-01T12:00:00+00:00", "2028-01-01T12:00:00+00:00"]
    );
}

#[test]
fn nicknames() {
    let after = "2026-01-01T00:30:00Z";
    assert_eq!(
        runs("@hourly", "UTC", after, 1),
        ["2026-01-01T01:00:00+00:00"]
    );
    assert_eq!(
        runs("@daily", "UTC", after, 1),
        ["2026-01-02T00:00:00+00:00"]
    );
    assert_eq!(
        runs("@midnight", "UTC", after, 1),
        ["2026-01-02T00:00:00+00:00"]
    );
    assert_eq!(
        runs("@weekly", "UTC", after, 1),
        ["2026-01-04T00:00:00+00:00"]
    );
    assert_eq!(
        runs("@monthly", "UTC", after, 1),
        ["2026-02-01T00:00:00+00:00"]
    );
    assert_eq!(
        runs("@Yearly", "UTC", after, 1),
        ["2027-01-01T00:00:00+00:00"]
    );
    assert_eq!(
        runs("@annually", "UTC", after, 1),
        ["2027-01-01T00:00:00+00:00"]
    );
    let reboot = Schedule::parse("@reboot").unwrap();
    assert!(reboot.is_reboot());
    assert_eq!(reboot.next_after(at(after), zone("UTC")), None);
    assert!(reboot.upcoming(at(after), zone("UTC"), 3).is_empty());
}

#[test]
fn strictly_after_even_mid_second() {
    let schedule = Schedule::parse("* * * * *").unwrap();
    let t = at("2026-01-01T00:00:00.5Z");
    assert_eq!(
        schedule.next_after(t, zone("UTC")),
        Some(at("2026-01-01T00:01:00Z"))
    );
    let t = at("2026-01-01T00:01:00Z");
    assert_eq!(
        schedule.next_after(t, zone("UTC")),
        Some(at("2026-01-01T00:02:00Z"))
    );
}

#[test]
fn bad_schedules_name_field_value_and_range() {
    assert_eq!(
        err("61 * * * *"),
        "invalid schedule \"61 * * * *\": minute 61 is out of range 0-59"
    );
    assert_eq!(
        err("0 24 * * *"),
        "invalid schedule \"0 24 * * *\": hour 24 is out of range 0-23"
    );
    assert_eq!(
        err("0 0 32 * *"),
        "invalid schedule \"0 0 32 * *\": day-of-month 32 is out of range 1-31"
    );
    assert_eq!(
        err("0 0 * 13 *"),
        "invalid schedule \"0 0 * 13 *\": month 13 is out of range 1-12 (or jan-dec)"
    );
    assert_eq!(
        err("0 0 * * 8"),
        "invalid schedule \"0 0 * * 8\": day-of-week 8 is out of range 0-7 (0 and 7 are \
         Sunday, or sun-sat)"
    );
    assert_eq!(
        err("60 * * * * *"),
        "invalid schedule \"60 * * * * *\": second 60 is out of range 0-59"
    );
    assert_eq!(
        err("0 0 0 * * * 1969"),
        "invalid schedule \"0 0 0 * * * 1969\": year 1969 is out of range 1970-2099"
    );
    assert_eq!(
        err("*/0 * * * *"),
        "invalid schedule \"*/0 * * * *\": minute field \"*/0\": step must be at least 1"
    );
    assert_eq!(
        err("0 5-1 * * *"),
        "invalid schedule \"0 5-1 * * *\": hour range 5-1 is reversed: write the smaller value \
         first (1-5)"
    );
    assert_eq!(
        err("5/2 * * * *"),
        "invalid schedule \"5/2 * * * *\": minute field \"5/2\": a step needs * or a range \
         before it, like */n or 5-59/n"
    );
    assert_eq!(
        err("0 0 * foo *"),
        "invalid schedule \"0 0 * foo *\": unknown month name \"foo\": use jan-dec or 1-12"
    );
    assert_eq!(
        err("1,,2 * * * *"),
        "invalid schedule \"1,,2 * * * *\": minute field \"1,,2\" has an empty list item: \
         remove the extra comma"
    );
    assert_eq!(
        err("@often"),
        "invalid schedule \"@often\": unknown nickname \"@often\": use @yearly, @annually, \
         @monthly, @weekly, @daily, @midnight, @hourly or @reboot"
    );
    assert_eq!(
        err("* * * *"),
        "invalid schedule \"* * * *\": found 4 fields, expected 5 fields (minute hour \
         day-of-month month day-of-week, like \"0 2 * * *\"), 6 (seconds first) or 7 (seconds \
         first, year last)"
    );
    assert!(err("").contains("the schedule is empty"));
    assert!(err("0 2 * * * /usr/bin/backup").contains("if a command follows the schedule"));
    assert!(err("@daily 5").contains("stands alone"));
    assert!(err("0 0 * * * * * *").contains("found 8 fields"));
    assert!(err("0 0 ? * *").contains("'?' is not cron syntax"));
    assert!(err("0 0 * * mon%").contains("unexpected character '%'"));
    assert!(err("0 0 * * 1 ünï").contains("not cron syntax"));
    assert!(err("*/4294967296 * * * *").ends_with("minute step 4294967296 is too large"));
    let huge = Schedule::parse("0 0 1-31/4294967295 * *").unwrap();
    assert_eq!(
        huge.next_after(at("2026-01-01T00:00:00Z"), zone("UTC")),
        Some(at("2026-02-01T00:00:00Z"))
    );
    let long = "1,".repeat(5000) + "99 * * * *";
    let message = err(&long);
    assert!(
        message.len() < 400,
        "long input gives a readable message: {message}"
    );
    assert!(
        message.ends_with("minute 99 is out of range 0-59"),
        "{message}"
    );
    let many = "1,".repeat(5000) + "1 * * * *";
    assert_eq!(
        Schedule::parse(&many).unwrap().describe(),
        "At minute 1 of every hour"
    );
}

#[test]
fn accessors() {
    let s = Schedule::parse("  0 2 * * mon-fri ").unwrap();
    assert_eq!(s.as_str(), "0 2 * * mon-fri");
    assert_eq!(s.to_string(), "0 2 * * mon-fri");
    assert!(!s.has_seconds() && !s.is_reboot());
    assert!(s.is_fixed_time());
    assert!(Schedule::parse("@daily").unwrap().is_fixed_time());
    assert!(Schedule::parse("@weekly").unwrap().is_fixed_time());
    assert!(!Schedule::parse("@hourly").unwrap().is_fixed_time());
    assert!(!Schedule::parse("@reboot").unwrap().is_fixed_time());
    assert!(!Schedule::parse("0 */2 * * *").unwrap().is_fixed_time());
    assert!(!Schedule::parse("*/5 2 * * *").unwrap().is_fixed_time());
    assert!(Schedule::parse("*/5 30 2 * * *").unwrap().is_fixed_time());
    assert!(Schedule::parse("*/5 30 2 * * *").unwrap().has_seconds());
    let f = Schedule::parse("@weekly").unwrap().fields().unwrap();
    assert_eq!(
        (f.minute.as_str(), f.hour.as_str(), f.day_of_week.as_str()),
        ("0", "0", "0")
    );
    let f = Schedule::parse("0 9 */2 Jan-MAR MON")
        .unwrap()
        .fields()
        .unwrap();
    assert_eq!((f.month.as_str(), f.day_of_week.as_str()), ("1-3", "1"));
    assert!(f.dom_star && !f.dow_star);
    assert!(Schedule::parse("@reboot").unwrap().fields().is_none());
}

#[test]
fn crontab_compatibility() {
    for ok in [
        "0 2 * * *",
        "@daily",
        "@reboot",
        "*/5 * 1-15 jan-jun mon-fri",
    ] {
        assert_eq!(
            Schedule::parse(ok).unwrap().crontab_compatible(),
            Ok(()),
            "{ok}"
        );
    }
    let reason = |expr: &str| {
        Schedule::parse(expr)
            .unwrap()
            .crontab_compatible()
            .unwrap_err()
    };
    assert_eq!(
        reason("*/10 * * * * *"),
        "it has a seconds field, which the system crontab cannot express"
    );
    assert_eq!(
        reason("0 0 0 1 1 * 2030"),
        "it has a seconds field and a year field, which the system crontab cannot express"
    );
    assert!(reason("0 0 L * *").contains("L, W or #"));
    assert!(reason("0 0 15W * *").contains("L, W or #"));
    assert!(reason("0 0 * * 1#2").contains("L, W or #"));
    assert!(reason("0 0 * * 5L").contains("L, W or #"));
}

#[test]
fn descriptions() {
    let d = |expr: &str| Schedule::parse(expr).unwrap().describe();
    assert_eq!(d("0 2 * * *"), "At 02:00 every day");
    assert_eq!(d("*/5 * * * *"), "Every 5 minutes");
    assert_eq!(d("* * * * *"), "Every minute");
    assert_eq!(d("@hourly"), "At minute 0 of every hour");
    assert_eq!(
        d("0 0 13 * 5"),
        "At 00:00 on day 13 of the month, or on any Friday (cron runs when either day field \
         matches)"
    );
    assert_eq!(
        d("0 0 */2 * 1"),
        "At 00:00 on odd days of the month (1, 3, 5, ... 31), but only when that day is also \
         Monday (both day fields must match because one of them starts with *)"
    );
    assert_eq!(d("30 6 * * mon-fri"), "At 06:30 on Monday through Friday");
    assert_eq!(
        d("0 9 * jan-mar mon-fri"),
        "At 09:00 on Monday through Friday, in January through March"
    );
    assert_eq!(d("0 0 * * 0,7"), "At 00:00 on Sunday");
    assert_eq!(d("*/10 * * * * *"), "Every 10 seconds");
    assert_eq!(
        d("*/10 0 2 * * *"),
        "Every 10 seconds, at minute 0 past hour 2"
    );
    assert_eq!(d("30 0 2 * * *"), "At 02:00:30 every day");
    assert_eq!(
        d("0 0,30 9-17 * * *"),
        "At minutes 0 and 30 past every hour from 9 through 17"
    );
    assert_eq!(d("0 0 L * *"), "At 00:00 on the last day of the month");
    assert_eq!(
        d("0 0 15W * *"),
        "At 00:00 on the weekday nearest day 15 of the month"
    );
    assert_eq!(d("0 0 * * 5L"), "At 00:00 on the last Friday of the month");
    assert_eq!(
        d("0 0 * * 1#2"),
        "At 00:00 on the second Monday of the month"
    );
    assert_eq!(
        d("0 0 12 1 1 * 2030"),
        "At 12:00 on day 1 of the month, in January, in 2030"
    );
    assert_eq!(
        d("*/7 * * * *"),
        "Every 7th minute (0, 7, 14, 21, 28, 35, 42, 49, 56)"
    );
    assert_eq!(d("0 */2 * * *"), "At minute 0 past every 2 hours");
    assert_eq!(d("0 2,14 * * *"), "At 02:00 and 14:00 every day");
    assert_eq!(
        d("*/15 9-17 * * mon-fri"),
        "Every 15 minutes past every hour from 9 through 17, on Monday through Friday"
    );
    assert_eq!(
        d("0 0 13 * */2"),
        "At 00:00 on day 13 of the month, but only when that day is also Sunday, Tuesday, \
         Thursday or Saturday (both day fields must match because one of them starts with *)"
    );
    assert!(d("@reboot").contains("scheduler starts"));
}

#[test]
fn first_wall_in_finds_matches_inside_the_range_only() {
    let wall = |t: &str| chrono::NaiveDateTime::parse_from_str(t, "%Y-%m-%d %H:%M:%S").unwrap();
    let (from, to) = (wall("2026-03-08 02:00:00"), wall("2026-03-08 03:00:00"));
    let daily = Schedule::parse("30 2 * * *").unwrap();
    assert_eq!(
        daily.first_wall_in(from, to),
        Some(wall("2026-03-08 02:30:00"))
    );
    // The start is in the range, the end is not.
    let (start, end) = (wall("2026-03-08 02:30:00"), wall("2026-03-08 02:30:00"));
    assert_eq!(daily.first_wall_in(start, to), Some(start));
    assert_eq!(daily.first_wall_in(from, end), None);
    // March 8, 2026 is a Sunday.
    let weekdays = Schedule::parse("30 2 * * 1-5").unwrap();
    assert_eq!(weekdays.first_wall_in(from, to), None);
    let seconds = Schedule::parse("15 * * * * *").unwrap();
    assert_eq!(
        seconds.first_wall_in(from, to),
        Some(wall("2026-03-08 02:00:15"))
    );
    assert_eq!(
        Schedule::parse("@reboot").unwrap().first_wall_in(from, to),
        None
    );
}

#[test]
fn surely_fires_never_answers_yes_for_a_schedule_that_never_fires() {
    let now: DateTime<Utc> = "2026-01-01T00:00:00Z".parse().unwrap();
    for (text, surely) in [
        ("@reboot", true),
        ("@daily", true),
        ("*/5 * * * *", true),
        ("0 0 28 2 *", true),
        ("0 0 30 2 1", true),
        ("0 0 * * 1", true),
        ("0 0 */2 * *", true),
        ("0 0 31 * *", false),
        ("0 0 30 2 *", false),
        ("0 0 31 4,6 *", false),
        ("0 0 30 2 */2", false),
        ("0 0 0 1 1 * 2020", false),
        ("0 0 L * *", false),
    ] {
        let schedule = Schedule::parse(text).unwrap();
        assert_eq!(schedule.surely_fires(), surely, "{text}");
        if surely && !schedule.is_reboot() {
            assert!(
                schedule
                    .next_after(now, Zone::Named(chrono_tz::UTC))
                    .is_some(),
                "{text}"
            );
        }
    }
}
