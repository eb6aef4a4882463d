//! The dashboard's pages as HTML: what they show, escaped, and how they link and post.

use chrono::{DateTime, Utc};
use serde_json::json;

use super::html::{self, Viewer};
use super::page;
use crate::store::Job;

fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-03-01T10:00:00Z")
        .unwrap()
        .with_timezone(&Utc)
}

fn jobs(toml: &str) -> Vec<Job> {
    let (jobs, problems) = crate::store::parse(toml);
    assert!(problems.is_empty(), "{problems:?}");
    jobs
}

#[test]
fn the_index_lists_every_job_with_its_trigger_next_run_last_result_and_run_in_progress() {
    let jobs = jobs(
        r#"
        [jobs.backup]
        schedule = "0 2 * * *"
        command = "pg_dump app"
        [jobs.old]
        schedule = "@daily"
        command = "true"
        enabled = false
        "#,
    );
    let rows = json!([
        {"name": "backup", "next": ["2026-03-02T02:00:00.000Z"],
         "last_result": {"status": "failed", "exit_code": 2, "http_status": null,
                         "started_at": "2026-03-01T09:55:00.000Z"},
         "running": {"run_id": "r-123", "started_at": "2026-03-01T09:59:48.000Z", "pid": 7}},
        {"name": "old", "next": [], "last_result": null, "running": null}
    ]);
    let refs: Vec<&Job> = jobs.iter().collect();
    let html = page::index(&refs, &rows, Viewer::Cookie, now());
    assert!(
        html.contains("At 02:00 every day"),
        "the schedule in words: {html}"
    );
    // Absolute in UTC (the script shows the viewer's zone), and relative.
    assert!(
        html.contains("<time datetime=\"2026-03-02T02:00:00.000Z\">2026-03-02 02:00:00 UTC</time>")
    );
    assert!(html.contains("(in 16h)"));
    assert!(html.contains("s-failed\">failed</span> (exit 2)"), "{html}");
    assert!(html.contains("(5m ago)"));
    assert!(html.contains("s-running\">running</span> for <span class=\"elapsed\" data-since=\"2026-03-01T09:59:48.000Z\">12s</span>"));
    // Disabled: a class, an attribute and the word.
    assert!(html.contains("<li class=\"job disabled\" data-job=\"old\" data-enabled=\"false\">"));
    assert!(html.contains("<span class=\"state\">disabled</span>"));
    assert!(html.contains("none (disabled)"));
    // Buttons are forms that POST, with the API address for the script.
    assert!(html.contains(
        "<form method=\"post\" action=\"/jobs/backup/run\" data-api=\"/api/jobs/backup/run\">"
    ));
    assert!(html.contains("action=\"/jobs/old/enable\""));
    assert!(
        html.contains("action=\"/logout\""),
        "a signed-in viewer can sign out"
    );
    // Self-contained: style and script inline, nothing fetched from elsewhere.
    assert!(html.contains("<style>") && html.contains("<script>"));
    assert!(!html.contains("src=\"http") && !html.contains("href=\"http"));
}

#[test]
fn names_and_commands_are_escaped_and_read_only_pages_disable_the_buttons() {
    let jobs = jobs(
        r#"
        [jobs.x]
        schedule = "@hourly"
        command = "echo '<b>' && true"
        "#,
    );
    let mut named = jobs[0].clone();
    // Names are checked by the parser; the page escapes them anyway.
    named.name = "x<script>".into();
    let refs: Vec<&Job> = vec![&named];
    let html = page::index(&refs, &json!([]), Viewer::ReadOnly, now());
    assert!(!html.contains("x<script>"), "{html}");
    assert!(html.contains("x&lt;script&gt;"));
    assert!(html.contains("/jobs/x%3Cscript%3E/run"));
    assert!(html.contains("echo &#39;&lt;b&gt;&#39; &amp;&amp; true"));
    assert!(html.contains("read-only"));
    assert!(html.contains("class=\"run\" disabled"));
    assert!(!html.contains("/logout"));
}

#[test]
fn the_job_page_shows_settings_with_secrets_as_written_next_runs_and_output() {
    let jobs = jobs(
        r#"
        [jobs.report]
        schedule = "30 6 * * mon-fri"
        timezone = "America/New_York"
        env = { TOKEN = "${REPORT_TOKEN}" }
        [jobs.report.http]
        url = "https://example.com/${REPORT_TOKEN}"
        headers = { Authorization = "Bearer ${REPORT_TOKEN}" }
        "#,
    );
    let job = &jobs[0];
    // The environment has a value: it is never shown.
    let show = json!({
        "name": "report", "description": null, "timezone": "America/New_York", "kind": "http",
        "http": {"method": "GET", "url": "https://example.com/${REPORT_TOKEN}",
                 "headers": {"Authorization": "Bearer ${REPORT_TOKEN}"}, "body": null},
        "timeout_ms": 30000, "retries": 0, "retry_delay_ms": 30000, "overlap": "skip",
        "catch_up": "none", "env": {"TOKEN": "${REPORT_TOKEN}"}, "notify": null,
        "ping": null, "mail_to": null,
        "next": ["2026-03-02T06:30:00.000-05:00"], "running": null
    });
    let runs = json!([
        {"job": "report", "run_id": "abcdef123456", "trigger": "manual", "status": "failed",
         "exit_code": null, "http_status": 503, "started_at": "2026-03-01T09:00:00.000Z",
         "duration_ms": 1200, "attempts": 1, "output_tail": "busy <try later>",
         "error": "HTTP 503 Service Unavailable"},
        {"job": "report", "run_id": "fedcba654321", "trigger": "webhook", "status": "ok",
         "delivery": "d-42", "exit_code": null, "http_status": 200,
         "started_at": "2026-03-01T08:00:00.000Z", "duration_ms": 5, "attempts": 1,
         "output_tail": "", "error": null}
    ]);
    let html = page::job(
        job,
        &show,
        &runs,
        &page::deliveries("report", Ok(&[]), false, now()),
        Viewer::Bearer,
        now(),
    );
    assert!(html.contains("Bearer ${REPORT_TOKEN}"));
    assert!(html.contains("<code>TOKEN=${REPORT_TOKEN}</code>"));
    assert!(html.contains("2026-03-02 11:30:00 UTC"), "{html}");
    assert!(html.contains("s-failed\">failed</span> (HTTP 503)"));
    assert!(html.contains("error: HTTP 503 Service Unavailable"));
    assert!(html.contains("<pre class=\"output\">busy &lt;try later&gt;</pre>"));
    assert!(html.contains("took 1s200ms"));
    assert!(
        html.contains(
            "webhook · attempts 1 · run <code>fedcba65</code> · delivery <code>d-42</code>"
        ),
        "{html}"
    );
    assert!(html.contains("<h2>Deliveries</h2>"));
    assert!(
        !html.contains("/logout"),
        "no cookie, nothing to sign out of"
    );
}

