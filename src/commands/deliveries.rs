//! `jobtab deliveries [NAME] [--limit N] [--json]`: the requests the webhooks of this job file
//! got, newest first, from the deliveries log `jobtab run` keeps (`server::deliveries`).

use std::process::ExitCode;

use anyhow::{Result, bail};

use crate::cli::DeliveriesArgs;
use crate::ctx::Ctx;
use crate::output::{self, Table};
use crate::server::deliveries::{self, Delivery};

pub(crate) fn run(args: &DeliveriesArgs, ctx: &Ctx) -> Result<ExitCode> {
    let file = crate::history::job_file_key(&ctx.file);
    let found: Vec<Delivery> = deliveries::read(&ctx.state_dir)?
        .into_iter()
        .filter(|d| d.file == file)
        .filter(|d| args.name.as_ref().is_none_or(|name| d.job == *name))
        .take(args.limit)
        .collect();
    if let Some(name) = &args.name
        && found.is_empty()
    {
        require_known(name, ctx)?;
    }
    if args.json {
        output::print_json(&found)?;
        return Ok(ExitCode::SUCCESS);
    }
    if found.is_empty() {
        // `--limit 0` asked for nothing: not a claim that nothing was recorded (as `history`).
        match &args.name {
            _ if args.limit == 0 => {}
            Some(name) => eprintln!("jobtab: no webhook requests recorded for {name}"),
            None => eprintln!(
                "jobtab: no webhook requests recorded yet; `jobtab run` records them as they \
                 arrive"
            ),
        }
        return Ok(ExitCode::SUCCESS);
    }
    let mut table = Table::new(&[
        "TIME", "JOB", "REQUEST", "STATUS", "VERDICT", "DELIVERY", "RUN", "FROM", "WHY",
    ])
    .keep_whole(&["TIME", "JOB", "REQUEST", "STATUS", "VERDICT"]);
    for d in &found {
        table.push(vec![
            d.time.to_string(),
            d.job.to_string(),
            format!("{} {}", d.method, d.path),
            d.status.to_string(),
            d.verdict.to_string(),
            d.delivery.as_deref().unwrap_or("-").to_owned(),
            d.run_id.as_deref().unwrap_or("-").to_owned(),
            d.remote.to_string(),
            d.reason.as_deref().unwrap_or_default().to_owned(),
        ]);
    }
    output::print_styled(&table.render(output::terminal_width()))?;
    Ok(ExitCode::SUCCESS)
}

/// Fails when `name` is not a job of the file (and so has no requests recorded here): a typo
/// is not answered with "no webhook requests recorded". When the file cannot be read or
/// parsed, no name is refused: it may be there.
fn require_known(name: &str, ctx: &Ctx) -> Result<()> {
    let Ok(file) = crate::store::JobFile::read(&ctx.file) else {
        return Ok(());
    };
    if !file.may_hold(name) {
        bail!(
            "no job named {name:?} in {}, and no webhook requests recorded for one; `jobtab \
             list` shows the jobs there are, `jobtab deliveries` the requests of all of them",
            ctx.file.display()
        );
    }
    Ok(())
}
