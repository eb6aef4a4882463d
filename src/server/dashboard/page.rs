//! The dashboard's two pages, written from the same JSON the API answers (`list --json`,
//! `show --json`, `history --json`): `/`, every job with its trigger, next run, last result
//! and run in progress; `/jobs/NAME`, one job's settings, next runs, history with output and
//! deliveries. Plain HTML that reads and works (forms that POST) before the script runs.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::html::{Viewer, elapsed, esc, path_segment, status, time_of};
use crate::server::deliveries::Delivery;
use crate::store::Job;

/// The most of a run's output a page shows (its end); `jobtab logs` has the whole tail.
const OUTPUT_SHOWN: usize = 4 * 1024;

/// `/`: every job of `jobs`, with its `list --json` row from `rows`.
pub(crate) fn index(jobs: &[&Job], rows: &Value, viewer: Viewer, now: DateTime<Utc>) -> String {
    let empty = Vec::new();
    let rows = rows.as_array().unwrap_or(&empty);
    let mut main = format!(
        "<h1>Jobs <span class=\"count\">({})</span></h1>",
        jobs.len()
    );
    if jobs.is_empty() {
        main.push_str(
            "<p>No jobs loaded. Add one with <code>jobtab add</code> or \
             <code>jobtab edit</code>; this page shows it once <code>jobtab run</code> has \
             reloaded the file.</p>",
        );
    }
    let by_name: HashMap<&str, &Value> = rows
        .iter()
        .filter_map(|row| Some((row["name"].as_str()?, row)))
        .collect();
    main.push_str("<ul class=\"jobs\">");
    for job in jobs {
        let row = by_name
            .get(job.name.as_str())
            .copied()
            .unwrap_or(&Value::Null);
        main.push_str(&card(job, row, viewer, now));
    }
    main.push_str("</ul>");
    super::html::page("Jobs", viewer, &main)
}

/// One job on `/`.
fn card(job: &Job, row: &Value, viewer: Viewer, now: DateTime<Utc>) -> String {
    let running = &row["running"];
    let mut classes = vec!["job"];
    if !job.enabled {
        classes.push("disabled");
    }
    if running.is_object() {
        classes.push("running");
    }
    let next = match row["next"].get(0) {
        Some(at) => time_of(at, now),
        None => no_next_run(job),
    };
    let last = match &row["last_result"] {
        Value::Null => "none yet".to_owned(),
        last => format!(
            "{} {}",
            result_words(last),
            time_of(&last["started_at"], now)
        ),
    };
    let running = if running.is_object() {
        let since = running["started_at"].as_str().unwrap_or("");
        format!(
            "<p class=\"now\">{} for {} (run <code>{}</code>)</p>",
            status("running"),
            elapsed(since, now),
            esc(running["run_id"].as_str().unwrap_or(""))
        )
    } else {
        String::new()
    };
    format!(
        "<li class=\"{classes}\" data-job=\"{name}\" data-enabled=\"{enabled}\">\
         <h2><a href=\"/jobs/{link}\">{name}</a>{state}</h2>{running}\
         <dl><dt>Trigger</dt><dd>{trigger}</dd>\
         <dt>Next run</dt><dd class=\"next\">{next}</dd>\
         <dt>Last result</dt><dd class=\"last\">{last}</dd>\
         <dt>Runs</dt><dd class=\"what\"><code>{what}</code></dd></dl>{buttons}</li>",
        classes = classes.join(" "),
        name = esc(&job.name),
        link = path_segment(&job.name),
        enabled = job.enabled,
        state = if job.enabled {
            ""
        } else {
            " <span class=\"state\">disabled</span>"
        },
        trigger = trigger_words(job).join("<br>"),
        what = esc(&job.action_summary()),
        buttons = buttons(job, viewer),
    )
}

/// Why a job has no next run.
fn no_next_run(job: &Job) -> String {
    if !job.enabled {
        "none (disabled)".into()
    } else if job.triggers.at_start_only() {
        "when <code>jobtab run</code> starts".into()
    } else if job.triggers.webhook_only_job() {
        "on each delivery".into()
    } else if let Some(after) = job.triggers.after_words() {
        esc(&after)
    } else {
        "none".into()
    }
}

