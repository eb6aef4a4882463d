//! Integration tests: behaviour common to every command (output errors, exit codes).

use std::io::{BufRead as _, BufReader, Read as _};
use std::process::Stdio;
use std::time::{Duration, Instant};

use crate::util::{Env, stderr, stdout};

/// Runs `jobtab ARGS` with stdout piped, reads its first line, closes the pipe, and returns
/// the first line, the exit code and stderr.
fn first_line_then_close(env: &Env, args: &[&str]) -> (String, Option<i32>, String) {
    let mut child = env
        .cmd(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut reader = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    reader.read_line(&mut line).unwrap();
    drop(reader);
    let output = child.wait_with_output().unwrap();
    (line, output.status.code(), stderr(&output))
}

/// A job file with `count` jobs.
fn many_jobs(count: usize) -> String {
    let mut text = String::new();
    for i in 0..count {
        text.push_str(&format!(
            "[jobs.job-{i}]\nschedule = \"{} {} * * *\"\ncommand = \"echo {i}\"\n\n",
            i % 60,
            i % 24
        ));
    }
    text
}

fn assert_quiet_success(what: &str, (line, code, err): (String, Option<i32>, String)) {
    assert!(!line.is_empty(), "{what}: no first line");
    assert!(!err.contains("panicked"), "{what}: {err}");
    assert_eq!(code, Some(0), "{what}: {err}");
    assert!(!err.contains("jobtab: error"), "{what}: {err}");
}

#[test]
fn a_closed_pipe_ends_list_quietly() {
    let env = Env::new();
    std::fs::write(&env.file, many_jobs(10_000)).unwrap();
    let result = first_line_then_close(&env, &["list"]);
    assert!(result.0.starts_with("NAME"), "{}", result.0);
    assert_quiet_success("list", result);
    let result = first_line_then_close(&env, &["list", "--json"]);
    assert_quiet_success("list --json", result);
}

#[test]
fn a_closed_pipe_ends_explain_and_next_quietly() {
    let env = Env::with_jobs(
        r#"
        [jobs.every-second]
        schedule = "* * * * * *"
        command = "true"
        "#,
    );
    // 10,000 runs are 300-400 KB of output, several times what a pipe buffers (64 KiB), so
    // the writes after the first line meet the closed pipe (100,000 took 5 s of computing).
    let result = first_line_then_close(&env, &["explain", "* * * * * *", "--count", "10000"]);
    assert!(result.0.starts_with("schedule"), "{}", result.0);
    assert_quiet_success("explain", result);
    let result = first_line_then_close(
        &env,
        &["explain", "* * * * * *", "--count", "10000", "--json"],
    );
    assert_quiet_success("explain --json", result);
    let result = first_line_then_close(&env, &["next", "--count", "10000"]);
    assert!(result.0.starts_with("TIME"), "{}", result.0);
    assert_quiet_success("next", result);
}

#[test]
fn a_failed_write_is_an_error_not_a_panic() {
    if !std::path::Path::new("/dev/full").exists() {
        return;
    }
    let env = Env::with_jobs(
        r#"
        [jobs.a]
        schedule = "@daily"
        command = "true"
        "#,
    );
    for args in [
        &["list"][..],
        &["list", "--json"],
        &["explain", "@daily"],
        &["next"],
        &["show", "a"],
        &["check"],
        &["history", "--json"],
        &["completions", "bash"],
        &["export", "--format", "systemd"],
        &["remove", "a", "--dry-run"],
    ] {
        let full = std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .unwrap();
        let output = env.cmd(args).stdout(full).output().unwrap();
        let err = stderr(&output);
        assert_eq!(output.status.code(), Some(1), "{args:?}: {err}");
        assert!(
            err.contains("jobtab: error: cannot write to standard output"),
            "{args:?}: {err}"
        );
        assert!(!err.contains("panicked"), "{args:?}: {err}");
    }
}

#[test]
fn output_is_complete_when_read_to_the_end() {
    // The buffered writer is flushed: nothing is lost at the end of a long output.
    let env = Env::new();
    let mut child = env
        .cmd(["explain", "* * * * * *", "--count", "20000"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut text = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut text)
        .unwrap();
    assert!(child.wait().unwrap().success());
    assert_eq!(text.lines().count(), 3 + 20_000);
}

/// The runs recorded so far, newest first.
fn history(env: &Env) -> Vec<serde_json::Value> {
    env.recorded_runs()
}

/// Waits until `path` holds a whole line, and returns it.
fn wait_for_line(path: &std::path::Path) -> String {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Ok(text) = std::fs::read_to_string(path)
            && text.ends_with('\n')
        {
            return text.trim().to_owned();
        }
        assert!(
            Instant::now() < deadline,
            "{} never written",
            path.display()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Whether process `pid` still exists (a zombie counts as gone).
fn alive(pid: i32) -> bool {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let state = stat
        .rsplit_once(") ")
        .and_then(|(_, rest)| rest.chars().next());
    state.is_some_and(|s| s != 'Z')
}

#[test]
fn exec_is_quiet_under_cron_unless_the_run_fails() {
    let env = Env::with_jobs(
        r#"
        [jobs.fine]
        schedule = "0 2 * * *"
        command = "echo out"

        [jobs.broken]
        schedule = "0 2 * * *"
        command = "exit 3"
        "#,
    );
    // stderr is a pipe here, as under cron: a success prints only the job's own output.
    let output = env.run(["exec", "fine"]);
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(stdout(&output), "out\n");
    assert_eq!(stderr(&output), "");
    assert_eq!(history(&env)[0]["status"], "ok");
    // A failure always says why, in one line.
    let err = env.fails(["exec", "broken"], 1);
    assert_eq!(err, "jobtab: broken failed: exit code 3\n");
}

#[test]
fn exec_skipped_by_a_running_previous_run_is_not_a_failure() {
    let env = Env::with_jobs(
        r#"
        [jobs.slow]
        schedule = "0 2 * * *"
        command = "echo started > started; sleep 30"
        overlap = "skip"
        "#,
    );
    let mut first = env
        .cmd(["exec", "slow"])
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_for_line(&env.path("started"));
    let second = env.run(["exec", "slow"]);
    assert_eq!(second.status.code(), Some(0), "{}", stderr(&second));
    assert_eq!(stderr(&second), "");
    assert_eq!(history(&env)[0]["status"], "skipped");
    let pid = nix::unistd::Pid::from_raw(i32::try_from(first.id()).unwrap());
    nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM).unwrap();
    assert_eq!(first.wait().unwrap().code(), Some(1));
}

#[test]
fn exec_cancels_the_run_on_sighup_and_sigquit() {
    use nix::sys::signal::Signal;
    for signal in [Signal::SIGHUP, Signal::SIGQUIT] {
        let env = Env::with_jobs(
            r#"
            [jobs.long]
            schedule = "0 2 * * *"
            command = "sleep 60 & echo $! > pidfile; wait"
            "#,
        );
        let child = env
            .cmd(["exec", "long"])
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let sleep: i32 = wait_for_line(&env.path("pidfile")).parse().unwrap();
        assert!(alive(sleep));
        let jobtab = nix::unistd::Pid::from_raw(i32::try_from(child.id()).unwrap());
        nix::sys::signal::kill(jobtab, signal).unwrap();
        let start = Instant::now();
        let output = child.wait_with_output().unwrap();
        // Far sooner than the job's 60 s; generous for a busy machine.
        assert!(start.elapsed() < Duration::from_secs(20), "{signal}");
        assert_eq!(
            output.status.code(),
            Some(1),
            "{signal}: {}",
            stderr(&output)
        );
        assert!(
            stderr(&output).contains("long cancelled"),
            "{}",
            stderr(&output)
        );
        let deadline = Instant::now() + Duration::from_secs(20);
        while alive(sleep) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        assert!(!alive(sleep), "{signal}: the job's sleep was orphaned");
        let runs = history(&env);
        assert_eq!(runs.len(), 1, "{signal}");
        assert_eq!(runs[0]["status"], "cancelled", "{signal}");
    }
}
