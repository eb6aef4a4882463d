//! Cron schedules as systemd `OnCalendar=` expressions (systemd.time(7)).
//!
//! The input is a schedule's normalised fields (`Schedule::fields`); the output is one or more
//! calendar expressions without a time zone (the caller appends it). Field by field:
//!
//! | cron | systemd |
//! | --- | --- |
//! | `*` | `*` |
//! | `5`, `1,15` | `05`, `01,15` |
//! | `1-5` | `01..05` |
//! | `*/15` | `00,15,30,45` (steps as lists: systemd's own `00/15` is buggy, see `translate_token`) |
//! | `10-40/10` | `10,20,30,40` |
//! | day of week `1-5`, `0,6` | `Mon..Fri`, `Sat,Sun` prefix (0 and 7 are Sunday) |
//! | day of month `L` | `~01` (the last day) |
//! | day of week `5L` | `Fri *-*~01..07` (a Friday among the last 7 days) |
//! | day of week `1#2` | `Mon *-*-08..14` (the Monday among days 8-14) |
//! | 6 fields (seconds first) | the seconds of `HH:MM:SS` |
//! | 7 fields (year last) | the year (1970-2099) |
//!
//! Day fields follow Vixie cron (PRODUCT.md section 3): when both are restricted a day matches
//! if either matches, which becomes two expressions (a timer fires at the union of its
//! `OnCalendar=` lines); when either starts with `*` (also `*/2`) both must match, which is
//! one expression. `W` (nearest weekday) has no systemd form and is refused with the reason.

use std::collections::{BTreeMap, BTreeSet};

use crate::schedule::Fields;

/// The first and last year a schedule's year field may name (`schedule::parse`).
const YEARS: (u32, u32) = (1970, 2099);

/// The `OnCalendar=` expressions (one or more, to be written as separate lines) equivalent to
/// the schedule's fields, or why there are none.
pub(crate) fn on_calendar(fields: &Fields) -> Result<Vec<String>, String> {
    let time = format!(
        "{}:{}:{}",
        translate(&fields.hour, "hour", 0, 23)?,
        translate(&fields.minute, "minute", 0, 59)?,
        translate(&fields.seconds, "seconds", 0, 59)?,
    );
    let month = translate(&fields.month, "month", 1, 12)?;
    let year = match &fields.year {
        Some(year) => translate_year(year)?,
        None => "*".to_owned(),
    };
    let dom = Dom::parse(&fields.day_of_month)?;
    let dow = Dow::parse(&fields.day_of_week)?;
    // `?` is croner's spelling of `*` in the day fields; Vixie's rule looks at the first
    // character.
    let dom_star = fields.dom_star || fields.day_of_month.starts_with('?');
    let dow_star = fields.dow_star || fields.day_of_week.starts_with('?');
    let days = if dom_star || dow_star {
        days_and(&dom, &dow)?
    } else {
        days_or(&dom, &dow)
    };
    let mut lines: Vec<String> = Vec::new();
    for (weekdays, day) in days {
        let date = match day {
            Day::Days(text) => format!("{year}-{month}-{text}"),
            Day::Last(text) => format!("{year}-{month}~{text}"),
        };
        let line = match weekdays {
            Some(set) => format!("{} {date} {time}", weekday_text(&set)),
            None => format!("{date} {time}"),
        };
        if !lines.contains(&line) {
            lines.push(line);
        }
    }
    if lines.is_empty() {
        return Err(format!(
            "its day-of-month {:?} and day-of-week {:?} never match together",
            fields.day_of_month, fields.day_of_week
        ));
    }
    Ok(lines)
}

/// The day part of one expression: a day list (`*`, `01,15`, `08..14`) or a count from the end
/// of the month (`01` = the last day, `01..07` = each of the last 7 days).
#[derive(Debug, Clone, PartialEq, Eq)]
enum Day {
    Days(String),
    Last(String),
}

/// One expression's days: an optional weekday set (0 = Sunday) and a day part.
type DaySpec = (Option<BTreeSet<u32>>, Day);

