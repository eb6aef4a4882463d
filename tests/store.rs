//! Integration tests: the job file through mutating commands: comments survive, concurrent
//! writers do not lose jobs, a broken file is never overwritten, the file is private.

use std::os::unix::fs::MetadataExt as _;

use crate::manage::{cmd, fails, ok};
use crate::util::{Env, unindent};

const COMMENTED: &str = r#"
    # Jobs for the app server.   Reviewed 2026-01.
    #   (keep this header)

    [defaults]
    timezone = "UTC"      # servers run in UTC
    timeout  = "1h"

    # --- database ---

    # Nightly dump; see RUNBOOK.md
    [jobs.backup]   # owner: ana
    schedule = "0 2 * * *"    # 02:00
    command  = 'pg_dump app > /var/backups/app.sql'
    env = { PGHOST = "db.internal" }   # not the replica

    # health check
    [jobs.ping]
    schedule = "*/5 * * * *"
    http = { url = "https://api.example.com/health" }

    # trailing notes
    # about nothing in particular
"#;

#[test]
fn comments_survive_add_disable_enable_and_remove() {
    let env = Env::with_jobs(COMMENTED);
    let original = env.jobs();

    ok(&env, &["add", "new", "@hourly", "--", "echo", "hi"]);
    let added = env.jobs();
    let job = "[jobs.new]\nschedule = \"@hourly\"\ncommand = \"echo hi\"\n";
    let split = original.find("\n# trailing notes").unwrap();
    assert_eq!(
        added,
        format!("{}\n{job}{}", &original[..split], &original[split..])
    );

    ok(&env, &["disable", "backup"]);
    assert_eq!(
        env.jobs(),
        added.replace(
            "env = { PGHOST = \"db.internal\" }   # not the replica\n",
            "env = { PGHOST = \"db.internal\" }   # not the replica\nenabled = false\n"
        )
    );
    ok(&env, &["enable", "backup"]);
    assert_eq!(env.jobs(), added);

    ok(&env, &["remove", "new"]);
    assert_eq!(env.jobs(), original);

    ok(&env, &["remove", "backup"]);
    let start = original.find("# Nightly dump").unwrap();
    let end = original.find("# health check").unwrap();
    assert_eq!(
        env.jobs(),
        format!("{}{}", &original[..start], &original[end..])
    );
}

