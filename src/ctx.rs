//! Resolution of where things live: the job file and the state dir (PRODUCT.md section 1).
//!
//! This is the second stage of argument parsing: it reads the environment and the user's
//! folders, which `cli` must not do.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};

use crate::cli::GlobalArgs;

/// The resolved global settings every command receives.
#[derive(Debug, Clone)]
pub(crate) struct Ctx {
    /// The job file, made absolute.
    pub(crate) file: PathBuf,
    /// The state dir (history, run lock, crontab backups), made absolute. It may not exist yet.
    pub(crate) state_dir: PathBuf,
}

impl Ctx {
    /// Resolves `--file` / `$JOBTAB_FILE` (clap merged those) or the config dir, and likewise
    /// the state dir.
    pub(crate) fn from_args(global: &GlobalArgs) -> Result<Ctx> {
        let file = match &global.file {
            Some(path) => path.clone(),
            None => dirs::config_dir()
                .context("cannot find your config folder; pass --file PATH or set JOBTAB_FILE")?
                .join("jobtab")
                .join("jobs.toml"),
        };
        let state_dir = match &global.state_dir {
            Some(path) => path.clone(),
            None => dirs::state_dir()
                .or_else(dirs::data_local_dir)
                .context(
                    "cannot find your state folder; pass --state-dir DIR or set JOBTAB_STATE_DIR",
                )?
                .join("jobtab"),
        };
        Ok(Ctx {
            file: absolute(&file)?,
            state_dir: absolute(&state_dir)?,
        })
    }
}

fn absolute(path: &Path) -> Result<PathBuf> {
    std::path::absolute(path).with_context(|| format!("cannot resolve path {}", path.display()))
}
