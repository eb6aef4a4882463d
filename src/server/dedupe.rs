//! Delivery ids already acted on, so a redelivery never runs a job twice (PRODUCT.md section
//! 9): kept per job in the state dir for at least [`KEEP`] (bounded by [`MAX_ENTRIES`]),
//! loaded again when `run` restarts. An id is reserved while its request is in flight, so two
//! identical deliveries arriving together run once; it is remembered only once the scheduler
//! took the run (a skipped delivery is not remembered, so the sender's retry gets through).
//! Replay keys (`signed:<digest>`, for senders without a signed delivery id) are kept an hour.
//!
//! The file (`webhook-seen`) holds one line per accepted delivery: `<unix seconds> TAB <job>
//! TAB <delivery id> TAB <run id>`; it is rewritten without expired lines when it grows to
//! twice the entries kept.

use std::collections::{HashMap, HashSet};
use std::fs::{File, OpenOptions};
use std::io::{BufRead as _, BufReader, Write as _};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use anyhow::{Context as _, Result};

/// Delivery ids are kept at least this long (72 h).
pub(crate) const KEEP: i64 = 72 * 3600;

/// At most this many ids are kept; past it the oldest go first, even before [`KEEP`].
pub(crate) const MAX_ENTRIES: usize = 200_000;

/// How replay keys (digests of signed content, `verify::Verified::replay`) begin.
pub(crate) const REPLAY_PREFIX: &str = "signed:";

/// Replay keys are kept this long (an hour): their signature's timestamp is good for 300 s
/// either way, so an older one cannot come back; only past [`MAX_ENTRIES`] is that used,
/// so that a busy Slack hook does not push out other jobs' delivery ids early.
const REPLAY_KEEP: i64 = 3600;

/// How long `id` is kept.
fn kept_for(id: &str) -> i64 {
    if id.starts_with(REPLAY_PREFIX) {
        REPLAY_KEEP
    } else {
        KEEP
    }
}

/// The file's name in the state dir.
const FILE: &str = "webhook-seen";

type Key = (String, String);

/// The store; shared by every request.
pub(crate) struct Dedupe {
    inner: Mutex<Inner>,
}

struct Inner {
    path: PathBuf,
    /// Key -> (accepted at, run id).
    seen: HashMap<Key, (i64, String)>,
    in_flight: HashSet<Key>,
    /// Lines in the file now (live and expired).
    lines: usize,
    file: Option<File>,
}

/// What became of a delivery id offered to the store.
pub(crate) enum Seen {
    /// New: held for this request until the reservation commits or drops.
    Fresh(Reservation),
    /// Accepted before: the first run's id.
    Duplicate(String),
    /// The same delivery is being handled by another request right now.
    Busy,
}

/// A delivery id held while its request is handled.
pub(crate) struct Reservation {
    store: Arc<Dedupe>,
    key: Option<Key>,
}

impl Dedupe {
    /// The store of `state_dir`, with the ids of earlier `run`s still in their time.
    pub(crate) fn open(state_dir: &Path, now: i64) -> Result<Arc<Dedupe>> {
        let path = state_dir.join(FILE);
        let mut seen = HashMap::new();
        let mut lines = 0;
        match File::open(&path) {
            Ok(file) => {
                for line in BufReader::new(file).lines() {
                    let line = line.with_context(|| format!("cannot read {}", path.display()))?;
                    lines += 1;
                    let mut fields = line.split('\t');
                    let (Some(at), Some(job), Some(id), Some(run)) =
                        (fields.next(), fields.next(), fields.next(), fields.next())
                    else {
                        continue;
                    };
                    let Ok(at) = at.parse::<i64>() else { continue };
                    if now - at <= kept_for(id) {
                        seen.insert((job.to_owned(), id.to_owned()), (at, run.to_owned()));
                    }
                }
            }
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
            Err(err) => {
                return Err(err).with_context(|| format!("cannot read {}", path.display()));
            }
        }
        let mut inner = Inner {
            path,
            seen,
            in_flight: HashSet::new(),
            lines,
            file: None,
        };
        inner.trim(now);
        if inner.lines > 2 * inner.seen.len().max(1024) {
            inner.rewrite()?;
        }
        Ok(Arc::new(Dedupe {
            inner: Mutex::new(inner),
        }))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Offers `delivery` of `job`.
    pub(crate) fn offer(self: &Arc<Self>, job: &str, delivery: &str) -> Seen {
        let key = (job.to_owned(), delivery.to_owned());
        let mut inner = self.lock();
        if let Some((_, run)) = inner.seen.get(&key) {
            return Seen::Duplicate(run.clone());
        }
        if !inner.in_flight.insert(key.clone()) {
            return Seen::Busy;
        }
        Seen::Fresh(Reservation {
            store: Arc::clone(self),
            key: Some(key),
        })
    }

    /// How many ids are kept now.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.lock().seen.len()
    }
}

