//! A run's inputs (PRODUCT.md section 9): the payload on stdin and in `$JOBTAB_PAYLOAD` (0600,
//! removed after the run however it ends), the `env` pointers' variables (never shell text),
//! `JOBTAB_*`, and the delivery and upstream run in history.

use std::os::unix::fs::PermissionsExt as _;

use super::*;

/// A shell job `j` running `command` (TOML literal text). Its runs take no overlap lock: one
/// released just before the next run may still be held for a moment by a process another
/// test spawns meanwhile (it holds a copy of every descriptor until its exec).
fn shell_job(command: &str, extra: &str) -> Job {
    job(&format!(
        "[jobs.j]\nschedule = \"* * * * *\"\noverlap = \"allow\"\ncommand = '''{command}'''\n\
         {extra}\n"
    ))
}

/// The variables a run sets, for `grep -E`: the tests' own environment may hold other
/// `JOBTAB_*` (CI sets `JOBTAB_REQUIRE_BROWSER`), which a job inherits.
const RUN_VARS: &str = "^JOBTAB_(RUN_ID|TRIGGER|DELIVERY|EVENT|PAYLOAD|UPSTREAM_RUN_ID)=";

fn webhook_input(body: &[u8], vars: &[(&str, &str)]) -> RunInput {
    RunInput {
        run_id: Some("run-fixed".into()),
        delivery: Some("d-42".into()),
        event: Some("push".into()),
        payload: Some(Arc::from(body)),
        vars: vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
        upstream_run_id: None,
    }
}

fn run(job: &Job, trigger: Trigger, input: &RunInput, state: &Path) -> RunRecord {
    let (opts, _log) = options(state);
    execute(job, Utc::now(), trigger, input, &opts, &Cancel::new())
}

#[test]
fn the_payload_is_on_stdin_and_in_a_private_file_removed_after_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let job = shell_job(
        &format!(
            "cat > '{o}.stdin'; cp \"$JOBTAB_PAYLOAD\" '{o}.file'; \
             stat -c %a \"$JOBTAB_PAYLOAD\" > '{o}.mode'; echo \"$JOBTAB_PAYLOAD\" > '{o}.path'; \
             env | grep -E '{RUN_VARS}' | sort > '{o}.env'",
            o = out.display()
        ),
        "",
    );
    let body = b"{\"ref\": \"refs/heads/main\"}\n\x00binary\xff";
    let record = run(
        &job,
        Trigger::Webhook,
        &webhook_input(body, &[]),
        dir.path(),
    );
    assert_eq!(record.status, RunStatus::Ok, "{record:?}");
    let read = |ext: &str| std::fs::read(dir.path().join(format!("out.{ext}"))).unwrap();
    assert_eq!(read("stdin"), body);
    assert_eq!(read("file"), body);
    assert_eq!(String::from_utf8(read("mode")).unwrap().trim(), "600");
    let path = String::from_utf8(read("path")).unwrap();
    let path = Path::new(path.trim());
    assert!(path.starts_with(dir.path().join("payloads")), "{path:?}");
    assert!(!path.exists(), "the payload file outlived the run");
    let mode = std::fs::metadata(path.parent().unwrap())
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o700);
    let env = String::from_utf8(read("env")).unwrap();
    assert_eq!(
        env,
        format!(
            "JOBTAB_DELIVERY=d-42\nJOBTAB_EVENT=push\nJOBTAB_PAYLOAD={}\nJOBTAB_RUN_ID=run-fixed\n\
             JOBTAB_TRIGGER=webhook\n",
            path.display()
        )
    );
    // History keeps the trigger and the delivery; the run id is the one chosen.
    assert_eq!(record.trigger, "webhook");
    assert_eq!(record.run_id, "run-fixed");
    assert_eq!(record.delivery.as_deref(), Some("d-42"));
    assert_eq!(record.upstream_run_id, None);
    let stored =
        crate::history::recent(dir.path(), &dir.path().join("jobs.toml"), None, 1, false).unwrap();
    assert_eq!(stored[0].delivery.as_deref(), Some("d-42"));
}

#[test]
fn a_scheduled_run_has_an_empty_stdin_its_id_and_no_payload() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let job = shell_job(
        &format!(
            "wc -c > '{o}.stdin'; env | grep -E '{RUN_VARS}' | sed 's/=.*//' | sort > '{o}.env'; \
             echo \"$JOBTAB_RUN_ID\" > '{o}.id'",
            o = out.display()
        ),
        "",
    );
    let record = run(&job, Trigger::Schedule, &RunInput::default(), dir.path());
    assert_eq!(record.status, RunStatus::Ok, "{record:?}");
    let read = |ext: &str| std::fs::read_to_string(dir.path().join(format!("out.{ext}"))).unwrap();
    assert_eq!(read("stdin").trim(), "0");
    assert_eq!(read("env"), "JOBTAB_RUN_ID\nJOBTAB_TRIGGER\n");
    // The id the job saw is the one history has.
    assert_eq!(read("id").trim(), record.run_id);
    assert!(!dir.path().join("payloads").exists());
    assert_eq!((record.delivery, record.upstream_run_id), (None, None));
}

