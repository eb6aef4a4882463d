//! The system's time zone: the one cron evaluates every crontab line in, and whether a job's
//! zone behaves like it.
//!
//! Cron reads the zone once through the C library, which uses `/etc/localtime` (and UTC when
//! there is none), never the `TZ` of the shell that ran `jobtab install`. So the zone is found
//! from the files, in this order:
//! 1. the target of the `/etc/localtime` symlink (`.../zoneinfo/Europe/Berlin`);
//! 2. `/etc/timezone` (Debian), unless `/etc/localtime` is a copied file that differs from
//!    that zone's file;
//! 3. when `/etc/localtime` is a copied file (common in containers): its bytes, compared with
//!    the files under `/usr/share/zoneinfo`.
//!
//! A zone matches the system's by behaviour, not by name: the same UTC offset at every sample
//! over the next two years (daily, and every 15 minutes on a day where either zone changes),
//! so `UTC` matches `Etc/UTC` and `Europe/Kiev` matches `Europe/Kyiv`.
//!
//! `JOBTAB_SYSTEM_ZONE`, when set, names the system zone instead of the files. It exists for
//! tests, which must not depend on the machine they run on.

use std::cell::{OnceCell, RefCell};
use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Duration, Offset as _, Utc};
use chrono_tz::Tz;

use super::Zone;

/// The environment variable that names the system zone (for tests).
pub(crate) const OVERRIDE_VAR: &str = "JOBTAB_SYSTEM_ZONE";

/// How far ahead two zones must agree to count as the same.
const HORIZON_DAYS: i64 = 731;

/// The zone cron runs crontab lines in, as far as it can be told.
#[derive(Debug)]
pub(crate) struct SystemZone {
    kind: Kind,
    /// The folder of compiled zone files (`/usr/share/zoneinfo` under the root).
    zoneinfo: PathBuf,
    /// The zone named after a search of `zoneinfo` (copied `/etc/localtime` only).
    found: OnceCell<Option<Tz>>,
    /// The answers of `runs` so far.
    compared: RefCell<HashMap<Tz, bool>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Kind {
    /// Known by name.
    Named(Tz),
    /// `/etc/localtime` is a copied file with these bytes.
    Copied(Vec<u8>),
    /// It cannot be told: why.
    Unknown(String),
}

impl SystemZone {
    /// The machine's system zone: `$JOBTAB_SYSTEM_ZONE` when set, else from the files under `/`.
    pub(crate) fn detect() -> SystemZone {
        match std::env::var(OVERRIDE_VAR) {
            Ok(name) if !name.is_empty() => {
                let kind = match parse_name(&name) {
                    Some(tz) => Kind::Named(tz),
                    None => Kind::Unknown(format!("{OVERRIDE_VAR}={name:?} is not a zone")),
                };
                SystemZone::new(kind, Path::new("/"))
            }
            _ => SystemZone::detect_in(Path::new("/")),
        }
    }

    /// The system zone of the file tree under `root` (`/` for the machine).
    pub(crate) fn detect_in(root: &Path) -> SystemZone {
        let localtime = root.join("etc/localtime");
        let zoneinfo = root.join("usr/share/zoneinfo");
        if let Some(tz) = link_target_zone(&localtime) {
            return SystemZone::new(Kind::Named(tz), root);
        }
        let bytes = match std::fs::read(&localtime) {
            Ok(bytes) => Some(bytes),
            // Without /etc/localtime the C library (glibc, musl) uses UTC.
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
                if std::fs::symlink_metadata(&localtime).is_err() {
                    return SystemZone::new(Kind::Named(chrono_tz::UTC), root);
                }
                None
            }
            Err(_) => None,
        };
        if let Some(tz) = std::fs::read_to_string(root.join("etc/timezone"))
            .ok()
            .and_then(|text| text.lines().next().and_then(parse_name))
        {
            let stale = bytes.as_ref().is_some_and(|bytes| {
                std::fs::read(zoneinfo.join(tz.name())).is_ok_and(|file| &file != bytes)
            });
            if !stale {
                return SystemZone::new(Kind::Named(tz), root);
            }
        }
        let kind = match bytes {
            Some(bytes) => Kind::Copied(bytes),
            None => Kind::Unknown(format!("{} cannot be read", localtime.display())),
        };
        SystemZone::new(kind, root)
    }

