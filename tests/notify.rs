//! Integration tests: notifications (issue 12, PRODUCT.md section 11): Standard Webhooks
//! signing verified by an independent implementation, retries with one `webhook-id`, keys
//! checked at `check` and at run, an unset secret failing the run before it starts (issue 8
//! item 16), Slack and Discord bodies, healthchecks pings, mail through sendmail, `notify
//! test`.

use std::time::Duration;

use serde_json::Value;

use crate::exec::history;
use crate::util::http::{Reply, TestServer};
use crate::util::{Env, stderr, stdout, write_script};

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

/// (method, path) of each request whose path starts with `prefix`, in arrival order.
fn calls(server: &TestServer, prefix: &str) -> Vec<(String, String)> {
    server
        .requests()
        .into_iter()
        .filter(|r| r.path.starts_with(prefix))
        .map(|r| (r.method, r.path))
        .collect()
}

fn ping_jobs(server: &TestServer, schedule: &str) -> Env {
    Env::with_jobs(&format!(
        r#"
        [jobs.good]
        schedule = "{schedule}"
        command = "echo all fine"
        ping = "{}"
        [jobs.bad]
        schedule = "{schedule}"
        command = "echo broken; exit 3"
        ping = "{}/"
        "#,
        server.url("/good"),
        server.url("/bad")
    ))
}

fn expect_pings(server: &TestServer) {
    assert_eq!(
        calls(server, "/good"),
        [
            ("GET".to_owned(), "/good/start".to_owned()),
            ("POST".to_owned(), "/good".to_owned())
        ]
    );
    assert_eq!(
        calls(server, "/bad"),
        [
            ("GET".to_owned(), "/bad/start".to_owned()),
            ("POST".to_owned(), "/bad/fail".to_owned())
        ]
    );
    let requests = server.requests();
    let body = |path: &str| {
        requests
            .iter()
            .find(|r| r.path == path)
            .map(|r| r.body.clone())
            .unwrap()
    };
    assert_eq!(body("/good"), "all fine\n");
    assert!(
        body("/bad/fail").ends_with("broken\n"),
        "{}",
        body("/bad/fail")
    );
}

#[test]
fn exec_pings_start_then_success_or_fail() {
    let server = TestServer::start(vec![Reply::status(200).body("OK")]);
    let env = ping_jobs(&server, "0 2 * * *");
    env.ok(["exec", "good"]);
    env.fails(["exec", "bad"], 1);
    expect_pings(&server);
    let record = &history(&env)[0];
    assert_eq!(record["notifications"][0]["channel"], "ping");
    assert_eq!(record["notifications"][0]["attempts"], 2);
}

#[test]
fn scheduled_runs_ping_start_then_success_or_fail() {
    let server = TestServer::start(vec![Reply::status(200).body("OK")]);
    let env = ping_jobs(&server, "@reboot");
    let mut child = env
        .cmd(["run"])
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // A run's record is written before its end ping is sent (pings go with the
    // notifications, after the record): wait for the four pings themselves.
    server.wait_for(4, Duration::from_secs(20));
    let _ = child.kill();
    let _ = child.wait();
    expect_pings(&server);
}

#[test]
fn a_failing_ping_never_fails_the_job() {
    let server = TestServer::start(vec![Reply::status(404)]);
    let env = Env::with_jobs(&format!(
        r#"
        [jobs.good]
        schedule = "0 2 * * *"
        command = "true"
        ping = "{}"
        "#,
        server.url("/hc")
    ));
    let err = env.fails(["exec", "good"], 0);
    assert!(
        err.contains("ping failed: start: HTTP 404; end: HTTP 404"),
        "{err}"
    );
    assert_eq!(history(&env)[0]["status"], "ok");
}

#[test]
fn slack_and_discord_messages_have_their_documented_shape() {
    let server = TestServer::start(vec![Reply::status(200)]);
    let env = Env::with_jobs(&format!(
        r#"
        [jobs.slack]
        schedule = "0 2 * * *"
        command = "seq 1 3000; exit 2"
        notify = {{ url = "{}", format = "slack" }}
        [jobs.discord]
        schedule = "0 2 * * *"
        command = "echo '@everyone look'; seq 1 3000; exit 2"
        notify = {{ url = "{}", format = "discord" }}
        "#,
        server.url("/slack"),
        server.url("/discord")
    ));
    env.fails(["exec", "slack"], 1);
    env.fails(["exec", "discord"], 1);
    let requests = server.requests();
    let slack: Value = serde_json::from_str(&requests[0].body).unwrap();
    let text = slack["text"].as_str().unwrap();
    assert!(
        text.starts_with(":x: slack failed: exit code 2 after "),
        "{text}"
    );
    let blocks = slack["blocks"].as_array().unwrap();
    let code = blocks[1]["text"]["text"].as_str().unwrap();
    assert!(
        code.starts_with("```\n…") && code.ends_with("2999\n3000\n```"),
        "{code}"
    );
    for block in blocks {
        assert_eq!(block["type"], "section");
        assert_eq!(block["text"]["type"], "mrkdwn");
        assert!(block["text"]["text"].as_str().unwrap().chars().count() <= 3000);
    }
    let discord: Value = serde_json::from_str(&requests[1].body).unwrap();
    let content = discord["content"].as_str().unwrap();
    assert!(
        content.chars().count() <= 2000,
        "{}",
        content.chars().count()
    );
    assert!(
        content.starts_with("❌ **discord failed: exit code 2 after "),
        "{content}"
    );
    assert!(content.ends_with("2999\n3000\n```"), "{content}");
    assert_eq!(discord["allowed_mentions"]["parse"], serde_json::json!([]));
}

