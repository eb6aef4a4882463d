//! Parsing and validating the fields of a cron schedule into bit sets, with our own error
//! messages that name the field, the value and the allowed range (PRODUCT.md section 3).
//!
//! The grammar is Vixie cron's (`cronie/src/entry.c` `get_list`/`get_range`): lists, ranges,
//! a step only after `*` or a range, names in the month and day-of-week fields, day of week
//! 0-7, plus `L`, `W` and `#` in the day fields and the optional seconds and year fields.

use super::fields::{DAY_NAMES, MONTH_NAMES};

/// Which field of a schedule a value belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Second,
    Minute,
    Hour,
    DayOfMonth,
    Month,
    DayOfWeek,
    Year,
}

/// The first and last year a year field may name.
pub(crate) const FIRST_YEAR: u32 = 1970;
/// See [`FIRST_YEAR`].
pub(crate) const LAST_YEAR: u32 = 2099;

impl Kind {
    /// The field's name in messages.
    pub(crate) fn label(self) -> &'static str {
        match self {
            Kind::Second => "second",
            Kind::Minute => "minute",
            Kind::Hour => "hour",
            Kind::DayOfMonth => "day-of-month",
            Kind::Month => "month",
            Kind::DayOfWeek => "day-of-week",
            Kind::Year => "year",
        }
    }

    /// The smallest and largest value the field accepts (day of week: 0-7).
    pub(crate) fn bounds(self) -> (u32, u32) {
        match self {
            Kind::Second | Kind::Minute => (0, 59),
            Kind::Hour => (0, 23),
            Kind::DayOfMonth => (1, 31),
            Kind::Month => (1, 12),
            Kind::DayOfWeek => (0, 7),
            Kind::Year => (FIRST_YEAR, LAST_YEAR),
        }
    }

    fn names(self) -> Option<(&'static [&'static str], u32)> {
        match self {
            Kind::Month => Some((&MONTH_NAMES, 1)),
            Kind::DayOfWeek => Some((&DAY_NAMES, 0)),
            _ => None,
        }
    }

    fn range_text(self) -> String {
        let (lo, hi) = self.bounds();
        match self {
            Kind::Month => format!("{lo}-{hi} (or jan-dec)"),
            Kind::DayOfWeek => format!("{lo}-{hi} (0 and 7 are Sunday, or sun-sat)"),
            _ => format!("{lo}-{hi}"),
        }
    }
}

/// One comma-separated item of a field, values as numbers (names converted, 7 kept as 7).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Item {
    /// `*` or `*/step` (step 1 for a bare `*`).
    Star { step: u32 },
    /// A single value.
    Value(u32),
    /// `lo-hi` or `lo-hi/step`.
    Range { lo: u32, hi: u32, step: u32 },
    /// Day of month `L`: the last day of the month.
    Last,
    /// Day of month `LW`: the last weekday (Monday-Friday) of the month.
    LastWeekday,
    /// Day of month `nW`: the weekday nearest day n, within the month.
    Nearest(u32),
    /// Day of week `nL`: the last such weekday of the month (0-6, Sunday 0).
    LastOf(u32),
    /// Day of week `d#n`: the n-th such weekday of the month (weekday 0-6, n 1-5).
    Nth { weekday: u32, n: u32 },
}

/// A parsed field: its items and the set of plain values it allows.
#[derive(Debug, Clone)]
pub(crate) struct Field {
    pub(crate) kind: Kind,
    pub(crate) items: Vec<Item>,
    /// Plain values allowed, bit `v` (day of week 7 folded to 0). Always 0 for the year field:
    /// its 130 values do not fit, so `has` reads years from the items.
    pub(crate) bits: u128,
    /// The field's text starts with `*` (Vixie's `DOM_STAR`/`DOW_STAR` and fixed-time rule).
    pub(crate) star: bool,
}

impl Field {
    /// Whether the field is exactly `*` (every value, no step).
    pub(crate) fn is_every(&self) -> bool {
        self.items == [Item::Star { step: 1 }]
    }

    /// Whether the field allows plain value `v`.
    pub(crate) fn has(&self, v: u32) -> bool {
        if self.kind == Kind::Year {
            return self.items.iter().any(|item| covers(self.kind, *item, v));
        }
        v < 128 && self.bits & (1u128 << v) != 0
    }

    /// The smallest allowed plain value that is at least `v`, both counted from the field's
    /// base (years: `v - FIRST_YEAR`; other fields: the value itself).
    pub(crate) fn next_from(&self, v: u32) -> Option<u32> {
        let base = if self.kind == Kind::Year {
            FIRST_YEAR
        } else {
            0
        };
        let (_, hi) = self.kind.bounds();
        (v..=hi.checked_sub(base)?).find(|&i| self.has(i + base))
    }

