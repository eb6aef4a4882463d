//! Reading the job file's text into `Raw*` values and then `Job`s, collecting every problem with
//! the line and column of the key it is about.
//!
//! The text is parsed once, with `toml_edit`, which keeps the position of every key; values are
//! then read key by key (not with serde), so that every unknown key and every wrong type is
//! reported, not only the first one of each job.

use std::collections::{BTreeMap, HashSet};
use std::ops::Range;

use toml_edit::{Document, Item, TableLike, Value};

use super::Job;
use super::model::{CatchUp, NotifyOn, Overlap, RawDefaults, RawHttp, RawJob, RawNotify};
use super::problem::{LineIndex, Problem};
use super::resolve::{check_url, invalid_name_message, resolve, valid_name};
use crate::zone::Zone;

/// The keys a `[jobs.NAME]` table may hold.
pub(crate) const JOB_KEYS: &[&str] = &[
    "description",
    "schedule",
    "command",
    "shell",
    "workdir",
    "http",
    "timezone",
    "enabled",
    "timeout",
    "retries",
    "retry_delay",
    "overlap",
    "catch_up",
    "env",
    "notify",
];
const DEFAULTS_KEYS: &[&str] = &[
    "timezone",
    "timeout",
    "retries",
    "retry_delay",
    "overlap",
    "catch_up",
    "shell",
    "notify",
];
const HTTP_KEYS: &[&str] = &["method", "url", "headers", "body", "expect"];
const NOTIFY_KEYS: &[&str] = &["url", "on", "secret"];

/// Everything learnt from one parse of a job file's text.
pub(crate) struct Parsed<'t> {
    /// The document, when the text is valid TOML.
    pub(crate) document: Option<Document<&'t str>>,
    /// `[defaults]` as written, without the values that are invalid.
    pub(crate) defaults: RawDefaults,
    /// Valid jobs, in file order.
    pub(crate) jobs: Vec<Job>,
    /// Every problem, in file order.
    pub(crate) problems: Vec<Problem>,
}

/// Parses the text of a job file into valid jobs and problems.
pub(crate) fn parse(text: &str) -> (Vec<Job>, Vec<Problem>) {
    let parsed = parse_document(text);
    (parsed.jobs, parsed.problems)
}

/// Parses the text of a job file, keeping the document for editing.
pub(crate) fn parse_document(text: &str) -> Parsed<'_> {
    let lines = LineIndex::new(text);
    let mut reader = Reader {
        lines: &lines,
        problems: Vec::new(),
    };
    let document = match Document::parse(text) {
        Ok(document) => document,
        Err(err) => {
            let mut problem = Problem::new(
                None,
                None,
                format!("not valid TOML: {}", first_line(err.message())),
            );
            problem.position = err.span().map(|span| lines.position(span.start));
            return Parsed {
                document: None,
                defaults: RawDefaults::default(),
                jobs: Vec::new(),
                problems: vec![problem],
            };
        }
    };
    let root = document.as_table();
    let mut defaults = RawDefaults::default();
    let mut jobs = Vec::new();
    for (key, item) in root.iter() {
        let span = root.key(key).and_then(toml_edit::Key::span);
        match key {
            "defaults" => {
                if let Some(table) = reader.table(&Place::DEFAULTS, "defaults", span, item) {
                    defaults = reader.defaults(table);
                }
            }
            "jobs" => {}
            other => {
                let hint = if item
                    .as_table_like()
                    .is_some_and(|t| t.contains_key("schedule"))
                {
                    format!("; did you mean [jobs.{other}]?")
                } else {
                    String::new()
                };
                reader.push(
                    None,
                    Some(other),
                    span,
                    format!(
                        "unknown top-level key; the file holds [defaults] and [jobs.NAME] tables{hint}"
                    ),
                );
            }
        }
    }
    if let Some((key, item)) = root.get_key_value("jobs") {
        let place = Place {
            job: None,
            prefix: "",
        };
        if let Some(table) = reader.table(&place, "jobs", key.span(), item) {
            jobs.reserve(table.len());
            for (name, item) in table.iter() {
                let key_span = table.key(name).and_then(toml_edit::Key::span);
                if let Some(job) = reader.job(name, key_span, item, &defaults) {
                    jobs.push(job);
                }
            }
        }
    }
    let mut problems = reader.problems;
    // Problems from `[defaults]` come first in the file only when it is written first; keep
    // them in file order so `check` reads top to bottom.
    problems.sort_by_key(|p| p.position.unwrap_or((usize::MAX, 0)));
    Parsed {
        document: Some(document),
        defaults,
        jobs,
        problems,
    }
}