/// A day-of-month field: its plain days (as text and as a set) and whether `L` is in it.
#[derive(Debug)]
struct Dom {
    /// `None` when the field has only `L`.
    days: Option<(String, BTreeSet<u32>)>,
    last: bool,
}

impl Dom {
    fn parse(field: &str) -> Result<Dom, String> {
        if field == "*" || field == "?" {
            return Ok(Dom {
                days: Some(("*".to_owned(), (1..=31).collect())),
                last: false,
            });
        }
        let mut texts = Vec::new();
        let mut set = BTreeSet::new();
        let mut last = false;
        for token in field.split(',') {
            if token.eq_ignore_ascii_case("L") {
                last = true;
            } else if token.contains(['W', 'w']) {
                return Err(format!(
                    "its day-of-month {token:?} (the weekday nearest a day) has no systemd \
                     equivalent"
                ));
            } else {
                texts.push(translate_token(token, "day-of-month", 1, 31)?);
                set.extend(expand_token(token, "day-of-month", 1, 31)?);
            }
        }
        let days = (!texts.is_empty()).then(|| (join_items(&texts), set));
        Ok(Dom { days, last })
    }

    /// Each alternative as a day part with the days it stands for (`None` for the last day).
    fn alternatives(&self) -> Vec<(Day, Option<&BTreeSet<u32>>)> {
        let mut out = Vec::new();
        if let Some((text, set)) = &self.days {
            out.push((Day::Days(text.clone()), Some(set)));
        }
        if self.last {
            out.push((Day::Last("01".to_owned()), None));
        }
        out
    }

    fn is_every_day(&self) -> bool {
        !self.last && self.days.as_ref().is_some_and(|(_, set)| set.len() == 31)
    }
}

/// A day-of-week field: plain weekdays, `N#k` (the k-th N of the month) and `NL` (the last N
/// of the month); 0 = Sunday, 7 folded into 0.
#[derive(Debug, Default)]
struct Dow {
    plain: BTreeSet<u32>,
    nth: BTreeMap<u32, BTreeSet<u32>>,
    last: BTreeSet<u32>,
}

impl Dow {
    fn parse(field: &str) -> Result<Dow, String> {
        let mut dow = Dow::default();
        for token in field.split(',') {
            let days = |text: &str| -> Result<BTreeSet<u32>, String> {
                let text = if text == "?" { "*" } else { text };
                Ok(expand_token(text, "day-of-week", 0, 7)?
                    .into_iter()
                    .map(|d| d % 7)
                    .collect())
            };
            if let Some((days_text, nth)) = token.split_once('#') {
                let k: u32 = nth
                    .parse()
                    .ok()
                    .filter(|k| (1..=5).contains(k))
                    .ok_or_else(|| format!("its day-of-week {token:?} has an invalid #"))?;
                dow.nth.entry(k).or_default().extend(days(days_text)?);
            } else if let Some(days_text) = token.strip_suffix(['L', 'l']) {
                if days_text.is_empty() {
                    return Err(format!(
                        "its day-of-week {token:?} names no weekday; write e.g. 5L for the \
                         last Friday"
                    ));
                }
                dow.last.extend(days(days_text)?);
            } else {
                dow.plain.extend(days(token)?);
            }
        }
        Ok(dow)
    }
}

/// Vixie's OR: a day matches the day-of-month or the day-of-week.
fn days_or(dom: &Dom, dow: &Dow) -> Vec<DaySpec> {
    let mut out: Vec<DaySpec> = dom
        .alternatives()
        .into_iter()
        .map(|(day, _)| (None, day))
        .collect();
    if !dow.plain.is_empty() {
        out.push((Some(dow.plain.clone()), Day::Days("*".to_owned())));
    }
    for (k, weekdays) in &dow.nth {
        out.push((Some(weekdays.clone()), Day::Days(nth_week(*k))));
    }
    if !dow.last.is_empty() {
        out.push((Some(dow.last.clone()), Day::Last("01..07".to_owned())));
    }
    out
}

