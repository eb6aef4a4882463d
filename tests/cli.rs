//! Integration tests: behaviour common to every command (output errors, exit codes).

use std::io::{BufRead as _, BufReader, Read as _};
use std::process::Stdio;

use crate::util::{Env, stderr};

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
    let result = first_line_then_close(&env, &["explain", "* * * * * *", "--count", "100000"]);
    assert!(result.0.starts_with("schedule"), "{}", result.0);
    assert_quiet_success("explain", result);
    let result = first_line_then_close(
        &env,
        &["explain", "* * * * * *", "--count", "100000", "--json"],
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
