//! Run history: one JSON line per run in `<state_dir>/history.jsonl`, appended by every
//! `run` and `exec` process (PRODUCT.md section 5).
//!
//! Each record names its job AND its job file (canonical path, `file`): two job files that
//! both have a `backup` job keep apart histories. Records of older versions have no `file`;
//! they count for every job file.
//!
//! Concurrent writers never interleave: each record is written with one `write` call on an
//! `O_APPEND` file while holding an exclusive lock on `<state_dir>/history.lock`.
//!
//! Size is bounded: one record is at most `MAX_RECORD_BYTES` (the output tail is cut further
//! when JSON escapes blow it up), and past `ROTATE_BYTES` the file is compacted, together with
//! the previous compacted file, into `history.1.jsonl`, which keeps the newest records of
//! EVERY job (see `compact`) within `COMPACT_BYTES`. So the history takes at most
//! `ROTATE_BYTES + COMPACT_BYTES` (16 MiB), and one chatty job cannot evict the last results
//! of the others. Files are created 0600 (output tails may hold secrets).
//! Reading tolerates damaged lines (a crash mid-write, a full disk): they are skipped, and
//! `read_recent` counts them. A writer that finds the file not ending in a newline starts its
//! record on a fresh line, so a partial line never swallows the next record.

mod compact;
mod follow;

/// Who a history line belongs to: its job name and job file, read without decoding the rest
/// of the line.
#[derive(Deserialize)]
struct Head<'a> {
    #[serde(borrow)]
    job: Cow<'a, str>,
    #[serde(borrow, default)]
    file: Option<Cow<'a, str>>,
}

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;
use std::fs::{File, OpenOptions};
use std::io::Write as _;
use std::os::unix::fs::{OpenOptionsExt as _, PermissionsExt as _};
use std::path::Path;
use std::sync::{Mutex, PoisonError};

use anyhow::{Context as _, Result};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::fs::{LockFile, LockedFile, Mode, Open, Wait, create_private_dir};

pub(crate) use compact::COMPACT_BYTES;
pub(crate) use follow::Follower;

/// Past this size (bytes) the history file is compacted into the kept file before the next
/// append.
pub(crate) const ROTATE_BYTES: u64 = 8 * 1024 * 1024;
/// The most output kept per record: the last bytes of the run's output, as text (invalid
/// UTF-8 already replaced).
pub(crate) const OUTPUT_TAIL_BYTES: usize = 64 * 1024;
/// The most one record may take as a JSON line: when escaping control bytes makes a record
/// bigger, its output tail is cut further.
pub(crate) const MAX_RECORD_BYTES: usize = 96 * 1024;
/// The most of an error message kept when a record is still too big without its output.
const MAX_ERROR_BYTES: usize = 4 * 1024;

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
    /// The job file the job came from (`job_file_key`), second in the line for the same
    /// reason. `None` in records written by older versions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) file: Option<String>,
    pub(crate) run_id: String,
    /// `schedule`, `manual`, `catch_up`, `start`, `webhook` or `after`.
    pub(crate) trigger: String,
    /// The sender's delivery id of a webhook run; absent for other runs (and in older records).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) delivery: Option<String>,
    /// The run whose end started this one (`after`); absent for other runs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) upstream_run_id: Option<String>,
    pub(crate) status: RunStatus,
    pub(crate) exit_code: Option<i32>,
    pub(crate) http_status: Option<u16>,
    #[serde(with = "rfc3339")]
    pub(crate) scheduled_at: DateTime<Utc>,
    #[serde(with = "rfc3339")]
    pub(crate) started_at: DateTime<Utc>,
    pub(crate) duration_ms: u64,
    pub(crate) attempts: u32,
    /// The last `OUTPUT_TAIL_BYTES` of output (shell) or response body (HTTP); empty in older
    /// records kept by a compaction.
    pub(crate) output_tail: String,
    /// Why the run did not succeed, in words; `None` on success.
    pub(crate) error: Option<String>,
    /// How each notification channel (`notify`, `ping`, `mail_to`) fared; empty when none
    /// was sent, or while they are still being delivered.
    #[serde(default)]
    pub(crate) notifications: Vec<Notification>,
    /// Set on a line written again for a run already recorded, once its notifications were
    /// delivered (they go out after the run's result is recorded, so a slow receiver never
    /// holds up the record, the overlap lock or the next run). Readers take such a line in
    /// place of the run's first one; it is never shown.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub(crate) amends: bool,
}

