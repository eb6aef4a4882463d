//! Integration tests: `check` lists every problem with file, line and column.

use crate::manage::{fails, ok};
use crate::util::Env;

#[test]
fn every_problem_is_listed() {
    let env = Env::with_jobs(
        r#"
        [defaults]
        timezone = "Nowhere/Land"

        [jobs.backup]
        schedule = "0 2 * * *"
        command = "true"
        timout = "5m"

        [jobs.ping]
        schedule = "61 * * * *"
        http = { url = "https://example.com" }

        [jobs."bad/name"]
        schedule = "@daily"
        command = "x"

        [jobs.both]
        schedule = "@daily"
        command = "x"
        http = { url = "https://example.com" }
        overlap = "sometimes"
        "#,
    );
    let (out, err) = fails(&env, &["check"], 1);
    let file = env.file.display().to_string();
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 6, "{out}");
    assert_eq!(
        lines[0],
        format!(
            "{file}:2:1: key \"defaults.timezone\": unknown time zone \"Nowhere/Land\": use an IANA name such as Europe/Berlin, America/New_York or UTC"
        )
    );
    assert!(lines[1].starts_with(&format!("{file}:7:1: job \"backup\", key \"timout\": unknown key; did you mean \"timeout\"? known keys are description, schedule,")), "{out}");
    assert!(
        lines[2].starts_with(&format!(
            "{file}:10:1: job \"ping\", key \"schedule\": invalid schedule \"61 * * * *\": "
        )),
        "{out}"
    );
    assert!(
        lines[3].starts_with(&format!("{file}:13:1: job \"bad/name\": invalid job name")),
        "{out}"
    );
    assert_eq!(
        lines[4],
        format!(
            "{file}:20:1: job \"both\", key \"http\": a job has either `command` or `http`, not both"
        )
    );
    assert_eq!(
        lines[5],
        format!(
            "{file}:21:1: job \"both\", key \"overlap\": \"sometimes\" is not one of skip, queue, allow"
        )
    );
    assert!(err.contains("jobtab: error: 6 problems in"), "{err}");
    assert!(err.contains("jobtab edit"), "{err}");
}

#[test]
fn a_syntax_error_has_its_line_and_column() {
    let env = Env::with_jobs("[jobs.a]\nschedule = \"@daily\"\ncommand = = \"x\"\n");
    let (out, _) = fails(&env, &["check"], 1);
    let file = env.file.display().to_string();
    assert!(
        out.starts_with(&format!("{file}:3:11: not valid TOML: ")),
        "{out}"
    );
}

#[test]
fn a_valid_file_is_counted() {
    let env = Env::with_jobs(
        r#"
        [jobs.a]
        schedule = "@daily"
        command = "a"
        [jobs.b]
        schedule = "*/10 * * * * *"
        http = { url = "https://${HOST}/x" }
        "#,
    );
    let (out, _) = ok(&env, &["check"]);
    assert_eq!(
        out,
        format!("{}: 2 jobs, no problems\n", env.file.display())
    );
}

