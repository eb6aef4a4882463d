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
//! - `L` and `LW` in one day-of-month field become two patterns, one with each, whose union
//!   is the schedule: croner reads `L,LW` as `LW` alone.
//!
//! The Vixie day rule is the parser option, not the pattern: `dom_and_dow` exactly when either
//! day field starts with `*` (see `engine`).

use super::parse::{Field, Item, Kind};
use super::spec::Spec;

/// The croner patterns (seconds first, year last when the schedule has one) whose union of
/// matches is the schedule's; one pattern except for `L,LW` (see the module doc).
pub(crate) fn patterns(spec: &Spec) -> Vec<String> {
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
            if let Some(year) = &spec.year {
                parts.push(items_text(year, None));
            }
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

    fn normalised(expr: &str) -> Vec<String> {
        let schedule = Schedule::parse(expr).unwrap();
        match &schedule.kind {
            super::super::Kind::Cron { spec, .. } => patterns(spec),
            super::super::Kind::Reboot => Vec::new(),
        }
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