/// Vixie's AND (one of the fields starts with `*`): a day matches both fields.
fn days_and(dom: &Dom, dow: &Dow) -> Result<Vec<DaySpec>, String> {
    let mut out = Vec::new();
    for (day, set) in dom.alternatives() {
        if !dow.plain.is_empty() {
            let weekdays = (dow.plain.len() < 7).then(|| dow.plain.clone());
            out.push((weekdays, day.clone()));
        }
        for (k, weekdays) in &dow.nth {
            let Some(set) = set else {
                return Err(
                    "it combines L (last day of the month) with # (n-th weekday), which systemd \
                     cannot express"
                        .to_owned(),
                );
            };
            let week: BTreeSet<u32> = set
                .iter()
                .copied()
                .filter(|d| (k * 7 - 6..=k * 7).contains(d))
                .collect();
            if !week.is_empty() {
                out.push((Some(weekdays.clone()), Day::Days(day_list(&week))));
            }
        }
        if !dow.last.is_empty() {
            match set {
                // The last day of the month that is one of these weekdays.
                None => out.push((Some(dow.last.clone()), Day::Last("01".to_owned()))),
                Some(_) if dom.is_every_day() => {
                    out.push((Some(dow.last.clone()), Day::Last("01..07".to_owned())));
                }
                Some(_) => {
                    return Err("it combines a stepped or listed day-of-month with a last \
                                weekday (L), which systemd cannot express"
                        .to_owned());
                }
            }
        }
    }
    Ok(out)
}

/// The days of the month on which the k-th of a weekday falls: 1..7, 8..14, ..., 29..31.
fn nth_week(k: u32) -> String {
    format!("{:02}..{:02}", k * 7 - 6, (k * 7).min(31))
}

