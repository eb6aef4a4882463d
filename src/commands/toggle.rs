//! `jobtab enable NAME...` / `jobtab disable NAME...`: sets `enabled` on jobs, keeping the
//! file's formatting; an unknown name is an error and nothing changes.

use std::process::ExitCode;

use anyhow::Result;

use super::remove::{require_all, unique};
use crate::cli::ToggleArgs;
use crate::ctx::Ctx;
use crate::store;

pub(crate) fn run(args: &ToggleArgs, enable: bool, ctx: &Ctx) -> Result<ExitCode> {
    let names = unique(&args.names);
    let changed = store::edit(ctx.writable_file()?, |editor| {
        require_all(editor, &names, "nothing was changed")?;
        names
            .iter()
            .map(|name| editor.set_enabled(name, enable))
            .collect::<Result<Vec<bool>>>()
    })?;
    let verb = if enable { "enabled" } else { "disabled" };
    for (name, changed) in names.iter().zip(changed) {
        if changed {
            eprintln!("{verb} job {name:?}");
        } else {
            eprintln!("job {name:?} was already {verb}");
        }
    }
    super::crontab_note::after_change(ctx);
    Ok(ExitCode::SUCCESS)
}

/// Sets `enabled` of the job `name` in the job file `file` as `jobtab enable` / `disable` do
/// (the same edit: comments and formatting kept, written atomically under the file's lock):
/// whether it changed, or `None` when the file has no job of that name (nothing is written).
/// The dashboard's enable and disable buttons and the API come here.
pub(crate) fn set_enabled(
    file: &std::path::Path,
    name: &str,
    enable: bool,
) -> Result<Option<bool>> {
    store::edit(file, |editor| {
        if !editor.contains(name) {
            return Ok(None);
        }
        editor.set_enabled(name, enable).map(Some)
    })
}
