//! Integration tests for issue 8, "Trust on first contact": what a newcomer meets when the
//! crontab and the job file drift apart (a disabled or removed job still installed, the block
//! out of date after a change), and `history`/`next` answering with the right reason.

use std::process::{Command, Output};

use crate::install::{FakeCrontab, expect};
use crate::util::{Env, expect_status, stderr, stdout, write_script};

const TWO_JOBS: &str = r#"
    [jobs.backup]
    schedule = "0 2 * * *"
    command = "echo backup ran >> ran.txt"

    [jobs.ping]
    schedule = "*/5 * * * *"
    command = "echo ping ran >> ran.txt"
"#;

/// The crontab line's command for `name`, exactly as installed (after the five time fields).
fn installed_command(fake: &FakeCrontab, name: &str) -> String {
    let table = fake.text();
    let line = table
        .lines()
        .find(|line| line.ends_with(&format!(" exec -- {name}")))
        .unwrap_or_else(|| panic!("no line for {name} in:\n{table}"));
    line.splitn(6, ' ').nth(5).unwrap().to_owned()
}

/// Runs a crontab line's command as cron would: `/bin/sh -c`, a minimal environment.
fn as_cron(env: &Env, fake: &FakeCrontab, command: &str) -> Output {
    Command::new("/bin/sh")
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("HOME", &env.home)
        .env("JOBTAB_CRONTAB", &fake.script)
        .env("JOBTAB_SYSTEM_ZONE", "Etc/UTC")
        .current_dir(env.dir.path())
        .arg("-c")
        .arg(command)
        .output()
        .unwrap()
}

fn ran(env: &Env) -> String {
    std::fs::read_to_string(env.path("ran.txt")).unwrap_or_default()
}

const OUT_OF_DATE: &str = "crontab: now out of date (cron still runs the jobs as they were installed); `jobtab \
     install` updates it\n";

#[test]
fn a_crontab_line_left_after_disable_does_not_run_the_job() {
    let env = Env::with_jobs(TWO_JOBS);
    let fake = FakeCrontab::new(&env);
    expect(&env, &fake, &["install"], 0);
    let line = installed_command(&fake, "backup");
    let output = as_cron(&env, &fake, &line);
    expect_status(&[line.clone().into()], &output, 0);
    assert_eq!(ran(&env), "backup ran\n");

    let (_, err) = expect(&env, &fake, &["disable", "backup"], 0);
    assert_eq!(err, format!("disabled job \"backup\"\n{OUT_OF_DATE}"));
    // Cron still calls the old line: the job does not run, and cron mails why.
    let output = as_cron(&env, &fake, &line);
    expect_status(&[line.clone().into()], &output, 1);
    assert_eq!(ran(&env), "backup ran\n");
    let err = stderr(&output);
    assert!(
        err.starts_with("jobtab: error: job \"backup\" is disabled, so it was not run;"),
        "{err}"
    );
    assert!(err.contains("`jobtab enable backup`"), "{err}");
    assert!(err.contains("--force"), "{err}");
    assert!(err.contains("out of date"), "{err}");
    assert!(err.contains("`jobtab install` updates it"), "{err}");

    // Forced, it runs.
    expect(&env, &fake, &["exec", "--force", "backup"], 0);
    assert_eq!(ran(&env), "backup ran\nbackup ran\n");
    // Once installed again, the line is gone and the refusal no longer mentions the crontab.
    expect(&env, &fake, &["install"], 0);
    assert!(!fake.text().contains("exec -- backup"), "{}", fake.text());
    let (_, err) = expect(&env, &fake, &["exec", "backup"], 1);
    assert!(err.contains("is disabled"), "{err}");
    assert!(!err.contains("out of date"), "{err}");
}

