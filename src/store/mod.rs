//! The job file: reading and validating it into `Job`s, and (in `edit`) changing it without
//! losing the user's comments, under a lock, atomically (PRODUCT.md sections 1, 2 and 8).

pub(crate) mod model;

use std::fmt;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};

pub(crate) use model::{Action, CatchUp, HttpSpec, Job, Notify, NotifyOn, Overlap};
use model::{DEFAULT_RETRY_DELAY, RawDefaults, RawJob};

use crate::schedule::Schedule;
use crate::zone::Zone;

/// A loaded job file: every job that validated, and every problem found.
#[derive(Debug)]
pub(crate) struct JobFile {
    pub(crate) path: PathBuf,
    /// The file's text as read ("" when the file does not exist).
    pub(crate) text: String,
    /// Valid jobs, in file order.
    pub(crate) jobs: Vec<Job>,
    /// Everything wrong with the file; empty when it is valid.
    pub(crate) problems: Vec<Problem>,
}

/// One thing wrong with the job file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Problem {
    /// The job it is about, if any.
    pub(crate) job: Option<String>,
    /// The key it is about, if any.
    pub(crate) key: Option<String>,
    /// 1-based line and column, when known.
    pub(crate) position: Option<(usize, usize)>,
    pub(crate) message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some((line, column)) = self.position {
            write!(f, "line {line}, column {column}: ")?;
        }
        match (&self.job, &self.key) {
            (Some(job), Some(key)) => write!(f, "job {job:?}, key {key:?}: ")?,
            (Some(job), None) => write!(f, "job {job:?}: ")?,
            (None, Some(key)) => write!(f, "key {key:?}: ")?,
            (None, None) => {}
        }
        f.write_str(&self.message)
    }
}

impl JobFile {
    /// Reads and validates the file; a missing file is an empty list of jobs. Problems with the
    /// content are collected in `problems`, not returned as errors; an error is returned only
    /// when the file cannot be read.
    pub(crate) fn read(path: &Path) -> Result<JobFile> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => String::new(),
            Err(err) => {
                return Err(err)
                    .with_context(|| format!("cannot read job file {}", path.display()));
            }
        };
        let (jobs, problems) = parse(&text);
        Ok(JobFile {
            path: path.to_owned(),
            text,
            jobs,
            problems,
        })
    }

    /// Reads the file and fails, listing every problem, unless it is valid.
    pub(crate) fn load(path: &Path) -> Result<JobFile> {
        let file = JobFile::read(path)?;
        file.ensure_valid()?;
        Ok(file)
    }

    /// An error listing every problem, if there are any.
    pub(crate) fn ensure_valid(&self) -> Result<()> {
        if self.problems.is_empty() {
            return Ok(());
        }
        let mut message = format!(
            "job file {} has {} problem{}:",
            self.path.display(),
            self.problems.len(),
            if self.problems.len() == 1 { "" } else { "s" }
        );
        for problem in &self.problems {
            message.push_str("\n  ");
            message.push_str(&problem.to_string());
        }
        message.push_str("\nfix them with `jobtab edit` (or your editor), then `jobtab check`");
        Err(anyhow::anyhow!(message))
    }

    /// The job of that name.
    pub(crate) fn job(&self, name: &str) -> Option<&Job> {
        self.jobs.iter().find(|job| job.name == name)
    }

    /// The job of that name, or an error that says how to see the names there are.
    pub(crate) fn require(&self, name: &str) -> Result<&Job> {
        self.job(name).with_context(|| {
            format!(
                "no job named {name:?} in {}; `jobtab list` shows the jobs there are",
                self.path.display()
            )
        })
    }
}

/// Whether `name` is a valid job name: letters, digits, `-`, `_`, `.`.
pub(crate) fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// Parses the text of a job file into valid jobs and problems.
pub(crate) fn parse(text: &str) -> (Vec<Job>, Vec<Problem>) {
    let mut problems = Vec::new();
    let table: toml::Table = match text.parse() {
        Ok(table) => table,
        Err(err) => {
            problems.push(toml_problem(text, &err));
            return (Vec::new(), problems);
        }
    };
    let problem = |job: Option<&str>, key: Option<&str>, message: String| Problem {
        job: job.map(str::to_owned),
        key: key.map(str::to_owned),
        position: None,
        message,
    };
    let mut defaults = RawDefaults::default();
    let mut jobs_table = toml::Table::new();
    for (key, value) in table {
        match key.as_str() {
            "defaults" => match value.try_into::<RawDefaults>() {
                Ok(parsed) => defaults = parsed,
                Err(err) => problems.push(problem(None, Some("defaults"), serde_message(&err))),
            },
            "jobs" => match value {
                toml::Value::Table(table) => jobs_table = table,
                _ => problems.push(problem(None, Some("jobs"), "must be a table of jobs".into())),
            },
            other => problems.push(problem(
                None,
                Some(other),
                "unknown top-level key; the file holds [defaults] and [jobs.NAME] tables".into(),
            )),
        }
    }
    let mut jobs = Vec::new();
    for (name, value) in jobs_table {
        if !valid_name(&name) {
            problems.push(problem(
                Some(&name),
                None,
                "invalid name: use letters, digits, `-`, `_` and `.`".into(),
            ));
            continue;
        }
        let raw: RawJob = match value.try_into() {
            Ok(raw) => raw,
            Err(err) => {
                problems.push(problem(Some(&name), None, serde_message(&err)));
                continue;
            }
        };
        match resolve(&name, raw, &defaults) {
            Ok(job) => jobs.push(job),
            Err(mut found) => problems.append(&mut found),
        }
    }
    (jobs, problems)
}

