//! Integration tests: `jitter` (stable per-machine offsets in `next`, `show`, `run`, `install`
//! and `export`) and `after` chains (`check`, `exec` running dependents, `--no-chain`,
//! `install` and `export`), PRODUCT.md section 12.

use std::collections::BTreeMap;
use std::io::{BufRead as _, BufReader};
use std::process::{Command, Stdio};

use chrono::{DateTime, FixedOffset, TimeDelta};
use serde_json::Value;

use crate::install::{FakeCrontab, expect as install_expect};
use crate::util::{Env, stderr, stdout};

/// Four jobs due at the same time, spread by a one-hour jitter.
const JITTERED: &str = r#"
    [defaults]
    timezone = "UTC"
    jitter = "1h"

    [jobs.alpha]
    schedule = "0 3 1 1 *"
    command = "true"

    [jobs.beta]
    schedule = "0 3 1 1 *"
    command = "true"

    [jobs.gamma]
    schedule = "0 3 1 1 *"
    command = "true"

    [jobs.delta]
    schedule = "0 3 1 1 *"
    command = "true"
"#;

fn time(value: &Value) -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339(value.as_str().unwrap()).unwrap()
}

/// Per job, `(scheduled_at, runs_at)` of its next run, from `next --json` with `seed` as
/// `JOBTAB_JITTER_SEED` (the host name when `None`).
fn planned(
    env: &Env,
    seed: Option<&str>,
) -> BTreeMap<String, (DateTime<FixedOffset>, DateTime<FixedOffset>)> {
    let mut cmd = env.cmd(["next", "--json"]);
    if let Some(seed) = seed {
        cmd.env("JOBTAB_JITTER_SEED", seed);
    }
    let output = cmd.output().unwrap();
    assert!(output.status.success(), "{output:?}");
    let runs: Vec<Value> = serde_json::from_str(&stdout(&output)).unwrap();
    let mut first = BTreeMap::new();
    for run in &runs {
        first
            .entry(run["job"].as_str().unwrap().to_owned())
            .or_insert((time(&run["scheduled_at"]), time(&run["runs_at"])));
    }
    first
}

fn offsets(env: &Env, seed: Option<&str>) -> BTreeMap<String, TimeDelta> {
    planned(env, seed)
        .into_iter()
        .map(|(job, (slot, runs))| (job, runs - slot))
        .collect()
}

#[test]
fn jitter_offsets_are_stable_in_range_and_differ_by_name_and_seed() {
    let env = Env::with_jobs(JITTERED);
    let first = planned(&env, Some("fleet-1"));
    assert_eq!(first.len(), 4);
    // A second process computes the same.
    assert_eq!(planned(&env, Some("fleet-1")), first);
    for (job, (slot, runs)) in &first {
        assert_eq!(
            slot.format("%m-%d %H:%M").to_string(),
            "01-01 03:00",
            "{job}"
        );
        let offset = *runs - *slot;
        assert!(
            offset >= TimeDelta::zero() && offset < TimeDelta::hours(1),
            "{job}: {offset}"
        );
        assert_eq!(
            offset.num_seconds() % 60,
            0,
            "whole minutes for jitter = 1h"
        );
    }
    let by_name = offsets(&env, Some("fleet-1"));
    let distinct: std::collections::BTreeSet<_> = by_name.values().collect();
    assert!(distinct.len() > 1, "names spread: {by_name:?}");
    assert_ne!(offsets(&env, Some("fleet-2")), by_name, "seeds spread");
    // Without the seed, the host name: stable too, and what `show` reports.
    let host = offsets(&env, None);
    assert_eq!(offsets(&env, None), host);
    let show: Value = serde_json::from_str(&env.ok(["show", "alpha", "--json"])).unwrap();
    assert_eq!(
        show["jitter_offset_ms"].as_i64(),
        Some(host["alpha"].num_milliseconds())
    );
    assert_eq!(show["jitter_ms"].as_i64(), Some(3_600_000));
}

/// The "next: JOB at TIME" of `run`'s first log line, for a scheduler started with `seed`.
fn scheduler_next(env: &Env, seed: &str) -> String {
    let mut child = env
        .cmd(["run"])
        .env("JOBTAB_JITTER_SEED", seed)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let line = BufReader::new(stderr)
        .lines()
        .map_while(Result::ok)
        .find(|line| line.contains("scheduling"))
        .expect("the scheduler logs what it schedules");
    let _ = child.kill();
    let _ = child.wait();
    line.split("; next: ").nth(1).unwrap_or_default().to_owned()
}

