//! `jobtab export --format systemd`: a `jobtab-NAME.service` (a oneshot running `jobtab exec
//! NAME`) and a `jobtab-NAME.timer` per enabled job (PRODUCT.md section 7).
//!
//! - `OnCalendar=` lines come from `oncalendar`, with the job's zone appended (none for the
//!   local zone). Both day fields restricted (Vixie's OR) gives two lines.
//! - `AccuracySec=1s`: systemd's default of one minute would delay runs by up to a minute.
//! - `Persistent=true` for catch_up = "once": systemd then starts one missed run when the
//!   timer comes back (after sleep or power-off); catch_up = "none" leaves it out.
//! - `@reboot` → `OnBootSec=0`: once when the timer starts at boot (for a user timer, when the
//!   user's manager starts).
//! - Overlap: systemd never starts a service that is still running, so every job behaves as
//!   overlap = "skip"; the unit says so for "queue" and "allow".
//! - `TimeoutStartSec=` (the limit of a oneshot; `RuntimeMaxSec=` does not apply to it) is
//!   `run_budget`, a backstop behind `jobtab exec`'s own timeout.
//! - `ExecStart=` passes `--state-dir` when the service would not find the exporting user's
//!   state dir by itself (as `install` does for cron), so `jobtab history` shows its runs.
//! - A service has no environment to take `${VAR}`s from: the services of jobs that use any
//!   read `EnvironmentFile=` (`--env-file`); without it such jobs are refused by name.
//! - Daylight saving: systemd skips a fixed-time job's time that a spring-forward change
//!   removes, and runs a time that a fall-back change repeats once (`jobtab run` runs a job
//!   that follows real time at both): the timer of a job that a change of its zone affects
//!   says so in a comment, and the export in a note (`dst`).
//! - `jitter` → `RandomizedDelaySec=` with `FixedRandomDelay=true`: a stable delay below the
//!   jitter, but systemd's own (hashed from the machine id and the unit name), not the offset
//!   `jobtab run` uses on this machine; the timer says so.
//! - `after` → `OnSuccess=`/`OnFailure=` in the upstream's service, where that is exact: one
//!   upstream that is exported too, and `after_status` success or failure. The upstream then
//!   runs `jobtab exec --no-chain`, so systemd alone starts the dependent. A job with only
//!   `after` gets a service and no timer. Anything else with `after` is refused by name.

use std::fmt::Write as _;

use chrono::{DateTime, Utc};

use super::dst::{Changes, Target, comment_lines, differences};
use super::oncalendar::on_calendar;
use super::vars::job_vars;
use super::{Budget, Refusal, Refused, budget};
use crate::store::{AfterStatus, CatchUp, Job, Overlap, Triggers};
use crate::zone::Zone;

/// The longest job name whose unit names stay within systemd's 255 characters.
const MAX_NAME: usize = 240;

/// One unit file: its name (`jobtab-NAME.service`) and content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Unit {
    pub(crate) file_name: String,
    pub(crate) text: String,
}

/// Where the services find jobtab and its files, and what the export needs to know.
#[derive(Debug, Clone)]
pub(crate) struct Options<'a> {
    /// The absolute path of the jobtab binary.
    pub(crate) jobtab: &'a str,
    /// The absolute path of the job file.
    pub(crate) job_file: &'a str,
    /// The state dir for `jobtab exec --state-dir`, when the service would not find it itself.
    pub(crate) state_dir: Option<&'a str>,
    /// `--env-file`: an absolute path (see `check_env_file`).
    pub(crate) env_file: Option<&'a str>,
    /// The zone systemd runs timers without a zone in (the system's).
    pub(crate) local_zone: Zone,
    /// The time of the export: daylight-saving changes from then on are checked.
    pub(crate) now: DateTime<Utc>,
}

/// What an export writes: the units, and notes for stderr.
#[derive(Debug, Clone)]
pub(crate) struct Units {
    pub(crate) units: Vec<Unit>,
    /// One line each, for the user (what runs differently from `jobtab run`).
    pub(crate) notes: Vec<String>,
}

