//! Integration tests: `add`, `list`, `show`, `remove`, `enable` and `disable` through the built
//! binary. `JOBTAB_CRONTAB` points at a fake `crontab` with an empty table, so the install
//! status never reads the machine's real crontab.

use std::process::{Command, Output};

use crate::util::{Env, expect_status, stderr, stdout, unindent, write_script};

/// `jobtab ARGS` in `env`, with a fake, empty crontab.
pub(crate) fn cmd(env: &Env, args: &[&str]) -> Command {
    let fake = env.path("fake-crontab");
    if !fake.exists() {
        write_script(&fake, "#!/bin/sh\nexit 0\n");
    }
    let mut cmd = env.cmd(args);
    cmd.env("JOBTAB_CRONTAB", &fake);
    cmd
}

fn output(env: &Env, args: &[&str]) -> Output {
    cmd(env, args).output().unwrap()
}

/// Runs and expects exit 0: (stdout, stderr).
pub(crate) fn ok(env: &Env, args: &[&str]) -> (String, String) {
    let out = output(env, args);
    let os: Vec<std::ffi::OsString> = args.iter().map(Into::into).collect();
    expect_status(&os, &out, 0);
    (stdout(&out), stderr(&out))
}

/// Runs and expects exit `code`: (stdout, stderr).
pub(crate) fn fails(env: &Env, args: &[&str], code: i32) -> (String, String) {
    let out = output(env, args);
    let os: Vec<std::ffi::OsString> = args.iter().map(Into::into).collect();
    expect_status(&os, &out, code);
    (stdout(&out), stderr(&out))
}

const THREE_JOBS: &str = r#"
    # my jobs
    [jobs.backup]
    description = "nightly dump"
    schedule = "0 2 * * *"
    command = "pg_dump app > /var/backups/app-$(date +%F).sql"

    [jobs.ping]
    schedule = "*/5 * * * *"
    http = { url = "https://api.example.com/health" }

    [jobs.report]
    schedule = "30 6 * * mon-fri"
    timezone = "America/New_York"
    enabled = false
    [jobs.report.http]
    method = "POST"
    url = "https://api.example.com/reports/with/a/rather/long/path?and=query"
"#;

#[test]
fn add_a_shell_job() {
    let env = Env::new();
    let (out, err) = ok(
        &env,
        &[
            "add",
            "backup",
            "0 2 * * *",
            "--",
            "pg_dump app > /tmp/app.sql",
        ],
    );
    assert_eq!(out, "");
    assert!(err.starts_with("added job \"backup\"; next run: "), "{err}");
    assert!(err.contains(" 02:00 (in "), "{err}");
    assert_eq!(
        env.jobs(),
        "[jobs.backup]\nschedule = \"0 2 * * *\"\ncommand = \"pg_dump app > /tmp/app.sql\"\n"
    );
}