/// A fake `sendmail` that keeps its arguments and the message it is given.
fn fake_sendmail(env: &Env) -> std::path::PathBuf {
    let bin = env.path("bin");
    std::fs::create_dir_all(&bin).unwrap();
    write_script(
        &bin.join("sendmail"),
        &format!(
            "#!/bin/sh\necho \"$@\" > {0}/args\ncat > {0}/mail\n",
            env.dir.path().display()
        ),
    );
    bin
}

fn path_with(bin: &std::path::Path) -> String {
    format!("{}:/usr/bin:/bin", bin.display())
}

#[test]
fn mail_to_sends_a_well_formed_mail_on_failure() {
    let env = Env::with_jobs(
        r#"
        [defaults]
        mail_to = "ops@example.com"
        [jobs.good]
        schedule = "0 2 * * *"
        command = "true"
        [jobs.bad]
        schedule = "0 2 * * *"
        command = "echo disk full; exit 5"
        "#,
    );
    let bin = fake_sendmail(&env);
    let output = env
        .cmd(["exec", "good"])
        .env("PATH", path_with(&bin))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    assert!(!env.path("mail").exists(), "a success is not mailed");
    let output = env
        .cmd(["exec", "bad"])
        .env("PATH", path_with(&bin))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let args = std::fs::read_to_string(env.path("args")).unwrap();
    assert_eq!(args.trim(), "-i -t");
    let mail = std::fs::read_to_string(env.path("mail")).unwrap();
    let (head, body) = mail.split_once("\n\n").unwrap();
    let headers: Vec<(&str, &str)> = head
        .lines()
        .map(|line| line.split_once(": ").unwrap())
        .collect();
    let header = |name: &str| headers.iter().find(|(k, _)| *k == name).map(|(_, v)| *v);
    assert_eq!(header("To"), Some("ops@example.com"));
    let subject = header("Subject").unwrap();
    assert!(subject.starts_with("jobtab: bad failed on "), "{subject}");
    assert!(header("Date").is_some());
    assert_eq!(header("Content-Type"), Some("text/plain; charset=utf-8"));
    assert!(body.starts_with("bad failed: exit code 5 after "), "{body}");
    assert!(body.ends_with("disk full\n"), "{body}");
    assert_eq!(history(&env)[0]["notifications"][0]["channel"], "mail_to");
    assert_eq!(history(&env)[0]["notifications"][0]["ok"], true);
}

#[test]
fn a_missing_sendmail_is_a_warning_in_check_and_logged_at_run() {
    let env = Env::with_jobs(
        r#"
        [jobs.bad]
        schedule = "0 2 * * *"
        command = "exit 5"
        mail_to = "ops@example.com"
        "#,
    );
    // PATH without sendmail; cron's own places may still hold one on this machine.
    let empty = env.path("empty");
    std::fs::create_dir_all(&empty).unwrap();
    let system_has_one = ["/usr/sbin/sendmail", "/usr/lib/sendmail"]
        .iter()
        .any(|p| std::path::Path::new(p).exists());
    let output = env.cmd(["check"]).env("PATH", &empty).output().unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let err = stderr(&output);
    assert_eq!(
        err.contains("jobtab: warning: no sendmail found"),
        !system_has_one,
        "{err}"
    );
    if !system_has_one {
        assert!(err.contains("job bad cannot mail"), "{err}");
        let output = env
            .cmd(["exec", "bad"])
            .env("PATH", &empty)
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(1));
        let err = stderr(&output);
        assert!(err.contains("mail_to failed: no sendmail found"), "{err}");
        assert_eq!(history(&env)[0]["notifications"][0]["ok"], false);
    }
}

