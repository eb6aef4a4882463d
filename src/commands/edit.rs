//! `jobtab edit`: like `crontab -e`. The job file (or a commented template when there is none)
//! is copied to a temp file, opened in `$VISUAL`, else `$EDITOR`, else `vi`, and validated when
//! the editor exits. A valid result is written atomically under the file's lock; an invalid one
//! is never written: its problems are shown and the user may edit again.

use std::io::{BufRead as _, IsTerminal as _, Write as _};
use std::path::Path;
use std::process::{Command, ExitCode};

use anyhow::{Context as _, Result, bail};

use crate::ctx::Ctx;
use crate::store;

/// What a new job file starts as.
const TEMPLATE: &str = r#"# jobtab job file: one [jobs.NAME] table per job. Save and quit to apply;
# an invalid file is never saved. Uncomment and change the examples below.
#
# [defaults]
# timezone = "Europe/Berlin"      # IANA name; absent = the machine's zone
#
# [jobs.backup]
# schedule = "0 2 * * *"           # minute hour day-of-month month day-of-week
# command = "pg_dump app > /var/backups/app.sql"
# timeout = "30m"
#
# [jobs.ping]
# schedule = "*/5 * * * *"
# http = { url = "https://example.com/health" }
"#;

pub(crate) fn run(ctx: &Ctx) -> Result<ExitCode> {
    let path = &ctx.file;
    if ctx.explicit_file {
        // Before the editor opens: its work could not be saved.
        store::ensure_folder(path)?;
    }
    let original = store::read_text(path)?;
    let start = if original.is_empty() && !path.exists() {
        TEMPLATE.to_owned()
    } else {
        original.clone()
    };
    let temp = tempfile::Builder::new()
        .prefix("jobtab-")
        .suffix(".toml")
        .tempfile()
        .context("cannot create a temp file to edit")?;
    std::fs::write(temp.path(), &start)
        .with_context(|| format!("cannot write {}", temp.path().display()))?;
    let editor = editor_command();
    loop {
        open_editor(&editor, temp.path())?;
        let edited = std::fs::read_to_string(temp.path())
            .with_context(|| format!("cannot read the edited copy {}", temp.path().display()))?;
        if edited == start {
            eprintln!("no changes; {} was not changed", path.display());
            return Ok(ExitCode::SUCCESS);
        }
        let (jobs, problems) = store::parse(&edited);
        if problems.is_empty() {
            if store::replace_text(ctx.writable_file()?, &original, &edited)? {
                eprintln!(
                    "saved {}: {} job{}",
                    path.display(),
                    jobs.len(),
                    if jobs.len() == 1 { "" } else { "s" }
                );
                super::crontab_note::after_change(ctx);
                return Ok(ExitCode::SUCCESS);
            }
            let kept = keep(temp)?;
            bail!(
                "{} was changed by something else while you were editing, so it was not \
                 overwritten; your version is kept at {}: compare the two, then `jobtab edit` again",
                path.display(),
                kept.display()
            );
        }
        eprintln!(
            "the edited job file has {} problem{}:",
            problems.len(),
            plural(problems.len())
        );
        for problem in &problems {
            eprintln!("  {}", problem.located(path));
        }
        if !ask_again()? {
            let kept = keep(temp)?;
            bail!(
                "{} was not changed; your edited copy is kept at {}",
                path.display(),
                kept.display()
            );
        }
    }
}

/// `$VISUAL`, else `$EDITOR`, else `vi`; it may hold arguments (`code --wait`).
fn editor_command() -> String {
    ["VISUAL", "EDITOR"]
        .iter()
        .filter_map(|key| std::env::var(key).ok())
        .find(|value| !value.trim().is_empty())
        .unwrap_or_else(|| "vi".into())
}

/// Runs the editor through the shell, so `EDITOR="code --wait"` works, with the file as `$1`.
fn open_editor(editor: &str, file: &Path) -> Result<()> {
    let status = Command::new("/bin/sh")
        .arg("-c")
        .arg(format!("{editor} \"$1\""))
        .arg("sh")
        .arg(file)
        .status()
        .with_context(|| format!("cannot start the editor `{editor}`"))?;
    if !status.success() {
        bail!(
            "the editor `{editor}` failed ({status}); the job file was not changed; set VISUAL or \
             EDITOR to the editor you use"
        );
    }
    Ok(())
}

/// Asks "edit again? [Y/n]" on stderr and reads the answer from stdin. End of input (no
/// terminal, nothing piped) counts as no.
fn ask_again() -> Result<bool> {
    let stdin = std::io::stdin();
    let mut stderr = std::io::stderr();
    write!(stderr, "edit again? [Y/n] ")?;
    stderr.flush()?;
    let mut answer = String::new();
    let read = stdin.lock().read_line(&mut answer)?;
    if read == 0 {
        if !stdin.is_terminal() {
            writeln!(stderr)?;
        }
        return Ok(false);
    }
    let answer = answer.trim().to_ascii_lowercase();
    Ok(answer.is_empty() || answer == "y" || answer == "yes")
}

/// Keeps the temp file (it is deleted on drop otherwise) and returns its path.
fn keep(temp: tempfile::NamedTempFile) -> Result<std::path::PathBuf> {
    let (_, path) = temp
        .keep()
        .map_err(|err| err.error)
        .context("cannot keep the edited copy")?;
    Ok(path)
}

fn plural(count: usize) -> &'static str {
    if count == 1 { "" } else { "s" }
}
