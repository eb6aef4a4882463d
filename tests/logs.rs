//! Seeing what runs (issue 11): runs in progress in `list`, `show` and `history`, from any
//! process; `logs NAME [--run ID] [--follow]`; `history --output`.

use std::process::{Child, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::util::Env;

/// Generous: the machine is shared, and a test waits for something that does happen.
const DEADLINE: Duration = Duration::from_secs(30);

/// A job that prints `hello`, then waits (at most a minute) until the file `go` exists.
fn waiting_job() -> Env {
    let env = Env::new();
    let go = env.path("go");
    env.write_jobs(&format!(
        r#"
        [jobs.wait]
        schedule = "0 2 * * *"
        command = "echo hello; i=0; while [ ! -e '{}' ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done; echo bye"
        "#,
        go.display()
    ));
    env
}

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|err| panic!("{err}: {text}"))
}

/// Waits until `check` holds, failing the test after `DEADLINE`.
fn wait_until(what: &str, mut check: impl FnMut() -> bool) {
    let start = Instant::now();
    while !check() {
        assert!(start.elapsed() < DEADLINE, "timed out waiting until {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// `jobtab exec wait` in the background, once `list` shows it running.
fn start_exec(env: &Env) -> Child {
    let child = env
        .cmd(["exec", "wait"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_until("list shows the run", || {
        !json(&env.ok(["list", "--json"]))[0]["running"].is_null()
    });
    child
}

fn finish(env: &Env, mut child: Child) {
    std::fs::write(env.path("go"), "").unwrap();
    assert!(child.wait().unwrap().success());
}

#[test]
fn list_show_and_history_show_a_run_in_progress_then_its_result() {
    let env = waiting_job();
    let child = start_exec(&env);
    let pid = u64::from(child.id());

    let list = json(&env.ok(["list", "--json"]));
    let running = &list[0]["running"];
    assert_eq!(running["pid"], pid, "{list}");
    let run_id = running["run_id"].as_str().unwrap().to_owned();
    chrono::DateTime::parse_from_rfc3339(running["started_at"].as_str().unwrap()).unwrap();
    let text = env.ok(["list"]);
    assert!(text.lines().nth(1).unwrap().contains(" running "), "{text}");
    assert!(!text.contains("ok "), "{text}");

    let show = json(&env.ok(["show", "wait", "--json"]));
    assert_eq!(show["running"]["run_id"], run_id.as_str());
    assert_eq!(show["running"]["pid"], pid);
    let text = env.ok(["show", "wait"]);
    assert!(text.contains("running now:\n"), "{text}");
    assert!(
        text.contains(&format!("(run {run_id}, pid {pid})")),
        "{text}"
    );

    let history = json(&env.ok(["history", "--json"]));
    assert_eq!(history.as_array().unwrap().len(), 1, "{history}");
    assert_eq!(history[0]["status"], "running");
    assert_eq!(history[0]["run_id"], run_id.as_str());
    assert_eq!(history[0]["running"]["pid"], pid);
    let text = env.ok(["history"]);
    assert!(text.contains(" running "), "{text}");
    assert!(text.contains(&run_id[..8]), "{text}");
    // A run in progress has not failed.
    let failed = json(&env.ok(["history", "--json", "--failed"]));
    assert_eq!(failed, serde_json::json!([]));

    finish(&env, child);
    let list = json(&env.ok(["list", "--json"]));
    assert!(list[0]["running"].is_null(), "{list}");
    assert_eq!(list[0]["last_result"]["status"], "ok");
    assert!(!env.ok(["list"]).contains("running"));
    let show = json(&env.ok(["show", "wait", "--json"]));
    assert!(show["running"].is_null(), "{show}");
    assert!(!env.ok(["show", "wait"]).contains("running now"));
    let history = json(&env.ok(["history", "--json"]));
    assert_eq!(history.as_array().unwrap().len(), 1, "{history}");
    assert_eq!(history[0]["status"], "ok");
    assert!(history[0]["running"].is_null(), "{history}");
    // The recorded run is the one that was shown running.
    assert_eq!(history[0]["run_id"], run_id.as_str());
}

#[test]
fn an_exec_killed_with_sigkill_is_not_running() {
    let env = waiting_job();
    let mut child = start_exec(&env);
    child.kill().unwrap();
    child.wait().unwrap();
    let list = json(&env.ok(["list", "--json"]));
    assert!(list[0]["running"].is_null(), "{list}");
    assert!(!env.ok(["list"]).contains("running"));
    assert!(!env.ok(["history"]).contains("running"));
    let show = json(&env.ok(["show", "wait", "--json"]));
    assert!(show["running"].is_null(), "{show}");
    // The stale marker was cleared away.
    let left: Vec<_> = std::fs::read_dir(env.state.join("running"))
        .unwrap()
        .collect();
    assert!(left.is_empty(), "{left:?}");
    // The job's own shell outlived jobtab: let it end.
    std::fs::write(env.path("go"), "").unwrap();
}

#[test]
fn logs_prints_the_last_run_or_the_one_asked_for() {
    let env = Env::new();
    let message = env.path("message");
    env.write_jobs(&format!(
        r#"
        [jobs.say]
        schedule = "0 2 * * *"
        command = "cat '{}'"

        [jobs.other]
        schedule = "0 2 * * *"
        command = "echo other"
        "#,
        message.display()
    ));
    let err = env.fails(["logs", "say"], 0);
    assert!(err.contains("no runs of say recorded yet"), "{err}");
    std::fs::write(&message, "first run\n").unwrap();
    env.ok(["exec", "say"]);
    std::fs::write(&message, "second run\nline two\n").unwrap();
    env.ok(["exec", "say"]);
    env.ok(["exec", "other"]);

    let output = env.run(["logs", "say"]);
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(crate::util::stdout(&output), "second run\nline two\n");
    let err = crate::util::stderr(&output);
    assert!(
        err.contains("say run ") && err.contains(": ok in "),
        "{err}"
    );

    let history = json(&env.ok(["history", "say", "--json"]));
    let first = history[1]["run_id"].as_str().unwrap();
    assert_eq!(env.ok(["logs", "say", "--run", first]), "first run\n");
    // The short id the history table shows is enough.
    assert_eq!(env.ok(["logs", "say", "--run", &first[..8]]), "first run\n");

    let err = env.fails(["logs", "say", "--run", "0000dead"], 1);
    assert!(
        err.starts_with("jobtab: error: no run \"0000dead\" of job say"),
        "{err}"
    );
    // The run of another job is not this job's.
    let other = json(&env.ok(["history", "other", "--json"]))[0]["run_id"]
        .as_str()
        .unwrap()
        .to_owned();
    env.fails(["logs", "say", "--run", &other], 1);

    let err = env.fails(["logs", "nope"], 1);
    assert!(err.contains("no job named \"nope\""), "{err}");
    // A job removed from the file still has its runs.
    env.ok(["remove", "say"]);
    assert_eq!(env.ok(["logs", "say"]), "second run\nline two\n");
}

/// Collects a child's pipe in the background.
fn collect(mut pipe: impl std::io::Read + Send + 'static) -> Arc<Mutex<String>> {
    let text = Arc::new(Mutex::new(String::new()));
    let sink = Arc::clone(&text);
    std::thread::spawn(move || {
        let mut buffer = [0u8; 4096];
        while let Ok(n) = pipe.read(&mut buffer) {
            if n == 0 {
                break;
            }
            sink.lock()
                .unwrap()
                .push_str(&String::from_utf8_lossy(&buffer[..n]));
        }
    });
    text
}

#[test]
fn logs_follow_prints_runs_recorded_after_it_started() {
    let env = Env::new();
    let message = env.path("message");
    env.write_jobs(&format!(
        r#"
        [jobs.say]
        schedule = "0 2 * * *"
        command = "cat '{}'"
        "#,
        message.display()
    ));
    std::fs::write(&message, "before following\n").unwrap();
    env.ok(["exec", "say"]);

    let mut follow = env
        .cmd(["logs", "say", "--follow"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let out = collect(follow.stdout.take().unwrap());
    let err = collect(follow.stderr.take().unwrap());
    wait_until("logs --follow waits", || {
        err.lock().unwrap().contains("waiting for runs of say")
    });
    // The last run comes first.
    wait_until("the last run is printed", || {
        out.lock().unwrap().contains("\nbefore following\n")
    });
    for text in ["run one\n", "run two\n"] {
        std::fs::write(&message, text).unwrap();
        env.ok(["exec", "say"]);
        wait_until("the new run's output is printed", || {
            out.lock().unwrap().contains(text)
        });
    }
    follow.kill().unwrap();
    follow.wait().unwrap();
    let text = out.lock().unwrap().clone();
    let headers = text
        .lines()
        .filter(|l| l.starts_with("==> say run "))
        .count();
    assert_eq!(headers, 3, "{text}");
    let one = text.find("run one").unwrap();
    let two = text.find("run two").unwrap();
    assert!(
        text.find("before following").unwrap() < one && one < two,
        "{text}"
    );
}

#[test]
fn logs_follow_stops_when_stdout_is_closed() {
    let env = Env::with_jobs(
        r#"
        [jobs.say]
        schedule = "0 2 * * *"
        command = "echo hi"
        "#,
    );
    let mut follow = env
        .cmd(["logs", "say", "--follow"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let err = collect(follow.stderr.take().unwrap());
    wait_until("logs --follow waits", || {
        err.lock().unwrap().contains("waiting for runs of say")
    });
    drop(follow.stdout.take());
    let mut status = None;
    wait_until("logs --follow exits", || {
        status = follow.try_wait().unwrap();
        status.is_some()
    });
    assert!(status.unwrap().success(), "{status:?}");
}

#[test]
fn history_output_shows_each_runs_output_under_its_line() {
    let env = Env::with_jobs(
        r#"
        [jobs.chatty]
        schedule = "0 2 * * *"
        command = "seq 1 15"

        [jobs.quiet]
        schedule = "0 2 * * *"
        command = "true"
        "#,
    );
    env.ok(["exec", "chatty"]);
    env.ok(["exec", "quiet"]);
    let text = env.ok(["history", "--output"]);
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].starts_with("STARTED"), "{text}");
    assert!(lines[1].contains(" quiet "), "{text}");
    assert_eq!(lines[2], "    (no output)", "{text}");
    assert!(lines[3].contains(" chatty "), "{text}");
    assert!(
        lines[4].starts_with("    … 5 more lines before; `jobtab logs chatty --run "),
        "{text}"
    );
    let tail: Vec<&str> = lines[5..].to_vec();
    let expected: Vec<String> = (6..=15).map(|n| format!("    {n}")).collect();
    assert_eq!(tail, expected, "{text}");
    // Without --output, one line per run.
    assert_eq!(env.ok(["history"]).lines().count(), 3);
    // Not with --json, which has the whole tail already.
    env.fails(["history", "--output", "--json"], 2);
}

/// A `jobtab run` killed (SIGKILL) and reaped when dropped, also when the test fails.
struct Scheduler(Child);

impl Drop for Scheduler {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn a_run_of_the_scheduler_is_shown_running_too() {
    let env = Env::new();
    let go = env.path("go");
    env.write_jobs(&format!(
        r#"
        [jobs.wait]
        schedule = "* * * * * *"
        command = "echo hello; i=0; while [ ! -e '{}' ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done"
        "#,
        go.display()
    ));
    let scheduler = Scheduler(
        env.cmd(["run"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let mut running = Value::Null;
    wait_until("list shows the scheduler's run", || {
        running = json(&env.ok(["list", "--json"]))[0]["running"].clone();
        !running.is_null()
    });
    assert_eq!(running["pid"], u64::from(scheduler.0.id()), "{running}");
    let run_id = running["run_id"].as_str().unwrap().to_owned();
    // Runs due meanwhile are recorded as skipped: find the one in progress among them.
    let history = json(&env.ok(["history", "--json", "--limit", "1000"]));
    let entry = history
        .as_array()
        .unwrap()
        .iter()
        .find(|run| run["run_id"] == run_id.as_str())
        .unwrap_or_else(|| panic!("{run_id} not in {history}"));
    assert_eq!(entry["status"], "running", "{history}");
    assert_eq!(entry["trigger"], "schedule", "{history}");
    std::fs::write(&go, "").unwrap();
    wait_until("the run is recorded", || {
        json(&env.ok(["history", "--json", "--limit", "1000"]))
            .as_array()
            .unwrap()
            .iter()
            .any(|run| run["run_id"] == run_id.as_str() && run["status"] == "ok")
    });
    drop(scheduler);
}
