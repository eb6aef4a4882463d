//! Unit tests of the run policy: retries, jitter, timeouts, cancellation, overlap; a run's
//! inputs in `inputs`.

mod inputs;

use super::*;

#[test]
fn jitter_stays_within_twenty_percent() {
    let base = Duration::from_secs(10);
    assert_eq!(jitter(base, 0.5), base);
    assert_eq!(jitter(base, 0.0), Duration::from_secs(8));
    assert!(jitter(base, 0.999_999) <= Duration::from_secs(12));
    assert!(jitter(base, 0.999_999) > Duration::from_millis(11_999));
}

#[test]
fn jitter_saturates_instead_of_panicking() {
    assert_eq!(jitter(Duration::MAX, 0.999), Duration::MAX);
    assert!(jitter(Duration::MAX, 0.0) < Duration::MAX);
    assert_eq!(jitter(Duration::ZERO, 0.7), Duration::ZERO);
    assert_eq!(
        jitter(Duration::from_secs(10), f64::NAN),
        Duration::from_secs(10)
    );
    assert_eq!(
        jitter(Duration::from_secs(10), 7.0),
        Duration::from_secs(12)
    );
}

#[test]
fn retry_delays_double_up_to_a_day() {
    let dir = tempfile::tempdir().unwrap();
    let (opts, log) = options(dir.path());
    // 30 days doubled forever would overflow: the first wait is already capped at a day.
    let job = job(
        "[jobs.slow]\nschedule = \"* * * * *\"\ncommand = \"exit 1\"\nretries = 100\nretry_delay = \"30d\"\n",
    );
    let cancel = Cancel::new();
    cancel_when_logged(&cancel, &log, "retrying in ");
    let record = execute(
        &job,
        Utc::now(),
        Trigger::Schedule,
        &RunInput::default(),
        &opts,
        &cancel,
    );
    assert_eq!(record.status, RunStatus::Cancelled);
    let log = log.contents();
    let wait = log
        .split_once("retrying in ")
        .and_then(|(_, rest)| rest.lines().next())
        .and_then(|text| crate::duration::parse(text.trim()).ok())
        .unwrap_or_else(|| panic!("no retry wait in {log}"));
    assert!(wait <= MAX_RETRY_DELAY, "{wait:?}");
    assert!(wait >= MAX_RETRY_DELAY.mul_f64(0.79), "{wait:?}");
    assert_eq!(MAX_RETRY_DELAY, Duration::from_secs(86_400));
}

#[test]
fn a_manual_run_is_scheduled_at_the_whole_second() {
    let dir = tempfile::tempdir().unwrap();
    let (opts, _log) = options(dir.path());
    let job = job("[jobs.m]\nschedule = \"* * * * *\"\ncommand = \"true\"\n");
    let at = DateTime::parse_from_rfc3339("2026-03-01T10:00:00.789Z")
        .unwrap()
        .with_timezone(&Utc);
    let manual = execute(
        &job,
        at,
        Trigger::Manual,
        &RunInput::default(),
        &opts,
        &Cancel::new(),
    );
    assert_eq!(
        manual.scheduled_at.to_rfc3339(),
        "2026-03-01T10:00:00+00:00"
    );
    assert_eq!(manual.trigger, "manual");
    let scheduled = execute(
        &job,
        at,
        Trigger::Schedule,
        &RunInput::default(),
        &opts,
        &Cancel::new(),
    );
    assert_eq!(scheduled.scheduled_at, at);
}

use crate::log::Format;
use crate::log::SharedBuffer;

fn job(toml: &str) -> Job {
    let (jobs, problems) = crate::store::parse(toml);
    assert!(problems.is_empty(), "{problems:?}");
    jobs.into_iter().next().unwrap()
}

fn options(state: &std::path::Path) -> (ExecOptions, SharedBuffer) {
    let (logger, buffer) = Logger::capture(Format::Text);
    let opts = ExecOptions {
        state_dir: state.to_owned(),
        job_file: state.join("jobs.toml"),
        logger: Arc::new(logger),
        passthrough: false,
    };
    (opts, buffer)
}

/// How much longer than planned a step may take before a test calls it a failure. Generous:
/// two cores may be shared by parallel builds and tests. The bounds it widens only tell "at
/// once" from "after the job's own long sleep" or "never".
const SLOW_MACHINE: Duration = Duration::from_secs(15);

