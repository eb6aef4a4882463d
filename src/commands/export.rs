//! `jobtab export --format kubernetes|systemd`: reads the job file, has `export` translate the
//! enabled jobs, and prints the result (or, for systemd with `--output`, writes unit files).

use std::io::Write as _;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context as _, Result, bail};
use chrono::Utc;

use crate::cli::{ExportArgs, ExportFormat};
use crate::ctx::Ctx;
use crate::export::vars::job_vars;
use crate::export::{kubernetes, systemd};
use crate::output;
use crate::store::{Job, JobFile};
use crate::zone::Zone;

pub(crate) fn run(args: &ExportArgs, ctx: &Ctx) -> Result<ExitCode> {
    let file = JobFile::load(&ctx.file)?;
    match args.format {
        ExportFormat::Kubernetes => export_kubernetes(args, &file),
        ExportFormat::Systemd => export_systemd(args, ctx, &file),
    }
}

fn export_kubernetes(args: &ExportArgs, file: &JobFile) -> Result<ExitCode> {
    if args.output.is_some() {
        bail!("--output is for --format systemd; redirect the manifests instead: > jobs.yaml");
    }
    if args.env_file.is_some() {
        bail!(
            "--env-file is for --format systemd; for kubernetes pass --secret NAME, a Secret \
             holding the variables"
        );
    }
    let Some(image) = &args.image else {
        bail!("--format kubernetes needs --image IMAGE, an image with jobtab in it");
    };
    let options = kubernetes::Options {
        image: image.clone(),
        namespace: args.namespace.clone(),
        secret: args.secret.clone(),
        local_zone: crate::zone::local_iana_name(),
        now: Utc::now(),
    };
    options.check().map_err(anyhow::Error::msg)?;
    warn_if_empty(file);
    let manifests = kubernetes::manifests(&file.text, &file.jobs, &options)?;
    print_notes(&manifests.notes);
    output::print(&manifests.yaml)?;
    Ok(ExitCode::SUCCESS)
}

fn export_systemd(args: &ExportArgs, ctx: &Ctx, file: &JobFile) -> Result<ExitCode> {
    for (flag, given) in [
        ("--image", args.image.is_some()),
        ("--namespace", args.namespace.is_some()),
        ("--secret", args.secret.is_some()),
    ] {
        if given {
            bail!("{flag} is for --format kubernetes; leave it out for systemd");
        }
    }
    let jobtab = std::env::current_exe().context("cannot tell where the jobtab binary is")?;
    let jobtab = path_text(&jobtab, "the jobtab binary")?;
    let job_file = path_text(&file.path, "the job file")?;
    let state_dir = crate::crontab::state_dir_arg(ctx)
        .map(|dir| path_text(dir, "the state folder"))
        .transpose()?;
    let env_file = match &args.env_file {
        Some(path) if !path.is_absolute() => bail!(
            "--env-file {} is not an absolute path, which systemd needs; give the full path: \
             --env-file {}",
            path.display(),
            std::path::absolute(path).map_or_else(
                |_| "/etc/jobtab/secrets.env".to_owned(),
                |p| p.display().to_string()
            )
        ),
        Some(path) => {
            let text = path_text(path, "the --env-file")?;
            systemd::check_env_file(text).map_err(anyhow::Error::msg)?;
            Some(text)
        }
        None => None,
    };
    let local_zone = crate::zone::SystemZone::detect()
        .tz()
        .map_or(Zone::Local, Zone::Named);
    let options = systemd::Options {
        jobtab,
        job_file,
        state_dir,
        env_file,
        local_zone,
        now: Utc::now(),
    };
    warn_if_empty(file);
    let uses_vars = |job: &Job| job.enabled && !job_vars(job).is_empty();
    if env_file.is_some() && !file.jobs.iter().any(uses_vars) {
        eprintln!("jobtab: note: no enabled job uses a ${{VAR}}, so no service reads --env-file");
    }
    let systemd::Units { units, notes } = systemd::units(&file.jobs, &options)?;
    print_notes(&notes);
    let mut stdout = output::Stdout::lock();
    match &args.output {
        None => {
            for unit in &units {
                writeln!(stdout, "# ---- {}", unit.file_name)?;
                stdout.write_all(unit.text.as_bytes())?;
            }
        }
        Some(dir) => {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create folder {}", dir.display()))?;
            let dir = std::path::absolute(dir)
                .with_context(|| format!("cannot resolve path {}", dir.display()))?;
            for unit in &units {
                let path = dir.join(&unit.file_name);
                std::fs::write(&path, &unit.text)
                    .with_context(|| format!("cannot write {}", path.display()))?;
                writeln!(stdout, "{}", path.display())?;
            }
            if !units.is_empty() {
                eprintln!(
                    "wrote {} units; then: systemctl --user daemon-reload && systemctl --user \
                     enable --now jobtab-NAME.timer (without --user for system units)",
                    units.len()
                );
            }
        }
    }
    stdout.finish()?;
    Ok(ExitCode::SUCCESS)
}

/// A path as text for a unit file, which cannot hold bytes that are not UTF-8.
fn path_text<'a>(path: &'a Path, what: &str) -> Result<&'a str> {
    path.to_str().with_context(|| {
        format!(
            "the path of {what} ({}) is not valid UTF-8, which a unit file cannot hold; move it",
            path.display()
        )
    })
}

/// The daylight-saving notes of an export, on stderr (the output says the same in comments).
fn print_notes(notes: &[String]) {
    for note in notes {
        eprintln!("jobtab: note: {note}");
    }
}

fn warn_if_empty(file: &JobFile) {
    if !file.jobs.iter().any(|job| job.enabled) {
        eprintln!(
            "jobtab: no enabled jobs in {}; add one with `jobtab add`",
            file.path.display()
        );
    }
}
