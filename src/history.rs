//! Run history: one JSON line per run in `<state_dir>/history.jsonl`, appended by every
//! `run` and `exec` process (PRODUCT.md section 5).
//!
//! Concurrent writers never interleave: each record is written with one `write` call on an
//! `O_APPEND` file while holding an exclusive lock on `<state_dir>/history.lock`. Size is
//! bounded: past `ROTATE_BYTES` the file becomes `history.1.jsonl` (one old file is kept).
//! Reading tolerates damaged lines (a crash mid-write, a full disk): they are skipped.

use std::collections::HashMap;
use std::fmt;
use std::fs::{File, OpenOptions};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

use anyhow::{Context as _, Result};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Past this size (bytes) the history file is rotated before the next append.
pub(crate) const ROTATE_BYTES: u64 = 8 * 1024 * 1024;
/// The most output kept per record (the last bytes of the run's output).
pub(crate) const OUTPUT_TAIL_BYTES: usize = 64 * 1024;

const CURRENT: &str = "history.jsonl";
const ROTATED: &str = "history.1.jsonl";
const LOCK: &str = "history.lock";

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum RunStatus {
    Ok,
    Failed,
    Timeout,
    Cancelled,
    Skipped,
}

impl fmt::Display for RunStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            RunStatus::Ok => "ok",
            RunStatus::Failed => "failed",
            RunStatus::Timeout => "timeout",
            RunStatus::Cancelled => "cancelled",
            RunStatus::Skipped => "skipped",
        })
    }
}

/// One run of one job, as stored (one JSON line) and as shown by `history --json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct RunRecord {
    /// Kept first in the JSON line so readers can find it cheaply.
    pub(crate) job: String,
    pub(crate) run_id: String,
    /// `schedule`, `manual`, `catch_up` or `start`.
    pub(crate) trigger: String,
    pub(crate) status: RunStatus,
    pub(crate) exit_code: Option<i32>,
    pub(crate) http_status: Option<u16>,
    #[serde(with = "rfc3339")]
    pub(crate) scheduled_at: DateTime<Utc>,
    #[serde(with = "rfc3339")]
    pub(crate) started_at: DateTime<Utc>,
    pub(crate) duration_ms: u64,
    pub(crate) attempts: u32,
    /// The last `OUTPUT_TAIL_BYTES` of output (shell) or response body (HTTP).
    pub(crate) output_tail: String,
    /// Why the run did not succeed, in words; `None` on success.
    pub(crate) error: Option<String>,
}

impl RunRecord {
    /// Whether the run ended with status ok.
    pub(crate) fn succeeded(&self) -> bool {
        self.status == RunStatus::Ok
    }
}

/// Appends `record` to the history in `state_dir` (created if missing), rotating the file
/// first when it has grown past `ROTATE_BYTES`.
pub(crate) fn append(state_dir: &Path, record: &RunRecord) -> Result<()> {
    append_with_limit(state_dir, record, ROTATE_BYTES)
}

fn append_with_limit(state_dir: &Path, record: &RunRecord, limit: u64) -> Result<()> {
    /// Writers of this process take turns here first, so a burst of runs ending together
    /// queues on a futex (one wake-up per turn) rather than on the file lock (whose release
    /// wakes every waiter); the file lock then only guards against other processes.
    static TURN: Mutex<()> = Mutex::new(());

    let record = if record.output_tail.len() > OUTPUT_TAIL_BYTES {
        let mut bounded = record.clone();
        bounded.output_tail = tail(&record.output_tail, OUTPUT_TAIL_BYTES).to_owned();
        std::borrow::Cow::Owned(bounded)
    } else {
        std::borrow::Cow::Borrowed(record)
    };
    let mut line = serde_json::to_string(&*record).context("cannot encode history record")?;
    line.push('\n');

    let _turn = TURN.lock().unwrap_or_else(PoisonError::into_inner);
    let _lock = match lock(state_dir, true) {
        // The state folder usually exists: it is made only when the lock cannot be opened.
        Err(_) if !state_dir.is_dir() => {
            std::fs::create_dir_all(state_dir)
                .with_context(|| format!("cannot create state folder {}", state_dir.display()))?;
            lock(state_dir, true)?
        }
        other => other?,
    };
    let current = state_dir.join(CURRENT);
    let size = std::fs::metadata(&current).map_or(0, |meta| meta.len());
    if size > 0 && size + line.len() as u64 > limit {
        std::fs::rename(&current, state_dir.join(ROTATED))
            .with_context(|| format!("cannot rotate history file {}", current.display()))?;
    }
    let mut file = OpenOptions::new()
        .create(true)
        .append(true)
        .open(&current)
        .with_context(|| format!("cannot open history file {}", current.display()))?;
    // One write call for the whole line: with O_APPEND and the lock, records never interleave.
    let written = file
        .write(line.as_bytes())
        .with_context(|| format!("cannot write history file {}", current.display()))?;
    if written != line.len() {
        anyhow::bail!(
            "short write to history file {} (disk full?); free some space",
            current.display()
        );
    }
    Ok(())
}

