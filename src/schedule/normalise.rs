//! Our validated fields rewritten as croner patterns that croner reads exactly as Vixie cron
//! (plus our `L`, `W`, `#` and year rules) does. Where croner would read an accepted input
//! differently, the pattern says the same thing in terms croner reads our way:
//!
//! - names are numbers, values lose leading zeros, `WL` is `LW`, `7L` and `7#n` are `0L`/`0#n`;
//! - `*` inside a list is the field's full range (croner accepts `*` only as a whole field);
//! - a step larger than its range keeps only the range's first value (croner parses steps as
//!   16-bit numbers and fails when value + step overflows them: `1-31/4294967295`);
//! - in the year field, `*` and `*/n` are `1970-2099` and `1970-2099/n` (croner counts year
//!   steps from year 1 and lets `*` run to year 5000; our years are 1970-2099);
//! - a schedule without a year field gets the window `from-(from+400)` of the search: the
//!   Gregorian calendar, weekdays included, repeats every 400 years, so the window gives the
//!   same answers as an endless search, and croner fills a 400-year table instead of its
//!   5,000-year one (14 µs and 5 KiB per pattern, see `engine`);
//! - `L` and `LW` in one day-of-month field become two patterns, one with each, whose union
//!   is the schedule: croner reads `L,LW` as `LW` alone.
//!
//! The Vixie day rule is the parser option, not the pattern: `dom_and_dow` exactly when either
//! day field starts with `*` (see `engine`).

use super::parse::{Field, Item, Kind};
use super::spec::Spec;

/// How many years past its start a search of a schedule without a year field looks: the
/// Gregorian calendar's whole cycle, so nothing that can ever match is missed.
pub(crate) const YEAR_WINDOW: i32 = 400;
/// Croner's last year.
const CRONER_LAST_YEAR: i32 = 5000;

/// The croner patterns (seconds first, year last) whose union of matches is the schedule's
/// for searches starting in `from_year` or later; one pattern except for `L,LW` (see the
/// module doc).
pub(crate) fn patterns(spec: &Spec, from_year: i32) -> Vec<String> {
    let dom = &spec.day_of_month.items;
    let split = dom.contains(&Item::Last) && dom.contains(&Item::LastWeekday);
    let day_of_month_variants: Vec<String> = if split {
        vec![
            items_text(&spec.day_of_month, Some(Item::LastWeekday)),
            items_text(&spec.day_of_month, Some(Item::Last)),
        ]
    } else {
        vec![items_text(&spec.day_of_month, None)]
    };
    day_of_month_variants
        .into_iter()
        .map(|day_of_month| {
            let mut parts = vec![
                items_text(&spec.second, None),
                items_text(&spec.minute, None),
                items_text(&spec.hour, None),
                day_of_month,
                items_text(&spec.month, None),
                items_text(&spec.day_of_week, None),
            ];
            parts.push(match &spec.year {
                Some(year) => items_text(year, None),
                None => {
                    let first = from_year.clamp(1, CRONER_LAST_YEAR);
                    let last = first.saturating_add(YEAR_WINDOW).min(CRONER_LAST_YEAR);
                    format!("{first}-{last}")
                }
            });
            parts.join(" ")
        })
        .collect()
}

/// A field's items in croner's terms, leaving out `skip`.
fn items_text(field: &Field, skip: Option<Item>) -> String {
    if field.kind != Kind::Year && field.items == [Item::Star { step: 1 }] {
        return "*".to_owned();
    }
    let (first, last) = field.kind.bounds();
    let texts: Vec<String> = field
        .items
        .iter()
        .filter(|item| Some(**item) != skip)
        .map(|item| match *item {
            Item::Star { step } => stepped(first, last, step),
            Item::Value(v) => v.to_string(),
            Item::Range { lo, hi, step } => stepped(lo, hi, step),
            Item::Last => "L".to_owned(),
            Item::LastWeekday => "LW".to_owned(),
            Item::Nearest(day) => format!("{day}W"),
            Item::LastOf(weekday) => format!("{weekday}L"),
            Item::Nth { weekday, n } => format!("{weekday}#{n}"),
        })
        .collect();
    texts.join(",")
}

/// `lo-hi/step` with the step left out when 1, and only `lo` when the step jumps past `hi`.
fn stepped(lo: u32, hi: u32, step: u32) -> String {
    if lo == hi || step > hi - lo {
        lo.to_string()
    } else if step == 1 {
        format!("{lo}-{hi}")
    } else {
        format!("{lo}-{hi}/{step}")
    }
}

