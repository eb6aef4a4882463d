//! The dashboard's JSON API and its access rules through the built binary (`jobtab run
//! --listen 127.0.0.1:0`, PRODUCT.md section 10): every endpoint's JSON against docs/json.md,
//! a run in progress says running, 404s, the token (Bearer and sign-in cookie), the Origin
//! check, and the read-only dashboard without a token.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::json::{Fields, Outputs, disagreements, document};
use crate::util::Env;
use crate::util::http::{Reply, TestServer};
use crate::util::served::{Client, Served};

const TOKEN: &str = "t0ken-for-tests";

/// Jobs: `backup` prints and notifies, `report` is an HTTP job with every setting, `wait`
/// runs until the file `go` exists, `hook` has a webhook; comments to keep.
fn jobs(env: &Env, hook: &str) -> String {
    format!(
        r#"
        # the dashboard's token comes from the environment
        [server]
        token = "${{JOBTAB_TOKEN}}"

        # nightly
        [jobs.backup]
        schedule = "0 2 * * *"
        command = "echo dumped"
        notify = {{ url = "{hook}", on = "always" }}

        [jobs.report]
        schedule = "30 6 * * mon-fri"
        env = {{ REGION = "eu" }}

        [jobs.report.http]
        method = "POST"
        url = "{hook}"
        headers = {{ Authorization = "Bearer ${{REPORT_TOKEN}}" }}
        body = '{{"kind": "daily"}}'
        expect = [200, 202]

        [jobs.wait]
        schedule = "@daily"
        command = "i=0; while [ ! -e '{go}' ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done"

        # a webhook job with every setting, so its fields are printed too
        [jobs.hook]
        command = "cat"
        [jobs.hook.webhook]
        verify = "hmac"
        secret = "${{HOOK_SECRET}}"
        header = "X-Signature"
        prefix = "sha256="
        methods = ["POST", "PUT"]
        match = {{ "/ref" = "refs/heads/main", "/n" = 1, "header:X-Live" = [true] }}
        env = {{ REF = "/ref" }}
        rate_limit = "10/s"

        # runs after each successful backup
        [jobs.after]
        after = ["backup"]
        command = "true"
        "#,
        go = env.path("go").display(),
    )
}

fn start(env: &Env) -> (Served, Client) {
    let served = Served::start(
        env,
        &[
            ("JOBTAB_TOKEN", TOKEN),
            ("HOOK_SECRET", "a-secret-for-the-hook"),
        ],
    );
    (served, Client::new(Some(TOKEN)))
}

/// `GET url` (200), as JSON text.
fn get_ok(client: &Client, url: &str) -> String {
    let answer = client.get(url);
    assert_eq!(answer.status, 200, "GET {url}: {answer:?}");
    assert!(
        answer.content_type.starts_with("application/json"),
        "{answer:?}"
    );
    answer.body
}

/// Waits until run `id` is known and its status is not `running`; the run.
fn wait_done(served: &Served, client: &Client, id: &str) -> Value {
    let url = served.url(&format!("/api/runs/{id}"));
    let mut run = Value::Null;
    served.wait_until(&format!("run {id} ends"), || {
        let answer = client.get(&url);
        if answer.status != 200 {
            return false;
        }
        run = answer.json();
        run["status"] != "running"
    });
    run
}

