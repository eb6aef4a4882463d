//! `jobtab deliveries [NAME] [--limit N] [--json]`: the requests the webhooks of this job file
//! got, newest first, from the deliveries log `jobtab run` keeps (`server::deliveries`).

use std::process::ExitCode;

use anyhow::Result;

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
    if args.json {
        output::print_json(&found)?;
        return Ok(ExitCode::SUCCESS);
    }
    if found.is_empty() {
        match &args.name {
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
            d.time.clone(),
            d.job.clone(),
            format!("{} {}", d.method, d.path),
            d.status.to_string(),
            d.verdict.clone(),
            d.delivery.clone().unwrap_or_else(|| "-".into()),
            d.run_id.clone().unwrap_or_else(|| "-".into()),
            d.remote.clone(),
            d.reason.clone().unwrap_or_default(),
        ]);
    }
    output::print_styled(&table.render(output::terminal_width()))?;
    Ok(ExitCode::SUCCESS)
}
