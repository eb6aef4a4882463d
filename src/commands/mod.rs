//! One file per verb, each with one entry point; this module dispatches to them.

mod add;
mod check;
mod completions;
mod crontab_note;
mod deliveries;
mod edit;
mod exec;
mod explain;
mod export;
pub(crate) mod history;
mod hook;
mod import;
mod install;
pub(crate) mod list;
mod logs;
mod man;
mod next;
mod notify;
mod remove;
mod run;
pub(crate) mod show;
pub(crate) mod toggle;

use std::process::ExitCode;

use anyhow::Result;

use crate::cli::{Cli, ColorWhen, Command};
use crate::ctx::Ctx;

/// Runs the parsed command line and returns the process exit code.
pub(crate) fn dispatch(cli: Cli) -> Result<ExitCode> {
    crate::output::set_color(match cli.global.color {
        ColorWhen::Auto => anstream::ColorChoice::Auto,
        ColorWhen::Always => anstream::ColorChoice::Always,
        ColorWhen::Never => anstream::ColorChoice::Never,
    });
    // These two need no job file, so they must work even where no folder can be resolved.
    match &cli.command {
        Command::Completions(args) => return completions::run_completions(args),
        Command::Man => return completions::run_man(),
        _ => {}
    }
    let ctx = Ctx::from_args(&cli.global)?;
    // Commands that run jobs refuse a job file or state dir others can write; the others warn.
    // `run` checks for itself, to report through its log.
    let strict = match &cli.command {
        Command::Exec(_) => true,
        Command::Install(args) => !args.dry_run,
        _ => false,
    };
    if !matches!(cli.command, Command::Explain(_) | Command::Run(_)) {
        for warning in crate::trust::check(&ctx.file, &ctx.state_dir, strict)? {
            crate::output::warning(warning);
        }
    }
    match cli.command {
        Command::Add(args) => add::run(args, &ctx),
        Command::List(args) => list::run(&args, &ctx),
        Command::Show(args) => show::run(&args, &ctx),
        Command::Remove(args) => remove::run(&args, &ctx),
        Command::Enable(args) => toggle::run(&args, true, &ctx),
        Command::Disable(args) => toggle::run(&args, false, &ctx),
        Command::Edit => edit::run(&ctx),
        Command::Check(args) => check::run(&args, &ctx),
        Command::Explain(args) => explain::run(&args),
        Command::Next(args) => next::run(&args, &ctx),
        Command::Exec(args) => exec::run(&args, &ctx),
        Command::Notify(args) => notify::run(&args, &ctx),
        Command::Hook(args) => hook::run(&args, &ctx),
        Command::Run(args) => run::run(&args, &ctx),
        Command::History(args) => history::run(&args, &ctx),
        Command::Logs(args) => logs::run(&args, &ctx),
        Command::Deliveries(args) => deliveries::run(&args, &ctx),
        Command::Install(args) => install::run_install(&args, &ctx),
        Command::Uninstall(args) => install::run_uninstall(&args, &ctx),
        Command::Import(args) => import::run(&args, &ctx),
        Command::Export(args) => export::run(&args, &ctx),
        Command::Completions(_) | Command::Man => unreachable!("handled above"),
    }
}