#[test]
fn add_keeps_the_words_of_a_command_given_as_several_arguments() {
    let env = Env::new();
    ok(
        &env,
        &[
            "add",
            "s1",
            "0 * * * *",
            "--",
            "echo",
            "$HOME",
            "a  b",
            "it's",
            "--full",
        ],
    );
    let (json, _) = ok(&env, &["show", "s1", "--json"]);
    assert!(
        json.contains(r#""command": "echo '$HOME' 'a  b' 'it'\\''s' --full","#),
        "{json}"
    );
    let (out, _) = ok(&env, &["exec", "s1"]);
    assert_eq!(out, "$HOME a  b it's --full\n");
    // One argument is a shell command line, kept as written.
    ok(
        &env,
        &["add", "s2", "0 * * * *", "--", "echo $((1 + 2)) > out.txt"],
    );
    ok(&env, &["exec", "s2"]);
    assert_eq!(std::fs::read_to_string(env.path("out.txt")).unwrap(), "3\n");
}

#[test]
fn add_an_http_job_with_every_option() {
    let env = Env::new();
    std::fs::write(env.path("body.json"), "{\"kind\": \"daily\"}").unwrap();
    let (_, err) = ok(
        &env,
        &[
            "add",
            "report",
            "30 6 * * mon-fri",
            "--url",
            "https://api.example.com/reports",
            "--method",
            "post",
            "--header",
            "Content-Type: application/json",
            "-H",
            "Authorization: Bearer ${REPORT_TOKEN}",
            "--data",
            "@body.json",
            "--expect",
            "200,202",
            "--env",
            "REGION=eu",
            "--tz",
            "America/New_York",
            "--timeout",
            "30s",
            "--retries",
            "2",
            "--retry-delay",
            "10s",
            "--overlap",
            "queue",
            "--description",
            "daily report",
            "--notify",
            "https://hooks.example.com/jobtab",
            "--notify-on",
            "always",
        ],
    );
    assert!(err.starts_with("added job \"report\"; next run: "), "{err}");
    // New York is at -05:00 or -04:00, and 06:30 local.
    assert!(err.contains(" 06:30 -0") && err.contains(" (in "), "{err}");
    assert_eq!(
        env.jobs(),
        unindent(
            r#"
            [jobs.report]
            description = "daily report"
            schedule = "30 6 * * mon-fri"
            timezone = "America/New_York"
            timeout = "30s"
            retries = 2
            retry_delay = "10s"
            overlap = "queue"
            env = { REGION = "eu" }
            notify = { url = "https://hooks.example.com/jobtab", on = "always" }

            [jobs.report.http]
            method = "POST"
            url = "https://api.example.com/reports"
            headers = { Authorization = "Bearer ${REPORT_TOKEN}", Content-Type = "application/json" }
            body = '{"kind": "daily"}'
            expect = [200, 202]
            "#
        )
    );
    let (out, _) = ok(&env, &["show", "report", "--json"]);
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(json["kind"], "http");
    assert_eq!(json["http"]["method"], "POST");
    assert_eq!(
        json["http"]["headers"]["Authorization"],
        "Bearer ${REPORT_TOKEN}"
    );
    assert_eq!(json["http"]["expect"], serde_json::json!([200, 202]));
    assert_eq!(json["timezone"], "America/New_York");
    assert_eq!(json["timeout_ms"], 30_000);
    assert_eq!(json["notify"]["on"], "always");
    assert_eq!(json["env"]["REGION"], "eu");
    assert_eq!(json["next"].as_array().unwrap().len(), 5);
}

#[test]
fn add_a_disabled_job_and_a_reboot_job() {
    let env = Env::new();
    let (_, err) = ok(
        &env,
        &["add", "later", "@daily", "--disabled", "--", "true"],
    );
    assert!(err.contains("disabled; `jobtab enable later`"), "{err}");
    let (_, err) = ok(&env, &["add", "boot", "@reboot", "--", "true"]);
    assert!(err.contains("runs when `jobtab run` starts"), "{err}");
    assert!(env.jobs().contains("enabled = false"));
}

#[test]
fn an_existing_name_needs_replace() {
    let env = Env::with_jobs(THREE_JOBS);
    let before = env.jobs();
    let (_, err) = fails(&env, &["add", "ping", "@hourly", "--", "true"], 1);
    assert!(err.contains("a job named \"ping\" already exists"), "{err}");
    assert!(err.contains("--replace"), "{err}");
    assert_eq!(env.jobs(), before);
    let (_, err) = ok(&env, &["add", "ping", "@hourly", "--replace", "--", "true"]);
    assert!(err.starts_with("replaced job \"ping\""), "{err}");
    assert_eq!(
        env.jobs(),
        before.replace(
            "schedule = \"*/5 * * * *\"\nhttp = { url = \"https://api.example.com/health\" }\n",
            "schedule = \"@hourly\"\ncommand = \"true\"\n"
        )
    );
}

#[test]
fn invalid_jobs_are_refused_and_the_file_untouched() {
    let env = Env::with_jobs(THREE_JOBS);
    let before = env.jobs();
    for (args, message) in [
        (
            vec!["add", "x", "61 * * * *", "--", "true"],
            "invalid schedule \"61 * * * *\"",
        ),
        (
            vec!["add", "x", "@daily", "--retries", "101", "--", "true"],
            "retries = 101 is too large; use at most 100",
        ),
        (
            vec!["add", "x", "@daily", "--tz", "Mars/Base", "--", "true"],
            "unknown time zone \"Mars/Base\"",
        ),
        (
            vec!["add", "a b", "@daily", "--", "true"],
            "invalid job name \"a b\"",
        ),
        (
            vec!["add", "x", "@daily", "--url", "ftp://x"],
            "must start with http:// or https://",
        ),
        (
            vec![
                "add",
                "x",
                "@daily",
                "--url",
                "https://x",
                "--expect",
                "999",
            ],
            "999 is not an HTTP status code",
        ),
        (
            vec![
                "add",
                "x",
                "@daily",
                "--url",
                "https://x",
                "--data",
                "@missing.json",
            ],
            "cannot read --data file missing.json",
        ),
    ] {
        let (out, err) = fails(&env, &args, 1);
        assert_eq!(out, "");
        assert!(err.starts_with("jobtab: error: "), "{args:?}: {err}");
        assert!(err.contains(message), "{args:?}: {err}");
        assert_eq!(env.jobs(), before, "{args:?}");
    }
}

#[test]
fn usage_errors_exit_2() {
    let env = Env::new();
    for args in [
        vec!["add", "x", "@daily"],
        vec!["add", "x"],
        vec!["add", "x", "@daily", "--url", "https://x", "--", "true"],
        vec![
            "add",
            "x",
            "@daily",
            "--url",
            "https://x",
            "--header",
            "no-colon",
        ],
        vec!["add", "x", "@daily", "--env", "NOVALUE", "--", "true"],
        vec!["add", "x", "@daily", "--method", "POST", "--", "true"],
        vec!["add", "x", "@daily", "--timeout", "5x", "--", "true"],
        vec!["remove"],
        vec!["show"],
    ] {
        let (_, err) = fails(&env, &args, 2);
        assert!(!err.is_empty(), "{args:?}");
    }
    assert!(!env.file.exists());
}

#[test]
fn list_shows_a_table() {
    let env = Env::with_jobs(THREE_JOBS);
    let (out, err) = ok(&env, &["list"]);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 4, "{out}");
    assert!(
        lines[0].starts_with("NAME    SCHEDULE          NEXT RUN"),
        "{out}"
    );
    assert!(lines[0].contains("LAST RESULT  COMMAND/URL"), "{out}");
    assert!(
        lines[1].starts_with("backup  0 2 * * *         20"),
        "{out}"
    );
    // The next run in the viewer's zone (TZ=UTC here) and how soon.
    assert!(lines[1].contains(" 02:00 (in "), "{out}");
    // Then no last result and the command (the relative times of the rows differ in width,
    // so the padding after the time does too).
    let after_time = &lines[1][lines[1].find(" (in ").unwrap()..];
    let rest: Vec<&str> = after_time
        .split_once(')')
        .unwrap()
        .1
        .split_whitespace()
        .collect();
    assert_eq!(rest[..3], ["-", "pg_dump", "app"], "{out}");
    assert!(
        lines[2].contains("GET https://api.example.com/health"),
        "{out}"
    );
    assert!(lines[3].contains("(disabled)"), "{out}");
    assert!(err.contains("crontab: not installed"), "{err}");
    // `ls` is the same command.
    assert_eq!(ok(&env, &["ls"]).0.lines().count(), 4);
}

