//! Next runs of the extensions checked against a reference written from their rules alone:
//! `L`, `LW`, `nW` in day of month, `nL` and `d#k` in day of week, year fields, `*` inside a
//! list and steps larger than their field, mixed with plain items and the Vixie day rule, over
//! random 6- and 7-field expressions. (`reference` covers the plain Vixie fields.)

use chrono::{DateTime, Datelike, NaiveDate, TimeDelta, Utc};

use super::reference::{DAYS, MONTHS, Rng, gen_field, table};
use crate::schedule::Schedule;
use crate::zone::Zone;

/// A day-of-month field by the rules: plain values, `L` (last day), `LW` (last Monday to
/// Friday), `nW` (the Monday to Friday nearest day n, within the month; none when the month
/// has no day n).
struct DayOfMonth {
    plain: Vec<bool>,
    last: bool,
    last_weekday: bool,
    nearest: Vec<u32>,
}

/// A day-of-week field by the rules: plain values (7 is Sunday), `nL` (the last such weekday
/// of the month), `d#k` (the k-th such weekday of the month).
struct DayOfWeek {
    plain: Vec<bool>,
    last_of: Vec<u32>,
    nth: Vec<(u32, u32)>,
}

fn month_length(date: NaiveDate) -> u32 {
    (28..=31)
        .rev()
        .find(|&d| date.with_day(d).is_some())
        .unwrap()
}

fn is_weekday(date: NaiveDate) -> bool {
    (1..=5).contains(&date.weekday().num_days_from_sunday())
}

impl DayOfMonth {
    fn new(text: &str) -> DayOfMonth {
        let mut field = DayOfMonth {
            plain: vec![false; 32],
            last: false,
            last_weekday: false,
            nearest: Vec::new(),
        };
        for item in text.split(',') {
            let upper = item.to_uppercase();
            if upper == "L" {
                field.last = true;
            } else if upper == "LW" || upper == "WL" {
                field.last_weekday = true;
            } else if let Some(day) = upper.strip_suffix('W') {
                field.nearest.push(day.parse().unwrap());
            } else {
                let values = table(item, 1, 31, &[], 0);
                for (v, on) in values.iter().enumerate() {
                    field.plain[v] |= *on;
                }
            }
        }
        field
    }

    fn matches(&self, date: NaiveDate) -> bool {
        let (day, length) = (date.day(), month_length(date));
        let weekdays = || (1..=length).filter(|d| is_weekday(date.with_day(*d).unwrap()));
        self.plain[day as usize]
            || (self.last && day == length)
            || (self.last_weekday && weekdays().next_back() == Some(day))
            || self
                .nearest
                .iter()
                .any(|&n| n <= length && weekdays().min_by_key(|d| d.abs_diff(n)) == Some(day))
    }
}

impl DayOfWeek {
    fn new(text: &str) -> DayOfWeek {
        let weekday = |s: &str| -> u32 {
            s.parse::<u32>().unwrap_or_else(|_| {
                DAYS.iter().position(|d| *d == s.to_lowercase()).unwrap() as u32
            }) % 7
        };
        let mut field = DayOfWeek {
            plain: vec![false; 7],
            last_of: Vec::new(),
            nth: Vec::new(),
        };
        for item in text.split(',') {
            if let Some((day, k)) = item.split_once('#') {
                field.nth.push((weekday(day), k.parse().unwrap()));
            } else if let Some(day) = item.strip_suffix(['L', 'l']) {
                field.last_of.push(weekday(day));
            } else {
                let values = table(item, 0, 7, &DAYS, 0);
                for (v, on) in values.iter().enumerate() {
                    field.plain[v % 7] |= *on;
                }
            }
        }
        field
    }

    fn matches(&self, date: NaiveDate) -> bool {
        let weekday = date.weekday().num_days_from_sunday();
        let day = date.day();
        self.plain[weekday as usize]
            || self
                .last_of
                .iter()
                .any(|&w| w == weekday && day + 7 > month_length(date))
            || self
                .nth
                .iter()
                .any(|&(w, k)| w == weekday && (day - 1) / 7 + 1 == k)
    }
}

