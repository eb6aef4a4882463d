//! `jobtab check`: validates the whole job file and prints every problem as
//! `<file>:<line>:<column>: ...`; exits 1 if there is any.

use std::process::ExitCode;

use anyhow::Result;

use crate::ctx::Ctx;
use crate::store::JobFile;

pub(crate) fn run(ctx: &Ctx) -> Result<ExitCode> {
    let file = JobFile::read(&ctx.file)?;
    let path = file.path.display();
    if file.problems.is_empty() {
        let count = file.jobs.len();
        let missing = if ctx.file.exists() {
            ""
        } else {
            " (the file does not exist yet)"
        };
        println!(
            "{path}: {count} job{}, no problems{missing}",
            if count == 1 { "" } else { "s" }
        );
        return Ok(ExitCode::SUCCESS);
    }
    for problem in &file.problems {
        println!("{}", problem.located(&file.path));
    }
    let count = file.problems.len();
    eprintln!(
        "jobtab: error: {count} problem{} in {path}; fix {} with `jobtab edit`, then run `jobtab check` again",
        if count == 1 { "" } else { "s" },
        if count == 1 { "it" } else { "them" },
    );
    Ok(ExitCode::FAILURE)
}