#[test]
fn every_api_answer_has_the_fields_docs_json_md_lists() {
    let hook = TestServer::start(vec![Reply::status(200).body("thanks")]);
    let env = Env::new();
    env.write_jobs(&jobs(&env, &hook.url("/hook")));
    let (served, client) = start(&env);
    let mut outputs = Outputs::default();
    let base = served.base.clone();
    let api = |path: &str| format!("{base}{path}");
    outputs.add("list", &get_ok(&client, &api("/api/jobs")));
    outputs.add("show", &get_ok(&client, &api("/api/jobs/backup")));

    // A run of backup, to its end (with its notification).
    let answer = client.post(&api("/api/jobs/backup/run"), &[], "");
    assert_eq!(answer.status, 202, "{answer:?}");
    outputs.add("api-run-now", &answer.body);
    let started = answer.json();
    assert_eq!(started["status"], "accepted");
    assert_eq!(started["job"], "backup");
    let id = started["run_id"].as_str().unwrap().to_owned();
    let run = wait_done(&served, &client, &id);
    assert_eq!(run["status"], "ok", "{run}");
    assert_eq!(run["trigger"], "manual");
    assert_eq!(run["output_tail"], "dumped\n");
    served.wait_until("the notification is recorded", || {
        let run = client.get(&api(&format!("/api/runs/{id}"))).json();
        run["notifications"]
            .as_array()
            .is_some_and(|n| !n.is_empty())
    });
    outputs.add(
        "api-run",
        &get_ok(&client, &api(&format!("/api/runs/{id}"))),
    );

    // A run in progress says running, everywhere.
    let answer = client.post(&api("/api/jobs/wait/run"), &[], "");
    assert_eq!(answer.status, 202, "{answer:?}");
    let wait_id = answer.json()["run_id"].as_str().unwrap().to_owned();
    let run_url = api(&format!("/api/runs/{wait_id}"));
    served.wait_until("the run is seen running", || {
        let answer = client.get(&run_url);
        answer.status == 200 && answer.json()["status"] == "running"
    });
    let running = client.get(&run_url).json();
    assert_eq!(running["running"]["run_id"], wait_id.as_str());
    assert!(running["attempts"].is_null());
    outputs.add("api-run", &get_ok(&client, &run_url));
    let collect = |outputs: &mut Outputs| {
        outputs.add("list", &get_ok(&client, &api("/api/jobs")));
        for name in ["backup", "report", "wait", "hook", "after"] {
            outputs.add("show", &get_ok(&client, &api(&format!("/api/jobs/{name}"))));
        }
        outputs.add("history", &get_ok(&client, &api("/api/runs")));
        outputs.add(
            "history",
            &get_ok(&client, &api("/api/runs?job=wait&limit=1")),
        );
    };
    collect(&mut outputs);
    let list: Value = serde_json::from_str(&get_ok(&client, &api("/api/jobs"))).unwrap();
    assert_eq!(list[2]["running"]["run_id"], wait_id.as_str());
    std::fs::write(env.path("go"), "").unwrap();
    assert_eq!(wait_done(&served, &client, &wait_id)["status"], "ok");
    // A webhook run and a chained run, as the history file keeps them (as tests/json.rs
    // writes them).
    let history = env.state.join("history.jsonl");
    let text = std::fs::read_to_string(&history).unwrap();
    let mut record: Value = serde_json::from_str(text.lines().last().unwrap()).unwrap();
    record["run_id"] = "hook-run".into();
    record["trigger"] = "webhook".into();
    record["delivery"] = "72d3162e-cc78-11e3-81ab-4c9367dc0958".into();
    let mut lines = format!("{record}\n");
    record["run_id"] = "chained-run".into();
    record["trigger"] = "after".into();
    record.as_object_mut().unwrap().remove("delivery");
    record["upstream_run_id"] = "hook-run".into();
    lines.push_str(&format!("{record}\n"));
    std::fs::write(&history, text + &lines).unwrap();
    for id in ["hook-run", "chained-run"] {
        outputs.add(
            "api-run",
            &get_ok(&client, &api(&format!("/api/runs/{id}"))),
        );
    }
    collect(&mut outputs);
    let limited: Value =
        serde_json::from_str(&get_ok(&client, &api("/api/runs?job=backup&limit=1"))).unwrap();
    assert_eq!(limited.as_array().unwrap().len(), 1);
    assert_eq!(limited[0]["run_id"], id.as_str());

    // Disable and enable: the file keeps its comments; the API shows the change at once.
    let answer = client.post(&api("/api/jobs/backup/disable"), &[("Origin", &base)], "");
    assert_eq!(answer.status, 200, "{answer:?}");
    outputs.add("api-toggle", &answer.body);
    assert_eq!(
        answer.json(),
        serde_json::json!({"job": "backup", "enabled": false, "changed": true})
    );
    let text = env.jobs();
    assert!(
        text.contains("# nightly") && text.contains("# the dashboard's token"),
        "{text}"
    );
    assert!(text.contains("enabled = false"), "{text}");
    let shown: Value = serde_json::from_str(&get_ok(&client, &api("/api/jobs/backup"))).unwrap();
    assert_eq!(shown["enabled"], false);
    assert_eq!(shown["next"], serde_json::json!([]));
    let answer = client.post(&api("/api/jobs/backup/run"), &[], "");
    assert_eq!(
        answer.status, 409,
        "a disabled job does not run: {answer:?}"
    );
    outputs.add("api-error", &answer.body);
    let answer = client.post(&api("/api/jobs/backup/enable"), &[], "");
    assert_eq!(answer.json()["enabled"], true);
    assert!(!env.jobs().contains("enabled = false"));

    // Unknown jobs, runs and paths: 404 with an error.
    for (method, path) in [
        ("GET", "/api/jobs/nope"),
        ("GET", "/api/runs/nope"),
        ("GET", "/api/runs?job=nope"),
        ("GET", "/api/nothing"),
        ("POST", "/api/jobs/nope/run"),
        ("POST", "/api/jobs/nope/disable"),
    ] {
        let answer = match method {
            "GET" => client.get(&api(path)),
            _ => client.post(&api(path), &[], ""),
        };
        assert_eq!(answer.status, 404, "{method} {path}: {answer:?}");
        outputs.add("api-error", &answer.body);
    }

    // A limit that is not a number: 400, with the API's JSON error like every other answer.
    for path in ["/api/runs?limit=abc", "/api/runs?job=backup&limit=-1"] {
        let answer = client.get(&api(path));
        assert_eq!(answer.status, 400, "{path}: {answer:?}");
        assert!(
            answer.json()["error"]
                .as_str()
                .is_some_and(|error| error.contains("limit=N")),
            "{path}: {answer:?}"
        );
        outputs.add("api-error", &answer.body);
    }
    // A name that is not text once percent-decoded: 400, JSON as well.
    for (method, path) in [
        ("GET", "/api/jobs/%ff"),
        ("GET", "/api/runs/%ff"),
        ("POST", "/api/jobs/%ff/run"),
    ] {
        let answer = match method {
            "GET" => client.get(&api(path)),
            _ => client.post(&api(path), &[], ""),
        };
        assert_eq!(answer.status, 400, "{method} {path}: {answer:?}");
        assert!(
            answer.json()["error"]
                .as_str()
                .is_some_and(|error| error.contains("UTF-8")),
            "{method} {path}: {answer:?}"
        );
        outputs.add("api-error", &answer.body);
    }

    let doc: BTreeMap<String, Fields> = document()
        .into_iter()
        .filter(|(name, _)| outputs.names().contains(name))
        .collect();
    for name in ["api-run", "api-run-now", "api-toggle", "api-error"] {
        assert!(doc.contains_key(name), "docs/json.md has no block {name}");
    }
    let found = disagreements(&doc, &outputs);
    assert!(
        found.is_empty(),
        "docs/json.md and the API disagree:\n  {}",
        found.join("\n  ")
    );
}

