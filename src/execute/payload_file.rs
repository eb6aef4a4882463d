//! The file a run's payload is kept in while it runs (PRODUCT.md section 9): `$JOBTAB_PAYLOAD`
//! names it and the job's stdin reads it. It lives in `<state dir>/payloads/` (0700), is
//! written 0600 before the first attempt and removed when the run ends, however it ends (the
//! guard's `Drop`). A process killed outright (SIGKILL, a power cut) cannot remove its files:
//! they are named `<pid>-<run id>.payload`, and writing a payload removes those of processes
//! that are gone.

use std::io::Write as _;
use std::os::unix::fs::OpenOptionsExt as _;
use std::path::{Path, PathBuf};

/// The folder of the state dir that holds the payloads of runs in progress.
const FOLDER: &str = "payloads";

/// A payload written for one run; removed when dropped.
#[derive(Debug)]
pub(crate) struct PayloadFile {
    path: PathBuf,
}

impl PayloadFile {
    /// Writes `body` to a new private file named after the run. The error says what failed
    /// (it never quotes the payload).
    pub(crate) fn write(
        state_dir: &Path,
        run_id: &str,
        body: &[u8],
    ) -> Result<PayloadFile, String> {
        let dir = state_dir.join(FOLDER);
        crate::fs::create_private_dir(&dir).map_err(|err| {
            format!(
                "cannot create folder {} for the payload: {err}",
                dir.display()
            )
        })?;
        sweep(&dir);
        let path = dir.join(format!("{}-{run_id}.payload", std::process::id()));
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&path)
            .map_err(|err| format!("cannot create the payload file {}: {err}", path.display()))?;
        // From here on the guard removes the file, also when writing fails.
        let payload = PayloadFile { path };
        file.write_all(body)
            .and_then(|()| file.flush())
            .map_err(|err| {
                format!(
                    "cannot write the payload file {}: {err}",
                    payload.path.display()
                )
            })?;
        Ok(payload)
    }

    pub(crate) fn path(&self) -> &Path {
        &self.path
    }
}

/// Removes the payload files in `dir` of processes that no longer exist.
fn sweep(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let pid = name
            .to_str()
            .and_then(|name| name.split_once('-'))
            .and_then(|(pid, _)| pid.parse::<i32>().ok())
            .filter(|pid| *pid > 0);
        let gone = pid.is_some_and(|pid| {
            nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), None)
                == Err(nix::errno::Errno::ESRCH)
        });
        if gone {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

impl Drop for PayloadFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt as _;

    use super::*;

    #[test]
    fn the_file_is_private_and_removed_when_dropped() {
        let state = tempfile::tempdir().unwrap();
        let payload = PayloadFile::write(state.path(), "id1", b"{\"a\": 1}").unwrap();
        let path = payload.path().to_owned();
        assert_eq!(std::fs::read(&path).unwrap(), b"{\"a\": 1}");
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(path.parent().unwrap()), 0o700);
        // One file per run: the same run id twice is refused, not overwritten.
        assert!(PayloadFile::write(state.path(), "id1", b"other").is_err());
        assert_eq!(std::fs::read(&path).unwrap(), b"{\"a\": 1}");
        drop(payload);
        assert!(!path.exists());
        // An empty body is an empty file.
        let empty = PayloadFile::write(state.path(), "id2", b"").unwrap();
        assert_eq!(std::fs::read(empty.path()).unwrap(), b"");
    }

    #[test]
    fn files_of_processes_that_are_gone_are_swept() {
        let state = tempfile::tempdir().unwrap();
        let dir = state.path().join(FOLDER);
        crate::fs::create_private_dir(&dir).unwrap();
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let dead = child.id();
        child.wait().unwrap();
        let stale = dir.join(format!("{dead}-old.payload"));
        let live = dir.join(format!("{}-other-run.payload", std::process::id()));
        let other = dir.join("notes.txt");
        for path in [&stale, &live, &other] {
            std::fs::write(path, "x").unwrap();
        }
        let payload = PayloadFile::write(state.path(), "new", b"y").unwrap();
        assert!(
            !stale.exists(),
            "the file of a process that is gone was kept"
        );
        assert!(live.exists() && other.exists());
        assert!(payload.path().exists());
    }

    #[test]
    fn a_state_dir_that_cannot_be_written_is_an_error() {
        let state = tempfile::tempdir().unwrap();
        let file = state.path().join("file");
        std::fs::write(&file, "").unwrap();
        let err = PayloadFile::write(&file, "id", b"x").unwrap_err();
        assert!(err.starts_with("cannot create folder"), "{err}");
    }
}
