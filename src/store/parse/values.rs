//! Reading single values of the job file, each with its position: strings, booleans, counts,
//! choices, maps and status codes, and the messages for unknown keys and wrong types.

use std::collections::BTreeMap;
use std::ops::Range;

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use crate::store::problem::{LineIndex, Problem};

/// A value as parsed, with its span.
pub(super) type Item<'i> = Spanned<DeValue<'i>>;

/// Where values are read: a job's keys, or `[defaults]` (prefix `defaults.`), or a nested
/// table of either (`http.`, `notify.`).
pub(super) struct Place<'p> {
    pub(super) job: Option<&'p str>,
    pub(super) prefix: &'p str,
}

impl Place<'_> {
    pub(super) const DEFAULTS: Place<'static> = Place {
        job: None,
        prefix: "defaults.",
    };

    pub(super) fn key(&self, key: &str) -> String {
        format!("{}{key}", self.prefix)
    }
}

/// Reads values and collects every problem found, with its line and column.
pub(super) struct Reader<'a> {
    pub(super) lines: &'a LineIndex<'a>,
    pub(super) problems: Vec<Problem>,
    pub(super) schedules: &'a mut crate::store::resolve::ScheduleCache,
    /// Set when warnings are wanted (`check`): the time "never fires" is judged from.
    pub(super) warn_at: Option<chrono::DateTime<chrono::Utc>>,
    /// What is doubtful but not invalid (see `parse::Parsed::warnings`).
    pub(super) warnings: Vec<Problem>,
    /// Whether a schedule (text, zone) ever fires after `warn_at`, once per distinct pair.
    pub(super) fires: std::collections::HashMap<(String, String), bool>,
    /// The webhook paths taken so far, with the job that has each.
    pub(super) hooks: std::collections::HashMap<String, String>,
    /// When validating a changed file: what it must read back as.
    pub(super) expected: Option<&'a crate::store::readback::Expected<'a>>,
    /// Whether the file's `[defaults]` are those the jobs the change wrote were checked
    /// against: then such a job that reads back as written is not checked again.
    pub(super) trust_written: bool,
}

