//! Spreading scheduled runs (`jitter`, PRODUCT.md section 12): each job's stable offset, like
//! Jenkins' `H`, derived from a hash of the machine (its host name, or `JOBTAB_JITTER_SEED`)
//! and the job's name, and the crontab schedule that fires at the shifted times exactly.
//!
//! Rules (documented in the README):
//! - the offset is in `[0, jitter)`; in whole minutes when `jitter` is a whole number of
//!   minutes of 2m or more (so the crontab can carry it, like Jenkins' `H` in the minute
//!   field), else in whole seconds;
//! - it is SHA-256 of `seed NUL name`, its first 8 bytes big-endian, modulo the number of
//!   steps: the same on every start, in every process, and different across names and seeds;
//! - a run fires at its slot plus the offset, the slot being the schedule's instant after the
//!   daylight-saving rule; the slot stays the run's `scheduled_at` (and `Idempotency-Key`).

use std::time::Duration;

use sha2::{Digest as _, Sha256};

use crate::schedule::Schedule;

/// The variable that replaces the host name in the hash (a fleet that wants another spread,
/// or tests that want a known one).
pub(crate) const SEED_VAR: &str = "JOBTAB_JITTER_SEED";

/// The largest `jitter` accepted: a week (a weekly job spread over its whole period).
pub(crate) const MAX_JITTER: Duration = Duration::from_secs(7 * 24 * 60 * 60);

/// A job's `jitter` and this machine's offset for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Jitter {
    /// `jitter` as configured: offsets are below it.
    pub(crate) max: Duration,
    /// How much each run of the job is delayed here.
    pub(crate) offset: Duration,
}

impl Jitter {
    /// The jitter of the job `name` on this machine (`seed()`).
    pub(crate) fn for_job(name: &str, max: Duration) -> Jitter {
        Jitter {
            max,
            offset: offset(&seed(), name, max),
        }
    }
}

/// What the offsets are hashed with: `JOBTAB_JITTER_SEED` when set and not empty, else the
/// host name (`localhost` when it cannot be read).
pub(crate) fn seed() -> String {
    std::env::var(SEED_VAR)
        .ok()
        .filter(|seed| !seed.is_empty())
        .or_else(|| {
            std::fs::read_to_string("/proc/sys/kernel/hostname")
                .ok()
                .map(|name| name.trim().to_owned())
                .filter(|name| !name.is_empty())
        })
        .unwrap_or_else(|| "localhost".to_owned())
}

/// The offset of job `name` for `seed`, in `[0, max)` (see the module's rules).
pub(crate) fn offset(seed: &str, name: &str, max: Duration) -> Duration {
    let secs = max.as_secs();
    let unit = if secs >= 120 && secs.is_multiple_of(60) {
        60
    } else {
        1
    };
    let steps = secs / unit;
    if steps == 0 {
        return Duration::ZERO;
    }
    let mut hash = Sha256::new();
    hash.update(seed.as_bytes());
    hash.update([0]);
    hash.update(name.as_bytes());
    let digest = hash.finalize();
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    Duration::from_secs(u64::from_be_bytes(first) % steps * unit)
}

