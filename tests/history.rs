//! Integration tests: `history` (and the records `exec` appends, also from concurrent
//! processes).

use serde_json::Value;

use crate::util::{Env, stderr, stdout};

const JOBS: &str = r#"
    [jobs.good]
    schedule = "0 2 * * *"
    command = "echo fine"
    overlap = "allow"

    [jobs.bad]
    schedule = "0 2 * * *"
    command = "echo broken; exit 2"
"#;

fn json(env: &Env, args: &[&str]) -> Vec<Value> {
    let mut all = vec!["history", "--json"];
    all.extend_from_slice(args);
    serde_json::from_str(&env.ok(all)).unwrap()
}

#[test]
fn concurrent_execs_write_whole_records() {
    let env = Env::with_jobs(
        r#"
        [jobs.quick]
        schedule = "0 2 * * *"
        command = "head -c 30000 /dev/zero | tr '\\0' x; echo"
        overlap = "allow"
        "#,
    );
    let children: Vec<_> = (0..20)
        .map(|_| {
            env.cmd(["exec", "quick"])
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .spawn()
                .unwrap()
        })
        .collect();
    for mut child in children {
        assert_eq!(child.wait().unwrap().code(), Some(0));
    }
    let text = std::fs::read_to_string(env.state.join("history.jsonl")).unwrap();
    assert_eq!(text.lines().count(), 20);
    for line in text.lines() {
        let record: Value = serde_json::from_str(line).unwrap();
        assert_eq!(record["status"], "ok");
        assert_eq!(record["output_tail"].as_str().unwrap().len(), 30_001);
    }
    let ids: std::collections::HashSet<_> = json(&env, &["--limit", "100"])
        .iter()
        .map(|r| r["run_id"].to_string())
        .collect();
    assert_eq!(ids.len(), 20);
}

#[test]
fn filters_limit_and_order() {
    let env = Env::with_jobs(JOBS);
    env.ok(["exec", "good"]);
    env.fails(["exec", "bad"], 1);
    env.ok(["exec", "good"]);

    let all = json(&env, &[]);
    let jobs: Vec<_> = all.iter().map(|r| r["job"].as_str().unwrap()).collect();
    assert_eq!(jobs, ["good", "bad", "good"]);
    assert!(all[0]["started_at"].as_str() >= all[2]["started_at"].as_str());

    let limited = json(&env, &["--limit", "1"]);
    assert_eq!(limited.len(), 1);
    assert_eq!(limited[0]["run_id"], all[0]["run_id"]);

    let failed = json(&env, &["--failed"]);
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0]["job"], "bad");
    assert_eq!(failed[0]["exit_code"], 2);
    assert_eq!(failed[0]["output_tail"], "broken\n");

    let good = json(&env, &["good"]);
    assert_eq!(good.len(), 2);
    assert!(good.iter().all(|r| r["job"] == "good"));

    // Stable field names, RFC 3339 times.
    for field in [
        "job",
        "run_id",
        "trigger",
        "status",
        "exit_code",
        "http_status",
        "scheduled_at",
        "started_at",
        "duration_ms",
        "attempts",
        "output_tail",
        "error",
    ] {
        assert!(all[0].get(field).is_some(), "missing {field}");
    }
    chrono::DateTime::parse_from_rfc3339(all[0]["started_at"].as_str().unwrap()).unwrap();
}

#[test]
fn text_table() {
    let env = Env::with_jobs(JOBS);
    env.ok(["exec", "good"]);
    env.fails(["exec", "bad"], 1);
    let text = env.ok(["history"]);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "{text}");
    for column in [
        "STARTED",
        "JOB",
        "STATUS",
        "DURATION",
        "ATTEMPTS",
        "EXIT/HTTP",
        "TRIGGER",
        "ERROR",
    ] {
        assert!(lines[0].contains(column), "{}", lines[0]);
    }
    assert!(
        lines[1].contains(" bad ") && lines[1].contains(" failed "),
        "{}",
        lines[1]
    );
    assert!(lines[1].ends_with("manual   exit code 2"), "{}", lines[1]);
    assert!(lines[2].ends_with("manual   -"), "{}", lines[2]);
    assert!(
        lines[2].contains(" good ") && lines[2].contains(" ok "),
        "{}",
        lines[2]
    );
}

#[test]
fn empty_history_says_so() {
    let env = Env::with_jobs(JOBS);
    let output = env.run(["history"]);
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(stdout(&output), "");
    assert!(
        stderr(&output).contains("no runs recorded yet"),
        "{}",
        stderr(&output)
    );

    env.ok(["exec", "good"]);
    let output = env.run(["history", "bad"]);
    assert_eq!(output.status.code(), Some(0));
    assert!(
        stderr(&output).contains("no runs recorded for bad"),
        "{}",
        stderr(&output)
    );
    let output = env.run(["history", "--json", "bad"]);
    assert_eq!(stdout(&output).trim(), "[]");
}