#[test]
fn list_fits_the_width() {
    let env = Env::with_jobs(THREE_JOBS);
    for width in [40, 60, 80] {
        let out = cmd(&env, &["list"])
            .env("COLUMNS", width.to_string())
            .output()
            .unwrap();
        let text = stdout(&out);
        assert!(text.contains('…'), "{text}");
        assert_eq!(text.lines().count(), 4, "{text}");
        assert!(
            text.lines().all(|l| l.chars().count() <= width),
            "{width}: {text}"
        );
        if width == 80 {
            // Room for the names, schedules and next runs: only the free text is cut.
            for line in text.lines().skip(1) {
                let name = line.split("  ").next().unwrap();
                assert!(["backup", "ping", "report"].contains(&name), "{text}");
                let next = line[name.len()..]
                    .split("  ")
                    .map(str::trim)
                    .find(|c| c.starts_with("20") || *c == "(disabled)")
                    .unwrap_or_else(|| panic!("no next run in {line:?}"));
                assert!(
                    next == "(disabled)" || (next.contains(" (in ") && next.ends_with(')')),
                    "{next:?} in {text}"
                );
            }
            assert!(text.contains("30 6 * * mon-fri"), "{text}");
            assert!(text.contains("pg_dump"), "{text}");
        }
    }
    // Not a terminal and no COLUMNS: nothing is cut.
    let out = cmd(&env, &["list"]).env_remove("COLUMNS").output().unwrap();
    assert!(stdout(&out).contains("/reports/with/a/rather/long/path?and=query"));
}

