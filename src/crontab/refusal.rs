//! What the system crontab cannot run (seconds, years, `L W #`, a zone other than the system
//! zone), and the warning `install` gives when this shell's `TZ` differs from the zone cron
//! uses for jobs without one.

use crate::store::{Job, JobFile, Triggers};
use crate::zone::{SystemZone, Zone};

/// A warning for `install` when `TZ` is set in this shell to a zone other than the system zone
/// and some enabled jobs have no time zone: `jobtab run` here would run them in `TZ`, but cron
/// ignores it and runs them in the system zone.
pub(crate) fn local_zone_warning(file: &JobFile) -> Option<String> {
    local_zone_warning_for(
        file,
        std::env::var("TZ").ok().as_deref(),
        &SystemZone::detect(),
    )
}

/// `local_zone_warning` for a given `TZ` value and system zone.
fn local_zone_warning_for(file: &JobFile, tz: Option<&str>, system: &SystemZone) -> Option<String> {
    let tz = tz?;
    let local: Vec<&str> = file
        .jobs
        .iter()
        .filter(|job| job.enabled && job.zone == Zone::Local)
        .map(|job| job.name.as_str())
        .collect();
    if local.is_empty() {
        return None;
    }
    if crate::zone::zone_of_tz(tz).is_some_and(|zone| system.runs(Zone::Named(zone))) {
        return None;
    }
    let (jobs, have) = if local.len() == 1 {
        ("job", "has")
    } else {
        ("jobs", "have")
    };
    Some(format!(
        "TZ={tz} in this shell, but cron ignores it and runs every line in the system zone \
         ({system}): {jobs} {} {have} no `timezone` and will run at {system} times under cron, \
         not at {tz} times as `jobtab run` here would; set `timezone` (or `[defaults] \
         timezone`) to the system zone to make that explicit",
        local.join(", ")
    ))
}

/// The schedule a job's crontab line carries, and whether it is shifted: as written, or with
/// the minute field shifted by the job's jitter offset on this machine; `None` for a job
/// without a schedule (one that runs only `after` others has no line). Call it for jobs
/// `refusal` accepts.
pub(super) fn crontab_schedule(job: &Job) -> Option<(String, bool)> {
    let triggers = &job.triggers;
    if triggers.schedule.is_none() && !triggers.at_start {
        return None;
    }
    match (&triggers.schedule, &triggers.jitter) {
        (Some(schedule), Some(jitter)) => {
            let shifted = crate::jitter::shifted_crontab(schedule, jitter.offset).ok()?;
            Some((shifted, true))
        }
        _ => Some((triggers.as_str().to_owned(), false)),
    }
}