/// Turns a job as written into a `Job`, with `[defaults]` applied, or every problem with it.
pub(crate) fn resolve(name: &str, raw: RawJob, defaults: &RawDefaults) -> Result<Job, Vec<Problem>> {
    let mut problems = Vec::new();
    let mut problem = |key: &str, message: String| {
        problems.push(Problem {
            job: Some(name.to_owned()),
            key: Some(key.to_owned()),
            position: None,
            message,
        });
    };
    let schedule = Schedule::parse(&raw.schedule)
        .map_err(|err| problem("schedule", err.to_string()))
        .ok();
    let zone = Zone::from_option(raw.timezone.as_deref().or(defaults.timezone.as_deref()))
        .map_err(|err| problem("timezone", err))
        .ok();
    let duration = |text: Option<&String>| text.map(|t| crate::duration::parse(t)).transpose();
    let timeout = duration(raw.timeout.as_ref().or(defaults.timeout.as_ref()))
        .map_err(|err| problem("timeout", err.to_string()))
        .ok()
        .flatten();
    let retry_delay = duration(raw.retry_delay.as_ref().or(defaults.retry_delay.as_ref()))
        .map_err(|err| problem("retry_delay", err.to_string()))
        .ok()
        .flatten()
        .unwrap_or(DEFAULT_RETRY_DELAY);
    let action = match (raw.command, raw.http) {
        (Some(_), Some(_)) => {
            problem("http", "a job has either `command` or `http`, not both".into());
            None
        }
        (None, None) => {
            problem("command", "a job needs `command` (a shell command) or `http`".into());
            None
        }
        (Some(command), None) => {
            if command.trim().is_empty() {
                problem("command", "the command is empty".into());
            }
            Some(Action::Shell {
                command,
                shell: raw.shell.or_else(|| defaults.shell.clone()),
                workdir: raw.workdir.map(PathBuf::from),
            })
        }
        (None, Some(http)) => {
            if raw.shell.is_some() {
                problem("shell", "`shell` is for shell jobs, not HTTP jobs".into());
            }
            if raw.workdir.is_some() {
                problem("workdir", "`workdir` is for shell jobs, not HTTP jobs".into());
            }
            let method = http.method.unwrap_or_else(|| "GET".into()).to_ascii_uppercase();
            if method.is_empty() || !method.chars().all(|c| c.is_ascii_alphabetic()) {
                problem("http.method", format!("invalid HTTP method {method:?}"));
            }
            if !(http.url.starts_with("http://")
                || http.url.starts_with("https://")
                || http.url.starts_with("${"))
            {
                problem(
                    "http.url",
                    format!("URL {:?} must start with http:// or https://", http.url),
                );
            }
            if let Some(bad) = http.expect.iter().flatten().find(|c| !(100..=599).contains(*c)) {
                problem("http.expect", format!("{bad} is not an HTTP status code (100-599)"));
            }
            Some(Action::Http(HttpSpec {
                method,
                url: http.url,
                headers: http.headers.unwrap_or_default().into_iter().collect(),
                body: http.body,
                expect: http.expect.unwrap_or_default(),
            }))
        }
    };
    let notify = raw.notify.or_else(|| defaults.notify.clone()).map(|n| Notify {
        url: n.url,
        on: n.on.unwrap_or_default(),
        secret: n.secret,
    });
    if let Some(notify) = &notify
        && !(notify.url.starts_with("http://")
            || notify.url.starts_with("https://")
            || notify.url.starts_with("${"))
    {
        problem(
            "notify.url",
            format!("URL {:?} must start with http:// or https://", notify.url),
        );
    }
    match (schedule, zone, action) {
        (Some(schedule), Some(zone), Some(action)) if problems.is_empty() => Ok(Job {
            name: name.to_owned(),
            description: raw.description,
            schedule,
            zone,
            enabled: raw.enabled.unwrap_or(true),
            action,
            timeout,
            retries: raw.retries.or(defaults.retries).unwrap_or(0),
            retry_delay,
            overlap: raw.overlap.or(defaults.overlap).unwrap_or_default(),
            catch_up: raw.catch_up.or(defaults.catch_up).unwrap_or_default(),
            env: raw.env.unwrap_or_default(),
            notify,
        }),
        _ => Err(problems),
    }
}

fn toml_problem(text: &str, err: &toml::de::Error) -> Problem {
    let position = err.span().map(|span| line_column(text, span.start));
    Problem {
        job: None,
        key: None,
        position,
        message: format!("not valid TOML: {}", err.message()),
    }
}

fn serde_message(err: &toml::de::Error) -> String {
    err.message().trim().to_owned()
}

/// 1-based line and column of a byte offset.
pub(crate) fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}
