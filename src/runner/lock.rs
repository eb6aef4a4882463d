//! One `jobtab run` per job file, whatever `--state-dir` says (PRODUCT.md section 5): an
//! exclusive lock on a sidecar next to the job file, `jobs.toml` → `jobs.toml.run.lock`,
//! holding the holder's pid. The sidecar sits beside the job file's canonical path (symlinks
//! resolved), so every spelling of one file, and every state dir, meets the same lock.
//!
//! It is not the store's `jobs.toml.lock`: writers (`add`, `edit`...) must never wait for a
//! scheduler that runs for weeks.
//!
//! Where the sidecar cannot be created (a read-only folder, such as a Kubernetes ConfigMap
//! mount), the lock falls back to `<state dir>/run-<hash>.lock`, keyed by the same canonical
//! name, and says so: then only runners sharing the state dir see each other.
//!
//! The lock is an OS file lock (`crate::fs::LockedFile`), so it is released when the process
//! dies, however it dies; a stale lock file left behind is simply locked again. A refusal
//! names the holder's pid as the kernel lists it (`/proc/locks`).

use std::io::{Seek as _, SeekFrom, Write as _};
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result, bail};

use crate::fs::{LockError, LockFile, LockedFile, Mode, Open, Span, Wait};

/// The held lock; released on drop.
#[derive(Debug)]
pub(crate) struct RunLock {
    _lock: LockedFile,
    /// Why the lock is in the state dir rather than beside the job file, for a warning.
    pub(crate) fallback: Option<String>,
}

/// The sidecar lock of `job_file`: `jobs.toml` → `jobs.toml.run.lock`, beside its canonical
/// path.
pub(crate) fn sidecar_path(job_file: &Path) -> PathBuf {
    let canonical = crate::ctx::canonical_job_file(job_file);
    let mut name = canonical
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_default();
    name.push(".run.lock");
    canonical.with_file_name(name)
}

/// Where the lock for `job_file` lives when its folder cannot hold the sidecar.
pub(crate) fn fallback_path(state_dir: &Path, job_file: &Path) -> PathBuf {
    let hex = crate::ctx::job_file_hash(job_file);
    state_dir.join(format!("run-{hex}.lock"))
}

impl RunLock {
    /// Takes the lock or fails naming the process that holds it.
    pub(crate) fn acquire(state_dir: &Path, job_file: &Path) -> Result<RunLock> {
        let sidecar = sidecar_path(job_file);
        let (file, fallback) = match LockFile::open(&sidecar, Open::Create) {
            Ok(file) => (file, None),
            Err(err) => {
                let path = fallback_path(state_dir, job_file);
                let file = LockFile::open(&path, Open::CreateWithFolder)?;
                // A job file whose folder does not exist yet has nothing to run: no warning.
                let missing = matches!(&err, LockError::Io { source, .. }
                    if source.kind() == std::io::ErrorKind::NotFound);
                let fallback = (!missing).then(|| {
                    let reason = match &err {
                        LockError::Io { source, .. } => source.to_string(),
                        busy => busy.to_string(),
                    };
                    format!(
                        "cannot create the run lock {} ({reason}); using {} instead, so a \
                         `jobtab run` of this job file with another state dir would not be \
                         refused",
                        sidecar.display(),
                        path.display()
                    )
                });
                (file, fallback)
            }
        };
        lock(file, job_file).map(|lock| RunLock {
            _lock: lock,
            fallback,
        })
    }
}

/// Locks `file` (trying once) and writes our pid into it, or fails naming the holder's pid.
fn lock(file: LockFile, job_file: &Path) -> Result<LockedFile> {
    let lock = match file.lock(Mode::Exclusive, Span::Whole, Wait::No) {
        Ok(lock) => lock,
        Err(err @ LockError::Busy { .. }) => bail!(
            "another jobtab run ({}) is already running for {}; stop it first",
            err.holder_words(),
            job_file.display()
        ),
        Err(err) => return Err(err.into()),
    };
    // For people looking at the file; the error above asks the kernel.
    let mut file = lock.file();
    file.set_len(0)
        .and_then(|()| file.seek(SeekFrom::Start(0)))
        .and_then(|_| writeln!(file, "{}", std::process::id()))
        .with_context(|| format!("cannot write run lock {}", lock.path().display()))?;
    Ok(lock)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt as _;

    #[test]
    fn one_lock_per_job_file_whatever_the_state_dir_naming_the_holder() {
        let dir = tempfile::tempdir().unwrap();
        let jobs = dir.path().join("jobs.toml");
        std::fs::write(&jobs, "").unwrap();
        let held = RunLock::acquire(&dir.path().join("state-a"), &jobs).unwrap();
        assert!(held.fallback.is_none());
        let path = dir
            .path()
            .canonicalize()
            .unwrap()
            .join("jobs.toml.run.lock");
        assert_eq!(sidecar_path(&jobs), path);
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text.trim(), std::process::id().to_string());
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        // The state dir is not needed, so not created.
        assert!(!dir.path().join("state-a").exists());

        // Another state dir, another spelling of the file: the same lock.
        let link = dir.path().join("link.toml");
        std::os::unix::fs::symlink(&jobs, &link).unwrap();
        let err = RunLock::acquire(&dir.path().join("state-b"), &link)
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            format!(
                "another jobtab run (pid {}) is already running for {}; stop it first",
                std::process::id(),
                link.display()
            )
        );
        // Another job file has its own lock.
        let _other =
            RunLock::acquire(&dir.path().join("state-a"), &dir.path().join("other.toml")).unwrap();
        drop(held);
        // Free again. (Retried briefly: a child another test forks in that moment carries a
        // copy of the descriptor, and so the lock, until its exec closes it.)
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        while RunLock::acquire(&dir.path().join("state-b"), &jobs).is_err() {
            assert!(
                std::time::Instant::now() < deadline,
                "the run lock stayed held"
            );
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
    }

    #[test]
    fn a_job_file_in_a_missing_folder_locks_in_the_state_dir_quietly() {
        let dir = tempfile::tempdir().unwrap();
        let state = dir.path().join("state");
        let jobs = dir.path().join("missing/jobs.toml");
        let held = RunLock::acquire(&state, &jobs).unwrap();
        assert!(held.fallback.is_none());
        let path = fallback_path(&state, &jobs);
        assert!(path.exists());
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        assert!(
            name.starts_with("run-") && name.ends_with(".lock") && name.len() == 25,
            "{name}"
        );
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&state), 0o700);
        assert_eq!(mode(&path), 0o600);
        assert!(RunLock::acquire(&state, &jobs).is_err());
    }

    #[test]
    fn a_folder_that_cannot_hold_the_sidecar_falls_back_with_a_warning() {
        let dir = tempfile::tempdir().unwrap();
        let state = dir.path().join("state");
        // Not a folder: the sidecar cannot be created there (as root, permissions would not
        // stop us).
        let not_a_folder = dir.path().join("plain");
        std::fs::write(&not_a_folder, "").unwrap();
        let jobs = not_a_folder.join("jobs.toml");
        let held = RunLock::acquire(&state, &jobs).unwrap();
        let warning = held.fallback.clone().unwrap();
        assert!(
            warning.starts_with(&format!(
                "cannot create the run lock {}",
                sidecar_path(&jobs).display()
            )),
            "{warning}"
        );
        assert!(
            warning.ends_with(&format!(
                "using {} instead, so a `jobtab run` of this job file with another state dir \
                 would not be refused",
                fallback_path(&state, &jobs).display()
            )),
            "{warning}"
        );
        assert!(RunLock::acquire(&state, &jobs).is_err());
    }
}
