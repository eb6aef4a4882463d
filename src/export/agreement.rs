//! Test only: the `OnCalendar=` conversion checked against systemd itself. For many schedules
//! (a fixed list of tricky ones and a few hundred seeded random ones), the next elapse times
//! `systemd-analyze calendar` computes for the converted expressions must equal jobtab's own
//! next runs from the same start, in UTC and in Europe/Berlin.
//!
//! Where `systemd-analyze` is missing the test says it was skipped and passes (`.ci/run`
//! installs it).
//!
//! systemd evaluates an expression with a zone after it (`... Europe/Berlin`, what the export
//! writes) by forking a child per elapse that sets `TZ` to that zone; 600 expressions times 12
//! elapses made that the slowest unit test. So each window runs its expressions twice: without
//! the zone under `TZ=<zone>` (the same computation without the forks) for all the elapses
//! compared with jobtab, and with the zone appended, as exported, for the first elapse (all of
//! them where the zone is UTC, which systemd computes without forking); the two must agree.
//!
//! Daylight saving time is outside the comparison on purpose: jobtab follows Vixie cron (a
//! fixed-time job whose time a spring-forward change skips runs right after the change), and
//! systemd does not, so the Berlin windows end before the next change.

use std::collections::BTreeSet;
use std::process::Command;

use chrono::{DateTime, NaiveDateTime, TimeZone as _, Utc};

use super::oncalendar::on_calendar;
use crate::schedule::Schedule;
use crate::zone::Zone;

/// Runs to compare per schedule and start.
const ITERATIONS: usize = 12;

/// Tricky schedules, each one a case the conversion handles differently.
const FIXED: &[&str] = &[
    "* * * * *",
    "0 2 * * *",
    "*/15 * * * *",
    "*/7 * * * *",
    "*/35 * * * *",
    "5-59/20 * * * *",
    "0 */23 * * *",
    "10-40/10 9-17 * * *",
    "1,15,30 0,12 * * *",
    "0 0 1 * *",
    "0 0 31 * *",
    "0 0 30 2 *",
    "0 0 29 2 *",
    "0 0 */2 * *",
    "0 0 1-10/3 * *",
    "0 0 * * 0",
    "0 0 * * 7",
    "0 0 * * 5-7",
    "0 0 * * */2",
    "0 0 * * 1-5/2",
    "30 6 * jan-mar mon-fri",
    "0 0 15 * 5",
    "0 0 13 * fri",
    "0 0 1,15 * 1,3",
    "0 0 */2 * 1",
    "0 0 1-7 * */2",
    "0 0 */2 * */3",
    "0 12 * */3 *",
    "0 0 L * *",
    "0 0 L 2 *",
    "0 0 1,L * *",
    "0 0 * * 5L",
    "0 0 * * 1#2",
    "0 0 * * 1#5",
    "0 0 * * 0#1,6#1",
    "0 0 */2 * 1#2",
    "0 0 L * 5L",
    "0 0 L * 1#1",
    "0 0 10 * 5L",
    "@hourly",
    "@daily",
    "@weekly",
    "@monthly",
    "@yearly",
    "*/10 * * * * *",
    "15,45 30 6 * * *",
    "0 0 0 29 2 * 2028-2036",
    "0 30 12 * * mon 2027",
    "0 0 0 1 1 * 2026-2040/3",
];

/// A small deterministic generator (SplitMix64), so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u32) -> u32 {
        (self.next() % u64::from(n)) as u32
    }

    fn between(&mut self, lo: u32, hi: u32) -> u32 {
        lo + self.below(hi - lo + 1)
    }
}

/// A random field: `*`, or a list of 1-3 items among values, ranges, `*/s` and `a-b/s`.
fn random_field(rng: &mut Rng, lo: u32, hi: u32, star_weight: u32) -> String {
    if rng.below(10) < star_weight {
        return "*".to_owned();
    }
    let count = rng.between(1, 3);
    let items: Vec<String> = (0..count)
        .map(|_| match rng.below(4) {
            0 => rng.between(lo, hi).to_string(),
            1 => {
                let a = rng.between(lo, hi);
                let b = rng.between(a, hi);
                format!("{a}-{b}")
            }
            2 => format!("*/{}", rng.between(1, (hi - lo + 1).min(40))),
            _ => {
                let a = rng.between(lo, hi);
                let b = rng.between(a, hi);
                format!("{a}-{b}/{}", rng.between(1, 10))
            }
        })
        .collect();
    items.join(",")
}

