//! Integration tests: `run`, the foreground scheduler, through the built binary. Every job uses
//! a seconds-field schedule, so each test takes a few seconds; every scheduler started here is
//! killed when its guard drops, also when the test fails.

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

use chrono::{DateTime, Timelike as _, Utc};
use nix::sys::signal::{Signal, kill, killpg};
use nix::unistd::Pid;

use crate::util::{Env, unindent};

/// A running `jobtab run`; its stderr is collected; killed on drop.
pub(crate) struct Runner {
    child: Child,
    log: Arc<Mutex<String>>,
    /// Says when its stderr reached its end (every line is in `log`).
    drained: mpsc::Receiver<()>,
}

impl Runner {
    pub(crate) fn start(env: &Env, extra: &[&str]) -> Runner {
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
        let (done, drained) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let mut log = sink.lock().unwrap();
                log.push_str(&line);
                log.push('\n');
            }
            let _ = done.send(());
        });
        Runner {
            child,
            log,
            drained,
        }
    }

    pub(crate) fn log(&self) -> String {
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

    pub(crate) fn wait_for(&self, needle: &str, timeout: Duration) {
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
                // The last lines are read once the pipe reached its end.
                let _ = self.drained.recv_timeout(WAIT);
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

/// How long to wait for something that should happen within a second or two: generous, since
/// two cores may be shared by parallel builds and tests. Waits end as soon as it happens.
pub(crate) const WAIT: Duration = Duration::from_secs(20);

/// Replaces the job file at once (a temp file renamed over it): writing it in place can show
/// the watcher an empty file for a moment, which would reload as "every job removed".
fn replace_jobs(env: &Env, toml: &str) {
    let temp = env.path(".jobs.toml.tmp");
    std::fs::write(&temp, unindent(toml)).unwrap();
    std::fs::rename(&temp, &env.file).unwrap();
}

/// A shell loop that waits until `path` exists, for a minute at most (a test that fails
/// kills its `jobtab run` with SIGKILL, which leaves the job's processes behind).
fn until_exists(path: &Path) -> String {
    format!(
        "i=0; while [ ! -e {} ] && [ $i -lt 1200 ]; do sleep 0.05; i=$((i+1)); done",
        path.display()
    )
}

/// The runs `jobtab history` recorded, oldest first.
fn history(env: &Env) -> Vec<serde_json::Value> {
    let mut runs = env.recorded_runs();
    runs.reverse();
    runs
}

/// An RFC 3339 time from the history.
fn time(value: &serde_json::Value) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(value.as_str().unwrap())
        .unwrap()
        .to_utc()
}

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
    let found = wait_lines(&out, 3, WAIT);
    runner.wait_for_n("[tick] ok in", 3, WAIT);
    // A run logs its result just before it appends its record: wait for the records too.
    let deadline = Instant::now() + WAIT;
    while history(&env).len() < 3 {
        assert!(Instant::now() < deadline, "fewer than 3 runs recorded");
        std::thread::sleep(Duration::from_millis(50));
    }
    let log = runner.log();
    drop(runner);
    assert!(log.contains("scheduling 1 job from"), "{log}");
    assert!(log.contains("[tick] started"), "{log}");
    // On time: each run started in the second it was due, never before it. (How late the
    // job's own shell got going depends on the machine's load, so it is not measured.)
    let runs = history(&env);
    assert!(runs.len() >= 3, "{runs:#?}");
    let mut previous: Option<DateTime<Utc>> = None;
    for run in &runs {
        let (due, started) = (time(&run["scheduled_at"]), time(&run["started_at"]));
        assert_eq!(due.nanosecond(), 0, "due at a whole second: {run:#}");
        let late = started - due;
        assert!(
            late >= chrono::TimeDelta::zero() && late < chrono::TimeDelta::seconds(1),
            "started {late} after its second: {run:#}"
        );
        assert!(previous.is_none_or(|previous| due > previous), "{runs:#?}");
        previous = Some(due);
    }
    // Every line the job wrote comes from a run that was already due.
    let first_due = time(&runs[0]["scheduled_at"]);
    for line in &found {
        let nanos: i64 = line.trim().parse().unwrap();
        assert!(
            DateTime::from_timestamp_nanos(nanos) >= first_due,
            "{found:?} {runs:#?}"
        );
    }
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
    wait_lines(&a, 1, WAIT);

    // Added: b starts running.
    replace_jobs(&env, &format!("{}{}", job("a", &a), job("b", &b)));
    runner.wait_for(
        "reloaded (the job file changed): 1 added, 0 removed, 0 changed",
        WAIT,
    );
    wait_lines(&b, 1, WAIT);

    // Removed: a stops; b goes on.
    replace_jobs(&env, &job("b", &b));
    runner.wait_for("0 added, 1 removed, 0 changed", WAIT);
    let removed = Utc::now();
    let b_count = lines(&b).len();
    wait_lines(&b, b_count + 3, WAIT);
    // Runs of a due before the reload may end after it, but none is due after it.
    let runs = history(&env);
    let late: Vec<_> = runs
        .iter()
        .filter(|run| run["job"] == "a" && time(&run["scheduled_at"]) > removed)
        .collect();
    assert!(
        late.is_empty(),
        "a still runs after being removed: {late:#?}"
    );
    assert!(runs.iter().any(|run| run["job"] == "a"), "{runs:#?}");

    // Broken: reported, b keeps running.
    replace_jobs(
        &env,
        "[jobs.b]\nschedule = \"61 * * * *\"\ncommand = \"true\"\n",
    );
    runner.wait_for("not reloaded (the job file changed): 1 problem", WAIT);
    let log = runner.log();
    assert!(log.contains("invalid job file"), "{log}");
    assert!(log.contains("keeping the previous 1 jobs"), "{log}");
    let b_count = lines(&b).len();
    wait_lines(&b, b_count + 2, WAIT);

    // SIGHUP reloads too. The fixed file is reloaded first (a reading of it coming after the
    // SIGHUP's would supersede the SIGHUP's, which then logs nothing).
    let changed = "reloaded (the job file changed)";
    let before = runner.log().matches(changed).count();
    replace_jobs(&env, &job("b", &b));
    runner.wait_for_n(changed, before + 1, WAIT);
    runner.signal(Signal::SIGHUP);
    runner.wait_for("reloaded (SIGHUP)", WAIT);
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
    wait_lines(&a, 1, WAIT);

    // Moved away (a config tool's delete-and-recreate, a git checkout): a keeps running.
    let aside = env.path("jobs.toml.moved");
    std::fs::rename(&env.file, &aside).unwrap();
    runner.wait_for(
        &format!(
            "job file {} is gone; keeping the 1 job loaded until it comes back",
            env.file.display()
        ),
        WAIT,
    );
    let count = lines(&a).len();
    wait_lines(&a, count + 2, WAIT);
    assert!(!runner.log().contains("removed: a"), "{}", runner.log());

    // Back, with a change: reloaded.
    std::fs::write(&aside, format!("{}{}", job("a", &a), job("b", &b))).unwrap();
    std::fs::rename(&aside, &env.file).unwrap();
    runner.wait_for("is back", WAIT);
    runner.wait_for("reloaded (the job file changed): 1 added, 0 removed", WAIT);
    wait_lines(&b, 1, WAIT);
}

