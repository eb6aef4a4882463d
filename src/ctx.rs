//! Resolution of where things live: the job file and the state dir (PRODUCT.md section 1).
//!
//! This is the second stage of argument parsing: it reads the environment and the user's
//! folders, which `cli` must not do.

use std::path::{Path, PathBuf};

use sha2::{Digest as _, Sha256};

use anyhow::{Context as _, Result};

use crate::cli::GlobalArgs;

/// The resolved global settings every command receives.
#[derive(Debug, Clone)]
pub(crate) struct Ctx {
    /// The job file, made absolute.
    pub(crate) file: PathBuf,
    /// Whether the job file was named (`--file` or `$JOBTAB_FILE`) rather than the default
    /// location: only the default location's folders are created (PRODUCT.md section 1).
    pub(crate) explicit_file: bool,
    /// The state dir (history, overlap locks, crontab backups), made absolute. It may not exist yet.
    pub(crate) state_dir: PathBuf,
}

impl Ctx {
    /// Resolves `--file`, else `$JOBTAB_FILE`, else the config dir, and likewise the state
    /// dir (`--state-dir`, `$JOBTAB_STATE_DIR`, the state dir). An empty variable counts as
    /// unset.
    pub(crate) fn from_args(global: &GlobalArgs) -> Result<Ctx> {
        let named = global.file.clone().or_else(|| env_path("JOBTAB_FILE"));
        let explicit_file = named.is_some();
        let file = match named {
            Some(path) => path,
            None => dirs::config_dir()
                .context("cannot find your config folder; pass --file PATH or set JOBTAB_FILE")?
                .join("jobtab")
                .join("jobs.toml"),
        };
        let state_dir = match global
            .state_dir
            .clone()
            .or_else(|| env_path("JOBTAB_STATE_DIR"))
        {
            Some(path) => path,
            None => dirs::state_dir()
                .or_else(dirs::data_local_dir)
                .context(
                    "cannot find your state folder; pass --state-dir DIR or set JOBTAB_STATE_DIR",
                )?
                .join("jobtab"),
        };
        Ok(Ctx {
            file: absolute(&file)?,
            explicit_file,
            state_dir: absolute(&state_dir)?,
        })
    }

    /// For commands about the file itself (`check`, `run --check`): a job file the user named
    /// (`--file`, `$JOBTAB_FILE`) that is not there is a mistake (a typo, a wrong folder), not
    /// an empty list of jobs.
    pub(crate) fn named_file_exists(&self) -> Result<()> {
        if !self.explicit_file || self.file.exists() {
            return Ok(());
        }
        let path = self.file.display();
        match self.file.parent().filter(|folder| !folder.is_dir()) {
            Some(folder) => anyhow::bail!(
                "job file {path} does not exist (nor its folder {}); check the path given with \
                 --file or $JOBTAB_FILE",
                folder.display()
            ),
            None => anyhow::bail!(
                "job file {path} does not exist; check the path given with --file or \
                 $JOBTAB_FILE, or create the file with `jobtab add` or `jobtab edit`"
            ),
        }
    }

    /// The job file, for a command about to write it: the default location's folders are
    /// created; a named file must be in a folder that exists, so that a typo in `--file`
    /// (`/etc/typo/jobs.toml`) is an error rather than a new folder.
    pub(crate) fn writable_file(&self) -> Result<&Path> {
        let Some(folder) = self.file.parent() else {
            return Ok(&self.file);
        };
        if self.explicit_file {
            crate::store::ensure_folder(&self.file)?;
        } else {
            std::fs::create_dir_all(folder)
                .with_context(|| format!("cannot create folder {}", folder.display()))?;
        }
        Ok(&self.file)
    }
}

/// The path in environment variable `name`, unless it is unset or empty.
fn env_path(name: &str) -> Option<PathBuf> {
    std::env::var_os(name)
        .filter(|value| !value.is_empty())
        .map(PathBuf::from)
}

fn absolute(path: &Path) -> Result<PathBuf> {
    std::path::absolute(path).with_context(|| format!("cannot resolve path {}", path.display()))
}

/// How jobtab names a job file wherever it must recognise it again (crontab blocks, history,
/// the run and overlap locks): its canonical path (symlinks resolved) when it exists, else its
/// folder's canonical path and its name (a job file removed since), else the absolute path as
/// given. Every spelling of one file gives one name.
pub(crate) fn canonical_job_file(file: &Path) -> PathBuf {
    let absolute = std::path::absolute(file).unwrap_or_else(|_| file.to_path_buf());
    if let Ok(path) = absolute.canonicalize() {
        return path;
    }
    match (absolute.parent(), absolute.file_name()) {
        (Some(parent), Some(name)) => parent
            .canonicalize()
            .map_or_else(|_| absolute.clone(), |parent| parent.join(name)),
        _ => absolute,
    }
}

/// 16 hex digits of the SHA-256 of the job file's canonical name, for lock file names.
pub(crate) fn job_file_hash(file: &Path) -> String {
    let digest = Sha256::digest(canonical_job_file(file).as_os_str().as_encoded_bytes());
    digest[..8].iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_spelling_of_a_job_file_has_one_name() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("jobs.toml");
        std::fs::write(&real, "").unwrap();
        let link = dir.path().join("link.toml");
        std::os::unix::fs::symlink(&real, &link).unwrap();
        let canonical = real.canonicalize().unwrap();
        assert_eq!(canonical_job_file(&link), canonical);
        std::fs::create_dir(dir.path().join("x")).unwrap();
        assert_eq!(
            canonical_job_file(&dir.path().join("x/../jobs.toml")),
            canonical
        );
        assert_eq!(job_file_hash(&link), job_file_hash(&real));
        assert_eq!(job_file_hash(&real).len(), 16);
        // A missing file: the folder is resolved, the name kept.
        let gone = dir.path().join("gone.toml");
        assert_eq!(
            canonical_job_file(&gone),
            dir.path().canonicalize().unwrap().join("gone.toml")
        );
        assert_ne!(job_file_hash(&gone), job_file_hash(&real));
    }
}
