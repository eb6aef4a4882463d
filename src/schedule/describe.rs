//! A schedule in English, in the manner of crontab.guru, spelling out Vixie cron's day rule:
//! when both day fields are restricted either one matching is enough, and when one of them
//! starts with `*` (like `*/2`) both must match.

use super::parse::{Field, Item, Kind};
use super::spec::Spec;

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const WEEKDAYS: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];
const NTH: [&str; 5] = ["first", "second", "third", "fourth", "fifth"];

/// The whole schedule in words.
pub(crate) fn describe(spec: &Spec) -> String {
    let (time, at_times) = time_phrase(spec);
    let mut out = capitalize(&time);
    match day_phrase(spec) {
        Some(days) => {
            out.push_str(if at_times { " " } else { ", " });
            out.push_str(&days);
        }
        None if at_times => out.push_str(" every day"),
        None => {}
    }
    if !spec.month.is_every() {
        out.push_str(", in ");
        out.push_str(&join(&named_items(&spec.month, &MONTHS, 1), "and"));
    }
    if let Some(year) = &spec.year
        && !year.is_every()
    {
        out.push_str(", in ");
        out.push_str(&year_phrase(year));
    }
    out
}

fn capitalize(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// "a", "a and b", "a, b and c" (or with "or").
fn join(parts: &[String], word: &str) -> String {
    match parts {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} {word} {last}", init.join(", ")),
    }
}