/// The newest record of every job that has one. Fast enough for `list` with 10,000 jobs: a
/// line's job name is read from its prefix, and only each job's newest line is decoded.
pub(crate) fn last_results(state_dir: &Path) -> Result<HashMap<String, RunRecord>> {
    let mut results = HashMap::new();
    // Newest file first, newest line first: the first record seen per job is its last.
    for text in read_files(state_dir)?.iter().rev() {
        for line in text.lines().rev() {
            let Some(job) = job_of(line) else { continue };
            if results.contains_key(job.as_ref()) {
                continue;
            }
            if let Ok(record) = serde_json::from_str::<RunRecord>(line) {
                results.insert(record.job.clone(), record);
            }
        }
    }
    Ok(results)
}

/// The job name of a history line, without decoding the rest of it. `append` writes `job`
/// first and job names need no escaping, so the prefix usually says it; otherwise the line is
/// decoded as far as needed.
fn job_of(line: &str) -> Option<std::borrow::Cow<'_, str>> {
    /// Only the job name: the rest of the line is skipped without being decoded.
    #[derive(Deserialize)]
    struct JobOnly<'a> {
        #[serde(borrow)]
        job: std::borrow::Cow<'a, str>,
    }

    if let Some(rest) = line.strip_prefix("{\"job\":\"")
        && let Some(end) = rest.find(['"', '\\'])
        && rest.as_bytes()[end] == b'"'
    {
        return Some(std::borrow::Cow::Borrowed(&rest[..end]));
    }
    serde_json::from_str::<JobOnly<'_>>(line)
        .ok()
        .map(|head| head.job)
}

/// Up to `limit` records, newest first, of `job` (or all jobs), only failed ones if
/// `failed_only` (every status but ok and skipped), across the current and the rotated file.
pub(crate) fn recent(
    state_dir: &Path,
    job: Option<&str>,
    limit: usize,
    failed_only: bool,
) -> Result<Vec<RunRecord>> {
    let mut records = Vec::new();
    if limit == 0 {
        return Ok(records);
    }
    for text in read_files(state_dir)?.iter().rev() {
        for line in text.lines().rev() {
            if let Some(name) = job
                && job_of(line).is_none_or(|found| found != name)
            {
                continue;
            }
            let Ok(record) = serde_json::from_str::<RunRecord>(line) else {
                continue;
            };
            if failed_only && matches!(record.status, RunStatus::Ok | RunStatus::Skipped) {
                continue;
            }
            records.push(record);
            if records.len() == limit {
                return Ok(records);
            }
        }
    }
    Ok(records)
}

/// The rotated file's text, then the current one's ("" when missing), read under the lock so
/// a rotation in another process cannot make us miss or double a file.
fn read_files(state_dir: &Path) -> Result<[String; 2]> {
    if !state_dir.join(CURRENT).exists() && !state_dir.join(ROTATED).exists() {
        return Ok([String::new(), String::new()]);
    }
    // Shared: readers do not block each other. A lock that cannot be taken (a read-only
    // state dir) only costs the guarantee against a concurrent rotation.
    let _lock = lock(state_dir, false).ok();
    Ok([
        read_lossy(&state_dir.join(ROTATED))?,
        read_lossy(&state_dir.join(CURRENT))?,
    ])
}