fn random_dom(rng: &mut Rng) -> String {
    match rng.below(12) {
        0 => "L".to_owned(),
        1 => format!("{},L", rng.between(1, 28)),
        _ => random_field(rng, 1, 31, 5),
    }
}

fn random_dow(rng: &mut Rng) -> String {
    match rng.below(14) {
        0 => format!("{}L", rng.between(0, 6)),
        1 => format!("{}#{}", rng.between(0, 7), rng.between(1, 5)),
        2 => ["mon-fri", "sat,sun", "MON,wed,Fri", "sun"][rng.below(4) as usize].to_owned(),
        _ => random_field(rng, 0, 7, 5),
    }
}

fn random_schedule(rng: &mut Rng, seconds: bool) -> String {
    let mut fields = Vec::new();
    if seconds {
        fields.push(random_field(rng, 0, 59, 2));
    }
    fields.push(random_field(rng, 0, 59, 1));
    fields.push(random_field(rng, 0, 23, 3));
    fields.push(random_dom(rng));
    fields.push(random_field(rng, 1, 12, 6));
    fields.push(random_dow(rng));
    fields.join(" ")
}

/// The schedules to compare: the fixed list, 300 random 5-field and 100 random 6-field ones.
fn schedules() -> Vec<String> {
    let mut rng = Rng(0x6a6f_6274_6162);
    let mut out: Vec<String> = FIXED.iter().map(|s| (*s).to_owned()).collect();
    out.extend((0..300).map(|_| random_schedule(&mut rng, false)));
    out.extend((0..100).map(|_| random_schedule(&mut rng, true)));
    out
}

/// One comparison: a zone, a start, and the instant from which the zone's daylight saving
/// time changes (results from then on are not compared).
struct Window {
    zone: Zone,
    /// The zone's name, as systemd reads it in `TZ=` and after an expression.
    name: &'static str,
    /// Elapses to ask for with the zone after the expression (each one a fork in systemd
    /// unless the zone is UTC).
    suffixed_iterations: usize,
    base: DateTime<Utc>,
    until: DateTime<Utc>,
}

fn utc(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .unwrap()
        .with_timezone(&Utc)
}

fn windows() -> Vec<Window> {
    let berlin = Zone::parse("Europe/Berlin").unwrap();
    vec![
        Window {
            zone: Zone::parse("UTC").unwrap(),
            name: "UTC",
            suffixed_iterations: ITERATIONS,
            base: utc("2026-01-01T00:00:00Z"),
            until: utc("2100-01-01T00:00:00Z"),
        },
        Window {
            zone: Zone::parse("UTC").unwrap(),
            name: "UTC",
            suffixed_iterations: ITERATIONS,
            base: utc("2027-02-27T23:59:30Z"),
            until: utc("2100-01-01T00:00:00Z"),
        },
        // Summer time in 2026: from March 29 to October 25 (01:00 UTC).
        Window {
            zone: berlin,
            name: "Europe/Berlin",
            suffixed_iterations: 1,
            base: utc("2026-03-29T12:00:00Z"),
            until: utc("2026-10-25T00:00:00Z"),
        },
        // Winter 2026/27: until March 28, 2027 (01:00 UTC).
        Window {
            zone: berlin,
            name: "Europe/Berlin",
            suffixed_iterations: 1,
            base: utc("2026-10-25T12:00:00Z"),
            until: utc("2027-03-28T00:00:00Z"),
        },
    ]
}