/// The 5-field crontab schedule whose instants are `schedule`'s shifted by `offset` exactly,
/// or why there is none. Exact only when the offset is whole minutes and the minute field is
/// a list of fixed minutes that all stay within their hour once shifted (`0 2 * * *` + 7m =
/// `7 2 * * *`); steps, ranges, `*` and a shift past the hour are refused, because the hour,
/// day and month fields would have to move too.
pub(crate) fn shifted_crontab(schedule: &Schedule, offset: Duration) -> Result<String, String> {
    if offset.is_zero() {
        return Ok(schedule.as_str().to_owned());
    }
    let shown = crate::duration::format(offset);
    if !offset.as_secs().is_multiple_of(60) {
        return Err(format!(
            "its jitter offset on this machine ({shown}) is not whole minutes, which a crontab \
             line cannot express; write jitter as a whole number of minutes (2m or more) or \
             use `jobtab run`"
        ));
    }
    let minutes = offset.as_secs() / 60;
    let Some(fields) = schedule.fields() else {
        return Err("jitter has no meaning for @reboot".into());
    };
    let fixed: Option<Vec<u64>> = fields
        .minute
        .split(',')
        .map(|m| m.parse::<u64>().ok())
        .collect();
    let cannot = |why: String| {
        format!(
            "its jitter offset on this machine ({shown}) cannot be written into the crontab \
             exactly: {why}; use `jobtab run`, or a schedule with fixed minutes that the \
             offset keeps within the hour"
        )
    };
    let Some(fixed) = fixed.filter(|_| fields.seconds == "0" && fields.year.is_none()) else {
        return Err(cannot(format!(
            "the minute field {:?} is not a list of fixed minutes",
            fields.minute
        )));
    };
    if let Some(late) = fixed.iter().find(|m| **m + minutes > 59) {
        return Err(cannot(format!(
            "minute {late} plus {shown} passes the hour"
        )));
    }
    let minute: Vec<String> = fixed.iter().map(|m| (m + minutes).to_string()).collect();
    Ok(format!(
        "{} {} {} {} {}",
        minute.join(","),
        fields.hour,
        fields.day_of_month,
        fields.month,
        fields.day_of_week
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEN_MINUTES: Duration = Duration::from_secs(600);

    #[test]
    fn offsets_are_stable_in_range_and_spread() {
        let a = offset("host-a", "backup", TEN_MINUTES);
        assert_eq!(a, offset("host-a", "backup", TEN_MINUTES), "stable");
        let mut seen = std::collections::BTreeSet::new();
        for i in 0..200 {
            let o = offset(&format!("host-{i}"), "backup", TEN_MINUTES);
            assert!(o < TEN_MINUTES, "{o:?}");
            assert_eq!(
                o.as_secs() % 60,
                0,
                "whole minutes for a whole-minute jitter"
            );
            seen.insert(o);
        }
        // 200 hosts over 10 steps: every step is taken.
        assert_eq!(seen.len(), 10, "{seen:?}");
        let names: std::collections::BTreeSet<Duration> = (0..50)
            .map(|i| offset("host-a", &format!("job-{i}"), TEN_MINUTES))
            .collect();
        assert!(names.len() > 5, "different names spread: {names:?}");
    }

    #[test]
    fn the_offset_is_the_documented_hash() {
        // SHA-256("seed\0job"), first 8 bytes big-endian, modulo the steps.
        let digest = Sha256::digest(b"seed\0job");
        let n = u64::from_be_bytes(digest[..8].try_into().unwrap());
        assert_eq!(
            offset("seed", "job", Duration::from_secs(90)),
            Duration::from_secs(n % 90)
        );
        assert_eq!(
            offset("seed", "job", TEN_MINUTES),
            Duration::from_secs(n % 10 * 60)
        );
    }

    #[test]
    fn seconds_below_two_minutes_or_uneven() {
        for max in [59, 60, 61, 150] {
            let max = Duration::from_secs(max);
            let all: std::collections::BTreeSet<Duration> =
                (0..300).map(|i| offset(&i.to_string(), "x", max)).collect();
            assert!(all.iter().all(|o| *o < max));
            assert!(all.iter().any(|o| o.as_secs() % 60 != 0), "{max:?}");
        }
        assert_eq!(offset("a", "b", Duration::ZERO), Duration::ZERO);
    }

    #[test]
    fn the_seed_variable_replaces_the_host_name() {
        // Only read here: set by the process (tests never set it in this process).
        if std::env::var(SEED_VAR).is_err() {
            assert_eq!(seed(), {
                let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
                    .map(|h| h.trim().to_owned())
                    .unwrap_or_default();
                if host.is_empty() {
                    "localhost".to_owned()
                } else {
                    host
                }
            });
        }
    }

    fn shifted(schedule: &str, minutes: u64) -> Result<String, String> {
        shifted_crontab(
            &Schedule::parse(schedule).unwrap(),
            Duration::from_secs(minutes * 60),
        )
    }

    #[test]
    fn the_crontab_gets_the_shifted_minute_only_when_exact() {
        assert_eq!(shifted("0 2 * * *", 7).unwrap(), "7 2 * * *");
        assert_eq!(shifted("@daily", 3).unwrap(), "3 0 * * *");
        assert_eq!(shifted("0,30 * * * 1-5", 9).unwrap(), "9,39 * * * 1-5");
        assert_eq!(shifted("*/5 * * * *", 0).unwrap(), "*/5 * * * *");
        let err = shifted("*/5 * * * *", 2).unwrap_err();
        assert!(
            err.contains("\"*/5\" is not a list of fixed minutes"),
            "{err}"
        );
        let err = shifted("55 2 * * *", 7).unwrap_err();
        assert!(err.contains("minute 55 plus 7m passes the hour"), "{err}");
        let err = shifted_crontab(
            &Schedule::parse("0 2 * * *").unwrap(),
            Duration::from_secs(61),
        )
        .unwrap_err();
        assert!(err.contains("(1m1s) is not whole minutes"), "{err}");
    }
}
