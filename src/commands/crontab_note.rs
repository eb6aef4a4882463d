//! The note that commands changing the job file (`add`, `edit`, `remove`, `enable`,
//! `disable`) print when the crontab's block for the file no longer matches it: cron keeps
//! running the jobs as they were installed until `jobtab install` runs again.

use crate::crontab::{self, InstallStatus};
use crate::ctx::Ctx;

/// Says on stderr when the crontab block for this job file is now out of date. Nothing when no
/// block for this file is installed, when it still matches, or when the crontab cannot be read
/// (`list` reports that).
pub(super) fn after_change(ctx: &Ctx) {
    if let Some(note) = note(&crontab::file_install_status(ctx)) {
        eprintln!("{note}");
    }
}

/// The note for an install status, if it needs one.
fn note(status: &InstallStatus) -> Option<&'static str> {
    match status {
        InstallStatus::OutOfDate => Some(
            "crontab: now out of date (cron still runs the jobs as they were installed); \
             `jobtab install` updates it",
        ),
        InstallStatus::Installed | InstallStatus::NotInstalled | InstallStatus::Unknown(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_an_out_of_date_block_gets_a_note() {
        let out_of_date = note(&InstallStatus::OutOfDate).unwrap();
        assert!(
            out_of_date.contains("`jobtab install` updates it"),
            "{out_of_date}"
        );
        assert_eq!(note(&InstallStatus::Installed), None);
        assert_eq!(note(&InstallStatus::NotInstalled), None);
        assert_eq!(note(&InstallStatus::Unknown("no crontab".into())), None);
    }
}