#[test]
fn list_and_show_escape_control_characters() {
    let env = Env::with_jobs(
        r#"
        [jobs.sneaky]
        schedule = "@daily"
        command = "echo \u001b]0;owned\u0007 \u001b[2J done"
        "#,
    );
    for args in [&["list"][..], &["show", "sneaky"]] {
        let (out, _) = ok(&env, args);
        assert!(!out.contains('\u{1b}') && !out.contains('\u{7}'), "{out:?}");
        assert!(
            out.contains("echo \\x1b]0;owned\\x07 \\x1b[2J done"),
            "{out}"
        );
    }
    // JSON keeps the command as it is (escaped by JSON itself).
    let (out, _) = ok(&env, &["list", "--json"]);
    assert!(out.contains("\\u001b]0;owned"), "{out}");
}

#[test]
fn list_json_has_stable_fields() {
    let env = Env::with_jobs(THREE_JOBS);
    let (out, _) = ok(&env, &["list", "--json"]);
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    let jobs = json.as_array().unwrap();
    assert_eq!(jobs.len(), 3);
    let backup = &jobs[0];
    assert_eq!(backup["name"], "backup");
    assert_eq!(backup["description"], "nightly dump");
    assert_eq!(backup["schedule"], "0 2 * * *");
    assert_eq!(backup["enabled"], true);
    assert_eq!(backup["kind"], "shell");
    assert_eq!(
        backup["command"],
        "pg_dump app > /var/backups/app-$(date +%F).sql"
    );
    assert_eq!(backup["http"], serde_json::Value::Null);
    let next = backup["next"].as_array().unwrap();
    assert_eq!(next.len(), 1, "{out}");
    assert!(
        next[0].as_str().unwrap().ends_with("T02:00:00.000Z"),
        "{out}"
    );
    assert_eq!(backup["last_result"], serde_json::Value::Null);
    assert_eq!(backup["installed"], false);
    assert_eq!(jobs[1]["kind"], "http");
    assert_eq!(jobs[1]["http"]["url"], "https://api.example.com/health");
    assert_eq!(jobs[1]["http"]["method"], "GET");
    assert_eq!(jobs[1]["command"], serde_json::Value::Null);
    assert_eq!(jobs[2]["enabled"], false);
    assert_eq!(jobs[2]["next"], serde_json::json!([]));
    assert_eq!(jobs[2]["timezone"], "America/New_York");
}

#[test]
fn list_of_nothing_says_how_to_add() {
    let env = Env::new();
    let (out, err) = ok(&env, &["list"]);
    assert_eq!(out, "");
    assert!(err.contains("no jobs in"), "{err}");
    assert!(err.contains("jobtab add"), "{err}");
    let (out, _) = ok(&env, &["list", "--json"]);
    assert_eq!(out.trim(), "[]");
}

