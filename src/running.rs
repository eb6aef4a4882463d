//! Runs in progress, seen from any process (PRODUCT.md section 4: `list` shows a job that is
//! running now, whether `run`, `exec` or cron's `exec` runs it).
//!
//! When a run starts, the process running it writes a marker file
//! `<state_dir>/running/<hash>-<run id>.json` (`<hash>` names the job file, as the overlap
//! locks do) holding the job, its job file, the run id, the process id and the start time, and
//! keeps an exclusive `flock` on it for the run's life; it removes the file when the run ends.
//! A reader counts a marker as live only while that lock is held: if a shared lock can be taken,
//! the owner died (kill -9, a crash, a reboot) and the marker is stale, so it is removed. The
//! lock dies with its process, so a reused pid never makes a dead run look alive.
//!
//! The marker is written under a temporary name, locked, then renamed into place, so a reader
//! never sees a marker whose lock is not yet held (a temporary file left by a writer that died
//! right then is removed by readers once a minute old). Files are opened close-on-exec: a job's
//! children never inherit the lock. The folder is 0700 and the files 0600.

use std::io::{Read as _, Write as _};
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::fs::{LockError, LockFile, LockedFile, Mode, Open, Span, Wait};

const FOLDER: &str = "running";
/// How old an unlocked temporary marker must be before readers remove it.
const ABANDONED: std::time::Duration = std::time::Duration::from_secs(60);
/// The most a marker may take; anything bigger is not ours and is ignored.
const MAX_MARKER_BYTES: u64 = 64 * 1024;

/// One run in progress, as its marker file holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Running {
    pub(crate) job: String,
    /// The job file's key (`history::job_file_key`).
    pub(crate) file: String,
    pub(crate) run_id: String,
    /// The jobtab process running it (`run` or `exec`), which holds the marker's lock.
    pub(crate) pid: u32,
    /// As in history: `schedule`, `manual`, `catch_up`, `start`, `webhook` or `after`.
    pub(crate) trigger: String,
    /// As in history: a webhook run's delivery id, a chained run's upstream run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) delivery: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) upstream_run_id: Option<String>,
    #[serde(with = "rfc3339")]
    pub(crate) scheduled_at: DateTime<Utc>,
    #[serde(with = "rfc3339")]
    pub(crate) started_at: DateTime<Utc>,
}

impl Running {
    /// How long it has run at `now`, in milliseconds (0 if the clock went back).
    pub(crate) fn elapsed_ms(&self, now: DateTime<Utc>) -> u64 {
        u64::try_from((now - self.started_at).num_milliseconds()).unwrap_or(0)
    }

    /// How long it has run at `now`, in whole seconds as every text shows it (a run still
    /// going has no exact length to show to the millisecond).
    pub(crate) fn elapsed(&self, now: DateTime<Utc>) -> std::time::Duration {
        std::time::Duration::from_secs(self.elapsed_ms(now) / 1000)
    }

    /// `running 12s`, `running 3m5s` at `now`.
    pub(crate) fn words(&self, now: DateTime<Utc>) -> String {
        format!("running {}", crate::duration::format(self.elapsed(now)))
    }

    /// The form `--json` shows: `{"run_id", "started_at", "pid"}`, one shape in list, show and
    /// history; `started_at` in UTC, as history writes the times of runs (docs/json.md).
    pub(crate) fn json(&self) -> RunningJson {
        RunningJson {
            run_id: self.run_id.clone(),
            started_at: crate::json::time_utc(self.started_at),
            pid: self.pid,
        }
    }
}

/// `"running"` in `--json` output.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct RunningJson {
    pub(crate) run_id: String,
    pub(crate) started_at: String,
    pub(crate) pid: u32,
}

/// A live marker: the run is shown as running until this is dropped, which removes the file
/// and releases the lock.
#[derive(Debug)]
pub(crate) struct Marker {
    path: PathBuf,
    /// Holds the exclusive lock.
    _lock: LockedFile,
}

impl Drop for Marker {
    fn drop(&mut self) {
        // Removed before the lock goes (when `_file` closes): a reader never finds an
        // unlocked marker of a run that ended normally.
        let _ = std::fs::remove_file(&self.path);
    }
}

fn folder(state_dir: &Path) -> PathBuf {
    state_dir.join(FOLDER)
}

/// `<hash>-` for the job file `file_key`: the prefix of its markers' names.
fn prefix(file_key: &str) -> String {
    format!("{}-", crate::ctx::job_file_hash(Path::new(file_key)))
}

