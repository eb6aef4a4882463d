//! `jobtab check`: validates the whole job file and prints every problem as
//! `<file>:<line>:<column>: ...`; exits 1 if there is any.

use std::io::Write as _;
use std::process::ExitCode;

use anyhow::Result;

use crate::ctx::Ctx;
use crate::output;
use crate::store;

pub(crate) fn run(ctx: &Ctx) -> Result<ExitCode> {
    let text = store::read_text(&ctx.file)?;
    let (jobs, problems) = store::check_text(&text);
    let path = ctx.file.display();
    if problems.is_empty() {
        let count = jobs.len();
        let missing = if ctx.file.exists() {
            ""
        } else {
            " (the file does not exist yet)"
        };
        output::print(&format!(
            "{path}: {count} job{}, no problems{missing}\n",
            if count == 1 { "" } else { "s" }
        ))?;
        return Ok(ExitCode::SUCCESS);
    }
    let mut out = output::Stdout::lock();
    for problem in &problems {
        writeln!(out, "{}", problem.located(&ctx.file))?;
    }
    out.finish()?;
    let count = problems.len();
    eprintln!(
        "jobtab: error: {count} problem{} in {path}; fix {} with `jobtab edit`, then run `jobtab check` again",
        if count == 1 { "" } else { "s" },
        if count == 1 { "it" } else { "them" },
    );
    Ok(ExitCode::FAILURE)
}
