//! `jobtab import [FILE|-] [--dry-run]`: turn crontab lines (default: `crontab -l`) outside
//! jobtab's own blocks into jobs of the job file. The reading rules live in `crontab::import`;
//! the job file is changed through the store's locked, atomic editor.
//!
//! Lines that cannot be imported are reported with their line numbers and skipped; the valid
//! ones are imported, and the command then exits 1 so that scripts notice.

use std::collections::HashMap;
use std::io::{BufWriter, Read as _, StderrLock, Write as _};
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context as _, Result};

use crate::cli::ImportArgs;
use crate::crontab::Crontab;
use crate::crontab::import::{self, Format, Imported};
use crate::crontab::naming;
use crate::crontab::system::{self, Reason};
use crate::ctx::Ctx;
use crate::store::model::RawDefaults;
use crate::store::{self, Action, Editor};
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
    let system = system_reason(args, &text);
    let format = if system.is_some() {
        Format::System
    } else {
        Format::User
    };
    let mut parsed = import::parse_as(&text, format);
    let me = system::current_user();
    if let Some(reason) = &system {
        eprintln!("note: {}", system_note(reason, &source, me.as_deref()));
    }
    // jobtab runs every job as the user who runs it: a job cron ran as someone else waits
    // for the user's word before it runs at all.
    for job in &mut parsed.jobs {
        if job.user.is_some() && job.user != me {
            job.raw.enabled = Some(false);
        }
    }
    let mut err = messages();
    for note in &parsed.notes {
        let _ = writeln!(err, "note: {note}");
    }
    for (line, why) in &parsed.skipped {
        let _ = writeln!(err, "skipped line {line}: {why}");
    }
    let _ = err.flush();
    drop(err);
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
    let add = |editor: &mut Editor| add_all(editor, parsed.jobs, args.dry_run);
    let outcome = if args.dry_run {
        store::preview(&ctx.file, add)?
    } else {
        store::edit(ctx.writable_file()?, add)?
    };
    let mut err = messages();
    for (line, existing) in &outcome.duplicates {
        let _ = writeln!(
            err,
            "skipped line {line}: already imported as job {existing:?} (same schedule and command)"
        );
    }
    let _ = err.flush();
    drop(err);
    for note in &outcome.notes {
        eprintln!("note: {note}");
    }
    let added = &outcome.added;
    if let Some(note) = disabled_note(added, me.as_deref(), args.dry_run) {
        eprintln!("note: {note}");
    }
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
        for (i, job) in added.iter().enumerate() {
            if i > 0 {
                out.push('\n');
            }
            out.push_str(job.toml.as_deref().unwrap_or_default());
        }
        crate::output::print(&out)?;
        eprintln!("dry run: would import {jobs} from {source} into {file}; nothing was written");
    } else {
        eprintln!(
            "imported {jobs} from {source} into {file}: {}",
            name_list(added.iter().map(|job| job.name.as_str()))
        );
        if args.source.is_none() {
            eprintln!(
                "the lines are still in your crontab: remove them with `crontab -e`, then run \
                 `jobtab install` (or `jobtab run`), so that they do not run twice"
            );
        } else if system.is_some() && added.iter().any(|job| job.enabled) {
            eprintln!(
                "the lines are still in {source}: remove them there before `jobtab install` (or \
                 `jobtab run`), so that they do not run twice"
            );
        }
    }
    skipped_hint();
    Ok(failed)
}

/// Standard error, buffered: a crontab of 100,000 lines can have as many messages, and
/// writing each line on its own (as `eprintln!` does, a piece at a time) took longer than the
/// import. A failed write is ignored, as there is nowhere left to report it.
fn messages() -> BufWriter<StderrLock<'static>> {
    BufWriter::with_capacity(64 * 1024, std::io::stderr().lock())
}

/// Why the source is read as a system crontab, if it is (see `crontab::system`): `--system`,
/// its path, or its lines. `crontab -l` is a user crontab unless `--system` says otherwise.
fn system_reason(args: &ImportArgs, text: &[u8]) -> Option<Reason> {
    if args.no_system {
        return None;
    }
    if args.system {
        return Some(Reason::Asked);
    }
    let source = args.source.as_deref()?;
    if source != "-" && system::is_system_path(Path::new(source)) {
        return Some(Reason::Path(source.to_owned()));
    }
    system::user_column(text, &system::is_user, &system::is_command)
        .map(|(line, user)| Reason::Line(line, user))
}

/// What the user is told when the source is read as a system crontab.
fn system_note(reason: &Reason, source: &str, me: Option<&str>) -> String {
    let why = match reason {
        Reason::Asked => "as --system asks".to_owned(),
        Reason::Path(_) => "as /etc/crontab and the files in /etc/cron.d are".to_owned(),
        Reason::Line(line, user) => format!(
            "because line {line} names the user {user} between the schedule and the command \
             (pass --no-system if it is a user crontab)"
        ),
    };
    let me = me.map_or_else(
        || "the user who runs it".to_owned(),
        |me| format!("you ({me})"),
    );
    format!(
        "reading {source} as a system crontab, {why}: the field after the schedule is the user \
         cron ran the command as, which is not part of the command; jobtab runs every job as \
         {me}, and the description of each job says which user cron ran it as"
    )
}

