//! `installed` for the API's jobs (`list --json`, `show --json`): whether the job file's block
//! in the crontab is there and current. One `crontab -l` answers it; the answer is kept for a
//! few seconds, so a page refreshing itself does not run `crontab` each time.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use crate::crontab::{self, InstallStatus};
use crate::ctx::Ctx;

/// How long an answer is kept.
const KEEP: Duration = Duration::from_secs(10);

type Kept = Option<(Instant, PathBuf, InstallStatus)>;

static KEPT: Mutex<Kept> = Mutex::new(None);

/// The install status of `job_file`, at most `KEEP` old.
pub(super) fn status(job_file: &Path, state_dir: &Path) -> InstallStatus {
    if let Some((at, file, status)) = &*KEPT.lock().unwrap_or_else(PoisonError::into_inner)
        && at.elapsed() < KEEP
        && file == job_file
    {
        return status.clone();
    }
    let ctx = Ctx {
        file: job_file.to_path_buf(),
        explicit_file: true,
        state_dir: state_dir.to_path_buf(),
    };
    let status = crontab::file_install_status(&ctx);
    *KEPT.lock().unwrap_or_else(PoisonError::into_inner) =
        Some((Instant::now(), job_file.to_path_buf(), status.clone()));
    status
}
