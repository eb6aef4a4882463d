//! The job file: reading and validating it into `Job`s, and changing it without losing the
//! user's comments, under a lock, atomically (PRODUCT.md sections 1, 2 and 8).
//!
//! Reading: `JobFile::read` / `load` (`parse` does the work, `resolve` turns one `RawJob` into a
//! `Job`). Writing: `edit` runs a closure on an `Editor` under the file's lock and writes the
//! result atomically, only if it is valid; `replace_text` does the same for a whole new text.

mod edit;
mod editor;
mod lock;
pub(crate) mod model;
mod parse;
mod problem;
mod readback;
mod render;
mod resolve;
pub(crate) mod webhook;
mod write;

use std::path::{Path, PathBuf};

use anyhow::Result;

pub(crate) use edit::{
    edit, ensure_folder, preview, read_text, read_text_or_problem, replace_text,
};
pub(crate) use editor::Editor;
pub(crate) use model::{Action, CatchUp, HttpSpec, Job, Notify, NotifyOn, Overlap};
pub(crate) use model::{AfterStatus, NotifyFormat, SignatureScheme, Triggers};
pub(crate) use model::{
    Encoding, HmacAlgorithm, MatchSource, RateLimit, Response, ServerConfig, Verify, Webhook,
};
pub(crate) use model::{RawHttp, RawJob, RawNotify};
/// The keys of a job's table, for the man page's test that every one is described.
#[cfg(test)]
pub(crate) use parse::JOB_KEYS;
pub(crate) use parse::{Checked, check_text, parse, parse_all};
pub(crate) use problem::Problem;
pub(crate) use render::job_toml;
pub(crate) use resolve::{EMPTY_SECRET, invalid_name_message, resolve, valid_env_name, valid_name};

/// A loaded job file: every job that validated, and every problem found.
#[derive(Debug)]
pub(crate) struct JobFile {
    pub(crate) path: PathBuf,
    /// The file's text as read ("" when the file does not exist).
    pub(crate) text: String,
    /// Valid jobs, in file order.
    pub(crate) jobs: Vec<Job>,
    /// `[server]` (all unset when the file has none).
    pub(crate) server: ServerConfig,
    /// Everything wrong with the file; empty when it is valid.
    pub(crate) problems: Vec<Problem>,
}

impl JobFile {
    /// Reads and validates the file; a missing file is an empty list of jobs. Problems with the
    /// content are collected in `problems`, not returned as errors; an error is returned only
    /// when the file cannot be read.
    pub(crate) fn read(path: &Path) -> Result<JobFile> {
        let text = read_text(path)?;
        let (jobs, server, problems) = parse_all(&text);
        Ok(JobFile {
            path: path.to_owned(),
            text,
            jobs,
            server,
            problems,
        })
    }

    /// Reads the file and fails, listing every problem, unless it is valid.
    pub(crate) fn load(path: &Path) -> Result<JobFile> {
        let file = JobFile::read(path)?;
        file.ensure_valid()?;
        Ok(file)
    }

    /// An error listing every problem, if there are any.
    pub(crate) fn ensure_valid(&self) -> Result<()> {
        if self.problems.is_empty() {
            return Ok(());
        }
        let mut message = format!(
            "job file {} has {} problem{}:",
            self.path.display(),
            self.problems.len(),
            if self.problems.len() == 1 { "" } else { "s" }
        );
        for problem in &self.problems {
            message.push_str("\n  ");
            message.push_str(&problem.located(&self.path));
        }
        message.push_str("\nfix them with `jobtab edit` (or your editor), then `jobtab check`");
        Err(anyhow::anyhow!(message))
    }

    /// Whether `name` may be a job of this file: it is one, or a problem was found with that
    /// job or with the file as a whole (which may hide it). `history` and `deliveries` refuse
    /// a name only when it surely is not.
    pub(crate) fn may_hold(&self, name: &str) -> bool {
        self.job(name).is_some()
            || self
                .problems
                .iter()
                .any(|problem| problem.job.as_deref().is_none_or(|job| job == name))
    }

    /// The job of that name.
    pub(crate) fn job(&self, name: &str) -> Option<&Job> {
        self.jobs.iter().find(|job| job.name == name)
    }

    /// The job of that name, or an error that says how to see the names there are.
    pub(crate) fn require(&self, name: &str) -> Result<&Job> {
        if let Some(job) = self.job(name) {
            return Ok(job);
        }
        let own: Vec<String> = self
            .problems
            .iter()
            .filter(|p| p.job.as_deref() == Some(name))
            .map(|p| p.located(&self.path))
            .collect();
        if !own.is_empty() {
            anyhow::bail!(
                "job {name:?} is not valid:\n  {}\nfix it with `jobtab edit`, then `jobtab check`",
                own.join("\n  ")
            );
        }
        // A problem with the file itself (not valid TOML, `jobs` not a table) may hide the
        // job: "no job named" would send the user looking for a typo in the name.
        let whole: Vec<String> = self
            .problems
            .iter()
            .filter(|p| p.job.is_none() && !p.key.as_deref().is_some_and(is_settings_key))
            .map(|p| p.located(&self.path))
            .collect();
        if !whole.is_empty() {
            anyhow::bail!(
                "cannot find job {name:?}: job file {} has {} problem{}:\n  {}\nfix {} with \
                 `jobtab edit`, then `jobtab check`",
                self.path.display(),
                whole.len(),
                if whole.len() == 1 { "" } else { "s" },
                whole.join("\n  "),
                if whole.len() == 1 { "it" } else { "them" },
            );
        }
        anyhow::bail!(
            "no job named {name:?} in {}; `jobtab list` shows the jobs there are",
            self.path.display()
        )
    }
}

/// Whether a problem's key is a setting in `[defaults]` or `[server]`: such a problem is reported once,
/// and the jobs are still read.
fn is_settings_key(key: &str) -> bool {
    key.starts_with("defaults.") || key.starts_with("server.")
}
