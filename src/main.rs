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
mod trust;
mod zone;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
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
