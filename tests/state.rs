//! Integration tests: what jobtab creates in the state dir is private (0700 folders, 0600
//! files), whichever command creates it first (issue 8 item 11: `run` made the state dir 0755
//! and its lock 0644).

use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use crate::install::{FakeCrontab, expect};
use crate::util::Env;

const JOBS: &str = r#"
    [jobs.tick]
    schedule = "* * * * * *"
    command = "echo tick"

    [jobs.once]
    schedule = "0 2 * * *"
    command = "echo once"
"#;

/// Every folder and file under `dir` (itself included), with its permission bits.
fn tree(dir: &Path) -> Vec<(PathBuf, u32)> {
    let mut found = vec![(
        dir.to_owned(),
        std::fs::metadata(dir).unwrap().permissions().mode() & 0o7777,
    )];
    let mut index = 0;
    while index < found.len() {
        let path = found[index].0.clone();
        index += 1;
        if path.is_dir() {
            for entry in std::fs::read_dir(&path).unwrap() {
                let entry = entry.unwrap();
                let mode = entry.metadata().unwrap().permissions().mode() & 0o7777;
                found.push((entry.path(), mode));
            }
        }
    }
    found
}

/// Asserts `dir` exists and everything in it is private; returns the names found.
fn assert_private(dir: &Path) -> Vec<String> {
    assert!(dir.is_dir(), "{} was not created", dir.display());
    let mut names = Vec::new();
    for (path, mode) in tree(dir) {
        let want = if path.is_dir() { 0o700 } else { 0o600 };
        assert_eq!(mode, want, "{} is {mode:o}", path.display());
        names.push(
            path.strip_prefix(dir)
                .unwrap()
                .to_string_lossy()
                .into_owned(),
        );
    }
    names
}

#[test]
fn exec_creates_a_private_state_dir() {
    let env = Env::with_jobs(JOBS);
    env.ok(["exec", "once"]);
    let names = assert_private(&env.state);
    assert!(names.iter().any(|n| n == "history.jsonl"), "{names:?}");
    assert!(names.iter().any(|n| n.starts_with("locks/")), "{names:?}");
}

#[test]
fn run_creates_a_private_state_dir() {
    let env = Env::with_jobs(JOBS);
    let mut child = env
        .cmd(["run"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let history = env.state.join("history.jsonl");
    let deadline = Instant::now() + Duration::from_secs(10);
    while !std::fs::read_to_string(&history).is_ok_and(|t| t.ends_with('\n')) {
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("no run recorded within 10s");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let names = assert_private(&env.state);
    assert!(names.iter().any(|n| n.starts_with("locks/")), "{names:?}");
    // The run lock is beside the job file, private too.
    let lock = env.path("jobs.toml.run.lock");
    assert_eq!(
        std::fs::metadata(lock).unwrap().permissions().mode() & 0o777,
        0o600
    );
}

#[test]
fn install_creates_a_private_state_dir() {
    let env = Env::with_jobs(
        r#"
        [jobs.once]
        schedule = "0 2 * * *"
        command = "echo once"
        "#,
    );
    let fake = FakeCrontab::new(&env);
    fake.set(b"0 1 * * * before\n");
    expect(&env, &fake, &["install"], 0);
    let names = assert_private(&env.state);
    assert!(names.iter().any(|n| n == "crontab.lock"), "{names:?}");
    assert!(
        names
            .iter()
            .any(|n| n.starts_with("crontab-backups/crontab-")),
        "{names:?}"
    );
}

#[test]
fn history_creates_only_private_files() {
    // A state dir holding a history (copied from elsewhere) but no lock yet.
    let env = Env::with_jobs(JOBS);
    env.ok(["exec", "once"]);
    std::fs::remove_file(env.state.join("history.lock")).unwrap();
    std::fs::remove_dir_all(env.state.join("locks")).unwrap();
    let out = env.ok(["history"]);
    assert!(out.contains("once"), "{out}");
    let names = assert_private(&env.state);
    assert!(names.iter().any(|n| n == "history.lock"), "{names:?}");
}

#[test]
fn a_deep_state_dir_is_private_all_the_way_down() {
    let env = Env::with_jobs(JOBS);
    let deep = env.path("a/b/state");
    env.ok([
        "--state-dir".as_ref(),
        deep.as_os_str(),
        "exec".as_ref(),
        "once".as_ref(),
    ]);
    assert_private(&env.path("a"));
}