#[test]
fn a_crontab_line_for_a_removed_job_says_how_to_update_the_crontab() {
    let env = Env::with_jobs(TWO_JOBS);
    let fake = FakeCrontab::new(&env);
    expect(&env, &fake, &["install"], 0);
    let line = installed_command(&fake, "ping");
    let (_, err) = expect(&env, &fake, &["remove", "ping"], 0);
    assert_eq!(err, format!("removed job \"ping\"\n{OUT_OF_DATE}"));

    let output = as_cron(&env, &fake, &line);
    expect_status(&[line.clone().into()], &output, 1);
    assert_eq!(ran(&env), "");
    let err = stderr(&output);
    assert!(
        err.starts_with("jobtab: error: no job named \"ping\" in "),
        "{err}"
    );
    assert!(err.contains("out of date"), "{err}");
    assert!(err.contains("`jobtab install` updates it"), "{err}");
    assert!(err.contains("`jobtab uninstall` removes it"), "{err}");

    // With the block up to date, an unknown name is just a typo.
    expect(&env, &fake, &["install"], 0);
    let (_, err) = expect(&env, &fake, &["exec", "ping"], 1);
    assert!(err.contains("no job named \"ping\""), "{err}");
    assert!(
        err.contains("`jobtab list` shows the jobs there are"),
        "{err}"
    );
    assert!(!err.contains("install"), "{err}");
}

#[test]
fn changes_say_when_the_installed_block_is_now_out_of_date() {
    let env = Env::with_jobs(TWO_JOBS);
    let fake = FakeCrontab::new(&env);
    let editor = env.path("editor");
    write_script(
        &editor,
        r#"
        #!/bin/sh
        printf '[jobs.edited-%s]\nschedule = "@daily"\ncommand = "true"\n' $$ >> "$1"
        "#,
    );
    let edit = |env: &Env| -> String {
        let output = env
            .cmd(["edit"])
            .env("JOBTAB_CRONTAB", &fake.script)
            .env("JOBTAB_SYSTEM_ZONE", "Etc/UTC")
            .env("EDITOR", &editor)
            .output()
            .unwrap();
        expect_status(&["edit".into()], &output, 0);
        stderr(&output)
    };

    // No block installed: nothing to say.
    for args in [
        &["add", "new", "@hourly", "--", "true"][..],
        &["disable", "new"],
        &["enable", "new"],
        &["remove", "new"],
    ] {
        let (_, err) = expect(&env, &fake, args, 0);
        assert!(!err.contains("crontab"), "{args:?}: {err}");
    }
    assert!(!edit(&env).contains("crontab"));

    // Installed: every change that alters the block says so.
    expect(&env, &fake, &["install"], 0);
    for args in [
        &["add", "new", "@hourly", "--", "true"][..],
        &["disable", "backup"],
        &["enable", "backup"],
        &["remove", "new"],
    ] {
        expect(&env, &fake, &["install"], 0);
        let (_, err) = expect(&env, &fake, args, 0);
        assert!(err.ends_with(OUT_OF_DATE), "{args:?}: {err}");
    }
    expect(&env, &fake, &["install"], 0);
    let err = edit(&env);
    assert!(err.starts_with("saved "), "{err}");
    assert!(err.ends_with(OUT_OF_DATE), "{err}");

    // A change that leaves the block as it is (a disabled job) says nothing; nor does a
    // dry run, which changes nothing.
    expect(&env, &fake, &["install"], 0);
    let (_, err) = expect(
        &env,
        &fake,
        &["add", "later", "@daily", "--disabled", "--", "true"],
        0,
    );
    assert!(!err.contains("crontab"), "{err}");
    let (_, err) = expect(&env, &fake, &["remove", "--dry-run", "backup"], 0);
    assert!(!err.contains("crontab"), "{err}");
    let (out, err) = expect(&env, &fake, &["list"], 0);
    assert!(err.contains("crontab: installed"), "{out}{err}");
}

#[test]
fn install_refusal_does_not_promise_that_run_runs_a_disabled_job() {
    let env = Env::with_jobs(
        r#"
        [jobs.berlin]
        schedule = "0 2 * * *"
        timezone = "Europe/Berlin"
        command = "true"
        "#,
    );
    let fake = FakeCrontab::new(&env);
    let (_, err) = expect(&env, &fake, &["install"], 1);
    assert!(err.contains("job \"berlin\""), "{err}");
    assert!(!err.contains("can still run"), "{err}");
    assert!(
        err.contains("a disabled job runs nowhere, neither under cron nor under `jobtab run`"),
        "{err}"
    );
    assert!(
        err.contains("run its jobs with `jobtab run` instead of cron"),
        "{err}"
    );
}

