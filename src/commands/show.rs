//! `jobtab show NAME`: every setting of one job as resolved (defaults applied), its schedule in
//! words, its next 5 runs, its last 5 results and whether it is installed; or all of it as JSON.

use std::process::ExitCode;

use anyhow::Result;
use chrono::Utc;
use serde::Serialize;

use super::list::{install_words, installed, status_words};
use crate::cli::ShowArgs;
use crate::crontab::{self, InstallStatus};
use crate::ctx::Ctx;
use crate::history;
use crate::json::{self, ResultJson};
use crate::output;
use crate::running::{Running, RunningJson};
use crate::store::{Action, Job, JobFile, Verify, Webhook};
use crate::zone::Zone;

/// How many upcoming runs and past results are shown.
const SHOWN: usize = 5;

pub(crate) fn run(args: &ShowArgs, ctx: &Ctx) -> Result<ExitCode> {
    let file = JobFile::read(&ctx.file)?;
    let job = file.require(&args.name)?;
    let now = Utc::now();
    let next = if job.enabled {
        job.triggers.upcoming(now, job.zone, SHOWN)
    } else {
        Vec::new()
    };
    let results = history::recent(&ctx.state_dir, &ctx.file, Some(&job.name), SHOWN, false)
        .unwrap_or_else(|err| {
            crate::output::warning(format_args!("cannot read the run history: {err:#}"));
            Vec::new()
        });
    let running = crate::running::live(&ctx.state_dir, &ctx.file, Some(&job.name));
    let install = crontab::install_status(ctx, &file);
    if args.json {
        let json = show_json(job, &next, &results, &running, &install);
        output::print_json(&json)?;
        return Ok(ExitCode::SUCCESS);
    }
    let mut out = text(job, &next, &results, &install, now);
    out.push_str(&running_text(&running, now));
    output::print_styled(&out)?;
    Ok(ExitCode::SUCCESS)
}

/// `show --json` of `job`: every setting, the next runs (`next`), the last results, the run in
/// progress. What the API's `GET /api/jobs/NAME` answers too.
pub(crate) fn show_json<'a>(
    job: &'a Job,
    next: &[chrono::DateTime<Utc>],
    results: &'a [history::RunRecord],
    running: &[Running],
    install: &InstallStatus,
) -> ShowJson<'a> {
    ShowJson {
        name: &job.name,
        description: job.description.as_deref(),
        schedule: job.triggers.schedule_text(),
        schedule_description: job.triggers.describe(),
        webhook: job
            .triggers
            .webhook
            .as_ref()
            .map(|w| json::WebhookJson::new(w, mask_secret)),
        timezone: job.zone.to_string(),
        jitter_ms: job.triggers.jitter.map(|j| j.max.as_millis() as u64),
        jitter_offset_ms: job.triggers.jitter.map(|j| j.offset.as_millis() as u64),
        after: &job.triggers.after,
        after_status: (!job.triggers.after.is_empty()).then(|| job.triggers.after_status.as_str()),
        enabled: job.enabled,
        kind: json::kind_and_command(job).0,
        command: json::kind_and_command(job).1,
        shell: match &job.action {
            Action::Shell { shell, .. } => Some(shell.as_deref().unwrap_or("/bin/sh")),
            Action::Http(_) => None,
        },
        workdir: match &job.action {
            Action::Shell { workdir, .. } => workdir.as_ref().map(|w| w.display().to_string()),
            Action::Http(_) => None,
        },
        http: match &job.action {
            Action::Http(http) => Some(HttpJson {
                method: &http.method,
                url: &http.url,
                headers: http
                    .headers
                    .iter()
                    .map(|(k, v)| (k.clone(), mask_header(k, v)))
                    .collect(),
                body: http.body.as_deref(),
                expect: &http.expect,
            }),
            Action::Shell { .. } => None,
        },
        timeout_ms: timeout(job).map(|t| t.as_millis() as u64),
        retries: job.retries,
        retry_delay_ms: job.retry_delay.as_millis() as u64,
        overlap: job.overlap.as_str(),
        catch_up: job.catch_up.as_str(),
        env: &job.env,
        notify: job.notify.as_ref().map(|n| NotifyJson {
            url: &n.url,
            on: n.on.as_str(),
            secret: n.secret.as_deref().map(mask_secret),
            format: n.format.as_str(),
            signature: n.signature.as_str(),
        }),
        ping: job.ping.as_deref(),
        mail_to: job.mail_to.as_deref(),
        next: next.iter().map(|t| json::time_in(*t, job.zone)).collect(),
        last_result: results.first().map(ResultJson::new),
        history: results.iter().map(ResultJson::new).collect(),
        running: running.first().map(Running::json),
        installed: installed(job, install),
    }
}