#[test]
fn the_scheduler_plans_the_same_shifted_time_on_every_restart() {
    let env = Env::with_jobs(JITTERED);
    let plan = planned(&env, Some("fleet-1"));
    let (job, (_, runs)) = plan.iter().min_by_key(|(_, (_, runs))| *runs).unwrap();
    let expected = format!("{job} at {}", runs.format("%Y-%m-%dT%H:%M:%SZ"));
    assert_eq!(scheduler_next(&env, "fleet-1"), expected);
    assert_eq!(scheduler_next(&env, "fleet-1"), expected, "after a restart");
}

#[test]
fn next_list_and_show_show_the_shifted_times() {
    let env = Env::with_jobs(JITTERED);
    let plan = planned(&env, Some("fleet-1"));
    let (_, alpha) = plan["alpha"];
    let shifted = alpha.format("%Y-%m-%d %H:%M").to_string();
    assert_ne!(
        alpha.format("%M").to_string(),
        "00",
        "an offset of 0 proves nothing: pick another seed"
    );
    let text = |args: &[&str]| {
        let output = env
            .cmd(args)
            .env("JOBTAB_JITTER_SEED", "fleet-1")
            .output()
            .unwrap();
        assert!(output.status.success(), "{output:?}");
        stdout(&output)
    };
    let next = text(&["next", "alpha"]);
    assert!(
        next.contains(&shifted) && next.contains("+ jitter 1h"),
        "{next}"
    );
    let list = text(&["list"]);
    assert!(list.contains(&shifted), "{list}");
    let show = text(&["show", "alpha"]);
    assert!(show.contains(&shifted) && show.contains("jitter"), "{show}");
    let json: Value = serde_json::from_str(&text(&["list", "--json"])).unwrap();
    assert_eq!(time(&json[0]["next"][0]), alpha);
}

fn systemd_available() -> bool {
    let ok = Command::new("systemd-analyze")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        eprintln!("skipped the systemd-analyze part: systemd-analyze is not installed");
    }
    ok
}

const CHAIN_UNITS: &str = r#"
    [jobs.backup]
    schedule = "0 2 * * *"
    timezone = "UTC"
    jitter = "10m"
    command = "echo backup"

    [jobs.report]
    after = ["backup"]
    command = "echo report"

    [jobs.alert]
    after = ["backup"]
    after_status = "failure"
    command = "echo alert"
"#;

