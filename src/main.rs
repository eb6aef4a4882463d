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
mod crontab;
mod ctx;
mod duration;
mod execute;
mod export;
mod history;
mod log;
mod output;
mod runner;
mod running;
mod schedule;
mod store;
mod trust;
mod zone;

use std::process::ExitCode;

use clap::Parser;
use clap::error::{ContextKind, ContextValue, ErrorKind};

fn main() -> ExitCode {
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
