//! Turning a job as written (`RawJob`) into a validated `Job`, with `[defaults]` applied, and the
//! checks on single values (URLs, names) that reading and adding share.

use std::collections::HashMap;
use std::path::PathBuf;

use super::model::{DEFAULT_RETRY_DELAY, MAX_RETRIES, RawDefaults, RawJob};
use super::problem::Problem;
use super::{Action, HttpSpec, Job, Notify, Triggers};
use crate::jitter::Jitter;
use crate::schedule::{Schedule, ScheduleError};
use crate::zone::Zone;

/// Whether `name` is a valid job name: letters, digits, `-`, `_`, `.`, not starting with `-`
/// (an installed crontab line runs `jobtab exec NAME`, where `-v` would be read as an option),
/// and not only dots (`.` and `..` name folders, and the name becomes file and unit names:
/// `jobtab-...service`).
pub(crate) fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with('-')
        && !name.chars().all(|c| c == '.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// The message for a name `valid_name` refuses.
pub(crate) fn invalid_name_message(name: &str) -> String {
    if !name.is_empty() && name.chars().all(|c| c == '.') {
        return format!(
            "invalid job name {name:?}: a name cannot be only dots (it becomes file and unit \
             names, where `.` and `..` mean folders); use a letter or a digit in it"
        );
    }
    if name.starts_with('-') && valid_name(name.trim_start_matches('-')) {
        return format!(
            "invalid job name {name:?}: a name cannot start with `-` (`jobtab exec {name}` would \
             read it as an option); start it with a letter or a digit"
        );
    }
    format!("invalid job name {name:?}: use only letters, digits, `-`, `_` and `.`")
}

/// Whether `name` can be an environment variable's name: `[A-Za-z_][A-Za-z0-9_]*`.
pub(crate) fn valid_env_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// The problem with a `shell` value, if any.
pub(crate) fn check_shell(shell: &str) -> Result<(), String> {
    if shell.trim().is_empty() {
        return Err(
            "`shell` is empty; name a shell such as /bin/bash, or leave it out for /bin/sh".into(),
        );
    }
    Ok(())
}

/// The problem with a `ping` value, if any; `""` (no ping) is fine.
pub(crate) fn check_ping(url: &str) -> Result<(), String> {
    if url.is_empty() {
        return Ok(());
    }
    check_url(url)
}

/// The problem with a `mail_to` value, if any: comma-separated addresses, no line breaks or
/// other control characters (they would add mail headers); `""` (no mail) is fine.
pub(crate) fn check_mail_to(to: &str) -> Result<(), String> {
    if to.chars().any(char::is_control) {
        return Err(
            "`mail_to` holds a line break or another control character; write addresses \
             separated by commas, like mail_to = \"ops@example.com, me@example.com\""
                .into(),
        );
    }
    if !to.trim().is_empty() && to.split(',').any(|part| part.trim().is_empty()) {
        return Err(format!(
            "`mail_to` = {to:?} has an empty address; separate addresses with single commas"
        ));
    }
    Ok(())
}

/// What is wrong with `secret = ""`: an empty key signs, but proves nothing.
pub(crate) const EMPTY_SECRET: &str = "the notify secret is empty: a signature made with an \
     empty key proves nothing; remove `secret` to send unsigned notifications, or set a key \
     made with `echo \"whsec_$(openssl rand -base64 32)\"`";

/// The problem with a notification's literal secret, if any: with Standard Webhooks signing
/// it must be a `whsec_` key. A `${VAR}` secret is checked when the job runs. The message never
/// holds the secret.
pub(crate) fn check_notify_secret(notify: &super::RawNotify) -> Result<(), String> {
    let Some(secret) = &notify.secret else {
        return Ok(());
    };
    if secret.is_empty() {
        return Err(EMPTY_SECRET.to_owned());
    }
    if secret.contains("${")
        || notify.signature.unwrap_or_default() != super::SignatureScheme::Standard
    {
        return Ok(());
    }
    crate::execute::notify::decode_key(secret).map(|_| ())
}

/// The problem with a `jitter` value, if any.
pub(crate) fn check_jitter(max: std::time::Duration) -> Result<(), String> {
    if max > crate::jitter::MAX_JITTER {
        return Err(format!(
            "jitter = {:?} is more than a week; use at most 7d",
            crate::duration::format(max)
        ));
    }
    Ok(())
}

/// Checks an `http://` or `https://` URL as far as can be told before `${VAR}`s are expanded:
/// the scheme, a host, and no spaces.
pub(crate) fn check_url(url: &str) -> Result<(), String> {
    if url.starts_with("${") {
        // The whole URL (or its start) comes from the environment when the job runs.
        return Ok(());
    }
    let Some(rest) = url
        .strip_prefix("http://")
        .or_else(|| url.strip_prefix("https://"))
    else {
        return Err(format!("URL {url:?} must start with http:// or https://"));
    };
    if url.chars().any(char::is_whitespace) {
        return Err(format!("URL {url:?} contains a space; write spaces as %20"));
    }
    if url.chars().any(char::is_control) {
        return Err(format!(
            "URL {url:?} contains a control character; write it percent-encoded (%00 ...)"
        ));
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = authority.rsplit('@').next().unwrap_or("");
    if host.is_empty() || host.starts_with(':') {
        return Err(format!("URL {url:?} has no host name"));
    }
    Ok(())
}

/// The most bytes a command may have: it is passed to the shell as one argument (`sh -c
/// COMMAND`), and Linux refuses to start a program with an argument longer than
/// MAX_ARG_STRLEN (32 pages, terminating NUL included) or arguments longer than ARG_MAX in
/// all (`sysconf`), with "Argument list too long" at every run.
pub(crate) fn max_command_len() -> usize {
    static LIMIT: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *LIMIT.get_or_init(|| {
        use nix::unistd::{SysconfVar, sysconf};
        let value = |var| {
            sysconf(var)
                .ok()
                .flatten()
                .and_then(|v| usize::try_from(v).ok())
        };
        let per_argument = value(SysconfVar::PAGE_SIZE).map_or(131_072, |page| page * 32);
        let all = value(SysconfVar::ARG_MAX).unwrap_or(per_argument);
        per_argument.min(all) - 1
    })
}

/// Where `text` has a NUL byte, which no program can receive in an argument, an environment
/// variable or a path: the message, else `None`.
fn nul_problem(text: &str, what: &str) -> Option<String> {
    text.contains('\0').then(|| {
        format!("{what} contains a NUL byte (\\u0000), which a program cannot receive; remove it")
    })
}

/// Schedules already parsed, by their text. Files repeat schedules a lot, parsing one is the
/// most expensive part of validating a job, and a schedule's meaning depends only on its text.
#[derive(Debug)]
pub(crate) enum ScheduleCache {
    /// Jobs get their parsed schedule (a clone of the cached one).
    Keep(HashMap<String, Schedule>),
    /// Only checking a file: each distinct schedule is parsed once to check it, and jobs get
    /// `stand_in` instead, because they are thrown away (see `parse::check_text`); only their
    /// names, actions and the schedule as written (`Triggers::as_str`) are theirs. The valid
    /// texts are kept with `Schedule::surely_fires`, for `check`'s warnings.
    CheckOnly {
        valid: HashMap<String, bool>,
        stand_in: Schedule,
    },
}

impl ScheduleCache {
    /// A cache whose jobs get their real schedules.
    pub(crate) fn new() -> ScheduleCache {
        ScheduleCache::Keep(HashMap::new())
    }

    /// A cache for checking only: the jobs resolved with it must not be used.
    pub(crate) fn check_only() -> ScheduleCache {
        ScheduleCache::CheckOnly {
            valid: HashMap::new(),
            stand_in: Schedule::parse("@reboot").expect("@reboot is a valid schedule"),
        }
    }

    fn get(&mut self, text: &str) -> Result<Schedule, ScheduleError> {
        match self {
            ScheduleCache::Keep(parsed) => {
                if let Some(schedule) = parsed.get(text) {
                    return Ok(schedule.clone());
                }
                let schedule = Schedule::parse(text)?;
                parsed.insert(text.to_owned(), schedule.clone());
                Ok(schedule)
            }
            ScheduleCache::CheckOnly { valid, stand_in } => {
                if !valid.contains_key(text) {
                    let schedule = Schedule::parse(text)?;
                    valid.insert(text.to_owned(), schedule.surely_fires());
                }
                Ok(stand_in.clone())
            }
        }
    }

    /// Whether the schedule of that text, cached valid, surely fires (`Schedule::surely_fires`);
    /// `false` when it is not known.
    pub(crate) fn surely_fires(&self, text: &str) -> bool {
        match self {
            ScheduleCache::Keep(parsed) => parsed.get(text).is_some_and(Schedule::surely_fires),
            ScheduleCache::CheckOnly { valid, .. } => valid.get(text).copied().unwrap_or(false),
        }
    }
}

/// Turns a job as written into a `Job`, with `[defaults]` applied, or every problem with it.
pub(crate) fn resolve(
    name: &str,
    raw: RawJob,
    defaults: &RawDefaults,
) -> Result<Job, Vec<Problem>> {
    resolve_cached(name, raw, defaults, None)
}

/// `resolve`, taking parsed schedules from `cache` and adding the ones it parses.
pub(crate) fn resolve_cached(
    name: &str,
    raw: RawJob,
    defaults: &RawDefaults,
    cache: Option<&mut ScheduleCache>,
) -> Result<Job, Vec<Problem>> {
    let mut problems = Vec::new();
    if !valid_name(name) {
        problems.push(Problem::new(Some(name), None, invalid_name_message(name)));
    }
    let mut problem = |key: &str, message: String| {
        problems.push(Problem::new(Some(name), Some(key), message));
    };
    // `None`: no `schedule` key (then `webhook` or `after` is the trigger); `Some(None)`: one
    // that is wrong (reported).
    // A check-only cache hands out a stand-in schedule: the job keeps the text as written.
    let stand_in = matches!(cache, Some(ScheduleCache::CheckOnly { .. }));
    let schedule = match (raw.schedule.as_deref(), cache) {
        (None, _) => None,
        (Some(text), Some(cache)) => Some(cache.get(text)),
        (Some(text), None) => Some(Schedule::parse(text)),
    }
    .map(|parsed| {
        parsed
            .map_err(|err| problem("schedule", err.to_string()))
            .ok()
    });
    // (`after = []` names no job: no trigger either.)
    if raw.schedule.is_none()
        && raw.webhook.is_none()
        && raw.after.as_ref().is_none_or(Vec::is_empty)
    {
        problem(
            "schedule",
            format!(
                "the job has no trigger: add `schedule` (like schedule = \"0 2 * * *\"), a \
                 [jobs.{name}.webhook] table to run it on requests, or after = [\"other-job\"] \
                 to run it when another job's run ends"
            ),
        );
    }
    let webhook = raw
        .webhook
        .map(|webhook| super::webhook::resolve_webhook(name, webhook, &mut problem));
    let jitter = raw
        .jitter
        .as_ref()
        .or(defaults.jitter.as_ref())
        .map(|text| crate::duration::parse(text).map_err(|err| err.to_string()))
        .transpose()
        .and_then(|max| max.map_or(Ok(None), |max| check_jitter(max).map(|()| Some(max))))
        .map_err(|err| problem("jitter", err))
        .ok()
        .flatten()
        .filter(|max| !max.is_zero());
    // Only a calendar schedule has runs to delay (not `@reboot`, not a webhook or `after`
    // alone). (From the text: a check-only cache hands out a stand-in schedule.)
    let calendar = raw
        .schedule
        .as_deref()
        .is_some_and(|text| !text.trim().eq_ignore_ascii_case("@reboot"));
    let schedule_wrong = matches!(schedule, Some(None));
    if raw.jitter.is_some() && jitter.is_some() && !schedule_wrong && !calendar {
        problem(
            "jitter",
            "`jitter` delays the runs of a calendar schedule, and this job has none (no \
             `schedule`, or @reboot); remove it"
                .into(),
        );
    }
    let after = raw.after.unwrap_or_default();
    for upstream in &after {
        if !valid_name(upstream) {
            problem(
                "after",
                format!("`after` names {upstream:?}, which is not a job name"),
            );
        }
    }
    if raw.after_status.is_some() && after.is_empty() {
        problem(
            "after_status",
            "`after_status` says which ends of an `after` job's runs start this one; add \
             after = [\"other-job\"] or remove it"
                .into(),
        );
    }
    let zone = Zone::from_option(raw.timezone.as_deref().or(defaults.timezone.as_deref()))
        .map_err(|err| problem("timezone", err))
        .ok();
    let duration = |text: Option<&String>| text.map(|t| crate::duration::parse(t)).transpose();
    let timeout = duration(raw.timeout.as_ref().or(defaults.timeout.as_ref()))
        .map_err(|err| problem("timeout", err.to_string()))
        .ok()
        .flatten();
    if timeout.is_some_and(|t| t.is_zero()) {
        problem(
            "timeout",
            "a timeout of 0 would kill every run at once; leave it out for no limit".into(),
        );
    }
    let retry_delay = duration(raw.retry_delay.as_ref().or(defaults.retry_delay.as_ref()))
        .map_err(|err| problem("retry_delay", err.to_string()))
        .ok()
        .flatten()
        .unwrap_or(DEFAULT_RETRY_DELAY);
    if let Some(retries) = raw.retries.filter(|r| *r > MAX_RETRIES) {
        problem(
            "retries",
            format!("retries = {retries} is too large; use at most {MAX_RETRIES}"),
        );
    }
    if let Some(shell) = &raw.shell
        && let Err(message) = check_shell(shell)
    {
        problem("shell", message);
    }
    for (key, text) in [("shell", &raw.shell), ("workdir", &raw.workdir)] {
        if let Some(message) = text
            .as_deref()
            .and_then(|t| nul_problem(t, &format!("`{key}`")))
        {
            problem(key, message);
        }
    }
    for (name, value) in raw.env.iter().flatten() {
        if let Some(message) = nul_problem(value, "the value") {
            problem(&format!("env.{name}"), message);
        }
        if !valid_env_name(name) {
            problem(
                &format!("env.{name}"),
                format!(
                    "invalid environment variable name {name:?}: use letters, digits and `_`, \
                     not starting with a digit"
                ),
            );
        }
    }
    let action = match (raw.command, raw.http) {
        (Some(_), Some(_)) => {
            problem(
                "http",
                "a job has either `command` or `http`, not both".into(),
            );
            None
        }
        (None, None) => {
            problem(
                "command",
                "a job needs `command` (a shell command) or `http` (a URL to call)".into(),
            );
            None
        }
        (Some(command), None) => {
            if command.trim().is_empty() {
                problem("command", "the command is empty".into());
            }
            if let Some(message) = nul_problem(&command, "the command") {
                problem("command", message);
            }
            let limit = max_command_len();
            if command.len() > limit {
                problem(
                    "command",
                    format!(
                        "the command is {} bytes, more than the {limit} bytes this system \
                         passes to a program in one argument, so it would fail at every run; \
                         put it in a script and run the script",
                        command.len()
                    ),
                );
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
                problem(
                    "workdir",
                    "`workdir` is for shell jobs, not HTTP jobs".into(),
                );
            }
            let method = http
                .method
                .unwrap_or_else(|| "GET".into())
                .to_ascii_uppercase();
            if method.is_empty() || !method.chars().all(|c| c.is_ascii_alphabetic()) {
                problem(
                    "http.method",
                    format!("invalid HTTP method {method:?}: use GET, POST, PUT, ..."),
                );
            }
            if let Err(message) = check_url(&http.url) {
                problem("http.url", message);
            }
            if let Some(bad) = http
                .expect
                .iter()
                .flatten()
                .find(|c| !(100..=599).contains(*c))
            {
                problem(
                    "http.expect",
                    format!("{bad} is not an HTTP status code (100-599)"),
                );
            }
            for (header, value) in http.headers.iter().flatten() {
                if header.is_empty() || !header.chars().all(|c| c.is_ascii_graphic() && c != ':') {
                    problem("http.headers", format!("invalid header name {header:?}"));
                }
                // A line break would end the header (and could start another one).
                let bad = if value.contains(['\r', '\n']) {
                    Some("a line break (CR or LF); a header value is one line")
                } else if value.contains('\0') {
                    Some("a NUL byte (\\u0000)")
                } else {
                    None
                };
                if let Some(bad) = bad {
                    problem(
                        &format!("http.headers.{header}"),
                        format!("the value of header {header:?} contains {bad}: remove it"),
                    );
                }
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
    let notify = raw.notify.or_else(|| defaults.notify.clone()).map(|n| {
        if let Err(message) = check_notify_secret(&n) {
            problem("notify.secret", message);
        }
        Notify {
            url: n.url,
            on: n.on.unwrap_or_default(),
            secret: n.secret,
            format: n.format.unwrap_or_default(),
            signature: n.signature.unwrap_or_default(),
        }
    });
    if let Some(notify) = &notify
        && let Err(message) = check_url(&notify.url)
    {
        problem("notify.url", message);
    }
    let ping = raw.ping.or_else(|| defaults.ping.clone());
    if let Some(url) = &ping
        && let Err(message) = check_ping(url)
    {
        problem("ping", message);
    }
    let mail_to = raw.mail_to.or_else(|| defaults.mail_to.clone());
    if let Some(to) = &mail_to
        && let Err(message) = check_mail_to(to)
    {
        problem("mail_to", message);
    }
    // A trigger that is wrong leaves none (the problem is reported).
    let triggers = match (schedule, webhook) {
        (Some(None), _) | (_, Some(None)) => None,
        (schedule, webhook) => {
            let schedule = schedule.flatten();
            Some(Triggers {
                jitter: jitter
                    .filter(|_| schedule.as_ref().is_some_and(|s| !s.is_reboot()))
                    .map(|max| Jitter::for_job(name, max)),
                webhook: webhook.flatten(),
                after,
                after_status: raw.after_status.unwrap_or_default(),
                ..match (schedule, raw.schedule.as_deref()) {
                    (Some(schedule), Some(text)) if stand_in => Triggers {
                        written: text.trim().to_owned(),
                        ..Triggers::from_schedule(schedule)
                    },
                    (schedule, _) => schedule.map_or_else(Triggers::none, Triggers::from_schedule),
                }
            })
        }
    };
    match (triggers, zone, action) {
        (Some(triggers), Some(zone), Some(action)) if problems.is_empty() => Ok(Job {
            name: name.to_owned(),
            description: raw.description,
            triggers,
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
            // `""` turns off what `[defaults]` sets.
            ping: ping.filter(|url| !url.is_empty()),
            mail_to: mail_to.filter(|to| !to.trim().is_empty()),
        }),
        _ => Err(problems),
    }
}

#[cfg(test)]
impl ScheduleCache {
    fn len(&self) -> usize {
        match self {
            ScheduleCache::Keep(parsed) => parsed.len(),
            ScheduleCache::CheckOnly { valid, .. } => valid.len(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cached_schedules_resolve_the_same() {
        let mut cache = ScheduleCache::new();
        let none = RawDefaults::default();

        let first = resolve_cached("a", shell("*/5 * * * *", "a"), &none, Some(&mut cache));
        assert_eq!(cache.len(), 1);
        let second = resolve_cached("b", shell("*/5 * * * *", "b"), &none, Some(&mut cache));
        assert_eq!(cache.len(), 1);
        assert_eq!(
            first.unwrap().triggers.as_str(),
            second.unwrap().triggers.as_str()
        );
        let problems = resolve_cached("c", shell("99 * * * *", "c"), &none, Some(&mut cache));
        assert!(
            problems.unwrap_err()[0]
                .message
                .contains("invalid schedule")
        );
        assert_eq!(cache.len(), 1);
        // Checking only: known texts are not parsed again, new ones are, bad ones refused.
        let mut cache = ScheduleCache::check_only();
        resolve_cached("x", shell("*/5 * * * *", "x"), &none, Some(&mut cache)).unwrap();
        let job = resolve_cached("d", shell("*/5 * * * *", "d"), &none, Some(&mut cache));
        assert!(job.is_ok());
        let job = resolve_cached("e", shell(" @daily ", "e"), &none, Some(&mut cache));
        // A stand-in schedule, but the text as written (what `import` compares).
        assert_eq!(job.unwrap().triggers.as_str(), "@daily");
        assert_eq!(cache.len(), 2);
        let problems = resolve_cached("f", shell("99 * * * *", "f"), &none, Some(&mut cache));
        assert!(
            problems.unwrap_err()[0]
                .message
                .contains("invalid schedule")
        );
    }
    use crate::store::model::RawHttp;

    fn shell(schedule: &str, command: &str) -> RawJob {
        RawJob {
            schedule: Some(schedule.into()),
            command: Some(command.into()),
            ..RawJob::default()
        }
    }

    #[test]
    fn names() {
        for good in ["backup", "a.b-c_d", "X9"] {
            assert!(valid_name(good), "{good}");
        }
        for bad in [
            "", "a b", "a/b", "ü", "a:b", "-v", "--help", "-", ".", "..", "...",
        ] {
            assert!(!valid_name(bad), "{bad}");
        }
        assert!(valid_name("a-"));
        assert!(valid_name(".a") && valid_name("a..b") && valid_name("1."));
        assert!(invalid_name_message("..").contains("cannot be only dots"));
        assert!(invalid_name_message("-v").contains("a name cannot start with `-`"));
        assert!(invalid_name_message("a b").contains("use only letters"));
        for good in ["A", "_", "PG_HOST", "x1"] {
            assert!(valid_env_name(good), "{good}");
        }
        for bad in ["", "A B", "1X", "A=B", "a.b", "é"] {
            assert!(!valid_env_name(bad), "{bad}");
        }
    }

    #[test]
    fn urls() {
        for good in [
            "https://example.com",
            "http://127.0.0.1:8080/x?y#z",
            "https://${HOST}/path",
            "${URL}",
            "https://user@host/",
        ] {
            assert_eq!(check_url(good), Ok(()), "{good}");
        }
        for (bad, why) in [
            ("ftp://x", "must start with"),
            ("example.com", "must start with"),
            ("https://", "no host"),
            ("https:///path", "no host"),
            ("https://a b", "contains a space"),
        ] {
            let err = check_url(bad).unwrap_err();
            assert!(err.contains(why), "{bad}: {err}");
        }
    }

    #[test]
    fn defaults_apply_and_job_values_win() {
        let defaults = RawDefaults {
            timezone: Some("Europe/Berlin".into()),
            timeout: Some("1h".into()),
            retries: Some(2),
            ..RawDefaults::default()
        };
        let mut raw = shell("0 2 * * *", "true");
        raw.timeout = Some("5m".into());
        let job = resolve("a", raw, &defaults).unwrap();
        assert_eq!(job.zone, Zone::Named(chrono_tz::Europe::Berlin));
        assert_eq!(job.timeout, Some(std::time::Duration::from_secs(300)));
        assert_eq!(job.retries, 2);
        assert!(job.enabled);
    }

    #[test]
    fn every_problem_is_collected() {
        let raw = RawJob {
            schedule: Some("61 * * * *".into()),
            timezone: Some("Mars/Base".into()),
            timeout: Some("5x".into()),
            retry_delay: Some("0".into()),
            http: Some(RawHttp {
                url: "ftp://x".into(),
                method: Some("G ET".into()),
                expect: Some(vec![200, 999]),
                ..RawHttp::default()
            }),
            ..RawJob::default()
        };
        let problems = resolve("bad name", raw, &RawDefaults::default()).unwrap_err();
        assert_eq!(problems[0].key, None);
        assert!(problems[0].message.contains("invalid job name"));
        let keys: Vec<_> = problems.iter().filter_map(|p| p.key.as_deref()).collect();
        assert_eq!(
            keys,
            [
                "schedule",
                "timezone",
                "timeout",
                "retry_delay",
                "http.method",
                "http.url",
                "http.expect"
            ]
        );
        assert!(
            problems[1]
                .message
                .starts_with("invalid schedule \"61 * * * *\"")
        );
    }

    #[test]
    fn command_and_http_conflict_or_missing() {
        let mut raw = shell("@daily", "true");
        raw.http = Some(RawHttp {
            url: "https://x".into(),
            ..RawHttp::default()
        });
        let problems = resolve("a", raw, &RawDefaults::default()).unwrap_err();
        assert!(problems[0].message.contains("not both"));
        let raw = RawJob {
            schedule: Some("@daily".into()),
            ..RawJob::default()
        };
        let problems = resolve("a", raw, &RawDefaults::default()).unwrap_err();
        assert!(problems[0].message.contains("needs `command`"));
        let problems = resolve("a", shell("@daily", "  "), &RawDefaults::default()).unwrap_err();
        assert!(problems[0].message.contains("empty"));
    }

    #[test]
    fn what_no_program_can_receive_is_refused() {
        let none = RawDefaults::default();
        let problems = resolve("a", shell("@daily", "echo a\0b"), &none).unwrap_err();
        assert_eq!(problems[0].key.as_deref(), Some("command"));
        assert!(problems[0].message.contains("NUL byte"));
        let mut raw = shell("@daily", "true");
        raw.workdir = Some("/tmp\0x".into());
        raw.shell = Some("/bin/sh\0".into());
        raw.env = Some([("A".to_owned(), "x\0".to_owned())].into());
        let problems = resolve("a", raw, &none).unwrap_err();
        let keys: Vec<_> = problems.iter().filter_map(|p| p.key.as_deref()).collect();
        assert_eq!(keys, ["shell", "workdir", "env.A"]);
        let limit = max_command_len();
        // At least Linux's 32 pages of 4 KiB, with room for the NUL.
        assert!(limit >= 131_071, "{limit}");
        assert!(resolve("a", shell("@daily", &"x".repeat(limit)), &none).is_ok());
        let problems = resolve("a", shell("@daily", &"x".repeat(limit + 1)), &none).unwrap_err();
        assert!(
            problems[0]
                .message
                .contains(&format!("{} bytes", limit + 1))
        );
        for (value, ok) in [
            ("a\r\nb", false),
            ("a\nb", false),
            ("a\0", false),
            ("a\tb", true),
        ] {
            let raw = RawJob {
                schedule: Some("@daily".into()),
                http: Some(RawHttp {
                    url: "https://x".into(),
                    headers: Some([("X-A".to_owned(), value.to_owned())].into()),
                    ..RawHttp::default()
                }),
                ..RawJob::default()
            };
            assert_eq!(resolve("a", raw, &none).is_ok(), ok, "{value:?}");
        }
        assert!(
            check_url("https://x/\0")
                .unwrap_err()
                .contains("control character")
        );
    }
}