/// What starts the job, in words (escaped): its schedule and what that means (with its
/// jitter), the jobs it runs after, its webhook.
pub(crate) fn trigger_words(job: &Job) -> Vec<String> {
    let mut words = Vec::new();
    let triggers = &job.triggers;
    if triggers.has_schedule() {
        let jitter = triggers.jitter.map_or_else(String::new, |jitter| {
            format!(" + jitter {}", crate::duration::format(jitter.max))
        });
        words.push(format!(
            "<code>{}</code>{} <span class=\"words\">{}</span>",
            esc(triggers.as_str()),
            esc(&jitter),
            esc(&triggers.describe())
        ));
    }
    if let Some(after) = triggers.after_words() {
        words.push(esc(&after));
    }
    if let Some(hook) = &triggers.webhook {
        words.push(esc(&hook.summary()));
    }
    if words.is_empty() {
        words.push("none".into());
    }
    words
}

/// A run's result in words: `ok`, `failed (exit 2)`, `failed (HTTP 503)`.
fn result_words(run: &Value) -> String {
    let word = run["status"].as_str().unwrap_or("unknown");
    let detail = match (word, run["exit_code"].as_i64(), run["http_status"].as_i64()) {
        ("ok" | "running" | "skipped", _, _) => String::new(),
        (_, _, Some(code)) => format!(" (HTTP {code})"),
        (_, Some(code), None) => format!(" (exit {code})"),
        _ => String::new(),
    };
    format!("{}{}", status(word), esc(&detail))
}

/// Run now, enable or disable: forms that POST (the script sends them to the API instead).
fn buttons(job: &Job, viewer: Viewer) -> String {
    let link = path_segment(&job.name);
    let off = if viewer == Viewer::ReadOnly {
        " disabled title=\"read-only: set [server] token to allow changes\""
    } else {
        ""
    };
    let toggle = if job.enabled { "disable" } else { "enable" };
    let label = if job.enabled { "Disable" } else { "Enable" };
    format!(
        "<div class=\"buttons\">\
         <form method=\"post\" action=\"/jobs/{link}/run\" data-api=\"/api/jobs/{link}/run\">\
         <button type=\"submit\" class=\"run\"{run_off}>Run now</button></form>\
         <form method=\"post\" action=\"/jobs/{link}/{toggle}\" data-api=\"/api/jobs/{link}/{toggle}\">\
         <button type=\"submit\" class=\"{toggle}\"{off}>{label}</button></form></div>",
        run_off = if job.enabled {
            off
        } else {
            " disabled title=\"enable it first\""
        },
    )
}

/// `/jobs/NAME`: the job's settings (`show` JSON), next runs, runs (`history` JSON, newest
/// first, a run in progress among them) and `deliveries` (HTML, already escaped).
pub(crate) fn job(
    job: &Job,
    show: &Value,
    runs: &Value,
    deliveries: &str,
    viewer: Viewer,
    now: DateTime<Utc>,
) -> String {
    let running = &show["running"];
    let mut main = format!(
        "<p class=\"crumbs\"><a href=\"/\">All jobs</a></p>\
         <article class=\"job{disabled}{busy}\" data-job=\"{name}\" data-enabled=\"{enabled}\">\
         <h1>{name}{state}</h1>",
        name = esc(&job.name),
        enabled = job.enabled,
        disabled = if job.enabled { "" } else { " disabled" },
        busy = if running.is_object() { " running" } else { "" },
        state = if job.enabled {
            ""
        } else {
            " <span class=\"state\">disabled</span>"
        },
    );
    if let Some(description) = show["description"].as_str() {
        main.push_str(&format!(
            "<p class=\"description\">{}</p>",
            esc(description)
        ));
    }
    if running.is_object() {
        main.push_str(&format!(
            "<p class=\"now\">{} for {} (run <code>{}</code>)</p>",
            status("running"),
            elapsed(running["started_at"].as_str().unwrap_or(""), now),
            esc(running["run_id"].as_str().unwrap_or(""))
        ));
    }
    main.push_str(&buttons(job, viewer));
    main.push_str(&settings(job, show));
    main.push_str("<section><h2>Next runs</h2>");
    match show["next"].as_array().filter(|next| !next.is_empty()) {
        Some(next) => {
            main.push_str("<ol class=\"next\">");
            for at in next {
                main.push_str(&format!("<li>{}</li>", time_of(at, now)));
            }
            main.push_str("</ol>");
        }
        None => main.push_str(&format!("<p>{}</p>", no_next_run(job))),
    }
    main.push_str("</section>");
    main.push_str(&history(runs, now));
    main.push_str(deliveries);
    main.push_str("</article>");
    super::html::page(&job.name, viewer, &main)
}