/// Why `path` cannot be an `EnvironmentFile=` value, if it cannot: it must be absolute, and
/// plain text for a unit file (no control characters, no `\`, no glob characters, which
/// systemd would expand, no trailing space, which it would drop).
pub(crate) fn check_env_file(path: &str) -> Result<(), String> {
    let what = if !path.starts_with('/') {
        "is not an absolute path, which systemd needs"
    } else if path.chars().any(char::is_control) {
        "holds a control character, which a unit file cannot carry"
    } else if path.contains(['*', '?', '[']) {
        "holds *, ? or [, which systemd reads as a pattern"
    } else if path.contains('\\') {
        "holds a backslash, which a unit file does not keep as written"
    } else if path.ends_with(char::is_whitespace) {
        "ends with a space, which a unit file drops"
    } else {
        return Ok(());
    };
    Err(format!(
        "--env-file {path:?} {what}; give the full path of a file with plain characters, like \
         /etc/jobtab/secrets.env"
    ))
}

/// The units for the enabled jobs; or every job that cannot be exported and why.
pub(crate) fn units(jobs: &[Job], options: &Options<'_>) -> Result<Units, Refused> {
    let mut refusals = Vec::new();
    let mut out = Vec::new();
    let mut notes = Vec::new();
    let mut changes = Changes::new(options.now);
    for job in jobs.iter().filter(|job| job.enabled) {
        if job.name.len() > MAX_NAME {
            refusals.push(Refusal {
                job: job.name.clone(),
                reason: format!(
                    "its name is longer than {MAX_NAME} characters, too long for a unit name"
                ),
            });
            continue;
        }
        let vars: Vec<String> = job_vars(job)
            .into_iter()
            .map(|var| format!("${{{var}}}"))
            .collect();
        if !vars.is_empty() && options.env_file.is_none() {
            refusals.push(Refusal {
                job: job.name.clone(),
                reason: format!(
                    "it uses {}, which a systemd service does not have: pass --env-file PATH, \
                     a file with a line NAME=value for each",
                    vars.join(", ")
                ),
            });
        }
        if let Err(reason) = chain_exact(job, jobs) {
            refusals.push(Refusal {
                job: job.name.clone(),
                reason,
            });
        }
        match trigger(job) {
            Ok(trigger) => {
                let zone = match job.zone {
                    Zone::Local => options.local_zone,
                    named => named,
                };
                let dst = match &job.triggers.schedule {
                    Some(schedule) => differences(schedule, zone, Target::Systemd, &mut changes),
                    None => Vec::new(),
                };
                for difference in &dst {
                    notes.push(format!("job {:?}: daylight saving: {difference}", job.name));
                }
                if job.triggers.webhook.is_some() {
                    notes.push(super::webhook_note(job));
                }
                out.push(service(job, &vars, &dependents(job, jobs), options));
                if !trigger.is_empty() {
                    out.push(timer(job, &trigger, &dst));
                }
            }
            Err(reason) => refusals.push(Refusal {
                job: job.name.clone(),
                reason,
            }),
        }
    }
    if refusals.is_empty() {
        Ok(Units { units: out, notes })
    } else {
        Err(Refused {
            target: "systemd",
            refusals,
        })
    }
}

/// Whether systemd can start `job` after its upstream exactly as jobtab would (see the
/// module's rules); `Ok` for a job without `after`.
fn chain_exact(job: &Job, jobs: &[Job]) -> Result<(), String> {
    let triggers = &job.triggers;
    let [upstream] = triggers.after.as_slice() else {
        return match triggers.after.len() {
            0 => Ok(()),
            _ => Err(format!(
                "it runs after any of {} (`after`); systemd's OnSuccess=/OnFailure= start it \
                 after one unit only: name one upstream job",
                triggers.after.join(", ")
            )),
        };
    };
    if triggers.after_status == AfterStatus::Always {
        return Err(format!(
            "it runs after {upstream} with after_status = \"always\", which systemd's \
             OnSuccess=/OnFailure= cannot say exactly; use \"success\" or \"failure\""
        ));
    }
    if !jobs.iter().any(|j| j.name == *upstream && j.enabled) {
        return Err(format!(
            "it runs after {upstream} (`after`), which is not exported (disabled or missing), \
             so nothing would start it"
        ));
    }
    Ok(())
}

