//! Integration tests: `exec`'s overlap lock across processes: keyed by job file and name (two
//! job files with a `backup` job never skip each other, and keep apart histories), and
//! `queue` holding at most one pending run, as under `run`.

use std::process::Stdio;

use serde_json::Value;

use super::{HELD_RUN, queued, wait_until};
use crate::util::{Env, stderr, unindent};

/// The runs of `file`'s jobs recorded so far, newest first.
fn history_of(env: &Env, file: &std::path::Path) -> Vec<Value> {
    let text = env.ok([
        "--file".as_ref(),
        file.as_os_str(),
        "history".as_ref(),
        "--json".as_ref(),
    ]);
    // Recorded runs only: history also lists runs in progress.
    let runs: Vec<Value> = serde_json::from_str(&text).unwrap();
    runs.into_iter()
        .filter(|run| run["running"].is_null())
        .collect()
}

#[test]
fn two_job_files_with_the_same_job_name_neither_skip_nor_share_history() {
    // The second file's job fails, so the files' last results differ.
    let toml = |word: &str, code: i32| {
        unindent(&format!(
            r#"
            [jobs.backup]
            schedule = "0 2 * * *"
            command = "echo {word}; echo {word} >> ran; sleep 1; exit {code}"
            overlap = "skip"
            "#
        ))
    };
    let env = Env::new();
    std::fs::write(&env.file, toml("one", 0)).unwrap();
    let other = env.path("other.toml");
    std::fs::write(&other, toml("two", 3)).unwrap();

    let spawn = |file: &std::path::Path| {
        env.cmd([
            "--file".as_ref(),
            file.as_os_str(),
            "exec".as_ref(),
            "backup".as_ref(),
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
    };
    let (first, second) = (spawn(&env.file), spawn(&other));
    for (child, code) in [(first, 0), (second, 1)] {
        let output = child.wait_with_output().unwrap();
        assert_eq!(output.status.code(), Some(code), "{}", stderr(&output));
    }
    let mut ran: Vec<String> = std::fs::read_to_string(env.path("ran"))
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect();
    ran.sort();
    assert_eq!(ran, ["one", "two"], "one run skipped the other");

    for (file, word, status) in [(&env.file, "one", "ok"), (&other, "two", "failed")] {
        let runs = history_of(&env, file);
        assert_eq!(runs.len(), 1, "{runs:#?}");
        assert_eq!(runs[0]["status"], status);
        assert_eq!(runs[0]["output_tail"], format!("{word}\n"));
        let canonical = file.canonicalize().unwrap();
        assert_eq!(runs[0]["file"], canonical.to_str().unwrap());
        // `list` sees this file's run only.
        let list: Vec<Value> = serde_json::from_str(&env.ok([
            "--file".as_ref(),
            file.as_os_str(),
            "list".as_ref(),
            "--json".as_ref(),
        ]))
        .unwrap();
        assert_eq!(list[0]["last_result"]["status"], status, "{list:#?}");
    }
}

#[test]
fn queue_holds_at_most_one_pending_run() {
    let env = Env::new();
    env.write_jobs(&format!(
        r#"
        [jobs.q]
        schedule = "0 2 * * *"
        workdir = "{}"
        command = "{HELD_RUN}"
        overlap = "queue"
        "#,
        env.dir.path().display()
    ));
    let spawn = || {
        env.cmd(["exec", "q"])
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    // The first runs until the test releases it; of the three that come meanwhile, one
    // queues and two are skipped (they end at once).
    let mut children = vec![spawn()];
    wait_until("the first run to start", || env.path("log").exists());
    children.extend((0..3).map(|_| spawn()));
    wait_until("two runs to be skipped", || {
        children[1..]
            .iter_mut()
            .map(|child| child.try_wait().unwrap().is_some())
            .filter(|&ended| ended)
            .count()
            == 2
    });
    assert!(queued(&env, "q"), "the third run is not queued");
    std::fs::write(env.path("release"), "").unwrap();
    for child in children {
        let output = child.wait_with_output().unwrap();
        // A skip is not a failure.
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    }
    let log = std::fs::read_to_string(env.path("log")).unwrap();
    assert_eq!(
        log, "start\nend\nstart\nend\n",
        "not one run and one queued"
    );
    let runs = history_of(&env, &env.file);
    let mut statuses: Vec<String> = runs
        .iter()
        .map(|run| run["status"].as_str().unwrap().to_owned())
        .collect();
    statuses.sort();
    assert_eq!(statuses, ["ok", "ok", "skipped", "skipped"], "{runs:#?}");
}

#[test]
fn the_jobs_of_one_job_file_share_one_lock_file() {
    let env = Env::with_jobs(
        r#"
        [jobs.a]
        schedule = "0 2 * * *"
        command = "true"
        overlap = "skip"

        [jobs.b]
        schedule = "0 2 * * *"
        command = "true"
        overlap = "queue"

        [jobs.c]
        schedule = "0 2 * * *"
        command = "true"
        "#,
    );
    for job in ["a", "b", "c"] {
        env.ok(["exec", job]);
    }
    // No file per job: one lock file for the job file, whatever the number of its jobs.
    let names: Vec<String> = std::fs::read_dir(env.state.join("locks"))
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 1, "{names:?}");
    assert!(names[0].ends_with(".lock") && names[0].len() == 16 + ".lock".len());
}