/// Writes and locks the marker of `running`. Fails (and the run goes on unmarked) when the
/// state dir cannot be written.
pub(crate) fn start(state_dir: &Path, running: &Running) -> Result<Marker> {
    let dir = folder(state_dir);
    let name = format!("{}{}.json", prefix(&running.file), running.run_id);
    let path = dir.join(&name);
    let temp = dir.join(format!(".{name}.tmp"));
    let opened = match LockFile::open(&temp, Open::CreateNew) {
        Err(LockError::Io { source, .. }) if source.kind() == std::io::ErrorKind::NotFound => {
            crate::fs::create_private_dir(&dir)
                .with_context(|| format!("cannot create folder {}", dir.display()))?;
            LockFile::open(&temp, Open::CreateNew)
        }
        other => other,
    };
    let written = opened
        .and_then(|file| file.lock(Mode::Exclusive, Span::Whole, Wait::No))
        .map_err(anyhow::Error::from)
        .and_then(|lock| {
            let text = serde_json::to_string(running).context("cannot encode a run marker")?;
            lock.file()
                .write_all(text.as_bytes())
                .with_context(|| format!("cannot write {}", temp.display()))?;
            std::fs::rename(&temp, &path)
                .with_context(|| format!("cannot rename {}", temp.display()))?;
            Ok(lock)
        });
    match written {
        Ok(lock) => Ok(Marker { path, _lock: lock }),
        Err(err) => {
            let _ = std::fs::remove_file(&temp);
            Err(err)
        }
    }
}

/// The runs in progress of the jobs of `job_file` (of `job` only, when given), oldest first.
/// Markers whose process died are removed on the way. A missing or unreadable folder means
/// nothing runs.
pub(crate) fn live(state_dir: &Path, job_file: &Path, job: Option<&str>) -> Vec<Running> {
    let key = crate::history::job_file_key(job_file);
    let prefix = prefix(&key);
    let Ok(entries) = std::fs::read_dir(folder(state_dir)) else {
        return Vec::new();
    };
    let mut runs: Vec<Running> = entries
        .filter_map(Result::ok)
        .filter(|entry| {
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if name.starts_with('.') && name.ends_with(".tmp") {
                remove_abandoned(&entry.path());
                return false;
            }
            name.starts_with(&prefix) && name.ends_with(".json")
        })
        .filter_map(|entry| read_live(&entry.path()))
        .filter(|running| running.file == key && job.is_none_or(|job| running.job == job))
        .collect();
    runs.sort_by(|a, b| {
        a.started_at
            .cmp(&b.started_at)
            .then(a.run_id.cmp(&b.run_id))
    });
    runs
}

/// Removes the temporary file of a marker whose writer died before renaming it: unlocked, and
/// older than `ABANDONED` (a writer locks it right after creating it).
fn remove_abandoned(path: &Path) {
    let old = std::fs::metadata(path)
        .and_then(|meta| meta.modified())
        .is_ok_and(|at| at.elapsed().is_ok_and(|age| age > ABANDONED));
    if old && LockFile::acquire(path, Open::Existing, Mode::Shared, Wait::No).is_ok() {
        let _ = std::fs::remove_file(path);
    }
}

/// The marker at `path` if its owner still holds its lock; a stale one is removed.
fn read_live(path: &Path) -> Option<Running> {
    let file = LockFile::open(path, Open::Existing).ok()?;
    let mut text = String::new();
    file.file()
        .take(MAX_MARKER_BYTES)
        .read_to_string(&mut text)
        .ok()?;
    match file.lock(Mode::Shared, Span::Whole, Wait::No) {
        Ok(_) => {
            // Nobody holds it: the process that ran it is gone.
            let _ = std::fs::remove_file(path);
            None
        }
        Err(LockError::Busy { .. }) => serde_json::from_str(&text).ok(),
        Err(LockError::Io { .. }) => None,
    }
}