/// The exported jobs that run after `job`, with the `[Unit]` setting that starts each.
fn dependents<'a>(job: &Job, jobs: &'a [Job]) -> Vec<(&'static str, &'a str)> {
    jobs.iter()
        .filter(|j| j.enabled && j.triggers.after == [job.name.as_str()])
        .filter_map(|j| match j.triggers.after_status {
            AfterStatus::Success => Some(("OnSuccess", j.name.as_str())),
            AfterStatus::Failure => Some(("OnFailure", j.name.as_str())),
            AfterStatus::Always => None,
        })
        .collect()
}

/// The `[Timer]` lines that start the job; none for a job that only runs `after` others.
fn trigger(job: &Job) -> Result<Vec<String>, String> {
    // Destructured so that a new kind of trigger has to be decided on here.
    // A webhook needs `jobtab run --listen`; a job with a schedule (or `after`) too gets its
    // timer (and a note that its webhook is left out). (`after` is the upstream's
    // `OnSuccess=`/`OnFailure=`, see `dependents`.)
    let Triggers {
        written: _,
        schedule,
        at_start,
        webhook: _,
        jitter,
        after: _,
        after_status: _,
    } = &job.triggers;
    if job.triggers.webhook_only_job() {
        return Err(
            "it runs only on webhook deliveries, which a systemd timer cannot \
                    receive: it needs `jobtab run --listen`"
                .to_owned(),
        );
    }
    let Some(fields) = schedule.as_ref().and_then(|s| s.fields()) else {
        return Ok(if *at_start {
            vec!["OnBootSec=0".to_owned()]
        } else {
            Vec::new()
        });
    };
    let suffix = match job.zone {
        Zone::Named(tz) => format!(" {}", tz.name()),
        Zone::Local => String::new(),
    };
    let mut lines: Vec<String> = on_calendar(&fields)?
        .into_iter()
        .map(|line| format!("OnCalendar={line}{suffix}"))
        .collect();
    if let Some(jitter) = jitter {
        lines.push(format!(
            "# jitter = \"{}\": a stable delay below it, but systemd's own (from the machine \
             id and the unit name), not the offset jobtab run uses here\n\
             RandomizedDelaySec={}\nFixedRandomDelay=true",
            crate::duration::format(jitter.max),
            jitter.max.as_secs()
        ));
    }
    Ok(lines)
}

fn header(job: &Job) -> String {
    format!(
        "# Generated by `jobtab export --format systemd` for job {}: edit the job file and\n\
         # export again rather than this file.\n",
        one_line(&format!("{:?}", job.name))
    )
}

