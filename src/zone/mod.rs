//! The time zone a schedule is evaluated in: a named IANA zone or the machine's local zone.
//!
//! Instants are passed around as `DateTime<Utc>`; a `Zone` turns them into wall-clock times for
//! schedule matching and display.

use std::fmt;

use chrono::{DateTime, FixedOffset, Local, NaiveDateTime, TimeZone, Utc};

mod system;

pub(crate) use system::{SystemZone, zone_of_tz};

/// A schedule's time zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Zone {
    /// The machine's local zone: `TZ`, else `/etc/localtime`, for `jobtab run`; under cron,
    /// always the system zone (`SystemZone`), whatever `TZ` was when `install` ran.
    Local,
    /// An IANA zone from the job file or `--tz`.
    Named(chrono_tz::Tz),
}

impl Zone {
    /// Parses an IANA name such as `Europe/Berlin` (case-insensitive) or `UTC`.
    pub(crate) fn parse(name: &str) -> Result<Zone, String> {
        name.parse::<chrono_tz::Tz>()
            .or_else(|_| chrono_tz::Tz::from_str_insensitive(name))
            .map(Zone::Named)
            .map_err(|_| {
                format!(
                    "unknown time zone {name:?}: use an IANA name such as Europe/Berlin, \
                     America/New_York or UTC"
                )
            })
    }

    /// The zone given by name, or the local zone when there is none.
    pub(crate) fn from_option(name: Option<&str>) -> Result<Zone, String> {
        name.map_or(Ok(Zone::Local), Zone::parse)
    }

    /// The instant as a wall-clock time with its offset in this zone.
    pub(crate) fn to_fixed(self, instant: DateTime<Utc>) -> DateTime<FixedOffset> {
        match self {
            Zone::Local => instant.with_timezone(&Local).fixed_offset(),
            Zone::Named(tz) => instant.with_timezone(&tz).fixed_offset(),
        }
    }

    /// The instants that a wall-clock time maps to in this zone: none in a spring-forward gap,
    /// two in a fall-back overlap (earlier first).
    pub(crate) fn instants_at(self, local: NaiveDateTime) -> Vec<DateTime<Utc>> {
        fn all<T: TimeZone>(tz: &T, local: NaiveDateTime) -> Vec<DateTime<Utc>> {
            match tz.from_local_datetime(&local) {
                chrono::LocalResult::None => Vec::new(),
                chrono::LocalResult::Single(t) => vec![t.with_timezone(&Utc)],
                chrono::LocalResult::Ambiguous(a, b) => {
                    vec![a.with_timezone(&Utc), b.with_timezone(&Utc)]
                }
            }
        }
        match self {
            Zone::Local => all(&Local, local),
            Zone::Named(tz) => all(&tz, local),
        }
    }
}

impl fmt::Display for Zone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Zone::Local => match local_iana_name() {
                Some(name) => write!(f, "{name}"),
                None => write!(f, "local"),
            },
            Zone::Named(tz) => write!(f, "{}", tz.name()),
        }
    }
}

/// The IANA name of the local zone as `jobtab run` sees it: `TZ` when set, else the system
/// zone (`/etc/localtime`; see `system`), when it can be told. Cron ignores the `TZ` of the
/// shell that ran `install`: ask `SystemZone` for cron's zone.
pub(crate) fn local_iana_name() -> Option<String> {
    if let Ok(tz) = std::env::var("TZ") {
        let name = tz.trim_start_matches(':');
        if name.parse::<chrono_tz::Tz>().is_ok() {
            return Some(name.to_owned());
        }
        return None;
    }
    SystemZone::detect_in(std::path::Path::new("/"))
        .tz()
        .map(|tz| tz.name().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    #[test]
    fn parses_names_and_refuses_unknown_ones() {
        assert_eq!(
            Zone::parse("Europe/Berlin").unwrap(),
            Zone::Named(chrono_tz::Europe::Berlin)
        );
        assert_eq!(Zone::parse("utc").unwrap(), Zone::Named(chrono_tz::UTC));
        let err = Zone::parse("Mars/Olympus").unwrap_err();
        assert!(err.contains("unknown time zone \"Mars/Olympus\""), "{err}");
    }

    #[test]
    fn gap_and_overlap_instants() {
        let ny = Zone::parse("America/New_York").unwrap();
        let gap = NaiveDate::from_ymd_opt(2026, 3, 8)
            .unwrap()
            .and_hms_opt(2, 30, 0)
            .unwrap();
        assert!(ny.instants_at(gap).is_empty());
        let twice = NaiveDate::from_ymd_opt(2026, 11, 1)
            .unwrap()
            .and_hms_opt(1, 30, 0)
            .unwrap();
        let both = ny.instants_at(twice);
        assert_eq!(both.len(), 2);
        assert!(both[0] < both[1]);
    }
}