/// `show_json` for the API: the next runs and last results are looked up here.
pub(crate) fn show_value(
    job: &Job,
    state_dir: &std::path::Path,
    job_file: &std::path::Path,
    install: &InstallStatus,
    now: chrono::DateTime<Utc>,
) -> serde_json::Value {
    let next = if job.enabled {
        job.triggers.upcoming(now, job.zone, SHOWN)
    } else {
        Vec::new()
    };
    let results =
        history::recent(state_dir, job_file, Some(&job.name), SHOWN, false).unwrap_or_default();
    let running = crate::running::live(state_dir, job_file, Some(&job.name));
    serde_json::to_value(show_json(job, &next, &results, &running, install))
        .unwrap_or(serde_json::Value::Null)
}

/// The timeout that applies: the job's, else the HTTP default; shell jobs may have none.
fn timeout(job: &Job) -> Option<std::time::Duration> {
    match job.action {
        Action::Http(_) => Some(job.http_timeout()),
        Action::Shell { .. } => job.timeout,
    }
}

fn text(
    job: &Job,
    next: &[chrono::DateTime<Utc>],
    results: &[history::RunRecord],
    install: &InstallStatus,
    now: chrono::DateTime<Utc>,
) -> String {
    let mut lines: Vec<(&str, String)> = vec![("name", job.name.clone())];
    if let Some(description) = &job.description {
        lines.push(("description", description.clone()));
    }
    if job.triggers.has_schedule() {
        lines.push((
            "schedule",
            format!("{}  ({})", job.triggers.as_str(), job.triggers.describe()),
        ));
    }
    if let Some(webhook) = &job.triggers.webhook {
        webhook_lines(webhook, &mut lines);
    }
    if let Some(jitter) = &job.triggers.jitter {
        lines.push((
            "jitter",
            format!(
                "{} (on this machine each run starts {} after its time; the times below \
                 include it)",
                crate::duration::format(jitter.max),
                crate::duration::format(jitter.offset)
            ),
        ));
    }
    if !job.triggers.after.is_empty() {
        let when = match job.triggers.after_status {
            crate::store::AfterStatus::Success => "succeeds",
            crate::store::AfterStatus::Failure => "fails",
            crate::store::AfterStatus::Always => "ends",
        };
        lines.push((
            "after",
            format!(
                "runs when a run of {} {when}",
                job.triggers.after.join(" or ")
            ),
        ));
    }
    lines.push(("timezone", job.zone.to_string()));
    lines.push(("enabled", if job.enabled { "yes" } else { "no" }.into()));
    match &job.action {
        Action::Shell {
            command,
            shell,
            workdir,
        } => {
            lines.push(("command", command.clone()));
            lines.push((
                "shell",
                shell.clone().unwrap_or_else(|| "/bin/sh (default)".into()),
            ));
            if let Some(workdir) = workdir {
                lines.push(("workdir", workdir.display().to_string()));
            }
        }
        Action::Http(http) => {
            lines.push(("http", format!("{} {}", http.method, http.url)));
            for (name, value) in &http.headers {
                lines.push(("header", format!("{name}: {}", mask_header(name, value))));
            }
            if let Some(body) = &http.body {
                lines.push(("body", body.clone()));
            }
            let expect = if http.expect.is_empty() {
                "any 2xx".to_owned()
            } else {
                http.expect
                    .iter()
                    .map(u16::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            lines.push(("expect", expect));
        }
    }
    lines.push((
        "timeout",
        timeout(job).map_or_else(|| "none".into(), crate::duration::format),
    ));
    let retries = if job.retries == 0 {
        "0".to_owned()
    } else {
        format!(
            "{} (first after {}, then doubling, with jitter)",
            job.retries,
            crate::duration::format(job.retry_delay)
        )
    };
    lines.push(("retries", retries));
    lines.push(("overlap", job.overlap.as_str().into()));
    lines.push(("catch_up", job.catch_up.as_str().into()));
    for (key, value) in &job.env {
        lines.push(("env", format!("{key}={value}")));
    }
    if let Some(notify) = &job.notify {
        let signed = match &notify.secret {
            Some(secret) => format!(
                ", signed ({}) with {}",
                notify.signature.as_str(),
                mask_secret(secret)
            ),
            None => ", unsigned".into(),
        };
        lines.push((
            "notify",
            format!(
                "{} on {} as {}{signed}",
                notify.url,
                notify.on.as_str(),
                notify.format.as_str()
            ),
        ));
    }
    if let Some(ping) = &job.ping {
        lines.push(("ping", ping.clone()));
    }
    if let Some(to) = &job.mail_to {
        let on = job.notify.as_ref().map_or("failure", |n| n.on.as_str());
        lines.push(("mail_to", format!("{to} on {on}")));
    }
    lines.push(("crontab", install_words(install)));
    let width = lines.iter().map(|(k, _)| k.len()).max().unwrap_or(0) + 1;
    let mut out = String::new();
    for (key, value) in lines {
        out.push_str(&format!(
            "{:width$} {}\n",
            format!("{key}:"),
            output::one_line(&value)
        ));
    }
    out.push_str("next runs:\n");
    if next.is_empty() {
        let why = if !job.enabled {
            "none (disabled)".to_owned()
        } else if job.triggers.at_start_only() {
            "when `jobtab run` starts".to_owned()
        } else if job.triggers.webhook_only_job() {
            "on webhook deliveries only (`jobtab run --listen`)".to_owned()
        } else if let Some(after) = job
            .triggers
            .after_words()
            .filter(|_| !job.triggers.has_schedule())
        {
            let hook = if job.triggers.webhook.is_some() {
                "on webhook deliveries and "
            } else {
                ""
            };
            format!("none of its own: it runs only {hook}{after}")
        } else {
            "none".to_owned()
        };
        out.push_str(&format!("  {why}\n"));
    }
    // Upcoming runs in the job's zone, past ones in the viewer's.
    for t in next {
        let at = output::when(*t, job.zone, now, job.triggers.shows_seconds());
        out.push_str(&format!("  {at}\n"));
    }
    out.push_str("last results:\n");
    if results.is_empty() {
        out.push_str("  none yet\n");
    }
    for record in results {
        out.push_str(&format!(
            "  {}  {}  {}\n",
            output::when(record.started_at, Zone::Local, now, true),
            output::paint_status(&status_words(record)),
            crate::duration::format(record.took())
        ));
    }
    out
}

/// The webhook's settings, one per line: the trigger, then what it verifies (the secret as its
/// `${VAR}` template), what it lets through and what it hands the job.
fn webhook_lines(webhook: &Webhook, lines: &mut Vec<(&str, String)>) {
    lines.push(("webhook", webhook.summary()));
    let mut verify = webhook.verify.kind().as_str().to_owned();
    match &webhook.verify {
        Verify::Hmac {
            header,
            algorithm,
            encoding,
            prefix,
        } => verify.push_str(&format!(
            " ({} {} in {header}{})",
            algorithm.as_str(),
            encoding.as_str(),
            if prefix.is_empty() {
                String::new()
            } else {
                format!(" after {prefix:?}")
            }
        )),
        Verify::Token { header } => verify.push_str(&format!(
            " (in {})",
            header.as_deref().unwrap_or("Authorization: Bearer")
        )),
        _ => {}
    }
    if let Some(secret) = &webhook.secret {
        verify.push_str(&format!(" with secret {}", mask_secret(secret)));
    }
    lines.push(("  verify", verify));
    for entry in &webhook.matches {
        let values: Vec<String> = entry.values.iter().map(|v| v.to_string()).collect();
        lines.push((
            "  match",
            format!(
                "{} = {}",
                json::match_key(&entry.source),
                values.join(" or ")
            ),
        ));
    }
    for (name, pointer) in &webhook.env {
        lines.push(("  env", format!("{name} = {pointer}")));
    }
    let mut limits = format!("max_body {} bytes", webhook.max_body);
    if let Some(rate) = webhook.rate_limit {
        limits.push_str(&format!(", rate_limit {}", rate.as_string()));
    }
    lines.push(("  limits", limits));
    lines.push(("  response", webhook.response.as_str().into()));
}

/// The runs in progress, after the last results: `running now:` and one line per run.
fn running_text(running: &[Running], now: chrono::DateTime<Utc>) -> String {
    let mut out = String::new();
    if running.is_empty() {
        return out;
    }
    out.push_str("running now:\n");
    for run in running {
        out.push_str(&format!(
            "  {}  {}  (run {}, pid {})\n",
            output::when(run.started_at, Zone::Local, now, true),
            output::paint_status(&run.words(now)),
            run.run_id,
            run.pid
        ));
    }
    out
}

/// A secret written in the file: a `${VAR}` reference is shown, a literal value is not.
fn mask_secret(secret: &str) -> String {
    if secret.trim_start().starts_with("${") && secret.trim_end().ends_with('}') {
        secret.to_owned()
    } else {
        "(a literal value, hidden)".into()
    }
}

/// Header values that carry credentials are hidden unless they are `${VAR}` references.
fn mask_header(name: &str, value: &str) -> String {
    let lower = name.to_ascii_lowercase();
    let sensitive = [
        "authorization",
        "cookie",
        "token",
        "secret",
        "key",
        "password",
    ]
    .iter()
    .any(|word| lower.contains(word));
    if !sensitive || value.contains("${") {
        return value.to_owned();
    }
    match value.split_once(' ') {
        // Keep the scheme: `Bearer (hidden)`.
        Some((scheme, _)) if lower == "authorization" => format!("{scheme} (hidden)"),
        _ => "(hidden)".into(),
    }
}

#[derive(Debug, Serialize)]
pub(crate) struct ShowJson<'a> {
    name: &'a str,
    description: Option<&'a str>,
    /// null for a job without one (only a webhook or `after`).
    schedule: Option<&'a str>,
    /// "" for a job without a schedule.
    schedule_description: String,
    webhook: Option<json::WebhookJson<'a>>,
    timezone: String,
    /// `jitter` and this machine's offset; null without jitter.
    jitter_ms: Option<u64>,
    jitter_offset_ms: Option<u64>,
    /// Empty without `after`; `after_status` null then.
    after: &'a [String],
    after_status: Option<&'static str>,
    enabled: bool,
    kind: &'static str,
    command: Option<&'a str>,
    shell: Option<&'a str>,
    workdir: Option<String>,
    http: Option<HttpJson<'a>>,
    /// null: no limit (shell jobs without `timeout`).
    timeout_ms: Option<u64>,
    retries: u32,
    retry_delay_ms: u64,
    overlap: &'static str,
    catch_up: &'static str,
    env: &'a std::collections::BTreeMap<String, String>,
    notify: Option<NotifyJson<'a>>,
    ping: Option<&'a str>,
    mail_to: Option<&'a str>,
    /// The next 5 runs, in the job's zone; empty when disabled, `@reboot` or never again.
    next: Vec<String>,
    /// The latest run, as in `list --json`; null before the first.
    last_result: Option<ResultJson<'a>>,
    /// The last 5 runs, newest first (the first is `last_result`).
    history: Vec<ResultJson<'a>>,
    /// The run in progress (the one that started first, if several), or null.
    running: Option<RunningJson>,
    /// As in `list --json`: whether the job is in the installed crontab block (null: the block
    /// is out of date, or the crontab cannot be read).
    installed: Option<bool>,
}

#[derive(Debug, Serialize)]
struct HttpJson<'a> {
    method: &'a str,
    url: &'a str,
    headers: std::collections::BTreeMap<String, String>,
    body: Option<&'a str>,
    /// Empty: any 2xx.
    expect: &'a [u16],
}

#[derive(Debug, Serialize)]
struct NotifyJson<'a> {
    url: &'a str,
    on: &'static str,
    secret: Option<String>,
    format: &'static str,
    signature: &'static str,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literal_secrets_are_hidden_and_references_shown() {
        assert_eq!(mask_secret("${HOOK_SECRET}"), "${HOOK_SECRET}");
        assert_eq!(mask_secret("hunter2"), "(a literal value, hidden)");
        assert_eq!(
            mask_header("Authorization", "Bearer abc"),
            "Bearer (hidden)"
        );
        assert_eq!(mask_header("Authorization", "Bearer ${T}"), "Bearer ${T}");
        assert_eq!(mask_header("X-Api-Key", "abc"), "(hidden)");
        assert_eq!(
            mask_header("Content-Type", "application/json"),
            "application/json"
        );
    }
}
