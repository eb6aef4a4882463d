//! `jobtab notify test NAME`: a sample failure notification through every channel of the job
//! (`notify`, `ping`, `mail_to`), one attempt each, printing each receiver's answer on stdout;
//! exits 1 when any fails (PRODUCT.md sections 4 and 11).

use std::io::Write as _;
use std::process::ExitCode;

use anyhow::{Result, bail};
use chrono::{SubsecRound as _, Utc};

use crate::cli::{NotifyArgs, NotifyCommand};
use crate::ctx::Ctx;
use crate::execute::notify;
use crate::history::{RunRecord, RunStatus};
use crate::output;
use crate::store::JobFile;

pub(crate) fn run(args: &NotifyArgs, ctx: &Ctx) -> Result<ExitCode> {
    let NotifyCommand::Test(test) = &args.command;
    let file = JobFile::read(&ctx.file)?;
    let job = file.require(&test.name)?;
    let (channels, error) = notify::prepare(job);
    if let Some(error) = error {
        bail!("cannot test the notifications of job {}: {error}", job.name);
    }
    if channels.is_empty() {
        bail!(
            "job {} has no notify, ping or mail_to; add one (e.g. `notify = {{ url = \"...\" }}` \
             or `ping = \"https://hc-ping.com/<uuid>\"`) with `jobtab edit`",
            job.name
        );
    }
    let now = Utc::now().trunc_subsecs(3);
    let record = RunRecord {
        job: job.name.clone(),
        file: None,
        run_id: crate::execute::new_run_id(&job.name),
        trigger: "test".into(),
        delivery: None,
        upstream_run_id: None,
        status: RunStatus::Failed,
        exit_code: Some(1),
        http_status: None,
        scheduled_at: now,
        started_at: now,
        duration_ms: 1234,
        attempts: 1,
        output_tail: "this is a sample notification from `jobtab notify test`\n".into(),
        error: Some("sample failure from `jobtab notify test`".into()),
        notifications: Vec::new(),
        amends: false,
    };
    let results = notify::test(&channels, &record);
    let mut out = output::Stdout::lock();
    for (target, outcome) in &results {
        let verdict = if outcome.ok { "ok" } else { "FAILED" };
        writeln!(
            out,
            "{} {target}: {verdict}: {}",
            outcome.channel,
            outcome.answer.replace(['\r', '\n'], " ")
        )?;
    }
    out.finish()?;
    let failed = results.iter().filter(|(_, n)| !n.ok).count();
    if failed > 0 {
        crate::output::error(format_args!(
            "{failed} of {} notification channels of job {} failed; see the \
             answers above",
            results.len(),
            job.name
        ));
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}