    /// Whether the field uses `L`, `W` or `#`.
    pub(crate) fn has_special(&self) -> bool {
        self.items.iter().any(|item| {
            matches!(
                item,
                Item::Last
                    | Item::LastWeekday
                    | Item::Nearest(_)
                    | Item::LastOf(_)
                    | Item::Nth { .. }
            )
        })
    }
}

/// Parses one field's text; the error is the message after `invalid schedule "...": `.
pub(crate) fn parse_field(kind: Kind, text: &str) -> Result<Field, String> {
    let label = kind.label();
    if let Some(bad) = text
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '*' | ',' | '-' | '/' | '#' | '?')))
    {
        return Err(format!(
            "{label} field {} has an unexpected character {bad:?}",
            quote(text)
        ));
    }
    if text.contains('?') {
        return Err(format!(
            "{label} field {}: '?' is not cron syntax, use * instead",
            quote(text)
        ));
    }
    let mut field = Field {
        kind,
        items: Vec::new(),
        bits: 0,
        star: text.starts_with('*'),
    };
    for item_text in text.split(',') {
        if item_text.is_empty() {
            return Err(format!(
                "{label} field {} has an empty list item: remove the extra comma",
                quote(text)
            ));
        }
        let item = parse_item(kind, item_text)?;
        add_bits(&mut field, item);
        if !field.items.contains(&item) {
            field.items.push(item);
        }
    }
    Ok(field)
}

fn add_bits(field: &mut Field, item: Item) {
    if field.kind == Kind::Year {
        return;
    }
    let (lo, hi) = field.kind.bounds();
    let (from, to, step) = match item {
        Item::Star { step } => (lo, hi, step),
        Item::Value(v) => (v, v, 1),
        Item::Range { lo, hi, step } => (lo, hi, step),
        _ => return,
    };
    let mut v = from;
    while v <= to {
        let bit = if field.kind == Kind::DayOfWeek && v == 7 {
            0
        } else {
            v
        };
        field.bits |= 1u128 << bit;
        match v.checked_add(step) {
            Some(next) => v = next,
            None => break,
        }
    }
}

/// Whether a plain item (`*`, a value, a range, with steps) allows value `v` of its field.
fn covers(kind: Kind, item: Item, v: u32) -> bool {
    let (lo, hi, step) = match item {
        Item::Star { step } => {
            let (lo, hi) = kind.bounds();
            (lo, hi, step)
        }
        Item::Value(x) => (x, x, 1),
        Item::Range { lo, hi, step } => (lo, hi, step),
        _ => return false,
    };
    (lo..=hi).contains(&v) && (v - lo).is_multiple_of(step)
}

fn parse_item(kind: Kind, text: &str) -> Result<Item, String> {
    let label = kind.label();
    let upper = text.to_ascii_uppercase();
    if let Some(item) = parse_special(kind, text, &upper)? {
        return Ok(item);
    }
    if upper.contains('#') || (kind != Kind::Month && kind != Kind::DayOfWeek && has_lw(&upper)) {
        let what = if upper.contains('#') { "#" } else { "L and W" };
        return Err(format!(
            "{label} field {}: {what} only work in the day fields (e.g. 15W or L in \
             day-of-month, 5L or 1#2 in day-of-week)",
            quote(text)
        ));
    }
    let (base, step) = match text.split_once('/') {
        Some((base, step_text)) => {
            if step_text.contains('/') {
                return Err(format!("{label} field {} has more than one /", quote(text)));
            }
            (base, Some(parse_step(kind, text, step_text)?))
        }
        None => (text, None),
    };
    if base == "*" {
        return Ok(Item::Star {
            step: step.unwrap_or(1),
        });
    }
    if base.contains('*') {
        return Err(format!(
            "{label} field {}: * must stand alone (as * or */n)",
            quote(text)
        ));
    }
    match base.split_once('-') {
        Some((lo_text, hi_text)) => {
            if lo_text.is_empty() || hi_text.is_empty() || hi_text.contains('-') {
                return Err(format!(
                    "{label} range {} must be written low-high, like 1-5",
                    quote(base)
                ));
            }
            let lo = parse_value(kind, lo_text)?;
            let hi = parse_value(kind, hi_text)?;
            if lo > hi {
                return Err(format!(
                    "{label} range {base} is reversed: write the smaller value first ({hi_text}-{lo_text})"
                ));
            }
            Ok(Item::Range {
                lo,
                hi,
                step: step.unwrap_or(1),
            })
        }
        None => {
            let value = parse_value(kind, base)?;
            if step.is_some() {
                let (_, hi) = kind.bounds();
                return Err(format!(
                    "{label} field {}: a step needs * or a range before it, \
                     like */n or {base}-{hi}/n",
                    quote(text)
                ));
            }
            Ok(Item::Value(value))
        }
    }
}

