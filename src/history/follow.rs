//! Following a job's history as runs are recorded (`jobtab logs NAME --follow`): each poll
//! reads only what was appended to the current file since the last one, and a rotation (the
//! current file replaced) makes it read both files again. Runs already seen (by run id) are
//! never returned twice, and a line still being written is left for the next poll.

use std::collections::HashSet;
use std::fs::File;
use std::io::{Read as _, Seek as _, SeekFrom};
use std::os::unix::fs::MetadataExt as _;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};

use super::{CURRENT, FileFilter, Owner, ROTATED, RunRecord, read_files};

/// New records of one job of one job file, as they are appended.
pub(crate) struct Follower {
    state_dir: PathBuf,
    filter: FileFilter,
    job: String,
    /// Run ids returned (or present when following began).
    seen: HashSet<String>,
    /// The current file (device, inode) and how far into it complete lines were read.
    at: Option<(u64, u64)>,
    /// The kept file as last seen (inode, size, modification time): only a rotation changes
    /// it, and inodes are reused, so this tells a rotation that the current file's inode
    /// alone may not.
    kept: Option<(u64, u64, i64, i64)>,
    offset: u64,
}

impl Follower {
    /// Starts following `job` of `job_file`: records already in history are not returned.
    pub(crate) fn new(state_dir: &Path, job_file: &Path, job: &str) -> Result<Follower> {
        let mut follower = Follower {
            state_dir: state_dir.to_path_buf(),
            filter: FileFilter::new(job_file),
            job: job.to_owned(),
            seen: HashSet::new(),
            at: None,
            kept: None,
            offset: 0,
        };
        follower.rescan(true)?;
        Ok(follower)
    }

    /// The records of the job appended since the last call, oldest first.
    pub(crate) fn poll(&mut self) -> Result<Vec<RunRecord>> {
        let path = self.state_dir.join(CURRENT);
        let Ok(meta) = std::fs::metadata(&path) else {
            // Between a rotation's removal and the next append, or no history yet.
            if self.at.is_some() {
                return self.rescan(false);
            }
            return Ok(Vec::new());
        };
        let identity = (meta.dev(), meta.ino());
        if self.at != Some(identity)
            || meta.len() < self.offset
            || kept_state(&self.state_dir) != self.kept
        {
            return self.rescan(false);
        }
        if meta.len() == self.offset {
            return Ok(Vec::new());
        }
        let mut file = match File::open(&path) {
            Ok(file) => file,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => return self.rescan(false),
            Err(err) => {
                return Err(err).with_context(|| format!("cannot read {}", path.display()));
            }
        };
        // Rotated between the look and the open: start over on both files.
        let opened = file.metadata()?;
        if (opened.dev(), opened.ino()) != identity {
            return self.rescan(false);
        }
        file.seek(SeekFrom::Start(self.offset))?;
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes)
            .with_context(|| format!("cannot read {}", path.display()))?;
        // Only complete lines: the rest is read again next time.
        let complete = bytes.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
        self.offset += complete as u64;
        let text = String::from_utf8_lossy(&bytes[..complete]);
        Ok(self.take_new(&text))
    }

    /// Reads both files again (first call, or after a rotation): records not seen yet are
    /// returned, except on the first call, which only notes them.
    fn rescan(&mut self, first: bool) -> Result<Vec<RunRecord>> {
        let path = self.state_dir.join(CURRENT);
        self.kept = kept_state(&self.state_dir);
        let [kept, current] = read_files(&self.state_dir)?;
        // The identity is taken after reading: a rotation in between is seen next time, and
        // records are deduplicated by run id anyway.
        let meta = std::fs::metadata(&path).ok();
        self.at = meta.as_ref().map(|m| (m.dev(), m.ino()));
        let complete = current.rfind('\n').map_or(0, |i| i + 1);
        self.offset = if meta.is_some() { complete as u64 } else { 0 };
        let mut found = self.take_new(&kept);
        found.extend(self.take_new(&current[..complete]));
        if first {
            found.clear();
        }
        Ok(found)
    }

    /// The job's records in `text` whose run ids were not seen, noting them as seen.
    fn take_new(&mut self, text: &str) -> Vec<RunRecord> {
        let mut found = Vec::new();
        for line in text.lines() {
            match self.filter.owner(line) {
                Owner::Ours(job) if job == self.job.as_str() => {}
                _ => continue,
            }
            let Ok(record) = serde_json::from_str::<RunRecord>(line) else {
                continue;
            };
            // A run's line written again with its notifications: the run was shown already.
            if record.amends {
                continue;
            }
            if self.seen.insert(record.run_id.clone()) {
                found.push(record);
            }
        }
        found
    }
}