/// A set of days as a compact list: runs of three or more as `a..b`.
fn day_list(days: &BTreeSet<u32>) -> String {
    runs(days.iter().copied().collect())
        .into_iter()
        .map(|(a, b)| match b - a {
            0 => format!("{a:02}"),
            1 => format!("{a:02},{b:02}"),
            _ => format!("{a:02}..{b:02}"),
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// A weekday set (0 = Sunday) in systemd's Monday-first order: `Mon..Fri`, `Sat,Sun`.
fn weekday_text(days: &BTreeSet<u32>) -> String {
    const NAMES: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    let monday_first: Vec<u32> = (0..7).filter(|i| days.contains(&((i + 1) % 7))).collect();
    runs(monday_first)
        .into_iter()
        .map(|(a, b)| {
            let (first, last) = (NAMES[a as usize], NAMES[b as usize]);
            match b - a {
                0 => first.to_owned(),
                1 => format!("{first},{last}"),
                _ => format!("{first}..{last}"),
            }
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// Consecutive runs `(first, last)` of a sorted list.
fn runs(values: Vec<u32>) -> Vec<(u32, u32)> {
    let mut out: Vec<(u32, u32)> = Vec::new();
    for v in values {
        match out.last_mut() {
            Some((_, last)) if *last + 1 == v => *last = v,
            _ => out.push((v, v)),
        }
    }
    out
}

/// A time or month field in systemd syntax, token by token.
fn translate(field: &str, name: &str, min: u32, max: u32) -> Result<String, String> {
    if field == "*" {
        return Ok("*".to_owned());
    }
    let tokens = field
        .split(',')
        .map(|token| translate_token(token, name, min, max))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(join_items(&tokens))
}

/// List items joined with `,`; systemd refuses `*` inside a list, and it means every value
/// anyway.
fn join_items(items: &[String]) -> String {
    if items.iter().any(|item| item == "*") {
        "*".to_owned()
    } else {
        items.join(",")
    }
}

/// One list item: `*`, `n`, `a-b`, `*/s`, `a-b/s` or `n/s` (from n to the end).
///
/// Steps are written as the list of values they stand for (`*/15` minutes → `00,15,30,45`),
/// never with systemd's own repetition syntax (`00/15`): systemd skips repetition values after
/// a day or month rollover in some cases (systemd#22665, systemd#40260, still seen in 252),
/// which the agreement test against `systemd-analyze` caught.
fn translate_token(token: &str, name: &str, min: u32, max: u32) -> Result<String, String> {
    let (range, step) = parse_token(token, name, min, max)?;
    let (a, b) = range.unwrap_or((min, max));
    Ok(match step.unwrap_or(1) {
        _ if a == b => format!("{a:02}"),
        1 if (a, b) == (min, max) => "*".to_owned(),
        1 => format!("{a:02}..{b:02}"),
        step => (a..=b)
            .step_by(step as usize)
            .map(|v| format!("{v:02}"))
            .collect::<Vec<_>>()
            .join(","),
    })
}

/// The values one list item stands for.
fn expand_token(token: &str, name: &str, min: u32, max: u32) -> Result<BTreeSet<u32>, String> {
    let (range, step) = parse_token(token, name, min, max)?;
    let (a, b) = range.unwrap_or((min, max));
    Ok((a..=b).step_by(step.unwrap_or(1) as usize).collect())
}

type Token = (Option<(u32, u32)>, Option<u32>);

/// Splits an item into its range (`None` for `*`) and step, checking the bounds. `n/s` means
/// `n-max/s`, as croner and robfig read it.
fn parse_token(token: &str, name: &str, min: u32, max: u32) -> Result<Token, String> {
    let bad = || format!("its {name} field item {token:?} cannot be converted");
    let (range, step) = match token.split_once('/') {
        Some((range, step)) => {
            let step: u32 = step.parse().ok().filter(|s| *s > 0).ok_or_else(bad)?;
            (range, Some(step))
        }
        None => (token, None),
    };
    let number = |text: &str| -> Result<u32, String> {
        text.parse::<u32>()
            .ok()
            .filter(|n| (min..=max).contains(n))
            .ok_or_else(bad)
    };
    let range = if range == "*" {
        None
    } else if let Some((a, b)) = range.split_once('-') {
        let (a, b) = (number(a)?, number(b)?);
        if a > b {
            return Err(bad());
        }
        Some((a, b))
    } else {
        let n = number(range)?;
        Some((n, if step.is_some() { max } else { n }))
    };
    Ok((range, step))
}

/// A year field. Years are 1970-2099 (what `schedule` accepts, all within systemd's
/// 1970-2199); steps are written as lists, like the other fields.
fn translate_year(field: &str) -> Result<String, String> {
    if field == "*" {
        return Ok("*".to_owned());
    }
    let (lo, hi) = YEARS;
    let mut items = Vec::new();
    for token in field.split(',') {
        let (range, step) = parse_token(token, "year", lo, hi)?;
        let (a, b) = range.unwrap_or(YEARS);
        items.push(match step.unwrap_or(1) {
            _ if a == b => a.to_string(),
            1 => format!("{a}..{b}"),
            step => (a..=b)
                .step_by(step as usize)
                .map(|y| y.to_string())
                .collect::<Vec<_>>()
                .join(","),
        });
    }
    Ok(items.join(","))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schedule::Schedule;

    fn convert(schedule: &str) -> Result<Vec<String>, String> {
        on_calendar(&Schedule::parse(schedule).unwrap().fields().unwrap())
    }

    fn one(schedule: &str) -> String {
        let lines = convert(schedule).unwrap();
        assert_eq!(lines.len(), 1, "{schedule}: {lines:?}");
        lines[0].clone()
    }

    #[test]
    fn time_fields() {
        assert_eq!(one("0 2 * * *"), "*-*-* 02:00:00");
        assert_eq!(one("*/15 * * * *"), "*-*-* *:00,15,30,45:00");
        assert_eq!(one("10-40/10 9-17 * * *"), "*-*-* 09..17:10,20,30,40:00");
        assert_eq!(one("1,15,30 0 * * *"), "*-*-* 00:01,15,30:00");
        assert_eq!(one("*/10 * * * * *"), "*-*-* *:*:00,10,20,30,40,50");
        assert_eq!(one("0 30 6 * * *"), "*-*-* 06:30:00");
        assert_eq!(one("5-59/20 * * * *"), "*-*-* *:05,25,45:00");
        assert_eq!(one("0,30 */1 * * *"), "*-*-* *:00,30:00");
    }

    #[test]
    fn nicknames_and_names() {
        assert_eq!(one("@daily"), "*-*-* 00:00:00");
        assert_eq!(one("@hourly"), "*-*-* *:00:00");
        assert_eq!(one("@weekly"), "Sun *-*-* 00:00:00");
        assert_eq!(one("@monthly"), "*-*-01 00:00:00");
        assert_eq!(one("@yearly"), "*-01-01 00:00:00");
        assert_eq!(
            one("30 6 * jan-mar mon-fri"),
            "Mon..Fri *-01..03-* 06:30:00"
        );
        assert_eq!(one("0 0 * * 7"), "Sun *-*-* 00:00:00");
        assert_eq!(one("0 0 * * 0,6"), "Sat,Sun *-*-* 00:00:00");
        assert_eq!(one("0 0 * * 5-7"), "Fri..Sun *-*-* 00:00:00");
        assert_eq!(one("0 0 * * */2"), "Tue,Thu,Sat,Sun *-*-* 00:00:00");
    }

    #[test]
    fn both_day_fields_restricted_is_two_lines() {
        assert_eq!(
            convert("0 0 15 * 5").unwrap(),
            vec!["*-*-15 00:00:00", "Fri *-*-* 00:00:00"]
        );
    }

    #[test]
    fn a_starred_day_field_is_an_and() {
        // Vixie: `*/2` counts as unrestricted, so odd days that are Mondays.
        assert_eq!(
            one("0 0 */2 * 1"),
            "Mon *-*-01,03,05,07,09,11,13,15,17,19,21,23,25,27,29,31 00:00:00"
        );
        assert_eq!(one("0 0 1-7 * */2"), "Tue,Thu,Sat,Sun *-*-01..07 00:00:00");
    }

    #[test]
    fn last_and_nth() {
        assert_eq!(one("0 0 L * *"), "*-*~01 00:00:00");
        assert_eq!(one("0 0 * * 5L"), "Fri *-*~01..07 00:00:00");
        assert_eq!(one("0 0 * * 1#2"), "Mon *-*-08..14 00:00:00");
        assert_eq!(one("0 0 * * 1#5"), "Mon *-*-29..31 00:00:00");
        assert_eq!(one("0 0 */2 * 1#2"), "Mon *-*-09,11,13 00:00:00");
        assert_eq!(
            convert("0 0 1,L * *").unwrap(),
            vec!["*-*-01 00:00:00", "*-*~01 00:00:00"]
        );
        assert_eq!(
            convert("0 0 L * 1#1").unwrap(),
            vec!["*-*~01 00:00:00", "Mon *-*-01..07 00:00:00"]
        );
    }

    #[test]
    fn years() {
        assert_eq!(one("0 0 0 1 1 * 2030"), "2030-01-01 00:00:00");
        assert_eq!(one("0 0 0 1 1 * 2030-2040"), "2030..2040-01-01 00:00:00");
        assert_eq!(
            one("0 0 0 1 1 * 2026-2032/2"),
            "2026,2028,2030,2032-01-01 00:00:00"
        );
        assert_eq!(
            one("0 0 0 1 1 * 2030-2040/5,2050"),
            "2030,2035,2040,2050-01-01 00:00:00"
        );
    }

    #[test]
    fn refusals_say_why() {
        let err = convert("0 0 15W * *").unwrap_err();
        assert!(err.contains("nearest"), "{err}");
        let err = convert("0 0 LW * *").unwrap_err();
        assert!(err.contains("nearest"), "{err}");
    }

    #[test]
    fn weekday_runs() {
        let set = |v: &[u32]| v.iter().copied().collect::<BTreeSet<u32>>();
        assert_eq!(weekday_text(&set(&[1, 2, 3, 4, 5])), "Mon..Fri");
        assert_eq!(weekday_text(&set(&[0, 1])), "Mon,Sun");
        assert_eq!(weekday_text(&set(&[1, 2, 4])), "Mon,Tue,Thu");
        assert_eq!(day_list(&set(&[1, 2, 3, 5, 7, 8])), "01..03,05,07,08");
    }
}
