//! The user's system crontab (PRODUCT.md section 6): reading and writing it through the
//! `crontab` program, backups of the previous table, what `install` would write for a job file,
//! and whether it is installed. Splicing the block is pure and lives in `splice`; building one
//! line lives in `line`; what cron cannot run lives in `refusal`; backups and the lock live in
//! `state`; turning crontab text into jobs lives in `import` (with `percent`, `naming` and
//! `system`).
//!
//! What the system crontab cannot run is refused, never approximated: seconds, years, `L`,
//! `W`, `#`, and a time zone other than the machine's. Cron evaluates every line of a user
//! crontab in the system zone (`/etc/localtime`, never the `TZ` of the shell that runs
//! `install`; see `zone::SystemZone`); Debian's cron has no `CRON_TZ`, so a job in another
//! zone would silently run at the wrong time. A job's zone passes when it behaves like the
//! system zone (`UTC` on an `Etc/UTC` machine). Such jobs still run under `jobtab run`.
//!
//! The block is named by the job file's canonical path (symlinks resolved), which is also the
//! `--file` of its lines, so every spelling of one file has one block.

pub(crate) mod import;
mod line;
pub(crate) mod naming;
mod percent;
mod refusal;
pub(crate) mod splice;
mod state;
pub(crate) mod system;

use std::ffi::OsString;
use std::fmt;
use std::io::Write as _;
use std::path::Path;
use std::process::{Command, Stdio};

use anyhow::{Context as _, Result, bail};

use crate::ctx::Ctx;
use crate::store::{Job, JobFile};
use crate::zone::SystemZone;

pub(crate) use refusal::local_zone_warning;
use refusal::{crontab_schedule, refusal};
pub(crate) use state::{backup, lock};

/// The `crontab` program: `$JOBTAB_CRONTAB` when set, else `crontab` on `PATH`.
#[derive(Debug, Clone)]
pub(crate) struct Crontab {
    program: OsString,
}

impl Crontab {
    /// The program to use, from the environment.
    pub(crate) fn from_env() -> Crontab {
        let program = std::env::var_os("JOBTAB_CRONTAB")
            .filter(|p| !p.is_empty())
            .unwrap_or_else(|| OsString::from("crontab"));
        Crontab { program }
    }

    fn name(&self) -> String {
        self.program.to_string_lossy().into_owned()
    }

    fn spawn_error(&self, err: std::io::Error, args: &str) -> anyhow::Error {
        anyhow::anyhow!(
            "cannot run `{} {args}`: {err}; install cron (Debian: `apt install cron`) or set \
             JOBTAB_CRONTAB to your crontab program",
            self.name()
        )
    }

    /// The current table (`crontab -l`); "no crontab for <user>" is an empty table.
    pub(crate) fn read(&self) -> Result<Vec<u8>> {
        self.try_read().map_err(|failure| match failure {
            ReadFailure::NoProgram(err) => self.spawn_error(err, "-l"),
            ReadFailure::Failed(why) => anyhow::anyhow!("cannot read your crontab: {why}"),
        })
    }

    /// `read` with a short reason on failure, for status lines.
    fn try_read(&self) -> Result<Vec<u8>, ReadFailure> {
        let output = Command::new(&self.program)
            .arg("-l")
            .stdin(Stdio::null())
            .output()
            .map_err(ReadFailure::NoProgram)?;
        if output.status.success() {
            return Ok(output.stdout);
        }
        let message = message(&output.stderr, &output.stdout);
        if message.to_ascii_lowercase().contains("no crontab for") {
            return Ok(Vec::new());
        }
        Err(ReadFailure::Failed(format!(
            "`{} -l` failed ({}): {message}",
            self.name(),
            output.status
        )))
    }