#[test]
fn fifty_concurrent_adds_leave_fifty_jobs() {
    let env = Env::with_jobs("# start\n");
    let children: Vec<_> = (0..50)
        .map(|i| {
            cmd(
                &env,
                &[
                    "add",
                    &format!("job{i}"),
                    "*/5 * * * *",
                    "--",
                    "echo",
                    &i.to_string(),
                ],
            )
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
        })
        .collect();
    for child in children {
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let (out, _) = ok(&env, &["check"]);
    assert!(out.contains(": 50 jobs, no problems"), "{out}");
    let text = env.jobs();
    assert!(text.starts_with("# start\n"));
    for i in 0..50 {
        assert!(text.contains(&format!("[jobs.job{i}]\n")), "job{i} missing");
    }
    // No temp file left behind.
    let names: Vec<String> = std::fs::read_dir(env.dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("jobs.toml"))
        .collect();
    let mut names = names;
    names.sort();
    assert_eq!(names, ["jobs.toml", "jobs.toml.lock"]);
}

#[test]
fn a_broken_file_is_reported_and_never_overwritten() {
    let broken = "[jobs.a]\nschedule = \"@daily\"\ncommand = \"unterminated\n\n[jobs.b]\n";
    let env = Env::new();
    std::fs::write(&env.file, broken).unwrap();
    for args in [
        vec!["add", "x", "@daily", "--", "true"],
        vec!["remove", "a"],
        vec!["enable", "a"],
        vec!["disable", "a"],
        vec!["add", "a", "@daily", "--replace", "--", "true"],
    ] {
        let (_, err) = fails(&env, &args, 1);
        assert!(err.contains("jobs.toml:3:"), "{args:?}: {err}");
        assert!(err.contains("not valid TOML"), "{args:?}: {err}");
        assert!(err.contains("it was not changed"), "{args:?}: {err}");
        assert!(err.contains("jobtab edit"), "{args:?}: {err}");
        assert_eq!(
            std::fs::read(&env.file).unwrap(),
            broken.as_bytes(),
            "{args:?}"
        );
    }
}

#[test]
fn a_file_with_an_invalid_job_is_never_overwritten() {
    let env = Env::with_jobs(
        r#"
        [jobs.a]
        schedule = "0 2 * * *"
        command = "true"
        timout = "5m"
        "#,
    );
    let before = env.jobs();
    let (_, err) = fails(&env, &["add", "x", "@daily", "--", "true"], 1);
    assert!(
        err.contains("jobs.toml:4:1: job \"a\", key \"timout\": unknown key"),
        "{err}"
    );
    assert_eq!(env.jobs(), before);
}

#[test]
fn the_first_write_at_the_default_location_creates_folders_and_a_private_file() {
    let env = Env::new();
    // No --file and no $JOBTAB_FILE: <config dir>/jobtab/jobs.toml, under the temp $HOME.
    let default = env.home.join(".config/jobtab/jobs.toml");
    let mut add = cmd(&env, &["add", "a", "@daily", "--", "true"]);
    let out = add.env_remove("JOBTAB_FILE").output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(std::fs::metadata(&default).unwrap().mode() & 0o777, 0o600);
    assert_eq!(
        std::fs::read_to_string(&default).unwrap(),
        unindent(
            r#"
            [jobs.a]
            schedule = "@daily"
            command = "true"
            "#
        )
    );
}

/// Issue 8, item 18: `-f /etc/typo/x.toml add ...` made `/etc/typo/`; `check` of a missing
/// named file said "0 jobs, no problems".
#[test]
fn a_named_file_in_a_missing_folder_is_an_error_and_nothing_is_created() {
    let env = Env::new();
    let typo = env.path("typo/jobs.toml");
    let file = typo.to_str().unwrap();
    for args in [
        &["--file", file, "add", "a", "@daily", "--", "true"][..],
        &["--file", file, "disable", "a"],
        &["--file", file, "remove", "a"],
    ] {
        let (_, err) = fails(&env, args, 1);
        assert!(
            err.contains(&format!("{} does not exist", env.path("typo").display()))
                && err.contains("mkdir -p"),
            "{args:?}: {err}"
        );
    }
    // The same through $JOBTAB_FILE.
    let mut add = cmd(&env, &["add", "a", "@daily", "--", "true"]);
    let out = add.env("JOBTAB_FILE", &typo).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("typo does not exist"));
    // `edit` says so before opening an editor.
    let mut edit = cmd(&env, &["--file", file, "edit"]);
    let out = edit.env("VISUAL", "false").output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("typo does not exist"), "{err}");
    assert!(!env.path("typo").exists());
    assert!(!env.path("typo.lock").exists());
    // A folder that exists is fine.
    ok(&env, &["add", "a", "@daily", "--", "true"]);
    assert!(env.file.exists());
}

#[test]
fn a_missing_file_is_an_empty_list_but_checking_a_named_one_is_an_error() {
    let env = Env::new();
    let (out, _) = ok(&env, &["list", "--json"]);
    assert_eq!(out.trim(), "[]");
    let (out, err) = fails(&env, &["check"], 1);
    assert_eq!(out, "");
    assert!(
        err.contains(&format!("job file {} does not exist", env.file.display()))
            && err.contains("--file or $JOBTAB_FILE"),
        "{err}"
    );
    // So is `run --check` (it said "0 jobs, valid").
    let (out, err) = fails(&env, &["run", "--check"], 1);
    assert_eq!(out, "");
    assert!(
        err.contains(&format!("job file {} does not exist", env.file.display())),
        "{err}"
    );
    let typo = env.path("typo/jobs.toml");
    let (_, err) = fails(&env, &["--file", typo.to_str().unwrap(), "check"], 1);
    assert!(err.contains("nor its folder"), "{err}");
    // Other read-only commands read it as empty, with a note.
    let (out, err) = ok(&env, &["--file", typo.to_str().unwrap(), "list"]);
    assert_eq!(out, "");
    assert!(
        err.contains(&format!(
            "its folder {} does not exist",
            env.path("typo").display()
        )),
        "{err}"
    );
    // The default location, not there yet, is an empty list.
    let mut check = cmd(&env, &["check"]);
    let out = check.env_remove("JOBTAB_FILE").output().unwrap();
    assert!(out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stdout)
            .ends_with(": 0 jobs, no problems (the file does not exist yet)\n")
    );
    assert!(!env.file.exists());
    assert!(!env.home.join(".config/jobtab").exists());
}