/// Up to `count` runs after `from` and no later than `until`, day by day.
fn reference_runs(
    fields: &[String],
    from: DateTime<Utc>,
    until: DateTime<Utc>,
    count: usize,
) -> Vec<DateTime<Utc>> {
    let second = table(&fields[0], 0, 59, &[], 0);
    let minute = table(&fields[1], 0, 59, &[], 0);
    let hour = table(&fields[2], 0, 23, &[], 0);
    let dom = DayOfMonth::new(&fields[3]);
    let month = table(&fields[4], 1, 12, &MONTHS, 1);
    let dow = DayOfWeek::new(&fields[5]);
    let year = fields.get(6).map(|y| table(y, 1970, 2099, &[], 0));
    let and = fields[3].starts_with('*') || fields[5].starts_with('*');
    let mut out = Vec::new();
    let mut date = from.date_naive();
    while date <= until.date_naive() && out.len() < count {
        let year_ok = year
            .as_ref()
            .is_none_or(|y| y.get(date.year() as usize) == Some(&true));
        let (a, b) = (dom.matches(date), dow.matches(date));
        if year_ok && month[date.month() as usize] && if and { a && b } else { a || b } {
            let on = |table: &[bool]| -> Vec<u32> {
                (0..table.len() as u32)
                    .filter(|v| table[*v as usize])
                    .collect()
            };
            'day: for h in on(&hour) {
                for m in on(&minute) {
                    for s in on(&second) {
                        let at = date.and_hms_opt(h, m, s).unwrap().and_utc();
                        if at > until || out.len() == count {
                            break 'day;
                        }
                        if at > from {
                            out.push(at);
                        }
                    }
                }
            }
        }
        date = date.succ_opt().unwrap();
    }
    out
}

fn gen_day_of_month(rng: &mut Rng) -> String {
    let mut items = Vec::new();
    if rng.chance(30) {
        items.push(["*", "*/2", "*/10", "*/45"][rng.below(4) as usize].to_owned());
    }
    for _ in 0..1 + rng.below(3) {
        items.push(match rng.below(7) {
            0 => "L".to_owned(),
            1 => ["LW", "lw", "WL"][rng.below(3) as usize].to_owned(),
            2 | 3 => format!("{}W", 1 + rng.below(31)),
            4 => "*".to_owned(),
            _ => gen_field(rng, 1, 31, None, 0),
        });
    }
    items.join(",")
}

fn gen_day_of_week(rng: &mut Rng) -> String {
    let mut items = Vec::new();
    if rng.chance(30) {
        items.push(["*", "*/2", "*/3", "*/9"][rng.below(4) as usize].to_owned());
    }
    let day = |rng: &mut Rng| {
        if rng.chance(30) {
            DAYS[rng.below(7) as usize].to_uppercase()
        } else {
            rng.below(8).to_string()
        }
    };
    for _ in 0..1 + rng.below(3) {
        items.push(match rng.below(5) {
            0 => format!("{}L", rng.below(8)),
            1 | 2 => format!("{}#{}", day(rng), 1 + rng.below(5)),
            3 => "*".to_owned(),
            _ => gen_field(rng, 0, 7, Some((&DAYS, 0)), 0),
        });
    }
    items.join(",")
}

fn gen_year(rng: &mut Rng) -> String {
    match rng.below(5) {
        0 => "*".to_owned(),
        1 => format!("*/{}", 1 + rng.below(4)),
        2 => format!("2026-2099/{}", 1 + rng.below(3)),
        3 => "2098,2099,2027".to_owned(),
        _ => (0..1 + rng.below(3))
            .map(|_| (2026 + rng.below(4)).to_string())
            .collect::<Vec<_>>()
            .join(","),
    }
}

/// A small time-of-day field: a value, a list, or a step past the field now and then.
fn gen_time(rng: &mut Rng, hi: u32) -> String {
    match rng.below(6) {
        0 => format!("*/{}", hi + 2 + rng.below(1_000_000)),
        1 => format!("{}-{hi}/{}", rng.below(hi), hi + 1 + rng.below(99)),
        2 => format!("{},*", rng.below(hi + 1)),
        _ => gen_field(rng, 0, hi, None, 10),
    }
}

#[test]
fn extensions_match_the_reference() {
    let mut rng = Rng(0x1a57_da75_0fed);
    let start = DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z")
        .unwrap()
        .with_timezone(&Utc);
    let utc = Zone::parse("UTC").unwrap();
    for _ in 0..1500 {
        let mut fields = vec![
            if rng.chance(70) {
                "0".to_owned()
            } else {
                gen_time(&mut rng, 59)
            },
            gen_time(&mut rng, 59),
            gen_time(&mut rng, 23),
            gen_day_of_month(&mut rng),
            gen_field(&mut rng, 1, 12, Some((&MONTHS, 1)), 70),
            gen_day_of_week(&mut rng),
        ];
        if rng.chance(40) {
            fields.push(gen_year(&mut rng));
        }
        let expr = fields.join(" ");
        let from = start + TimeDelta::minutes(i64::from(rng.below(60 * 24 * 365 * 3)));
        let until = from + TimeDelta::days(400);
        let expected = reference_runs(&fields, from, until, 5);
        let schedule = Schedule::parse(&expr).unwrap_or_else(|e| panic!("{expr}: {e}"));
        let got: Vec<_> = schedule
            .upcoming(from, utc, 5)
            .into_iter()
            .filter(|t| *t <= until)
            .collect();
        assert_eq!(got, expected, "schedule {expr:?} after {from}");
    }
}
