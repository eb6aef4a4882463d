//! Reading the job file's text into `Raw*` values and then `Job`s, collecting every problem with
//! the line and column of the key it is about.
//!
//! The text is parsed once, with `toml`'s spanned tables (fast, and every key keeps its
//! position); values are then read key by key (not with serde), so that every unknown key and
//! every wrong type is reported, not only the first one of each job. Editing uses `toml_edit`
//! (see `edit`), which keeps comments, but is slower to parse.

mod chains;
mod values;
mod webhook;

use std::collections::{HashMap, HashSet};
use std::ops::Range;

use chrono::{DateTime, Utc};
use toml::de::{DeTable, DeValue};

use self::values::{Item, Place, Reader};
use super::model::{
    AfterStatus, CatchUp, MAX_RETRIES, NotifyFormat, NotifyOn, Overlap, RawDefaults, RawHttp,
    RawJob, RawNotify, ServerConfig, SignatureScheme,
};
use super::problem::{LineIndex, Problem};
use super::readback::{Expected, ReadBack};
use super::resolve::{
    ScheduleCache, check_jitter, check_mail_to, check_notify_secret, check_ping, check_shell,
    check_url, invalid_name_message, resolve_cached, valid_name,
};
use super::{Action, Job};
use crate::schedule::Schedule;
use crate::zone::Zone;
#[cfg(test)]
pub(crate) use webhook::{SERVER_KEYS, WEBHOOK_KEYS};

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
    "ping",
    "mail_to",
    "webhook",
    "jitter",
    "after",
    "after_status",
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
    "ping",
    "mail_to",
    "jitter",
];
const HTTP_KEYS: &[&str] = &["method", "url", "headers", "body", "expect"];
const NOTIFY_KEYS: &[&str] = &["url", "on", "secret", "format", "signature"];

/// Everything learnt from one parse of a job file's text.
pub(crate) struct Parsed {
    /// `[defaults]` as written, without the values that are invalid.
    pub(crate) defaults: RawDefaults,
    /// `[server]`, without the values that are invalid.
    pub(crate) server: ServerConfig,
    /// Valid jobs, in file order (with stand-in schedules when parsed with a check-only
    /// cache: then only their names and number mean something).
    pub(crate) jobs: Vec<Job>,
    /// Every problem, in file order.
    pub(crate) problems: Vec<Problem>,
    /// What may fail but is not invalid (a `workdir` that does not exist yet, a schedule that
    /// never fires), in file order; only when asked for (`check_text`).
    pub(crate) warnings: Vec<Problem>,
    /// Whether the jobs are written as `[jobs.NAME]` tables (or there are none yet), so a new
    /// `[jobs.NAME]` table can be appended to the text; not when `jobs` is an inline table or
    /// dotted keys.
    pub(crate) jobs_in_headers: bool,
    /// Where the last statement (key, value or table header) ends: what follows is blank and
    /// comment lines only, though a line of a multi-line string before it may look like one.
    pub(crate) content_end: usize,
}

/// Parses the text of a job file into valid jobs and problems.
pub(crate) fn parse(text: &str) -> (Vec<Job>, Vec<Problem>) {
    let parsed = parse_document(text);
    (parsed.jobs, parsed.problems)
}

/// Parses the text of a job file into valid jobs, `[server]` and problems.
pub(crate) fn parse_all(text: &str) -> (Vec<Job>, ServerConfig, Vec<Problem>) {
    let parsed = parse_document(text);
    (parsed.jobs, parsed.server, parsed.problems)
}

/// Parses the text of a job file: `[defaults]`, the valid jobs and every problem.
pub(crate) fn parse_document(text: &str) -> Parsed {
    parse_with_cache(text, &mut ScheduleCache::new())
}

/// What `check_text` found.
#[derive(Debug)]
pub(crate) struct Checked {
    /// The names of the valid jobs.
    pub(crate) jobs: Vec<String>,
    /// Every problem, in file order.
    pub(crate) problems: Vec<Problem>,
    /// Every warning, in file order.
    pub(crate) warnings: Vec<Problem>,
}