    /// Replaces the whole table (`crontab -` with the table on stdin). When crontab refuses it,
    /// the error shows crontab's message; crontab then changed nothing.
    pub(crate) fn write(&self, table: &[u8]) -> Result<()> {
        let mut child = Command::new(&self.program)
            .arg("-")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|err| self.spawn_error(err, "-"))?;
        let mut stdin = child.stdin.take().context("no stdin for crontab")?;
        let data = table.to_vec();
        // A thread, so that a crontab that talks before it reads cannot deadlock us.
        let writer = std::thread::spawn(move || stdin.write_all(&data));
        let output = child
            .wait_with_output()
            .with_context(|| format!("cannot wait for `{} -`", self.name()))?;
        let written = writer.join().unwrap_or_else(|_| {
            Err(std::io::Error::other(
                "the thread writing to crontab panicked",
            ))
        });
        if !output.status.success() {
            bail!(
                "crontab refused the new table ({}): {}; your crontab was not changed",
                output.status,
                message(&output.stderr, &output.stdout)
            );
        }
        written.with_context(|| format!("cannot write the new table to `{} -`", self.name()))?;
        Ok(())
    }
}

/// Why `crontab -l` gave no table.
enum ReadFailure {
    /// The program could not be started.
    NoProgram(std::io::Error),
    /// It ran and failed: what it said.
    Failed(String),
}

/// crontab's message: its stderr (else stdout), trimmed, lines joined with "; ".
fn message(stderr: &[u8], stdout: &[u8]) -> String {
    let text = String::from_utf8_lossy(if stderr.trim_ascii().is_empty() {
        stdout
    } else {
        stderr
    })
    .into_owned();
    let joined = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("; ");
    if joined.is_empty() {
        "(no message)".to_owned()
    } else {
        joined
    }
}

/// The job file's path as it appears in its block's markers and in the `--file` of its
/// lines: canonical (symlinks resolved), so that every spelling of one file names one block.
pub(crate) fn block_name(file: &Path) -> Result<String> {
    let absolute = std::path::absolute(file)
        .with_context(|| format!("cannot resolve path {}", file.display()))?;
    // A job file removed since `install` still names its block.
    let resolved = crate::ctx::canonical_job_file(&absolute);
    let text = resolved.to_str().with_context(|| {
        format!(
            "the job file path {} is not valid UTF-8, which jobtab cannot write into a crontab; \
             move it to a path without such characters",
            resolved.display()
        )
    })?;
    if text.contains(['\n', '\r']) {
        bail!(
            "the job file path {text:?} holds a line break, which a crontab line cannot carry; \
             move it to a path without one"
        );
    }
    Ok(text.to_owned())
}

/// The state dir to pass to `jobtab exec` in the crontab: none when it is the one `exec` will
/// find by itself under cron's minimal environment (`HOME` set, no `XDG_*`), so that history
/// written under cron lands where `jobtab history` looks. A systemd service's environment is
/// alike (`HOME`, no `XDG_STATE_HOME`): `export --format systemd` uses this too.
pub(crate) fn state_dir_arg(ctx: &Ctx) -> Option<&Path> {
    let cron_default = if cfg!(target_os = "linux") {
        dirs::home_dir().map(|home| home.join(".local/state/jobtab"))
    } else {
        dirs::state_dir()
            .or_else(dirs::data_local_dir)
            .map(|dir| dir.join("jobtab"))
    };
    match cron_default {
        Some(default) if default == ctx.state_dir => None,
        _ => Some(&ctx.state_dir),
    }
}

/// The lines `install` writes for the file's enabled jobs (none: no block), or an error that
/// names every job the system crontab cannot run and why.
pub(crate) fn block_lines(ctx: &Ctx, file: &JobFile) -> Result<Vec<String>> {
    block_lines_in(ctx, file, &SystemZone::detect())
}