/// The settings as `show --json` resolves them; secrets as written (`${VAR}`), never expanded.
fn settings(job: &Job, show: &Value) -> String {
    let mut rows: Vec<(&str, String)> = Vec::new();
    rows.push(("trigger", trigger_words(job).join("<br>")));
    rows.push(("timezone", text(&show["timezone"])));
    match show["kind"].as_str() {
        Some("http") => {
            let http = &show["http"];
            rows.push((
                "http",
                format!(
                    "<code>{} {}</code>",
                    text(&http["method"]),
                    text(&http["url"])
                ),
            ));
            if let Some(headers) = http["headers"].as_object() {
                for (name, value) in headers {
                    rows.push((
                        "header",
                        format!("<code>{}: {}</code>", esc(name), text(value)),
                    ));
                }
            }
            if http["body"].is_string() {
                rows.push(("body", format!("<code>{}</code>", text(&http["body"]))));
            }
        }
        _ => {
            rows.push((
                "command",
                format!("<code>{}</code>", text(&show["command"])),
            ));
            rows.push(("shell", text(&show["shell"])));
            if show["workdir"].is_string() {
                rows.push(("workdir", text(&show["workdir"])));
            }
        }
    }
    let ms = |value: &Value| match value.as_u64() {
        Some(ms) => crate::duration::format(std::time::Duration::from_millis(ms)),
        None => "none".to_owned(),
    };
    rows.push(("timeout", ms(&show["timeout_ms"])));
    let retries = match show["retries"].as_u64() {
        Some(0) | None => "0".to_owned(),
        Some(n) => format!(
            "{n} (first after {}, then doubling)",
            ms(&show["retry_delay_ms"])
        ),
    };
    rows.push(("retries", retries));
    rows.push(("overlap", text(&show["overlap"])));
    rows.push(("catch_up", text(&show["catch_up"])));
    if let Some(env) = show["env"].as_object() {
        for (name, value) in env {
            rows.push(("env", format!("<code>{}={}</code>", esc(name), text(value))));
        }
    }
    if show["notify"].is_object() {
        let notify = &show["notify"];
        let secret = match notify["secret"].as_str() {
            Some(secret) => format!(", signed with <code>{}</code>", esc(secret)),
            None => String::new(),
        };
        rows.push((
            "notify",
            format!(
                "{} on {} as {}{secret}",
                text(&notify["url"]),
                text(&notify["on"]),
                text(&notify["format"])
            ),
        ));
    }
    for key in ["ping", "mail_to"] {
        if show[key].is_string() {
            rows.push((key, text(&show[key])));
        }
    }
    if let Some(hook) = &job.triggers.webhook {
        let secret = hook
            .secret
            .as_deref()
            .map_or("none".to_owned(), secret_words);
        rows.push(("webhook secret", secret));
        if let Some(limit) = &hook.rate_limit {
            rows.push(("webhook rate_limit", esc(&limit.as_string())));
        }
    }
    let mut out = String::from("<section><h2>Settings</h2><dl class=\"settings\">");
    for (key, value) in rows {
        out.push_str(&format!("<dt>{}</dt><dd>{value}</dd>", esc(key)));
    }
    out.push_str("</dl></section>");
    out
}

/// A secret as written in the file: a `${VAR}` reference is shown, never its value; a literal
/// is hidden.
fn secret_words(secret: &str) -> String {
    if secret.trim_start().starts_with("${") && secret.trim_end().ends_with('}') {
        format!("<code>{}</code>", esc(secret))
    } else {
        "(a literal value, hidden)".to_owned()
    }
}

/// A JSON value as text (strings without quotes), escaped.
fn text(value: &Value) -> String {
    match value {
        Value::String(text) => esc(text),
        Value::Null => "none".to_owned(),
        other => esc(&other.to_string()),
    }
}

/// The runs, newest first: status, times, the error and the end of the output.
fn history(runs: &Value, now: DateTime<Utc>) -> String {
    let empty = Vec::new();
    let runs = runs.as_array().unwrap_or(&empty);
    let mut out = String::from("<section><h2>History</h2>");
    if runs.is_empty() {
        out.push_str("<p>No runs recorded yet.</p>");
    }
    out.push_str("<ol class=\"runs\">");
    for run in runs {
        out.push_str(&run_item(run, now));
    }
    out.push_str("</ol></section>");
    out
}