/// What `systemd-analyze calendar` says about one expression.
#[derive(Debug, Clone, PartialEq)]
enum Answer {
    /// The elapse times (empty: never).
    Elapses(Vec<DateTime<Utc>>),
    /// It parsed the expression but gave up computing the next elapse ("Failed to determine
    /// next elapse": its search is bounded, and a sparse expression in a named zone can
    /// exhaust it).
    GaveUp(String),
    /// It refused the expression: a conversion bug.
    Refused(String),
}

impl Answer {
    /// The answer when asked for only the first `n` elapses.
    fn first(&self, n: usize) -> Answer {
        match self {
            Answer::Elapses(times) => Answer::Elapses(times.iter().take(n).copied().collect()),
            other => other.clone(),
        }
    }
}

/// `systemd-analyze calendar` in zone `tz` for many expressions at once (one by one when one
/// of them fails, to tell which).
fn systemd_answers(
    expressions: &[String],
    tz: &str,
    iterations: usize,
    base: DateTime<Utc>,
) -> Vec<Answer> {
    let run = |expressions: &[String]| {
        Command::new("systemd-analyze")
            .env("TZ", tz)
            .arg("calendar")
            .arg(format!("--iterations={iterations}"))
            .arg(format!("--base-time=@{}", base.timestamp()))
            .args(expressions)
            .output()
            .expect("systemd-analyze runs")
    };
    let output = run(expressions);
    if output.status.success() {
        let blocks = parse_elapses(&String::from_utf8_lossy(&output.stdout));
        assert_eq!(blocks.len(), expressions.len(), "one answer per expression");
        return blocks.into_iter().map(Answer::Elapses).collect();
    }
    expressions
        .iter()
        .map(|expression| {
            let output = run(std::slice::from_ref(expression));
            let stderr = String::from_utf8_lossy(&output.stderr).trim().to_owned();
            if output.status.success() {
                let mut blocks = parse_elapses(&String::from_utf8_lossy(&output.stdout));
                Answer::Elapses(blocks.pop().expect("one answer"))
            } else if stderr.contains("Failed to determine next elapse") {
                Answer::GaveUp(stderr)
            } else {
                Answer::Refused(stderr)
            }
        })
        .collect()
}

/// The elapse times of each block of `systemd-analyze calendar` output. Each elapse is read
/// in UTC: from its own line under `TZ=UTC`, from the `(in UTC):` line after it otherwise.
fn parse_elapses(stdout: &str) -> Vec<Vec<DateTime<Utc>>> {
    let mut blocks: Vec<Vec<DateTime<Utc>>> = Vec::new();
    for line in stdout.lines() {
        let line = line.trim();
        if line.starts_with("Normalized form:") {
            blocks.push(Vec::new());
        } else if let Some((label, value)) = line.split_once(": ")
            && (label == "Next elapse" || label.starts_with("Iter. #") || label == "(in UTC)")
            && value != "never"
            && value.ends_with(" UTC")
        {
            // "Thu 2026-01-01 01:00:00 UTC"
            let parts: Vec<&str> = value.split_whitespace().collect();
            let text = format!("{} {}", parts[1], parts[2]);
            let naive = NaiveDateTime::parse_from_str(&text, "%Y-%m-%d %H:%M:%S")
                .unwrap_or_else(|err| panic!("cannot read {value:?}: {err}"));
            blocks
                .last_mut()
                .expect("an elapse line follows its expression")
                .push(Utc.from_utc_datetime(&naive));
        }
    }
    blocks
}