/// Times as RFC 3339 with milliseconds, as history stores them.
mod rfc3339 {
    use chrono::{DateTime, SecondsFormat, Utc};
    use serde::{Deserialize as _, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(at: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&at.to_rfc3339_opts(SecondsFormat::Millis, true))
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
        let text = String::deserialize(d)?;
        DateTime::parse_from_rfc3339(&text)
            .map(|at| at.with_timezone(&Utc))
            .map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use std::fs::File;
    use std::os::unix::fs::PermissionsExt as _;

    use super::*;

    fn sample(file: &Path, job: &str, run_id: &str) -> Running {
        Running {
            job: job.into(),
            file: crate::history::job_file_key(file),
            run_id: run_id.into(),
            pid: std::process::id(),
            trigger: "manual".into(),
            delivery: None,
            upstream_run_id: None,
            scheduled_at: DateTime::parse_from_rfc3339("2026-03-01T10:00:00Z")
                .unwrap()
                .with_timezone(&Utc),
            started_at: DateTime::parse_from_rfc3339("2026-03-01T10:00:00.250Z")
                .unwrap()
                .with_timezone(&Utc),
        }
    }

    #[test]
    fn a_marker_is_live_while_held_and_gone_when_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let state = dir.path().join("state");
        let jobs = dir.path().join("jobs.toml");
        let other = dir.path().join("other.toml");
        std::fs::write(&jobs, "").unwrap();
        std::fs::write(&other, "").unwrap();
        let backup = sample(&jobs, "backup", "r1");
        let marker = start(&state, &backup).unwrap();
        let _other = start(&state, &sample(&other, "backup", "r2")).unwrap();
        let _sync = start(&state, &sample(&jobs, "sync", "r3")).unwrap();
        // Another open file description stands for another process: flock is per description.
        assert_eq!(live(&state, &jobs, Some("backup")), [backup]);
        assert_eq!(live(&state, &jobs, None).len(), 2);
        assert_eq!(live(&state, &other, None).len(), 1);
        let folder = state.join(FOLDER);
        assert_eq!(
            std::fs::metadata(&folder).unwrap().permissions().mode() & 0o777,
            0o700
        );
        let path = marker.path.clone();
        assert_eq!(
            std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
        drop(marker);
        assert!(!path.exists());
        assert!(live(&state, &jobs, Some("backup")).is_empty());
        // No temporary file is left behind.
        let names: Vec<String> = std::fs::read_dir(&folder)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert!(names.iter().all(|n| !n.starts_with('.')), "{names:?}");
    }

    #[test]
    fn an_unlocked_marker_is_stale_and_removed() {
        let dir = tempfile::tempdir().unwrap();
        let state = dir.path().join("state");
        let jobs = dir.path().join("jobs.toml");
        std::fs::write(&jobs, "").unwrap();
        let running = sample(&jobs, "backup", "dead");
        // What a process killed with SIGKILL leaves: the file, without its lock.
        let marker = start(&state, &running).unwrap();
        let path = marker.path.clone();
        std::mem::forget(marker);
        // The forgotten descriptor still holds the lock in this process: release it.
        let copy = std::fs::read(&path).unwrap();
        std::fs::remove_file(&path).unwrap();
        std::fs::write(&path, copy).unwrap();
        assert!(live(&state, &jobs, None).is_empty());
        assert!(!path.exists(), "a stale marker is removed");
    }

    #[test]
    fn an_abandoned_temporary_marker_is_removed_once_old() {
        let dir = tempfile::tempdir().unwrap();
        let state = dir.path().join("state");
        let jobs = dir.path().join("jobs.toml");
        std::fs::write(&jobs, "").unwrap();
        let folder = state.join(FOLDER);
        crate::fs::create_private_dir(&folder).unwrap();
        let young = folder.join(".abc-young.json.tmp");
        let old = folder.join(".abc-old.json.tmp");
        std::fs::write(&young, "").unwrap();
        let file = File::create(&old).unwrap();
        let long_ago = std::time::SystemTime::now() - 2 * ABANDONED;
        file.set_modified(long_ago).unwrap();
        drop(file);
        assert!(live(&state, &jobs, None).is_empty());
        assert!(young.exists(), "a marker being written is left alone");
        assert!(!old.exists(), "an abandoned one is removed");
    }

    #[test]
    fn elapsed_time_in_words() {
        let dir = tempfile::tempdir().unwrap();
        let running = sample(&dir.path().join("jobs.toml"), "backup", "r1");
        let at = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
        assert_eq!(running.words(at("2026-03-01T10:00:12.900Z")), "running 12s");
        assert_eq!(
            running.words(at("2026-03-01T10:03:05.250Z")),
            "running 3m5s"
        );
        assert_eq!(running.words(at("2026-03-01T09:00:00Z")), "running 0s");
        let json = serde_json::to_value(running.json()).unwrap();
        assert_eq!(json["run_id"], "r1");
        assert_eq!(json["started_at"], "2026-03-01T10:00:00.250Z");
        assert_eq!(json["pid"], std::process::id());
    }
}