#[test]
fn runs_are_listed_by_start_time_newest_first() {
    let env = Env::new();
    // long runs until quick has run: it ends (and is recorded) last, started first.
    env.write_jobs(&format!(
        r#"
        [jobs.long]
        schedule = "0 2 * * *"
        workdir = "{}"
        command = "echo go > started; i=0; while [ ! -e release ] && [ $i -lt 3000 ]; do sleep 0.02; i=$((i+1)); done"

        [jobs.quick]
        schedule = "0 2 * * *"
        command = "true"
        "#,
        env.dir.path().display()
    ));
    let mut long = env
        .cmd(["exec", "long"])
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while !std::fs::read_to_string(env.path("started")).is_ok_and(|t| t.ends_with('\n')) {
        assert!(std::time::Instant::now() < deadline, "long never started");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    env.ok(["exec", "quick"]);
    std::fs::write(env.path("release"), "").unwrap();
    assert!(long.wait().unwrap().success());
    // quick ended (and was recorded) first, but started last.
    let runs = json(&env, &[]);
    let jobs: Vec<_> = runs.iter().map(|r| r["job"].as_str().unwrap()).collect();
    assert_eq!(jobs, ["quick", "long"]);
    let limited = json(&env, &["--limit", "1"]);
    assert_eq!(limited[0]["job"], "quick");
    let text = env.ok(["history"]);
    let order: Vec<_> = text
        .lines()
        .skip(1)
        .map(|l| l.contains(" quick "))
        .collect();
    assert_eq!(order, [true, false], "{text}");
}

#[test]
fn limit_0_prints_nothing_and_claims_nothing() {
    let env = Env::with_jobs(JOBS);
    env.ok(["exec", "good"]);
    let output = env.run(["history", "--limit", "0"]);
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(stdout(&output), "");
    assert_eq!(stderr(&output), "");
    let output = env.run(["history", "--limit", "0", "--json"]);
    assert_eq!(stdout(&output).trim(), "[]");
    assert_eq!(stderr(&output), "");
}

/// Issue 8 item 7: `printf garbage >> history.jsonl; jobtab exec j` lost that run, swallowed
/// by the partial line.
#[test]
fn a_partial_last_line_does_not_swallow_the_next_run() {
    let env = Env::with_jobs(JOBS);
    env.ok(["exec", "good"]);
    let path = env.state.join("history.jsonl");
    let mut text = std::fs::read(&path).unwrap();
    text.extend_from_slice(b"garbage");
    std::fs::write(&path, text).unwrap();
    env.fails(["exec", "bad"], 1);
    let output = env.run(["history", "--json"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let records: Vec<Value> = serde_json::from_str(&stdout(&output)).unwrap();
    let jobs: Vec<_> = records.iter().map(|r| r["job"].as_str().unwrap()).collect();
    assert_eq!(jobs, ["bad", "good"]);
    let note = stderr(&output);
    assert!(
        note.contains(&format!(
            "jobtab: note: skipped 1 unreadable line in the history in {}",
            env.state.display()
        )),
        "{note}"
    );
    // The table says it too; a clean history says nothing.
    assert!(stderr(&env.run(["history"])).contains("skipped 1 unreadable line"));
    let clean = Env::with_jobs(JOBS);
    clean.ok(["exec", "good"]);
    assert_eq!(stderr(&clean.run(["history"])), "");
}

/// Issue 9, item 4: one duration format. `show` printed `3m05s` and `history` `3m5s` for the
/// same run; now `show`, `history`, `logs` and `show`'s timeout all write durations one way,
/// a way `add --timeout` reads back.
#[test]
fn show_history_and_logs_write_a_duration_the_same_way() {
    let env = Env::with_jobs(JOBS);
    std::fs::create_dir_all(&env.state).unwrap();
    let record = |id: &str, at: &str, millis: u64| {
        format!(
            "{{\"job\":\"good\",\"run_id\":\"{id}\",\"trigger\":\"schedule\",\"status\":\"ok\",\
             \"exit_code\":0,\"http_status\":null,\"scheduled_at\":\"{at}\",\"started_at\":\"{at}\",\
             \"duration_ms\":{millis},\"attempts\":1,\"output_tail\":\"fine\\n\",\"error\":null}}\n"
        )
    };
    let history = record("a1b2c3d4", "2026-01-01T02:00:00.000Z", 1_240)
        + &record("e5f6a7b8", "2026-01-02T02:00:00.000Z", 185_900);
    std::fs::write(env.state.join("history.jsonl"), history).unwrap();

    let show = env.ok(["show", "good"]);
    let result = |at: &str| show.lines().find(|l| l.starts_with(at)).unwrap_or_default();
    assert!(
        result("  2026-01-02 02:00:00").ends_with("  3m5s"),
        "{show}"
    );
    assert!(
        result("  2026-01-01 02:00:00").ends_with("  1s240ms"),
        "{show}"
    );
    let table = env.ok(["history", "good"]);
    let cells = |id: &str| -> Vec<String> {
        let line = table.lines().find(|l| l.contains(id)).unwrap();
        line.split_whitespace().map(str::to_owned).collect()
    };
    assert!(cells("e5f6a7b8").contains(&"3m5s".to_owned()), "{table}");
    assert!(cells("a1b2c3d4").contains(&"1s240ms".to_owned()), "{table}");
    let logs = env.run(["logs", "good"]);
    assert!(
        stderr(&logs).contains(": ok in 3m5s\n"),
        "{}",
        stderr(&logs)
    );

    // What they print is a duration the job file and `add` accept.
    for took in ["3m5s", "1s240ms"] {
        env.ok(["add", "again", "@daily", "--timeout", took, "--", "true"]);
        let show = env.ok(["show", "again"]);
        assert!(show.contains(&format!("timeout:  {took}\n")), "{show}");
        env.ok(["remove", "again"]);
    }
}
