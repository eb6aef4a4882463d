//! jobtab: a single-binary crontab manager and runner.
//!
//! `main` owns only parsing, dispatch and turning the top-level error into an exit code.
//!
//! Linux only: running jobs relies on pidfd (waiting for a job with a timeout), signalfd
//! (the scheduler's signals), inotify (reloading when the job file changes) and `/proc`
//! (which jobs are running, reaping as PID 1). Building for another system stops with the
//! error below, reported before the unresolved Linux-only imports it explains.

#[cfg(not(target_os = "linux"))]
compile_error!(
    "jobtab runs only on Linux (it uses pidfd, signalfd, inotify and /proc); build it on Linux, \
     or in a Linux container or VM"
);

mod cli;
mod commands;
mod completions;
mod crontab;
mod ctx;
mod duration;
mod execute;
mod export;
mod fs;
mod history;
mod jitter;
mod json;
mod log;
mod output;
mod payload;
mod runner;
mod running;
mod schedule;
mod server;
mod store;
mod timestamp;
mod trust;
mod zone;

use std::process::ExitCode;

use clap::Parser;
use clap::error::{ContextKind, ContextValue, ErrorKind};

fn main() -> ExitCode {
    // `COMPLETE=bash jobtab ...`: the shell asking for completions; answered before anything
    // else touches stdout.
    completions::complete_if_asked();
    let cli = cli::Cli::try_parse().unwrap_or_else(|err| with_hint(err).exit());
    match commands::dispatch(cli) {
        Ok(code) => code,
        Err(err) => {
            // A closed stdout (`jobtab list | head`) is not an error worth reporting.
            if err.chain().any(|cause| {
                cause
                    .downcast_ref::<std::io::Error>()
                    .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            }) {
                return ExitCode::SUCCESS;
            }
            crate::output::error(format_args!("{err:#}"));
            ExitCode::FAILURE
        }
    }
}

/// `err` with a tip where clap's own message does not say what to do: `add NAME SCHEDULE`
/// followed by a word means a command written without `--` in front of it.
fn with_hint(mut err: clap::Error) -> clap::Error {
    let word = |kind| match err.get(kind) {
        Some(ContextValue::String(text)) => text.clone(),
        Some(ContextValue::StyledStr(text)) => text.to_string(),
        _ => String::new(),
    };
    let (unexpected, usage) = (word(ContextKind::InvalidArg), word(ContextKind::Usage));
    if err.kind() == ErrorKind::UnknownArgument
        && !unexpected.starts_with('-')
        && usage.contains("jobtab add ")
    {
        err.insert(
            ContextKind::Suggested,
            ContextValue::StyledStrs(vec![
                "put the command after `--` and the schedule in quotes: jobtab add NAME 'SCHEDULE' -- COMMAND".into(),
            ]),
        );
    }
    err
}

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    /// Every `.rs` file under `root`, with its path relative to `root` (`/`-separated).
    fn rust_files(root: &Path) -> Vec<(String, PathBuf)> {
        let mut files = Vec::new();
        let mut folders = vec![root.to_owned()];
        while let Some(folder) = folders.pop() {
            for entry in std::fs::read_dir(&folder).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    folders.push(path);
                } else if path.extension().is_some_and(|e| e == "rs") {
                    let relative = path.strip_prefix(root).unwrap().to_string_lossy();
                    files.push((relative.replace('\\', "/"), path));
                }
            }
        }
        files.sort();
        files
    }

    fn source_dir(name: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join(name)
    }

    /// Domain modules take domain types, never clap's or `cli`'s (STYLE.md section 1), so
    /// they can be tested without argv: only `main`, `cli`, `ctx` (which resolves the global
    /// flags), `completions` (clap's completion engine over `cli`) and the verbs in
    /// `commands/` may name them. Comment lines are not code.
    #[test]
    fn only_the_command_line_layer_imports_clap_or_cli() {
        let files = rust_files(&source_dir("src"));
        assert!(files.len() > 50, "only {} files found", files.len());
        let mut offenders = Vec::new();
        for (relative, path) in files {
            if matches!(
                relative.as_str(),
                "main.rs" | "cli.rs" | "ctx.rs" | "completions.rs"
            ) || relative.starts_with("commands/")
            {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            for (number, line) in text.lines().enumerate() {
                let code = line.trim_start();
                if code.starts_with("//") {
                    continue;
                }
                let names_cli = ["crate::cli", "super::cli", "clap::", "use clap", "cli::"]
                    .iter()
                    .any(|needle| code.contains(needle));
                if names_cli {
                    offenders.push(format!("src/{relative}:{}: {code}", number + 1));
                }
            }
        }
        assert!(offenders.is_empty(), "{}", offenders.join("\n"));
    }

    /// One module layout (issue 9, item 8): a module with submodules is a folder with a
    /// `mod.rs` (never `name.rs` beside `name/`, never `#[path]`); unit tests sit at the end of
    /// the file they test in `#[cfg(test)] mod tests { ... }`, or, grown long, in `tests.rs`
    /// of the module's folder (several: `tests/mod.rs` and a file per topic), never in
    /// `name_tests.rs` beside it. The same for the integration tests under `tests/`.
    #[test]
    fn one_module_layout_everywhere() {
        let mut offenders = Vec::new();
        let mut checked = 0;
        for root in ["src", "tests"] {
            let dir = source_dir(root);
            for (relative, path) in rust_files(&dir) {
                let relative = format!("{root}/{relative}");
                checked += 1;
                let text = std::fs::read_to_string(&path).unwrap();
                if text.lines().any(|l| l.trim_start().starts_with("#[path")) {
                    offenders.push(format!("{relative}: a #[path] attribute"));
                }
                if path.with_extension("").is_dir() {
                    offenders.push(format!("{relative}: beside a folder of the same name"));
                }
                if relative.ends_with("_tests.rs") {
                    offenders.push(format!("{relative}: tests belong in tests.rs or tests/"));
                }
            }
        }
        assert!(checked > 80, "only {checked} files found");
        assert!(offenders.is_empty(), "{}", offenders.join("\n"));
    }

    /// Building for another system must stop at the `compile_error!` above: no cross target
    /// is installed here to try it, so check that the guard is in place, in this form.
    #[test]
    fn other_systems_are_refused_at_compile_time() {
        let source = include_str!("main.rs");
        let lines: Vec<&str> = source.lines().collect();
        let guard = lines
            .iter()
            .position(|line| *line == r#"#[cfg(not(target_os = "linux"))]"#)
            .expect("no `#[cfg(not(target_os = \"linux\"))]` line at the top level of main.rs");
        assert!(
            lines[guard + 1].starts_with("compile_error!("),
            "{}",
            lines[guard + 1]
        );
        assert!(
            lines[guard + 2].contains("runs only on Linux"),
            "{}",
            lines[guard + 2]
        );
    }
}