/// `Cookie` header for the session a sign-in set.
fn session(set_cookie: &[String]) -> String {
    let cookie = set_cookie
        .iter()
        .find(|c| c.starts_with("jobtab_session="))
        .unwrap_or_else(|| panic!("no session cookie in {set_cookie:?}"));
    cookie.split(';').next().unwrap().to_owned()
}

#[test]
fn pages_and_the_api_need_the_token_and_changes_a_matching_origin() {
    let env = Env::new();
    env.write_jobs(&jobs(&env, "http://127.0.0.1:9/unused"));
    let (served, client) = start(&env);
    let base = served.base.clone();
    let url = |path: &str| format!("{base}{path}");
    served.wait_until("run says where the dashboard is", || {
        served.log().contains(&format!("dashboard at {base}/"))
    });
    assert!(!served.log().contains(TOKEN), "the token is never logged");

    // Without the token (or with a wrong one): 401; pages ask for it.
    let anonymous = Client::new(None);
    let answer = anonymous.get(&url("/api/jobs"));
    assert_eq!(answer.status, 401);
    assert!(answer.json()["error"].as_str().unwrap().contains("Bearer"));
    assert_eq!(
        Client::new(Some("wrong")).get(&url("/api/jobs")).status,
        401
    );
    // The listener's /metrics names the jobs: with a token set, it needs it too.
    assert_eq!(anonymous.get(&url("/metrics")).status, 401);
    let metrics = client.get(&url("/metrics"));
    assert_eq!(metrics.status, 200, "{metrics:?}");
    assert!(metrics.body.contains("jobtab_"), "{metrics:?}");
    let page = anonymous.get(&url("/jobs/backup"));
    assert_eq!(page.status, 401);
    assert!(page.body.contains("name=\"token\"") && page.body.contains("value=\"/jobs/backup\""));
    // No other site may frame the pages (and click their buttons).
    assert_eq!(page.header("x-frame-options"), Some("DENY"));
    assert_eq!(
        page.header("content-security-policy"),
        Some("frame-ancestors 'none'")
    );
    assert!(!page.body.contains("dumped"));
    let answer = anonymous.post(&url("/api/jobs/backup/run"), &[("Origin", &base)], "");
    assert_eq!(answer.status, 401);

    // Changes from another origin are refused, token or not.
    for origin in ["http://evil.example", "null", "http://127.0.0.1:1"] {
        let answer = client.post(&url("/api/jobs/backup/disable"), &[("Origin", origin)], "");
        assert_eq!(answer.status, 403, "{origin}: {answer:?}");
        let answer = anonymous.post(&url("/jobs/backup/run"), &[("Origin", origin)], "");
        assert_eq!(answer.status, 403, "{origin}: {answer:?}");
    }
    assert!(!env.jobs().contains("enabled = false"));

    // Signing in: only from this server's own form, only with the token.
    let form = "token=t0ken-for-tests&next=%2Fjobs%2Fbackup";
    let answer = anonymous.post(&url("/login"), &[("Origin", "http://evil.example")], form);
    assert_eq!(answer.status, 403);
    let answer = anonymous.post(&url("/login"), &[("Origin", &base)], "token=wrong&next=%2F");
    assert_eq!(answer.status, 401);
    assert!(answer.set_cookie.is_empty());
    assert!(answer.body.contains("not the token"));
    let answer = anonymous.post(&url("/login"), &[("Origin", &base)], form);
    assert_eq!(answer.status, 303, "{answer:?}");
    assert_eq!(answer.location.as_deref(), Some("/jobs/backup"));
    let set = answer.set_cookie.join("\n");
    for flag in ["HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(set.contains(flag), "{set}");
    }
    assert!(
        !set.contains(TOKEN),
        "the cookie does not hold the token: {set}"
    );
    let cookie = session(&answer.set_cookie);
    let with_cookie = |path: &str, origin: Option<&str>| {
        let mut headers = vec![("Cookie", cookie.as_str())];
        if let Some(origin) = origin {
            headers.push(("Origin", origin));
        }
        anonymous.post(&url(path), &headers, "")
    };
    // A browser's cookie without Origin is not trusted with a change; with it, it is.
    assert_eq!(with_cookie("/api/jobs/backup/run", None).status, 403);
    let answer = with_cookie("/api/jobs/backup/run", Some(&base));
    assert_eq!(answer.status, 202, "{answer:?}");
    // The form post answers with a way back to the page.
    let answer = with_cookie("/jobs/backup/disable", Some(&base));
    assert_eq!(answer.status, 303, "{answer:?}");
    assert_eq!(answer.location.as_deref(), Some("/jobs/backup"));
    assert!(env.jobs().contains("enabled = false"));
    // Signing out clears the cookie.
    let answer = with_cookie("/logout", Some(&base));
    assert_eq!(answer.status, 303);
    assert!(answer.set_cookie.join("").contains("Max-Age=0"));
}

