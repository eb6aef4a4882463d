//! Next runs checked against an independent reference: a tiny Vixie cron written from the
//! rules alone (fields into boolean tables, the first-character `*` rule for the day fields,
//! OR when both are restricted) that steps through UTC minute by minute (seconds for 6-field
//! schedules), over thousands of randomly generated expressions. Plus: no input panics.

use chrono::{DateTime, Datelike, NaiveDate, TimeDelta, Timelike, Utc};
use proptest::prelude::*;

use crate::schedule::Schedule;
use crate::zone::Zone;

/// A seeded xorshift generator, so failures reproduce.
pub(super) struct Rng(pub(super) u64);

impl Rng {
    pub(super) fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    pub(super) fn below(&mut self, n: u32) -> u32 {
        (self.next() % u64::from(n)) as u32
    }
    pub(super) fn chance(&mut self, percent: u32) -> bool {
        self.below(100) < percent
    }
}

pub(super) const MONTHS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];
pub(super) const DAYS: [&str; 7] = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

/// One random field over `lo..=hi`, sometimes with names.
pub(super) fn gen_field(
    rng: &mut Rng,
    lo: u32,
    hi: u32,
    names: Option<(&[&str], u32)>,
    star_percent: u32,
) -> String {
    if rng.chance(star_percent) {
        return if rng.chance(60) {
            "*".to_owned()
        } else {
            format!("*/{}", 1 + rng.below((hi - lo + 1).min(20)))
        };
    }
    let value = |rng: &mut Rng| {
        let v = lo + rng.below(hi - lo + 1);
        match names {
            Some((names, offset)) if rng.chance(30) && ((v - offset) as usize) < names.len() => {
                let name = names[(v - offset) as usize];
                if rng.chance(50) {
                    name.to_uppercase()
                } else {
                    name.to_owned()
                }
            }
            _ => v.to_string(),
        }
    };
    let count = 1 + rng.below(3);
    let mut items = Vec::new();
    for _ in 0..count {
        let item = match rng.below(4) {
            0 | 1 => value(rng),
            2 => {
                let a = lo + rng.below(hi - lo + 1);
                let b = a + rng.below(hi - a + 1);
                format!("{a}-{b}")
            }
            _ => {
                let a = lo + rng.below(hi - lo + 1);
                let b = a + rng.below(hi - a + 1);
                format!("{a}-{b}/{}", 1 + rng.below(10))
            }
        };
        items.push(item);
    }
    items.join(",")
}

/// The reference: each field as a table of allowed values, from the text alone.
struct Reference {
    second: Vec<bool>,
    minute: Vec<bool>,
    hour: Vec<bool>,
    dom: Vec<bool>,
    month: Vec<bool>,
    dow: Vec<bool>,
    dom_star: bool,
    dow_star: bool,
}

pub(super) fn table(text: &str, lo: u32, hi: u32, names: &[&str], offset: u32) -> Vec<bool> {
    let number = |s: &str| -> u32 {
        s.parse().unwrap_or_else(|_| {
            let lower = s.to_lowercase();
            names.iter().position(|n| *n == lower).unwrap() as u32 + offset
        })
    };
    let mut out = vec![false; hi as usize + 1];
    for item in text.split(',') {
        let (range, step) = match item.split_once('/') {
            Some((r, s)) => (r, s.parse::<u32>().unwrap()),
            None => (item, 1),
        };
        let (a, b) = if range == "*" {
            (lo, hi)
        } else if let Some((a, b)) = range.split_once('-') {
            (number(a), number(b))
        } else {
            (number(range), number(range))
        };
        let mut v = a;
        while v <= b {
            out[v as usize] = true;
            v += step;
        }
    }
    out
}