/// Issue 8, item 13: jobs that fail on every run passed `check`.
#[test]
fn jobs_that_would_fail_at_every_run_are_problems() {
    let big = "x".repeat(200_000);
    let env = Env::with_jobs(&format!(
        r#"
        [jobs.nul]
        schedule = "@daily"
        command = "echo a\u0000b"

        [jobs.header]
        schedule = "@daily"
        http = {{ url = "https://example.com", headers = {{ X-A = "a\r\nInjected: 1" }} }}

        [jobs.big]
        schedule = "@daily"
        command = "{big}"

        [jobs.fine]
        schedule = "@daily"
        command = "true"
        "#
    ));
    let (out, err) = fails(&env, &["check"], 1);
    let file = env.file.display().to_string();
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 3, "{out}");
    assert_eq!(
        lines[0],
        format!(
            "{file}:3:1: job \"nul\", key \"command\": the command contains a NUL byte \
             (\\u0000), which a program cannot receive; remove it"
        )
    );
    assert_eq!(
        lines[1],
        format!(
            "{file}:7:51: job \"header\", key \"http.headers.X-A\": the value of header \"X-A\" \
             contains a line break (CR or LF); a header value is one line: remove it"
        )
    );
    assert!(
        lines[2].starts_with(&format!(
            "{file}:11:1: job \"big\", key \"command\": the command is 200000 bytes, more than \
             the "
        )) && lines[2].ends_with("put it in a script and run the script"),
        "{out}"
    );
    assert!(err.contains("jobtab: error: 3 problems in"), "{err}");
    // `list` and `run` treat them as the invalid jobs they are.
    let (out, err) = fails(&env, &["list"], 1);
    assert!(out.contains("fine") && !out.contains("nul "), "{out}");
    assert!(err.contains("has 3 problems"), "{err}");
    let (_, err) = fails(&env, &["run", "--check"], 1);
    assert!(err.contains("NUL byte"), "{err}");
    let (_, err) = fails(&env, &["exec", "nul"], 1);
    assert!(err.contains("NUL byte"), "{err}");
}

/// Issue 8, item 13: what may fail but may also be meant is a warning: exit 0.
#[test]
fn a_missing_workdir_and_a_schedule_that_never_fires_are_warnings() {
    let env = Env::with_jobs(
        r#"
        [jobs.later]
        schedule = "@daily"
        command = "true"
        workdir = "/no/such/folder/yet"

        [jobs.february]
        schedule = "0 0 30 2 *"
        command = "true"

        [jobs.here]
        schedule = "@reboot"
        command = "true"
        workdir = "/"
        "#,
    );
    let (out, err) = ok(&env, &["check"]);
    let file = env.file.display().to_string();
    assert_eq!(
        out,
        format!(
            "{file}:4:1: warning: job \"later\", key \"workdir\": /no/such/folder/yet does not \
             exist (yet): the job cannot start until it does\n\
             {file}:7:1: warning: job \"february\", key \"schedule\": \"0 0 30 2 *\" never fires: \
             no date from now on matches it; `jobtab explain '0 0 30 2 *'` shows how it reads\n\
             {file}: 3 jobs, no problems, 2 warnings\n"
        )
    );
    assert_eq!(err, "");
    // With a problem too, the count says both.
    env.write_jobs(&format!(
        "{}\n[jobs.bad]\nschedule = \"@daily\"\n",
        env.jobs()
    ));
    let (out, err) = fails(&env, &["check"], 1);
    assert!(out.contains("warning: job \"later\""), "{out}");
    assert!(err.contains("1 problem, 2 warnings in"), "{err}");
}

/// Issue 8, item 14: a job file that is not UTF-8 got "stream did not contain valid UTF-8".
#[test]
fn invalid_utf8_has_its_line_and_column() {
    let env = Env::new();
    std::fs::write(
        &env.file,
        b"[jobs.a]\nschedule = \"@daily\"\ncommand = \"caf\xe9\"\n".as_slice(),
    )
    .unwrap();
    let file = env.file.display().to_string();
    let (out, err) = fails(&env, &["check"], 1);
    assert_eq!(
        out,
        format!("{file}:3:15: not valid UTF-8 (0xe9); save the file as UTF-8 text\n")
    );
    assert!(err.contains("1 problem in"), "{err}");
    for args in [
        &["list"][..],
        &["show", "a"],
        &["exec", "a"],
        &["add", "b", "@daily", "--", "x"],
    ] {
        let (_, err) = fails(&env, args, 1);
        assert!(
            err.contains(&format!("{file}:3:15: not valid UTF-8 (0xe9)")),
            "{args:?}: {err}"
        );
        assert!(!err.contains("stream did not contain"), "{args:?}: {err}");
    }
}