/// Where values are read: a job's keys, or `[defaults]` (prefix `defaults.`), or a nested
/// table of either (`http.`, `notify.`).
struct Place<'p> {
    job: Option<&'p str>,
    prefix: &'p str,
}

impl Place<'_> {
    const DEFAULTS: Place<'static> = Place {
        job: None,
        prefix: "defaults.",
    };

    fn key(&self, key: &str) -> String {
        format!("{}{key}", self.prefix)
    }
}

struct Reader<'a> {
    lines: &'a LineIndex<'a>,
    problems: Vec<Problem>,
}

impl Reader<'_> {
    fn push(
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

    fn wrong_type(
        &mut self,
        place: &Place<'_>,
        key: &str,
        span: Option<Range<usize>>,
        item: &Item,
        expected: &str,
    ) {
        let message = format!("expected {expected}, found {}", describe(item));
        self.push(place.job, Some(&place.key(key)), span, message);
    }

    fn unknown_key(
        &mut self,
        place: &Place<'_>,
        key: &str,
        span: Option<Range<usize>>,
        known: &[&str],
    ) {
        let hint = closest(key, known)
            .map(|k| format!("did you mean {k:?}? "))
            .unwrap_or_default();
        let message = format!("unknown key; {hint}known keys are {}", known.join(", "));
        self.push(place.job, Some(&place.key(key)), span, message);
    }

    fn table<'i>(
        &mut self,
        place: &Place<'_>,
        key: &str,
        span: Option<Range<usize>>,
        item: &'i Item,
    ) -> Option<&'i dyn TableLike> {
        let table = item.as_table_like();
        if table.is_none() {
            self.wrong_type(place, key, span, item, "a table");
        }
        table
    }

    fn string(
        &mut self,
        place: &Place<'_>,
        key: &str,
        span: Option<Range<usize>>,
        item: &Item,
    ) -> Option<String> {
        let value = item.as_str().map(str::to_owned);
        if value.is_none() {
            self.wrong_type(place, key, span, item, "a string");
        }
        value
    }

    fn boolean(
        &mut self,
        place: &Place<'_>,
        key: &str,
        span: Option<Range<usize>>,
        item: &Item,
    ) -> Option<bool> {
        let value = item.as_bool();
        if value.is_none() {
            self.wrong_type(place, key, span, item, "true or false");
        }
        value
    }

    fn count(
        &mut self,
        place: &Place<'_>,
        key: &str,
        span: Option<Range<usize>>,
        item: &Item,
    ) -> Option<u32> {
        let value = item.as_integer().and_then(|n| u32::try_from(n).ok());
        if value.is_none() {
            self.wrong_type(place, key, span, item, "a whole number, 0 or more");
        }
        value
    }

    fn choice<T: Copy>(
        &mut self,
        place: &Place<'_>,
        key: &str,
        span: Option<Range<usize>>,
        item: &Item,
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
            self.push(place.job, Some(&place.key(key)), span, message);
        }
        found
    }

    fn string_map(
        &mut self,
        place: &Place<'_>,
        key: &str,
        span: Option<Range<usize>>,
        item: &Item,
    ) -> Option<BTreeMap<String, String>> {
        let table = self.table(place, key, span, item)?;
        let mut map = BTreeMap::new();
        let mut ok = true;
        for (name, value) in table.iter() {
            let name_span = table.key(name).and_then(toml_edit::Key::span);
            match value.as_str() {
                Some(text) => {
                    map.insert(name.to_owned(), text.to_owned());
                }
                None => {
                    ok = false;
                    self.wrong_type(
                        place,
                        &format!("{key}.{name}"),
                        name_span,
                        value,
                        "a string",
                    );
                }
            }
        }
        ok.then_some(map)
    }

    fn codes(
        &mut self,
        place: &Place<'_>,
        key: &str,
        span: Option<Range<usize>>,
        item: &Item,
    ) -> Option<Vec<u16>> {
        let codes: Option<Vec<u16>> = match item {
            Item::Value(Value::Array(array)) => array
                .iter()
                .map(|v| v.as_integer().and_then(|n| u16::try_from(n).ok()))
                .collect(),
            Item::Value(Value::Integer(n)) => u16::try_from(*n.value()).ok().map(|n| vec![n]),
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

    /// Reads `[defaults]`, checking the values that do not depend on a job; invalid values are
    /// reported once here and left out, so that jobs do not each report them again.
    fn defaults(&mut self, table: &dyn TableLike) -> RawDefaults {
        let place = Place::DEFAULTS;
        let mut out = RawDefaults::default();
        for (key, item) in table.iter() {
            let span = table.key(key).and_then(toml_edit::Key::span);
            match key {
                "timezone" => {
                    out.timezone = self.string(&place, key, span.clone(), item).filter(|zone| {
                        Zone::parse(zone)
                            .map_err(|err| {
                                self.push(None, Some("defaults.timezone"), span.clone(), err)
                            })
                            .is_ok()
                    });
                }
                "timeout" | "retry_delay" => {
                    let value = self.string(&place, key, span.clone(), item).filter(|text| {
                        crate::duration::parse(text)
                            .map_err(|err| {
                                self.push(
                                    None,
                                    Some(&place.key(key)),
                                    span.clone(),
                                    err.to_string(),
                                )
                            })
                            .is_ok()
                    });
                    if key == "timeout" {
                        out.timeout = value;
                    } else {
                        out.retry_delay = value;
                    }
                }
                "retries" => out.retries = self.count(&place, key, span, item),
                "overlap" => out.overlap = self.choice(&place, key, span, item, OVERLAPS),
                "catch_up" => out.catch_up = self.choice(&place, key, span, item, CATCH_UPS),
                "shell" => out.shell = self.string(&place, key, span, item),
                "notify" => {
                    let notify = Place {
                        job: None,
                        prefix: "defaults.notify.",
                    };
                    out.notify = self
                        .table(&place, key, span.clone(), item)
                        .and_then(|t| self.notify(&notify, t, span));
                    if let Some(n) = &out.notify
                        && let Err(message) = check_url(&n.url)
                    {
                        let span = item
                            .as_table_like()
                            .and_then(|t| t.key("url"))
                            .and_then(toml_edit::Key::span);
                        self.push(None, Some("defaults.notify.url"), span, message);
                        out.notify = None;
                    }
                }
                other => self.unknown_key(&place, other, span, DEFAULTS_KEYS),
            }
        }
        out
    }

    /// Reads and resolves one job; `None` when it has problems (all of them recorded).
    fn job(
        &mut self,
        name: &str,
        key_span: Option<Range<usize>>,
        item: &Item,
        defaults: &RawDefaults,
    ) -> Option<Job> {
        // A job-level problem points at the `[jobs.NAME]` header when there is one.
        let job_span = item
            .as_table()
            .and_then(toml_edit::Table::span)
            .or(key_span.clone());
        if !valid_name(name) {
            self.push(Some(name), None, job_span, invalid_name_message(name));
            return None;
        }
        let place = Place {
            job: Some(name),
            prefix: "",
        };
        let Some(table) = item.as_table_like() else {
            self.push(
                Some(name),
                None,
                key_span,
                format!(
                    "expected a table like [jobs.{name}], found {}",
                    describe(item)
                ),
            );
            return None;
        };
        let before = self.problems.len();
        let mut raw = RawJob::default();
        let mut has_schedule = false;
        // Whether `command` or `http` was written but could not be read.
        let mut action_dropped = false;
        for (key, value) in table.iter() {
            let span = table.key(key).and_then(toml_edit::Key::span);
            match key {
                "description" => raw.description = self.string(&place, key, span, value),
                "schedule" => {
                    has_schedule = true;
                    raw.schedule = self.string(&place, key, span, value).unwrap_or_default();
                }
                "command" => {
                    raw.command = self.string(&place, key, span, value);
                    action_dropped |= raw.command.is_none();
                }
                "shell" => raw.shell = self.string(&place, key, span, value),
                "workdir" => raw.workdir = self.string(&place, key, span, value),
                "timezone" => raw.timezone = self.string(&place, key, span, value),
                "enabled" => raw.enabled = self.boolean(&place, key, span, value),
                "timeout" => raw.timeout = self.string(&place, key, span, value),
                "retries" => raw.retries = self.count(&place, key, span, value),
                "retry_delay" => raw.retry_delay = self.string(&place, key, span, value),
                "overlap" => raw.overlap = self.choice(&place, key, span, value, OVERLAPS),
                "catch_up" => raw.catch_up = self.choice(&place, key, span, value, CATCH_UPS),
                "env" => raw.env = self.string_map(&place, key, span, value),
                "http" => {
                    let http = Place {
                        job: Some(name),
                        prefix: "http.",
                    };
                    let header = value.as_table().and_then(toml_edit::Table::span);
                    raw.http = self
                        .table(&place, key, span.clone(), value)
                        .and_then(|t| self.http(&http, t, header.or(span)));
                    action_dropped |= raw.http.is_none();
                }
                "notify" => {
                    let notify = Place {
                        job: Some(name),
                        prefix: "notify.",
                    };
                    let header = value.as_table().and_then(toml_edit::Table::span);
                    raw.notify = self
                        .table(&place, key, span.clone(), value)
                        .and_then(|t| self.notify(&notify, t, header.or(span)));
                }
                other => self.unknown_key(&place, other, span, JOB_KEYS),
            }
        }
        if !has_schedule {
            self.push(
                Some(name),
                Some("schedule"),
                job_span.clone(),
                "`schedule` is missing; write it like schedule = \"0 2 * * *\"".into(),
            );
        }
        // Keys already reported while reading: resolve() must not report them again (a value
        // that could not be read is missing as far as resolve() can tell).
        let reported: HashSet<String> = self.problems[before..]
            .iter()
            .filter_map(|p| p.key.clone())
            .collect();
        let already_reported = |key: &str| {
            reported.iter().any(|r| {
                key == r
                    || key
                        .strip_prefix(r.as_str())
                        .is_some_and(|rest| rest.starts_with('.'))
            }) || (action_dropped && matches!(key, "command" | "http"))
        };
        match resolve(name, raw, defaults) {
            Ok(job) if self.problems.len() == before => Some(job),
            Ok(_) => None,
            Err(found) => {
                for problem in found {
                    let key = problem.key.as_deref().unwrap_or("");
                    if already_reported(key) {
                        continue;
                    }
                    let span = locate(table, key).or(job_span.clone());
                    self.push(Some(name), problem.key.as_deref(), span, problem.message);
                }
                None
            }
        }
    }

    fn http(
        &mut self,
        place: &Place<'_>,
        table: &dyn TableLike,
        span: Option<Range<usize>>,
    ) -> Option<RawHttp> {
        let mut http = RawHttp::default();
        let mut url = None;
        for (key, value) in table.iter() {
            let key_span = table.key(key).and_then(toml_edit::Key::span);
            match key {
                "method" => http.method = self.string(place, key, key_span, value),
                "url" => url = self.string(place, key, key_span, value),
                "headers" => http.headers = self.string_map(place, key, key_span, value),
                "body" => http.body = self.string(place, key, key_span, value),
                "expect" => http.expect = self.codes(place, key, key_span, value),
                other => self.unknown_key(place, other, key_span, HTTP_KEYS),
            }
        }
        // Unknown keys and unreadable values are reported; the rest is still checked.
        match url {
            Some(url) => http.url = url,
            None if !table.contains_key("url") => {
                self.push(
                    place.job,
                    Some(&place.key("url")),
                    span,
                    "`url` is missing".into(),
                );
                return None;
            }
            None => return None,
        }
        Some(http)
    }

    fn notify(
        &mut self,
        place: &Place<'_>,
        table: &dyn TableLike,
        span: Option<Range<usize>>,
    ) -> Option<RawNotify> {
        let mut url = None;
        let mut notify = RawNotify::default();
        for (key, value) in table.iter() {
            let key_span = table.key(key).and_then(toml_edit::Key::span);
            match key {
                "url" => url = self.string(place, key, key_span, value),
                "on" => notify.on = self.choice(place, key, key_span, value, NOTIFY_ONS),
                "secret" => notify.secret = self.string(place, key, key_span, value),
                other => self.unknown_key(place, other, key_span, NOTIFY_KEYS),
            }
        }
        match url {
            Some(url) => notify.url = url,
            None if !table.contains_key("url") => {
                self.push(
                    place.job,
                    Some(&place.key("url")),
                    span,
                    "`url` is missing".into(),
                );
                return None;
            }
            None => return None,
        }
        Some(notify)
    }
}

const OVERLAPS: &[(&str, Overlap)] = &[
    ("skip", Overlap::Skip),
    ("queue", Overlap::Queue),
    ("allow", Overlap::Allow),
];
const CATCH_UPS: &[(&str, CatchUp)] = &[("none", CatchUp::None), ("once", CatchUp::Once)];
const NOTIFY_ONS: &[(&str, NotifyOn)] = &[
    ("failure", NotifyOn::Failure),
    ("success", NotifyOn::Success),
    ("always", NotifyOn::Always),
];

/// The span of a (possibly dotted, like `http.url`) key inside a job's table, or of the
/// deepest part of it that exists.
fn locate(table: &dyn TableLike, key: &str) -> Option<Range<usize>> {
    let mut current = table;
    let mut found = None;
    for part in key.split('.') {
        let Some((key, item)) = current.get_key_value(part) else {
            break;
        };
        found = key.span().or(found);
        match item.as_table_like() {
            Some(next) => current = next,
            None => break,
        }
    }
    found
}

/// "a string", "an integer", ... for messages about wrong types.
fn describe(item: &Item) -> String {
    match item {
        Item::None => "nothing".into(),
        Item::Value(Value::String(s)) => format!("the string {:?}", s.value()),
        Item::Value(Value::Integer(n)) => format!("the number {}", n.value()),
        Item::Value(Value::Float(n)) => format!("the number {}", n.value()),
        Item::Value(Value::Boolean(b)) => format!("{}", b.value()),
        Item::Value(Value::Datetime(_)) => "a date-time".into(),
        Item::Value(Value::Array(_)) | Item::ArrayOfTables(_) => "a list".into(),
        Item::Value(Value::InlineTable(_)) | Item::Table(_) => "a table".into(),
    }
}

/// The known key closest to a misspelt one, when it is close enough to be a typo.
fn closest<'k>(key: &str, known: &[&'k str]) -> Option<&'k str> {
    known
        .iter()
        .map(|k| (distance(key, k), *k))
        .filter(|(d, k)| *d <= 2.max(k.len() / 4) && *d < k.len())
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

/// Levenshtein distance (keys are short).
fn distance(a: &str, b: &str) -> usize {
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

fn first_line(message: &str) -> &str {
    message.lines().next().unwrap_or(message).trim()
}

#[cfg(test)]
mod tests;
