//! Integration tests: notifications (issue 12, PRODUCT.md section 11): Standard Webhooks
//! signing verified by an independent implementation, retries with one `webhook-id`, keys
//! checked at `check` and at run, an unset secret failing the run before it starts (issue 8
//! item 16), Slack and Discord bodies, healthchecks pings, mail through sendmail, `notify
//! test`.

use std::time::Duration;

use serde_json::Value;

use crate::exec::history;
use crate::util::http::{Reply, TestServer};
use crate::util::{Env, stderr, stdout};

const KEY: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

/// Verifies a received notification with the `standardwebhooks` crate.
fn verify(request: &crate::util::http::Request, body: &str) -> Result<(), String> {
    let verifier = standardwebhooks::Webhook::new(KEY).unwrap();
    let mut headers = ureq::http::HeaderMap::new();
    for name in ["webhook-id", "webhook-timestamp", "webhook-signature"] {
        headers.insert(name, request.header(name).unwrap().parse().unwrap());
    }
    verifier
        .verify(body.as_bytes(), &headers)
        .map_err(|err| err.to_string())
}

#[test]
fn notifications_are_signed_with_standard_webhooks() {
    let hook = TestServer::start(vec![Reply::status(204)]);
    let env = Env::with_jobs(&format!(
        r#"
        [jobs.fails]
        schedule = "0 2 * * *"
        command = "echo bad; exit 4"
        notify = {{ url = "{}", secret = "${{HOOK_SECRET}}" }}
        "#,
        hook.url("/jobtab")
    ));
    let output = env
        .cmd(["exec", "fails"])
        .env("HOOK_SECRET", KEY)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let requests = hook.wait_for(1, Duration::from_secs(10));
    assert_eq!(requests.len(), 1);
    let request = &requests[0];
    assert!(request.header("jobtab-signature").is_none());
    verify(request, &request.body).unwrap();
    // One byte of the body changed: the signature no longer holds.
    let mut tampered = request.body.clone().into_bytes();
    let at = tampered.iter().position(|b| *b == b'4').unwrap();
    tampered[at] = b'5';
    assert!(verify(request, &String::from_utf8(tampered).unwrap()).is_err());

    let record = &history(&env)[0];
    assert_eq!(request.header("webhook-id"), record["run_id"].as_str());
    let body: Value = serde_json::from_str(&request.body).unwrap();
    assert_eq!(body["run_id"], record["run_id"]);
    assert_eq!(body["exit_code"], 4);
    assert_eq!(record["notifications"][0]["channel"], "notify");
    assert_eq!(record["notifications"][0]["ok"], true);
    assert_eq!(record["notifications"][0]["answer"], "HTTP 204");
}

#[test]
fn a_receiver_that_fails_twice_gets_three_attempts_with_one_webhook_id() {
    let hook = TestServer::start(vec![
        Reply::status(503),
        Reply::status(503),
        Reply::status(200).body("thanks"),
    ]);
    let env = Env::with_jobs(&format!(
        r#"
        [jobs.fails]
        schedule = "0 2 * * *"
        command = "exit 1"
        notify = {{ url = "{}", secret = "{KEY}" }}
        "#,
        hook.url("/jobtab")
    ));
    env.fails(["exec", "fails"], 1);
    let requests = hook.requests();
    assert_eq!(requests.len(), 3);
    let id = requests[0].header("webhook-id").unwrap();
    for request in &requests {
        assert_eq!(request.header("webhook-id"), Some(id));
        verify(request, &request.body).unwrap();
    }
    let record = &history(&env)[0];
    assert_eq!(record["run_id"], id);
    assert_eq!(record["status"], "failed");
    assert_eq!(
        record["notifications"],
        serde_json::json!([{"channel": "notify", "ok": true, "attempts": 3, "answer": "HTTP 200: thanks"}])
    );
}

/// Issue 8 item 16: an unset variable in a notification fails the run before it starts.
#[test]
fn an_unset_notify_secret_fails_the_run_before_the_command_runs() {
    let hook = TestServer::start(vec![Reply::status(200)]);
    let env = Env::with_jobs(&format!(
        r#"
        [jobs.work]
        schedule = "0 2 * * *"
        command = "touch ran"
        notify = {{ url = "{}", on = "always", secret = "${{UNSET_HOOK_SECRET}}" }}
        "#,
        hook.url("/jobtab")
    ));
    let err = env.fails(["exec", "work"], 1);
    assert!(
        err.contains("notify.secret: environment variable UNSET_HOOK_SECRET is not set"),
        "{err}"
    );
    assert!(!env.path("ran").exists(), "the command ran");
    let record = &history(&env)[0];
    assert_eq!(record["status"], "failed");
    assert_eq!(record["attempts"], 0);
    assert!(
        record["error"]
            .as_str()
            .unwrap()
            .contains("UNSET_HOOK_SECRET")
    );
    // Nothing could be signed, so nothing was sent.
    assert!(hook.requests().is_empty());
}

#[test]
fn a_short_or_plain_secret_is_refused_with_the_fix_at_check_and_at_run() {
    // 15 bytes of key.
    let short = "whsec_AAECAwQFBgcICQoLDA0O";
    let env = Env::with_jobs(&format!(
        r#"
        [jobs.literal]
        schedule = "0 2 * * *"
        command = "true"
        notify = {{ url = "http://127.0.0.1:9/", secret = "{short}" }}
        [jobs.plain]
        schedule = "0 2 * * *"
        command = "true"
        notify = {{ url = "http://127.0.0.1:9/", secret = "sekrit-value" }}
        [jobs.legacy]
        schedule = "0 2 * * *"
        command = "true"
        notify = {{ url = "http://127.0.0.1:9/", secret = "sekrit-value", signature = "jobtab" }}
        [jobs.from-env]
        schedule = "0 2 * * *"
        command = "touch ran"
        notify = {{ url = "http://127.0.0.1:9/", secret = "${{HOOK_SECRET}}" }}
        "#
    ));
    let output = env.run(["check"]);
    assert_eq!(output.status.code(), Some(1));
    let out = stdout(&output);
    assert!(
        out.contains("job \"literal\", key \"notify.secret\""),
        "{out}"
    );
    assert!(
        out.contains("15 bytes, fewer than the 16 required"),
        "{out}"
    );
    assert!(out.contains("openssl rand -base64 32"), "{out}");
    assert!(
        out.contains("job \"plain\", key \"notify.secret\""),
        "{out}"
    );
    assert!(out.contains("signature = \"jobtab\""), "{out}");
    assert!(
        !out.contains("legacy") && !out.contains("from-env"),
        "{out}"
    );
    assert!(
        !out.contains("sekrit-value") && !out.contains("AAECAwQFBgcICQoLDA0O"),
        "{out}"
    );

    // The same key from the environment: the run fails before the command, naming the
    // variable, never its value.
    let output = env
        .cmd(["exec", "from-env"])
        .env("HOOK_SECRET", short)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let err = stderr(&output);
    assert!(err.contains("notify.secret (from ${HOOK_SECRET})"), "{err}");
    assert!(
        err.contains("15 bytes, fewer than the 16 required"),
        "{err}"
    );
    assert!(!err.contains("AAECAwQFBgcICQoLDA0O"), "{err}");
    assert!(!env.path("ran").exists());
}