/// `block_lines` for a given system zone.
fn block_lines_in(ctx: &Ctx, file: &JobFile, system: &SystemZone) -> Result<Vec<String>> {
    let enabled: Vec<&Job> = file.jobs.iter().filter(|job| job.enabled).collect();
    let refused: Vec<String> = enabled
        .iter()
        .filter_map(|job| refusal(job, system).map(|why| format!("job {:?}: {why}", job.name)))
        .collect();
    if !refused.is_empty() {
        bail!(
            "the system crontab cannot run {} of the jobs in {}; nothing was written:\n  {}\n\
             change {it}, or disable {it} (`jobtab disable NAME`: a disabled job runs nowhere, \
             neither under cron nor under `jobtab run`), then install again; or leave the file \
             as it is and run its jobs with `jobtab run` instead of cron",
            if refused.len() == 1 { "one" } else { "some" },
            file.path.display(),
            refused.join("\n  "),
            it = if refused.len() == 1 { "it" } else { "them" },
        );
    }
    if enabled.is_empty() {
        return Ok(Vec::new());
    }
    let exe = std::env::current_exe()
        .and_then(|exe| exe.canonicalize())
        .context("cannot find the path of the running jobtab program")?;
    let invocation = line::Invocation::new(
        &exe,
        Path::new(&block_name(&file.path)?),
        state_dir_arg(ctx),
    )
    .map_err(anyhow::Error::msg)?;
    Ok(enabled
        .iter()
        .filter_map(|job| {
            let (schedule, jittered) = crontab_schedule(job)?;
            Some(if jittered {
                invocation.jittered_line(&schedule, &job.name)
            } else {
                invocation.line(&schedule, &job.name)
            })
        })
        .collect())
}

/// Whether a job file's block in the crontab matches the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum InstallStatus {
    /// The block is there and equal to what `install` would write now.
    Installed,
    /// The block is there but differs (or `install` would now remove or refuse it).
    OutOfDate,
    /// There is no block for this file.
    NotInstalled,
    /// The crontab cannot be read (or its markers are broken); the reason.
    Unknown(String),
}

impl fmt::Display for InstallStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InstallStatus::Installed => f.write_str("installed"),
            InstallStatus::OutOfDate => f.write_str("out of date"),
            InstallStatus::NotInstalled => f.write_str("not installed"),
            InstallStatus::Unknown(reason) => write!(f, "unknown: {reason}"),
        }
    }
}

/// Whether `file`'s jobs are installed in the crontab; one `crontab -l`.
pub(crate) fn install_status(ctx: &Ctx, file: &JobFile) -> InstallStatus {
    status_with(&Crontab::from_env(), ctx, file)
}

/// `install_status` of the job file at `ctx.file`, for a command that just changed it. The
/// file is read only when the crontab has a block for it, so the usual case (no block) costs
/// one `crontab -l` and no second parse of a big file.
pub(crate) fn file_install_status(ctx: &Ctx) -> InstallStatus {
    file_status_with(&Crontab::from_env(), ctx)
}

/// `file_install_status` through a given crontab program.
fn file_status_with(program: &Crontab, ctx: &Ctx) -> InstallStatus {
    let table = match program.try_read() {
        Ok(table) => table,
        Err(ReadFailure::NoProgram(err)) => {
            return InstallStatus::Unknown(format!("cannot run `{}`: {err}", program.name()));
        }
        Err(ReadFailure::Failed(why)) => return InstallStatus::Unknown(why),
    };
    let name = match block_name(&ctx.file) {
        Ok(name) => name,
        Err(err) => return InstallStatus::Unknown(format!("{err:#}")),
    };
    match splice::find(&table, &name) {
        Ok(None) => InstallStatus::NotInstalled,
        Err(err) => InstallStatus::Unknown(err),
        Ok(Some(_)) => match JobFile::read(&ctx.file) {
            Ok(file) => status_of(&table, ctx, &file),
            Err(err) => InstallStatus::Unknown(format!("{err:#}")),
        },
    }
}

/// `install_status` through a given crontab program.
fn status_with(program: &Crontab, ctx: &Ctx, file: &JobFile) -> InstallStatus {
    match program.try_read() {
        Ok(table) => status_of(&table, ctx, file),
        Err(ReadFailure::NoProgram(err)) => {
            InstallStatus::Unknown(format!("cannot run `{}`: {err}", program.name()))
        }
        Err(ReadFailure::Failed(why)) => InstallStatus::Unknown(why),
    }
}