fn read_lossy(path: &Path) -> Result<String> {
    match std::fs::read(path) {
        Ok(bytes) => Ok(match String::from_utf8(bytes) {
            Ok(text) => text,
            Err(err) => String::from_utf8_lossy(err.as_bytes()).into_owned(),
        }),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(String::new()),
        Err(err) => {
            Err(err).with_context(|| format!("cannot read history file {}", path.display()))
        }
    }
}

/// The history lock (exclusive for writers, shared for readers), released when the returned
/// file is dropped.
fn lock(state_dir: &Path, exclusive: bool) -> Result<File> {
    let path: PathBuf = state_dir.join(LOCK);
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .with_context(|| format!("cannot open history lock {}", path.display()))?;
    if exclusive {
        file.lock()
    } else {
        file.lock_shared()
    }
    .with_context(|| format!("cannot lock history lock {}", path.display()))?;
    Ok(file)
}

/// Times as RFC 3339 strings with offset and milliseconds (`2026-03-01T10:00:00.000Z`).
mod rfc3339 {
    use chrono::{DateTime, SecondsFormat, Utc};
    use serde::{Deserialize as _, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(at: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&at.to_rfc3339_opts(SecondsFormat::Millis, true))
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
        let text = std::borrow::Cow::<str>::deserialize(d)?;
        DateTime::parse_from_rfc3339(&text)
            .map(|at| at.with_timezone(&Utc))
            .map_err(serde::de::Error::custom)
    }
}