/// Checks the text of a job file: the names of its valid jobs, every problem, and warnings
/// about what may fail when the jobs run, judged at `now`. Faster than `parse` on big files,
/// because it keeps no parsed schedules.
pub(crate) fn check_text(text: &str, now: DateTime<Utc>) -> Checked {
    let parsed = parse_inner(text, &mut ScheduleCache::check_only(), Some(now), None);
    Checked {
        jobs: parsed.jobs.into_iter().map(|job| job.name).collect(),
        problems: parsed.problems,
        warnings: parsed.warnings,
    }
}

/// `parse_document`, reusing and filling a cache of parsed schedules (a file that is parsed
/// again after a change parses only the schedules it did not have).
pub(crate) fn parse_with_cache(text: &str, cache: &mut ScheduleCache) -> Parsed {
    parse_inner(text, cache, None, None)
}

/// Every problem of a changed job file's new text, and every way in which it does not read
/// back as `expected` (see `readback`). The jobs are checked and dropped, not kept.
pub(crate) fn validate(
    text: &str,
    cache: &mut ScheduleCache,
    expected: &Expected<'_>,
) -> Vec<Problem> {
    parse_inner(text, cache, None, Some(expected)).problems
}

fn parse_inner(
    text: &str,
    cache: &mut ScheduleCache,
    warn_at: Option<DateTime<Utc>>,
    expected: Option<&Expected<'_>>,
) -> Parsed {
    let lines = LineIndex::new(text);
    let mut reader = Reader {
        lines: &lines,
        problems: Vec::new(),
        schedules: cache,
        warn_at,
        warnings: Vec::new(),
        fires: HashMap::new(),
        hooks: HashMap::new(),
        expected,
        trust_written: false,
    };
    let root = match DeTable::parse(text) {
        Ok(root) => root.into_inner(),
        Err(err) => {
            let mut problem = Problem::new(
                None,
                None,
                format!("not valid TOML: {}", first_line(err.message())),
            );
            problem.position = err.span().map(|span| lines.position(span.start));
            return Parsed {
                defaults: RawDefaults::default(),
                server: ServerConfig::default(),
                jobs: Vec::new(),
                problems: vec![problem],
                warnings: Vec::new(),
                jobs_in_headers: false,
                content_end: 0,
            };
        }
    };
    let mut defaults = RawDefaults::default();
    let mut server = ServerConfig::default();
    let mut jobs_table = None;
    for (key, item) in &root {
        let (name, span) = (key.get_ref().as_ref(), key.span());
        match name {
            "defaults" => {
                // `defaults` itself is a top-level key: no `defaults.` prefix.
                let top = Place {
                    job: None,
                    prefix: "",
                };
                if let Some(table) = reader.table(&top, "defaults", span, item.get_ref()) {
                    defaults = reader.defaults(table);
                }
            }
            "jobs" => jobs_table = Some((span, item)),
            "server" => {
                let top = Place {
                    job: None,
                    prefix: "",
                };
                if let Some(table) = reader.table(&top, "server", span.clone(), item.get_ref()) {
                    server = reader.server(table, span);
                }
            }
            other => {
                let hint = if item
                    .get_ref()
                    .as_table()
                    .is_some_and(|t| t.contains_key("schedule"))
                {
                    format!("; did you mean [jobs.{other}]?")
                } else {
                    String::new()
                };
                reader.push(
                    None,
                    Some(other),
                    Some(span),
                    format!(
                        "unknown top-level key; the file holds [defaults], [server] and \
                         [jobs.NAME] tables{hint}"
                    ),
                );
            }
        }
    }
    let jobs_in_headers = jobs_table
        .as_ref()
        .is_none_or(|(_, item)| in_header(text, item.span()));
    reader.trust_written = expected.is_some_and(|e| *e.defaults == defaults);
    // `[defaults]` is read first wherever it is written: every job depends on it.
    let place = Place {
        job: None,
        prefix: "",
    };
    let table =
        jobs_table.and_then(|(span, item)| reader.table(&place, "jobs", span, item.get_ref()));
    let jobs = reader.jobs(table, &defaults);
    let mut problems = reader.problems;
    // Keep problems in file order so `check` reads top to bottom.
    problems.sort_by_key(|p| p.position.unwrap_or((usize::MAX, 0)));
    let mut warnings = reader.warnings;
    warnings.sort_by_key(|p| p.position.unwrap_or((usize::MAX, 0)));
    Parsed {
        defaults,
        server,
        jobs,
        problems,
        warnings,
        jobs_in_headers,
        // Only the editor needs it, not the check of its work.
        content_end: if expected.is_none() {
            content_end(&root)
        } else {
            0
        },
    }
}