#[test]
fn without_a_token_the_dashboard_is_read_only() {
    let env = Env::with_jobs(
        r#"
        [jobs.backup]
        schedule = "0 2 * * *"
        command = "echo dumped"
        "#,
    );
    let served = Served::start(&env, &[]);
    let base = served.base.clone();
    served.wait_until("run says the dashboard is read-only", || {
        served
            .log()
            .contains("is read-only: no [server] token is set")
    });
    let client = Client::new(None);
    let page = client.get(&format!("{base}/"));
    assert_eq!(page.status, 200);
    assert!(page.body.contains("backup") && page.body.contains("read-only"));
    assert_eq!(client.get(&format!("{base}/api/jobs")).status, 200);
    for path in [
        "/api/jobs/backup/run",
        "/api/jobs/backup/disable",
        "/jobs/backup/run",
    ] {
        let answer = client.post(&format!("{base}{path}"), &[("Origin", &base)], "");
        assert_eq!(answer.status, 403, "{path}: {answer:?}");
        assert!(answer.body.contains("read-only"), "{answer:?}");
    }
    assert!(!env.jobs().contains("enabled"));
    // Nothing to sign in to.
    assert_eq!(client.get(&format!("{base}/login")).status, 303);
}

#[test]
fn a_token_whose_variable_is_not_set_stops_run_at_start() {
    let env = Env::with_jobs(
        r#"
        [server]
        token = "${JOBTAB_TEST_UNSET_TOKEN}"

        [jobs.backup]
        schedule = "0 2 * * *"
        command = "true"
        "#,
    );
    let stderr = env.fails(["run", "--listen", "127.0.0.1:0"], 1);
    assert!(stderr.contains("[server] token"), "{stderr}");
    assert!(stderr.contains("JOBTAB_TEST_UNSET_TOKEN"), "{stderr}");
}

