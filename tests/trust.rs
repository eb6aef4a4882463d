//! Integration tests: a job file or state dir that others can write is refused by the commands
//! that run jobs (`run`, `exec`, `install`) with the command that fixes it, and only warned
//! about by the others (issue 8 item 12). The tests run as root, which owns everything in
//! the temp dir, so another owner is made with `chown 65534`.

use std::os::unix::fs::PermissionsExt as _;
use std::path::Path;

use crate::install::{FakeCrontab, expect};
use crate::util::{Env, stderr};

const JOBS: &str = r#"
    [jobs.hello]
    schedule = "0 2 * * *"
    command = "echo hello"
"#;

fn chmod(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

fn is_root() -> bool {
    nix::unistd::geteuid().is_root()
}

/// The job file's path as jobtab names it (canonical).
fn canonical(env: &Env) -> String {
    env.file.canonicalize().unwrap().display().to_string()
}

#[test]
fn a_world_writable_job_file_is_refused_by_commands_that_run_jobs() {
    let env = Env::with_jobs(JOBS);
    chmod(&env.file, 0o666);
    let file = canonical(&env);
    let error = format!(
        "jobtab: error: job file {file} is writable by everyone: anyone could add a command; \
         fix it with: chmod o-w {file}\n"
    );
    assert_eq!(env.fails(["exec", "hello"], 1), error);
    assert!(
        !env.state.join("history.jsonl").exists(),
        "the job did not run"
    );
    assert_eq!(env.fails(["run"], 1), error);
    let fake = FakeCrontab::new(&env);
    let (_, err) = expect(&env, &fake, &["install"], 1);
    assert_eq!(err, error);
    assert_eq!(fake.writes(), 0);

    // Read-only commands warn and go on.
    let warning = error.replace("jobtab: error:", "jobtab: warning:");
    for args in [
        &["list"][..],
        &["show", "hello"],
        &["check"],
        &["next"],
        &["history"],
        &["run", "--check"],
    ] {
        let output = env.run(args);
        assert_eq!(
            output.status.code(),
            Some(0),
            "{args:?}: {}",
            stderr(&output)
        );
        assert!(
            stderr(&output).starts_with(&warning),
            "{args:?}: {}",
            stderr(&output)
        );
    }
    let (_, err) = expect(&env, &fake, &["install", "--dry-run"], 0);
    assert!(err.starts_with(&warning), "{err}");

    // Fixed as told, it runs.
    chmod(&env.file, 0o644);
    env.ok(["exec", "hello"]);
}

#[test]
fn a_world_writable_state_dir_is_refused_by_exec() {
    let env = Env::with_jobs(JOBS);
    std::fs::create_dir(&env.state).unwrap();
    chmod(&env.state, 0o777);
    let state = env.state.display();
    assert_eq!(
        env.fails(["exec", "hello"], 1),
        format!(
            "jobtab: error: state dir {state} is writable by everyone: anyone could change its \
             locks and history; fix it with: chmod o-w {state}\n"
        )
    );
}

#[test]
fn a_job_file_of_another_user_is_refused_even_for_root() {
    if !is_root() {
        return; // Only root can give a file away.
    }
    let env = Env::with_jobs(JOBS);
    std::os::unix::fs::chown(&env.file, Some(65534), None).unwrap();
    let file = canonical(&env);
    let err = env.fails(["exec", "hello"], 1);
    assert!(
        err.starts_with(&format!("jobtab: error: job file {file} is owned by ")),
        "{err}"
    );
    assert!(
        err.contains("(uid 65534), not by you: they could add a command; fix it with: chown ")
            || err.contains("is owned by uid 65534, not by you"),
        "{err}"
    );
    assert!(err.ends_with(&format!(" {file}\n")), "{err}");
    assert!(env.run(["run"]).status.code() == Some(1));
    // A folder of another user could swap the file: refused as well.
    std::os::unix::fs::chown(&env.file, Some(0), None).unwrap();
    let folder = env.path("theirs");
    std::fs::create_dir(&folder).unwrap();
    let theirs = folder.join("jobs.toml");
    std::fs::write(&theirs, crate::util::unindent(JOBS)).unwrap();
    std::os::unix::fs::chown(&folder, Some(65534), None).unwrap();
    let err = env.fails(
        [
            "--file".as_ref(),
            theirs.as_os_str(),
            "exec".as_ref(),
            "hello".as_ref(),
        ],
        1,
    );
    assert!(err.contains("the job file's folder"), "{err}");
    assert!(err.contains("could replace the job file"), "{err}");
    // Root's files are trusted.
    env.ok(["exec", "hello"]);
}

#[test]
fn a_group_writable_job_file_is_a_warning() {
    let env = Env::with_jobs(JOBS);
    chmod(&env.file, 0o664);
    let output = env.run(["exec", "hello"]);
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(0), "{err}");
    let file = canonical(&env);
    assert!(
        err.starts_with(&format!(
            "jobtab: warning: job file {file} is writable by its group (gid 0): its members \
             could add a command; fix it with: chmod g-w {file}\n"
        )),
        "{err}"
    );
}
