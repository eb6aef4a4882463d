//! `jobtab check`: validates the whole job file and prints every problem as
//! `<file>:<line>:<column>: ...`, then every warning (what may fail when the jobs run, such as
//! a `workdir` that does not exist yet) as `<file>:<line>:<column>: warning: ...`; exits 1 if
//! there is any problem (warnings alone exit 0).

use std::io::Write as _;
use std::process::ExitCode;

use anyhow::{Result, bail};
use chrono::Utc;

use crate::ctx::Ctx;
use crate::output;
use crate::store::{self, Checked};

pub(crate) fn run(ctx: &Ctx) -> Result<ExitCode> {
    let path = ctx.file.display();
    // `check` of a file the user named is about that file: one that is not there is a mistake
    // (a typo, a wrong folder), not an empty list of jobs.
    if ctx.explicit_file && !ctx.file.exists() {
        let folder = ctx.file.parent().filter(|folder| !folder.is_dir());
        match folder {
            Some(folder) => bail!(
                "job file {path} does not exist (nor its folder {}); check the path given with \
                 --file or $JOBTAB_FILE",
                folder.display()
            ),
            None => bail!(
                "job file {path} does not exist; check the path given with --file or \
                 $JOBTAB_FILE, or create the file with `jobtab add` or `jobtab edit`"
            ),
        }
    }
    let read = store::read_text_or_problem(&ctx.file)?;
    if let Some(warning) = read.as_ref().ok().and_then(|text| sendmail_warning(text)) {
        crate::output::warning(format_args!("{warning}"));
    }
    let checked = match read {
        Ok(text) => store::check_text(&text, Utc::now()),
        Err(not_utf8) => Checked {
            jobs: Vec::new(),
            problems: vec![not_utf8],
            warnings: Vec::new(),
        },
    };
    let mut out = output::Stdout::lock();
    for problem in &checked.problems {
        writeln!(out, "{}", problem.located(&ctx.file))?;
    }
    for warning in &checked.warnings {
        writeln!(out, "{}", warning.located_warning(&ctx.file))?;
    }
    let warnings = match checked.warnings.len() {
        0 => String::new(),
        1 => ", 1 warning".to_owned(),
        n => format!(", {n} warnings"),
    };
    if checked.problems.is_empty() {
        let count = checked.jobs.len();
        let missing = if ctx.file.exists() {
            ""
        } else {
            " (the file does not exist yet)"
        };
        writeln!(
            out,
            "{path}: {count} job{}, no problems{warnings}{missing}",
            if count == 1 { "" } else { "s" }
        )?;
        out.finish()?;
        return Ok(ExitCode::SUCCESS);
    }
    out.finish()?;
    let count = checked.problems.len();
    crate::output::error(format_args!(
        "{count} problem{}{warnings} in {path}; fix {} with `jobtab edit`, then run `jobtab check` again",
        if count == 1 { "" } else { "s" },
        if count == 1 { "it" } else { "them" },
    ));
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