#[test]
fn list_and_show_the_last_results() {
    let env = Env::with_jobs(THREE_JOBS);
    std::fs::create_dir_all(&env.state).unwrap();
    let record = |status: &str, exit: &str, at: &str| {
        format!(
            "{{\"job\":\"backup\",\"run_id\":\"r-{at}\",\"trigger\":\"schedule\",\"status\":\"{status}\",\
             \"exit_code\":{exit},\"http_status\":null,\"scheduled_at\":\"{at}\",\"started_at\":\"{at}\",\
             \"duration_ms\":1500,\"attempts\":1,\"output_tail\":\"\",\"error\":null}}\n"
        )
    };
    let history = record("ok", "0", "2026-01-01T02:00:00.000Z")
        + &record("failed", "2", "2026-01-02T02:00:00.000Z");
    std::fs::write(env.state.join("history.jsonl"), history).unwrap();
    let (out, _) = ok(&env, &["list"]);
    assert!(
        out.lines().nth(1).unwrap().contains("failed (exit 2) "),
        "{out}"
    );
    let (out, _) = ok(&env, &["show", "backup"]);
    // Past runs in the viewer's zone (TZ=UTC), to the second, and how long ago.
    assert!(
        out.contains("last results:\n  2026-01-02 02:00:00 (")
            && out.contains(" ago)  failed (exit 2)  "),
        "{out}"
    );
    assert!(out.contains("\n  2026-01-01 02:00:00 ("), "{out}");
    assert!(out.contains(" ago)  ok  "), "{out}");
    let (out, _) = ok(&env, &["list", "--json"]);
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(json[0]["last_result"]["status"], "failed");
    assert_eq!(json[0]["last_result"]["exit_code"], 2);
    assert_eq!(json[0]["last_result"]["duration_ms"], 1500);
    assert_eq!(
        json[0]["last_result"]["run_id"],
        "r-2026-01-02T02:00:00.000Z"
    );
    assert_eq!(
        json[0]["last_result"]["started_at"],
        "2026-01-02T02:00:00.000Z"
    );
    // `show` has the same `last_result`, and the runs before it in `history`, newest first.
    let (out, _) = ok(&env, &["show", "backup", "--json"]);
    let show: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(show["last_result"], json[0]["last_result"]);
    let history = show["history"].as_array().unwrap();
    assert_eq!(history.len(), 2, "{out}");
    assert_eq!(history[0], show["last_result"]);
    assert_eq!(history[1]["status"], "ok");
}

#[test]
fn show_prints_every_setting() {
    let env = Env::with_jobs(
        r#"
        [defaults]
        timeout = "1h"
        retries = 1

        [jobs.backup]
        schedule = "0 2 * * *"
        command = "pg_dump app"
        env = { PGHOST = "db", PGPASSWORD = "${PG_PASSWORD}" }
        notify = { url = "https://hooks.example.com/x", secret = "hunter2", signature = "jobtab" }
        "#,
    );
    let (out, _) = ok(&env, &["show", "backup"]);
    for expected in [
        "name:     backup\n",
        "schedule: 0 2 * * *  (",
        "timezone: UTC\n",
        "enabled:  yes\n",
        "command:  pg_dump app\n",
        "timeout:  1h\n",
        "retries:  1 (first after 10s, then doubling, with jitter)\n",
        "overlap:  skip\n",
        "env:      PGHOST=db\n",
        "env:      PGPASSWORD=${PG_PASSWORD}\n",
        "notify:   https://hooks.example.com/x on failure as json, signed (jobtab) with (a literal value, hidden)\n",
        "crontab:  not installed",
        "next runs:\n  20",
        "last results:\n  none yet\n",
    ] {
        assert!(out.contains(expected), "missing {expected:?} in\n{out}");
    }
    assert!(!out.contains("hunter2"));
    // The next runs in the job's zone (UTC: the harness's TZ, so no offset), and how soon.
    assert_eq!(out.matches(" 02:00 (in ").count(), 5, "{out}");
    let (out, _) = ok(&env, &["show", "backup", "--json"]);
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(json["name"], "backup");
    assert_eq!(json["retries"], 1);
    assert_eq!(json["timeout_ms"], 3_600_000);
    assert_eq!(json["notify"]["secret"], "(a literal value, hidden)");
    assert_eq!(json["installed"], false);
    assert_eq!(json["last_result"], serde_json::Value::Null);
    assert_eq!(json["history"], serde_json::json!([]));
    assert!(json["schedule_description"].as_str().is_some());
    let (_, err) = fails(&env, &["show", "nope"], 1);
    assert!(err.contains("no job named \"nope\""), "{err}");
}

