//! One `jobtab run` per job file: an exclusive lock on `<state dir>/run-<hash>.lock`, where the
//! hash is of the job file's absolute path, holding the holder's pid.
//!
//! The lock is an OS file lock (`File::try_lock`), so it is released when the process dies,
//! however it dies; a stale lock file left behind is simply locked again.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read as _, Seek as _, SeekFrom, Write as _};
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result, bail};

/// The held lock; released on drop.
#[derive(Debug)]
pub(crate) struct RunLock {
    _file: File,
}

/// Where the lock for `job_file` lives.
pub(crate) fn lock_path(state_dir: &Path, job_file: &Path) -> PathBuf {
    // A symlinked job file and its target are the same file.
    let hex = crate::ctx::job_file_hash(job_file);
    state_dir.join(format!("run-{hex}.lock"))
}

impl RunLock {
    /// Takes the lock or fails naming the process that holds it. Creates the state dir.
    pub(crate) fn acquire(state_dir: &Path, job_file: &Path) -> Result<RunLock> {
        std::fs::create_dir_all(state_dir)
            .with_context(|| format!("cannot create state dir {}", state_dir.display()))?;
        let path = lock_path(state_dir, job_file);
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .with_context(|| format!("cannot open run lock {}", path.display()))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                let mut text = String::new();
                // Best effort: the holder may be writing its pid right now.
                let _ = file.read_to_string(&mut text);
                let holder = match text.trim().parse::<u32>() {
                    Ok(pid) => format!("pid {pid}"),
                    Err(_) => "unknown pid".to_owned(),
                };
                bail!(
                    "another jobtab run ({holder}) is already running for {}; stop it first",
                    job_file.display()
                );
            }
            Err(TryLockError::Error(err)) => {
                return Err(err)
                    .with_context(|| format!("cannot lock run lock {}", path.display()));
            }
        }
        file.set_len(0)
            .and_then(|()| file.seek(SeekFrom::Start(0)))
            .and_then(|_| writeln!(file, "{}", std::process::id()))
            .with_context(|| format!("cannot write run lock {}", path.display()))?;
        Ok(RunLock { _file: file })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_lock_per_job_file_naming_the_holder() {
        let dir = tempfile::tempdir().unwrap();
        let state = dir.path().join("state/nested");
        let jobs = dir.path().join("jobs.toml");
        let held = RunLock::acquire(&state, &jobs).unwrap();
        let path = lock_path(&state, &jobs);
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text.trim(), std::process::id().to_string());
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        assert!(
            name.starts_with("run-") && name.ends_with(".lock") && name.len() == 25,
            "{name}"
        );

        let err = RunLock::acquire(&state, &jobs).unwrap_err().to_string();
        assert_eq!(
            err,
            format!(
                "another jobtab run (pid {}) is already running for {}; stop it first",
                std::process::id(),
                jobs.display()
            )
        );
        // Another job file has its own lock.
        let _other = RunLock::acquire(&state, &dir.path().join("other.toml")).unwrap();
        assert_ne!(lock_path(&state, &dir.path().join("other.toml")), path);
        drop(held);
        RunLock::acquire(&state, &jobs).unwrap();
    }
}