    /// A system zone known by name (for tests).
    #[cfg(test)]
    pub(crate) fn named(tz: Tz) -> SystemZone {
        SystemZone::new(Kind::Named(tz), Path::new("/"))
    }

    fn new(kind: Kind, root: &Path) -> SystemZone {
        SystemZone {
            kind,
            zoneinfo: root.join("usr/share/zoneinfo"),
            found: OnceCell::new(),
            compared: RefCell::new(HashMap::new()),
        }
    }

    /// The system zone as an IANA zone, when it can be told.
    pub(crate) fn tz(&self) -> Option<Tz> {
        match &self.kind {
            Kind::Named(tz) => Some(*tz),
            Kind::Copied(bytes) => *self
                .found
                .get_or_init(|| search_zoneinfo(&self.zoneinfo, bytes)),
            Kind::Unknown(_) => None,
        }
    }

    /// Whether a job in `zone` runs at the right times under cron. `Zone::Local` always does:
    /// under cron, "local" is the system zone.
    pub(crate) fn runs(&self, zone: Zone) -> bool {
        self.runs_at(zone, Utc::now())
    }

    /// `runs`, comparing the zones from `from` on. Each zone is compared once (a file of many
    /// jobs has few zones).
    fn runs_at(&self, zone: Zone, from: DateTime<Utc>) -> bool {
        let Zone::Named(job) = zone else {
            return true;
        };
        if let Some(&known) = self.compared.borrow().get(&job) {
            return known;
        }
        let runs = match &self.kind {
            Kind::Copied(bytes)
                if std::fs::read(self.zoneinfo.join(job.name())).is_ok_and(|f| &f == bytes) =>
            {
                true
            }
            _ => self
                .tz()
                .is_some_and(|system| same_behaviour(system, job, from)),
        };
        self.compared.borrow_mut().insert(job, runs);
        runs
    }
}

impl fmt::Display for SystemZone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.kind, self.tz()) {
            (_, Some(tz)) => f.write_str(tz.name()),
            (Kind::Unknown(why), None) => write!(f, "unknown: {why}"),
            (_, None) => f.write_str(
                "unknown: /etc/localtime is a copied file that matches no zone jobtab knows",
            ),
        }
    }
}

/// A zone name (exact, else case-insensitive; a leading `:` as in `TZ` is ignored).
fn parse_name(name: &str) -> Option<Tz> {
    let name = name.trim().trim_start_matches(':');
    name.parse::<Tz>()
        .ok()
        .or_else(|| Tz::from_str_insensitive(name).ok())
}

/// The zone a `TZ` value names: `Europe/Berlin`, `:Europe/Berlin`, a path into a `zoneinfo`
/// folder, or empty (UTC for the C library). `None` for what is not a known zone (such as a
/// POSIX rule like `CET-1CEST`).
pub(crate) fn zone_of_tz(value: &str) -> Option<Tz> {
    let name = value.trim().trim_start_matches(':');
    if name.is_empty() {
        return Some(chrono_tz::UTC);
    }
    if name.starts_with('/') {
        return zone_of_path(name);
    }
    parse_name(name)
}

/// The zone named by a path such as `/usr/share/zoneinfo/posix/Europe/Berlin`.
fn zone_of_path(path: &str) -> Option<Tz> {
    let (_, name) = path.rsplit_once("zoneinfo/")?;
    let name = name
        .strip_prefix("posix/")
        .or_else(|| name.strip_prefix("right/"))
        .unwrap_or(name);
    parse_name(name)
}