#[cfg(test)]
mod tests {
    use super::super::Schedule;
    use super::*;

    fn patterns_from(expr: &str, from_year: i32) -> Vec<String> {
        let schedule = Schedule::parse(expr).unwrap();
        match &schedule.kind {
            super::super::Kind::Cron { spec, .. } => patterns(spec, from_year),
            super::super::Kind::Reboot => Vec::new(),
        }
    }

    /// The patterns of a search from 2026, without the year window of schedules that have no
    /// year field (`year_window_of_schedules_without_a_year` checks that).
    fn normalised(expr: &str) -> Vec<String> {
        patterns_from(expr, 2026)
            .into_iter()
            .map(|p| p.strip_suffix(" 2026-2426").map(str::to_owned).unwrap_or(p))
            .collect()
    }

    #[test]
    fn year_window_of_schedules_without_a_year() {
        assert_eq!(patterns_from("0 2 * * *", 2026), ["0 0 2 * * * 2026-2426"]);
        assert_eq!(patterns_from("0 2 * * *", -5), ["0 0 2 * * * 1-401"]);
        assert_eq!(patterns_from("0 2 * * *", 4800), ["0 0 2 * * * 4800-5000"]);
        assert_eq!(
            patterns_from("0 2 * * *", i32::MAX),
            ["0 0 2 * * * 5000-5000"]
        );
        // A year field is the user's, whatever the start.
        assert_eq!(
            patterns_from("0 0 0 1 1 * 2030", 2026),
            ["0 0 0 1 1 * 2030"]
        );
    }

    #[test]
    fn five_fields_get_zero_seconds_and_numbers_for_names() {
        assert_eq!(normalised("0 2 * * *"), ["0 0 2 * * *"]);
        assert_eq!(
            normalised("0 9 * JAN-mar mon-FRI,sun"),
            ["0 0 9 * 1-3 1-5,0"]
        );
        assert_eq!(normalised("05 007 01 * *"), ["0 5 7 1 * *"]);
        assert_eq!(normalised("@weekly"), ["0 0 0 * * 0"]);
    }

    #[test]
    fn stars_inside_lists_and_steps_become_ranges() {
        assert_eq!(normalised("*/15 * * * *"), ["0 0-59/15 * * * *"]);
        assert_eq!(normalised("1,* * * * *"), ["0 1,0-59 * * * *"]);
        assert_eq!(normalised("0 0 */2 * 1"), ["0 0 0 1-31/2 * 1"]);
        assert_eq!(normalised("0 0 * * */2"), ["0 0 0 * * 0-7/2"]);
        assert_eq!(normalised("0 0 * * 5-7"), ["0 0 0 * * 5-7"]);
    }

    #[test]
    fn steps_past_the_range_keep_the_first_value() {
        assert_eq!(normalised("*/61 * * * *"), ["0 0 * * * *"]);
        assert_eq!(normalised("0 0 1-31/4294967295 * *"), ["0 0 0 1 * *"]);
        assert_eq!(normalised("0 0 5-5/3 * *"), ["0 0 0 5 * *"]);
        assert_eq!(normalised("0 0 * * */8"), ["0 0 0 * * 0"]);
        assert_eq!(normalised("0 0 1-31/30 * *"), ["0 0 0 1-31/30 * *"]);
    }

    #[test]
    fn years_are_within_1970_2099() {
        assert_eq!(normalised("0 0 0 1 1 * *"), ["0 0 0 1 1 * 1970-2099"]);
        assert_eq!(normalised("0 0 0 1 1 * */2"), ["0 0 0 1 1 * 1970-2099/2"]);
        assert_eq!(
            normalised("0 0 0 1 1 * 2026,2099"),
            ["0 0 0 1 1 * 2026,2099"]
        );
        assert_eq!(normalised("0 0 0 1 1 * */200"), ["0 0 0 1 1 * 1970"]);
    }

    #[test]
    fn specials_in_croner_spelling() {
        assert_eq!(
            normalised("0 0 wl,15W * 7L,SUN#2,fri#5"),
            ["0 0 0 LW,15W * 0L,0#2,5#5"]
        );
        assert_eq!(
            normalised("0 0 L,1,LW * *"),
            ["0 0 0 L,1 * *", "0 0 0 1,LW * *"]
        );
    }
}
