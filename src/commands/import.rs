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
use crate::store::model::RawDefaults;
use crate::store::{self, Action, Editor, Job, RawJob};
use crate::zone::SystemZone;

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
    let outcome = if args.dry_run {
        store::preview(&ctx.file, add)?
    } else {
        store::edit(ctx.writable_file()?, add)?
    };
    for (line, existing) in &outcome.duplicates {
        eprintln!(
            "skipped line {line}: already imported as job {existing:?} (same schedule and command)"
        );
    }
    for note in &outcome.notes {
        eprintln!("note: {note}");
    }
    let added = &outcome.added;
    if added.is_empty() {
        eprintln!("nothing new to import: every job line of {source} is already a job in {file}");
        skipped_hint();
        return Ok(failed);
    }
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
        crate::output::print(&out)?;
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

/// What `add_all` did.
#[derive(Debug, Default)]
struct Outcome {
    /// The names and jobs as added.
    added: Vec<(String, RawJob)>,
    /// Lines not added because a job of the file already runs the same command on the same
    /// schedule: (line number, that job's name).
    duplicates: Vec<(usize, String)>,
    /// Things to tell about the added jobs.
    notes: Vec<String>,
}

/// Adds every job that the file does not have yet (same schedule and command) under a name not
/// yet taken.
fn add_all(editor: &mut Editor, jobs: &[Imported]) -> Result<Outcome> {
    let mut taken: HashSet<String> = editor.names().into_iter().collect();
    let defaults = editor.defaults().clone();
    let (existing, _) = store::parse(&editor.text());
    let mut outcome = Outcome::default();
    // Under cron the jobs ran in the system zone and with /bin/sh; `[defaults]` must not change
    // that.
    let system_zone = defaults
        .timezone
        .is_some()
        .then(|| SystemZone::detect().tz().map(|tz| tz.name().to_owned()));
    for job in jobs {
        if let Some(twin) = existing.iter().find(|e| same_job(e, &job.raw)) {
            outcome.duplicates.push((job.line, twin.name.clone()));
            continue;
        }
        let name = naming::unique_name(&job.name, &mut taken);
        let mut raw = job.raw.clone();
        if raw.timezone.is_none()
            && let Some(zone) = &system_zone
        {
            raw.timezone.clone_from(zone);
        }
        if defaults.shell.is_some() && raw.shell.is_none() {
            raw.shell = Some("/bin/sh".to_owned());
        }
        editor
            .add_job(&name, &raw)
            .with_context(|| format!("cannot import line {} as job {name:?}", job.line))?;
        outcome.added.push((name, raw));
    }
    if outcome.added.is_empty() {
        return Ok(outcome);
    }
    if system_zone == Some(None) && outcome.added.iter().any(|(_, raw)| raw.timezone.is_none()) {
        outcome.notes.push(format!(
            "the system zone cron used cannot be told here, so the imported jobs without \
             CRON_TZ take `[defaults] timezone = {:?}`; set their `timezone` if cron ran them \
             in another zone",
            defaults.timezone.as_deref().unwrap_or_default()
        ));
    }
    if let Some(inherited) = inherited_defaults(&defaults) {
        outcome.notes.push(format!(
            "the imported jobs take these `[defaults]` of {}: {inherited} (cron had none of \
             them; set them on a job to change that)",
            editor.path().display()
        ));
    }
    Ok(outcome)
}

/// Whether `existing` already runs what the crontab line `raw` runs: the same schedule
/// (whitespace and letter case aside) and the same command.
fn same_job(existing: &Job, raw: &RawJob) -> bool {
    let normal = |s: &str| {
        s.split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_ascii_lowercase()
    };
    let Action::Shell { command, .. } = &existing.action else {
        return false;
    };
    Some(command.as_str()) == raw.command.as_deref()
        && normal(existing.triggers.as_str()) == normal(&raw.schedule)
}

/// The `[defaults]` that imported jobs inherit (timeout, retries, retry delay, overlap, catch
/// up, notify), as `key = value` text; `None` when there are none.
fn inherited_defaults(defaults: &RawDefaults) -> Option<String> {
    let mut set = Vec::new();
    if let Some(timeout) = &defaults.timeout {
        set.push(format!("timeout = {timeout:?}"));
    }
    if let Some(retries) = defaults.retries {
        set.push(format!("retries = {retries}"));
    }
    if let Some(delay) = &defaults.retry_delay {
        set.push(format!("retry_delay = {delay:?}"));
    }
    if let Some(overlap) = defaults.overlap {
        set.push(format!("overlap = {:?}", overlap.as_str()));
    }
    if let Some(catch_up) = defaults.catch_up {
        set.push(format!("catch_up = {:?}", catch_up.as_str()));
    }
    if let Some(notify) = &defaults.notify {
        set.push(format!("notify = {{ url = {:?} }}", notify.url));
    }
    (!set.is_empty()).then(|| set.join(", "))
}