/// The zone `/etc/localtime` links to: its own target, else the end of the chain of links.
fn link_target_zone(localtime: &Path) -> Option<Tz> {
    let target = std::fs::read_link(localtime).ok()?;
    zone_of_path(&target.to_string_lossy()).or_else(|| {
        let end = localtime.canonicalize().ok()?;
        zone_of_path(&end.to_string_lossy())
    })
}

/// The zone whose file under `zoneinfo` holds exactly `bytes`. Several names share a file
/// (links); the one preferred is listed in `zone1970.tab` (or is `Etc/UTC`), then `zone.tab`,
/// then the first by name.
fn search_zoneinfo(zoneinfo: &Path, bytes: &[u8]) -> Option<Tz> {
    let mut matches = Vec::new();
    let mut folders = vec![PathBuf::new()];
    while let Some(relative) = folders.pop() {
        let Ok(entries) = std::fs::read_dir(zoneinfo.join(&relative)) else {
            continue;
        };
        for entry in entries.flatten() {
            let name = relative.join(entry.file_name());
            let Ok(meta) = std::fs::metadata(entry.path()) else {
                continue;
            };
            if meta.is_dir() {
                if !matches!(name.to_str(), Some("posix" | "right")) {
                    folders.push(name);
                }
            } else if meta.len() == bytes.len() as u64
                && std::fs::read(entry.path()).is_ok_and(|file| file == bytes)
                && let Some(tz) = name.to_str().and_then(|n| n.parse::<Tz>().ok())
            {
                matches.push(tz);
            }
        }
    }
    let listed = |table: &str| {
        std::fs::read_to_string(zoneinfo.join(table))
            .map(|text| {
                text.lines()
                    .filter(|l| !l.starts_with('#'))
                    .filter_map(|l| l.split('\t').nth(2))
                    .map(str::to_owned)
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default()
    };
    let (canonical, tabbed) = (listed("zone1970.tab"), listed("zone.tab"));
    matches.into_iter().min_by_key(|tz| {
        let name = tz.name();
        let rank = if name == "Etc/UTC" || canonical.iter().any(|c| c == name) {
            0
        } else if tabbed.iter().any(|c| c == name) {
            1
        } else {
            2
        };
        (rank, name)
    })
}

/// The UTC offset of `tz` at `instant`, in seconds.
fn offset(tz: Tz, instant: DateTime<Utc>) -> i32 {
    instant.with_timezone(&tz).offset().fix().local_minus_utc()
}

/// Whether two zones have the same UTC offset at every sample over the two years from
/// `from`: daily, and every 15 minutes through a day in which either changes.
pub(crate) fn same_behaviour(a: Tz, b: Tz, from: DateTime<Utc>) -> bool {
    if a == b {
        return true;
    }
    let day = Duration::days(1);
    let step = Duration::minutes(15);
    let mut t = from;
    let mut before = (offset(a, t), offset(b, t));
    if before.0 != before.1 {
        return false;
    }
    for _ in 0..HORIZON_DAYS {
        let next = t + day;
        let after = (offset(a, next), offset(b, next));
        if after.0 != after.1 {
            return false;
        }
        if after != before {
            let mut s = t + step;
            while s < next {
                if offset(a, s) != offset(b, s) {
                    return false;
                }
                s += step;
            }
        }
        before = after;
        t = next;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone as _;
    use std::os::unix::fs::symlink;

    fn tz(name: &str) -> Tz {
        name.parse().unwrap()
    }

    fn jan_2026() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 1, 10, 0, 0, 0).unwrap()
    }

    /// A fake root: `usr/share/zoneinfo/<name>` for each (name, bytes).
    fn root_with(files: &[(&str, &[u8])]) -> tempfile::TempDir {
        let root = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(root.path().join("etc")).unwrap();
        for (name, bytes) in files {
            let path = root.path().join("usr/share/zoneinfo").join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, bytes).unwrap();
        }
        root
    }

    #[test]
    fn aliases_behave_the_same_and_other_zones_do_not() {
        let from = jan_2026();
        assert!(same_behaviour(tz("UTC"), tz("Etc/UTC"), from));
        assert!(same_behaviour(tz("Europe/Kiev"), tz("Europe/Kyiv"), from));
        assert!(same_behaviour(
            tz("America/New_York"),
            tz("US/Eastern"),
            from
        ));
        assert!(!same_behaviour(tz("UTC"), tz("Europe/Berlin"), from));
        // Same offsets in winter, different in summer.
        assert!(!same_behaviour(
            tz("Europe/London"),
            tz("Africa/Abidjan"),
            from
        ));
        // UTC-5 and UTC-4 both, changing on the same days, so every midnight (UTC) agrees; but
        // Cuba changes at 05:00 UTC and New York at 06:00/07:00 UTC.
        assert!(!same_behaviour(
            tz("America/New_York"),
            tz("America/Havana"),
            from
        ));
        assert!(!same_behaviour(
            tz("Europe/Kyiv"),
            tz("Europe/Chisinau"),
            from
        ));
        assert!(same_behaviour(
            tz("Europe/Berlin"),
            tz("Europe/Paris"),
            from
        ));
    }

    #[test]
    fn a_link_names_the_zone() {
        let root = root_with(&[]);
        symlink(
            "/usr/share/zoneinfo/Europe/Berlin",
            root.path().join("etc/localtime"),
        )
        .unwrap();
        let system = SystemZone::detect_in(root.path());
        assert_eq!(system.tz(), Some(tz("Europe/Berlin")));
        assert_eq!(system.to_string(), "Europe/Berlin");
        let from = jan_2026();
        assert!(system.runs_at(Zone::Named(tz("Europe/Berlin")), from));
        assert!(system.runs_at(Zone::Named(tz("Europe/Paris")), from));
        assert!(!system.runs_at(Zone::Named(tz("UTC")), from));
        assert!(system.runs_at(Zone::Local, from));
    }

    #[test]
    fn relative_and_posix_links_name_the_zone() {
        let root = root_with(&[]);
        symlink(
            "../usr/share/zoneinfo/posix/Etc/UTC",
            root.path().join("etc/localtime"),
        )
        .unwrap();
        let system = SystemZone::detect_in(root.path());
        assert_eq!(system.tz(), Some(tz("Etc/UTC")));
        assert!(system.runs_at(Zone::Named(tz("UTC")), jan_2026()));
    }

    #[test]
    fn etc_timezone_names_the_zone_unless_it_is_stale() {
        let root = root_with(&[("Europe/Berlin", b"berlin"), ("Asia/Tokyo", b"tokyo")]);
        let etc = root.path().join("etc");
        std::fs::write(etc.join("timezone"), "Asia/Tokyo\n").unwrap();
        std::fs::write(etc.join("localtime"), b"tokyo").unwrap();
        let system = SystemZone::detect_in(root.path());
        assert_eq!(system.kind, Kind::Named(tz("Asia/Tokyo")));
        // /etc/localtime was replaced but /etc/timezone was not: the bytes win.
        std::fs::write(etc.join("localtime"), b"berlin").unwrap();
        let system = SystemZone::detect_in(root.path());
        assert_eq!(system.tz(), Some(tz("Europe/Berlin")));
    }

    #[test]
    fn a_copied_file_is_matched_by_its_bytes() {
        let root = root_with(&[
            ("Europe/Berlin", b"berlin"),
            ("Europe/Oslo", b"berlin"),
            ("Etc/UTC", b"utc"),
            ("UTC", b"utc"),
            ("posix/Europe/Berlin", b"berlin"),
            (
                "zone1970.tab",
                b"# comment\nDE,NO\t+5230+01322\tEurope/Berlin\tmost of Germany\n",
            ),
        ]);
        std::fs::write(root.path().join("etc/localtime"), b"berlin").unwrap();
        let system = SystemZone::detect_in(root.path());
        assert!(matches!(system.kind, Kind::Copied(_)));
        let from = jan_2026();
        assert!(system.runs_at(Zone::Named(tz("Europe/Berlin")), from));
        assert!(system.runs_at(Zone::Named(tz("Europe/Oslo")), from));
        // Found by the search and compared by behaviour.
        assert!(system.runs_at(Zone::Named(tz("Europe/Paris")), from));
        assert!(!system.runs_at(Zone::Named(tz("UTC")), from));
        assert_eq!(system.tz(), Some(tz("Europe/Berlin")), "zone1970.tab wins");

        std::fs::write(root.path().join("etc/localtime"), b"utc").unwrap();
        let system = SystemZone::detect_in(root.path());
        assert_eq!(system.tz(), Some(tz("Etc/UTC")));
        assert!(system.runs_at(Zone::Named(tz("UTC")), from));
        assert!(system.runs_at(Zone::Named(tz("Etc/Universal")), from));

        std::fs::write(root.path().join("etc/localtime"), b"unknown bytes").unwrap();
        let system = SystemZone::detect_in(root.path());
        assert_eq!(system.tz(), None);
        assert!(!system.runs_at(Zone::Named(tz("UTC")), from));
        assert!(system.runs_at(Zone::Local, from));
        assert!(system.to_string().starts_with("unknown: "), "{system}");
    }

    #[test]
    fn a_copy_of_a_real_zone_file_is_named() {
        let zoneinfo = Path::new("/usr/share/zoneinfo");
        let Ok(berlin) = std::fs::read(zoneinfo.join("Europe/Berlin")) else {
            eprintln!("skipped: no tzdata in /usr/share/zoneinfo on this machine");
            return;
        };
        let root = root_with(&[]);
        std::fs::create_dir_all(root.path().join("usr/share")).unwrap();
        symlink(zoneinfo, root.path().join("usr/share/zoneinfo")).unwrap();
        std::fs::write(root.path().join("etc/localtime"), berlin).unwrap();
        let system = SystemZone::detect_in(root.path());
        let started = std::time::Instant::now();
        assert_eq!(system.tz(), Some(tz("Europe/Berlin")));
        // A quick scan, not a read of every zone file; generous for a busy machine.
        assert!(
            started.elapsed() < std::time::Duration::from_secs(10),
            "{:?}",
            started.elapsed()
        );
        assert!(system.runs_at(Zone::Named(tz("Europe/Paris")), jan_2026()));
        assert!(!system.runs_at(Zone::Named(tz("Etc/UTC")), jan_2026()));
    }

    #[test]
    fn no_localtime_is_utc() {
        let root = root_with(&[]);
        let system = SystemZone::detect_in(root.path());
        assert_eq!(system.tz(), Some(chrono_tz::UTC));
        assert!(system.runs_at(Zone::Named(tz("Etc/UTC")), jan_2026()));
    }

    #[test]
    fn names_and_paths() {
        assert_eq!(zone_of_tz(""), Some(chrono_tz::UTC));
        assert_eq!(zone_of_tz(":Asia/Tokyo"), Some(tz("Asia/Tokyo")));
        assert_eq!(
            zone_of_tz(":/usr/share/zoneinfo/Asia/Tokyo"),
            Some(tz("Asia/Tokyo"))
        );
        assert_eq!(zone_of_tz("JST-9"), None);
        assert_eq!(parse_name(":Europe/Berlin"), Some(tz("Europe/Berlin")));
        assert_eq!(parse_name("europe/berlin\n"), Some(tz("Europe/Berlin")));
        assert_eq!(parse_name("CET-1CEST"), None);
        assert_eq!(
            zone_of_path("/usr/share/zoneinfo/right/America/New_York"),
            Some(tz("America/New_York"))
        );
        assert_eq!(zone_of_path("/etc/alternatives/localtime"), None);
    }
}