/// The `.service`; `vars` are the `${VAR}`s the job uses, `dependents` the units systemd
/// starts when it ends (`dependents`).
fn service(job: &Job, vars: &[String], dependents: &[(&str, &str)], options: &Options<'_>) -> Unit {
    let mut text = header(job);
    let what = match &job.description {
        Some(description) => one_line(description),
        None => job.triggers.as_str().to_owned(),
    };
    let _ = writeln!(
        text,
        "[Unit]\nDescription={}",
        escape_specifiers(&format!("jobtab job {}: {what}", job.name))
    );
    for (setting, name) in dependents {
        let _ = writeln!(text, "{setting}=jobtab-{name}.service");
    }
    text.push_str("\n[Service]\nType=oneshot\n");
    // systemd starts the dependents: `exec` must not run them too.
    let no_chain = if dependents.is_empty() {
        ""
    } else {
        " --no-chain"
    };
    let state_dir = match options.state_dir {
        Some(dir) => format!(" --state-dir {}", exec_quote(dir)),
        None => String::new(),
    };
    let _ = writeln!(
        text,
        "ExecStart={} --file {}{state_dir} exec{no_chain} {}",
        exec_quote(options.jobtab),
        exec_quote(options.job_file),
        exec_quote(&job.name)
    );
    if let (false, Some(env_file)) = (vars.is_empty(), options.env_file) {
        let _ = writeln!(
            text,
            "# the job uses {}: a line NAME=value for each in this file\nEnvironmentFile={}",
            vars.join(", "),
            escape_specifiers(env_file)
        );
    }
    match budget(job) {
        Budget::Seconds(seconds) => {
            let _ = writeln!(
                text,
                "# every attempt up to the timeout, the retry delays, and a minute to start\n\
                 TimeoutStartSec={seconds}"
            );
        }
        Budget::NoTimeout => text.push_str("# the job has no timeout\nTimeoutStartSec=infinity\n"),
        Budget::TooLong => text.push_str(
            "# with its retries the job may take over a year; jobtab exec still ends each \
             attempt at the timeout\nTimeoutStartSec=infinity\n",
        ),
    }
    Unit {
        file_name: format!("jobtab-{}.service", job.name),
        text,
    }
}

/// The `.timer`; `dst` says how systemd runs the job differently on daylight-saving days.
fn timer(job: &Job, trigger: &[String], dst: &[String]) -> Unit {
    let mut text = header(job);
    let _ = writeln!(
        text,
        "[Unit]\nDescription={}\n",
        escape_specifiers(&format!(
            "Timer for jobtab job {} ({})",
            job.name,
            job.triggers.as_str()
        ))
    );
    text.push_str("[Timer]\n");
    for line in trigger {
        let _ = writeln!(text, "{line}");
    }
    if trigger
        .iter()
        .filter(|l| l.starts_with("OnCalendar="))
        .count()
        > 1
    {
        text.push_str(
            "# both day fields are restricted: a day matches either (cron's rule), one line each\n",
        );
    }
    text.push_str("# systemd's default AccuracySec=1min would delay runs by up to a minute\n");
    text.push_str("AccuracySec=1s\n");
    if !job.triggers.at_start_only() {
        match job.catch_up {
            CatchUp::Once => text.push_str(
                "# catch_up = \"once\": one missed run starts when the timer is back\n\
                 Persistent=true\n",
            ),
            CatchUp::None => {
                text.push_str("# catch_up = \"none\": runs missed while off are skipped\n");
            }
        }
        for difference in dst {
            text.push_str(&comment_lines(
                &one_line(&format!("daylight saving: {difference}")),
                "# ",
                100,
            ));
        }
    }
    match job.overlap {
        Overlap::Skip => {}
        Overlap::Queue | Overlap::Allow => text.push_str(
            "# overlap: systemd does not start the service while it still runs, so a run due \
             then is skipped\n",
        ),
    }
    text.push_str("\n[Install]\nWantedBy=timers.target\n");
    Unit {
        file_name: format!("jobtab-{}.timer", job.name),
        text,
    }
}