#[test]
fn remove_is_all_or_nothing() {
    let env = Env::with_jobs(THREE_JOBS);
    let before = env.jobs();
    let (_, err) = fails(&env, &["remove", "backup", "nope", "other"], 1);
    assert!(err.contains("no jobs named \"nope\", \"other\""), "{err}");
    assert!(err.contains("nothing was removed"), "{err}");
    assert_eq!(env.jobs(), before);
    let (out, _) = ok(&env, &["rm", "backup", "ping", "--dry-run"]);
    assert_eq!(
        out,
        "would remove job \"backup\"\nwould remove job \"ping\"\n"
    );
    assert_eq!(env.jobs(), before);
    let (_, err) = ok(&env, &["remove", "backup", "ping"]);
    assert_eq!(err, "removed job \"backup\"\nremoved job \"ping\"\n");
    let start = before.find("[jobs.report]").unwrap();
    assert_eq!(env.jobs(), before[start..]);
}

#[test]
fn enable_and_disable() {
    let env = Env::with_jobs(THREE_JOBS);
    let before = env.jobs();
    let (_, err) = ok(&env, &["disable", "backup"]);
    assert!(err.starts_with("disabled job \"backup\""), "{err}");
    assert!(
        env.jobs()
            .contains("pg_dump app > /var/backups/app-$(date +%F).sql\"\nenabled = false\n")
    );
    let (out, _) = ok(&env, &["list"]);
    assert!(out.lines().nth(1).unwrap().contains("(disabled)"), "{out}");
    ok(&env, &["enable", "backup"]);
    assert_eq!(env.jobs(), before);
    let (_, err) = ok(&env, &["enable", "report"]);
    assert_eq!(err, "enabled job \"report\"\n");
    assert_eq!(env.jobs(), before.replace("enabled = false\n", ""));
    let (_, err) = ok(&env, &["enable", "report"]);
    assert_eq!(err, "job \"report\" was already enabled\n");
    let after = env.jobs();
    let (_, err) = fails(&env, &["disable", "backup", "nope"], 1);
    assert!(err.contains("no job named \"nope\""), "{err}");
    assert!(err.contains("nothing was changed"), "{err}");
    assert_eq!(env.jobs(), after);
}

#[test]
fn list_shows_the_valid_jobs_of_a_file_with_problems_and_exits_1() {
    let env = Env::with_jobs(
        r#"
        [jobs.good]
        schedule = "@daily"
        command = "true"

        [jobs.bad]
        schedule = "@daily"
        command = "true"
        timout = "5m"
        "#,
    );
    let (out, err) = fails(&env, &["list"], 1);
    assert!(out.contains("good"), "{out}");
    assert!(!out.contains("bad"), "{out}");
    assert!(
        err.contains("jobs.toml:8:1: job \"bad\", key \"timout\": unknown key"),
        "{err}"
    );
    assert!(err.contains("jobtab check"), "{err}");
    let (_, err) = fails(&env, &["show", "bad"], 1);
    assert!(err.contains("job \"bad\" is not valid"), "{err}");
}
