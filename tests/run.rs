//! Integration tests: `run`, the foreground scheduler, through the built binary. Every job uses
//! a seconds-field schedule, so each test takes a few seconds; every scheduler started here is
//! killed when its guard drops, also when the test fails.

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, kill, killpg};
use nix::unistd::Pid;

use crate::util::{Env, unindent};

/// A running `jobtab run`; its stderr is collected; killed on drop.
struct Runner {
    child: Child,
    log: Arc<Mutex<String>>,
}

impl Runner {
    fn start(env: &Env, extra: &[&str]) -> Runner {
        let mut args = vec!["run"];
        args.extend_from_slice(extra);
        Runner::spawn(env.cmd(&args))
    }

    /// Starts `cmd` (a `jobtab run`, possibly wrapped) with its stderr collected.
    fn spawn(mut cmd: std::process::Command) -> Runner {
        let mut child = cmd
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let log = Arc::new(Mutex::new(String::new()));
        let stderr = child.stderr.take().unwrap();
        let sink = Arc::clone(&log);
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let mut log = sink.lock().unwrap();
                log.push_str(&line);
                log.push('\n');
            }
        });
        Runner { child, log }
    }

    fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }

    /// Waits until the log contains `needle` `times` times; panics with the log if not.
    fn wait_for_n(&self, needle: &str, times: usize, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        while self.log().matches(needle).count() < times {
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {times} x {needle:?}; log:\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn wait_for(&self, needle: &str, timeout: Duration) {
        self.wait_for_n(needle, 1, timeout);
    }

    fn signal(&self, signal: Signal) {
        kill(Pid::from_raw(self.child.id() as i32), signal).unwrap();
    }

    /// Waits for the process to exit, up to `timeout`.
    fn wait_exit(&mut self, timeout: Duration) -> ExitStatus {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                // Let the reader thread drain the last lines.
                std::thread::sleep(Duration::from_millis(50));
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "jobtab run did not exit within {timeout:?}; log:\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Runner {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Lines of a file the jobs append to ("" when it does not exist yet).
fn lines(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(str::to_owned)
        .collect()
}

/// Waits until `path` has at least `n` lines.
fn wait_lines(path: &Path, n: usize, timeout: Duration) -> Vec<String> {
    let deadline = Instant::now() + timeout;
    loop {
        let found = lines(path);
        if found.len() >= n {
            return found;
        }
        assert!(
            Instant::now() < deadline,
            "timed out waiting for {n} lines in {}; have {found:?}",
            path.display()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

const SECS: fn(u64) -> Duration = Duration::from_secs;

#[test]
fn an_every_second_job_runs_repeatedly_and_on_time() {
    let env = Env::new();
    let out = env.path("out.txt");
    env.write_jobs(&format!(
        r#"
        [jobs.tick]
        schedule = "* * * * * *"
        command = "date +%s%N >> {}"
        "#,
        out.display()
    ));
    let runner = Runner::start(&env, &[]);
    let found = wait_lines(&out, 3, SECS(6));
    for line in &found {
        let nanos: u128 = line.trim().parse().unwrap();
        let lateness_ms = (nanos % 1_000_000_000) / 1_000_000;
        assert!(
            lateness_ms < 200,
            "started {lateness_ms} ms after its second: {found:?}"
        );
    }
    let log = runner.log();
    assert!(log.contains("scheduling 1 job from"), "{log}");
    assert!(log.contains("[tick] started"), "{log}");
}

#[test]
fn overlap_skip_never_runs_two_at_once_and_logs_the_skips() {
    let env = Env::new();
    let out = env.path("out.txt");
    env.write_jobs(&format!(
        r#"
        [jobs.slow]
        schedule = "* * * * * *"
        command = "echo start >> {0}; sleep 2.2; echo end >> {0}"
        "#,
        out.display()
    ));
    let runner = Runner::start(&env, &[]);
    runner.wait_for("skipped run due at", SECS(5));
    wait_lines(&out, 3, SECS(6));
    let found = lines(&out);
    // start, end, start, end, ...: never two starts in a row.
    for pair in found.windows(2) {
        assert_ne!(pair, ["start", "start"], "two runs overlapped: {found:?}");
    }
    assert!(runner.log().contains("previous run still running"));
}

#[test]
fn overlap_queue_runs_once_right_after_and_queues_at_most_one() {
    let env = Env::new();
    let out = env.path("starts.txt");
    env.write_jobs(&format!(
        r#"
        [jobs.q]
        schedule = "* * * * * *"
        overlap = "queue"
        command = "date +%s%N >> {}; sleep 2.5"
        "#,
        out.display()
    ));
    let runner = Runner::start(&env, &[]);
    let found = wait_lines(&out, 2, SECS(6));
    let starts: Vec<u128> = found.iter().map(|l| l.trim().parse().unwrap()).collect();
    // The queued run starts as soon as the first ends (2.5 s later), not at a second boundary
    // as a scheduled run would.
    let gap_ms = (starts[1] - starts[0]) / 1_000_000;
    let fraction_ms = (starts[1] % 1_000_000_000) / 1_000_000;
    assert!(
        (2400..3400).contains(&gap_ms),
        "gap {gap_ms} ms: {starts:?}"
    );
    assert!(
        (300..950).contains(&fraction_ms),
        "started {fraction_ms} ms into its second"
    );
    let log = runner.log();
    assert!(log.contains("queued: previous run still running"), "{log}");
    // While one run is queued, the next due run is skipped, not queued too.
    assert!(log.contains("another run is queued"), "{log}");
}

#[test]
fn reload_adds_removes_and_survives_a_broken_file() {
    let env = Env::new();
    let (a, b) = (env.path("a.txt"), env.path("b.txt"));
    let job = |name: &str, out: &Path| {
        format!(
            "[jobs.{name}]\nschedule = \"* * * * * *\"\ncommand = \"echo x >> {}\"\n",
            out.display()
        )
    };
    env.write_jobs(&job("a", &a));
    let runner = Runner::start(&env, &[]);
    wait_lines(&a, 1, SECS(4));

    // Added: b starts running.
    env.write_jobs(&format!("{}{}", job("a", &a), job("b", &b)));
    runner.wait_for(
        "reloaded (the job file changed): 1 added, 0 removed, 0 changed",
        SECS(4),
    );
    wait_lines(&b, 1, SECS(4));

    // Removed: a stops.
    env.write_jobs(&job("b", &b));
    runner.wait_for("0 added, 1 removed, 0 changed", SECS(4));
    std::thread::sleep(Duration::from_millis(300));
    let a_count = lines(&a).len();
    let b_count = lines(&b).len();
    std::thread::sleep(Duration::from_millis(2200));
    assert_eq!(lines(&a).len(), a_count, "a still runs after being removed");
    assert!(lines(&b).len() >= b_count + 2, "b stopped running");

    // Broken: reported, b keeps running.
    env.write_jobs("[jobs.b]\nschedule = \"61 * * * *\"\ncommand = \"true\"\n");
    runner.wait_for("not reloaded (the job file changed): 1 problem", SECS(4));
    let log = runner.log();
    assert!(log.contains("invalid job file"), "{log}");
    assert!(log.contains("keeping the previous 1 jobs"), "{log}");
    let b_count = lines(&b).len();
    wait_lines(&b, b_count + 2, SECS(4));

    // SIGHUP reloads too (the file is fixed first; the change may trigger its own reload).
    env.write_jobs(&job("b", &b));
    std::thread::sleep(Duration::from_millis(300));
    runner.signal(Signal::SIGHUP);
    runner.wait_for("reloaded (SIGHUP)", SECS(4));
}

#[test]
fn a_job_file_moved_away_keeps_the_jobs_running_until_it_comes_back() {
    let env = Env::new();
    let (a, b) = (env.path("a.txt"), env.path("b.txt"));
    let job = |name: &str, out: &Path| {
        format!(
            "[jobs.{name}]\nschedule = \"* * * * * *\"\ncommand = \"echo x >> {}\"\n",
            out.display()
        )
    };
    env.write_jobs(&job("a", &a));
    let runner = Runner::start(&env, &[]);
    wait_lines(&a, 1, SECS(4));

    // Moved away (a config tool's delete-and-recreate, a git checkout): a keeps running.
    let aside = env.path("jobs.toml.moved");
    std::fs::rename(&env.file, &aside).unwrap();
    runner.wait_for(
        &format!(
            "job file {} is gone; keeping the 1 job loaded until it comes back",
            env.file.display()
        ),
        SECS(4),
    );
    let count = lines(&a).len();
    wait_lines(&a, count + 2, SECS(4));
    assert!(!runner.log().contains("removed: a"), "{}", runner.log());

    // Back, with a change: reloaded.
    std::fs::write(&aside, format!("{}{}", job("a", &a), job("b", &b))).unwrap();
    std::fs::rename(&aside, &env.file).unwrap();
    runner.wait_for("is back", SECS(4));
    runner.wait_for(
        "reloaded (the job file changed): 1 added, 0 removed",
        SECS(4),
    );
    wait_lines(&b, 1, SECS(4));
}

#[test]
fn sigterm_waits_for_a_running_job_then_exits_0() {
    let env = Env::new();
    let out = env.path("out.txt");
    env.write_jobs(&format!(
        r#"
        [jobs.work]
        schedule = "* * * * * *"
        command = "sleep 1.5; echo done >> {}"
        "#,
        out.display()
    ));
    let mut runner = Runner::start(&env, &[]);
    runner.wait_for("[work] started", SECS(3));
    runner.signal(Signal::SIGTERM);
    let status = runner.wait_exit(SECS(5));
    assert_eq!(status.code(), Some(0), "{}", runner.log());
    assert_eq!(lines(&out), ["done"], "the running job finished");
    let log = runner.log();
    assert!(log.contains("SIGTERM: stopped scheduling; waiting up to 30s for 1 running job"));
    assert!(log.contains("all running jobs ended; exiting"), "{log}");
}

#[test]
fn after_a_short_grace_the_job_process_group_is_killed_and_run_exits_0() {
    let env = Env::new();
    let pid_file = env.path("pid.txt");
    env.write_jobs(&format!(
        r#"
        [jobs.long]
        schedule = "* * * * * *"
        command = "echo $$ > {}; sleep 60 & sleep 60; wait"
        "#,
        pid_file.display()
    ));
    let mut runner = Runner::start(&env, &["--grace", "500ms"]);
    let found = wait_lines(&pid_file, 1, SECS(3));
    let group = Pid::from_raw(found[0].trim().parse().unwrap());
    runner.signal(Signal::SIGTERM);
    let started = Instant::now();
    let status = runner.wait_exit(SECS(6));
    assert_eq!(status.code(), Some(0), "{}", runner.log());
    assert!(started.elapsed() < SECS(4), "took {:?}", started.elapsed());
    assert!(
        runner
            .log()
            .contains("grace period over: stopping 1 running job")
    );
    // Nothing of the job's process group is left (orphans are reaped by init promptly).
    let deadline = Instant::now() + SECS(2);
    while killpg(group, None).is_ok() {
        assert!(
            Instant::now() < deadline,
            "the job's processes are still alive"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn a_second_signal_kills_at_once() {
    let env = Env::new();
    env.write_jobs(
        r#"
        [jobs.long]
        schedule = "* * * * * *"
        command = "sleep 60"
        "#,
    );
    let mut runner = Runner::start(&env, &[]);
    runner.wait_for("[long] started", SECS(3));
    runner.signal(Signal::SIGINT);
    runner.wait_for("waiting up to 30s", SECS(2));
    let started = Instant::now();
    runner.signal(Signal::SIGTERM);
    let status = runner.wait_exit(SECS(4));
    assert!(started.elapsed() < SECS(2), "took {:?}", started.elapsed());
    assert_eq!(status.code(), Some(130), "{}", runner.log());
    assert!(
        runner
            .log()
            .contains("SIGTERM again: killing 1 running job(s) now")
    );
}

#[test]
fn a_second_runner_on_the_same_file_refuses_naming_the_first() {
    let env = Env::with_jobs(
        r#"
        [jobs.idle]
        schedule = "0 0 1 1 *"
        command = "true"
        "#,
    );
    let runner = Runner::start(&env, &[]);
    runner.wait_for("scheduling 1 job", SECS(3));
    let err = env.fails(["run"], 1);
    assert!(
        err.contains(&format!(
            "jobtab: error: another jobtab run (pid {}) is already running for {}; stop it first",
            runner.child.id(),
            env.file.display()
        )),
        "{err}"
    );
}

/// Issue 8 item 8: two `run`s of one job file with different `--state-dir` both started and
/// both fired every job.
#[test]
fn a_second_runner_with_another_state_dir_or_spelling_refuses_too() {
    let env = Env::with_jobs(
        r#"
        [jobs.idle]
        schedule = "0 0 1 1 *"
        command = "true"
        "#,
    );
    let runner = Runner::start(&env, &[]);
    runner.wait_for("scheduling 1 job", SECS(3));
    let other_state = env.path("other-state");
    let link = env.path("link.toml");
    std::os::unix::fs::symlink(&env.file, &link).unwrap();
    for file in [&env.file, &link] {
        // Killed on drop: without the fix it would start and never exit.
        let mut second = Runner::spawn(env.cmd([
            "--file".as_ref(),
            file.as_os_str(),
            "--state-dir".as_ref(),
            other_state.as_os_str(),
            "run".as_ref(),
        ]));
        let status = second.wait_exit(SECS(5));
        assert_eq!(status.code(), Some(1), "{}", second.log());
        assert!(
            second.log().contains(&format!(
                "jobtab: error: another jobtab run (pid {}) is already running for {}; stop it \
                 first",
                runner.child.id(),
                file.display()
            )),
            "{}",
            second.log()
        );
    }
    // The lock is beside the job file, private, and not the store's: writes do not wait.
    let sidecar = env.path("jobs.toml.run.lock");
    use std::os::unix::fs::PermissionsExt as _;
    let mode = std::fs::metadata(&sidecar).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
    env.ok(["add", "more", "0 0 1 1 *", "--", "true"]);
}

/// Issue 8 item 12: a job file made writable by everyone while `run` runs is not reloaded.
#[test]
fn a_job_file_made_world_writable_is_not_reloaded() {
    use std::os::unix::fs::PermissionsExt as _;
    let env = Env::with_jobs(
        r#"
        [jobs.idle]
        schedule = "0 0 1 1 *"
        command = "true"
        "#,
    );
    let runner = Runner::start(&env, &[]);
    runner.wait_for("scheduling 1 job", SECS(3));
    std::fs::set_permissions(&env.file, std::fs::Permissions::from_mode(0o666)).unwrap();
    env.write_jobs(
        r#"
        [jobs.idle]
        schedule = "0 0 1 1 *"
        command = "true"

        [jobs.planted]
        schedule = "* * * * * *"
        command = "echo planted"
        "#,
    );
    runner.wait_for("writable by everyone", SECS(5));
    let log = runner.log();
    assert!(
        log.contains("fix it with: chmod o-w") && log.contains("keeping the previous jobs"),
        "{log}"
    );
    assert!(!log.contains("reloaded ("), "{log}");
}

#[test]
fn a_reboot_job_runs_once_at_start_and_not_on_reload() {
    let env = Env::new();
    let out = env.path("out.txt");
    let toml = format!(
        r#"
        [jobs.boot]
        schedule = "@reboot"
        command = "echo booted >> {}"
        "#,
        out.display()
    );
    env.write_jobs(&toml);
    let runner = Runner::start(&env, &[]);
    wait_lines(&out, 1, SECS(3));
    runner.signal(Signal::SIGHUP);
    runner.wait_for("reloaded (SIGHUP)", SECS(3));
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(lines(&out), ["booted"]);
    assert!(runner.log().contains("[boot] running at start (@reboot)"));
}

#[test]
fn a_missing_variable_fails_that_run_and_scheduling_goes_on() {
    let env = Env::new();
    let out = env.path("out.txt");
    env.write_jobs(&format!(
        r#"
        [jobs.needs-var]
        schedule = "* * * * * *"
        command = "echo $TOKEN"
        env = {{ TOKEN = "${{JOBTAB_TEST_UNSET_VARIABLE}}" }}
        [jobs.fine]
        schedule = "* * * * * *"
        command = "echo ok >> {}"
        "#,
        out.display()
    ));
    let runner = Runner::start(&env, &[]);
    runner.wait_for_n("JOBTAB_TEST_UNSET_VARIABLE", 2, SECS(5));
    let log = runner.log();
    let line = log
        .lines()
        .find(|l| l.contains("JOBTAB_TEST_UNSET_VARIABLE"))
        .unwrap();
    assert!(
        line.contains("[needs-var]") && line.contains("error"),
        "{line}"
    );
    wait_lines(&out, 2, SECS(3));
}

#[test]
fn metrics_are_served_after_a_run() {
    let env = Env::with_jobs(
        r#"
        [jobs.tick]
        schedule = "* * * * * *"
        command = "true"
        "#,
    );
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let addr = format!("127.0.0.1:{port}");
    let runner = Runner::start(&env, &["--metrics", &addr]);
    runner.wait_for("[tick] ok in", SECS(4));
    std::thread::sleep(Duration::from_millis(100));
    let mut stream = std::net::TcpStream::connect(&addr).unwrap();
    stream
        .write_all(b"GET /metrics HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    assert!(response.starts_with("HTTP/1.1 200 OK"), "{response}");
    for needle in [
        "jobtab_jobs 1",
        "jobtab_running_jobs ",
        "jobtab_runs_total{job=\"tick\",status=\"ok\"} ",
        "jobtab_run_failures_total{job=\"tick\"} 0",
        "jobtab_run_duration_seconds_count{job=\"tick\"} ",
        "jobtab_next_run_timestamp_seconds{job=\"tick\"} ",
    ] {
        assert!(
            response.contains(needle),
            "missing {needle:?} in\n{response}"
        );
    }
}

#[test]
fn a_bad_metrics_address_is_an_error() {
    let env = Env::with_jobs("[jobs.a]\nschedule = \"@daily\"\ncommand = \"true\"\n");
    let err = env.fails(["run", "--metrics", "not an address"], 1);
    assert!(
        err.contains("invalid --metrics address \"not an address\""),
        "{err}"
    );
}

#[test]
fn with_json_logs_a_start_up_error_is_a_json_line() {
    let env = Env::with_jobs("[jobs.a]\nschedule = \"@daily\"\ncommand = \"true\"\n");
    let err = env.fails(
        ["run", "--log-format", "json", "--metrics", "not an address"],
        1,
    );
    let line = err.lines().last().unwrap_or_default();
    let value: serde_json::Value =
        serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: not JSON: {err}"));
    assert_eq!(value["level"], "error", "{err}");
    assert!(
        value["message"]
            .as_str()
            .unwrap()
            .contains("invalid --metrics address \"not an address\""),
        "{err}"
    );
    // An invalid job file too.
    env.write_jobs("[jobs.a]\nschedule = \"61 * * * *\"\ncommand = \"true\"\n");
    let err = env.fails(["run", "--log-format", "json"], 1);
    for line in err.lines() {
        serde_json::from_str::<serde_json::Value>(line)
            .unwrap_or_else(|e| panic!("{e}: not JSON: {line}"));
    }
    assert!(err.contains("problem"), "{err}");
}

#[test]
fn check_validates_and_exits() {
    let env = Env::with_jobs(
        r#"
        [jobs.a]
        schedule = "*/5 * * * * *"
        command = "true"
        [jobs.b]
        schedule = "@daily"
        command = "true"
        "#,
    );
    let out = env.ok(["run", "--check"]);
    assert_eq!(out, format!("{}: 2 jobs, valid\n", env.file.display()));

    env.write_jobs(
        r#"
        [jobs.a]
        schedule = "61 * * * *"
        command = "true"
        [jobs.b]
        schedule = "@daily"
        "#,
    );
    let err = env.fails(["run", "--check"], 1);
    assert!(err.contains("2 problems"), "{err}");
    assert!(err.contains("61"), "{err}");
    // An invalid file also stops a real run from starting.
    let err = env.fails(["run"], 1);
    assert!(err.contains("2 problems"), "{err}");
}

#[test]
fn with_no_jobs_it_says_how_to_add_one_and_picks_them_up() {
    let env = Env::new();
    let out = env.path("out.txt");
    let runner = Runner::start(&env, &[]);
    runner.wait_for(
        "add one with `jobtab add NAME SCHEDULE -- COMMAND`",
        SECS(3),
    );
    std::fs::write(
        &env.file,
        unindent(&format!(
            r#"
            [jobs.new]
            schedule = "* * * * * *"
            command = "echo new >> {}"
            "#,
            out.display()
        )),
    )
    .unwrap();
    wait_lines(&out, 1, SECS(5));
}

#[test]
fn the_example_file_is_valid() {
    let env = Env::new();
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/jobs.toml");
    let out = env.ok([
        "--file".as_ref(),
        example.as_os_str(),
        "run".as_ref(),
        "--check".as_ref(),
    ]);
    assert!(
        out.ends_with("examples/jobs.toml: 3 jobs, valid\n"),
        "{out}"
    );
}

#[test]
fn http_jobs_run_on_schedule_with_a_new_idempotency_key_each_run() {
    use crate::util::http::{Reply, TestServer};
    let server = TestServer::start(vec![Reply::status(200)]);
    let env = Env::with_jobs(&format!(
        r#"
        [jobs.hook]
        schedule = "* * * * * *"
        http = {{ url = "{}" }}
        "#,
        server.url("/hook")
    ));
    let runner = Runner::start(&env, &[]);
    let requests = server.wait_for(2, SECS(5));
    assert!(requests.len() >= 2, "{}", runner.log());
    assert_eq!(requests[0].path, "/hook");
    let keys: Vec<_> = requests
        .iter()
        .map(|r| r.header("idempotency-key"))
        .collect();
    assert!(keys[0].is_some() && keys[0] != keys[1], "{keys:?}");
    runner.wait_for("[hook] ok in", SECS(3));
}

#[test]
fn json_log_lines_carry_the_job_and_its_output() {
    let env = Env::with_jobs(
        r#"
        [jobs.say]
        schedule = "* * * * * *"
        command = "echo hello-json"
        "#,
    );
    let runner = Runner::start(&env, &["--log-format", "json"]);
    runner.wait_for("hello-json", SECS(4));
    let log = runner.log();
    let line = log.lines().find(|l| l.contains("hello-json")).unwrap();
    let value: serde_json::Value = serde_json::from_str(line).unwrap();
    assert_eq!(value["job"], "say");
    assert_eq!(value["stream"], "stdout");
    assert_eq!(value["message"], "hello-json");
    let first: serde_json::Value = serde_json::from_str(log.lines().next().unwrap()).unwrap();
    assert!(
        first["message"]
            .as_str()
            .unwrap()
            .starts_with("scheduling 1 job from")
    );
}

/// `(state, ppid)` of every process, from `/proc/<pid>/stat`.
fn processes() -> Vec<(i32, char, i32)> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Some(pid) = entry.file_name().to_str().and_then(|n| n.parse().ok()) else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        let Some((_, tail)) = stat.rsplit_once(')') else {
            continue;
        };
        let mut fields = tail.split_whitespace();
        let state = fields.next().and_then(|f| f.chars().next()).unwrap_or('?');
        let ppid = fields.next().and_then(|f| f.parse().ok()).unwrap_or(0);
        found.push((pid, state, ppid));
    }
    found
}

#[test]
fn as_pid_1_orphans_are_reaped_and_job_exit_codes_are_kept() {
    // PID 1 of a new PID namespace, like a container's entrypoint; needs root.
    let usable = Command::new("unshare")
        .args(["--pid", "--fork", "--mount-proc", "true"])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success());
    if !usable {
        eprintln!("skipped: `unshare --pid --fork --mount-proc` is unavailable (not root?)");
        return;
    }
    let env = Env::with_jobs(
        r#"
        [jobs.bg]
        schedule = "* * * * * *"
        command = "sleep 0.1 & echo x"
        [jobs.grp]
        schedule = "*/2 * * * * *"
        command = "sleep 100 & sleep 100"
        timeout = "500ms"
        [jobs.code]
        schedule = "* * * * * *"
        command = "grep SigBlk /proc/self/status; exit 3"
        "#,
    );
    // A daemon that leads its own session is found only through the main thread's list of
    // children (`CONFIG_PROC_CHILDREN`); without it, it is a documented limitation.
    let children_listed =
        std::path::Path::new(&format!("/proc/self/task/{}/children", std::process::id())).exists();
    if children_listed {
        let mut jobs = env.jobs();
        jobs.push_str(
            "[jobs.daemon]\nschedule = \"* * * * * *\"\ncommand = \"setsid sleep 0.1 & echo d\"\n",
        );
        std::fs::write(&env.file, jobs).unwrap();
    }
    let plain = env.cmd(["run"]);
    let mut cmd = Command::new("unshare");
    cmd.args(["--pid", "--mount-proc", "--kill-child"])
        .arg(plain.get_program())
        .args(plain.get_args())
        .current_dir(env.dir.path())
        .stdin(Stdio::null());
    for (key, value) in plain.get_envs() {
        match value {
            Some(value) => cmd.env(key, value),
            None => cmd.env_remove(key),
        };
    }
    let runner = Runner::spawn(cmd);
    runner.wait_for("running as PID 1: orphaned processes are reaped", SECS(5));
    // The scheduler as this namespace sees it: unshare's child.
    let unshare = i32::try_from(runner.child.id()).unwrap();
    let deadline = Instant::now() + SECS(5);
    let scheduler = loop {
        if let Some(&(pid, _, _)) = processes().iter().find(|(_, _, ppid)| *ppid == unshare) {
            break pid;
        }
        assert!(Instant::now() < deadline, "no scheduler under unshare");
        std::thread::sleep(Duration::from_millis(20));
    };
    runner.wait_for_n("[grp] error: timeout", 3, SECS(10));
    let zombies = processes()
        .iter()
        .filter(|(_, state, ppid)| *ppid == scheduler && *state == 'Z')
        .count();
    // Without a reaper each `bg` and `daemon` run leaves one and each `grp` run two: over a
    // dozen by now.
    assert!(zombies <= 2, "{zombies} zombies under PID 1");
    let log = runner.log();
    // The executor still gets its own children's exit status.
    assert!(log.contains("[bg] ok in"), "{log}");
    assert!(!log.contains("[bg] error"), "{log}");
    assert!(!log.contains("[daemon] error"), "{log}");
    assert!(log.contains("[code] error: failed: exit code 3"), "{log}");
    // Jobs do not inherit the blocked SIGCHLD.
    assert!(log.contains("[code] SigBlk:\t0000000000000000"), "{log}");
}