/// One notification channel's outcome for a run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Notification {
    /// `notify`, `ping` or `mail_to`: the job file's key.
    pub(crate) channel: String,
    /// Whether the receiver took it (a 2xx answer; sendmail exiting 0).
    pub(crate) ok: bool,
    /// Requests made (all attempts, `/start` included for pings).
    pub(crate) attempts: u32,
    /// The last answer: `HTTP 200`, the error, what sendmail said.
    pub(crate) answer: String,
}

impl RunRecord {
    /// Whether the run ended with status ok.
    pub(crate) fn succeeded(&self) -> bool {
        self.status == RunStatus::Ok
    }

    /// How long the run took.
    pub(crate) fn took(&self) -> std::time::Duration {
        std::time::Duration::from_millis(self.duration_ms)
    }
}

/// How history names a job file: its canonical path (symlinks resolved) when it exists, else
/// its folder's canonical path and its name (a job file removed while `run` still runs its
/// jobs), else the absolute path as given. Every spelling of one file gives one key.
pub(crate) fn job_file_key(file: &Path) -> String {
    crate::ctx::canonical_job_file(file)
        .to_string_lossy()
        .into_owned()
}

/// Appends `record` to the history in `state_dir` (created if missing), compacting the file
/// first when it has grown past `ROTATE_BYTES`.
pub(crate) fn append(state_dir: &Path, record: &RunRecord) -> Result<()> {
    append_with_limit(state_dir, record, ROTATE_BYTES, COMPACT_BYTES)
}

fn append_with_limit(state_dir: &Path, record: &RunRecord, limit: u64, kept: u64) -> Result<()> {
    /// Writers of this process take turns here first, so a burst of runs ending together
    /// queues on a futex (one wake-up per turn) rather than on the file lock (whose release
    /// wakes every waiter); the file lock then only guards against other processes.
    static TURN: Mutex<()> = Mutex::new(());

    let mut line = encode(record)?;
    line.push('\n');

    let _turn = TURN.lock().unwrap_or_else(PoisonError::into_inner);
    let _lock = match lock(state_dir, Mode::Exclusive) {
        Ok(lock) => lock,
        // The state folder usually exists: it is made only when the lock cannot be opened.
        // Made and retried whatever the folder looks like now: another process may have
        // made it between our failed open and a look at it, and that run's record must not
        // be lost (creating an existing folder is not an error).
        Err(_) => {
            create_private_dir(state_dir)
                .with_context(|| format!("cannot create state folder {}", state_dir.display()))?;
            lock(state_dir, Mode::Exclusive)?
        }
    };
    let current = state_dir.join(CURRENT);
    let meta = std::fs::metadata(&current).ok();
    let size = meta.as_ref().map_or(0, std::fs::Metadata::len);
    if size > 0 && size + line.len() as u64 > limit {
        compact::rotate(state_dir, kept)?;
    } else if let Some(meta) = meta
        && meta.permissions().mode() & 0o077 != 0
    {
        // Written by an older version: output tails may hold secrets.
        let _ = std::fs::set_permissions(&current, std::fs::Permissions::from_mode(0o600));
    }
    let mut file = OpenOptions::new()
        .create(true)
        .append(true)
        .read(true)
        .mode(0o600)
        .open(&current)
        .with_context(|| format!("cannot open history file {}", current.display()))?;
    // A partial last line (a crash or a full disk mid-write, anything appending garbage) would
    // swallow this record: start a fresh line after it, in the same write.
    if !ends_with_newline(&file)
        .with_context(|| format!("cannot read history file {}", current.display()))?
    {
        line.insert(0, '\n');
    }
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

/// Whether `file` is empty or ends in a newline. The caller holds the history lock, so no
/// jobtab writer appends meanwhile.
fn ends_with_newline(file: &File) -> std::io::Result<bool> {
    use std::os::unix::fs::FileExt as _;
    let size = file.metadata()?.len();
    if size == 0 {
        return Ok(true);
    }
    let mut last = [0u8; 1];
    file.read_exact_at(&mut last, size - 1)?;
    Ok(last[0] == b'\n')
}

/// `record` as one JSON line (no newline) of at most `MAX_RECORD_BYTES`: the output tail is
/// cut to `OUTPUT_TAIL_BYTES` and then further while escapes make the line too long, then the
/// error is cut.
fn encode(record: &RunRecord) -> Result<String> {
    let mut bounded = Cow::Borrowed(record);
    if record.output_tail.len() > OUTPUT_TAIL_BYTES {
        bounded.to_mut().output_tail = tail(&record.output_tail, OUTPUT_TAIL_BYTES).to_owned();
    }
    loop {
        let line = serde_json::to_string(&*bounded).context("cannot encode history record")?;
        let Some(excess) = line.len().checked_sub(MAX_RECORD_BYTES).filter(|e| *e > 0) else {
            return Ok(line);
        };
        let record = bounded.to_mut();
        if !record.output_tail.is_empty() {
            record.output_tail = tail_within(&record.output_tail, excess).to_owned();
        } else if let Some(error) = &record.error
            && error.len() > MAX_ERROR_BYTES
        {
            record.error = Some(format!("{}…", head(error, MAX_ERROR_BYTES)));
        } else {
            anyhow::bail!(
                "a history record of job {} is too large to store ({} bytes)",
                record.job,
                line.len()
            );
        }
    }
}

/// Which records a reader wants: those of one job file (and those without a file).
struct FileFilter {
    key: String,
    /// `"file":"<key as JSON>",` as `append` writes it right after the job name.
    field: String,
}

impl FileFilter {
    fn new(job_file: &Path) -> FileFilter {
        let key = job_file_key(job_file);
        let quoted = serde_json::to_string(&key).unwrap_or_default();
        FileFilter {
            field: format!("\"file\":{quoted},"),
            key,
        }
    }

    /// Whose `line` is, without decoding the rest of it. `append` writes `job` then `file`
    /// first, and job names need no escaping, so the prefix usually says it; otherwise the
    /// line is decoded as far as needed.
    fn owner<'a>(&self, line: &'a str) -> Owner<'a> {
        if let Some(rest) = line.strip_prefix("{\"job\":\"")
            && let Some(end) = rest.find(['"', '\\'])
            && rest.as_bytes()[end] == b'"'
        {
            let Some(after) = rest[end + 1..].strip_prefix(',') else {
                return Owner::Unreadable;
            };
            if after.starts_with("\"file\":") && !after.starts_with(&self.field) {
                return Owner::Other;
            }
            return Owner::Ours(Cow::Borrowed(&rest[..end]));
        }
        if line.trim().is_empty() {
            return Owner::Other;
        }
        match serde_json::from_str::<Head<'_>>(line) {
            Err(_) => Owner::Unreadable,
            Ok(head) => match head.file {
                Some(file) if file != self.key => Owner::Other,
                _ => Owner::Ours(head.job),
            },
        }
    }

    /// The job name of `line` when the line belongs to this job file.
    #[cfg(test)]
    fn job_of<'a>(&self, line: &'a str) -> Option<Cow<'a, str>> {
        match self.owner(line) {
            Owner::Ours(job) => Some(job),
            Owner::Other | Owner::Unreadable => None,
        }
    }
}

