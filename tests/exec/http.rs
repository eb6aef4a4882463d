//! Integration tests: `exec` of HTTP jobs (method, headers, body, `${VAR}`, Idempotency-Key,
//! retry rules, expect codes, redirects, timeouts) and signed result notifications.

use std::time::{Duration, Instant};

use serde_json::Value;

use super::history;
use crate::util::http::{Reply, TestServer};
use crate::util::{Env, stderr};

#[test]
fn http_call_sends_method_headers_body_and_key() {
    let server = TestServer::start(vec![Reply::status(200).body("pong")]);
    let env = Env::with_jobs(&format!(
        r#"
        [jobs.report]
        schedule = "0 2 * * *"
        [jobs.report.http]
        method = "POST"
        url = "{}"
        headers = {{ Authorization = "Bearer ${{REPORT_TOKEN}}", Content-Type = "application/json", X-Custom = "yes" }}
        body = '{{"kind": "daily", "by": "${{WHO}}"}}'
        "#,
        server.url("/reports?x=1")
    ));
    let output = env
        .cmd(["exec", "report"])
        .env("REPORT_TOKEN", "t0k")
        .env("WHO", "cron")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    let request = &requests[0];
    assert_eq!(request.method, "POST");
    assert_eq!(request.path, "/reports?x=1");
    assert_eq!(request.header("authorization"), Some("Bearer t0k"));
    assert_eq!(request.header("content-type"), Some("application/json"));
    assert_eq!(request.header("x-custom"), Some("yes"));
    assert_eq!(
        request.header("user-agent"),
        Some(concat!("jobtab/", env!("CARGO_PKG_VERSION")))
    );
    assert!(
        request
            .header("idempotency-key")
            .is_some_and(|k| k.len() == 36)
    );
    assert_eq!(request.body, r#"{"kind": "daily", "by": "cron"}"#);
    let runs = history(&env);
    assert_eq!(runs[0]["http_status"], 200);
    assert_eq!(runs[0]["output_tail"], "pong");
}

fn http_job(url: &str) -> String {
    format!(
        r#"
        [jobs.hook]
        schedule = "0 2 * * *"
        retries = 2
        retry_delay = "100ms"
        http = {{ url = "{url}" }}
        "#
    )
}

#[test]
fn http_retries_5xx_with_the_same_idempotency_key() {
    let server = TestServer::start(vec![
        Reply::status(503),
        Reply::status(503),
        Reply::status(200),
    ]);
    let env = Env::with_jobs(&http_job(&server.url("/")));
    let err = env.fails(["exec", "hook"], 0);
    assert!(
        err.contains("attempt 1 of 3 failed: HTTP status 503"),
        "{err}"
    );
    let requests = server.requests();
    assert_eq!(requests.len(), 3);
    let key = requests[0].header("idempotency-key").unwrap().to_owned();
    assert!(
        requests
            .iter()
            .all(|r| r.header("idempotency-key") == Some(key.as_str()))
    );
    assert_eq!(history(&env)[0]["attempts"], 3);
    // A manual run's slot is its whole second: the same second, the same key (two execs of
    // one cron slot); a later second is another slot, another key.
    std::thread::sleep(Duration::from_millis(1000));
    env.ok(["exec", "hook"]);
    let requests = server.requests();
    assert_eq!(requests.len(), 4);
    assert_ne!(requests[3].header("idempotency-key"), Some(key.as_str()));
}

#[test]
fn http_4xx_is_not_retried() {
    let server = TestServer::start(vec![Reply::status(404), Reply::status(200)]);
    let env = Env::with_jobs(&http_job(&server.url("/missing")));
    let err = env.fails(["exec", "hook"], 1);
    assert!(
        err.contains("HTTP status 404 (expected a 2xx status)"),
        "{err}"
    );
    assert_eq!(server.requests().len(), 1);
    assert_eq!(history(&env)[0]["http_status"], 404);
}

#[test]
fn http_unexpected_code_fails() {
    let server = TestServer::start(vec![Reply::status(200)]);
    let env = Env::with_jobs(&format!(
        r#"
        [jobs.hook]
        schedule = "0 2 * * *"
        retries = 2
        http = {{ url = "{}", expect = [202] }}
        "#,
        server.url("/")
    ));
    let err = env.fails(["exec", "hook"], 1);
    assert!(err.contains("HTTP status 200 (expected 202)"), "{err}");
    assert_eq!(server.requests().len(), 1);
}

#[test]
fn http_redirect_is_not_followed() {
    let server = TestServer::start(vec![Reply::status(302)]);
    let env = Env::with_jobs(&format!(
        r#"
        [jobs.hook]
        schedule = "0 2 * * *"
        http = {{ url = "{}" }}
        "#,
        server.url("/")
    ));
    let err = env.fails(["exec", "hook"], 1);
    assert!(err.contains("HTTP status 302"), "{err}");
    assert_eq!(server.requests().len(), 1);
}

#[test]
fn http_timeout_is_quick() {
    let server = TestServer::start(vec![Reply::status(200).delay(Duration::from_secs(120))]);
    let env = Env::with_jobs(&format!(
        r#"
        [jobs.hook]
        schedule = "0 2 * * *"
        timeout = "1s"
        http = {{ url = "{}" }}
        "#,
        server.url("/")
    ));
    let start = Instant::now();
    let err = env.fails(["exec", "hook"], 1);
    // Far sooner than the server's answer.
    assert!(start.elapsed() < super::WAIT, "{:?}", start.elapsed());
    assert!(err.contains("hook timed out after 1s"), "{err}");
    assert_eq!(history(&env)[0]["status"], "timeout");
}

#[test]
fn missing_variable_fails_without_a_request() {
    let server = TestServer::start(vec![Reply::status(200)]);
    let env = Env::with_jobs(&format!(
        r#"
        [jobs.hook]
        schedule = "0 2 * * *"
        retries = 2
        http = {{ url = "{}", headers = {{ Authorization = "Bearer ${{REPORT_TOKEN}}" }} }}
        "#,
        server.url("/")
    ));
    let err = env.fails(["exec", "hook"], 1);
    assert!(
        err.contains("environment variable REPORT_TOKEN is not set"),
        "{err}"
    );
    let runs = history(&env);
    assert_eq!(runs[0]["status"], "failed");
    assert_eq!(runs[0]["attempts"], 1);
    std::thread::sleep(Duration::from_millis(200));
    assert!(server.requests().is_empty());
}

#[test]
fn notify_is_signed_and_carries_the_result() {
    use hmac::{Hmac, KeyInit as _, Mac as _};
    let hook = TestServer::start(vec![Reply::status(204)]);
    let env = Env::with_jobs(&format!(
        r#"
        [jobs.fails]
        schedule = "0 2 * * *"
        command = "echo bad; exit 4"
        notify = {{ url = "{}", on = "failure", secret = "${{HOOK_SECRET}}", signature = "jobtab" }}
        "#,
        hook.url("/jobtab")
    ));
    let output = env
        .cmd(["exec", "fails"])
        .env("HOOK_SECRET", "sekrit")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let requests = hook.wait_for(1, Duration::from_secs(10));
    assert_eq!(requests.len(), 1);
    let request = &requests[0];
    assert_eq!(request.method, "POST");
    assert_eq!(request.path, "/jobtab");
    assert_eq!(request.header("content-type"), Some("application/json"));
    assert!(request.header("user-agent").unwrap().starts_with("jobtab/"));

    let signature = request.header("jobtab-signature").unwrap();
    let (t, v1) = signature.split_once(',').unwrap();
    let t = t.strip_prefix("t=").unwrap();
    let v1 = v1.strip_prefix("v1=").unwrap();
    let now = chrono::Utc::now().timestamp();
    assert!((now - t.parse::<i64>().unwrap()).abs() < 60);
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(b"sekrit").unwrap();
    mac.update(format!("{t}.{}", request.body).as_bytes());
    let expected: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(v1, expected);

    let body: Value = serde_json::from_str(&request.body).unwrap();
    assert_eq!(body["job"], "fails");
    assert_eq!(body["status"], "failed");
    assert_eq!(body["exit_code"], 4);
    assert!(body["http_status"].is_null());
    assert_eq!(body["attempts"], 1);
    assert_eq!(body["output_tail"], "bad\n");
    assert!(body["duration_ms"].is_u64());
    for field in ["scheduled_at", "started_at"] {
        chrono::DateTime::parse_from_rfc3339(body[field].as_str().unwrap()).unwrap();
    }
    assert_eq!(body["run_id"], history(&env)[0]["run_id"]);
}

#[test]
fn notify_on_failure_is_not_sent_on_success() {
    let hook = TestServer::start(vec![Reply::status(200)]);
    let env = Env::with_jobs(&format!(
        r#"
        [jobs.good]
        schedule = "0 2 * * *"
        command = "true"
        notify = {{ url = "{}", on = "failure" }}
        [jobs.always]
        schedule = "0 2 * * *"
        command = "true"
        notify = {{ url = "{}", on = "always" }}
        "#,
        hook.url("/good"),
        hook.url("/always")
    ));
    env.ok(["exec", "good"]);
    env.ok(["exec", "always"]);
    let requests = hook.wait_for(1, Duration::from_secs(10));
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].path, "/always");
    assert!(requests[0].header("jobtab-signature").is_none());
}

