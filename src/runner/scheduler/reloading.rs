//! Reloading the job file while `jobtab run` runs (PRODUCT.md section 5): the file is read
//! off the scheduler thread, an invalid file keeps the previous jobs, and so does a file that
//! is gone (config tools and `git checkout` replace files by delete-and-recreate; a moment
//! without the file must not stop the schedule).

use std::path::Path;

use super::{Event, Scheduler};
use crate::store::JobFile;
use anyhow::Result;

impl Scheduler {
    /// Reads and parses the job file on a short-lived thread, so a big file never delays a
    /// due run; the result comes back as `Event::Loaded`.
    pub(super) fn request_reload(&mut self, reason: &'static str) {
        self.reload_seq += 1;
        let (seq, file, events) = (self.reload_seq, self.file.clone(), self.events.clone());
        let spawned = std::thread::Builder::new()
            .name("load".into())
            .spawn(move || {
                let file = read_unless_gone(&file);
                let _ = events.send(Event::Loaded { seq, reason, file });
            });
        if let Err(err) = spawned {
            self.logger.error(
                None,
                &format!("cannot reload the job file ({err}); keeping the previous jobs"),
            );
        }
    }

    /// The job file is gone (moved away, deleted, or being replaced by delete-and-recreate):
    /// the jobs loaded keep running until it comes back; its return is a change the watcher
    /// reports, which reloads it.
    pub(super) fn on_file_gone(&mut self, seq: u64, reason: &str) {
        if seq <= self.applied_seq {
            return;
        }
        self.applied_seq = seq;
        self.file_gone = true;
        let count = self.plan.jobs().count();
        self.logger.warn(
            None,
            &format!(
                "not reloaded ({reason}): job file {} is gone; keeping the {count} job{} loaded \
                 until it comes back",
                self.file.display(),
                if count == 1 { "" } else { "s" }
            ),
        );
    }

    pub(super) fn apply_reload(&mut self, seq: u64, reason: &str, file: Result<JobFile>) {
        if seq <= self.applied_seq {
            return;
        }
        self.applied_seq = seq;
        if std::mem::take(&mut self.file_gone) {
            self.logger
                .info(None, &format!("job file {} is back", self.file.display()));
        }
        let file = match file {
            Ok(file) => file,
            Err(err) => {
                self.logger.error(
                    None,
                    &format!("cannot reload ({reason}): {err:#}; keeping the previous jobs"),
                );
                return;
            }
        };
        if !file.problems.is_empty() {
            let count = file.problems.len();
            for problem in &file.problems {
                self.logger.error(
                    None,
                    &format!("invalid job file {}: {problem}", self.file.display()),
                );
            }
            self.logger.error(
                None,
                &format!(
                    "not reloaded ({reason}): {count} problem{} in {}; keeping the previous {} \
                     jobs; fix the file (`jobtab check` lists the problems)",
                    if count == 1 { "" } else { "s" },
                    self.file.display(),
                    self.plan.jobs().count()
                ),
            );
            return;
        }
        if file.server != self.server_seen {
            self.logger.warn(
                None,
                &format!(
                    "[server] changed in {}: a reload does not apply it; restart `jobtab run` \
                     for its listen, token, TLS and trust_proxy to take effect (the previous \
                     ones stay until then)",
                    self.file.display()
                ),
            );
            self.server_seen = file.server;
        }
        let diff = self.plan.load(file.jobs, self.clock.now());
        self.publish_plan();
        self.publish_jobs();
        let mut message = format!("reloaded ({reason}): {}", diff.summary());
        for (what, names) in [
            ("added", &diff.added),
            ("removed", &diff.removed),
            ("changed", &diff.changed),
        ] {
            if !names.is_empty() && names.len() <= 10 {
                message.push_str(&format!("; {what}: {}", names.join(", ")));
            }
        }
        message.push_str(&self.next_note());
        self.logger.info(None, &message);
        if self.plan.jobs().next().is_none() {
            self.hint_no_jobs();
        }
    }
}

/// Reads the job file; `None` when it does not exist. A missing file reads as an empty one,
/// so an empty reading counts as "gone" when the file was missing before or after it.
fn read_unless_gone(path: &Path) -> Option<Result<JobFile>> {
    let missing =
        || std::fs::metadata(path).is_err_and(|e| e.kind() == std::io::ErrorKind::NotFound);
    let before = missing();
    // A file made writable by everyone since `run` started is refused like at the start.
    let file = crate::trust::check_job_file(path).and_then(|()| JobFile::read(path));
    let empty = file.as_ref().is_ok_and(|file| file.text.is_empty());
    if empty && (before || missing()) {
        return None;
    }
    Some(file)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_file_reads_as_gone_and_an_empty_one_as_empty() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("jobs.toml");
        assert!(read_unless_gone(&path).is_none());
        std::fs::write(&path, "").unwrap();
        let file = read_unless_gone(&path).unwrap().unwrap();
        assert!(file.jobs.is_empty());
        std::fs::write(
            &path,
            "[jobs.a]\nschedule = \"@daily\"\ncommand = \"true\"\n",
        )
        .unwrap();
        let file = read_unless_gone(&path).unwrap().unwrap();
        assert_eq!(file.jobs.len(), 1);
    }
}
