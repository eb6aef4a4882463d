//! `jobtab remove NAME...`: removes jobs, all or none: an unknown name is an error and nothing is
//! removed. Comments of the other jobs stay; a comment directly above a removed job goes with it.

use std::io::Write as _;
use std::process::ExitCode;

use anyhow::{Result, bail};

use crate::cli::RemoveArgs;
use crate::ctx::Ctx;
use crate::output;
use crate::store::{self, Editor};

pub(crate) fn run(args: &RemoveArgs, ctx: &Ctx) -> Result<ExitCode> {
    let names = unique(&args.names);
    let change = |editor: &mut Editor| -> Result<()> {
        require_all(editor, &names, "nothing was removed")?;
        for name in &names {
            editor.remove_job(name)?;
        }
        Ok(())
    };
    if args.dry_run {
        store::preview(&ctx.file, change)?;
        let mut out = output::Stdout::lock();
        for name in &names {
            writeln!(out, "would remove job {name:?}")?;
        }
        out.finish()?;
        eprintln!("dry run: {} was not changed", ctx.file.display());
    } else {
        store::edit(ctx.writable_file()?, change)?;
        for name in &names {
            eprintln!("removed job {name:?}");
        }
        super::crontab_note::after_change(ctx);
    }
    Ok(ExitCode::SUCCESS)
}

/// The names in the order given, each once.
pub(super) fn unique(names: &[String]) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    names
        .iter()
        .filter(|name| seen.insert(name.as_str()))
        .cloned()
        .collect()
}

/// Fails, naming every unknown job, unless all of `names` exist.
pub(super) fn require_all(editor: &Editor, names: &[String], consequence: &str) -> Result<()> {
    let unknown: Vec<String> = names
        .iter()
        .filter(|name| !editor.contains(name))
        .map(|name| format!("{name:?}"))
        .collect();
    match unknown.as_slice() {
        [] => Ok(()),
        [one] => bail!(
            "no job named {one} in {}; {consequence}; `jobtab list` shows the jobs there are",
            editor.path().display()
        ),
        many => bail!(
            "no jobs named {} in {}; {consequence}; `jobtab list` shows the jobs there are",
            many.join(", "),
            editor.path().display()
        ),
    }
}