#[test]
fn sign_in_goes_back_only_to_this_server() {
    assert_eq!(html::safe_next("/jobs/a"), "/jobs/a");
    for bad in [
        "//evil.example",
        "https://evil.example",
        "/\\evil",
        "",
        "jobs",
    ] {
        assert_eq!(html::safe_next(bad), "/", "{bad}");
    }
    let login = html::login("/jobs/\"a", Some("wrong token"));
    assert!(login.contains("value=\"/jobs/&quot;a\""));
    assert!(login.contains("type=\"password\""));
    assert!(login.contains("wrong token"));
}

#[test]
fn deliveries_show_their_verdict_request_and_run() {
    let delivery = crate::server::deliveries::Delivery {
        time: "2026-03-01T09:58:00.000Z".into(),
        job: "deploy".into(),
        file: "/jobs.toml".into(),
        method: "POST".into(),
        path: "/hooks/deploy".into(),
        remote: "203.0.113.9".into(),
        status: 401,
        verdict: "rejected".into(),
        reason: Some("signature <mismatch>".into()),
        delivery: Some("d-1".into()),
        event: Some("push".into()),
        run_id: None,
        headers: Vec::new(),
        body: "".into(),
        body_bytes: Some(2),
    };
    let html = page::deliveries("deploy", Ok(std::slice::from_ref(&delivery)), true, now());
    assert!(html.contains("s-rejected\">rejected</span> (signature &lt;mismatch&gt;) · HTTP 401"));
    assert!(html.contains("<code>POST /hooks/deploy</code> from 203.0.113.9"));
    assert!(html.contains("delivery <code>d-1</code> · event <code>push</code>"));
    assert!(html.contains("(2m ago)"));
    let many = vec![delivery; page::DELIVERIES_SHOWN + 1];
    let html = page::deliveries("deploy", Ok(&many), true, now());
    assert_eq!(
        html.matches("<li class=\"delivery\"").count(),
        page::DELIVERIES_SHOWN
    );
    assert!(html.contains("jobtab deliveries deploy"));
    assert!(page::deliveries("deploy", Ok(&[]), true, now()).contains("No requests"));
    assert!(page::deliveries("x", Ok(&[]), false, now()).contains("no webhook"));
    assert!(page::deliveries("x", Err("denied"), true, now()).contains("cannot read"));
}

#[test]
fn a_webhook_job_shows_its_hook_and_its_secret_as_written() {
    let jobs = jobs(
        r#"
        [jobs.deploy]
        command = "./deploy.sh"
        [jobs.deploy.webhook]
        verify = "github"
        secret = "${GITHUB_WEBHOOK_SECRET}"
        rate_limit = "10/m"
        "#,
    );
    let refs: Vec<&Job> = jobs.iter().collect();
    let rows = json!([{"name": "deploy", "next": [], "last_result": null, "running": null}]);
    let index = page::index(&refs, &rows, Viewer::Cookie, now());
    assert!(
        index.contains("webhook POST /hooks/deploy (github)"),
        "{index}"
    );
    assert!(index.contains("on each delivery"));
    let show = json!({"name": "deploy", "kind": "shell", "command": "./deploy.sh",
                      "next": [], "running": null});
    let html = page::job(&jobs[0], &show, &json!([]), "", Viewer::Cookie, now());
    assert!(html.contains("<code>${GITHUB_WEBHOOK_SECRET}</code>"));
    assert!(
        html.contains("<dt>webhook rate_limit</dt><dd>10/m</dd>"),
        "{html}"
    );
}

#[test]
fn chained_and_jittered_jobs_say_so() {
    let jobs = jobs(
        r#"
        [jobs.backup]
        schedule = "0 2 * * *"
        jitter = "10m"
        command = "true"

        [jobs.report]
        after = ["backup"]
        after_status = "failure"
        command = "true"
        "#,
    );
    let refs: Vec<&Job> = jobs.iter().collect();
    let rows = json!([
        {"name": "backup", "next": [], "last_result": null, "running": null},
        {"name": "report", "next": [], "last_result": null, "running": null},
    ]);
    let index = page::index(&refs, &rows, Viewer::Cookie, now());
    assert!(
        index.contains("<code>0 2 * * *</code> + jitter 10m"),
        "{index}"
    );
    assert!(index.contains("after backup (failure)"), "{index}");
}