fn systemd_analyze_works() -> bool {
    Command::new("systemd-analyze")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn oncalendar_agrees_with_systemd_analyze() {
    if !systemd_analyze_works() {
        eprintln!("skipped: systemd-analyze is not installed (.ci/run installs it)");
        return;
    }
    let schedules: Vec<(String, Schedule)> = schedules()
        .into_iter()
        .filter_map(|text| Schedule::parse(&text).ok().map(|s| (text, s)))
        .collect();
    assert!(
        schedules.len() > 400,
        "only {} schedules parse: the generator is off",
        schedules.len()
    );
    let mut converted = Vec::new();
    let mut refused = Vec::new();
    for (text, schedule) in &schedules {
        let fields = schedule.fields().expect("not @reboot");
        match on_calendar(&fields) {
            Ok(lines) => converted.push((text, schedule, lines)),
            Err(reason) => refused.push(format!("{text}: {reason}")),
        }
    }
    // Only the combinations systemd cannot express may be refused, and few schedules do that.
    assert!(refused.len() < 20, "too many refused: {refused:#?}");

    let mut mismatches = Vec::new();
    let mut gave_up = Vec::new();
    let mut compared = 0;
    for window in windows() {
        let lines: Vec<&String> = converted.iter().flat_map(|(_, _, l)| l).collect();
        let mut answers = Vec::new();
        let mut suffixed = Vec::new();
        for chunk in lines.chunks(200) {
            let bare: Vec<String> = chunk.iter().map(|l| (*l).clone()).collect();
            answers.extend(systemd_answers(&bare, window.name, ITERATIONS, window.base));
            let exported: Vec<String> = chunk
                .iter()
                .map(|l| format!("{l} {}", window.name))
                .collect();
            suffixed.extend(systemd_answers(
                &exported,
                "UTC",
                window.suffixed_iterations,
                window.base,
            ));
        }
        // The exported form (the zone after the expression) says the same as `TZ=`.
        assert_eq!(answers.len(), suffixed.len());
        for ((line, answer), exported) in lines.iter().zip(&answers).zip(&suffixed) {
            if matches!(answer, Answer::GaveUp(_)) {
                // Its bounded search may give up on a later elapse only.
                assert!(
                    !matches!(exported, Answer::Refused(_)),
                    "OnCalendar={line} {}: {exported:?}",
                    window.name
                );
                continue;
            }
            assert_eq!(
                answer.first(window.suffixed_iterations),
                *exported,
                "OnCalendar={line} {} from {}: TZ={} says otherwise",
                window.name,
                window.base,
                window.name
            );
        }
        let mut answers = answers.into_iter();
        for (text, schedule, lines) in &converted {
            // A timer with several OnCalendar= lines fires at the union of their times.
            let mut union = BTreeSet::new();
            let mut problem = None;
            for answer in answers.by_ref().take(lines.len()) {
                match answer {
                    Answer::Elapses(times) => union.extend(times),
                    Answer::GaveUp(message) => problem = Some(Err(message)),
                    Answer::Refused(message) => problem = Some(Ok(message)),
                }
            }
            match problem {
                Some(Ok(refusal)) => {
                    mismatches.push(format!("{text:?}: OnCalendar={lines:?}: {refusal}"));
                    continue;
                }
                Some(Err(message)) => {
                    gave_up.push(format!("{text:?} in {}: {message}", window.name));
                    continue;
                }
                None => {}
            }
            let theirs: Vec<_> = union
                .into_iter()
                .take(ITERATIONS)
                .filter(|t| *t < window.until)
                .collect();
            let ours: Vec<_> = schedule
                .upcoming(window.base, window.zone, ITERATIONS)
                .into_iter()
                .filter(|t| *t < window.until)
                .collect();
            compared += 1;
            if ours != theirs {
                mismatches.push(format!(
                    "{text:?} in {} from {}: OnCalendar={lines:?}\n  jobtab:  {:?}\n  systemd: {:?}",
                    window.name,
                    window.base,
                    ours.iter().map(DateTime::to_rfc3339).collect::<Vec<_>>(),
                    theirs.iter().map(DateTime::to_rfc3339).collect::<Vec<_>>(),
                ));
            }
        }
    }
    assert!(
        mismatches.is_empty(),
        "{} of {compared} comparisons differ; the first ones:\n{}",
        mismatches.len(),
        mismatches
            .iter()
            .take(8)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
    // systemd's bounded search is its own limit, not a conversion error; it must stay rare.
    assert!(
        gave_up.len() * 50 < compared,
        "systemd gave up too often: {gave_up:#?}"
    );
    eprintln!(
        "compared {compared} schedule/window pairs with systemd-analyze; refused: {refused:#?}; \
         systemd gave up on: {gave_up:#?}"
    );
}
