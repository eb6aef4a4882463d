//! `jobtab import [FILE|-] [--dry-run]`: turn crontab lines (default: `crontab -l`) outside
//! jobtab's own blocks into jobs of the job file. The reading rules live in `crontab::import`;
//! the job file is changed through the store's locked, atomic editor.
//!
//! Lines that cannot be imported are reported with their line numbers and skipped; the valid
//! ones are imported, and the command then exits 1 so that scripts notice.

use std::collections::HashSet;
use std::io::Read as _;
use std::process::ExitCode;

use anyhow::{Context as _, Result};

use crate::cli::ImportArgs;
use crate::crontab::Crontab;
use crate::crontab::import::{self, Imported};
use crate::crontab::naming;
use crate::ctx::Ctx;
use crate::store::{self, Editor, RawJob};

/// `jobtab import`.
pub(crate) fn run(args: &ImportArgs, ctx: &Ctx) -> Result<ExitCode> {
    let (text, source) = match args.source.as_deref() {
        None => (Crontab::from_env().read()?, "your crontab".to_owned()),
        Some("-") => {
            let mut text = Vec::new();
            std::io::stdin()
                .read_to_end(&mut text)
                .context("cannot read the crontab from standard input")?;
            (text, "standard input".to_owned())
        }
        Some(path) => (
            std::fs::read(path).with_context(|| format!("cannot read crontab file {path}"))?,
            path.to_owned(),
        ),
    };
    let parsed = import::parse(&text);
    for note in &parsed.notes {
        eprintln!("note: {note}");
    }
    for (line, why) in &parsed.skipped {
        eprintln!("skipped line {line}: {why}");
    }
    let file = ctx.file.display();
    let failed = if parsed.skipped.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    };
    let skipped_hint = || {
        if !parsed.skipped.is_empty() {
            eprintln!(
                "{} line{} of {source} could not be imported (see above); fix {} and import \
                 again, or add {} with `jobtab add`",
                parsed.skipped.len(),
                if parsed.skipped.len() == 1 { "" } else { "s" },
                if parsed.skipped.len() == 1 {
                    "it"
                } else {
                    "them"
                },
                if parsed.skipped.len() == 1 {
                    "it"
                } else {
                    "them"
                },
            );
        }
    };
    if parsed.jobs.is_empty() {
        eprintln!("nothing to import: {source} has no job lines outside jobtab's blocks");
        skipped_hint();
        return Ok(failed);
    }
    let add = |editor: &mut Editor| add_all(editor, &parsed.jobs);
    let added = if args.dry_run {
        store::preview(&ctx.file, add)?
    } else {
        store::edit(&ctx.file, add)?
    };
    let jobs = if added.len() == 1 {
        "1 job".to_owned()
    } else {
        format!("{} jobs", added.len())
    };
    if args.dry_run {
        let mut out = String::new();
        for (i, (name, raw)) in added.iter().enumerate() {
            if i > 0 {
                out.push('\n');
            }
            out.push_str(&store::job_toml(name, raw));
        }
        print!("{out}");
        eprintln!("dry run: would import {jobs} from {source} into {file}; nothing was written");
    } else {
        let names: Vec<&str> = added.iter().map(|(name, _)| name.as_str()).collect();
        eprintln!(
            "imported {jobs} from {source} into {file}: {}",
            names.join(", ")
        );
        if args.source.is_none() {
            eprintln!(
                "the lines are still in your crontab: remove them with `crontab -e`, then run \
                 `jobtab install` (or `jobtab run`), so that they do not run twice"
            );
        }
    }
    skipped_hint();
    Ok(failed)
}

/// Adds every job under a name not yet taken; returns the names and jobs as added.
fn add_all(editor: &mut Editor, jobs: &[Imported]) -> Result<Vec<(String, RawJob)>> {
    let mut taken: HashSet<String> = editor.names().into_iter().collect();
    let defaults = editor.defaults().clone();
    let mut added = Vec::with_capacity(jobs.len());
    for job in jobs {
        let name = naming::unique_name(&job.name, &mut taken);
        let mut raw = job.raw.clone();
        // Under cron the job ran in the machine's zone and with /bin/sh; `[defaults]` must not
        // change that.
        if defaults.timezone.is_some() && raw.timezone.is_none() {
            raw.timezone = crate::zone::local_iana_name();
        }
        if defaults.shell.is_some() && raw.shell.is_none() {
            raw.shell = Some("/bin/sh".to_owned());
        }
        editor
            .add_job(&name, &raw)
            .with_context(|| format!("cannot import line {} as job {name:?}", job.line))?;
        added.push((name, raw));
    }
    Ok(added)
}