#[test]
fn systemd_export_maps_jitter_and_after_and_verifies() {
    let env = Env::with_jobs(CHAIN_UNITS);
    let dir = env.path("units");
    let output = env
        .cmd([
            "export",
            "--format",
            "systemd",
            "--output",
            dir.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let read = |name: &str| std::fs::read_to_string(dir.join(name)).unwrap();
    let timer = read("jobtab-backup.timer");
    assert!(
        timer.contains("\nRandomizedDelaySec=600\nFixedRandomDelay=true\n")
            && timer.contains("systemd's own"),
        "{timer}"
    );
    let service = read("jobtab-backup.service");
    assert!(
        service.contains("OnSuccess=jobtab-report.service\n")
            && service.contains("OnFailure=jobtab-alert.service\n")
            && service.contains(" exec --no-chain \"backup\""),
        "{service}"
    );
    assert!(
        !dir.join("jobtab-report.timer").exists(),
        "after-only: no timer"
    );
    assert!(read("jobtab-report.service").contains(" exec \"report\""));
    if systemd_available() {
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        files.sort();
        let verify = Command::new("systemd-analyze")
            .arg("verify")
            .args(&files)
            .output()
            .unwrap();
        assert!(
            verify.status.success() && verify.stderr.is_empty(),
            "systemd-analyze verify: {}",
            String::from_utf8_lossy(&verify.stderr)
        );
    }
    // What systemd cannot say exactly is refused by name.
    env.write_jobs(
        r#"
        [jobs.a]
        schedule = "@daily"
        command = "true"
        [jobs.b]
        schedule = "@daily"
        command = "true"
        [jobs.both]
        after = ["a", "b"]
        command = "true"
        [jobs.any]
        after = ["a"]
        after_status = "always"
        command = "true"
        "#,
    );
    let err = env.fails(["export", "--format", "systemd"], 1);
    assert!(
        err.contains("\"both\"") && err.contains("name one upstream job"),
        "{err}"
    );
    assert!(
        err.contains("\"any\"") && err.contains("after_status = \"always\""),
        "{err}"
    );
}

#[test]
fn kubernetes_export_refuses_after_and_shifts_or_refuses_jitter() {
    let env = Env::with_jobs(CHAIN_UNITS);
    let err = env.fails(
        [
            "export",
            "--format",
            "kubernetes",
            "--image",
            "example/jobtab:1",
        ],
        1,
    );
    assert!(
        err.contains("\"report\"") && err.contains("runs after backup (`after`)"),
        "{err}"
    );
    env.write_jobs(
        r#"
        [jobs.backup]
        schedule = "0 2 * * *"
        timezone = "UTC"
        jitter = "10m"
        command = "echo backup"
        "#,
    );
    let output = env
        .cmd([
            "export",
            "--format",
            "kubernetes",
            "--image",
            "example/jobtab:1",
        ])
        .env("JOBTAB_JITTER_SEED", "k8s")
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let minutes = offsets(&env, Some("k8s"))["backup"].num_minutes();
    let yaml = stdout(&output);
    assert!(
        yaml.contains(&format!("schedule: \"{minutes} 2 * * *\"")),
        "{yaml}"
    );
    env.write_jobs(
        r#"
        [jobs.often]
        schedule = "*/5 * * * *"
        jitter = "4m"
        command = "true"
        "#,
    );
    let output = env
        .cmd([
            "export",
            "--format",
            "kubernetes",
            "--image",
            "example/jobtab:1",
        ])
        .env("JOBTAB_JITTER_SEED", "often-3")
        .output()
        .unwrap();
    if offsets(&env, Some("often-3"))["often"].is_zero() {
        assert!(output.status.success());
    } else {
        let err = stderr(&output);
        assert!(
            err.contains("\"often\"") && err.contains("not a list of fixed minutes"),
            "{err}"
        );
    }
}

#[test]
fn install_writes_the_shifted_minute_and_no_line_for_after_only_jobs() {
    let env = Env::with_jobs(CHAIN_UNITS);
    let fake = FakeCrontab::new(&env);
    let (_, err) = install_expect(&env, &fake, &["install"], 0);
    let minutes = offsets(&env, None)["backup"].num_minutes();
    let table = fake.text();
    assert!(table.contains(&format!("\n{minutes} 2 * * * ")), "{table}");
    assert!(table.contains(" exec --jitter-slot -- backup\n"), "{table}");
    assert!(
        !table.contains("exec report") && !table.contains("exec alert"),
        "{table}"
    );
    assert!(
        err.contains("job \"report\" has no crontab line: it runs after backup"),
        "{err}"
    );
    // A schedule whose minutes cannot be shifted exactly is refused by name.
    env.write_jobs(
        r#"
        [jobs.often]
        schedule = "*/5 * * * *"
        jitter = "59s"
        command = "true"
        "#,
    );
    if !offsets(&env, None)["often"].is_zero() {
        let (_, err) = install_expect(&env, &fake, &["install"], 1);
        assert!(err.contains("job \"often\": its jitter offset"), "{err}");
    }
}

/// A job file where `backup` writes to `order` and fails when `fail` exists; `report` runs
/// after it succeeds, `final` after `report`, `alert` after `backup` fails, `off` is
/// disabled.
fn chain_env() -> Env {
    let env = Env::new();
    let order = env.path("order");
    let fail = env.path("fail");
    env.write_jobs(&format!(
        r#"
        [jobs.backup]
        schedule = "0 2 * * *"
        command = "echo backup >> '{order}'; test ! -e '{fail}'"

        [jobs.report]
        after = ["backup"]
        command = "echo report >> '{order}'"

        [jobs.final]
        after = ["report"]
        command = "echo final >> '{order}'"

        [jobs.alert]
        after = ["backup"]
        after_status = "failure"
        command = "echo alert >> '{order}'"

        [jobs.off]
        after = ["backup"]
        enabled = false
        command = "echo off >> '{order}'"
        "#,
        order = order.display(),
        fail = fail.display(),
    ));
    env
}

fn order(env: &Env) -> Vec<String> {
    let text = std::fs::read_to_string(env.path("order")).unwrap_or_default();
    std::fs::remove_file(env.path("order")).ok();
    text.lines().map(str::to_owned).collect()
}

#[test]
fn exec_runs_the_dependents_after_the_run_and_no_chain_does_not() {
    let env = chain_env();
    env.ok(["exec", "backup"]);
    assert_eq!(order(&env), ["backup", "report", "final"]);
    let runs = env.recorded_runs();
    let seen: Vec<(&str, &str)> = runs
        .iter()
        .map(|r| (r["job"].as_str().unwrap(), r["trigger"].as_str().unwrap()))
        .collect();
    // Newest first.
    assert_eq!(
        seen,
        [
            ("final", "after"),
            ("report", "after"),
            ("backup", "manual")
        ]
    );

    env.ok(["exec", "--no-chain", "backup"]);
    assert_eq!(order(&env), ["backup"]);

    std::fs::write(env.path("fail"), "").unwrap();
    env.fails(["exec", "backup"], 1);
    assert_eq!(order(&env), ["backup", "alert"]);
}

#[test]
fn check_refuses_unknown_names_and_cycles_with_their_path() {
    let env = Env::with_jobs(
        r#"
        [jobs.a]
        schedule = "@daily"
        command = "true"
        after = ["b"]

        [jobs.b]
        command = "true"
        after = ["a"]

        [jobs.c]
        command = "true"
        after = ["nope"]
        "#,
    );
    let output = env.run(["check"]);
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let text = format!("{}{}", stdout(&output), stderr(&output));
    assert!(
        text.contains("jobs.toml:4:1") && text.contains("a -> b -> a"),
        "{text}"
    );
    assert!(text.contains("jobs.toml:8:1"), "{text}");
    assert!(
        text.contains("jobs.toml:12:1") && text.contains("\"nope\", which is not a job"),
        "{text}"
    );
}

/// The first fenced block of `lang` after `heading` in the README.
fn readme_block(heading: &str, lang: &str) -> String {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let section = &readme[readme.find(heading).unwrap()..];
    let fence = format!("```{lang}\n");
    let start = section.find(&fence).unwrap() + fence.len();
    section[start..start + section[start..].find("```").unwrap()].to_owned()
}

#[test]
fn the_readme_examples_run_as_written() {
    let env = Env::new();
    std::fs::write(&env.file, readme_block("### Jitter", "toml")).unwrap();
    let show = env.ok(["show", "sync"]);
    assert!(show.contains("jitter") && show.contains("10m"), "{show}");

    std::fs::write(&env.file, readme_block("### Chains", "toml")).unwrap();
    env.ok(["check"]);
    let console = readme_block("### Chains", "console");
    let mut lines = console.lines();
    let command = lines.next().unwrap().strip_prefix("$ jobtab ").unwrap();
    let shown: Vec<&str> = lines.collect();
    let out = env.ok(command.split_whitespace());
    assert_eq!(out.lines().collect::<Vec<_>>(), shown);
    let fake = FakeCrontab::new(&env);
    let (_, err) = install_expect(&env, &fake, &["install"], 0);
    assert!(err.contains("job \"report\" has no crontab line"), "{err}");
    assert!(!fake.text().contains("exec report"), "{}", fake.text());
}

#[test]
fn exec_runs_a_job_reached_twice_in_a_chain_once() {
    let env = Env::new();
    let order = env.path("order");
    let job = |name: &str, after: &str| {
        format!(
            "[jobs.{name}]\n{after}command = \"echo {name} >> '{}'\"\n",
            order.display()
        )
    };
    env.write_jobs(
        &[
            job("a", "schedule = \"@daily\"\n"),
            job("b", "after = [\"a\"]\n"),
            job("c", "after = [\"a\"]\n"),
            job("d", "after = [\"b\", \"c\"]\n"),
        ]
        .concat(),
    );
    env.ok(["exec", "a"]);
    assert_eq!(crate::chains::order(&env), ["a", "b", "d", "c"]);
}

#[test]
fn a_jittered_crontab_line_records_the_slot_as_scheduled_at() {
    let env = Env::with_jobs(
        r#"
        [jobs.sync]
        schedule = "* * * * *"
        jitter = "10m"
        command = "true"
        "#,
    );
    let offset = offsets(&env, Some("slot-2"))["sync"];
    assert!(!offset.is_zero(), "pick a seed with an offset");
    let output = env
        .cmd(["exec", "--jitter-slot", "--json", "sync"])
        .env("JOBTAB_JITTER_SEED", "slot-2")
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let record: Value = serde_json::from_str(&stdout(&output)).unwrap();
    let (slot, started) = (time(&record["scheduled_at"]), time(&record["started_at"]));
    let fired = slot + offset;
    assert_eq!(fired.timestamp() % 60, 0, "cron's minute: {record}");
    assert!(
        fired <= started && started - fired < TimeDelta::seconds(61),
        "{record}"
    );
}

/// `backup` (at start, and on its webhook, so that `exec --payload` can hand it a body) and
/// `report`, which runs after it; each appends to `seen` what it was given: its trigger, its
/// upstream run id, its payload file, the webhook's `REF` variable and its stdin.
fn upstream_env() -> Env {
    let env = Env::new();
    let seen = env.path("seen");
    env.write_jobs(&format!(
        r#"
        [jobs.backup]
        schedule = "@reboot"
        command = '''echo "backup $JOBTAB_TRIGGER up=[$JOBTAB_UPSTREAM_RUN_ID] ref=[$REF] stdin=[$(cat)]" >> '{seen}' '''

        [jobs.backup.webhook]
        verify = "none"
        env = {{ REF = "/ref" }}

        [jobs.report]
        after = ["backup"]
        command = '''echo "report $JOBTAB_TRIGGER up=[$JOBTAB_UPSTREAM_RUN_ID] payload=[$JOBTAB_PAYLOAD] ref=[$REF] stdin=[$(cat)]" >> '{seen}' '''
        "#,
        seen = seen.display(),
    ));
    env
}

/// The recorded runs of `job`, newest first.
fn runs_of(env: &Env, job: &str) -> Vec<Value> {
    env.recorded_runs()
        .into_iter()
        .filter(|run| run["job"] == job)
        .collect()
}

/// The lines the jobs of `upstream_env` appended, emptied for the next runs.
fn seen(env: &Env) -> Vec<String> {
    let text = std::fs::read_to_string(env.path("seen")).unwrap_or_default();
    std::fs::remove_file(env.path("seen")).ok();
    text.lines().map(str::to_owned).collect()
}

#[test]
fn exec_hands_a_dependent_the_upstream_run_id_but_not_the_payload() {
    let env = upstream_env();
    env.ok(["exec", "backup"]);
    let backup = &runs_of(&env, "backup")[0];
    let report = &runs_of(&env, "report")[0];
    let id = backup["run_id"].as_str().unwrap();
    assert!(!id.is_empty(), "{backup}");
    assert!(backup["upstream_run_id"].is_null(), "{backup}");
    assert_eq!(report["upstream_run_id"], id, "{report}");
    assert_eq!(report["trigger"], "after", "{report}");
    assert_eq!(
        seen(&env),
        [
            "backup manual up=[] ref=[] stdin=[]".to_owned(),
            format!("report after up=[{id}] payload=[] ref=[] stdin=[]"),
        ]
    );

    // With a payload: the upstream run gets it, its dependent only the run id.
    let body = env.path("body.json");
    std::fs::write(&body, r#"{"ref": "main"}"#).unwrap();
    env.ok(["exec", "--payload", body.to_str().unwrap(), "backup"]);
    let backup = &runs_of(&env, "backup")[0];
    let report = &runs_of(&env, "report")[0];
    let id = backup["run_id"].as_str().unwrap();
    assert_eq!(report["upstream_run_id"], id, "{report}");
    assert!(report["delivery"].is_null(), "{report}");
    assert_eq!(
        seen(&env),
        [
            r#"backup manual up=[] ref=[main] stdin=[{"ref": "main"}]"#.to_owned(),
            format!("report after up=[{id}] payload=[] ref=[] stdin=[]"),
        ]
    );
}

#[test]
fn run_hands_a_dependent_the_upstream_run_id() {
    let env = upstream_env();
    // `backup` also has a webhook, so `run` needs a listener.
    let runner = crate::run::Runner::start(&env, &["--listen", "127.0.0.1:0"]);
    runner.wait_for("[report] ", crate::run::WAIT);
    let deadline = std::time::Instant::now() + crate::run::WAIT;
    while runs_of(&env, "report").is_empty() {
        assert!(
            std::time::Instant::now() < deadline,
            "report was not recorded; log:\n{}",
            runner.log()
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let backup = &runs_of(&env, "backup")[0];
    let report = &runs_of(&env, "report")[0];
    let id = backup["run_id"].as_str().unwrap();
    assert_eq!(backup["trigger"], "start", "{backup}");
    assert_eq!(report["trigger"], "after", "{report}");
    assert_eq!(report["upstream_run_id"], id, "{report}");
    assert_eq!(
        seen(&env),
        [
            "backup start up=[] ref=[] stdin=[]".to_owned(),
            format!("report after up=[{id}] payload=[] ref=[] stdin=[]"),
        ]
    );
}

/// `hooked` runs on its webhook and after `backup`; `both` on a schedule and its webhook.
const HOOKED: &str = r#"
    [jobs.backup]
    schedule = "0 2 * * *"
    command = "true"

    [jobs.hooked]
    after = ["backup"]
    command = "true"
    webhook = { verify = "none" }

    [jobs.both]
    schedule = "0 3 * * *"
    jitter = "10m"
    command = "true"
    webhook = { verify = "none" }
"#;

#[test]
fn a_job_with_a_webhook_and_after_is_shown_installed_and_exported_with_both() {
    let env = Env::with_jobs(HOOKED);
    let list = env.ok(["list"]);
    let row = |name: &str| {
        list.lines()
            .find(|line| line.starts_with(name))
            .unwrap()
            .to_owned()
    };
    assert!(
        row("hooked").contains("after backup, webhook POST /hooks/hooked (none)")
            && row("hooked").contains("on webhook, after backup"),
        "{list}"
    );
    assert!(
        row("both").contains("0 3 * * * + jitter 10m, webhook POST /hooks/both (none)"),
        "{list}"
    );
    let output = env.run(["next", "hooked"]);
    assert!(output.status.success(), "{output:?}");
    assert!(
        stderr(&output).contains(
            "job \"hooked\" runs only on webhook deliveries (webhook POST /hooks/hooked (none)) \
             and after backup (`after`), so it has no upcoming runs of its own"
        ),
        "{output:?}"
    );
    let show = env.ok(["show", "hooked"]);
    assert!(!show.contains("\nschedule:"), "{show}");
    assert!(
        show.contains("after:      runs when a run of backup succeeds")
            && show
                .contains("none of its own: it runs only on webhook deliveries and after backup"),
        "{show}"
    );
    let json: Value = serde_json::from_str(&env.ok(["show", "hooked", "--json"])).unwrap();
    assert_eq!(
        (&json["schedule"], &json["after"], &json["webhook"]["path"]),
        (
            &Value::Null,
            &serde_json::json!(["backup"]),
            &serde_json::json!("/hooks/hooked")
        )
    );

    // cron runs it after backup's `exec`: not refused, no line, and its webhook needs `run`.
    let fake = FakeCrontab::new(&env);
    let (_, err) = install_expect(&env, &fake, &["install"], 0);
    assert!(
        err.contains(
            "job \"hooked\" has no crontab line: it runs after backup, started by that job's \
             `jobtab exec` when its run ends; its webhook needs `jobtab run --listen`"
        ) && err.contains("job \"both\": only its schedule is installed"),
        "{err}"
    );
    assert!(!fake.text().contains("exec hooked"), "{}", fake.text());

    // systemd starts it from backup's service, without a timer; Kubernetes cannot.
    let dir = env.path("units");
    let output = env.run([
        "export",
        "--format",
        "systemd",
        "--output",
        dir.to_str().unwrap(),
    ]);
    assert!(output.status.success(), "{output:?}");
    assert!(
        stderr(&output).contains(
            "job \"hooked\": only its `after` is exported; its webhook needs `jobtab run"
        ),
        "{output:?}"
    );
    let service = std::fs::read_to_string(dir.join("jobtab-backup.service")).unwrap();
    assert!(
        service.contains("OnSuccess=jobtab-hooked.service\n"),
        "{service}"
    );
    assert!(!dir.join("jobtab-hooked.timer").exists());
    let output = env.run(["export", "--format", "kubernetes", "--image", "x"]);
    assert!(
        stderr(&output).contains("job \"hooked\": it runs after backup (`after`)"),
        "{output:?}"
    );
}