impl Reservation {
    /// The scheduler took the run `run_id`: the id is remembered (and written down; a write
    /// that fails is returned, the id stays remembered in memory).
    pub(crate) fn commit(mut self, run_id: &str, now: i64) -> Result<()> {
        let Some(key) = self.key.take() else {
            return Ok(());
        };
        let mut inner = self.store.lock();
        inner.in_flight.remove(&key);
        let line = format!("{now}\t{}\t{}\t{run_id}\n", key.0, key.1);
        inner.seen.insert(key, (now, run_id.to_owned()));
        inner.trim(now);
        inner.append(&line)
    }
}

impl Drop for Reservation {
    fn drop(&mut self) {
        if let Some(key) = self.key.take() {
            self.store.lock().in_flight.remove(&key);
        }
    }
}

impl Inner {
    /// Drops what expired (replay keys after an hour), then the oldest past [`MAX_ENTRIES`].
    fn trim(&mut self, now: i64) {
        if self.seen.len() <= MAX_ENTRIES {
            return;
        }
        self.seen
            .retain(|(_, id), (at, _)| now - *at <= kept_for(id));
        if self.seen.len() > MAX_ENTRIES {
            let mut ages: Vec<i64> = self.seen.values().map(|(at, _)| *at).collect();
            ages.sort_unstable();
            let cut = ages[self.seen.len() - MAX_ENTRIES * 9 / 10];
            self.seen.retain(|_, (at, _)| *at > cut);
        }
    }

    fn append(&mut self, line: &str) -> Result<()> {
        if self.lines >= 2 * self.seen.len().max(1024) {
            return self.rewrite();
        }
        if self.file.is_none() {
            self.file = Some(open_append(&self.path)?);
        }
        if let Some(file) = &mut self.file {
            file.write_all(line.as_bytes())
                .with_context(|| format!("cannot write {}", self.path.display()))?;
        }
        self.lines += 1;
        Ok(())
    }

    /// Writes the live entries to a new file that replaces the old one.
    fn rewrite(&mut self) -> Result<()> {
        let dir = self.path.parent().unwrap_or(Path::new("."));
        let mut entries: Vec<_> = self.seen.iter().collect();
        entries.sort_by_key(|(_, (at, _))| *at);
        let mut text = String::new();
        for ((job, id), (at, run)) in entries {
            text.push_str(&format!("{at}\t{job}\t{id}\t{run}\n"));
        }
        let mut temp = tempfile::NamedTempFile::new_in(dir)
            .with_context(|| format!("cannot write in {}", dir.display()))?;
        temp.write_all(text.as_bytes())
            .and_then(|()| temp.as_file().sync_all())
            .with_context(|| format!("cannot write {}", self.path.display()))?;
        temp.persist(&self.path)
            .with_context(|| format!("cannot replace {}", self.path.display()))?;
        self.lines = self.seen.len();
        self.file = None;
        Ok(())
    }
}