#[test]
fn a_rewrite_keeps_the_mode_of_an_existing_file() {
    use std::os::unix::fs::PermissionsExt as _;
    let env = Env::with_jobs("# shared with the ops group\n");
    std::fs::set_permissions(&env.file, std::fs::Permissions::from_mode(0o640)).unwrap();
    ok(&env, &["add", "a", "@daily", "--", "true"]);
    ok(&env, &["disable", "a"]);
    assert_eq!(std::fs::metadata(&env.file).unwrap().mode() & 0o777, 0o640);
    assert!(env.jobs().contains("enabled = false"));
}

#[test]
fn a_folder_given_as_the_job_file_says_what_to_do() {
    let env = Env::new();
    let folder = env.path("config");
    std::fs::create_dir(&folder).unwrap();
    let folder = folder.to_str().unwrap();
    for args in [
        &["--file", folder, "list"][..],
        &["--file", folder, "check"],
        &["--file", folder, "add", "a", "@daily", "--", "true"],
        &["--file", folder, "exec", "a"],
    ] {
        let (_, err) = fails(&env, args, 1);
        assert!(
            err.contains("must name a file, not a folder, such as") && err.contains(folder),
            "{args:?}: {err}"
        );
    }
    // Nothing was created next to it (no lock file).
    assert!(!env.path("config.lock").exists());
}

#[test]
fn added_jobs_need_valid_env_names_and_names_not_starting_with_a_dash() {
    let env = Env::new();
    for bad in ["A B=1", "1X=2", "A.B=3"] {
        let (_, err) = fails(&env, &["add", "a", "@daily", "--env", bad, "--", "true"], 1);
        assert!(
            err.contains("invalid environment variable name"),
            "{bad}: {err}"
        );
    }
    assert!(!env.file.exists());
    env.write_jobs(
        r#"
        [jobs.-v]
        schedule = "@daily"
        command = "true"
        "#,
    );
    let (out, _) = fails(&env, &["check"], 1);
    assert!(out.contains("a name cannot start with `-`"), "{out}");
}

/// Issue 8, item 4: `show NAME` on a file with a TOML error said `no job named "NAME"`.
#[test]
fn show_on_a_broken_file_reports_the_error() {
    let env = Env::with_jobs("[jobs.a]\nschedule = \"@daily\"\ncommand = = \"x\"\n");
    let (out, err) = fails(&env, &["show", "a"], 1);
    assert_eq!(out, "");
    assert!(
        err.contains(&format!("{}:3:11: not valid TOML: ", env.file.display())),
        "{err}"
    );
    assert!(!err.contains("no job named"), "{err}");
    assert!(err.contains("jobtab edit"), "{err}");
    // A misspelt `[job.a]` table is the file's problem too, not a missing job.
    env.write_jobs("[job.a]\nschedule = \"@daily\"\ncommand = \"x\"\n");
    let (_, err) = fails(&env, &["show", "a", "--json"], 1);
    assert!(
        err.contains(":1:2: key \"job\": unknown top-level key"),
        "{err}"
    );
    // A problem only in [defaults] hides no job: an unknown name is just that.
    env.write_jobs(
        "[defaults]\ntimezone = \"Mars/Base\"\n[jobs.b]\nschedule = \"@daily\"\ncommand = \"x\"\n",
    );
    let (_, err) = fails(&env, &["show", "a"], 1);
    assert!(err.contains("no job named \"a\""), "{err}");
}