#[test]
fn notify_test_sends_a_sample_through_every_channel() {
    let server = TestServer::start(vec![Reply::status(200).body("got it")]);
    let env = Env::with_jobs(&format!(
        r#"
        [jobs.backup]
        schedule = "0 2 * * *"
        command = "touch ran"
        notify = {{ url = "{}", secret = "${{HOOK_SECRET}}" }}
        ping = "{}"
        mail_to = "ops@example.com"
        "#,
        server.url("/hook"),
        server.url("/hc")
    ));
    let bin = fake_sendmail(&env);
    let output = env
        .cmd(["notify", "test", "backup"])
        .env("PATH", path_with(&bin))
        .env("HOOK_SECRET", KEY)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let out = stdout(&output);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 3, "{out}");
    assert_eq!(
        lines[0],
        format!("notify {}: ok: HTTP 200: got it", server.url("/hook"))
    );
    assert_eq!(
        lines[1],
        format!("ping {}: ok: HTTP 200: got it", server.url("/hc"))
    );
    assert!(
        lines[2].starts_with("mail_to ops@example.com: ok: "),
        "{out}"
    );
    let requests = server.requests();
    let hook = requests.iter().find(|r| r.path == "/hook").unwrap();
    verify(hook, &hook.body).unwrap();
    assert!(
        requests
            .iter()
            .any(|r| r.path == "/hc/log" && r.method == "POST")
    );
    let mail = std::fs::read_to_string(env.path("mail")).unwrap();
    assert!(
        mail.contains("Subject: jobtab: backup failed on "),
        "{mail}"
    );
    assert!(!env.path("ran").exists(), "the job itself does not run");
    assert!(env.ok(["history", "--json"]).trim() == "[]");

    // A receiver that refuses: exit 1, its answer shown.
    let refusing = TestServer::start(vec![Reply::status(410).body("gone")]);
    env.write_jobs(&format!(
        r#"
        [jobs.backup]
        schedule = "0 2 * * *"
        command = "true"
        ping = "{}"
        "#,
        refusing.url("/hc")
    ));
    let output = env.run(["notify", "test", "backup"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stdout(&output).contains(": FAILED: HTTP 410: gone"),
        "{}",
        stdout(&output)
    );
}

/// A slow notification receiver never holds up the next run: the run is recorded and its
/// overlap lock released before its notifications go out, and their outcome is added to its
/// record afterwards (the reviewer's repro: a dead receiver made every run for 35 s "skipped").
#[test]
fn a_slow_receiver_does_not_make_the_next_run_skipped() {
    // The first notification is answered only once the second run has ended (well within one
    // attempt's 10 s), the next at once.
    let hook = TestServer::start(vec![Reply::status(200).held(), Reply::status(200)]);
    let env = Env::with_jobs(&format!(
        r#"
        [jobs.fails]
        schedule = "0 2 * * *"
        command = "exit 3"
        notify = {{ url = "{}" }}
        "#,
        hook.url("/hook")
    ));
    let first = env
        .cmd(["exec", "fails"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // The first run has ended and its notification is being answered slowly.
    assert_eq!(hook.wait_for(1, Duration::from_secs(30)).len(), 1);
    let recorded = history(&env);
    assert_eq!(
        recorded.len(),
        1,
        "the first run is recorded before its notification"
    );
    assert_eq!(recorded[0]["status"], "failed");

    let second = env.cmd(["exec", "fails"]).output().unwrap();
    assert_eq!(second.status.code(), Some(1), "{}", stderr(&second));
    assert!(!stderr(&second).contains("skipped"), "{}", stderr(&second));
    assert_eq!(hook.requests().len(), 2, "the second run notified too");

    hook.release();
    let first = first.wait_with_output().unwrap();
    assert_eq!(first.status.code(), Some(1));
    let runs = history(&env);
    assert_eq!(runs.len(), 2, "each run once: {runs:?}");
    assert!(runs.iter().all(|run| run["status"] == "failed"), "{runs:?}");
    for run in &runs {
        let notifications = run["notifications"].as_array().unwrap();
        assert_eq!(notifications.len(), 1, "{run}");
        assert_eq!(notifications[0]["ok"], true, "{run}");
        assert!(run.get("amends").is_none(), "{run}");
    }
}

/// An empty secret signs with an empty key, which proves nothing: refused at `check`, and at
/// run time when a variable expands to nothing.
#[test]
fn an_empty_secret_is_refused() {
    let hook = TestServer::start(vec![]);
    let env = Env::with_jobs(&format!(
        r#"
        [jobs.literal]
        schedule = "0 2 * * *"
        command = "true"
        notify = {{ url = "{url}", secret = "", signature = "jobtab", on = "always" }}
        [jobs.from-env]
        schedule = "0 2 * * *"
        command = "true"
        notify = {{ url = "{url}", secret = "${{EMPTY_KEY}}", signature = "jobtab", on = "always" }}
        "#,
        url = hook.url("/hook")
    ));
    let check = env.cmd(["check"]).output().unwrap();
    assert_eq!(check.status.code(), Some(1));
    let problems = stdout(&check);
    assert!(
        problems.contains("job \"literal\", key \"notify.secret\": the notify secret is empty"),
        "{problems}"
    );
    assert!(!problems.contains("from-env"), "{problems}");
    let run = env
        .cmd(["exec", "from-env"])
        .env("EMPTY_KEY", "")
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(1), "{}", stderr(&run));
    assert!(
        stderr(&run).contains("notify.secret (${EMPTY_KEY}): the notify secret is empty"),
        "{}",
        stderr(&run)
    );
}