impl Reference {
    fn new(fields: &[&str]) -> Reference {
        let (second, rest) = if fields.len() == 6 {
            (fields[0], &fields[1..])
        } else {
            ("0", fields)
        };
        let mut dow = table(rest[4], 0, 7, &DAYS, 0);
        if dow[7] {
            dow[0] = true;
        }
        Reference {
            second: table(second, 0, 59, &[], 0),
            minute: table(rest[0], 0, 59, &[], 0),
            hour: table(rest[1], 0, 23, &[], 0),
            dom: table(rest[2], 1, 31, &[], 0),
            month: table(rest[3], 1, 12, &MONTHS, 1),
            dow,
            dom_star: rest[2].starts_with('*'),
            dow_star: rest[4].starts_with('*'),
        }
    }

    fn day(&self, date: NaiveDate) -> bool {
        let dom = self.dom[date.day() as usize];
        let dow = self.dow[date.weekday().num_days_from_sunday() as usize];
        self.month[date.month() as usize]
            && if self.dom_star || self.dow_star {
                dom && dow
            } else {
                dom || dow
            }
    }

    /// Up to `count` runs after `from` and no later than `until`, found by stepping through
    /// every minute of every day (every second of matching minutes).
    fn runs(&self, from: DateTime<Utc>, until: DateTime<Utc>, count: usize) -> Vec<DateTime<Utc>> {
        let mut out = Vec::new();
        let mut t = from.with_second(0).unwrap().with_nanosecond(0).unwrap();
        while t <= until && out.len() < count {
            // Whole days and hours that cannot match are skipped; matching hours are walked
            // minute by minute.
            if !self.day(t.date_naive()) {
                t = (t.date_naive() + TimeDelta::days(1))
                    .and_hms_opt(0, 0, 0)
                    .unwrap()
                    .and_utc();
                continue;
            }
            if !self.hour[t.hour() as usize] {
                t = t.with_minute(0).unwrap() + TimeDelta::hours(1);
                continue;
            }
            if self.minute[t.minute() as usize] {
                for s in 0..60 {
                    let at = t.with_second(s).unwrap();
                    if self.second[s as usize] && at > from && at <= until && out.len() < count {
                        out.push(at);
                    }
                }
            }
            t += TimeDelta::minutes(1);
        }
        out
    }
}

fn compare(expr: &str, from: DateTime<Utc>, horizon: TimeDelta, count: usize) {
    let fields: Vec<&str> = expr.split(' ').collect();
    let reference = Reference::new(&fields);
    let until = from + horizon;
    let expected = reference.runs(from, until, count);
    let schedule = Schedule::parse(expr).unwrap_or_else(|e| panic!("{expr}: {e}"));
    let utc = Zone::parse("UTC").unwrap();
    let got: Vec<_> = schedule
        .upcoming(from, utc, count)
        .into_iter()
        .filter(|t| *t <= until)
        .collect();
    assert_eq!(got, expected, "schedule {expr:?} after {from}");
}

#[test]
fn five_field_schedules_match_the_reference() {
    let mut rng = Rng(0x5eed_cafe_f00d_d00d);
    let from = DateTime::parse_from_rfc3339("2026-02-27T22:13:00Z")
        .unwrap()
        .with_timezone(&Utc);
    for _ in 0..2500 {
        let expr = [
            gen_field(&mut rng, 0, 59, None, 30),
            gen_field(&mut rng, 0, 23, None, 40),
            gen_field(&mut rng, 1, 31, None, 55),
            gen_field(&mut rng, 1, 12, Some((&MONTHS, 1)), 60),
            gen_field(&mut rng, 0, 7, Some((&DAYS, 0)), 55),
        ]
        .join(" ");
        let start = from + TimeDelta::minutes(i64::from(rng.below(60 * 24 * 400)));
        compare(&expr, start, TimeDelta::days(70), 6);
    }
}

#[test]
fn six_field_schedules_match_the_reference() {
    let mut rng = Rng(0x0123_4567_89ab_cdef);
    let from = DateTime::parse_from_rfc3339("2026-12-31T23:58:30Z")
        .unwrap()
        .with_timezone(&Utc);
    for _ in 0..400 {
        let expr = [
            gen_field(&mut rng, 0, 59, None, 40),
            gen_field(&mut rng, 0, 59, None, 50),
            gen_field(&mut rng, 0, 23, None, 60),
            gen_field(&mut rng, 1, 31, None, 70),
            "*".to_owned(),
            gen_field(&mut rng, 0, 7, Some((&DAYS, 0)), 70),
        ]
        .join(" ");
        let start = from + TimeDelta::seconds(i64::from(rng.below(86_400 * 3)));
        compare(&expr, start, TimeDelta::days(10), 8);
    }
}

