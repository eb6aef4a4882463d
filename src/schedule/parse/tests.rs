//! Unit tests of field parsing: bit sets, special items and every error message.

use super::*;

fn err(kind: Kind, text: &str) -> String {
    parse_field(kind, text).unwrap_err()
}

#[test]
fn values_ranges_steps_and_names() {
    let f = parse_field(Kind::Minute, "*/15").unwrap();
    assert_eq!(f.bits, 1 | 1 << 15 | 1 << 30 | 1 << 45);
    assert!(f.star);
    let f = parse_field(Kind::Hour, "9-17/4,23").unwrap();
    assert_eq!(f.bits, 1 << 9 | 1 << 13 | 1 << 17 | 1 << 23);
    let f = parse_field(Kind::Month, "JAN-mar").unwrap();
    assert_eq!(f.bits, 0b1110);
    let f = parse_field(Kind::DayOfWeek, "5-7").unwrap();
    assert_eq!(f.bits, 1 | 1 << 5 | 1 << 6);
    let f = parse_field(Kind::DayOfWeek, "*/2").unwrap();
    assert_eq!(f.bits, 1 | 1 << 2 | 1 << 4 | 1 << 6);
    assert_eq!(parse_field(Kind::DayOfWeek, "7").unwrap().bits, 1);
    let f = parse_field(Kind::Year, "2026-2028").unwrap();
    assert!(f.has(2027) && !f.has(2029) && !f.has(1969));
    assert_eq!(f.next_from(2026 - FIRST_YEAR), Some(2026 - FIRST_YEAR));
}

#[test]
fn years_up_to_2099_without_overflow() {
    // 1970-2099 is 130 years, more than a u128 holds: years are read from the items.
    let f = parse_field(Kind::Year, "2098,2099,*/50").unwrap();
    assert_eq!(f.bits, 0);
    assert!(f.has(2098) && f.has(2099) && f.has(1970) && f.has(2070));
    assert!(!f.has(2097) && !f.has(2100) && !f.has(1969));
    assert_eq!(f.next_from(2071 - FIRST_YEAR), Some(2098 - FIRST_YEAR));
    assert_eq!(f.next_from(2099 - FIRST_YEAR + 1), None);
}

#[test]
fn specials_in_day_fields() {
    let f = parse_field(Kind::DayOfMonth, "L,15W,lw").unwrap();
    assert_eq!(f.items, [Item::Last, Item::Nearest(15), Item::LastWeekday]);
    let f = parse_field(Kind::DayOfWeek, "5L,fri#2,7#1").unwrap();
    assert_eq!(
        f.items,
        [
            Item::LastOf(5),
            Item::Nth { weekday: 5, n: 2 },
            Item::Nth { weekday: 0, n: 1 }
        ]
    );
    assert_eq!(f.bits, 0);
}

#[test]
fn messages_name_field_value_and_range() {
    assert_eq!(err(Kind::Minute, "61"), "minute 61 is out of range 0-59");
    assert_eq!(err(Kind::Hour, "24"), "hour 24 is out of range 0-23");
    assert_eq!(
        err(Kind::DayOfMonth, "0"),
        "day-of-month 0 is out of range 1-31"
    );
    assert_eq!(
        err(Kind::Month, "13"),
        "month 13 is out of range 1-12 (or jan-dec)"
    );
    assert_eq!(
        err(Kind::DayOfWeek, "8"),
        "day-of-week 8 is out of range 0-7 (0 and 7 are Sunday, or sun-sat)"
    );
    assert_eq!(err(Kind::Second, "60"), "second 60 is out of range 0-59");
    assert_eq!(
        err(Kind::Year, "2100"),
        "year 2100 is out of range 1970-2099"
    );
    assert_eq!(
        err(Kind::Minute, "*/0"),
        "minute field \"*/0\": step must be at least 1"
    );
    assert_eq!(parse_field(Kind::Minute, "*/61").unwrap().bits, 1);
    assert_eq!(
        parse_field(Kind::Minute, "50-59/4294967295").unwrap().bits,
        1 << 50
    );
    assert_eq!(
        err(Kind::Minute, "*/99999999999999999999"),
        "minute step 99999999999999999999 is too large"
    );
    assert_eq!(
        err(Kind::Hour, "5-1"),
        "hour range 5-1 is reversed: write the smaller value first (1-5)"
    );
    assert_eq!(
        err(Kind::Minute, "5/2"),
        "minute field \"5/2\": a step needs * or a range before it, like */n or 5-59/n"
    );
    assert_eq!(
        err(Kind::Month, "foo"),
        "unknown month name \"foo\": use jan-dec or 1-12"
    );
    assert_eq!(
        err(Kind::DayOfWeek, "monday"),
        "unknown day-of-week name \"monday\": use sun-sat or 0-7"
    );
    assert_eq!(
        err(Kind::Minute, "1,,2"),
        "minute field \"1,,2\" has an empty list item: remove the extra comma"
    );
    assert_eq!(
        err(Kind::Minute, "1;2"),
        "minute field \"1;2\" has an unexpected character ';'"
    );
    assert_eq!(
        err(Kind::Minute, "é"),
        "minute field \"é\" has an unexpected character 'é'"
    );
    assert_eq!(
        err(Kind::Minute, "abc"),
        "minute \"abc\" is not a number: use 0-59"
    );
    assert_eq!(
        err(Kind::DayOfMonth, "?"),
        "day-of-month field \"?\": '?' is not cron syntax, use * instead"
    );
    assert!(err(Kind::Hour, "L").contains("only work in the day fields"));
    assert!(err(Kind::DayOfWeek, "1#6").contains("must be 1-5"));
    assert!(err(Kind::DayOfWeek, "L").contains("5L for the last Friday"));
    assert!(err(Kind::DayOfMonth, "32W").contains("day-of-month 32 is out of range"));
    assert!(err(Kind::Minute, "1-").contains("must be written low-high"));
    assert!(err(Kind::Minute, "1-2-3").contains("must be written low-high"));
    assert!(err(Kind::Minute, "*-5").contains("* must stand alone"));
    assert!(err(Kind::Minute, "*/5/2").contains("more than one /"));
    assert!(err(Kind::Minute, "*/x").contains("must be a number"));
    assert_eq!(
        err(
            Kind::Minute,
            "123456789012345678901234567890123456789012345"
        ),
        "minute 1234567890123456789012345678901234567890... is out of range 0-59"
    );
}

#[test]
fn a_bad_nth_weekday_says_what_is_missing() {
    assert_eq!(
        err(Kind::DayOfWeek, "#"),
        "day-of-week field \"#\": # needs a weekday before it and the week of the month (1-5) \
         after it, like 1#2 (the second Monday) or fri#1"
    );
    assert!(err(Kind::DayOfWeek, "#2").contains("# needs a weekday before it"));
    assert_eq!(
        err(Kind::DayOfWeek, "mon#"),
        "day-of-week field \"mon#\": # needs the week of the month (1-5) after it, like 1#2 \
         (the second Monday) or fri#1"
    );
    for text in ["1-3#2", "*/2#1", "*#1"] {
        assert!(
            err(Kind::DayOfWeek, text).contains("# takes one weekday before it"),
            "{text}"
        );
    }
    assert!(err(Kind::DayOfWeek, "8#1").contains("day-of-week 8 is out of range 0-7"));
    assert!(err(Kind::DayOfWeek, "1#0").contains("must be 1-5, like 1#2"));
}