/// The kept file's inode, size and modification time, if it exists.
fn kept_state(state_dir: &Path) -> Option<(u64, u64, i64, i64)> {
    let meta = std::fs::metadata(state_dir.join(ROTATED)).ok()?;
    Some((meta.ino(), meta.len(), meta.mtime(), meta.mtime_nsec()))
}

#[cfg(test)]
mod tests {
    use super::super::{append, append_with_limit};
    use super::*;
    use crate::history::RunStatus;
    use chrono::Utc;

    fn record(job: &str, file: &Path, id: &str) -> RunRecord {
        RunRecord {
            job: job.into(),
            file: Some(crate::history::job_file_key(file)),
            run_id: id.into(),
            trigger: "manual".into(),
            delivery: None,
            upstream_run_id: None,
            status: RunStatus::Ok,
            exit_code: Some(0),
            http_status: None,
            scheduled_at: Utc::now(),
            started_at: Utc::now(),
            duration_ms: 1,
            attempts: 1,
            output_tail: format!("output of {id}\n"),
            error: None,
            notifications: Vec::new(),
            amends: false,
        }
    }

    fn ids(records: &[RunRecord]) -> Vec<&str> {
        records.iter().map(|r| r.run_id.as_str()).collect()
    }

    #[test]
    fn new_runs_of_the_job_come_once_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let state = dir.path().join("state");
        let jobs = dir.path().join("jobs.toml");
        std::fs::write(&jobs, "").unwrap();
        append(&state, &record("backup", &jobs, "old")).unwrap();
        let mut follower = Follower::new(&state, &jobs, "backup").unwrap();
        assert!(follower.poll().unwrap().is_empty(), "old runs are not new");
        append(&state, &record("backup", &jobs, "a")).unwrap();
        append(&state, &record("other", &jobs, "x")).unwrap();
        append(&state, &record("backup", &jobs, "b")).unwrap();
        assert_eq!(ids(&follower.poll().unwrap()), ["a", "b"]);
        assert!(follower.poll().unwrap().is_empty());
        // A line still being written is left for the next poll.
        let current = state.join(CURRENT);
        let line = serde_json::to_string(&record("backup", &jobs, "c")).unwrap();
        let (first, rest) = line.split_at(20);
        let mut file = std::fs::OpenOptions::new()
            .append(true)
            .open(&current)
            .unwrap();
        std::io::Write::write_all(&mut file, first.as_bytes()).unwrap();
        assert!(follower.poll().unwrap().is_empty());
        std::io::Write::write_all(&mut file, format!("{rest}\n").as_bytes()).unwrap();
        assert_eq!(ids(&follower.poll().unwrap()), ["c"]);
    }

    #[test]
    fn runs_recorded_across_a_rotation_are_not_missed() {
        let dir = tempfile::tempdir().unwrap();
        let state = dir.path().join("state");
        let jobs = dir.path().join("jobs.toml");
        std::fs::write(&jobs, "").unwrap();
        let mut follower = Follower::new(&state, &jobs, "backup").unwrap();
        assert!(follower.poll().unwrap().is_empty());
        append(&state, &record("backup", &jobs, "a")).unwrap();
        assert_eq!(ids(&follower.poll().unwrap()), ["a"]);
        // Appends with a tiny limit: every one rotates the file first.
        for id in ["b", "c"] {
            append_with_limit(&state, &record("backup", &jobs, id), 10, 1 << 20).unwrap();
        }
        assert_eq!(ids(&follower.poll().unwrap()), ["b", "c"]);
        assert!(follower.poll().unwrap().is_empty());
    }
}