fn ordinal(n: u32) -> String {
    let suffix = match (n % 10, n % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}

/// Plain values only (no ranges or steps), when that is all the field holds.
fn plain_values(field: &Field) -> Option<Vec<u32>> {
    field
        .items
        .iter()
        .map(|item| match item {
            Item::Value(v) => Some(*v),
            _ => None,
        })
        .collect()
}

/// The time of day: "at 02:00", "every 5 minutes", "at minute 30 past hours 9 through 17"...
/// and whether it is a list of clock times (which then reads "... every day").
fn time_phrase(spec: &Spec) -> (String, bool) {
    let zero_seconds = spec.second.items == [Item::Value(0)];
    if let (Some(secs), Some(mins), Some(hours)) = (
        plain_values(&spec.second),
        plain_values(&spec.minute),
        plain_values(&spec.hour),
    ) && secs.len() * mins.len() * hours.len() <= 6
    {
        let mut times = Vec::new();
        for h in sorted(&hours) {
            for m in sorted(&mins) {
                for s in sorted(&secs) {
                    times.push(if zero_seconds {
                        format!("{h:02}:{m:02}")
                    } else {
                        format!("{h:02}:{m:02}:{s:02}")
                    });
                }
            }
        }
        return (format!("at {}", join(&times, "and")), true);
    }
    let hour_every = spec.hour.is_every();
    let minute_every = spec.minute.is_every();
    let mut parts = Vec::new();
    if !zero_seconds {
        parts.push(unit_phrase(&spec.second, "second"));
    }
    let minute_part = if zero_seconds || !minute_every {
        Some(unit_phrase(&spec.minute, "minute"))
    } else {
        None
    };
    let hour_part = if hour_every {
        match &minute_part {
            Some(m) if m.starts_with("at ") => Some("of every hour".to_owned()),
            _ => None,
        }
    } else {
        let prep = if minute_part.is_some() {
            "past"
        } else {
            "during"
        };
        Some(hour_phrase(&spec.hour, prep))
    };
    let tail: Vec<String> = minute_part.into_iter().chain(hour_part).collect();
    if !tail.is_empty() {
        parts.push(tail.join(" "));
    }
    (parts.join(", "), false)
}

fn sorted(values: &[u32]) -> Vec<u32> {
    let mut values = values.to_vec();
    values.sort_unstable();
    values.dedup();
    values
}

/// A seconds or minutes field: "every minute", "every 5 minutes", "at minute 5", "at
/// minutes 0 and 30", "every minute from 10 through 20", "every 7th minute".
fn unit_phrase(field: &Field, unit: &str) -> String {
    let (lo, hi) = field.kind.bounds();
    let width = hi - lo + 1;
    if let [Item::Star { step }] = field.items[..] {
        return match step {
            1 => format!("every {unit}"),
            n if width % n == 0 => format!("every {n} {unit}s"),
            n => format!("every {} {unit} ({})", ordinal(n), listed_values(field)),
        };
    }
    if let Some(values) = plain_values(field) {
        let values: Vec<String> = sorted(&values).iter().map(u32::to_string).collect();
        let plural = if values.len() == 1 { "" } else { "s" };
        return format!("at {unit}{plural} {}", join(&values, "and"));
    }
    let parts: Vec<String> = field
        .items
        .iter()
        .map(|item| match *item {
            Item::Value(v) => format!("at {unit} {v}"),
            Item::Range { lo, hi, step: 1 } => format!("every {unit} from {lo} through {hi}"),
            Item::Range { lo, hi, step } => {
                format!("every {} {unit} from {lo} through {hi}", ordinal(step))
            }
            Item::Star { step } => format!("every {} {unit}", ordinal(step)),
            _ => String::new(),
        })
        .collect();
    join(&parts, "and")
}

/// An hour field after `prep` ("past" or "during").
fn hour_phrase(field: &Field, prep: &str) -> String {
    if let [Item::Star { step }] = field.items[..] {
        return match step {
            n if 24 % n == 0 => format!("{prep} every {n} hours"),
            n => format!(
                "{prep} every {} hour ({})",
                ordinal(n),
                listed_values(field)
            ),
        };
    }
    if let Some(values) = plain_values(field) {
        let values: Vec<String> = sorted(&values).iter().map(u32::to_string).collect();
        let plural = if values.len() == 1 { "" } else { "s" };
        return format!("{prep} hour{plural} {}", join(&values, "and"));
    }
    let parts: Vec<String> = field
        .items
        .iter()
        .map(|item| match *item {
            Item::Value(v) => format!("hour {v}"),
            Item::Range { lo, hi, step: 1 } => format!("every hour from {lo} through {hi}"),
            Item::Range { lo, hi, step } => {
                format!("every {} hour from {lo} through {hi}", ordinal(step))
            }
            Item::Star { step } => format!("every {} hour", ordinal(step)),
            _ => String::new(),
        })
        .collect();
    format!("{prep} {}", join(&parts, "and"))
}

/// Every value a field allows, as numbers: "0, 7, 14, 21".
fn listed_values(field: &Field) -> String {
    let (lo, hi) = field.kind.bounds();
    let values: Vec<String> = (lo..=hi)
        .filter(|v| field.has(*v))
        .map(|v| v.to_string())
        .collect();
    values.join(", ")
}

/// Names for a month or weekday field's items: "January through March", "Monday and Friday".
fn named_items(field: &Field, names: &[&str], offset: u32) -> Vec<String> {
    let name = |v: u32| names[((v - offset) as usize) % names.len()].to_owned();
    let mut out = Vec::new();
    for item in &field.items {
        match *item {
            Item::Value(v) => out.push(name(v)),
            Item::Range { lo, hi, step: 1 } => {
                out.push(format!("{} through {}", name(lo), name(hi)))
            }
            Item::Range { lo, hi, step } => {
                let mut v = lo;
                while v <= hi {
                    out.push(name(v));
                    v += step;
                }
            }
            Item::Star { step } => {
                let (lo, hi) = field.kind.bounds();
                let mut v = lo;
                while v <= hi {
                    if !(field.kind == Kind::DayOfWeek && v == 7 && out.contains(&name(0))) {
                        out.push(name(v));
                    }
                    v += step;
                }
            }
            Item::LastOf(w) => out.push(format!("the last {} of the month", WEEKDAYS[w as usize])),
            Item::Nth { weekday, n } => out.push(format!(
                "the {} {} of the month",
                NTH[(n - 1) as usize],
                WEEKDAYS[weekday as usize]
            )),
            _ => {}
        }
    }
    let mut seen = Vec::new();
    out.retain(|name| {
        let new = !seen.contains(name);
        seen.push(name.clone());
        new
    });
    out
}

fn year_phrase(field: &Field) -> String {
    let parts: Vec<String> = field
        .items
        .iter()
        .map(|item| match *item {
            Item::Value(v) => v.to_string(),
            Item::Range { lo, hi, step: 1 } => format!("{lo} through {hi}"),
            Item::Range { lo, hi, step } => {
                format!("every {} year from {lo} through {hi}", ordinal(step))
            }
            Item::Star { step } => format!("every {} year", ordinal(step)),
            _ => String::new(),
        })
        .collect();
    join(&parts, "and")
}

/// The day-of-month field: "day 13 of the month", "odd days of the month", "the last day of
/// the month".
fn dom_phrase(field: &Field) -> String {
    if let [Item::Star { step }] = field.items[..] {
        return match step {
            1 => "every day of the month".to_owned(),
            2 => "odd days of the month (1, 3, 5, ... 31)".to_owned(),
            n => format!(
                "every {} day of the month ({})",
                ordinal(n),
                listed_values(field)
            ),
        };
    }
    let mut values = Vec::new();
    let mut parts = Vec::new();
    for item in &field.items {
        match *item {
            Item::Value(v) => values.push(v),
            Item::Range { lo, hi, step: 1 } => parts.push(format!("days {lo} through {hi}")),
            Item::Range { lo, hi, step } => {
                parts.push(format!(
                    "every {} day from {lo} through {hi}",
                    ordinal(step)
                ));
            }
            Item::Star { step } => parts.push(format!("every {} day", ordinal(step))),
            Item::Last => parts.push("the last day".to_owned()),
            Item::LastWeekday => parts.push("the last weekday (Monday to Friday)".to_owned()),
            Item::Nearest(day) => parts.push(format!("the weekday nearest day {day}")),
            Item::LastOf(_) | Item::Nth { .. } => {}
        }
    }
    if !values.is_empty() {
        let values: Vec<String> = sorted(&values).iter().map(u32::to_string).collect();
        let plural = if values.len() == 1 { "" } else { "s" };
        parts.insert(0, format!("day{plural} {}", join(&values, "and")));
    }
    format!("{} of the month", join(&parts, "and"))
}

/// The days the schedule runs on, or `None` for every day.
fn day_phrase(spec: &Spec) -> Option<String> {
    let dom = &spec.day_of_month;
    let dow = &spec.day_of_week;
    let weekdays = |word: &str| join(&named_items(dow, &WEEKDAYS, 0), word);
    match (dom.is_every(), dow.is_every()) {
        (true, true) => None,
        (false, true) => Some(format!("on {}", dom_phrase(dom))),
        (true, false) => Some(format!("on {}", weekdays("and"))),
        (false, false) if !spec.days_and() => {
            let any = if matches!(dow.items[0], Item::Value(_) | Item::Range { .. }) {
                "any "
            } else {
                ""
            };
            Some(format!(
                "on {}, or on {any}{} (cron runs when either day field matches)",
                dom_phrase(dom),
                weekdays("or")
            ))
        }
        (false, false) => Some(format!(
            "on {}, but only when that day is also {} (both day fields must match because \
             one of them starts with *)",
            dom_phrase(dom),
            weekdays("or")
        )),
    }
}