impl Reader<'_> {
    pub(super) fn push(
        &mut self,
        job: Option<&str>,
        key: Option<&str>,
        span: Option<Range<usize>>,
        message: String,
    ) {
        let mut problem = Problem::new(job, key, message);
        problem.position = span.map(|span| self.lines.position(span.start));
        self.problems.push(problem);
    }

    pub(super) fn wrong_type(
        &mut self,
        place: &Place<'_>,
        key: &str,
        span: Range<usize>,
        item: &DeValue<'_>,
        expected: &str,
    ) {
        let message = format!("expected {expected}, found {}", describe(item));
        self.push(place.job, Some(&place.key(key)), Some(span), message);
    }

    pub(super) fn unknown_key(
        &mut self,
        place: &Place<'_>,
        key: &str,
        span: Range<usize>,
        known: &[&str],
    ) {
        let hint = closest(key, known)
            .map(|k| format!("did you mean {k:?}? "))
            .unwrap_or_default();
        let message = format!("unknown key; {hint}known keys are {}", known.join(", "));
        self.push(place.job, Some(&place.key(key)), Some(span), message);
    }

    pub(super) fn table<'v, 'i>(
        &mut self,
        place: &Place<'_>,
        key: &str,
        span: Range<usize>,
        item: &'v DeValue<'i>,
    ) -> Option<&'v DeTable<'i>> {
        let table = item.as_table();
        if table.is_none() {
            self.wrong_type(place, key, span, item, "a table");
        }
        table
    }

    pub(super) fn string(
        &mut self,
        place: &Place<'_>,
        key: &str,
        span: Range<usize>,
        item: &DeValue<'_>,
    ) -> Option<String> {
        let value = item.as_str().map(str::to_owned);
        if value.is_none() {
            self.wrong_type(place, key, span, item, "a string");
        }
        value
    }

    pub(super) fn boolean(
        &mut self,
        place: &Place<'_>,
        key: &str,
        span: Range<usize>,
        item: &DeValue<'_>,
    ) -> Option<bool> {
        let value = item.as_bool();
        if value.is_none() {
            self.wrong_type(place, key, span, item, "true or false");
        }
        value
    }

    /// A whole number from 0 to `max`.
    pub(super) fn count(
        &mut self,
        place: &Place<'_>,
        key: &str,
        span: Range<usize>,
        item: &DeValue<'_>,
        max: u32,
    ) -> Option<u32> {
        let value = integer(item)
            .and_then(|n| u32::try_from(n).ok())
            .filter(|n| *n <= max);
        match item {
            _ if value.is_some() => {}
            // Too large, also beyond what an i64 holds.
            DeValue::Integer(n) if !n.as_str().starts_with('-') => {
                let message = format!("{key} = {n} is too large; use at most {max}");
                self.push(place.job, Some(&place.key(key)), Some(span), message);
            }
            _ => {
                let expected = format!("a whole number from 0 to {max}");
                self.wrong_type(place, key, span, item, &expected);
            }
        }
        value
    }

    pub(super) fn choice<T: Copy>(
        &mut self,
        place: &Place<'_>,
        key: &str,
        span: Range<usize>,
        item: &DeValue<'_>,
        options: &[(&str, T)],
    ) -> Option<T> {
        let text = self.string(place, key, span.clone(), item)?;
        let found = options
            .iter()
            .find(|(name, _)| *name == text)
            .map(|(_, v)| *v);
        if found.is_none() {
            let names: Vec<_> = options.iter().map(|(name, _)| *name).collect();
            let message = format!("{text:?} is not one of {}", names.join(", "));
            self.push(place.job, Some(&place.key(key)), Some(span), message);
        }
        found
    }

    pub(super) fn string_map(
        &mut self,
        place: &Place<'_>,
        key: &str,
        span: Range<usize>,
        item: &DeValue<'_>,
    ) -> Option<BTreeMap<String, String>> {
        let table = self.table(place, key, span, item)?;
        let mut map = BTreeMap::new();
        let mut ok = true;
        for (name, value) in table {
            match value.get_ref().as_str() {
                Some(text) => {
                    map.insert(name.get_ref().to_string(), text.to_owned());
                }
                None => {
                    ok = false;
                    let nested = format!("{key}.{}", name.get_ref());
                    self.wrong_type(place, &nested, name.span(), value.get_ref(), "a string");
                }
            }
        }
        ok.then_some(map)
    }

    /// A list of strings; a single string is a list of one.
    pub(super) fn string_list(
        &mut self,
        place: &Place<'_>,
        key: &str,
        span: Range<usize>,
        item: &DeValue<'_>,
    ) -> Option<Vec<String>> {
        let list: Option<Vec<String>> = match item {
            DeValue::Array(array) => array
                .iter()
                .map(|v| v.get_ref().as_str().map(str::to_owned))
                .collect(),
            DeValue::String(text) => Some(vec![text.to_string()]),
            _ => None,
        };
        if list.is_none() {
            self.wrong_type(
                place,
                key,
                span,
                item,
                "a list of job names like [\"backup\"]",
            );
        }
        list
    }

    pub(super) fn codes(
        &mut self,
        place: &Place<'_>,
        key: &str,
        span: Range<usize>,
        item: &DeValue<'_>,
    ) -> Option<Vec<u16>> {
        let codes: Option<Vec<u16>> = match item {
            DeValue::Array(array) => array
                .iter()
                .map(|v| integer(v.get_ref()).and_then(|n| u16::try_from(n).ok()))
                .collect(),
            DeValue::Integer(_) => integer(item)
                .and_then(|n| u16::try_from(n).ok())
                .map(|n| vec![n]),
            _ => None,
        };
        if codes.is_none() {
            self.wrong_type(
                place,
                key,
                span,
                item,
                "a list of status codes like [200, 202]",
            );
        }
        codes
    }
}

/// The value of an integer, when it fits in an `i64`.
pub(super) fn integer(item: &DeValue<'_>) -> Option<i64> {
    let integer = item.as_integer()?;
    i64::from_str_radix(integer.as_str(), integer.radix()).ok()
}

/// "the string ...", "the number 5", ... for messages about wrong types.
pub(super) fn describe(item: &DeValue<'_>) -> String {
    match item {
        DeValue::String(s) => format!("the string {s:?}"),
        DeValue::Integer(n) => format!("the number {n}"),
        DeValue::Float(n) => format!("the number {n}"),
        DeValue::Boolean(b) => format!("{b}"),
        DeValue::Datetime(_) => "a date-time".into(),
        DeValue::Array(_) => "a list".into(),
        DeValue::Table(_) => "a table".into(),
    }
}

/// The known key closest to a misspelt one, when it is close enough to be a typo.
pub(super) fn closest<'k>(key: &str, known: &[&'k str]) -> Option<&'k str> {
    known
        .iter()
        .map(|k| (distance(key, k), *k))
        .filter(|(d, k)| *d <= 2.max(k.len() / 4) && *d < k.len())
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

/// Levenshtein distance (keys are short).
pub(super) fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut previous = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitute = previous + usize::from(ca != *cb);
            previous = row[j + 1];
            row[j + 1] = substitute.min(row[j] + 1).min(previous + 1);
        }
    }
    row[b.len()]
}
