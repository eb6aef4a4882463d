//! The file a run's payload is kept in while it runs (PRODUCT.md section 9): `$JOBTAB_PAYLOAD`
//! names it and the job's stdin reads it. It lives in `<state dir>/payloads/` (0700), is
//! written 0600 before the first attempt and removed when the run ends, however it ends (the
//! guard's `Drop`).

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
        let path = dir.join(format!("{run_id}.payload"));
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
    fn a_state_dir_that_cannot_be_written_is_an_error() {
        let state = tempfile::tempdir().unwrap();
        let file = state.path().join("file");
        std::fs::write(&file, "").unwrap();
        let err = PayloadFile::write(&file, "id", b"x").unwrap_err();
        assert!(err.starts_with("cannot create folder"), "{err}");
    }
}
