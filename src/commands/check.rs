//! `jobtab check`: validates the whole job file and prints every problem as
//! `<file>:<line>:<column>: ...`, then every warning (what may fail when the jobs run, such as
//! a `workdir` that does not exist yet) as `<file>:<line>:<column>: warning: ...`; exits 1 if
//! there is any problem (warnings alone exit 0). `--json` prints the same as one object
//! (docs/json.md).

use std::io::Write as _;
use std::process::ExitCode;

use anyhow::Result;
use chrono::Utc;
use serde::Serialize;

use crate::cli::CheckArgs;
use crate::ctx::Ctx;
use crate::output;
use crate::store::{self, Checked, Problem};

pub(crate) fn run(args: &CheckArgs, ctx: &Ctx) -> Result<ExitCode> {
    let path = ctx.file.display();
    ctx.named_file_exists()?;
    let read = store::read_text_or_problem(&ctx.file)?;
    let sendmail = read.as_ref().ok().and_then(|text| sendmail_warning(text));
    let mut checked = match read {
        Ok(text) => store::check_text(&text, Utc::now()),
        Err(not_utf8) => Checked {
            jobs: Vec::new(),
            problems: vec![not_utf8],
            warnings: Vec::new(),
        },
    };
    if args.json {
        if let Some(warning) = sendmail {
            checked
                .warnings
                .push(Problem::new(None, Some("mail_to"), warning));
        }
        return print_json(&checked, ctx);
    }
    if let Some(warning) = sendmail {
        eprintln!("jobtab: warning: {warning}");
    }
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

/// `check --json`: `{"file", "jobs", "problems": [...], "warnings": [...]}`, each problem and
/// warning `{"file", "line", "column", "job", "key", "message"}`; exit 1 if there is any
/// problem, as the text form.
fn print_json(checked: &Checked, ctx: &Ctx) -> Result<ExitCode> {
    let file = ctx.file.display().to_string();
    let json = CheckJson {
        file: &file,
        jobs: checked.jobs.len(),
        problems: ProblemJson::all(&checked.problems, &file),
        warnings: ProblemJson::all(&checked.warnings, &file),
    };
    output::print_json(&json)?;
    if checked.problems.is_empty() {
        return Ok(ExitCode::SUCCESS);
    }
    let count = checked.problems.len();
    eprintln!(
        "jobtab: error: {count} problem{} in {file}; fix {} with `jobtab edit`, then run \
         `jobtab check` again",
        if count == 1 { "" } else { "s" },
        if count == 1 { "it" } else { "them" },
    );
    Ok(ExitCode::FAILURE)
}

#[derive(Serialize)]
struct CheckJson<'a> {
    file: &'a str,
    /// How many jobs are valid.
    jobs: usize,
    problems: Vec<ProblemJson<'a>>,
    warnings: Vec<ProblemJson<'a>>,
}

/// One problem or warning; `line` and `column` are 1-based, null when not known.
#[derive(Serialize)]
struct ProblemJson<'a> {
    file: &'a str,
    line: Option<usize>,
    column: Option<usize>,
    job: Option<&'a str>,
    key: Option<&'a str>,
    message: &'a str,
}

impl<'a> ProblemJson<'a> {
    fn all(problems: &'a [Problem], file: &'a str) -> Vec<ProblemJson<'a>> {
        problems
            .iter()
            .map(|problem| ProblemJson::new(problem, file))
            .collect()
    }

    fn new(problem: &'a Problem, file: &'a str) -> ProblemJson<'a> {
        ProblemJson {
            file,
            line: problem.position.map(|(line, _)| line),
            column: problem.position.map(|(_, column)| column),
            job: problem.job.as_deref(),
            key: problem.key.as_deref(),
            message: &problem.message,
        }
    }
}

/// The warning for jobs with `mail_to` when no `sendmail` is found. The file is parsed again
/// only when `mail_to` appears in it at all.
fn sendmail_warning(text: &str) -> Option<String> {
    if !text.contains("mail_to") {
        return None;
    }
    crate::execute::notify::missing_sendmail_warning(&store::parse(text).0)
}