/// Why the system crontab, whose lines run in `system`'s zone, cannot run this job, if it
/// cannot.
pub(super) fn refusal(job: &Job, system: &SystemZone) -> Option<String> {
    // Running at start is a crontab `@reboot` line; a schedule must fit the crontab's syntax.
    // (Destructured so that a new kind of trigger has to be decided on here.)
    // A webhook is served by `jobtab run`, never by cron: a job with only a webhook has
    // nothing to install, and a job with a schedule too gets its schedule installed (`install`
    // says that its webhook needs `run`).
    // `after` needs no line: the upstream's `jobtab exec` runs the job when its run ends (so a
    // job with a webhook and `after` is not refused: cron runs it after its upstream).
    // `jitter` shifts the minute field where that is exact (`crontab_schedule`).
    let Triggers {
        written: _,
        schedule,
        at_start: _,
        webhook: _,
        jitter,
        after: _,
        after_status: _,
    } = &job.triggers;
    if job.triggers.webhook_only_job() {
        return Some(
            "it runs only on webhook deliveries, which cron cannot receive: it needs `jobtab \
             run --listen`"
                .into(),
        );
    }
    let schedule = schedule.as_ref();
    if let (Some(schedule), Some(jitter)) = (schedule, jitter)
        && let Err(reason) = crate::jitter::shifted_crontab(schedule, jitter.offset)
    {
        return Some(reason);
    }
    if let Some(Err(reason)) = schedule.map(|s| s.crontab_compatible()) {
        return Some(reason);
    }
    if let Some(fields) = schedule.and_then(|s| s.fields()) {
        if fields.year.is_some() {
            return Some(
                "its schedule has a year field, which the system crontab cannot express".into(),
            );
        }
        let days = [
            &fields.minute,
            &fields.hour,
            &fields.day_of_month,
            &fields.month,
            &fields.day_of_week,
        ];
        for (mark, meaning) in [
            ('L', "`L` (last)"),
            ('W', "`W` (nearest weekday)"),
            ('#', "`#` (nth weekday)"),
            ('?', "`?`"),
        ] {
            if days.iter().any(|f| f.to_ascii_uppercase().contains(mark)) {
                return Some(format!(
                    "its schedule uses {meaning}, which the system crontab cannot express"
                ));
            }
        }
        if days
            .iter()
            .any(|f| f.chars().any(|c| c.is_ascii_alphabetic()))
        {
            return Some(format!(
                "its schedule {:?} uses syntax the system crontab does not have",
                job.triggers.as_str()
            ));
        }
    }
    if !system.runs(job.zone) {
        return Some(format!(
            "its time zone {} is not the machine's ({system}); the system crontab runs every \
             line in the machine's zone (set the job's timezone to the machine's, or use \
             `jobtab run`)",
            job.zone,
        ));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job_file(dir: &std::path::Path, toml: &str) -> JobFile {
        let path = dir.join("jobs.toml");
        std::fs::write(&path, toml).unwrap();
        JobFile::read(&path).unwrap()
    }

    #[test]
    fn a_webhook_only_job_is_refused_and_one_with_a_schedule_too_is_not() {
        let dir = tempfile::tempdir().unwrap();
        let file = job_file(
            dir.path(),
            "[jobs.hook]\ncommand = \"true\"\nwebhook = { verify = \"none\" }\n\
             [jobs.both]\nschedule = \"0 0 * * *\"\ncommand = \"true\"\n\
             webhook = { verify = \"none\" }\n\
             [jobs.boot]\nschedule = \"@reboot\"\ncommand = \"true\"\n\
             webhook = { verify = \"none\", path = \"/hooks/b\" }\n",
        );
        assert!(file.problems.is_empty(), "{:?}", file.problems);
        let system = SystemZone::named(chrono_tz::Etc::UTC);
        let why = refusal(&file.jobs[0], &system).unwrap();
        assert!(why.contains("needs `jobtab run --listen`"), "{why}");
        assert_eq!(refusal(&file.jobs[1], &system), None);
        assert_eq!(refusal(&file.jobs[2], &system), None);
    }

    #[test]
    fn warns_when_tz_here_is_not_the_system_zone() {
        let dir = tempfile::tempdir().unwrap();
        let file = job_file(
            dir.path(),
            "[jobs.a]\nschedule = \"0 0 * * *\"\ncommand = \"true\"\n\
             [jobs.b]\nschedule = \"0 0 * * *\"\ncommand = \"true\"\ntimezone = \"Asia/Tokyo\"\n\
             [jobs.c]\nschedule = \"0 0 * * *\"\ncommand = \"true\"\nenabled = false\n",
        );
        let system = SystemZone::named(chrono_tz::Etc::UTC);
        let warning = local_zone_warning_for(&file, Some("Europe/Berlin"), &system).unwrap();
        assert!(
            warning.starts_with("TZ=Europe/Berlin in this shell, but cron ignores it"),
            "{warning}"
        );
        assert!(
            warning.contains("(Etc/UTC): job a has no `timezone`"),
            "{warning}"
        );
        assert!(
            local_zone_warning_for(&file, Some("CET-1CEST"), &system).is_some(),
            "a TZ that names no known zone is not the system zone"
        );
        for same in ["UTC", ":Etc/UTC", ""] {
            assert_eq!(
                local_zone_warning_for(&file, Some(same), &system),
                None,
                "{same}"
            );
        }
        assert_eq!(local_zone_warning_for(&file, None, &system), None);
        let named_only = job_file(
            dir.path(),
            "[jobs.b]\nschedule = \"0 0 * * *\"\ncommand = \"true\"\ntimezone = \"Etc/UTC\"\n",
        );
        assert_eq!(
            local_zone_warning_for(&named_only, Some("Europe/Berlin"), &system),
            None
        );
    }
}
