//! `exec NAME --payload FILE|-`: the run gets the body as a webhook delivery would (stdin,
//! `$JOBTAB_PAYLOAD`, the hook's `env` pointers), and its trigger stays `manual`.

use std::io::Write as _;
use std::process::Stdio;

use crate::util::Env;

/// A webhook-only job that writes what it got into files under the test's dir.
fn deploy(env: &Env, extra: &str) {
    let out = env.path("out");
    let jobs = format!(
        r#"
        [jobs.deploy]
        command = '''cat > "{o}.stdin"; cp "$JOBTAB_PAYLOAD" "{o}.file"; echo "$JOBTAB_PAYLOAD" > "{o}.path"; printf '%s|%s|%s|%s' "$REF" "$REPO" "$NUM" "$JOBTAB_TRIGGER" > "{o}.vars"'''
        [jobs.deploy.webhook]
        verify = "github"
        secret = "${{GITHUB_WEBHOOK_SECRET}}"
        match = {{ "/ref" = "refs/heads/main", "header:X-GitHub-Event" = "push" }}
        env = {{ REF = "/ref", REPO = "/repository/full_name", NUM = "/number" }}
        {extra}
        "#,
        o = out.display()
    );
    env.write_jobs(&jobs);
}

fn read(env: &Env, ext: &str) -> String {
    std::fs::read_to_string(env.path(&format!("out.{ext}"))).unwrap()
}

#[test]
fn a_payload_file_reaches_stdin_the_payload_file_and_the_env_pointers() {
    let env = Env::new();
    deploy(&env, "");
    let body = r#"{"ref": "refs/heads/main", "repository": {"full_name": "o/app"}, "number": 7}"#;
    std::fs::write(env.path("push.json"), body).unwrap();
    let payload = env.path("push.json");
    let (_, err) = crate::manage::ok(
        &env,
        &["exec", "deploy", "--payload", payload.to_str().unwrap()],
    );
    assert!(!err.contains("warning"), "{err}");
    assert_eq!(read(&env, "stdin"), body);
    assert_eq!(read(&env, "file"), body);
    assert_eq!(read(&env, "vars"), "refs/heads/main|o/app|7|manual");
    // The file is gone once the run is over.
    let path = read(&env, "path");
    assert!(!std::path::Path::new(path.trim()).exists(), "{path}");
    let runs = env.recorded_runs();
    assert_eq!(runs[0]["trigger"], "manual");
    assert!(runs[0].get("delivery").is_none(), "{}", runs[0]);
}

#[test]
fn a_payload_from_stdin_with_shell_text_is_never_executed() {
    let env = Env::new();
    deploy(&env, "");
    let pwned = env.path("pwned");
    let attack = format!(
        "$(touch {p})`touch {p}`; touch {p}\ntouch {p}",
        p = pwned.display()
    );
    let body = serde_json::json!({"ref": attack, "repository": {"full_name": attack}}).to_string();
    let mut child = env
        .cmd(["exec", "deploy", "--payload", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(body.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "{output:?}");
    assert!(!pwned.exists(), "a payload value was executed");
    assert_eq!(read(&env, "stdin"), body);
    assert_eq!(read(&env, "vars"), format!("{attack}|{attack}||manual"));
    // The hook's match would not let this body through: exec says so, and runs it anyway.
    let err = String::from_utf8_lossy(&output.stderr);
    assert!(
        err.contains("warning: a delivery with this payload would be ignored (match /ref: "),
        "{err}"
    );
}

#[test]
fn a_payload_that_is_not_json_gives_empty_variables_and_a_missing_file_is_an_error() {
    let env = Env::new();
    deploy(&env, "max_body = 16");
    std::fs::write(env.path("form"), "ref=main").unwrap();
    let form = env.path("form");
    crate::manage::ok(
        &env,
        &["exec", "deploy", "--payload", form.to_str().unwrap()],
    );
    assert_eq!(read(&env, "stdin"), "ref=main");
    assert_eq!(read(&env, "vars"), "|||manual");

    let missing = env.path("nope.json");
    let (_, err) = crate::manage::fails(
        &env,
        &["exec", "deploy", "--payload", missing.to_str().unwrap()],
        1,
    );
    assert!(err.contains("cannot read the payload file"), "{err}");
    // Larger than the hook's max_body: refused as the server would refuse it (413).
    std::fs::write(env.path("big"), "x".repeat(17)).unwrap();
    let big = env.path("big");
    let (_, err) = crate::manage::fails(
        &env,
        &["exec", "deploy", "--payload", big.to_str().unwrap()],
        1,
    );
    assert!(
        err.contains(
            "is larger than 16 bytes, the job's webhook max_body: a delivery that large would \
             be refused with 413; send a smaller one or raise max_body"
        ),
        "{err}"
    );
    assert_eq!(env.recorded_runs().len(), 1, "the refused payloads ran");
}

#[test]
fn without_payload_a_run_has_an_empty_stdin_and_its_trigger_and_id() {
    let env = Env::new();
    let out = env.path("out");
    env.write_jobs(&format!(
        r#"
        [jobs.plain]
        schedule = "@daily"
        command = '''wc -c > "{o}.stdin"; echo "$JOBTAB_TRIGGER $JOBTAB_RUN_ID ${{JOBTAB_PAYLOAD-none}}" > "{o}.vars"'''
        "#,
        o = out.display()
    ));
    // Our own stdin has data: the job must not see it.
    let mut child = env
        .cmd(["exec", "plain"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"not for the job")
        .unwrap();
    assert!(child.wait().unwrap().success());
    assert_eq!(read(&env, "stdin").trim(), "0");
    let runs = env.recorded_runs();
    let run_id = runs[0]["run_id"].as_str().unwrap();
    assert_eq!(read(&env, "vars"), format!("manual {run_id} none\n"));
}

#[test]
fn deliveries_of_a_name_that_is_no_job_is_an_error_not_an_empty_list() {
    let env = Env::new();
    deploy(&env, "");
    // A job of the file with no requests yet: an empty answer.
    let (_, err) = crate::manage::ok(&env, &["deliveries", "deploy"]);
    assert!(
        err.contains("no webhook requests recorded for deploy"),
        "{err}"
    );
    // `--limit 0` asks for nothing, and is not told that nothing was recorded (as `history`).
    for args in [
        &["deliveries", "--limit", "0"][..],
        &["deliveries", "deploy", "-n", "0"],
    ] {
        let (out, err) = crate::manage::ok(&env, args);
        assert_eq!((out.as_str(), err.as_str()), ("", ""), "{args:?}");
    }
    // A typo: said so, with what to do, whether or not --json.
    for args in [
        &["deliveries", "deplyo"][..],
        &["deliveries", "deplyo", "--json"],
    ] {
        let (_, err) = crate::manage::fails(&env, args, 1);
        assert!(
            err.contains("no job named \"deplyo\"") && err.contains("`jobtab list`"),
            "{err}"
        );
    }
}