/// From another thread: once `ready()` holds, `act()` (cancels a run at a known point of it,
/// not after a guessed delay). After `SLOW_MACHINE` it acts anyway, so a run that never gets
/// there still ends (and the test fails on what it finds, instead of hanging).
fn once(ready: impl Fn() -> bool + Send + 'static, act: impl FnOnce() + Send + 'static) {
    std::thread::spawn(move || {
        let deadline = Instant::now() + SLOW_MACHINE;
        while !ready() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(10));
        }
        act();
    });
}

/// Cancels `cancel` once the run's log contains `needle`.
fn cancel_when_logged(cancel: &Cancel, log: &SharedBuffer, needle: &'static str) {
    let (canceller, log) = (cancel.clone(), log.clone());
    once(
        move || log.contents().contains(needle),
        move || canceller.cancel(),
    );
}

#[test]
fn output_lines_are_logged_with_the_job_name() {
    let dir = tempfile::tempdir().unwrap();
    let (opts, log) = options(dir.path());
    let job = job("[jobs.talk]\nschedule = \"* * * * *\"\ncommand = \"echo one; echo two >&2\"\n");
    let record = execute(
        &job,
        Utc::now(),
        Trigger::Schedule,
        &RunInput::default(),
        &opts,
        &Cancel::new(),
    );
    assert_eq!(record.status, RunStatus::Ok);
    assert_eq!(record.trigger, "schedule");
    let log = log.contents();
    for line in [
        "[talk] started",
        "[talk] one",
        "[talk] two",
        "[talk] ok in ",
    ] {
        assert!(log.contains(line), "{line:?} missing in\n{log}");
    }
    let stored = history::recent(dir.path(), &opts.job_file, Some("talk"), 5, false).unwrap();
    assert_eq!(stored, [record]);
}

#[test]
fn cancel_interrupts_the_retry_wait() {
    let dir = tempfile::tempdir().unwrap();
    let (opts, log) = options(dir.path());
    let job = job(
        "[jobs.f]\nschedule = \"* * * * *\"\ncommand = \"exit 1\"\nretries = 3\nretry_delay = \"1h\"\n",
    );
    let cancel = Cancel::new();
    // Cancelled during the wait after attempt 1 (a cancel during the attempt ends it another way).
    cancel_when_logged(&cancel, &log, "retrying in ");
    let start = Instant::now();
    let record = execute(
        &job,
        Utc::now(),
        Trigger::Schedule,
        &RunInput::default(),
        &opts,
        &cancel,
    );
    assert!(start.elapsed() < SLOW_MACHINE, "{:?}", start.elapsed());
    assert_eq!(record.status, RunStatus::Cancelled);
    assert_eq!(record.attempts, 1);
    assert_eq!(record.exit_code, Some(1));
    assert_eq!(
        record.error.as_deref(),
        Some("cancelled before attempt 2 (exit code 1)")
    );
}

#[test]
fn already_cancelled_runs_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (opts, _log) = options(dir.path());
    let ran = dir.path().join("ran");
    let job = job(&format!(
        "[jobs.n]\nschedule = \"* * * * *\"\ncommand = \"touch '{}'\"\n",
        ran.display()
    ));
    let cancel = Cancel::new();
    cancel.cancel();
    let record = execute(
        &job,
        Utc::now(),
        Trigger::Schedule,
        &RunInput::default(),
        &opts,
        &cancel,
    );
    assert_eq!(record.status, RunStatus::Cancelled);
    assert_eq!(record.attempts, 0);
    assert!(!ran.exists());
}

#[test]
fn timeouts_are_retried() {
    let dir = tempfile::tempdir().unwrap();
    let (opts, _log) = options(dir.path());
    let job = job(
        "[jobs.t]\nschedule = \"* * * * *\"\ncommand = \"sleep 1000\"\ntimeout = \"200ms\"\nretries = 1\nretry_delay = \"10ms\"\n",
    );
    let start = Instant::now();
    let record = execute(
        &job,
        Utc::now(),
        Trigger::Manual,
        &RunInput::default(),
        &opts,
        &Cancel::new(),
    );
    assert!(start.elapsed() < SLOW_MACHINE, "{:?}", start.elapsed());
    assert_eq!(record.status, RunStatus::Timeout);
    assert_eq!(record.attempts, 2);
    assert_eq!(record.exit_code, Some(128 + 15));
    assert_eq!(record.error.as_deref(), Some("timed out after 200ms"));
}