#[test]
fn webhook_paths_never_take_the_dashboard_token() {
    let env = Env::with_jobs(
        r#"
        [server]
        token = "${JOBTAB_TOKEN}"

        [jobs.deploy]
        command = "echo deployed"
        [jobs.deploy.webhook]
        verify = "github"
        secret = "${HOOK_SECRET}"
        "#,
    );
    let served = Served::start(
        &env,
        &[("JOBTAB_TOKEN", TOKEN), ("HOOK_SECRET", "hook-s3cret")],
    );
    let client = Client::new(Some(TOKEN));
    let hook = served.url("/hooks/deploy");
    let answer = client.post(&hook, &[("Origin", &served.base)], "{}");
    assert_eq!(answer.status, 401, "{answer:?}\n{}", served.log());
    // The dashboard token works where it belongs, and the hook's job is listed there.
    let jobs = client.get(&served.url("/api/jobs")).json();
    assert_eq!(jobs[0]["name"], "deploy");
    assert!(env.recorded_runs().is_empty(), "nothing ran");
}

/// Ten wrong tokens from one address within a minute, then 429 with `Retry-After` for the
/// rest of the minute: the right token and the sign-in form wait too (else the answer would
/// tell the right guess). A request without any token is not a guess.
#[test]
fn too_many_wrong_tokens_from_one_address_are_answered_429() {
    let env = Env::new();
    env.write_jobs(&jobs(&env, "http://127.0.0.1:9/unused"));
    let (served, client) = start(&env);
    let url = served.url("/api/jobs");
    let anonymous = Client::new(None);
    assert_eq!(anonymous.get(&url).status, 401);
    let wrong = Client::new(Some("wrong"));
    for n in 0..10 {
        assert_eq!(wrong.get(&url).status, 401, "wrong token {n}");
    }
    let answer = wrong.get(&url);
    assert_eq!(answer.status, 429, "{answer:?}");
    let wait: u64 = answer.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=61).contains(&wait), "{wait}");
    let error = answer.json()["error"].as_str().unwrap().to_owned();
    assert!(error.contains("too many wrong tokens"), "{error}");
    assert_eq!(client.get(&url).status, 429, "the right token waits too");
    let login = anonymous.post(
        &served.url("/login"),
        &[("Origin", &served.base)],
        &format!("token={TOKEN}"),
    );
    assert_eq!(login.status, 429, "{login:?}");
    // Without a token it is no guess: the sign-in page still answers.
    assert_eq!(anonymous.get(&served.url("/")).status, 401);
    served.wait_until("the lockout is logged, with the hint for a proxy", || {
        let log = served.log();
        log.contains("warning: 10 wrong dashboard tokens from 127.0.0.1 within a minute")
            && log.contains("set trust_proxy = true under [server]")
    });
}

/// Wrong tokens typed into the sign-in form count as well; an empty form does not.
#[test]
fn wrong_tokens_in_the_sign_in_form_count_too() {
    let env = Env::new();
    env.write_jobs(&jobs(&env, "http://127.0.0.1:9/unused"));
    let (served, client) = start(&env);
    let anonymous = Client::new(None);
    let login = |token: &str| {
        anonymous.post(
            &served.url("/login"),
            &[("Origin", &served.base)],
            &format!("token={token}"),
        )
    };
    // An empty form is no guess.
    for n in 0..12 {
        assert_eq!(login("").status, 401, "empty form {n}");
    }
    for n in 0..10 {
        assert_eq!(login("nope").status, 401, "wrong token {n}");
    }
    assert_eq!(login(TOKEN).status, 429);
    assert_eq!(client.get(&served.url("/api/jobs")).status, 429);
}
