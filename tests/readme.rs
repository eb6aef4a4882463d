//! Integration tests: the README's examples run as written (issue 8, "Trust on first contact").
//! The tour is read from README.md and every command in it is run, in order, by `/bin/sh` in a
//! fresh `$HOME` on a machine whose zone is UTC (`TZ=UTC`, system zone `Etc/UTC`), with
//! `jobtab` on `PATH` and a fake `crontab`.

use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

use crate::install::FakeCrontab;
use crate::util::{BIN, Env, stderr, stdout};

fn readme() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap()
}

/// The first fenced block (```` ```LANG ````) after the heading `heading`.
fn block_after(readme: &str, heading: &str, lang: &str) -> String {
    let section = &readme[readme
        .find(heading)
        .unwrap_or_else(|| panic!("README has no {heading:?}"))..];
    let fence = format!("```{lang}\n");
    let start = section.find(&fence).unwrap() + fence.len();
    let end = start + section[start..].find("```").unwrap();
    section[start..end].to_owned()
}

/// One `$ ` command of a console transcript (continuation lines joined as the shell would
/// read them) and the output lines shown under it.
#[derive(Debug)]
struct Step {
    command: String,
    shown: Vec<String>,
}

fn steps(transcript: &str) -> Vec<Step> {
    let mut steps: Vec<Step> = Vec::new();
    let mut continued = false;
    for line in transcript.lines() {
        if continued {
            let step = steps.last_mut().unwrap();
            step.command.push('\n');
            step.command.push_str(line);
            continued = line.ends_with('\\');
        } else if let Some(command) = line.strip_prefix("$ ") {
            steps.push(Step {
                command: command.to_owned(),
                shown: Vec::new(),
            });
            continued = command.ends_with('\\');
        } else if !line.trim().is_empty() {
            steps
                .last_mut()
                .expect("output before the first command")
                .shown
                .push(line.to_owned());
        }
    }
    steps
}

/// The verb of a tour command: the word after `jobtab`.
fn verb(command: &str) -> &str {
    command.split_whitespace().nth(1).unwrap_or("")
}

/// `/bin/sh -c COMMAND` as a user of the tour would run it: a fresh `$HOME`, `jobtab` on
/// `PATH`, nothing else of the machine's environment but `PATH`. HTTP proxies point at a
/// closed local port, so that nothing the tour schedules can reach the network.
fn shell(env: &Env, bin: &Path, fake: &FakeCrontab, command: &str) -> Command {
    let mut cmd = Command::new("/bin/sh");
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_else(|_| "/usr/bin:/bin".into())
    );
    cmd.env_clear()
        .env("PATH", path)
        .env("HOME", &env.home)
        .env("TZ", "UTC")
        .env("JOBTAB_SYSTEM_ZONE", "Etc/UTC")
        .env("JOBTAB_CRONTAB", &fake.script)
        .env("EDITOR", "true")
        .env("NO_COLOR", "1")
        .env("COLUMNS", "120")
        .current_dir(env.dir.path())
        .stdin(Stdio::null())
        .arg("-c")
        .arg(command);
    for proxy in ["ALL_PROXY", "HTTPS_PROXY", "HTTP_PROXY"] {
        cmd.env(proxy, "http://127.0.0.1:9")
            .env(proxy.to_ascii_lowercase(), "http://127.0.0.1:9");
    }
    cmd
}

/// `jobtab run` from the tour: started, stopped with Ctrl-C (SIGINT) once it has said what it
/// schedules; it must exit 0.
fn run_and_stop(mut cmd: Command) -> String {
    let mut child = cmd
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (lines, seen) = mpsc::channel();
    let reader = BufReader::new(child.stderr.take().unwrap());
    std::thread::spawn(move || {
        for line in reader.lines().map_while(Result::ok) {
            if lines.send(line).is_err() {
                break;
            }
        }
    });
    let mut log = String::new();
    loop {
        let Ok(line) = seen.recv_timeout(Duration::from_secs(30)) else {
            let _ = child.kill();
            panic!("`jobtab run` never said what it schedules; its log:\n{log}");
        };
        log.push_str(&line);
        log.push('\n');
        if line.contains("scheduling") {
            break;
        }
    }
    kill(Pid::from_raw(child.id() as i32), Signal::SIGINT).unwrap();
    let status = child.wait().unwrap();
    while let Ok(line) = seen.recv_timeout(Duration::from_secs(5)) {
        log.push_str(&line);
        log.push('\n');
    }
    assert!(
        status.success(),
        "`jobtab run` stopped with {status}:\n{log}"
    );
    log
}