/// Whose a history line is.
enum Owner<'a> {
    /// A record of this job file (or of no file), of this job.
    Ours(Cow<'a, str>),
    /// A record of another job file, or a blank line.
    Other,
    /// Not a record: a line cut by a crash or a full disk, or garbage.
    Unreadable,
}

/// The newest record of every job of `job_file` that has one. Fast enough for `list` with
/// 10,000 jobs: a line's job name and file are read from its prefix, and only each job's
/// newest line is decoded.
pub(crate) fn last_results(
    state_dir: &Path,
    job_file: &Path,
) -> Result<HashMap<String, RunRecord>> {
    let filter = FileFilter::new(job_file);
    let mut results = HashMap::new();
    let mut amended = Amended::default();
    // Newest file first, newest line first: the first record seen per job is its last.
    for text in read_files(state_dir)?.iter().rev() {
        for line in text.lines().rev() {
            let Owner::Ours(job) = filter.owner(line) else {
                continue;
            };
            if results.contains_key(job.as_ref()) {
                continue;
            }
            if let Ok(record) = serde_json::from_str::<RunRecord>(line)
                && let Some(record) = amended.take(record)
            {
                results.insert(record.job.clone(), record);
            }
        }
    }
    Ok(results)
}

/// Up to `limit` records of `job_file`, newest first, of `job` (or all its jobs), only failed
/// ones if `failed_only` (every status but ok and skipped), across the current and the kept
/// file.
pub(crate) fn recent(
    state_dir: &Path,
    job_file: &Path,
    job: Option<&str>,
    limit: usize,
    failed_only: bool,
) -> Result<Vec<RunRecord>> {
    Ok(read_recent(state_dir, job_file, job, limit, failed_only)?.records)
}