/// The last at most `max` bytes of `text`, cut at a character boundary.
pub(crate) fn tail(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut start = text.len() - max;
    while !text.is_char_boundary(start) {
        start += 1;
    }
    &text[start..]
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn record(job: &str, status: RunStatus, minute: u32) -> RunRecord {
        let at = DateTime::parse_from_rfc3339(&format!("2026-03-01T10:{minute:02}:00Z"))
            .unwrap()
            .with_timezone(&Utc);
        RunRecord {
            job: job.to_owned(),
            run_id: format!("{job}-{minute}"),
            trigger: "manual".to_owned(),
            status,
            exit_code: Some(i32::from(status != RunStatus::Ok)),
            http_status: None,
            scheduled_at: at,
            started_at: at,
            duration_ms: 5,
            attempts: 1,
            output_tail: format!("out {minute}\n"),
            error: None,
        }
    }

    #[test]
    fn append_and_read_back_newest_first() {
        let dir = tempfile::tempdir().unwrap();
        let state = dir.path().join("nested/state");
        append(&state, &record("a", RunStatus::Ok, 1)).unwrap();
        append(&state, &record("b", RunStatus::Failed, 2)).unwrap();
        append(&state, &record("a", RunStatus::Timeout, 3)).unwrap();
        append(&state, &record("a", RunStatus::Skipped, 4)).unwrap();

        let all = recent(&state, None, 10, false).unwrap();
        let ids: Vec<_> = all.iter().map(|r| r.run_id.as_str()).collect();
        assert_eq!(ids, ["a-4", "a-3", "b-2", "a-1"]);
        let a = recent(&state, Some("a"), 2, false).unwrap();
        assert_eq!(
            a.iter().map(|r| r.run_id.as_str()).collect::<Vec<_>>(),
            ["a-4", "a-3"]
        );
        let failed = recent(&state, None, 10, true).unwrap();
        assert_eq!(
            failed.iter().map(|r| r.run_id.as_str()).collect::<Vec<_>>(),
            ["a-3", "b-2"]
        );
        assert!(recent(&state, Some("zzz"), 10, false).unwrap().is_empty());

        let last = last_results(&state).unwrap();
        assert_eq!(last.len(), 2);
        assert_eq!(last["a"].run_id, "a-4");
        assert_eq!(last["b"].status, RunStatus::Failed);
        assert_eq!(last["b"], record("b", RunStatus::Failed, 2));
    }

    #[test]
    fn job_names_are_read_from_the_prefix_or_decoded() {
        assert_eq!(
            job_of(r#"{"job":"a.b-c","run_id":"x"}"#).as_deref(),
            Some("a.b-c")
        );
        assert_eq!(
            job_of(r#"{"run_id":"x","job":"late"}"#).as_deref(),
            Some("late")
        );
        assert_eq!(
            job_of(r#"{"job":"q\"uote","x":1}"#).as_deref(),
            Some("q\"uote")
        );
        assert_eq!(job_of(r#"{"job":"trunc"#), None);
        assert_eq!(job_of("garbage"), None);
    }

    #[test]
    fn missing_history_is_empty() {
        let dir = tempfile::tempdir().unwrap();
        assert!(recent(dir.path(), None, 5, false).unwrap().is_empty());
        assert!(last_results(&dir.path().join("none")).unwrap().is_empty());
    }

    #[test]
    fn damaged_lines_are_skipped() {
        let dir = tempfile::tempdir().unwrap();
        append(dir.path(), &record("a", RunStatus::Ok, 1)).unwrap();
        let path = dir.path().join(CURRENT);
        let mut text = std::fs::read_to_string(&path).unwrap();
        text.push_str("{\"job\":\"a\",\"run_id\":\"tru\n\u{0}garbage\n");
        std::fs::write(&path, text).unwrap();
        append(dir.path(), &record("a", RunStatus::Failed, 2)).unwrap();
        let all = recent(dir.path(), None, 10, false).unwrap();
        assert_eq!(all.len(), 2);
        assert_eq!(last_results(dir.path()).unwrap()["a"].run_id, "a-2");
    }

    #[test]
    fn rotation_keeps_size_bounded_and_one_old_file() {
        let dir = tempfile::tempdir().unwrap();
        let limit = 2_000;
        for minute in 0..60 {
            append_with_limit(dir.path(), &record("a", RunStatus::Ok, minute), limit).unwrap();
            let size = std::fs::metadata(dir.path().join(CURRENT)).unwrap().len();
            assert!(size <= limit, "history grew to {size} bytes");
        }
        let rotated = std::fs::metadata(dir.path().join(ROTATED)).unwrap().len();
        assert!(rotated <= limit);
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .filter(|n| n.ends_with(".jsonl"))
            .collect();
        assert_eq!(names.len(), 2, "{names:?}");
        // Newest first across both files, and the newest is kept.
        let all = recent(dir.path(), None, 1000, false).unwrap();
        assert_eq!(all[0].run_id, "a-59");
        assert!(all.len() > 10 && all.len() < 60, "{}", all.len());
        assert!(all.windows(2).all(|w| w[0].started_at > w[1].started_at));
    }

    #[test]
    fn output_tail_is_bounded_per_record() {
        let dir = tempfile::tempdir().unwrap();
        let mut big = record("a", RunStatus::Ok, 1);
        big.output_tail = format!("{}END", "é".repeat(OUTPUT_TAIL_BYTES));
        append(dir.path(), &big).unwrap();
        let back = &recent(dir.path(), None, 1, false).unwrap()[0];
        assert!(back.output_tail.len() <= OUTPUT_TAIL_BYTES);
        assert!(back.output_tail.ends_with("éEND"));
    }

    #[test]
    fn tail_cuts_at_char_boundaries() {
        assert_eq!(tail("hello", 10), "hello");
        assert_eq!(tail("hello", 3), "llo");
        assert_eq!(tail("aé", 1), "");
        assert_eq!(tail("aéb", 3), "éb");
    }

    #[test]
    fn concurrent_appends_never_interleave() {
        let dir = tempfile::tempdir().unwrap();
        let threads: Vec<_> = (0..8)
            .map(|t| {
                let state = dir.path().to_owned();
                std::thread::spawn(move || {
                    for i in 0..25 {
                        let mut rec = record(&format!("j{t}"), RunStatus::Ok, i);
                        rec.output_tail = "x".repeat(20_000);
                        append(&state, &rec).unwrap();
                    }
                })
            })
            .collect();
        for thread in threads {
            thread.join().unwrap();
        }
        let text = std::fs::read_to_string(dir.path().join(CURRENT)).unwrap();
        assert_eq!(text.lines().count(), 200);
        for line in text.lines() {
            serde_json::from_str::<RunRecord>(line).unwrap();
        }
    }
}
