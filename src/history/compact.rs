//! Rotation by compaction: when `history.jsonl` is full, it is merged with the previous kept
//! file into a new `history.1.jsonl` that holds, for EVERY job (job file and name), its newest
//! `KEPT_PER_JOB` records, the newest `TAILS_PER_JOB` of them with their output tail and the
//! older ones without, all within `COMPACT_BYTES`. So a chatty job that fills the history
//! every few minutes never evicts the last results of a daily job.
//!
//! When even that does not fit (thousands of jobs), the budget goes first to the newest record
//! of every job (most recently active jobs first), then to the second newest, and so on, and
//! tails come last. Records stay in the order they were appended. The whole rotation runs
//! under the history's exclusive lock.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::io::Write as _;
use std::os::unix::fs::OpenOptionsExt as _;
use std::path::Path;

use anyhow::{Context as _, Result};

use super::{CURRENT, Head, ROTATED, RunRecord, encode, read_lossy};

/// Per job, how many of its newest records a compaction keeps.
pub(crate) const KEPT_PER_JOB: usize = 20;
/// Per job, how many of the kept records keep their output tail.
pub(crate) const TAILS_PER_JOB: usize = 3;
/// The most the compacted file (`history.1.jsonl`) holds.
pub(crate) const COMPACT_BYTES: u64 = 8 * 1024 * 1024;

const TEMP: &str = "history.1.jsonl.tmp";

/// Replaces the kept file by the compaction of itself and the current file, then removes the
/// current file. The caller holds the exclusive history lock.
pub(super) fn rotate(state_dir: &Path, budget: u64) -> Result<()> {
    let current = state_dir.join(CURRENT);
    let rotated = state_dir.join(ROTATED);
    // An unreadable kept file is replaced: its records cannot be shown anyway.
    let old = read_lossy(&rotated).unwrap_or_default();
    let new = read_lossy(&current)?;
    let text = compact(&[&old, &new], budget);
    let temp = state_dir.join(TEMP);
    let written = std::fs::OpenOptions::new()
        .create(true)
        .write(true)
        .truncate(true)
        .mode(0o600)
        .open(&temp)
        .and_then(|mut file| file.write_all(text.as_bytes()))
        .and_then(|()| std::fs::rename(&temp, &rotated));
    if written.is_err() {
        // No room for the compacted copy (disk full): keep the outgoing file as it is, which
        // still bounds the size.
        let _ = std::fs::remove_file(&temp);
        return std::fs::rename(&current, &rotated)
            .with_context(|| format!("cannot rotate history file {}", current.display()));
    }
    match std::fs::remove_file(&current) {
        Err(err) if err.kind() != std::io::ErrorKind::NotFound => {
            Err(err).with_context(|| format!("cannot rotate history file {}", current.display()))
        }
        _ => Ok(()),
    }
}

/// One record chosen as a candidate for the compacted file.
struct Kept {
    /// Its position in the input, oldest first.
    order: usize,
    /// The record without its output tail, as a JSON line (no newline).
    stripped: String,
    /// The whole record as a JSON line, for the newest `TAILS_PER_JOB` of a job with output.
    full: Option<String>,
    /// Whether `full` is written rather than `stripped`.
    with_tail: bool,
}

/// The compacted text (JSON lines, each ending in a newline) of `texts` (history files, oldest
/// first), at most `budget` bytes. Damaged lines and repeated run ids are dropped.
pub(super) fn compact(texts: &[&str], budget: u64) -> String {
    let lines: Vec<&str> = texts.iter().flat_map(|text| text.lines()).collect();
    // Jobs in the order of their newest record, newest first; each job's records newest first.
    let mut groups: Vec<Vec<Kept>> = Vec::new();
    let mut slots: HashMap<(Option<String>, String), usize> = HashMap::new();
    let mut seen: HashSet<String> = HashSet::new();
    let mut amending: HashMap<String, RunRecord> = HashMap::new();
    for (order, line) in lines.iter().enumerate().rev() {
        let Ok(head) = serde_json::from_str::<Head<'_>>(line) else {
            continue;
        };
        let key = (head.file.map(Cow::into_owned), head.job.into_owned());
        let slot = *slots.entry(key).or_insert_with(|| {
            groups.push(Vec::new());
            groups.len() - 1
        });
        let group = &mut groups[slot];
        if group.len() >= KEPT_PER_JOB {
            continue;
        }
        let Ok(record) = serde_json::from_str::<RunRecord>(line) else {
            continue;
        };
        // An amending line is kept in its run's first line's place, as readers take it.
        if record.amends {
            if !seen.contains(&record.run_id) {
                amending.entry(record.run_id.clone()).or_insert(record);
            }
            continue;
        }
        if !seen.insert(record.run_id.clone()) {
            continue;
        }
        let mut record = amending.remove(&record.run_id).unwrap_or(record);
        record.amends = false;
        let full = if group.len() < TAILS_PER_JOB && !record.output_tail.is_empty() {
            encode(&record).ok()
        } else {
            None
        };
        record.output_tail.clear();
        let Ok(stripped) = encode(&record) else {
            continue;
        };
        group.push(Kept {
            order,
            stripped,
            full,
            with_tail: false,
        });
    }

    let budget = usize::try_from(budget).unwrap_or(usize::MAX);
    let mut used = 0usize;
    // How many of each job's newest records are kept (always a job's newest ones).
    let mut depth = vec![0usize; groups.len()];
    for rank in 0..KEPT_PER_JOB {
        for (group, depth) in groups.iter().zip(depth.iter_mut()) {
            let Some(kept) = group.get(rank).filter(|_| *depth == rank) else {
                continue;
            };
            let cost = kept.stripped.len() + 1;
            if used + cost <= budget {
                used += cost;
                *depth = rank + 1;
            }
        }
    }
    for rank in 0..TAILS_PER_JOB {
        for (group, depth) in groups.iter_mut().zip(&depth) {
            if rank >= *depth {
                continue;
            }
            let kept = &mut group[rank];
            let Some(full) = &kept.full else {
                continue;
            };
            let extra = full.len().saturating_sub(kept.stripped.len());
            if used + extra <= budget {
                used += extra;
                kept.with_tail = true;
            }
        }
    }

    let mut chosen: Vec<&Kept> = groups
        .iter()
        .zip(&depth)
        .flat_map(|(group, depth)| &group[..*depth])
        .collect();
    chosen.sort_unstable_by_key(|kept| kept.order);
    let mut text = String::with_capacity(used);
    for kept in chosen {
        match (&kept.full, kept.with_tail) {
            (Some(full), true) => text.push_str(full),
            _ => text.push_str(&kept.stripped),
        }
        text.push('\n');
    }
    text
}