#[test]
fn payload_values_are_never_executed() {
    let dir = tempfile::tempdir().unwrap();
    let pwned = dir.path().join("pwned");
    let out = dir.path().join("out");
    let attacks = [
        format!("$(touch {})", pwned.display()),
        format!("`touch {}`", pwned.display()),
        format!("; touch {}", pwned.display()),
        format!("x\ntouch {}\n", pwned.display()),
        format!("' && touch {} && '", pwned.display()),
        format!("\" && touch {} && \"", pwned.display()),
    ];
    for (i, attack) in attacks.iter().enumerate() {
        // The job uses the variable the way scripts do: quoted, in a string, in an env value.
        let job = shell_job(
            &format!(
                "echo \"ref: $REF\" > '{o}'; printf '%s' \"$WRAPPED\" >> '{o}'; \
                 cat >> '{o}'",
                o = out.display()
            ),
            "env = { WRAPPED = \"<${REF}>\" }",
        );
        let input = webhook_input(attack.as_bytes(), &[("REF", attack)]);
        let record = run(&job, Trigger::Webhook, &input, dir.path());
        assert_eq!(record.status, RunStatus::Ok, "{attack:?}: {record:?}");
        assert!(!pwned.exists(), "attack {i} ran: {attack:?}");
        let written = std::fs::read_to_string(&out).unwrap();
        assert_eq!(written, format!("ref: {attack}\n<{attack}>{attack}"));
    }
}

#[test]
fn the_payload_file_is_removed_after_a_failure_and_a_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let payloads = dir.path().join("payloads");
    let failing = shell_job(
        "test -s \"$JOBTAB_PAYLOAD\" && exit 3",
        "retries = 1\nretry_delay = \"10ms\"",
    );
    let record = run(
        &failing,
        Trigger::Webhook,
        &webhook_input(b"x", &[]),
        dir.path(),
    );
    // Both attempts saw the payload (exit 3, not 1).
    assert_eq!(
        (record.status, record.exit_code, record.attempts),
        (RunStatus::Failed, Some(3), 2)
    );
    assert_eq!(std::fs::read_dir(&payloads).unwrap().count(), 0);
    // A retry reads stdin from the start again.
    let out = dir.path().join("out");
    let again = shell_job(
        &format!("cat >> '{}'; exit 1", out.display()),
        "retries = 1\nretry_delay = \"10ms\"",
    );
    run(
        &again,
        Trigger::Webhook,
        &webhook_input(b"abc", &[]),
        dir.path(),
    );
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "abcabc");
    let slow = shell_job("sleep 1000", "timeout = \"200ms\"");
    let mut input = webhook_input(b"y", &[]);
    input.run_id = Some("run-slow".into());
    let record = run(&slow, Trigger::Webhook, &input, dir.path());
    assert_eq!(record.status, RunStatus::Timeout);
    assert_eq!(std::fs::read_dir(&payloads).unwrap().count(), 0);
}

#[test]
fn a_payload_that_cannot_be_written_fails_the_run_before_it_starts() {
    let dir = tempfile::tempdir().unwrap();
    // The state dir's `payloads` is a file: no folder can be made there.
    std::fs::write(dir.path().join("payloads"), "").unwrap();
    let marker = dir.path().join("ran");
    let job = shell_job(&format!("touch '{}'", marker.display()), "");
    let record = run(
        &job,
        Trigger::Webhook,
        &webhook_input(b"x", &[]),
        dir.path(),
    );
    assert_eq!(record.status, RunStatus::Failed);
    assert!(
        record
            .error
            .as_deref()
            .unwrap()
            .starts_with("cannot create folder"),
        "{record:?}"
    );
    assert!(!marker.exists());
    assert_eq!(record.run_id, "run-fixed");
}

#[test]
fn a_chained_run_carries_its_upstream_run() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let job = shell_job(
        &format!(
            "echo \"$JOBTAB_UPSTREAM_RUN_ID $JOBTAB_TRIGGER\" > '{}'",
            out.display()
        ),
        "",
    );
    let input = RunInput {
        upstream_run_id: Some("up-1".into()),
        ..RunInput::default()
    };
    let record = run(&job, Trigger::After, &input, dir.path());
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "up-1 after\n");
    assert_eq!(record.upstream_run_id.as_deref(), Some("up-1"));
    assert_eq!(record.delivery, None);
    let line = serde_json::to_value(&record).unwrap();
    assert_eq!(line["upstream_run_id"], "up-1");
    assert!(line.get("delivery").is_none(), "absent, not null: {line}");
}
