//! `jobtab export --format kubernetes|systemd`: reads the job file, has `export` translate the
//! enabled jobs, and prints the result (or, for systemd with `--output`, writes unit files).

use std::io::Write as _;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context as _, Result, bail};

use crate::cli::{ExportArgs, ExportFormat};
use crate::ctx::Ctx;
use crate::export::{kubernetes, systemd};
use crate::output;
use crate::store::JobFile;

pub(crate) fn run(args: &ExportArgs, ctx: &Ctx) -> Result<ExitCode> {
    let file = JobFile::load(&ctx.file)?;
    match args.format {
        ExportFormat::Kubernetes => export_kubernetes(args, &file),
        ExportFormat::Systemd => export_systemd(args, &file),
    }
}

fn export_kubernetes(args: &ExportArgs, file: &JobFile) -> Result<ExitCode> {
    if args.output.is_some() {
        bail!("--output is for --format systemd; redirect the manifests instead: > jobs.yaml");
    }
    let Some(image) = &args.image else {
        bail!("--format kubernetes needs --image IMAGE, an image with jobtab in it");
    };
    let options = kubernetes::Options {
        image: image.clone(),
        namespace: args.namespace.clone(),
        secret: args.secret.clone(),
        local_zone: crate::zone::local_iana_name(),
    };
    options.check().map_err(anyhow::Error::msg)?;
    warn_if_empty(file);
    let yaml = kubernetes::manifests(&file.text, &file.jobs, &options)?;
    output::print(&yaml)?;
    Ok(ExitCode::SUCCESS)
}

fn export_systemd(args: &ExportArgs, file: &JobFile) -> Result<ExitCode> {
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
    warn_if_empty(file);
    let units = systemd::units(&file.jobs, jobtab, job_file)?;
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

fn warn_if_empty(file: &JobFile) {
    if !file.jobs.iter().any(|job| job.enabled) {
        eprintln!(
            "jobtab: no enabled jobs in {}; add one with `jobtab add`",
            file.path.display()
        );
    }
}