/// What `read_recent` found.
pub(crate) struct Recent {
    /// Newest first.
    pub(crate) records: Vec<RunRecord>,
    /// How many of the lines read were not records (cut by a crash or a full disk, garbage)
    /// or were records of this job file that cannot be decoded.
    pub(crate) unreadable: usize,
}

/// `recent`, also counting the unreadable lines met on the way (all of them when `limit`
/// is not reached).
pub(crate) fn read_recent(
    state_dir: &Path,
    job_file: &Path,
    job: Option<&str>,
    limit: usize,
    failed_only: bool,
) -> Result<Recent> {
    let mut found = Recent {
        records: Vec::new(),
        unreadable: 0,
    };
    if limit == 0 {
        return Ok(found);
    }
    let filter = FileFilter::new(job_file);
    let mut amended = Amended::default();
    for text in read_files(state_dir)?.iter().rev() {
        for line in text.lines().rev() {
            let name = match filter.owner(line) {
                Owner::Ours(name) => name,
                Owner::Other => continue,
                Owner::Unreadable => {
                    found.unreadable += 1;
                    continue;
                }
            };
            if job.is_some_and(|wanted| name != wanted) {
                continue;
            }
            let Ok(record) = serde_json::from_str::<RunRecord>(line) else {
                found.unreadable += 1;
                continue;
            };
            let Some(record) = amended.take(record) else {
                continue;
            };
            if failed_only && matches!(record.status, RunStatus::Ok | RunStatus::Skipped) {
                continue;
            }
            found.records.push(record);
            if found.records.len() == limit {
                return Ok(found);
            }
        }
    }
    Ok(found)
}

/// The lines that amend a run's record (`RunRecord::amends`), met while reading newest line
/// first: each takes the place of its run's first line, so a run keeps its position among the
/// others (its first line's) and is seen once.
#[derive(Default)]
struct Amended {
    /// Amending lines whose run's first line was not met yet, by run id.
    waiting: HashMap<String, RunRecord>,
    /// Runs already given out.
    given: std::collections::HashSet<String>,
}

impl Amended {
    /// The record to use for `record` (newest line first): `None` for an amending line (kept
    /// for its run's first line) and for a run already given out; else the record, amended
    /// when an amending line of its run came before.
    fn take(&mut self, record: RunRecord) -> Option<RunRecord> {
        if record.amends {
            if !self.given.contains(&record.run_id) {
                self.waiting.entry(record.run_id.clone()).or_insert(record);
            }
            return None;
        }
        if !self.given.insert(record.run_id.clone()) {
            return None;
        }
        let mut record = self.waiting.remove(&record.run_id).unwrap_or(record);
        record.amends = false;
        Some(record)
    }
}

/// The kept file's text, then the current one's ("" when missing), read under the lock so
/// a rotation in another process cannot make us miss or double a file.
fn read_files(state_dir: &Path) -> Result<[String; 2]> {
    if !state_dir.join(CURRENT).exists() && !state_dir.join(ROTATED).exists() {
        return Ok([String::new(), String::new()]);
    }
    // Shared: readers do not block each other. A lock that cannot be taken (a read-only
    // state dir) only costs the guarantee against a concurrent rotation.
    let _lock = lock(state_dir, Mode::Shared).ok();
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

/// The history lock (exclusive for writers, shared for readers; both wait for it), released
/// when the returned value is dropped. `Open::Create`: the state folder must exist.
fn lock(state_dir: &Path, mode: Mode) -> Result<LockedFile> {
    Ok(LockFile::acquire(
        &state_dir.join(LOCK),
        Open::Create,
        mode,
        Wait::Forever,
    )?)
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

/// The longest tail of `text` whose JSON string form is at least `excess` bytes shorter than
/// that of `text` (at least one character shorter).
fn tail_within(text: &str, excess: usize) -> &str {
    /// What a character costs in a JSON string as serde_json writes it.
    fn cost(c: char) -> usize {
        match c {
            '"' | '\\' | '\n' | '\r' | '\t' | '\u{8}' | '\u{c}' => 2,
            c if u32::from(c) < 0x20 => 6,
            c => c.len_utf8(),
        }
    }
    let mut cut = 0;
    for (at, c) in text.char_indices() {
        if cut >= excess {
            return &text[at..];
        }
        cut += cost(c);
    }
    ""
}

/// The first at most `max` bytes of `text`, cut at a character boundary.
fn head(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

#[cfg(test)]
mod tests;
