//! Shared test harness: a temp dir per test with its own job file, state dir and `$HOME`, and
//! helpers that run the built binary and explain failures.

#![allow(dead_code)]

pub(crate) mod browser;
pub(crate) mod http;
pub(crate) mod served;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use tempfile::TempDir;

/// The built binary.
pub(crate) const BIN: &str = env!("CARGO_BIN_EXE_jobtab");

/// A hermetic environment: a temp dir holding `jobs.toml`, `state/` and `home/`.
pub(crate) struct Env {
    pub(crate) dir: TempDir,
    pub(crate) file: PathBuf,
    pub(crate) state: PathBuf,
    pub(crate) home: PathBuf,
}

impl Env {
    /// An environment with no job file yet.
    pub(crate) fn new() -> Env {
        let dir = tempfile::Builder::new()
            .prefix("jobtab-test")
            .tempdir()
            .unwrap();
        let file = dir.path().join("jobs.toml");
        let state = dir.path().join("state");
        let home = dir.path().join("home");
        std::fs::create_dir_all(&home).unwrap();
        Env {
            dir,
            file,
            state,
            home,
        }
    }

    /// An environment whose job file holds `toml` (unindented).
    pub(crate) fn with_jobs(toml: &str) -> Env {
        let env = Env::new();
        env.write_jobs(toml);
        env
    }

    /// Replaces the job file's content with `toml` (unindented).
    pub(crate) fn write_jobs(&self, toml: &str) {
        std::fs::write(&self.file, unindent(toml)).unwrap();
    }

    /// The job file's current content.
    pub(crate) fn jobs(&self) -> String {
        std::fs::read_to_string(&self.file).unwrap()
    }

    /// A path inside the temp dir.
    pub(crate) fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// `jobtab ARGS` with a scrubbed environment: no `HOME`, `XDG_*` or `JOBTAB_*` from the
    /// machine; `JOBTAB_FILE` and `JOBTAB_STATE_DIR` point into the temp dir; `TZ=UTC`.
    pub(crate) fn cmd<I, S>(&self, args: I) -> Command
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        let mut cmd = Command::new(BIN);
        for (key, _) in std::env::vars_os() {
            let key_text = key.to_string_lossy();
            if key_text.starts_with("XDG_")
                || key_text.starts_with("JOBTAB_")
                || key_text == "HOME"
                || key_text == "VISUAL"
                || key_text == "EDITOR"
                || key_text == "TZ"
            {
                cmd.env_remove(&key);
            }
        }
        cmd.env("HOME", &self.home)
            .env("XDG_CONFIG_HOME", self.home.join(".config"))
            .env("XDG_STATE_HOME", self.home.join(".local/state"))
            .env("XDG_DATA_HOME", self.home.join(".local/share"))
            .env("JOBTAB_FILE", &self.file)
            .env("JOBTAB_STATE_DIR", &self.state)
            .env("TZ", "UTC")
            .env("NO_COLOR", "1")
            .env("COLUMNS", "120")
            .current_dir(self.dir.path())
            .stdin(Stdio::null())
            .args(args);
        cmd
    }

    /// Runs `jobtab ARGS` to completion.
    pub(crate) fn run<I, S>(&self, args: I) -> Output
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        self.cmd(args).output().unwrap()
    }

    /// The recorded runs (`history --json`, newest first), without the runs in progress that
    /// `history` also lists.
    pub(crate) fn recorded_runs(&self) -> Vec<serde_json::Value> {
        let text = self.ok(["history", "--json", "--limit", "1000"]);
        let runs: Vec<serde_json::Value> = serde_json::from_str(&text).unwrap();
        runs.into_iter()
            .filter(|run| run["running"].is_null())
            .collect()
    }

    /// Runs `jobtab ARGS` and asserts it exits 0; returns stdout.
    pub(crate) fn ok<I, S>(&self, args: I) -> String
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        let args: Vec<_> = args.into_iter().map(|a| a.as_ref().to_owned()).collect();
        let output = self.run(&args);
        expect_status(&args, &output, 0);
        stdout(&output)
    }

    /// Runs `jobtab ARGS` and asserts it exits with `code`; returns stderr.
    pub(crate) fn fails<I, S>(&self, args: I, code: i32) -> String
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        let args: Vec<_> = args.into_iter().map(|a| a.as_ref().to_owned()).collect();
        let output = self.run(&args);
        expect_status(&args, &output, code);
        stderr(&output)
    }
}

/// Panics with the command, status, stdout and stderr unless the exit code is `code`.
pub(crate) fn expect_status(args: &[std::ffi::OsString], output: &Output, code: i32) {
    if output.status.code() != Some(code) {
        panic!(
            "expected exit {code} from jobtab {args:?}, got {:?}\n--- stdout\n{}\n--- stderr\n{}",
            output.status,
            stdout(output),
            stderr(output)
        );
    }
}

pub(crate) fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub(crate) fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Removes the common leading indentation and a leading newline, like just's `unindent`.
pub(crate) fn unindent(text: &str) -> String {
    let text = text.strip_prefix('\n').unwrap_or(text);
    let indent = text
        .lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| line.len() - line.trim_start().len())
        .min()
        .unwrap_or(0);
    let mut out = String::new();
    for line in text.split_inclusive('\n') {
        if line.trim().is_empty() {
            out.push_str(line.trim_start_matches([' ', '\t']));
        } else {
            out.push_str(&line[indent..]);
        }
    }
    out
}

/// Writes an executable script (for fake `crontab`, editors, ...).
pub(crate) fn write_script(path: &Path, body: &str) {
    write_executable(path, unindent(body).as_bytes());
}

/// Writes an executable file through a child process, never opening it for writing here: a
/// descriptor open for writing in this process is inherited by every child another test
/// thread forks meanwhile (until that child execs), and while any process holds one, running
/// the file fails with "Text file busy" (ETXTBSY).
pub(crate) fn write_executable(path: &Path, body: &[u8]) {
    use std::io::Write as _;
    let mut child = std::process::Command::new("sh")
        .args(["-c", "cat > \"$0\" && chmod 755 \"$0\""])
        .arg(path)
        .stdin(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(body).unwrap();
    assert!(
        child.wait().unwrap().success(),
        "cannot write {}",
        path.display()
    );
}
