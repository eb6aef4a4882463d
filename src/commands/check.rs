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
    if let Some(warning) = sendmail_warning(&text) {
        eprintln!("jobtab: warning: {warning}");
    }
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

/// The warning for jobs with `mail_to` when no `sendmail` is found. The file is parsed again
/// only when `mail_to` appears in it at all.
fn sendmail_warning(text: &str) -> Option<String> {
    if !text.contains("mail_to") {
        return None;
    }
    crate::execute::notify::missing_sendmail_warning(&store::parse(text).0)
}
