//! docs/json.md against the commands (issue 11): every command's `--json` output, run through
//! the built binary on a job file that gives every field a value, has exactly the fields the
//! document lists for it (nested objects and arrays included), each of a documented type.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead as _, BufReader};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::util::Env;
use crate::util::http::{Reply, TestServer};

/// Generous: the machine is shared, and the test waits for things that do happen.
const DEADLINE: Duration = Duration::from_secs(30);

/// The document: per `fields NAME` block, each path with its types.
pub(crate) type Fields = BTreeMap<String, BTreeSet<String>>;

pub(crate) fn document() -> BTreeMap<String, Fields> {
    let text = include_str!("../docs/json.md");
    let mut blocks = BTreeMap::new();
    let mut current: Option<(String, Fields)> = None;
    for line in text.lines() {
        if let Some(name) = line.strip_prefix("```fields ") {
            assert!(current.is_none(), "unclosed block before {line:?}");
            current = Some((name.trim().to_owned(), Fields::new()));
        } else if line.trim() == "```" {
            if let Some((name, fields)) = current.take() {
                assert!(!fields.is_empty(), "empty block {name}");
                assert!(
                    blocks.insert(name.clone(), fields).is_none(),
                    "two blocks for {name}"
                );
            }
        } else if let Some((name, fields)) = &mut current {
            let mut words = line.split_whitespace();
            let (Some(path), Some(types), None) = (words.next(), words.next(), words.next()) else {
                panic!("block {name}: a line is `PATH TYPES`, not {line:?}");
            };
            let types: BTreeSet<String> = types.split('|').map(str::to_owned).collect();
            for kind in &types {
                assert!(
                    ["string", "number", "boolean", "null", "array", "object"]
                        .contains(&kind.as_str()),
                    "block {name}: unknown type {kind} in {line:?}"
                );
            }
            assert!(
                fields.insert(path.to_owned(), types).is_none(),
                "block {name}: {path} twice"
            );
        }
    }
    assert!(current.is_none(), "a block is not closed");
    blocks
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Records the path and type of `value` and of everything in it into `seen`. Keys of an object
/// whose `PATH.*` the document lists are data, all seen as `PATH.*`.
fn walk(value: &Value, path: &str, doc: &Fields, seen: &mut Fields) {
    if !path.is_empty() {
        seen.entry(path.to_owned())
            .or_default()
            .insert(kind(value).to_owned());
    }
    let join = |key: &str| {
        if path.is_empty() {
            key.to_owned()
        } else {
            format!("{path}.{key}")
        }
    };
    match value {
        Value::Object(map) => {
            let any = join("*");
            for (key, child) in map {
                let child_path = if doc.contains_key(&any) {
                    any.clone()
                } else {
                    join(key)
                };
                walk(child, &child_path, doc, seen);
            }
        }
        Value::Array(items) => {
            for item in items {
                walk(item, &format!("{path}[]"), doc, seen);
            }
        }
        _ => {}
    }
}

/// The outputs of each command, gathered from runs in different states.
#[derive(Default)]
pub(crate) struct Outputs(BTreeMap<String, Vec<Value>>);

impl Outputs {
    /// The names of the outputs gathered.
    pub(crate) fn names(&self) -> Vec<String> {
        self.0.keys().cloned().collect()
    }

    pub(crate) fn add(&mut self, name: &str, text: &str) {
        let value = serde_json::from_str(text)
            .unwrap_or_else(|err| panic!("{name}: not JSON ({err}): {text}"));
        self.0.entry(name.to_owned()).or_default().push(value);
    }
}

/// What disagrees between the document's blocks and what the commands printed.
pub(crate) fn disagreements(doc: &BTreeMap<String, Fields>, outputs: &Outputs) -> Vec<String> {
    let mut found = Vec::new();
    for name in doc.keys().filter(|name| !outputs.0.contains_key(*name)) {
        found.push(format!("{name}: documented but not checked"));
    }
    for (name, values) in &outputs.0 {
        let Some(fields) = doc.get(name) else {
            found.push(format!("{name}: printed but not documented"));
            continue;
        };
        let mut seen = Fields::new();
        for value in values {
            walk(value, "", fields, &mut seen);
        }
        for (path, types) in &seen {
            match fields.get(path) {
                None => found.push(format!("{name}: {path} is printed but not documented")),
                Some(documented) => {
                    for kind in types.difference(documented) {
                        found.push(format!(
                            "{name}: {path} is {kind}, documented as {documented:?}"
                        ));
                    }
                }
            }
        }
        for path in fields.keys().filter(|path| !seen.contains_key(*path)) {
            found.push(format!("{name}: {path} is documented but never printed"));
        }
    }
    found
}

fn wait_until(what: &str, mut check: impl FnMut() -> bool) {
    let start = Instant::now();
    while !check() {
        assert!(start.elapsed() < DEADLINE, "timed out waiting until {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A job file with a shell job that has every setting, an HTTP job that has every setting,
/// and a job that waits until the file `go` exists (to be seen running).
fn jobs(env: &Env, server: &TestServer) -> String {
    format!(
        r#"
        [jobs.backup]
        description = "nightly dump"
        schedule = "0 2 * * *"
        timezone = "Europe/Berlin"
        command = "echo dumped"
        workdir = "{workdir}"
        timeout = "1m"
        retries = 1
        env = {{ REGION = "eu" }}
        notify = {{ url = "{hook}", on = "always", secret = "${{HOOK_SECRET}}", signature = "jobtab" }}
        ping = "{ping}"

        [jobs.report]
        schedule = "30 6 * * mon-fri"
        timezone = "America/New_York"

        [jobs.report.http]
        method = "POST"
        url = "{report}"
        headers = {{ Authorization = "Bearer ${{REPORT_TOKEN}}", Content-Type = "application/json" }}
        body = '{{"kind": "daily"}}'
        expect = [200, 202]

        [jobs.wait]
        schedule = "*/5 * * * *"
        jitter = "90s"
        after = ["report"]
        after_status = "failure"
        command = "i=0; while [ ! -e '{go}' ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done"

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

        [jobs.both]
        schedule = "@daily"
        command = "true"
        webhook = {{ verify = "none" }}
        "#,
        workdir = env.dir.path().display(),
        hook = server.url("/hook"),
        ping = server.url("/ping"),
        report = server.url("/report"),
        go = env.path("go").display(),
    )
}

/// The `run --log-format json` lines of a scheduler running an every-second job, until one of
/// them is a line the job printed.
fn log_lines() -> Vec<String> {
    let env = Env::with_jobs(
        r#"
        [jobs.tick]
        schedule = "* * * * * *"
        command = "echo tick"
        "#,
    );
    let mut child: Child = env
        .cmd(["run", "--log-format", "json"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let (send, lines) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if send.send(line).is_err() {
                break;
            }
        }
    });
    let mut out = Vec::new();
    let start = Instant::now();
    while !out.iter().any(|line: &String| line.contains("\"stream\"")) {
        let left = DEADLINE.saturating_sub(start.elapsed());
        match lines.recv_timeout(left) {
            Ok(line) => out.push(line),
            Err(_) => panic!("no output line from `run --log-format json`: {out:?}"),
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    out
}

#[test]
fn every_commands_json_has_the_fields_docs_json_md_lists() {
    // The API's own answers are checked by tests/api.rs, through the server.
    let doc: BTreeMap<String, Fields> = document()
        .into_iter()
        .filter(|(name, _)| !name.starts_with("api-"))
        .collect();
    let server = TestServer::start(vec![Reply::status(200).body("thanks")]);
    let env = Env::new();
    env.write_jobs(&jobs(&env, &server));
    let mut outputs = Outputs::default();
    let envs = [("HOOK_SECRET", "s3cret"), ("REPORT_TOKEN", "t0ken")];
    let ok = |args: &[&str]| -> String {
        let mut cmd = env.cmd(args);
        cmd.envs(envs);
        let output = cmd.output().unwrap();
        assert!(output.status.success(), "{args:?}: {output:?}");
        String::from_utf8(output.stdout).unwrap()
    };

    // Before any run: nothing recorded.
    outputs.add("list", &ok(&["list", "--json"]));
    outputs.add("show", &ok(&["show", "backup", "--json"]));
    // Runs: a shell job with notifications, an HTTP job.
    let exec = ok(&["exec", "backup", "--json"]);
    assert!(!exec.contains("dumped\n{"), "output passed through: {exec}");
    outputs.add("exec", &exec);
    outputs.add("exec", &ok(&["exec", "report", "--json"]));
    let hooks: Vec<_> = server
        .requests()
        .into_iter()
        .filter(|request| request.path == "/hook")
        .collect();
    assert_eq!(hooks.len(), 1, "{:?}", server.requests());
    outputs.add("notification", &hooks[0].body);

    // A run in progress.
    let mut child = env
        .cmd(["exec", "wait"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_until("list shows the run", || {
        let list: Value = serde_json::from_str(&ok(&["list", "--json"])).unwrap();
        !list[2]["running"].is_null()
    });
    let collect = |outputs: &mut Outputs| {
        outputs.add("list", &ok(&["list", "--json"]));
        for name in ["backup", "report", "wait", "hook", "both"] {
            outputs.add("show", &ok(&["show", name, "--json"]));
        }
        outputs.add("history", &ok(&["history", "--json"]));
    };
    collect(&mut outputs);
    std::fs::write(env.path("go"), "").unwrap();
    assert!(child.wait().unwrap().success());
    // A webhook run and a chained run, as the history file keeps them (no command makes
    // either without a server or a chain).
    let history = env.state.join("history.jsonl");
    let text = std::fs::read_to_string(&history).unwrap();
    let mut record: Value = serde_json::from_str(text.lines().last().unwrap()).unwrap();
    record["run_id"] = "hook-run".into();
    record["trigger"] = "webhook".into();
    record["delivery"] = "72d3162e-cc78-11e3-81ab-4c9367dc0958".into();
    let mut line = format!("{record}\n");
    record["run_id"] = "chained-run".into();
    record["trigger"] = "after".into();
    record.as_object_mut().unwrap().remove("delivery");
    record["upstream_run_id"] = "hook-run".into();
    line.push_str(&format!("{record}\n"));
    std::fs::write(&history, text + &line).unwrap();
    collect(&mut outputs);
    outputs.add("next", &ok(&["next", "--json"]));
    outputs.add(
        "explain",
        &ok(&["explain", "0 9 * * mon", "--tz", "Asia/Tokyo", "--json"]),
    );

    // check: a problem and a warning (a workdir not made yet).
    let bad = Env::with_jobs(
        r#"
        [jobs.a]
        schedule = "0 2 * * *"
        command = "true"
        workdir = "/nonexistent-jobtab/later"

        [jobs.b]
        schedule = "61 * * * *"
        command = "true"
        "#,
    );
    let output = bad.cmd(["check", "--json"]).output().unwrap();
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    outputs.add("check", &String::from_utf8(output.stdout).unwrap());
    outputs.add("check", &ok(&["check", "--json"]));

    for line in log_lines() {
        outputs.add("log", &line);
    }
    outputs.add("deliveries", &deliveries());

    let found = disagreements(&doc, &outputs);
    assert!(
        found.is_empty(),
        "docs/json.md and the commands disagree:\n  {}",
        found.join("\n  ")
    );
}

/// `deliveries --json` after an accepted, a rejected and a too large request.
fn deliveries() -> String {
    use crate::webhooks::{Server, deploy_jobs, request, send};
    let env = Env::with_jobs(&deploy_jobs("true", "", "max_body = 10"));
    let server = Server::start(&env, &[]);
    assert_eq!(server.github("/hooks/deploy", "j-1", "{}").status, 202);
    let unsigned = request("POST", "/hooks/deploy", &[], b"{}");
    assert_eq!(send(server.addr, &unsigned).status, 401);
    let large = request("POST", "/hooks/deploy", &[], &[b' '; 11]);
    assert_eq!(send(server.addr, &large).status, 413);
    wait_until("three deliveries are kept", || {
        env.ok(["deliveries", "--json"])
            .matches("\"verdict\"")
            .count()
            == 3
    });
    env.ok(["deliveries", "--json"])
}

#[test]
fn the_drift_check_finds_missing_extra_and_mistyped_fields() {
    let doc: BTreeMap<String, Fields> = [(
        "x".to_owned(),
        [
            ("a", "string"),
            ("b", "number|null"),
            ("env", "object"),
            ("env.*", "string"),
        ]
        .into_iter()
        .map(|(path, types)| {
            (
                path.to_owned(),
                types.split('|').map(str::to_owned).collect(),
            )
        })
        .collect(),
    )]
    .into();
    let mut outputs = Outputs::default();
    outputs.add("x", r#"{"a": "1", "b": null, "env": {"K": "v", "L": "w"}}"#);
    assert!(disagreements(&doc, &outputs).is_empty());
    outputs.add("x", r#"{"a": 1, "c": [], "env": {}}"#);
    outputs.add("y", "[]");
    assert_eq!(
        disagreements(&doc, &outputs),
        [
            "x: a is number, documented as {\"string\"}",
            "x: c is printed but not documented",
            "y: printed but not documented"
        ]
    );
    let mut outputs = Outputs::default();
    outputs.add("x", r#"{"a": "1", "env": {}}"#);
    assert_eq!(
        disagreements(&doc, &outputs),
        [
            "x: b is documented but never printed",
            "x: env.* is documented but never printed"
        ]
    );
}

/// Times are one form everywhere (docs/json.md): milliseconds, `Z` for UTC, upcoming runs in
/// the job's zone.
#[test]
fn times_are_rfc3339_with_milliseconds() {
    let env = Env::with_jobs(
        r#"
        [jobs.berlin]
        schedule = "0 2 * * *"
        timezone = "Europe/Berlin"
        command = "true"
        "#,
    );
    env.ok(["exec", "berlin"]);
    let list: Value = serde_json::from_str(&env.ok(["list", "--json"])).unwrap();
    let next = list[0]["next"][0].as_str().unwrap();
    assert!(
        next.ends_with("T02:00:00.000+01:00") || next.ends_with("T02:00:00.000+02:00"),
        "{next}"
    );
    let started = list[0]["last_result"]["started_at"].as_str().unwrap();
    assert_eq!(started.len(), "2026-01-01T00:00:00.000Z".len(), "{started}");
    assert!(started.ends_with('Z'), "{started}");
    let history: Value = serde_json::from_str(&env.ok(["history", "--json"])).unwrap();
    assert_eq!(history[0]["started_at"], started);
    let show: Value = serde_json::from_str(&env.ok(["show", "berlin", "--json"])).unwrap();
    assert_eq!(show["next"][0], next);
    let next_json: Value = serde_json::from_str(&env.ok(["next", "--json"])).unwrap();
    assert_eq!(next_json[0]["scheduled_at"], next);
}

/// `exec --json`: stdout is the run's record and nothing else, the same record `history --json`
/// keeps; the job's output is logged to stderr instead of passed through; the exit status is
/// `exec`'s.
#[test]
fn exec_json_prints_only_the_runs_record() {
    let env = Env::with_jobs(
        r#"
        [jobs.fails]
        schedule = "0 2 * * *"
        command = "echo to-stdout; echo to-stderr >&2; exit 3"

        [jobs.works]
        schedule = "0 2 * * *"
        command = "echo fine"
        "#,
    );
    let output = env.cmd(["exec", "fails", "--json"]).output().unwrap();
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let out = String::from_utf8(output.stdout).unwrap();
    let err = String::from_utf8(output.stderr).unwrap();
    assert!(out.starts_with("{\n"), "{out}");
    let record: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(record["job"], "fails");
    assert_eq!(record["status"], "failed");
    assert_eq!(record["exit_code"], 3);
    assert_eq!(record["trigger"], "manual");
    let tail = record["output_tail"].as_str().unwrap();
    assert!(
        tail.contains("to-stdout\n") && tail.contains("to-stderr\n"),
        "{tail}"
    );
    assert!(err.contains("[fails] to-stdout\n"), "{err}");
    assert!(err.contains("[fails] to-stderr\n"), "{err}");
    let history: Value = serde_json::from_str(&env.ok(["history", "--json"])).unwrap();
    let mut recorded = history[0].clone();
    recorded.as_object_mut().unwrap().remove("running");
    assert_eq!(recorded, record);

    let out = env.ok(["exec", "works", "--json"]);
    let record: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(record["status"], "ok");
    assert_eq!(record["output_tail"], "fine\n");
}

/// `check --json`: every problem and warning with its file, line, column, job and key; exit 1
/// with a problem, 0 with warnings alone; a named file that is not there is an error with
/// nothing on stdout.
#[test]
fn check_json_lists_problems_and_warnings_with_their_place() {
    let env = Env::with_jobs(
        r#"
        [jobs.backup]
        schedule = "0 2 * * *"
        command = "true"
        timout = "5m"

        [jobs.later]
        schedule = "0 3 * * *"
        command = "true"
        workdir = "/nonexistent-jobtab/later"
        "#,
    );
    let output = env.cmd(["check", "--json"]).output().unwrap();
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let json: Value = serde_json::from_slice(&output.stdout).unwrap();
    let file = env.file.display().to_string();
    assert_eq!(json["file"], file.as_str());
    assert_eq!(json["jobs"], 1);
    assert_eq!(
        json["problems"],
        serde_json::json!([{
            "file": file,
            "line": 4,
            "column": 1,
            "job": "backup",
            "key": "timout",
            "message": json["problems"][0]["message"],
        }])
    );
    let message = json["problems"][0]["message"].as_str().unwrap();
    assert!(message.contains("did you mean \"timeout\""), "{message}");
    let warnings = json["warnings"].as_array().unwrap();
    assert_eq!(warnings.len(), 1, "{json}");
    assert_eq!(warnings[0]["job"], "later");
    assert_eq!(warnings[0]["key"], "workdir");
    assert_eq!(warnings[0]["line"], 9);
    assert!(String::from_utf8_lossy(&output.stderr).contains("1 problem in"));

    // Warnings alone: exit 0.
    env.write_jobs(
        r#"
        [jobs.later]
        schedule = "0 3 * * *"
        command = "true"
        workdir = "/nonexistent-jobtab/later"
        "#,
    );
    let json: Value = serde_json::from_str(&env.ok(["check", "--json"])).unwrap();
    assert_eq!(json["problems"], serde_json::json!([]));
    assert_eq!(json["warnings"].as_array().unwrap().len(), 1, "{json}");
    assert_eq!(json["jobs"], 1);

    let missing = env.path("missing.toml");
    let output = env
        .cmd(["--file", missing.to_str().unwrap(), "check", "--json"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(output.stdout.is_empty(), "{output:?}");
}