#[test]
fn sigterm_waits_for_a_running_job_then_exits_0() {
    let env = Env::new();
    let (out, release) = (env.path("out.txt"), env.path("release"));
    // The job ends when the test says so, after the SIGTERM: no guessing how long it runs.
    env.write_jobs(&format!(
        r#"
        [jobs.work]
        schedule = "* * * * * *"
        command = "{}; echo done >> {}"
        "#,
        until_exists(&release),
        out.display()
    ));
    let mut runner = Runner::start(&env, &[]);
    runner.wait_for("[work] started", WAIT);
    runner.signal(Signal::SIGTERM);
    runner.wait_for(
        "SIGTERM: stopped scheduling; waiting up to 30s for 1 running job",
        WAIT,
    );
    assert!(
        runner.child.try_wait().unwrap().is_none(),
        "exited before its job ended: {}",
        runner.log()
    );
    std::fs::write(&release, "").unwrap();
    let status = runner.wait_exit(WAIT);
    assert_eq!(status.code(), Some(0), "{}", runner.log());
    assert_eq!(lines(&out), ["done"], "the running job finished");
    let log = runner.log();
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
    let found = wait_lines(&pid_file, 1, WAIT);
    let group = Pid::from_raw(found[0].trim().parse().unwrap());
    runner.signal(Signal::SIGTERM);
    // Within the wait, far less than the job's own 60 s.
    let status = runner.wait_exit(WAIT);
    assert_eq!(status.code(), Some(0), "{}", runner.log());
    assert!(
        runner
            .log()
            .contains("grace period over: stopping 1 running job")
    );
    // Nothing of the job's process group is left (orphans are reaped by init promptly).
    let deadline = Instant::now() + WAIT;
    while killpg(group, None).is_ok() {
        assert!(
            Instant::now() < deadline,
            "the job's processes are still alive"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Stops a `jobtab run` with `first` and, while its job still runs, `second`; returns how it
/// exited and its log.
fn stopped_twice(first: Signal, second: Signal) -> (ExitStatus, String) {
    let env = Env::new();
    env.write_jobs(
        r#"
        [jobs.long]
        schedule = "* * * * * *"
        command = "sleep 60"
        "#,
    );
    let mut runner = Runner::start(&env, &[]);
    runner.wait_for("[long] started", WAIT);
    runner.signal(first);
    runner.wait_for("waiting up to 30s", WAIT);
    runner.signal(second);
    // At once: long before the 30 s grace (and the job's 60 s) are over.
    let status = runner.wait_exit(WAIT);
    (status, runner.log())
}

#[test]
fn a_second_sigterm_kills_at_once_and_exits_143() {
    let (status, log) = stopped_twice(Signal::SIGINT, Signal::SIGTERM);
    // 128 + SIGTERM's number, whatever the first signal was.
    assert_eq!(status.code(), Some(143), "{log}");
    assert!(
        log.contains("SIGTERM again: killing 1 running job(s) now"),
        "{log}"
    );
    let (status, log) = stopped_twice(Signal::SIGTERM, Signal::SIGTERM);
    assert_eq!(status.code(), Some(143), "{log}");
}

#[test]
fn a_second_sigint_kills_at_once_and_exits_130() {
    let (status, log) = stopped_twice(Signal::SIGTERM, Signal::SIGINT);
    assert_eq!(status.code(), Some(130), "{log}");
    assert!(
        log.contains("SIGINT again: killing 1 running job(s) now"),
        "{log}"
    );
    let (status, log) = stopped_twice(Signal::SIGINT, Signal::SIGINT);
    assert_eq!(status.code(), Some(130), "{log}");
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
    runner.wait_for("scheduling 1 job", WAIT);
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
    wait_lines(&out, 1, WAIT);
    runner.signal(Signal::SIGHUP);
    runner.wait_for("reloaded (SIGHUP)", WAIT);
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
    runner.wait_for_n("JOBTAB_TEST_UNSET_VARIABLE", 2, WAIT);
    let log = runner.log();
    let line = log
        .lines()
        .find(|l| l.contains("JOBTAB_TEST_UNSET_VARIABLE"))
        .unwrap();
    assert!(
        line.contains("[needs-var]") && line.contains("error"),
        "{line}"
    );
    wait_lines(&out, 2, WAIT);
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
    runner.wait_for("[tick] ok in", WAIT);
    let scrape = || {
        let mut stream = std::net::TcpStream::connect(&addr).unwrap();
        stream
            .write_all(b"GET /metrics HTTP/1.1\r\nHost: localhost\r\n\r\n")
            .unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).unwrap();
        response
    };
    // The scheduler counts a run when it hears of its end, a moment after the run logged it.
    let deadline = Instant::now() + WAIT;
    let response = loop {
        let response = scrape();
        assert!(response.starts_with("HTTP/1.1 200 OK"), "{response}");
        if response.contains("jobtab_runs_total{job=\"tick\",status=\"ok\"} ") {
            break response;
        }
        assert!(Instant::now() < deadline, "no run counted:\n{response}");
        std::thread::sleep(Duration::from_millis(50));
    };
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
    runner.wait_for("add one with `jobtab add NAME SCHEDULE -- COMMAND`", WAIT);
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
    wait_lines(&out, 1, WAIT);
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
    let requests = server.wait_for(2, WAIT);
    assert!(requests.len() >= 2, "{}", runner.log());
    assert_eq!(requests[0].path, "/hook");
    let keys: Vec<_> = requests
        .iter()
        .map(|r| r.header("idempotency-key"))
        .collect();
    assert!(keys[0].is_some() && keys[0] != keys[1], "{keys:?}");
    runner.wait_for("[hook] ok in", WAIT);
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
    runner.wait_for("hello-json", WAIT);
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
    runner.wait_for("running as PID 1: orphaned processes are reaped", WAIT);
    // The scheduler as this namespace sees it: unshare's child.
    let unshare = i32::try_from(runner.child.id()).unwrap();
    let deadline = Instant::now() + WAIT;
    let scheduler = loop {
        if let Some(&(pid, _, _)) = processes().iter().find(|(_, _, ppid)| *ppid == unshare) {
            break pid;
        }
        assert!(Instant::now() < deadline, "no scheduler under unshare");
        std::thread::sleep(Duration::from_millis(20));
    };
    runner.wait_for_n("[grp] error: timed out after 500ms", 3, SECS(30));
    // Without a reaper each `bg` and `daemon` run leaves one and each `grp` run two: over a
    // dozen by now, and never fewer. With it, a few at most at any moment (those that just
    // ended), and soon none: wait for a moment with two at most.
    let deadline = Instant::now() + WAIT;
    loop {
        let zombies = processes()
            .iter()
            .filter(|(_, state, ppid)| *ppid == scheduler && *state == 'Z')
            .count();
        if zombies <= 2 {
            break;
        }
        assert!(Instant::now() < deadline, "{zombies} zombies under PID 1");
        std::thread::sleep(Duration::from_millis(20));
    }
    let log = runner.log();
    // The executor still gets its own children's exit status.
    assert!(log.contains("[bg] ok in"), "{log}");
    assert!(!log.contains("[bg] error"), "{log}");
    assert!(!log.contains("[daemon] error"), "{log}");
    assert!(log.contains("[code] error: failed: exit code 3"), "{log}");
    // Jobs do not inherit the blocked SIGCHLD.
    assert!(log.contains("[code] SigBlk:\t0000000000000000"), "{log}");
}