/// The note on the imported jobs that cron ran as another user (they are imported disabled).
fn disabled_note(added: &[Added], me: Option<&str>, dry_run: bool) -> Option<String> {
    let disabled: Vec<&str> = added
        .iter()
        .filter(|job| !job.enabled)
        .map(|job| job.name.as_str())
        .collect();
    if disabled.is_empty() {
        return None;
    }
    let (count, are) = match disabled.len() {
        1 => ("1 job".to_owned(), "is"),
        n => (format!("{n} jobs"), "are"),
    };
    let are = if dry_run { "would be" } else { are };
    let me = me.unwrap_or("the user who runs jobtab");
    Some(format!(
        "{count} ran as another user under cron, not as {me}, and {are} imported disabled: \
         {}; check what each does as {me} (`jobtab show NAME`), then `jobtab enable NAME`",
        name_list(disabled.into_iter())
    ))
}

/// The names, the first `SHOWN` of them when there are more (a big import's names are for
/// `jobtab list`, not for one line of the terminal).
fn name_list<'a>(names: impl ExactSizeIterator<Item = &'a str>) -> String {
    const SHOWN: usize = 10;
    let count = names.len();
    let mut list: Vec<&str> = names.take(SHOWN).collect();
    let more;
    if count > SHOWN {
        more = format!("and {} more (`jobtab list` shows them all)", count - SHOWN);
        list.push(&more);
    }
    list.join(", ")
}

/// What `add_all` did.
#[derive(Debug, Default)]
struct Outcome {
    /// The jobs added, in order.
    added: Vec<Added>,
    /// Lines not added because a job of the file already runs the same command on the same
    /// schedule: (line number, that job's name).
    duplicates: Vec<(usize, String)>,
    /// Things to tell about the added jobs.
    notes: Vec<String>,
}

/// What the messages need of an added job (not the job: an import of 100,000 lines would keep
/// them all while the store validates the new file).
#[derive(Debug)]
struct Added {
    name: String,
    enabled: bool,
    /// The job as TOML, for `--dry-run`.
    toml: Option<String>,
}

/// Adds every job that the file does not have yet (same schedule and command) under a name not
/// yet taken; with `preview`, keeps each job's TOML.
fn add_all(editor: &mut Editor, jobs: Vec<Imported>, preview: bool) -> Result<Outcome> {
    let mut names = naming::Names::new(editor.names());
    let defaults = editor.defaults().clone();
    // The file's shell jobs by what they run, first one kept: one look-up per line, whatever
    // the sizes of the file and the crontab.
    let mut existing: HashMap<String, String> = HashMap::new();
    for job in editor.take_read_jobs() {
        if let Action::Shell { command, .. } = &job.action {
            existing
                .entry(duplicate_key(job.triggers.as_str(), command))
                .or_insert(job.name);
        }
    }
    let mut outcome = Outcome::default();
    let mut zoneless = false;
    // Under cron the jobs ran in the system zone and with /bin/sh; `[defaults]` must not change
    // that.
    let system_zone = defaults
        .timezone
        .is_some()
        .then(|| SystemZone::detect().tz().map(|tz| tz.name().to_owned()));
    for job in jobs {
        if !existing.is_empty() {
            let key = duplicate_key(
                job.raw.schedule.as_deref().unwrap_or_default(),
                job.raw.command.as_deref().unwrap_or(""),
            );
            if let Some(twin) = existing.get(&key) {
                outcome.duplicates.push((job.line, twin.clone()));
                continue;
            }
        }
        let name = names.unique(&job.name);
        let mut raw = job.raw;
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
        zoneless |= raw.timezone.is_none();
        outcome.added.push(Added {
            toml: preview.then(|| store::job_toml(&name, &raw)),
            enabled: raw.enabled != Some(false),
            name,
        });
    }
    if outcome.added.is_empty() {
        return Ok(outcome);
    }
    if system_zone == Some(None) && zoneless {
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

/// What a line and a job are compared by for duplicates: the schedule, whitespace and letter
/// case aside, a line break (which no schedule so written holds), and the command.
fn duplicate_key(schedule: &str, command: &str) -> String {
    let mut key = String::with_capacity(schedule.len() + 1 + command.len());
    for (i, field) in schedule.split_whitespace().enumerate() {
        if i > 0 {
            key.push(' ');
        }
        key.push_str(field);
    }
    key.make_ascii_lowercase();
    key.push('\n');
    key.push_str(command);
    key
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duplicates_are_told_by_schedule_and_command() {
        let key = duplicate_key("0  2 * *\tMON", "backup.sh");
        assert_eq!(key, duplicate_key(" 0 2 * * mon ", "backup.sh"));
        assert_eq!(key, "0 2 * * mon\nbackup.sh");
        assert_ne!(key, duplicate_key("0 2 * * mon", "backup.sh "));
        assert_ne!(key, duplicate_key("0 2 * * tue", "backup.sh"));
        // Where the schedule ends is never in doubt.
        assert_ne!(
            duplicate_key("@daily x", "y"),
            duplicate_key("@daily", "x\ny")
        );
    }
}