#[test]
fn graceful_cancel_escalates_to_sigkill_after_the_grace() {
    let dir = tempfile::tempdir().unwrap();
    let (opts, _log) = options(dir.path());
    let job = stubborn_job(dir.path());
    let cancel = Cancel::new();
    let (canceller, trapped) = (cancel.clone(), dir.path().join("trapped"));
    // Only once the shell ignores SIGTERM: before its `trap`, SIGTERM would end it at once.
    once(move || trapped.exists(), move || canceller.cancel());
    let start = Instant::now();
    let record = execute(
        &job,
        Utc::now(),
        Trigger::Schedule,
        &RunInput::default(),
        &opts,
        &cancel,
    );
    let took = start.elapsed();
    assert!(took >= KILL_GRACE, "{took:?}");
    assert!(took < KILL_GRACE + SLOW_MACHINE, "{took:?}");
    assert_eq!(record.status, RunStatus::Cancelled);
    assert_eq!(record.exit_code, Some(128 + 9), "SIGKILL ended it");
}

/// A job whose shell ignores SIGTERM (so only SIGKILL ends it) and then says so in the file
/// `trapped` of `dir`, its workdir.
fn stubborn_job(dir: &std::path::Path) -> Job {
    job(&format!(
        "[jobs.stubborn]\nschedule = \"* * * * *\"\nworkdir = '{}'\n\
         command = \"trap '' TERM; : > trapped; sleep 1000\"\n",
        dir.display()
    ))
}

#[test]
fn kill_is_immediate() {
    let dir = tempfile::tempdir().unwrap();
    let (opts, _log) = options(dir.path());
    let job = stubborn_job(dir.path());
    let cancel = Cancel::new();
    let (killer, trapped) = (cancel.clone(), dir.path().join("trapped"));
    let killed_at = Arc::new(std::sync::Mutex::new(None));
    let stamp = Arc::clone(&killed_at);
    once(
        move || trapped.exists(),
        move || {
            *stamp.lock().unwrap() = Some(Instant::now());
            killer.kill();
        },
    );
    let record = execute(
        &job,
        Utc::now(),
        Trigger::Schedule,
        &RunInput::default(),
        &opts,
        &cancel,
    );
    let ended = Instant::now();
    let killed_at = killed_at.lock().unwrap().expect("never killed");
    // A graceful stop of this shell (it ignores SIGTERM) would take the whole grace.
    assert!(
        ended.duration_since(killed_at) < KILL_GRACE,
        "{:?}",
        ended.duration_since(killed_at)
    );
    assert_eq!(record.status, RunStatus::Cancelled);
    assert_eq!(record.exit_code, Some(128 + 9));
}

#[test]
fn busy_lock_skips_and_records_it() {
    let dir = tempfile::tempdir().unwrap();
    let (opts, log) = options(dir.path());
    let job = job("[jobs.s]\nschedule = \"* * * * *\"\ncommand = \"true\"\n");
    let file = history::job_file_key(&opts.job_file);
    let held = overlap::try_run_lock(dir.path(), &file, "s").unwrap();
    let record = execute(
        &job,
        Utc::now(),
        Trigger::Schedule,
        &RunInput::default(),
        &opts,
        &Cancel::new(),
    );
    assert_eq!(record.status, RunStatus::Skipped);
    assert_eq!(record.attempts, 0);
    assert!(
        log.contents()
            .contains("[s] warning: skipped: previous run still running")
    );
    assert_eq!(
        history::recent(dir.path(), &opts.job_file, None, 5, false).unwrap(),
        [record]
    );
    // `exec` (passthrough) says the skip in its own summary: no log line about it.
    let (mut quiet, quiet_log) = options(dir.path());
    quiet.passthrough = true;
    let record = execute(
        &job,
        Utc::now(),
        Trigger::Manual,
        &RunInput::default(),
        &quiet,
        &Cancel::new(),
    );
    assert_eq!(record.status, RunStatus::Skipped);
    assert_eq!(quiet_log.contents(), "");
    drop(held);
    let record = execute(
        &job,
        Utc::now(),
        Trigger::Schedule,
        &RunInput::default(),
        &opts,
        &Cancel::new(),
    );
    assert_eq!(record.status, RunStatus::Ok);
}

#[test]
fn missing_workdir_fails_with_a_hint() {
    let dir = tempfile::tempdir().unwrap();
    let (opts, _log) = options(dir.path());
    let job = job(
        "[jobs.w]\nschedule = \"* * * * *\"\ncommand = \"true\"\nworkdir = \"/nonexistent/dir\"\n",
    );
    let record = execute(
        &job,
        Utc::now(),
        Trigger::Schedule,
        &RunInput::default(),
        &opts,
        &Cancel::new(),
    );
    assert_eq!(record.status, RunStatus::Failed);
    let error = record.error.unwrap();
    assert!(
        error.contains("cannot start /bin/sh in /nonexistent/dir"),
        "{error}"
    );
}