fn has_lw(upper: &str) -> bool {
    // A name like "jul" or "wed" contains L or W legitimately; only bare digits with L/W count.
    upper.contains('L') || upper.contains('W')
}

/// `L`, `LW`, `nW` in day of month; `nL`, `n#k` in day of week.
fn parse_special(kind: Kind, text: &str, upper: &str) -> Result<Option<Item>, String> {
    let label = kind.label();
    match kind {
        Kind::DayOfMonth => {
            if upper == "L" {
                return Ok(Some(Item::Last));
            }
            if upper == "LW" || upper == "WL" {
                return Ok(Some(Item::LastWeekday));
            }
            if let Some(day) = upper.strip_suffix('W')
                && !day.is_empty()
                && day.bytes().all(|b| b.is_ascii_digit())
            {
                let day = parse_value(kind, day)?;
                return Ok(Some(Item::Nearest(day)));
            }
            if upper.contains('L') || upper.contains('W') {
                return Err(format!(
                    "day-of-month field {}: write L (last day), LW (last weekday) or \
                     a day with W such as 15W (nearest weekday)",
                    quote(text)
                ));
            }
            Ok(None)
        }
        Kind::DayOfWeek => {
            if let Some((day, nth)) = text.split_once('#') {
                let wrong = |why: &str| {
                    format!(
                        "{label} field {}: {why}, like 1#2 (the second Monday) or fri#1",
                        quote(text)
                    )
                };
                if day.is_empty() {
                    return Err(wrong(
                        "# needs a weekday before it and the week of the month (1-5) after it",
                    ));
                }
                if !day.chars().all(|c| c.is_ascii_alphanumeric()) {
                    return Err(wrong("# takes one weekday before it, not a range or step"));
                }
                let weekday = parse_value(kind, day)? % 7;
                let n = match nth.parse::<u32>() {
                    Ok(n @ 1..=5) => n,
                    _ if nth.is_empty() => {
                        return Err(wrong("# needs the week of the month (1-5) after it"));
                    }
                    _ => {
                        return Err(wrong(
                            "the number after # is the week of the month and must be 1-5",
                        ));
                    }
                };
                return Ok(Some(Item::Nth { weekday, n }));
            }
            if upper == "L" {
                return Err(format!(
                    "{label} field \"L\": say which weekday, like 5L for the last Friday \
                     (or use L in the day-of-month field for the last day of the month)"
                ));
            }
            if let Some(day) = upper.strip_suffix('L')
                && !day.is_empty()
                && day.bytes().all(|b| b.is_ascii_digit())
            {
                return Ok(Some(Item::LastOf(parse_value(kind, day)? % 7)));
            }
            Ok(None)
        }
        _ => Ok(None),
    }
}

/// A step after `/`: any number from 1 (cronie accepts steps larger than the field, which
/// then select only the first value).
fn parse_step(kind: Kind, text: &str, step_text: &str) -> Result<u32, String> {
    let label = kind.label();
    if step_text.is_empty() || !step_text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!(
            "{label} field {}: the step after / must be a number",
            quote(text)
        ));
    }
    match step_text.parse::<u32>() {
        Ok(0) => Err(format!(
            "{label} field {}: step must be at least 1",
            quote(text)
        )),
        Ok(step) => Ok(step),
        Err(_) => Err(format!("{label} step {} is too large", shorten(step_text))),
    }
}

fn parse_value(kind: Kind, text: &str) -> Result<u32, String> {
    let label = kind.label();
    let (lo, hi) = kind.bounds();
    if text.bytes().all(|b| b.is_ascii_digit()) {
        return match text.parse::<u32>() {
            Ok(v) if (lo..=hi).contains(&v) => Ok(v),
            _ => Err(format!(
                "{label} {} is out of range {}",
                shorten(text),
                kind.range_text()
            )),
        };
    }
    if let Some((names, offset)) = kind.names() {
        let lower = text.to_ascii_lowercase();
        if let Some(i) = names.iter().position(|n| *n == lower) {
            return Ok(i as u32 + offset);
        }
        let (first, last) = (names[0], names[names.len() - 1]);
        return Err(format!(
            "unknown {label} name {}: use {first}-{last} or {}",
            quote(text),
            kind.range_text().split(' ').next().unwrap_or_default()
        ));
    }
    Err(format!(
        "{label} {} is not a number: use {}",
        quote(text),
        kind.range_text()
    ))
}

/// Quotes user text for a message, shortened when very long.
pub(crate) fn quote(text: &str) -> String {
    format!("{:?}", shorten(text))
}

/// Cuts very long text to a readable length (on a character boundary).
pub(crate) fn shorten(text: &str) -> String {
    const MAX: usize = 40;
    if text.chars().count() <= MAX {
        return text.to_owned();
    }
    let mut out: String = text.chars().take(MAX).collect();
    out.push_str("...");
    out
}

#[cfg(test)]
mod tests;