/// `install_status` for a table already read.
fn status_of(table: &[u8], ctx: &Ctx, file: &JobFile) -> InstallStatus {
    let name = match block_name(&file.path) {
        Ok(name) => name,
        Err(err) => return InstallStatus::Unknown(format!("{err:#}")),
    };
    let found = match splice::find(table, &name) {
        Ok(Some(found)) => found,
        Ok(None) => return InstallStatus::NotInstalled,
        Err(err) => return InstallStatus::Unknown(err),
    };
    match block_lines(ctx, file) {
        Ok(lines)
            if !lines.is_empty() && file.problems.is_empty() && lines == found.text_lines() =>
        {
            InstallStatus::Installed
        }
        _ => InstallStatus::OutOfDate,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx(dir: &Path) -> Ctx {
        Ctx {
            file: dir.join("jobs.toml"),
            explicit_file: true,
            state_dir: dir.join("state"),
        }
    }

    fn job_file(ctx: &Ctx, toml: &str) -> JobFile {
        std::fs::write(&ctx.file, toml).unwrap();
        JobFile::read(&ctx.file).unwrap()
    }

    #[test]
    fn status_follows_the_block() {
        let dir = tempfile::tempdir().unwrap();
        let ctx = ctx(dir.path());
        let file = job_file(
            &ctx,
            "[jobs.a]\nschedule = \"0 2 * * *\"\ncommand = \"true\"\n\
             [jobs.b]\nschedule = \"@daily\"\ncommand = \"true\"\nenabled = false\n",
        );
        assert_eq!(
            status_of(b"0 1 * * * x\n", &ctx, &file),
            InstallStatus::NotInstalled
        );
        let lines = block_lines(&ctx, &file).unwrap();
        assert_eq!(lines.len(), 1, "disabled jobs are left out");
        assert!(lines[0].starts_with("0 2 * * * '/"), "{}", lines[0]);
        assert!(lines[0].ends_with(" exec -- a"), "{}", lines[0]);
        let name = block_name(&ctx.file).unwrap();
        let table = splice::splice(b"0 1 * * * x\n", &name, &lines).unwrap();
        assert_eq!(status_of(&table, &ctx, &file), InstallStatus::Installed);
        assert_eq!(status_of(&table, &ctx, &file).to_string(), "installed");

        let changed = job_file(
            &ctx,
            "[jobs.a]\nschedule = \"0 3 * * *\"\ncommand = \"true\"\n",
        );
        let status = status_of(&table, &ctx, &changed);
        assert_eq!(status, InstallStatus::OutOfDate);
        assert_eq!(status.to_string(), "out of date");

        let none_enabled = job_file(
            &ctx,
            "[jobs.a]\nschedule = \"0 3 * * *\"\ncommand = \"true\"\nenabled = false\n",
        );
        assert_eq!(
            status_of(&table, &ctx, &none_enabled),
            InstallStatus::OutOfDate
        );
        assert_eq!(InstallStatus::NotInstalled.to_string(), "not installed");
    }

    #[test]
    fn after_a_change_the_file_is_read_only_when_its_block_is_there() {
        let dir = tempfile::tempdir().unwrap();
        let ctx = ctx(dir.path());
        let table = dir.path().join("table");
        let script = dir.path().join("crontab");
        // Written by a child process: a descriptor open for writing here would be inherited
        // by children other tests fork meanwhile, and running the script would then fail with
        // "Text file busy".
        let text = format!(
            "#!/bin/sh\n[ -f '{0}' ] && exec cat '{0}'\necho 'no crontab for x' >&2\nexit 1\n",
            table.display()
        );
        let written = std::process::Command::new("sh")
            .args(["-c", "printf '%s' \"$1\" > \"$0\" && chmod 755 \"$0\""])
            .arg(&script)
            .arg(&text)
            .status()
            .unwrap();
        assert!(written.success());
        let program = Crontab {
            program: script.into(),
        };
        // No block: the job file is not even read (a folder there would fail to read).
        std::fs::create_dir(&ctx.file).unwrap();
        assert_eq!(
            file_status_with(&program, &ctx),
            InstallStatus::NotInstalled
        );
        std::fs::remove_dir(&ctx.file).unwrap();
        let file = job_file(
            &ctx,
            "[jobs.a]\nschedule = \"0 2 * * *\"\ncommand = \"true\"\n",
        );
        let name = block_name(&ctx.file).unwrap();
        let lines = block_lines(&ctx, &file).unwrap();
        std::fs::write(&table, splice::splice(b"", &name, &lines).unwrap()).unwrap();
        assert_eq!(file_status_with(&program, &ctx), InstallStatus::Installed);
        job_file(
            &ctx,
            "[jobs.a]\nschedule = \"0 3 * * *\"\ncommand = \"true\"\n",
        );
        assert_eq!(file_status_with(&program, &ctx), InstallStatus::OutOfDate);
        std::fs::remove_file(&ctx.file).unwrap();
        assert_eq!(file_status_with(&program, &ctx), InstallStatus::OutOfDate);
    }

    #[test]
    fn broken_markers_or_unreadable_crontab_are_unknown() {
        let dir = tempfile::tempdir().unwrap();
        let ctx = ctx(dir.path());
        let file = job_file(&ctx, "");
        let name = block_name(&ctx.file).unwrap();
        let broken = format!("# BEGIN jobtab {name}\nx\n");
        let status = status_of(broken.as_bytes(), &ctx, &file);
        assert!(
            status
                .to_string()
                .starts_with("unknown: your crontab has a `# BEGIN jobtab"),
            "{status}"
        );
        let missing = Crontab {
            program: dir.path().join("no-such-crontab").into(),
        };
        let status = status_with(&missing, &ctx, &file).to_string();
        assert!(status.starts_with("unknown: cannot run `"), "{status}");
        assert!(status.contains("no-such-crontab"), "{status}");
        // `cat -l` fails with a message, like a crontab that refuses to list.
        let failing = Crontab {
            program: "cat".into(),
        };
        let status = status_with(&failing, &ctx, &file).to_string();
        assert!(status.starts_with("unknown: `cat -l` failed"), "{status}");
        assert!(status.contains("invalid option"), "{status}");
        let unknown = InstallStatus::Unknown("cannot read your crontab".into());
        assert_eq!(unknown.to_string(), "unknown: cannot read your crontab");
    }

    #[test]
    fn refuses_what_the_system_crontab_cannot_run() {
        let dir = tempfile::tempdir().unwrap();
        let ctx = ctx(dir.path());
        let file = job_file(
            &ctx,
            "[jobs.secs]\nschedule = \"*/5 * * * * *\"\ncommand = \"true\"\n\
             [jobs.last]\nschedule = \"0 0 L * *\"\ncommand = \"true\"\n\
             [jobs.nth]\nschedule = \"0 0 * * 1#2\"\ncommand = \"true\"\n\
             [jobs.weekday]\nschedule = \"0 0 15W * *\"\ncommand = \"true\"\n\
             [jobs.year]\nschedule = \"0 0 0 1 1 * 2030\"\ncommand = \"true\"\n\
             [jobs.zone]\nschedule = \"0 0 * * *\"\ntimezone = \"Pacific/Chatham\"\ncommand = \"true\"\n\
             [jobs.fine]\nschedule = \"@reboot\"\ncommand = \"true\"\n\
             [jobs.off]\nschedule = \"*/5 * * * * *\"\ncommand = \"true\"\nenabled = false\n",
        );
        assert!(file.problems.is_empty(), "{:?}", file.problems);
        let err = format!("{:#}", block_lines(&ctx, &file).unwrap_err());
        for (name, why) in [
            ("secs", "seconds"),
            ("last", "L"),
            ("nth", "#"),
            ("weekday", "W"),
            ("year", "year"),
            ("zone", "Pacific/Chatham"),
        ] {
            let line = err
                .lines()
                .find(|l| l.contains(&format!("job {name:?}")))
                .unwrap_or_else(|| panic!("{name} not named in {err}"));
            assert!(line.contains(why), "{line}");
        }
        assert!(
            !err.contains("\"fine\"") && !err.contains("\"off\""),
            "{err}"
        );
        assert!(err.contains("nothing was written"), "{err}");
    }

    #[test]
    fn zones_are_compared_with_the_system_zone_by_behaviour() {
        let dir = tempfile::tempdir().unwrap();
        let ctx = ctx(dir.path());
        let file = job_file(
            &ctx,
            "[jobs.utc]\nschedule = \"0 0 * * *\"\ntimezone = \"UTC\"\ncommand = \"true\"\n\
             [jobs.berlin]\nschedule = \"0 0 * * *\"\ntimezone = \"Europe/Berlin\"\ncommand = \"true\"\n\
             [jobs.local]\nschedule = \"0 0 * * *\"\ncommand = \"true\"\n",
        );
        let etc_utc = SystemZone::named(chrono_tz::Etc::UTC);
        let err = format!("{:#}", block_lines_in(&ctx, &file, &etc_utc).unwrap_err());
        assert!(
            !err.contains("\"utc\"") && !err.contains("\"local\""),
            "{err}"
        );
        let berlin = err.lines().find(|l| l.contains("\"berlin\"")).unwrap();
        assert!(
            berlin.contains("Europe/Berlin is not the machine's (Etc/UTC)"),
            "{berlin}"
        );
        let paris = SystemZone::named(chrono_tz::Europe::Paris);
        let err = format!("{:#}", block_lines_in(&ctx, &file, &paris).unwrap_err());
        assert!(err.contains("job \"utc\""), "{err}");
        assert!(!err.contains("\"berlin\""), "Berlin runs like Paris: {err}");
    }

    #[test]
    fn every_spelling_of_a_file_names_one_block() {
        let dir = tempfile::tempdir().unwrap();
        let real_dir = dir.path().join("real");
        std::fs::create_dir(&real_dir).unwrap();
        let real = real_dir.join("jobs.toml");
        std::fs::write(&real, "").unwrap();
        let linked_dir = dir.path().join("linked");
        std::os::unix::fs::symlink(&real_dir, &linked_dir).unwrap();
        let linked_file = dir.path().join("jobs-link.toml");
        std::os::unix::fs::symlink(&real, &linked_file).unwrap();
        let canonical = real.canonicalize().unwrap().to_str().unwrap().to_owned();
        assert_eq!(block_name(&real).unwrap(), canonical);
        assert_eq!(block_name(&linked_file).unwrap(), canonical);
        assert_eq!(
            block_name(&linked_dir.join("jobs.toml")).unwrap(),
            canonical
        );
        std::fs::create_dir(real_dir.join("sub")).unwrap();
        assert_eq!(
            block_name(&real_dir.join("sub/../jobs.toml")).unwrap(),
            canonical
        );
        // A file that does not exist: its folder is resolved, its name kept.
        let missing = linked_dir.join("gone.toml");
        assert_eq!(
            block_name(&missing).unwrap(),
            format!("{}/gone.toml", real_dir.canonicalize().unwrap().display())
        );
        let nowhere = dir.path().join("no/such/dir/jobs.toml");
        assert_eq!(block_name(&nowhere).unwrap(), nowhere.to_str().unwrap());
    }

    #[test]
    fn the_state_dir_is_passed_only_when_cron_would_not_find_it() {
        let dir = tempfile::tempdir().unwrap();
        let custom = ctx(dir.path());
        assert_eq!(state_dir_arg(&custom), Some(custom.state_dir.as_path()));
        if let Some(home) = dirs::home_dir().filter(|_| cfg!(target_os = "linux")) {
            let default = Ctx {
                file: custom.file.clone(),
                explicit_file: true,
                state_dir: home.join(".local/state/jobtab"),
            };
            assert_eq!(state_dir_arg(&default), None);
        }
    }

    #[test]
    fn crontab_messages_are_joined_on_one_line() {
        assert_eq!(
            message(
                b"\"-\":3: bad minute\nerrors in crontab file, can't install.\n",
                b""
            ),
            "\"-\":3: bad minute; errors in crontab file, can't install."
        );
        assert_eq!(message(b"  \n", b"on stdout\n"), "on stdout");
        assert_eq!(message(b"", b""), "(no message)");
    }
}
