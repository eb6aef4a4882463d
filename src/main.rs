//! jobtab: a single-binary crontab manager and runner.
//!
//! `main` owns only parsing, dispatch and turning the top-level error into an exit code.

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
mod schedule;
mod store;
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
            eprintln!("jobtab: error: {err:#}");
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