const TOKENS: &[&str] = &[
    "*",
    "*/",
    "/",
    "-",
    ",",
    "#",
    "L",
    "W",
    "?",
    "@",
    "0",
    "1",
    "5",
    "7",
    "12",
    "31",
    "59",
    "60",
    "99",
    "4294967296",
    "99999999999999999999",
    "jan",
    "MON",
    "fri",
    "lw",
    " ",
    "  ",
    "\t",
    "é",
    "日",
    "\u{0}",
    "@daily",
    "@reboot",
    "2099",
    "1970",
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,80}") {
        if let Ok(schedule) = Schedule::parse(&text) {
            let utc = Zone::parse("UTC").unwrap();
            let _ = schedule.describe();
            let _ = schedule.upcoming(DateTime::<Utc>::MIN_UTC, utc, 2);
            let _ = schedule.upcoming(DateTime::<Utc>::MAX_UTC - TimeDelta::days(1), utc, 2);
        }
    }

    #[test]
    fn cron_like_tokens_never_panic(parts in prop::collection::vec(prop::sample::select(TOKENS), 0..24)) {
        let text: String = parts.concat();
        if let Ok(schedule) = Schedule::parse(&text) {
            let ny = Zone::parse("America/New_York").unwrap();
            let _ = schedule.describe();
            let _ = schedule.crontab_compatible();
            let _ = schedule.fields();
            let start = DateTime::parse_from_rfc3339("2026-03-08T06:30:00Z").unwrap().with_timezone(&Utc);
            let runs = schedule.upcoming(start, ny, 5);
            prop_assert!(runs.windows(2).all(|w| w[0] < w[1]));
        } else {
            let message = Schedule::parse(&text).unwrap_err().to_string();
            prop_assert!(message.starts_with("invalid schedule "));
        }
    }
}

/// Speed of `next_after` over 10,000 varied jobs in several zones. Run it optimised:
/// `cargo test --release --bin jobtab schedule::tests::reference::bench -- --ignored --nocapture`
#[test]
#[ignore = "a measurement, run by hand in release mode"]
fn bench_next_after_on_10000_jobs() {
    let mut rng = Rng(42);
    let zones: Vec<Zone> = [
        "UTC",
        "America/New_York",
        "Europe/Berlin",
        "Australia/Lord_Howe",
        "Asia/Kolkata",
    ]
    .iter()
    .map(|z| Zone::parse(z).unwrap())
    .collect();
    let mut jobs = Vec::new();
    while jobs.len() < 10_000 {
        let expr = [
            gen_field(&mut rng, 0, 59, None, 30),
            gen_field(&mut rng, 0, 23, None, 40),
            gen_field(&mut rng, 1, 31, None, 70),
            gen_field(&mut rng, 1, 12, Some((&MONTHS, 1)), 80),
            gen_field(&mut rng, 0, 7, Some((&DAYS, 0)), 70),
        ]
        .join(" ");
        jobs.push((
            Schedule::parse(&expr).unwrap(),
            zones[jobs.len() % zones.len()],
        ));
    }
    let after = DateTime::parse_from_rfc3339("2026-03-08T06:59:00Z")
        .unwrap()
        .with_timezone(&Utc);
    let start = std::time::Instant::now();
    let mut found = 0;
    for (schedule, zone) in &jobs {
        found += usize::from(schedule.next_after(after, *zone).is_some());
    }
    let elapsed = start.elapsed();
    println!(
        "next_after for {} jobs: {:?} total, {:?} per job ({found} with a next run)",
        jobs.len(),
        elapsed,
        elapsed / jobs.len() as u32
    );
}