/// One word of an `ExecStart=` line: double-quoted, with `\` and `"` escaped, `$` doubled
/// (no variable expansion), `%` doubled (no specifiers) and control characters as `\xNN`.
pub(crate) fn exec_quote(word: &str) -> String {
    let mut out = String::with_capacity(word.len() + 2);
    out.push('"');
    for c in word.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '$' => out.push_str("$$"),
            '%' => out.push_str("%%"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() && (c as u32) < 0x80 => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A value where systemd expands `%` specifiers (`Description=`), with `%` doubled.
fn escape_specifiers(text: &str) -> String {
    text.replace('%', "%%")
}

/// Text for a single line of a unit file or comment.
fn one_line(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jobs(toml: &str) -> Vec<Job> {
        let (jobs, problems) = crate::store::parse(toml);
        assert!(problems.is_empty(), "{problems:?}");
        jobs
    }

    fn options(jobtab: &'static str, job_file: &'static str) -> Options<'static> {
        Options {
            jobtab,
            job_file,
            state_dir: None,
            env_file: None,
            local_zone: Zone::parse("UTC").unwrap(),
            now: DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z")
                .unwrap()
                .with_timezone(&Utc),
        }
    }

    fn unit<'a>(units: &'a [Unit], name: &str) -> &'a str {
        &units
            .iter()
            .find(|u| u.file_name == name)
            .unwrap_or_else(|| panic!("no {name} in {units:?}"))
            .text
    }

    #[test]
    fn exec_words_are_quoted_for_systemd() {
        assert_eq!(exec_quote("/usr/bin/jobtab"), "\"/usr/bin/jobtab\"");
        assert_eq!(
            exec_quote("/home/a b/50% $HOME \"q\" \\"),
            "\"/home/a b/50%% $$HOME \\\"q\\\" \\\\\""
        );
        assert_eq!(exec_quote("a\nb\u{1}"), "\"a\\nb\\x01\"");
    }

    #[test]
    fn service_and_timer_for_a_job() {
        let jobs = jobs(
            "[jobs.backup]\ndescription = \"nightly dump, 100%\"\nschedule = \"0 2 * * *\"\n\
             timezone = \"Europe/Berlin\"\ncommand = \"true\"\ntimeout = \"30m\"\n\
             catch_up = \"once\"\n",
        );
        let units = units(&jobs, &options("/usr/bin/jobtab", "/home/a b/jobs.toml"))
            .unwrap()
            .units;
        assert_eq!(units.len(), 2);
        let service = unit(&units, "jobtab-backup.service");
        assert!(
            service.contains("Description=jobtab job backup: nightly dump, 100%%\n"),
            "{service}"
        );
        assert!(service.contains("Type=oneshot\n"), "{service}");
        assert!(
            service.contains(
                "ExecStart=\"/usr/bin/jobtab\" --file \"/home/a b/jobs.toml\" exec \"backup\"\n"
            ),
            "{service}"
        );
        assert!(service.contains("TimeoutStartSec=1865\n"), "{service}");
        let timer = unit(&units, "jobtab-backup.timer");
        assert!(
            timer.contains("OnCalendar=*-*-* 02:00:00 Europe/Berlin\n"),
            "{timer}"
        );
        assert!(timer.contains("AccuracySec=1s\n"), "{timer}");
        assert!(timer.contains("Persistent=true\n"), "{timer}");
        assert!(timer.contains("daylight saving"), "{timer}");
        assert!(
            timer.ends_with("[Install]\nWantedBy=timers.target\n"),
            "{timer}"
        );
    }

    #[test]
    fn local_zone_no_suffix_or_rule_two_lines_reboot_and_disabled() {
        let jobs = jobs(
            "[jobs.a]\nschedule = \"0 0 15 * 5\"\ncommand = \"true\"\n\
             [jobs.b]\nschedule = \"@reboot\"\ncommand = \"true\"\n\
             [jobs.c]\nschedule = \"* * * * *\"\ncommand = \"true\"\nenabled = false\n\
             [jobs.d]\nschedule = \"*/10 * * * * *\"\ntimezone = \"UTC\"\ncommand = \"true\"\n\
             overlap = \"queue\"\n",
        );
        let units = units(&jobs, &options("/j", "/f")).unwrap().units;
        let names: Vec<&str> = units.iter().map(|u| u.file_name.as_str()).collect();
        assert_eq!(
            names,
            [
                "jobtab-a.service",
                "jobtab-a.timer",
                "jobtab-b.service",
                "jobtab-b.timer",
                "jobtab-d.service",
                "jobtab-d.timer"
            ]
        );
        let a = unit(&units, "jobtab-a.timer");
        assert!(
            a.contains("OnCalendar=*-*-15 00:00:00\nOnCalendar=Fri *-*-* 00:00:00\n"),
            "{a}"
        );
        assert!(!a.contains("Persistent"), "{a}");
        assert!(unit(&units, "jobtab-a.service").contains("TimeoutStartSec=infinity"));
        let b = unit(&units, "jobtab-b.timer");
        assert!(
            b.contains("OnBootSec=0\n") && !b.contains("OnCalendar"),
            "{b}"
        );
        let d = unit(&units, "jobtab-d.timer");
        assert!(
            d.contains("OnCalendar=*-*-* *:*:00,10,20,30,40,50 UTC\n"),
            "{d}"
        );
        assert!(d.contains("overlap: systemd does not start"), "{d}");
        assert!(!d.contains("daylight saving"), "{d}");
    }

    #[test]
    fn variables_come_from_the_env_file_and_the_state_dir_is_kept() {
        let jobs = jobs(
            "[jobs.report]\nschedule = \"0 6 * * *\"\n\
             http = { url = \"https://x.example/${TENANT}\", headers = { A = \"${TOKEN}\" } }\n\
             [jobs.plain]\nschedule = \"0 7 * * *\"\ncommand = \"echo $HOME ${HOME}\"\n",
        );
        let err = units(&jobs, &options("/j", "/f")).unwrap_err();
        assert_eq!(err.refusals.len(), 1, "{err}");
        assert_eq!(err.refusals[0].job, "report");
        assert!(
            err.refusals[0].reason.contains(
                "it uses ${TENANT}, ${TOKEN}, which a systemd service does not have: \
                           pass --env-file PATH"
            ),
            "{err}"
        );
        let with = Options {
            state_dir: Some("/var/lib/50% jobtab"),
            env_file: Some("/etc/jobtab/50%.env"),
            ..options("/j", "/f")
        };
        let units = units(&jobs, &with).unwrap().units;
        let report = unit(&units, "jobtab-report.service");
        assert!(
            report.contains(
                "ExecStart=\"/j\" --file \"/f\" --state-dir \"/var/lib/50%% jobtab\" exec \
                 \"report\"\n"
            ),
            "{report}"
        );
        assert!(
            report.contains(
                "# the job uses ${TENANT}, ${TOKEN}: a line NAME=value for each in this file\n\
                 EnvironmentFile=/etc/jobtab/50%%.env\n"
            ),
            "{report}"
        );
        // A job without variables does not need the file (and does not fail without it).
        let plain = unit(&units, "jobtab-plain.service");
        assert!(!plain.contains("EnvironmentFile"), "{plain}");
        assert!(plain.contains("--state-dir"), "{plain}");
    }

    #[test]
    fn env_files_must_be_plain_absolute_paths() {
        assert_eq!(check_env_file("/etc/jobtab/secrets.env"), Ok(()));
        assert_eq!(check_env_file("/home/a b/x.env"), Ok(()));
        for (path, why) in [
            ("secrets.env", "is not an absolute path"),
            ("/etc/a\nb", "control character"),
            ("/etc/*.env", "pattern"),
            ("/etc/a[1].env", "pattern"),
            ("/etc/a\\b", "backslash"),
            ("/etc/a ", "ends with a space"),
        ] {
            let err = check_env_file(path).unwrap_err();
            assert!(
                err.contains(why) && err.starts_with("--env-file "),
                "{path:?}: {err}"
            );
        }
    }

    #[test]
    fn unconvertible_jobs_are_refused_by_name() {
        let jobs = jobs(
            "[jobs.w]\nschedule = \"0 0 15W * *\"\ncommand = \"true\"\n\
             [jobs.ok]\nschedule = \"0 0 * * *\"\ncommand = \"true\"\n",
        );
        let err = units(&jobs, &options("/j", "/f")).unwrap_err();
        assert_eq!(err.refusals.len(), 1);
        assert_eq!(err.refusals[0].job, "w");
        assert!(err.to_string().contains("nearest"), "{err}");
    }
}
