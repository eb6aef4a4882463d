//! What `install` and `uninstall` keep in the state dir: a backup of the previous table before
//! every write (the newest `BACKUPS_KEPT`), and the lock that serialises changes to the
//! crontab.

use std::io::Write as _;
use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context as _, Result, bail};

use crate::fs::{LockError, LockFile, LockedFile, Mode, Open, Wait};

/// How many backups of previous tables are kept in `<state dir>/crontab-backups`.
pub(crate) const BACKUPS_KEPT: usize = 10;

/// Writes a copy of `table` to `<state dir>/crontab-backups/crontab-<UTC timestamp>.txt`
/// (mode 0600) and keeps only the newest `BACKUPS_KEPT` copies. Returns the copy's path.
///
/// The copy is written to a temp file, synced, then linked into place, so a failed write (a
/// full disk) leaves the previous backups and no new file, never an empty or cut copy.
pub(crate) fn backup(state_dir: &Path, table: &[u8]) -> Result<PathBuf> {
    backup_with(state_dir, table, |_| Ok(()))
}

/// `backup`, calling `before_rename` with the written temp file's path just before it is put
/// in place: tests use it to fail there.
fn backup_with(
    state_dir: &Path,
    table: &[u8],
    before_rename: impl FnOnce(&Path) -> std::io::Result<()>,
) -> Result<PathBuf> {
    let dir = state_dir.join("crontab-backups");
    crate::fs::create_private_dir(&dir)
        .with_context(|| format!("cannot create the backup folder {}", dir.display()))?;
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%S%.6fZ");
    // Deleted when dropped, so every early return below cleans up.
    let mut temp = tempfile::Builder::new()
        .prefix(".crontab-")
        .suffix(".tmp")
        .permissions(std::fs::Permissions::from_mode(0o600))
        .tempfile_in(&dir)
        .with_context(|| format!("cannot create a backup in {}", dir.display()))?;
    let context = || {
        format!(
            "cannot write the backup of your crontab in {} (disk full?); your crontab was not \
             changed",
            dir.display()
        )
    };
    temp.write_all(table)
        .and_then(|()| temp.as_file().sync_all())
        .and_then(|()| before_rename(temp.path()))
        .with_context(context)?;
    let mut attempt = 1;
    let path = loop {
        let name = if attempt == 1 {
            format!("crontab-{stamp}.txt")
        } else {
            format!("crontab-{stamp}-{attempt}.txt")
        };
        let path = dir.join(name);
        // Never replaces a backup made in the same microsecond by another process.
        match temp.persist_noclobber(&path) {
            Ok(_) => break path,
            Err(err) if err.error.kind() == std::io::ErrorKind::AlreadyExists && attempt < 100 => {
                temp = err.file;
                attempt += 1;
            }
            Err(err) => {
                return Err(err.error)
                    .with_context(|| format!("cannot create the backup {}", path.display()));
            }
        }
    };
    prune_backups(&dir, BACKUPS_KEPT);
    Ok(path)
}

/// Deletes all but the newest `keep` backups; failures are ignored (a leftover backup harms
/// nothing).
fn prune_backups(dir: &Path, keep: usize) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut names: Vec<String> = entries
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.starts_with("crontab-") && n.ends_with(".txt"))
        .collect();
    names.sort();
    let excess = names.len().saturating_sub(keep);
    for name in &names[..excess] {
        let _ = std::fs::remove_file(dir.join(name));
    }
}

/// How long a change to the crontab waits for another jobtab changing it.
const LOCK_TIMEOUT: Duration = Duration::from_secs(30);

/// An exclusive lock on `<state dir>/crontab.lock`, held while a table is read, changed and
/// written, so that two jobtab processes do not overwrite each other's change.
pub(crate) fn lock(state_dir: &Path) -> Result<LockedFile> {
    lock_within(state_dir, LOCK_TIMEOUT)
}

/// `lock`, waiting at most `timeout` for another jobtab.
fn lock_within(state_dir: &Path, timeout: Duration) -> Result<LockedFile> {
    let path = state_dir.join("crontab.lock");
    let wait = Wait::Upto(timeout);
    match LockFile::acquire(&path, Open::CreateWithFolder, Mode::Exclusive, wait) {
        Err(err @ LockError::Busy { .. }) => bail!(
            "another jobtab ({}) has been changing your crontab for {}s (lock {}); wait for it \
             to finish, then try again",
            err.holder_words(),
            timeout.as_secs(),
            path.display()
        ),
        other => Ok(other?),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backups_are_kept_and_pruned() {
        let dir = tempfile::tempdir().unwrap();
        let mut paths = Vec::new();
        for i in 0..(BACKUPS_KEPT + 3) {
            paths.push(backup(dir.path(), format!("table {i}\n").as_bytes()).unwrap());
        }
        let kept: Vec<_> = std::fs::read_dir(dir.path().join("crontab-backups"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        assert_eq!(kept.len(), BACKUPS_KEPT);
        let newest = paths.last().unwrap();
        assert_eq!(
            std::fs::read_to_string(newest).unwrap(),
            format!("table {}\n", BACKUPS_KEPT + 2)
        );
        assert!(!paths[0].exists(), "the oldest is pruned");
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(newest).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    #[test]
    fn the_crontab_lock_is_private_and_a_busy_one_names_its_holder() {
        let dir = tempfile::tempdir().unwrap();
        let state = dir.path().join("state");
        let held = lock(&state).unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&state), 0o700);
        assert_eq!(mode(&state.join("crontab.lock")), 0o600);
        let err = lock_within(&state, Duration::from_millis(20)).unwrap_err();
        let message = format!("{err:#}");
        let holder = format!(
            "another jobtab (pid {}) has been changing",
            std::process::id()
        );
        assert!(message.starts_with(&holder), "{message}");
        assert!(
            message.ends_with("wait for it to finish, then try again"),
            "{message}"
        );
        drop(held);
        lock_within(&state, Duration::from_millis(20)).unwrap();
    }

    #[test]
    fn a_failed_backup_leaves_the_previous_ones_and_no_new_file() {
        let dir = tempfile::tempdir().unwrap();
        let first = backup(dir.path(), b"first\n").unwrap();
        let mut seen = None;
        let err = backup_with(dir.path(), b"second\n", |temp| {
            assert_eq!(std::fs::read(temp).unwrap(), b"second\n");
            seen = Some(temp.to_owned());
            Err(std::io::Error::other("No space left on device"))
        })
        .unwrap_err();
        let message = format!("{err:#}");
        assert!(message.contains("No space left on device"), "{message}");
        assert!(
            message.contains("your crontab was not changed"),
            "{message}"
        );
        assert!(!seen.unwrap().exists());
        let left: Vec<_> = std::fs::read_dir(dir.path().join("crontab-backups"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        assert_eq!(left, std::slice::from_ref(&first));
        assert_eq!(std::fs::read(&first).unwrap(), b"first\n");
    }
}