#[test]
fn history_of_an_unknown_job_is_an_error_but_a_removed_one_keeps_its_runs() {
    let env = Env::with_jobs(TWO_JOBS);
    for args in [
        &["history", "bakup"][..],
        &["history", "bakup", "--json"],
        &["history", "bakup", "--failed"],
        &["history", "bakup", "-n", "0"],
    ] {
        let output = env.run(args);
        expect_status(&args.iter().map(Into::into).collect::<Vec<_>>(), &output, 1);
        assert_eq!(stdout(&output), "", "{args:?}");
        let err = stderr(&output);
        assert!(
            err.starts_with("jobtab: error: no job named \"bakup\" in "),
            "{args:?}: {err}"
        );
        assert!(err.contains("`jobtab list`"), "{err}");
    }
    // A job of the file with no runs yet: said, not an error.
    let output = env.run(["history", "backup"]);
    expect_status(&["history".into()], &output, 0);
    assert!(stderr(&output).contains("no runs recorded for backup"));
    // A job removed since: its runs are still shown, also with --failed (none failed).
    env.ok(["exec", "backup"]);
    env.ok(["remove", "backup"]);
    let out = env.ok(["history", "backup"]);
    assert!(out.lines().nth(1).unwrap().contains("backup"), "{out}");
    let output = env.run(["history", "backup", "--failed"]);
    expect_status(&["history".into()], &output, 0);
    assert!(stderr(&output).contains("no failed runs recorded for backup"));
}

#[test]
fn next_gives_each_case_its_own_reason() {
    let env = Env::with_jobs(
        r#"
        [jobs.off]
        schedule = "0 2 * * *"
        command = "true"
        enabled = false

        [jobs.boot]
        schedule = "@reboot"
        command = "true"

        [jobs.daily]
        schedule = "0 2 * * *"
        command = "true"
        "#,
    );
    let wrong = "never fire";
    // A disabled job: that, and nothing about @reboot or schedules that never fire.
    for args in [&["next", "off"][..], &["next", "off", "--json"]] {
        let output = env.run(args);
        expect_status(&["next".into()], &output, 0);
        let err = stderr(&output);
        assert_eq!(
            err,
            "job \"off\" is disabled, so it has no upcoming runs; `jobtab enable off` turns it \
             back on\n",
            "{args:?}"
        );
    }
    // Nothing asked for: nothing said, not a claim that nothing is coming.
    for args in [
        &["next", "-n", "0"][..],
        &["next", "off", "-n", "0"],
        &["next", "daily", "-n", "0"],
    ] {
        let output = env.run(args);
        expect_status(&["next".into()], &output, 0);
        assert_eq!(stdout(&output), "", "{args:?}");
        assert_eq!(stderr(&output), "", "{args:?}");
    }
    assert_eq!(env.ok(["next", "-n", "0", "--json"]).trim(), "[]");
    // An @reboot job: it runs at start.
    let output = env.run(["next", "boot"]);
    expect_status(&["next".into()], &output, 0);
    let err = stderr(&output);
    assert!(
        err.contains("job \"boot\" runs only at start (@reboot"),
        "{err}"
    );
    assert!(!err.contains(wrong) && !err.contains("disabled"), "{err}");
    // Named with a job that has runs: the runs, and the reason for the other one.
    let output = env.run(["next", "daily", "boot", "-n", "2"]);
    expect_status(&["next".into()], &output, 0);
    assert_eq!(stdout(&output).lines().count(), 3, "{}", stdout(&output));
    assert!(stderr(&output).contains("job \"boot\" runs only at start"));
    // All jobs: the ones with runs are shown; nothing is said about the others.
    let output = env.run(["next", "-n", "2"]);
    expect_status(&["next".into()], &output, 0);
    assert_eq!(stderr(&output), "");
}