/// Whether process `pid` exists at all: our children stay visible as zombies until reaped.
fn exists(pid: &str) -> bool {
    std::path::Path::new(&format!("/proc/{}", pid.trim())).exists()
}

/// Whether process `pid` runs (a zombie waiting for its new parent to reap it does not).
fn running(pid: &str) -> bool {
    let stat = std::fs::read_to_string(format!("/proc/{}/stat", pid.trim())).unwrap_or_default();
    stat.rsplit_once(") ")
        .and_then(|(_, rest)| rest.chars().next())
        .is_some_and(|state| state != 'Z')
}

/// Cleans up after a test: SIGKILL to `pid` if it still exists.
fn kill9(pid: &str) {
    if let Ok(pid) = pid.trim().parse() {
        let _ = nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), nix::sys::signal::SIGKILL);
    }
}

/// Waits (up to `SLOW_MACHINE`) for `pid` to stop running (its new parent reaps it).
fn gone_soon(pid: &str) -> bool {
    let deadline = Instant::now() + SLOW_MACHINE;
    while running(pid) {
        if Instant::now() > deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    true
}

#[test]
fn background_processes_do_not_outlive_a_successful_run() {
    let dir = tempfile::tempdir().unwrap();
    let (opts, log) = options(dir.path());
    // One ends on SIGTERM, one ignores it (SIGKILL after the grace); neither holds the pipes.
    // The job ends only once the stubborn one ignores SIGTERM (it says so in `trapped`): a
    // SIGTERM that came before its `trap` would end it at once, without the grace.
    let job = job(&format!(
        "[jobs.bg]\nschedule = \"* * * * *\"\nworkdir = '{}'\ntimeout = \"30s\"\n\
         command = \"sleep 1005 >/dev/null 2>&1 & echo $! > pid; \
         (trap '' TERM; : > trapped; exec sleep 1006) >/dev/null 2>&1 & echo $! > stubborn; \
         while [ ! -e trapped ]; do sleep 0.01; done; echo started bg\"\n",
        dir.path().display()
    ));
    let start = Instant::now();
    let record = execute(
        &job,
        Utc::now(),
        Trigger::Manual,
        &RunInput::default(),
        &opts,
        &Cancel::new(),
    );
    let took = start.elapsed();
    let pid = std::fs::read_to_string(dir.path().join("pid")).unwrap();
    let stubborn = std::fs::read_to_string(dir.path().join("stubborn")).unwrap();
    let (first, second) = (gone_soon(&pid), gone_soon(&stubborn));
    kill9(&pid);
    kill9(&stubborn);
    assert!(first, "background sleep {pid} still runs");
    assert!(
        second,
        "background sleep {stubborn} ignoring SIGTERM still runs"
    );
    assert_eq!(record.status, RunStatus::Ok);
    assert_eq!(record.output_tail, "started bg\n");
    // At least the grace (SIGKILL comes only after it), and nowhere near the sleep's 1006 s.
    assert!(
        took >= KILL_GRACE && took < KILL_GRACE + SLOW_MACHINE,
        "{took:?}"
    );
    assert!(
        log.contents()
            .contains("stopped processes the job left running in the background"),
        "{}",
        log.contents()
    );
}

#[test]
fn a_run_that_leaves_nothing_behind_ends_at_once_without_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let (opts, log) = options(dir.path());
    // The shell's last act is to note the time: from there to the run's end is measured, not
    // how long a busy machine took to start it.
    let job = job(&format!(
        "[jobs.clean]\nschedule = \"* * * * *\"\nworkdir = '{}'\n\
         command = \"sleep 0.1 & wait; echo done; date +%s%N > ended\"\n",
        dir.path().display()
    ));
    let record = execute(
        &job,
        Utc::now(),
        Trigger::Manual,
        &RunInput::default(),
        &opts,
        &Cancel::new(),
    );
    let returned = Utc::now();
    assert_eq!(record.status, RunStatus::Ok);
    let ended = std::fs::read_to_string(dir.path().join("ended")).unwrap();
    let ended = DateTime::from_timestamp_nanos(ended.trim().parse().unwrap());
    // Waiting for leftovers would take the grace.
    let took = (returned - ended).to_std().unwrap_or_default();
    assert!(took < KILL_GRACE, "{took:?}");
    assert!(
        !log.contents().contains("stopped processes"),
        "{}",
        log.contents()
    );
}