/// One run of the history.
fn run_item(run: &Value, now: DateTime<Utc>) -> String {
    let id = run["run_id"].as_str().unwrap_or("");
    let word = run["status"].as_str().unwrap_or("");
    let took = if word == "running" {
        format!(
            "running for {}",
            elapsed(run["started_at"].as_str().unwrap_or(""), now)
        )
    } else {
        let ms = run["duration_ms"].as_u64().unwrap_or(0);
        format!(
            "took {}",
            crate::duration::format(std::time::Duration::from_millis(ms))
        )
    };
    let error = match run["error"].as_str() {
        Some(error) => format!("<p class=\"error\">error: {}</p>", esc(error)),
        None => String::new(),
    };
    let tail = run["output_tail"].as_str().unwrap_or("");
    let output = if word == "running" {
        "<p class=\"muted\">output appears here when the run ends</p>".to_owned()
    } else if tail.is_empty() {
        "<p class=\"muted\">no output</p>".to_owned()
    } else {
        let shown = crate::history::tail(tail, OUTPUT_SHOWN);
        let cut = if shown.len() < tail.len() {
            format!(
                "<p class=\"muted\">the last {} KiB; <code>jobtab logs {} --run {}</code> \
                 prints all of it</p>",
                OUTPUT_SHOWN / 1024,
                esc(run["job"].as_str().unwrap_or("")),
                esc(id.get(..8).unwrap_or(id))
            )
        } else {
            String::new()
        };
        format!("{cut}<pre class=\"output\">{}</pre>", esc(shown))
    };
    format!(
        "<li class=\"run\" data-run=\"{id}\" data-status=\"{word_attr}\">\
         <p>{result} {started} · {took} · {trigger} · attempts {attempts} · run <code>{short}</code>{from}</p>\
         {error}{output}</li>",
        id = esc(id),
        word_attr = esc(word),
        result = result_words(run),
        started = time_of(&run["started_at"], now),
        trigger = esc(run["trigger"].as_str().unwrap_or("")),
        attempts = text(&run["attempts"]),
        short = esc(id.get(..8).unwrap_or(id)),
        from = origin(run),
    )
}

/// What started a run, where history knows: the webhook delivery, the upstream run.
fn origin(run: &Value) -> String {
    let mut out = String::new();
    if let Some(delivery) = run["delivery"].as_str() {
        out.push_str(&format!(" · delivery <code>{}</code>", esc(delivery)));
    }
    if let Some(upstream) = run["upstream_run_id"].as_str() {
        out.push_str(&format!(
            " · after run <code>{}</code>",
            esc(upstream.get(..8).unwrap_or(upstream))
        ));
    }
    out
}

/// The most deliveries a job's page shows (`jobtab deliveries NAME` lists more).
pub(crate) const DELIVERIES_SHOWN: usize = 20;

/// The job's latest webhook requests, newest first: time, request, sender, answer and verdict,
/// delivery id and the run it started. `hook`: whether the job has a webhook now.
pub(crate) fn deliveries(
    name: &str,
    found: Result<&[Delivery], &str>,
    hook: bool,
    now: DateTime<Utc>,
) -> String {
    let mut out = String::from("<section class=\"deliveries\"><h2>Deliveries</h2>");
    let found = match found {
        Ok(found) => found,
        Err(why) => {
            out.push_str(&format!(
                "<p class=\"problem\">cannot read the deliveries log: {}</p></section>",
                esc(why)
            ));
            return out;
        }
    };
    if found.is_empty() {
        out.push_str(if hook {
            "<p class=\"muted\">No requests to its webhook yet.</p>"
        } else {
            "<p class=\"muted\">It has no webhook.</p>"
        });
    } else {
        out.push_str("<ol class=\"runs\">");
        for delivery in found.iter().take(DELIVERIES_SHOWN) {
            out.push_str(&delivery_item(delivery, now));
        }
        out.push_str("</ol>");
        if found.len() > DELIVERIES_SHOWN {
            out.push_str(&format!(
                "<p class=\"muted\"><code>jobtab deliveries {} --limit {}</code> lists more</p>",
                esc(name),
                found.len()
            ));
        }
    }
    out.push_str("</section>");
    out
}

fn delivery_item(delivery: &Delivery, now: DateTime<Utc>) -> String {
    let reason = delivery
        .reason
        .as_deref()
        .map_or_else(String::new, |reason| format!(" ({})", esc(reason)));
    let id = |label: &str, value: &Option<std::borrow::Cow<'_, str>>| {
        value.as_deref().map_or_else(String::new, |value| {
            format!(" · {label} <code>{}</code>", esc(value))
        })
    };
    format!(
        "<li class=\"delivery\" data-verdict=\"{verdict}\"><p>{word}{reason} · HTTP {status} · \
         {time} · <code>{method} {path}</code> from {remote}{delivery}{event}{run}</p></li>",
        verdict = esc(&delivery.verdict),
        word = status(&delivery.verdict),
        status = delivery.status,
        time = super::html::time(&delivery.time, now),
        method = esc(&delivery.method),
        path = esc(&delivery.path),
        remote = esc(&delivery.remote),
        delivery = id("delivery", &delivery.delivery),
        event = id("event", &delivery.event),
        run = id("run", &delivery.run_id),
    )
}