#[test]
fn failed_notification_does_not_fail_the_run() {
    // 404 is final: not retried.
    let hook = TestServer::start(vec![Reply::status(404)]);
    let env = Env::with_jobs(&format!(
        r#"
        [jobs.good]
        schedule = "0 2 * * *"
        command = "true"
        notify = {{ url = "{}", on = "success" }}
        "#,
        hook.url("/")
    ));
    let err = env.fails(["exec", "good"], 0);
    assert!(err.contains("notify failed: HTTP 404"), "{err}");
    assert_eq!(hook.requests().len(), 1);
    let record = &history(&env)[0];
    assert_eq!(record["status"], "ok");
    assert_eq!(
        record["notifications"],
        serde_json::json!([{"channel": "notify", "ok": false, "attempts": 1, "answer": "HTTP 404"}])
    );
}

#[test]
fn sigterm_abandons_an_http_call_at_once_without_a_call_thread() {
    let server = TestServer::start(vec![Reply::status(200).delay(Duration::from_secs(120))]);
    let env = Env::with_jobs(&format!(
        r#"
        [jobs.slow]
        schedule = "0 2 * * *"
        timeout = "60s"
        http = {{ url = "{}" }}
        "#,
        server.url("/slow")
    ));
    let mut child = env
        .cmd(["exec", "slow"])
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    assert_eq!(server.wait_for(1, Duration::from_secs(10)).len(), 1);
    // The call runs on exec's main thread; one more thread waits for signals.
    let count = super::threads(child.id());
    assert!(
        count <= 2,
        "jobtab exec had {count} threads during the call"
    );
    let pid = nix::unistd::Pid::from_raw(i32::try_from(child.id()).unwrap());
    nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM).unwrap();
    let start = Instant::now();
    let status = child.wait().unwrap();
    // Far sooner than the server's answer.
    assert!(start.elapsed() < super::WAIT, "{:?}", start.elapsed());
    assert_eq!(status.code(), Some(1));
    assert_eq!(history(&env)[0]["status"], "cancelled");
}