#[test]
fn a_process_started_with_setsid_survives_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let (opts, _log) = options(dir.path());
    let job = job(&format!(
        "[jobs.daemon]\nschedule = \"* * * * *\"\nworkdir = '{}'\n\
         command = \"setsid sh -c 'echo $$ > pid; exec sleep 1007' >/dev/null 2>&1 < /dev/null & \
         while [ ! -s pid ]; do sleep 0.01; done\"\n",
        dir.path().display()
    ));
    let record = execute(
        &job,
        Utc::now(),
        Trigger::Manual,
        &RunInput::default(),
        &opts,
        &Cancel::new(),
    );
    let pid = std::fs::read_to_string(dir.path().join("pid")).unwrap();
    std::thread::sleep(Duration::from_millis(100));
    let survived = running(&pid);
    kill9(&pid);
    assert_eq!(record.status, RunStatus::Ok);
    assert!(survived, "the setsid daemon {pid} was killed");
}

#[test]
fn the_child_is_reaped_after_success_and_after_a_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let (opts, _log) = options(dir.path());
    let pidfile = dir.path().join("pid");
    for (settings, status) in [
        ("command = \"echo $$ > pid\"", RunStatus::Ok),
        (
            // Long enough for the shell to write its pid before the timeout's SIGTERM.
            "command = \"echo $$ > pid; sleep 1000\"\ntimeout = \"2s\"",
            RunStatus::Timeout,
        ),
    ] {
        let job = job(&format!(
            "[jobs.z]\nschedule = \"* * * * *\"\nworkdir = '{}'\n{settings}\n",
            dir.path().display()
        ));
        let _ = std::fs::remove_file(&pidfile);
        let record = execute(
            &job,
            Utc::now(),
            Trigger::Manual,
            &RunInput::default(),
            &opts,
            &Cancel::new(),
        );
        assert_eq!(record.status, status);
        let pid = std::fs::read_to_string(&pidfile).unwrap();
        assert!(!exists(&pid), "child {pid} left behind (zombie?)");
    }
}

#[test]
fn a_grandchild_holding_the_pipes_delays_the_end_by_the_drain_grace_at_most() {
    let dir = tempfile::tempdir().unwrap();
    let (opts, log) = options(dir.path());
    // The backgrounded sleep inherits stdout and stderr and outlives the shell.
    let job = job(&format!(
        "[jobs.bg]\nschedule = \"* * * * *\"\nworkdir = '{}'\ncommand = \"sleep 1000 & echo $! > pid; echo before\"\n",
        dir.path().display()
    ));
    let start = Instant::now();
    let record = execute(
        &job,
        Utc::now(),
        Trigger::Manual,
        &RunInput::default(),
        &opts,
        &Cancel::new(),
    );
    let took = start.elapsed();
    let grandchild = std::fs::read_to_string(dir.path().join("pid")).unwrap();
    let stopped = gone_soon(&grandchild);
    kill9(&grandchild);
    assert!(stopped, "the grandchild {grandchild} outlived the run");
    assert_eq!(record.status, RunStatus::Ok);
    assert_eq!(record.output_tail, "before\n");
    assert!(log.contents().contains("[bg] before"));
    assert!(took < SLOW_MACHINE, "{took:?}");
}

#[test]
fn cancel_abandons_an_http_call_in_flight() {
    // A server that accepts the connection and never answers.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    let (accepted_tx, accepted) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let stream = listener.accept().map(|(stream, _)| stream);
        let _ = accepted_tx.send(stream);
    });
    let dir = tempfile::tempdir().unwrap();
    let (opts, _log) = options(dir.path());
    let job = job(&format!(
        "[jobs.h]\nschedule = \"* * * * *\"\ntimeout = \"60s\"\nretries = 3\nhttp = {{ url = \"http://{address}/\" }}\n"
    ));
    let cancel = Cancel::new();
    let canceller = cancel.clone();
    // Cancelled once the call is in flight (the server holds its connection, unanswered).
    let held = std::thread::spawn(move || {
        let connection = accepted.recv_timeout(SLOW_MACHINE);
        canceller.cancel();
        connection
    });
    let start = Instant::now();
    let record = execute(
        &job,
        Utc::now(),
        Trigger::Schedule,
        &RunInput::default(),
        &opts,
        &cancel,
    );
    assert!(start.elapsed() < SLOW_MACHINE, "{:?}", start.elapsed());
    assert_eq!(record.status, RunStatus::Cancelled);
    assert_eq!(record.attempts, 1);
    drop(held.join());
}