fn open_append(path: &Path) -> Result<File> {
    use std::os::unix::fs::OpenOptionsExt as _;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("cannot open {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_delivery_runs_once_also_after_a_restart() {
        let dir = tempfile::tempdir().unwrap();
        let store = Dedupe::open(dir.path(), 1000).unwrap();
        let Seen::Fresh(held) = store.offer("deploy", "d1") else {
            panic!("fresh id seen as known");
        };
        // While held, the same delivery is busy; another job's same id is its own.
        assert!(matches!(store.offer("deploy", "d1"), Seen::Busy));
        assert!(matches!(store.offer("other", "d1"), Seen::Fresh(_)));
        held.commit("run-1", 1000).unwrap();
        assert!(matches!(store.offer("deploy", "d1"), Seen::Duplicate(r) if r == "run-1"));
        drop(store);
        let again = Dedupe::open(dir.path(), 1000 + KEEP).unwrap();
        assert!(matches!(again.offer("deploy", "d1"), Seen::Duplicate(r) if r == "run-1"));
        // Past the time kept, a restart forgets it.
        let later = Dedupe::open(dir.path(), 1001 + KEEP).unwrap();
        assert!(matches!(later.offer("deploy", "d1"), Seen::Fresh(_)));
    }

    /// Replay keys are kept an hour, delivery ids 72 hours: when the store is full, expired
    /// replay keys go first, and a restart forgets them after the hour.
    #[test]
    fn replay_keys_are_kept_an_hour() {
        let dir = tempfile::tempdir().unwrap();
        let store = Dedupe::open(dir.path(), 1000).unwrap();
        let replay = format!("{REPLAY_PREFIX}00ff");
        for id in [replay.as_str(), "d1"] {
            let Seen::Fresh(held) = store.offer("deploy", id) else {
                panic!("fresh id seen as known");
            };
            held.commit("run-1", 1000).unwrap();
        }
        drop(store);
        let within = Dedupe::open(dir.path(), 1000 + REPLAY_KEEP).unwrap();
        assert!(matches!(
            within.offer("deploy", &replay),
            Seen::Duplicate(_)
        ));
        drop(within);
        let after = Dedupe::open(dir.path(), 1001 + REPLAY_KEEP).unwrap();
        assert!(matches!(after.offer("deploy", &replay), Seen::Fresh(_)));
        assert!(matches!(after.offer("deploy", "d1"), Seen::Duplicate(_)));
        let mut inner = after.lock();
        for n in 0..=MAX_ENTRIES {
            inner.seen.insert(
                ("deploy".into(), format!("{REPLAY_PREFIX}{n}")),
                (1000, "r".into()),
            );
        }
        inner.trim(1001 + REPLAY_KEEP);
        assert_eq!(inner.seen.len(), 1, "only the delivery id is left");
    }

    #[test]
    fn a_reservation_dropped_without_commit_is_forgotten() {
        let dir = tempfile::tempdir().unwrap();
        let store = Dedupe::open(dir.path(), 0).unwrap();
        let Seen::Fresh(held) = store.offer("deploy", "d1") else {
            panic!()
        };
        drop(held);
        assert!(matches!(store.offer("deploy", "d1"), Seen::Fresh(_)));
        assert_eq!(store.len(), 0);
    }

    #[test]
    fn the_store_is_bounded_and_the_file_compacted() {
        let dir = tempfile::tempdir().unwrap();
        let store = Dedupe::open(dir.path(), 0).unwrap();
        for i in 0..MAX_ENTRIES + 10 {
            let Seen::Fresh(held) = store.offer("j", &i.to_string()) else {
                panic!()
            };
            held.commit("r", i as i64).unwrap();
        }
        assert!(store.len() <= MAX_ENTRIES, "{}", store.len());
        // The newest are kept.
        assert!(matches!(
            store.offer("j", &(MAX_ENTRIES + 9).to_string()),
            Seen::Duplicate(_)
        ));
        let lines = std::fs::read_to_string(dir.path().join(FILE))
            .unwrap()
            .lines()
            .count();
        assert!(lines <= 2 * MAX_ENTRIES, "{lines}");
    }
}
