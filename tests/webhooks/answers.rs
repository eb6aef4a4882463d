//! What a hook answers, and what runs: accepted runs in history, duplicates, skipped
//! deliveries, `match`, `env`, the one 401, 404/405/503.

use super::*;

fn lines(env: &Env, name: &str) -> Vec<String> {
    std::fs::read_to_string(env.path(name))
        .unwrap_or_default()
        .lines()
        .map(str::to_owned)
        .collect()
}

#[test]
fn an_accepted_delivery_runs_and_shows_in_history_with_its_trigger_and_delivery_id() {
    let env = Env::with_jobs(&deploy_jobs("echo ran >> ran.txt", "", ""));
    let server = Server::start(&env, &[]);
    let answer = server.github("/hooks/deploy", "d-1", r#"{"ref":"refs/heads/main"}"#);
    assert_eq!(answer.status, 202, "{answer:?}");
    let json = answer.json();
    assert_eq!(json["status"], "accepted");
    assert_eq!(json["job"], "deploy");
    assert_eq!(json["delivery"], "d-1");
    let run_id = json["run_id"].as_str().unwrap().to_owned();
    wait_until("the run is recorded", || env.recorded_runs().len() == 1);
    let run = &env.recorded_runs()[0];
    assert_eq!(run["trigger"], "webhook");
    assert_eq!(run["run_id"], run_id.as_str());
    assert_eq!(run["delivery"], "d-1");
    assert_eq!(lines(&env, "ran.txt"), ["ran"]);
    server.wait_for("POST /hooks/deploy from 127.0.0.1:");
    server.wait_for(": 202 accepted; hook deploy; delivery d-1; run ");
}

#[test]
fn a_delivery_delivered_twice_runs_once_also_across_a_restart() {
    let env = Env::with_jobs(&deploy_jobs("echo ran >> ran.txt", "", ""));
    let server = Server::start(&env, &[]);
    let body = r#"{"ref":"refs/heads/main"}"#;
    let first = server.github("/hooks/deploy", "same-id", body);
    assert_eq!(first.status, 202, "{first:?}");
    let run_id = first.json()["run_id"].clone();
    let again = server.github("/hooks/deploy", "same-id", body);
    assert_eq!(again.status, 200, "{again:?}");
    assert_eq!(again.json()["status"], "duplicate");
    assert_eq!(again.json()["run_id"], run_id);
    wait_until("the run is recorded", || env.recorded_runs().len() == 1);
    server.stop();

    let server = Server::start(&env, &[]);
    let after = server.github("/hooks/deploy", "same-id", body);
    assert_eq!(after.status, 200, "{after:?}");
    assert_eq!(after.json()["run_id"], run_id);
    // Another id still runs.
    assert_eq!(server.github("/hooks/deploy", "other-id", body).status, 202);
    wait_until("the second run is recorded", || {
        env.recorded_runs().len() == 2
    });
    assert_eq!(lines(&env, "ran.txt"), ["ran", "ran"]);
}

/// Slack sends no delivery id, but signs a timestamp: the same signed request sent again
/// within its 300 s (a replay) is a duplicate and runs nothing, whatever `Idempotency-Key` it
/// adds; a new request runs.
#[test]
fn a_replayed_slack_request_runs_once() {
    let env = Env::with_jobs(
        "[jobs.notify]\ncommand = '''echo ran >> ran.txt'''\noverlap = \"allow\"\n[jobs.notify.webhook]\n\
         verify = \"slack\"\nsecret = \"${HOOK_SECRET}\"\n",
    );
    let server = Server::start(&env, &[]);
    let slack_with = |body: &str, ts: u64, id: Option<&str>| {
        let ts = ts.to_string();
        let signature = format!("v0={}", hmac_hex(format!("v0:{ts}:{body}").as_bytes()));
        let mut headers = vec![
            ("X-Slack-Request-Timestamp", ts.as_str()),
            ("X-Slack-Signature", signature.as_str()),
        ];
        headers.extend(id.map(|id| ("Idempotency-Key", id)));
        send(
            server.addr,
            &request("POST", "/hooks/notify", &headers, body.as_bytes()),
        )
    };
    let slack = |body: &str, ts: u64| slack_with(body, ts, None);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let first = slack("text=deploy", now);
    assert_eq!(first.status, 202, "{first:?}");
    let run_id = first.json()["run_id"].clone();
    let replay = slack("text=deploy", now);
    assert_eq!(replay.status, 200, "{replay:?}");
    assert_eq!(replay.json()["status"], "duplicate");
    assert_eq!(replay.json()["run_id"], run_id);
    // `Idempotency-Key` is not signed: a new one does not make a replay new.
    let disguised = slack_with("text=deploy", now, Some("fresh-1"));
    assert_eq!(disguised.status, 200, "{disguised:?}");
    assert_eq!(disguised.json()["status"], "duplicate");
    // Signed a second later, or another body: another request.
    assert_eq!(slack("text=deploy", now + 1).status, 202);
    assert_eq!(slack("text=other", now).status, 202);
    wait_until("three runs are recorded", || env.recorded_runs().len() == 3);
    server.wait_for("200 duplicate; hook notify; reason the same signed request");
    let log = server.stop();
    assert_eq!(lines(&env, "ran.txt"), ["ran", "ran", "ran"], "{log}");
}

/// Two identical deliveries at once run once: the second waits for the first and is a
/// duplicate.
#[test]
fn concurrent_identical_deliveries_run_once() {
    let env = Env::with_jobs(&deploy_jobs(
        "echo ran >> ran.txt",
        "overlap = \"allow\"",
        "",
    ));
    let server = Server::start(&env, &[]);
    let addr = server.addr;
    let answers: Vec<Answer> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..8)
            .map(|_| {
                scope.spawn(move || {
                    send(addr, &github_request("/hooks/deploy", "twin", "push", "{}"))
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let accepted = answers.iter().filter(|a| a.status == 202).count();
    let duplicates = answers.iter().filter(|a| a.status == 200).count();
    assert_eq!((accepted, duplicates), (1, 7), "{answers:?}");
    wait_until("the run is recorded", || env.recorded_runs().len() == 1);
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(lines(&env, "ran.txt"), ["ran"]);
}

/// A job that waits for the file `go`, then appends to `ran.txt`.
const GATED: &str = "while [ ! -e go ]; do sleep 0.05; done; echo ran >> ran.txt";

#[test]
fn a_skipped_delivery_is_not_remembered_and_runs_when_retried_later() {
    let env = Env::with_jobs(&deploy_jobs(GATED, "overlap = \"skip\"", ""));
    let server = Server::start(&env, &[]);
    assert_eq!(server.github("/hooks/deploy", "d-1", "{}").status, 202);
    let skipped = server.github("/hooks/deploy", "d-2", "{}");
    assert_eq!(skipped.status, 409, "{skipped:?}");
    assert!(
        skipped
            .header("retry-after")
            .unwrap()
            .parse::<u64>()
            .unwrap()
            >= 1
    );
    assert_eq!(skipped.json()["status"], "skipped");
    std::fs::write(env.path("go"), "").unwrap();
    wait_until("the first run is recorded", || {
        env.recorded_runs().len() == 1
    });
    let retried = server.github("/hooks/deploy", "d-2", "{}");
    assert_eq!(retried.status, 202, "{retried:?}");
    wait_until("the retried run is recorded", || {
        env.recorded_runs().len() == 2
    });
    assert_eq!(env.recorded_runs()[0]["delivery"], "d-2");
}

#[test]
fn a_request_that_does_not_match_is_ignored_with_202_and_runs_nothing() {
    let env = Env::with_jobs(&deploy_jobs(
        "echo ran >> ran.txt",
        "",
        r#"match = { "/ref" = "refs/heads/main", "header:X-GitHub-Event" = ["push"] }"#,
    ));
    let server = Server::start(&env, &[]);
    let other = server.github("/hooks/deploy", "d-1", r#"{"ref":"refs/heads/dev"}"#);
    assert_eq!(other.status, 202, "{other:?}");
    assert_eq!(other.json(), serde_json::json!({"status": "ignored"}));
    let ping = send(
        server.addr,
        &github_request(
            "/hooks/deploy",
            "d-2",
            "ping",
            r#"{"ref":"refs/heads/main"}"#,
        ),
    );
    assert_eq!(ping.json()["status"], "ignored");
    // An ignored delivery is not remembered: the same id matching later runs.
    let main = server.github("/hooks/deploy", "d-1", r#"{"ref":"refs/heads/main"}"#);
    assert_eq!(main.json()["status"], "accepted", "{main:?}");
    wait_until("the run is recorded", || env.recorded_runs().len() == 1);
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(env.recorded_runs().len(), 1);
    server.wait_for("202 ignored; hook deploy; delivery d-1; reason match /ref");
}

#[test]
fn env_pointers_and_the_payload_reach_the_job_and_are_never_executed() {
    let env = Env::with_jobs(&deploy_jobs(
        r#"printf '%s|%s|%s|%s|%s\n' "$REF" "$EVIL" "$JOBTAB_TRIGGER" "$JOBTAB_DELIVERY" "$JOBTAB_EVENT" >> out.txt; cat > stdin.txt; cp "$JOBTAB_PAYLOAD" file.txt"#,
        "",
        r#"env = { REF = "/ref", EVIL = "/evil" }"#,
    ));
    let server = Server::start(&env, &[]);
    let evil = "$(touch pwned1) `touch pwned2`; touch pwned3\ntouch pwned4";
    let body = serde_json::json!({"ref": "refs/heads/main", "evil": evil}).to_string();
    assert_eq!(server.github("/hooks/deploy", "d-9", &body).status, 202);
    wait_until("the run is recorded", || env.recorded_runs().len() == 1);
    let out = std::fs::read_to_string(env.path("out.txt")).unwrap();
    assert_eq!(out, format!("refs/heads/main|{evil}|webhook|d-9|push\n"));
    assert_eq!(
        std::fs::read_to_string(env.path("stdin.txt")).unwrap(),
        body
    );
    assert_eq!(std::fs::read_to_string(env.path("file.txt")).unwrap(), body);
    for n in 1..=4 {
        assert!(!env.path(&format!("pwned{n}")).exists(), "pwned{n} exists");
    }
}

#[test]
fn every_verification_failure_gets_the_same_401_and_its_reason_only_in_the_log() {
    let env = Env::with_jobs(&deploy_jobs("echo ran >> ran.txt", "", ""));
    let server = Server::start(&env, &[]);
    let body = br#"{"ref":"refs/heads/main"}"#;
    let good = github_signature(body);
    let other = github_signature(b"another body");
    let truncated = &good[..good.len() - 2];
    let sha1 = good.replacen("sha256=", "sha1=", 1);
    let upper = good.to_uppercase();
    let cases: Vec<Vec<(&str, &str)>> = vec![
        vec![],
        vec![("X-Hub-Signature-256", "sha256=00")],
        vec![("X-Hub-Signature-256", &other)],
        vec![("X-Hub-Signature-256", truncated)],
        vec![("X-Hub-Signature-256", &sha1)],
        vec![("X-Hub-Signature-256", &upper)],
        vec![("X-Hub-Signature", &good)],
    ];
    let mut bodies = Vec::new();
    for (n, headers) in cases.iter().enumerate() {
        let id = format!("bad-{n}");
        let mut all = vec![("X-GitHub-Delivery", id.as_str())];
        all.extend(headers.iter().copied());
        let answer = send(server.addr, &request("POST", "/hooks/deploy", &all, body));
        assert_eq!(answer.status, 401, "case {n}: {answer:?}");
        bodies.push(answer.body);
    }
    assert!(bodies.iter().all(|b| *b == bodies[0]), "{bodies:?}");
    assert!(!bodies[0].contains("signature"), "{}", bodies[0]);
    server.wait_for_n("401 rejected; hook deploy", cases.len());
    server.wait_for("reason no X-Hub-Signature-256 header");
    server.wait_for("does not match");
    // The deliveries log keeps them, signatures redacted, the secret nowhere.
    wait_until("deliveries lists them", || {
        env.ok(["deliveries", "--json"])
            .matches("\"rejected\"")
            .count()
            == cases.len()
    });
    let json = env.ok(["deliveries", "deploy", "--json", "--limit", "100"]);
    assert!(!json.contains(&good[7..]), "{json}");
    assert!(!json.contains(SECRET), "{json}");
    let all: serde_json::Value = serde_json::from_str(&json).unwrap();
    let signed = all
        .as_array()
        .unwrap()
        .iter()
        .find(|d| {
            d["delivery"].is_null() && d["headers"].to_string().contains("x-hub-signature-256")
        })
        .unwrap();
    assert!(
        signed["headers"].to_string().contains("[redacted]"),
        "{signed}"
    );
    assert!(env.recorded_runs().is_empty());
    let text = env.ok(["deliveries"]);
    assert!(
        text.contains("POST /hooks/deploy  401     rejected"),
        "{text}"
    );
    assert!(text.contains("no X-Hub-Signat"), "{text}");
    let json = env.ok(["deliveries", "--json"]);
    assert!(
        json.contains("\"reason\": \"no X-Hub-Signature-256 header\""),
        "{json}"
    );
}

#[test]
fn unknown_paths_disabled_jobs_and_other_methods() {
    let env = Env::with_jobs(&format!(
        "{}\n[jobs.off]\ncommand = \"true\"\nenabled = false\n[jobs.off.webhook]\nverify = \"none\"\n",
        deploy_jobs("true", "", "")
    ));
    let server = Server::start(&env, &[]);
    assert_eq!(server.github("/hooks/nothing", "x", "{}").status, 404);
    assert_eq!(server.github("/hooks/off", "x", "{}").status, 404);
    let get = send(server.addr, &request("GET", "/hooks/deploy", &[], b""));
    assert_eq!(get.status, 405, "{get:?}");
    assert_eq!(get.header("allow").as_deref(), Some("POST"));
    let health = send(server.addr, &request("GET", "/healthz", &[], b""));
    assert_eq!((health.status, health.body.as_str()), (200, "ok\n"));
    server.wait_for("webhook /hooks/off has verify = \"none\"");
    server.wait_for("404 disabled; hook off");
    server.wait_for("405 method; hook deploy");
}

#[test]
fn while_stopping_hooks_and_healthz_answer_503() {
    let env = Env::with_jobs(&deploy_jobs(GATED, "", ""));
    let server = Server::start(&env, &[]);
    assert_eq!(server.github("/hooks/deploy", "d-1", "{}").status, 202);
    server.wait_for("[deploy] started");
    server.signal(nix::sys::signal::Signal::SIGTERM);
    server.wait_for("stopped scheduling");
    let answer = server.github("/hooks/deploy", "d-2", "{}");
    assert_eq!(answer.status, 503, "{answer:?}");
    let health = send(server.addr, &request("GET", "/healthz", &[], b""));
    assert_eq!(health.status, 503);
    std::fs::write(env.path("go"), "").unwrap();
    let log = server.stop();
    assert!(log.contains("503 stopping; hook deploy"), "{log}");
}

#[test]
fn response_wait_answers_with_the_runs_result() {
    let env = Env::with_jobs(&deploy_jobs(
        "echo deployed; exit 3",
        "timeout = \"20s\"",
        "response = \"wait\"",
    ));
    let server = Server::start(&env, &[]);
    let answer = server.github("/hooks/deploy", "w-1", "{}");
    assert_eq!(answer.status, 200, "{answer:?}");
    let json = answer.json();
    assert_eq!(json["status"], "failed");
    assert_eq!(json["exit_code"], 3);
    assert_eq!(json["delivery"], "w-1");
    assert!(json["output_tail"].as_str().unwrap().contains("deployed"));
}

/// `response = "wait"` waits for the job's timeout and a moment more (5 s), not for its
/// retries: a run still going then (here waiting 8 s for its second attempt) is answered 202
/// "running" with its run id, and keeps running.
#[test]
fn response_wait_answers_running_when_the_run_outlasts_the_wait() {
    let env = Env::with_jobs(&deploy_jobs(
        "sleep 30",
        "timeout = \"1s\"\nretries = 1\nretry_delay = \"8s\"",
        "response = \"wait\"",
    ));
    let server = Server::start(&env, &[]);
    let answer = server.github("/hooks/deploy", "w-2", "{}");
    assert_eq!(answer.status, 202, "{answer:?}");
    let json = answer.json();
    assert_eq!(json["status"], "running", "{json}");
    assert_eq!(json["delivery"], "w-2");
    let run_id = json["run_id"].as_str().unwrap().to_owned();
    assert!(!run_id.is_empty());
    server.wait_for("202 running; hook deploy; delivery w-2");
    server.wait_for("timed out after 1s (attempt 2 of 2)");
    let log = server.stop();
    assert!(log.contains(&format!("run {run_id}")), "{log}");
}