#[test]
fn the_tour_runs_as_written_on_a_utc_machine() {
    let env = Env::new();
    let fake = FakeCrontab::new(&env);
    let bin: PathBuf = env.path("bin");
    std::fs::create_dir(&bin).unwrap();
    std::os::unix::fs::symlink(BIN, bin.join("jobtab")).unwrap();

    let tour = steps(&block_after(&readme(), "## A 60-second tour", "console"));
    // Every everyday verb is shown.
    let verbs: Vec<&str> = tour.iter().map(|step| verb(&step.command)).collect();
    for everyday in [
        "add",
        "list",
        "show",
        "next",
        "explain",
        "exec",
        "history",
        "disable",
        "edit",
        "check",
        "run",
        "install",
        "remove",
        "uninstall",
    ] {
        assert!(
            verbs.contains(&everyday),
            "the tour never shows `jobtab {everyday}`: {verbs:?}"
        );
    }

    for step in &tour {
        assert!(step.command.starts_with("jobtab "), "{}", step.command);
        let said = if verb(&step.command) == "run" {
            // `exec`, so that the signal goes to jobtab, not to the shell.
            run_and_stop(shell(&env, &bin, &fake, &format!("exec {}", step.command)))
        } else {
            let output = shell(&env, &bin, &fake, &step.command).output().unwrap();
            let said = format!("{}{}", stdout(&output), stderr(&output));
            assert!(
                output.status.success(),
                "`{}` failed ({}):\n{said}",
                step.command,
                output.status
            );
            said
        };
        // What the README shows under a command is what it says, up to the first figure
        // (times and dates differ).
        for shown in &step.shown {
            let fixed = shown.split(|c: char| c.is_ascii_digit()).next().unwrap();
            assert!(
                said.lines().any(|line| line.starts_with(fixed)),
                "`{}` did not say {shown:?}; it said:\n{said}",
                step.command
            );
        }
        if verb(&step.command) == "history" {
            assert!(
                said.contains(" ok "),
                "the exec before it did not succeed:\n{said}"
            );
        }
    }
    // It installed, updated and uninstalled the block: what is left is an empty table.
    assert!(fake.writes() >= 3, "{} crontab writes", fake.writes());
    assert!(!fake.text().contains("jobtab"), "{}", fake.text());
}

#[test]
fn the_job_file_example_is_valid() {
    let env = Env::new();
    std::fs::write(&env.file, block_after(&readme(), "## The job file", "toml")).unwrap();
    let out = env.ok(["check"]);
    assert!(out.contains("3 jobs, no problems"), "{out}");
}

#[test]
fn the_readme_says_jobtab_is_linux_only() {
    assert!(readme().contains("jobtab runs on Linux only"));
}

#[test]
fn transcripts_are_split_into_commands_and_their_output() {
    let steps = steps("$ jobtab a \\\n    --b\nsaid\n\n$ jobtab c   # note\n");
    assert_eq!(steps.len(), 2);
    assert_eq!(steps[0].command, "jobtab a \\\n    --b");
    assert_eq!(steps[0].shown, ["said"]);
    assert_eq!(verb(&steps[1].command), "c");
    assert!(steps[1].shown.is_empty());
}

/// The README's table of notification fields lists exactly the fields a notification carries.
#[test]
fn every_notification_field_is_documented() {
    use crate::util::http::{Reply, TestServer};
    let hook = TestServer::start(vec![Reply::status(204)]);
    let env = Env::with_jobs(&format!(
        r#"
        [jobs.fails]
        schedule = "0 2 * * *"
        command = "exit 3"
        notify = {{ url = "{}", on = "failure" }}
        "#,
        hook.url("/hook")
    ));
    let output = env.run(["exec", "fails"]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let requests = hook.wait_for(1, Duration::from_secs(10));
    let body: serde_json::Value = serde_json::from_str(&requests[0].body).unwrap();
    let mut sent: Vec<String> = body.as_object().unwrap().keys().cloned().collect();
    sent.sort();

    let readme = readme();
    let table = &readme[readme.find("The body is one JSON object").unwrap()..];
    let mut documented: Vec<String> = table
        .lines()
        .skip_while(|line| !line.starts_with("| field |"))
        .skip(2)
        .take_while(|line| line.starts_with("| `"))
        .map(|line| line.split('`').nth(1).unwrap().to_owned())
        .collect();
    documented.sort();
    assert_eq!(documented, sent);
}

/// What the README says of `${VAR}`: in a command the shell expands it (unset: empty, or an
/// error after `set -u`); in an env value jobtab expands it, and an unset one fails the run.
#[test]
fn an_unset_variable_behaves_as_the_readme_says() {
    let env = Env::with_jobs(
        r#"
        [jobs.shell]
        schedule = "0 2 * * *"
        command = "echo \"[${JOBTAB_README_UNSET}]\""

        [jobs.strict]
        schedule = "0 2 * * *"
        command = "set -u; echo \"[${JOBTAB_README_UNSET}]\""

        [jobs.env]
        schedule = "0 2 * * *"
        command = "echo \"[$A]\""
        env = { A = "${JOBTAB_README_UNSET}" }
        "#,
    );
    assert_eq!(env.ok(["exec", "shell"]), "[]\n");
    let output = env.run(["exec", "strict"]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(stdout(&output), "");
    let output = env.run(["exec", "env"]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(stdout(&output), "");
    assert!(
        stderr(&output).contains("JOBTAB_README_UNSET is not set"),
        "{}",
        stderr(&output)
    );
    let words = readme().split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(words.contains("A `command` is not expanded by jobtab"));
    assert!(words.contains("an unset one to an empty string"));
}