/// Issue 8, item 17: names of only dots became unit and file names (`jobtab-...service`).
#[test]
fn names_of_only_dots_are_refused() {
    let env = Env::new();
    for name in [".", "..", "..."] {
        let (_, err) = fails(&env, &["add", name, "@daily", "--", "true"], 1);
        assert!(
            err.contains(&format!(
                "invalid job name {name:?}: a name cannot be only dots"
            )),
            "{name}: {err}"
        );
    }
    assert!(!env.file.exists());
    // `.hidden` and `a..b` are fine.
    ok(&env, &["add", ".hidden", "@daily", "--", "true"]);
    ok(&env, &["add", "a..b", "@daily", "--", "true"]);
    env.write_jobs(&format!(
        "{}\n[jobs.\"..\"]\nschedule = \"@daily\"\ncommand = \"true\"\n",
        env.jobs()
    ));
    let (out, _) = fails(&env, &["check"], 1);
    assert!(
        out.contains("job \"..\": invalid job name \"..\": a name cannot be only dots"),
        "{out}"
    );
    let (out, _) = fails(&env, &["export", "--format", "systemd"], 1);
    assert!(!out.contains("jobtab-...service"), "{out}");
}

/// Issue 8, item 10: temp files of writers killed with `kill -9` piled up next to the job file
/// and no later write removed them.
#[test]
fn a_write_removes_the_temp_files_of_dead_writers_and_keeps_live_ones() {
    let env = Env::with_jobs("# start\n");
    let mut child = std::process::Command::new("true").spawn().unwrap();
    let dead = child.id();
    child.wait().unwrap();
    // This test's own process is a live writer as far as jobtab can tell.
    let live = std::process::id();
    let stale = [
        format!(".jobs.toml.{dead}.aB3dE9.tmp"),
        format!(".jobs.toml.{dead}.Qw7Er5.tmp"),
    ];
    let kept = [
        format!(".jobs.toml.{live}.Zz9Yy8.tmp"),
        format!(".other.toml.{dead}.aB3dE9.tmp"),
    ];
    // An old version's temp file (no pid in its name), an hour old.
    let old = ".jobs.toml.k8J7h6.tmp";
    for name in stale.iter().chain(&kept) {
        std::fs::write(env.path(name), "x".repeat(1 << 20)).unwrap();
    }
    let file = std::fs::File::create(env.path(old)).unwrap();
    file.set_modified(std::time::SystemTime::now() - std::time::Duration::from_secs(3600))
        .unwrap();
    ok(&env, &["add", "a", "@daily", "--", "true"]);
    for name in stale.iter().chain([&old.to_owned()]) {
        assert!(!env.path(name).exists(), "{name} was not removed");
    }
    for name in &kept {
        assert!(env.path(name).exists(), "{name} was removed");
    }
    assert!(env.jobs().contains("[jobs.a]"));
}

/// Issue 8, item 13: `import` wrote a job whose command holds a NUL byte, which fails at
/// every run; `add` refuses what would fail likewise.
#[test]
fn import_and_add_refuse_what_would_fail_at_every_run() {
    let env = Env::new();
    let crontab = env.path("crontab.txt");
    std::fs::write(
        &crontab,
        b"0 2 * * * /usr/bin/backup\n5 4 * * * echo a\0b\n".as_slice(),
    )
    .unwrap();
    let (_, err) = fails(&env, &["import", crontab.to_str().unwrap()], 1);
    assert!(
        err.contains("skipped line 2: the line holds a NUL byte"),
        "{err}"
    );
    let text = env.jobs();
    assert!(
        text.contains("/usr/bin/backup") && !text.contains("u0000"),
        "{text}"
    );
    ok(&env, &["check"]);

    let (_, err) = fails(
        &env,
        &[
            "add",
            "hook",
            "@daily",
            "--url",
            "https://example.com",
            "--header",
            "X-A: a\r\nInjected: 1",
        ],
        1,
    );
    assert!(
        err.contains("the value of header \"X-A\" contains a line break (CR or LF)"),
        "{err}"
    );
    // Each word fits in an argument; the command, all of them, does not.
    let half = "x".repeat(70_000);
    let (_, err) = fails(
        &env,
        &["add", "big", "@daily", "--", "echo", &half, &half],
        1,
    );
    assert!(
        err.contains("put it in a script and run the script"),
        "{err}"
    );
    assert!(!env.jobs().contains("[jobs.hook]") && !env.jobs().contains("[jobs.big]"));
}