/// Where the last key, value or table header of `table` (and of the tables in it) ends.
fn content_end(table: &DeTable<'_>) -> usize {
    table
        .iter()
        .map(|(key, item)| {
            let inner = match item.get_ref() {
                DeValue::Table(table) => content_end(table),
                _ => 0,
            };
            key.span().end.max(item.span().end).max(inner)
        })
        .max()
        .unwrap_or(0)
}

impl Reader<'_> {
    /// Reads and resolves the jobs of the `jobs` table (`None`: there is none, or it is not a
    /// table). When checking a change (`expected`), each job is checked and dropped, and their
    /// names must be the expected ones.
    fn jobs(&mut self, table: Option<&DeTable<'_>>, defaults: &RawDefaults) -> Vec<Job> {
        let keep = self.expected.is_none();
        let mut jobs = Vec::new();
        if keep {
            jobs.reserve(table.map_or(0, DeTable::len));
        }
        for (name, item) in table.into_iter().flatten() {
            if let Some(job) = self.job(name.get_ref(), name.span(), item, defaults)
                && keep
            {
                jobs.push(job);
            }
        }
        // (Only the jobs kept are checked: a change's read-back proof keeps none.)
        if let Some(table) = table {
            chains::check(self, table, &mut jobs);
        }
        if let Some(expected) = self.expected {
            let found: Vec<&str> = table
                .into_iter()
                .flat_map(|table| table.keys())
                .map(|name| name.get_ref().as_ref())
                .collect();
            for (name, message) in expected.name_problems(&found) {
                let span = table
                    .and_then(|table| table.get(name.as_str()))
                    .map(|item| item.span());
                self.push(None, None, span, message);
            }
        }
        jobs
    }

    /// Reads `[defaults]`, checking the values that do not depend on a job; invalid values are
    /// reported once here and left out, so that jobs do not each report them again.
    fn defaults(&mut self, table: &DeTable<'_>) -> RawDefaults {
        let place = Place::DEFAULTS;
        let mut out = RawDefaults::default();
        for (key, item) in table {
            let (key, span, item) = (key.get_ref().as_ref(), key.span(), item.get_ref());
            match key {
                "timezone" => {
                    out.timezone = self.string(&place, key, span.clone(), item).filter(|zone| {
                        Zone::parse(zone)
                            .map_err(|err| {
                                self.push(None, Some("defaults.timezone"), Some(span.clone()), err)
                            })
                            .is_ok()
                    });
                }
                "timeout" | "retry_delay" | "jitter" => {
                    let value = self.string(&place, key, span.clone(), item).filter(|text| {
                        let checked = crate::duration::parse(text)
                            .map_err(|err| err.to_string())
                            .and_then(|d| {
                                if key == "jitter" {
                                    check_jitter(d)
                                } else {
                                    Ok(())
                                }
                            });
                        checked
                            .map_err(|err| {
                                let key = place.key(key);
                                self.push(None, Some(&key), Some(span.clone()), err);
                            })
                            .is_ok()
                    });
                    match key {
                        "timeout" => out.timeout = value,
                        "retry_delay" => out.retry_delay = value,
                        _ => out.jitter = value,
                    }
                }
                "retries" => out.retries = self.count(&place, key, span, item, MAX_RETRIES),
                "overlap" => out.overlap = self.choice(&place, key, span, item, OVERLAPS),
                "catch_up" => out.catch_up = self.choice(&place, key, span, item, CATCH_UPS),
                "shell" => {
                    out.shell = self
                        .string(&place, key, span.clone(), item)
                        .filter(|shell| {
                            check_shell(shell)
                                .map_err(|err| {
                                    self.push(None, Some("defaults.shell"), Some(span.clone()), err)
                                })
                                .is_ok()
                        });
                }
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
                        let span = item.as_table().and_then(|t| locate(t, "url"));
                        self.push(None, Some("defaults.notify.url"), span, message);
                        out.notify = None;
                    }
                    if let Some(n) = &out.notify
                        && let Err(message) = check_notify_secret(n)
                    {
                        let span = item.as_table().and_then(|t| locate(t, "secret"));
                        self.push(None, Some("defaults.notify.secret"), span, message);
                        out.notify = None;
                    }
                }
                "ping" => {
                    out.ping = self.string(&place, key, span.clone(), item).filter(|url| {
                        check_ping(url)
                            .map_err(|err| {
                                self.push(None, Some("defaults.ping"), Some(span.clone()), err)
                            })
                            .is_ok()
                    });
                }
                "mail_to" => {
                    out.mail_to = self.string(&place, key, span.clone(), item).filter(|to| {
                        check_mail_to(to)
                            .map_err(|err| {
                                self.push(None, Some("defaults.mail_to"), Some(span.clone()), err)
                            })
                            .is_ok()
                    });
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
        key_span: Range<usize>,
        item: &Item<'_>,
        defaults: &RawDefaults,
    ) -> Option<Job> {
        // A job-level problem points at the `[jobs.NAME]` header (or the inline table).
        let job_span = Some(item.span());
        if !valid_name(name) {
            self.push(Some(name), None, job_span, invalid_name_message(name));
            return None;
        }
        let place = Place {
            job: Some(name),
            prefix: "",
        };
        let Some(table) = item.get_ref().as_table() else {
            self.push(
                Some(name),
                None,
                Some(key_span),
                format!(
                    "expected a table like [jobs.{name}], found {}",
                    values::describe(item.get_ref())
                ),
            );
            return None;
        };
        let before = self.problems.len();
        let mut raw = RawJob::default();
        // Whether `command` or `http` was written but could not be read.
        let mut action_dropped = false;
        // Whether a trigger (`schedule`, `webhook`, `after`) was written but could not be read.
        let mut trigger_dropped = false;
        for (key, value) in table {
            let (key, span, value) = (key.get_ref().as_ref(), key.span(), value.get_ref());
            match key {
                "description" => raw.description = self.string(&place, key, span, value),
                "schedule" => {
                    raw.schedule = self.string(&place, key, span, value);
                    trigger_dropped |= raw.schedule.is_none();
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
                "retries" => raw.retries = self.count(&place, key, span, value, MAX_RETRIES),
                "retry_delay" => raw.retry_delay = self.string(&place, key, span, value),
                "overlap" => raw.overlap = self.choice(&place, key, span, value, OVERLAPS),
                "catch_up" => raw.catch_up = self.choice(&place, key, span, value, CATCH_UPS),
                "env" => raw.env = self.string_map(&place, key, span, value),
                "http" => {
                    let http = Place {
                        job: Some(name),
                        prefix: "http.",
                    };
                    let header = table.get(key).map(|v| v.span());
                    raw.http = self
                        .table(&place, key, span.clone(), value)
                        .and_then(|t| self.http(&http, t, header.unwrap_or(span)));
                    action_dropped |= raw.http.is_none();
                }
                "notify" => {
                    let notify = Place {
                        job: Some(name),
                        prefix: "notify.",
                    };
                    let header = table.get(key).map(|v| v.span());
                    raw.notify = self
                        .table(&place, key, span.clone(), value)
                        .and_then(|t| self.notify(&notify, t, header.unwrap_or(span)));
                }
                "ping" => raw.ping = self.string(&place, key, span, value),
                "mail_to" => raw.mail_to = self.string(&place, key, span, value),
                "webhook" => {
                    let webhook = Place {
                        job: Some(name),
                        prefix: "webhook.",
                    };
                    raw.webhook = self
                        .table(&place, key, span, value)
                        .map(|t| self.webhook(&webhook, t));
                    trigger_dropped |= raw.webhook.is_none();
                }
                "jitter" => raw.jitter = self.string(&place, key, span, value),
                "after" => {
                    raw.after = self.string_list(&place, key, span, value);
                    trigger_dropped |= raw.after.is_none();
                }
                "after_status" => {
                    raw.after_status = self.choice(&place, key, span, value, AFTER_STATUSES);
                }
                other => self.unknown_key(&place, other, span, JOB_KEYS),
            }
        }
        let no_schedule = raw.schedule.is_none();
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
                // No trigger as far as resolve() can tell, though one was written (not a
                // `schedule` it finds wrong).
                || (trigger_dropped && no_schedule && key == "schedule")
        };
        // (A value that could not be read is a problem already.)
        if self.problems.len() == before && self.settled_by_read_back(name, &raw, &job_span) {
            return None;
        }
        // The text: with a check-only cache the job gets a stand-in schedule.
        let schedule = self.warn_at.and(raw.schedule.clone());
        match resolve_cached(name, raw, defaults, Some(self.schedules)) {
            Ok(job) if self.problems.len() == before => {
                if let Some(webhook) = &job.triggers.webhook
                    && let Err(message) = self.claim_path(name, &webhook.path)
                {
                    let span = locate(table, "webhook.path").or(locate(table, "webhook"));
                    self.push(Some(name), Some("webhook.path"), span, message);
                    return None;
                }
                if let Some(now) = self.warn_at {
                    self.warnings(&job, schedule.as_deref(), table, now);
                }
                Some(job)
            }
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

    /// When checking a change: whether the job `name`, read as `raw`, needs no more checks,
    /// as it does not read back as the change wrote it (a problem, recorded), or it does and
    /// was checked when it was written, against the same `[defaults]`.
    fn settled_by_read_back(
        &mut self,
        name: &str,
        raw: &RawJob,
        span: &Option<Range<usize>>,
    ) -> bool {
        let Some(expected) = self.expected else {
            return false;
        };
        match expected.read_back(name, raw) {
            ReadBack::Differs(message) => {
                self.push(None, None, span.clone(), message);
                true
            }
            ReadBack::AsWritten => self.trust_written,
            ReadBack::NotWritten => false,
        }
    }

    /// Warnings about a valid job: what will make its runs fail (or never happen) as things
    /// are now, though it may be meant (a `workdir` made later by a deployment).
    fn warnings(
        &mut self,
        job: &Job,
        schedule: Option<&str>,
        table: &DeTable<'_>,
        now: DateTime<Utc>,
    ) {
        let mut warn = |key: &str, message: String| {
            let mut warning = Problem::new(Some(&job.name), Some(key), message);
            warning.position = locate(table, key).map(|span| self.lines.position(span.start));
            self.warnings.push(warning);
        };
        if let Action::Shell {
            workdir: Some(dir), ..
        } = &job.action
            && !dir.is_dir()
        {
            let what = if dir.exists() {
                "is not a folder: the job cannot start in it"
            } else {
                "does not exist (yet): the job cannot start until it does"
            };
            let relative = if dir.is_relative() {
                " (a relative workdir is taken from the folder jobtab runs in)"
            } else {
                ""
            };
            warn("workdir", format!("{} {what}{relative}", dir.display()));
        }
        if job
            .triggers
            .webhook
            .as_ref()
            .is_some_and(|w| w.verify == super::Verify::None)
        {
            warn(
                "webhook.verify",
                "verify = \"none\": anyone who can reach the listener can start this job; \
                 choose a preset that checks a signature or a token unless a proxy in front \
                 does"
                    .into(),
            );
        }
        let Some(schedule) = schedule else {
            return;
        };
        // Most schedules surely fire; the others are searched, once per schedule and zone.
        let fires = self.schedules.surely_fires(schedule)
            || *self
                .fires
                .entry((schedule.to_owned(), job.zone.to_string()))
                .or_insert_with(|| {
                    // It parsed when the job was resolved.
                    Schedule::parse(schedule).map_or(true, |s| {
                        s.is_reboot() || s.next_after(now, job.zone).is_some()
                    })
                });
        if !fires {
            warn(
                "schedule",
                format!(
                    "{schedule:?} never fires: no date from now on matches it; `jobtab explain \
                     {}` shows how it reads",
                    shell_quote(schedule)
                ),
            );
        }
    }

    /// Takes a hook path for `job`; the error names the job that has it already. Paths are
    /// compared exactly (`/hooks/A` and `/hooks/a` are two paths).
    fn claim_path(&mut self, job: &str, path: &str) -> Result<(), String> {
        match self.hooks.get(path) {
            Some(first) => Err(format!(
                "path {path:?} is already the webhook of job {first:?}: two jobs cannot share \
                 a hook; give one of them another `path`"
            )),
            None => {
                self.hooks.insert(path.to_owned(), job.to_owned());
                Ok(())
            }
        }
    }

    fn http(
        &mut self,
        place: &Place<'_>,
        table: &DeTable<'_>,
        span: Range<usize>,
    ) -> Option<RawHttp> {
        let mut http = RawHttp::default();
        let mut url = None;
        for (key, value) in table {
            let (key, key_span, value) = (key.get_ref().as_ref(), key.span(), value.get_ref());
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
        http.url = self.required_url(place, table, span, url)?;
        Some(http)
    }

    fn notify(
        &mut self,
        place: &Place<'_>,
        table: &DeTable<'_>,
        span: Range<usize>,
    ) -> Option<RawNotify> {
        let mut url = None;
        let mut notify = RawNotify::default();
        for (key, value) in table {
            let (key, key_span, value) = (key.get_ref().as_ref(), key.span(), value.get_ref());
            match key {
                "url" => url = self.string(place, key, key_span, value),
                "on" => notify.on = self.choice(place, key, key_span, value, NOTIFY_ONS),
                "secret" => notify.secret = self.string(place, key, key_span, value),
                "format" => {
                    notify.format = self.choice(place, key, key_span, value, NOTIFY_FORMATS);
                }
                "signature" => {
                    notify.signature = self.choice(place, key, key_span, value, SIGNATURES);
                }
                other => self.unknown_key(place, other, key_span, NOTIFY_KEYS),
            }
        }
        notify.url = self.required_url(place, table, span, url)?;
        Some(notify)
    }

    /// The `url` a table (`http`, `notify`) must have: `None` when it could not be read (that
    /// was reported) or is missing (reported here).
    fn required_url(
        &mut self,
        place: &Place<'_>,
        table: &DeTable<'_>,
        span: Range<usize>,
        url: Option<String>,
    ) -> Option<String> {
        if url.is_none() && !table.contains_key("url") {
            self.push(
                place.job,
                Some(&place.key("url")),
                Some(span),
                "`url` is missing".into(),
            );
        }
        url
    }
}

const OVERLAPS: &[(&str, Overlap)] = &[
    ("skip", Overlap::Skip),
    ("queue", Overlap::Queue),
    ("allow", Overlap::Allow),
];
const NOTIFY_FORMATS: &[(&str, NotifyFormat)] = &[
    ("json", NotifyFormat::Json),
    ("slack", NotifyFormat::Slack),
    ("discord", NotifyFormat::Discord),
];
const SIGNATURES: &[(&str, SignatureScheme)] = &[
    ("standard", SignatureScheme::Standard),
    ("jobtab", SignatureScheme::Jobtab),
];
const AFTER_STATUSES: &[(&str, AfterStatus)] = &[
    ("success", AfterStatus::Success),
    ("failure", AfterStatus::Failure),
    ("always", AfterStatus::Always),
];
const CATCH_UPS: &[(&str, CatchUp)] = &[("none", CatchUp::None), ("once", CatchUp::Once)];
const NOTIFY_ONS: &[(&str, NotifyOn)] = &[
    ("failure", NotifyOn::Failure),
    ("success", NotifyOn::Success),
    ("always", NotifyOn::Always),
];

/// The span of a (possibly dotted, like `http.url`) key inside a job's table, or of the
/// deepest part of it that exists.
fn locate(table: &DeTable<'_>, key: &str) -> Option<Range<usize>> {
    let mut current = table;
    let mut found = None;
    for part in key.split('.') {
        let Some((key, item)) = current.get_key_value(part) else {
            break;
        };
        found = Some(key.span());
        match item.get_ref().as_table() {
            Some(next) => current = next,
            None => break,
        }
    }
    found
}

/// Whether the value at `span` is a table named in a `[header]`: `[jobs]` itself, or the
/// `jobs` of `[jobs.NAME]` (not `jobs = { ... }` nor `jobs.NAME.key = ...`).
fn in_header(text: &str, span: Range<usize>) -> bool {
    let before = text[..span.start].trim_end_matches([' ', '\t']);
    text[span].starts_with('[') || before.ends_with('[')
}

/// A schedule in single quotes, to paste after `jobtab explain`.
fn shell_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', "'\\''"))
}

fn first_line(message: &str) -> &str {
    message.lines().next().unwrap_or(message).trim()
}

#[cfg(test)]
mod tests;
