//! `jobtab install` and `jobtab uninstall`: write or remove this job file's block in the user's
//! crontab (PRODUCT.md section 6). The splicing, the I/O and the refusals live in `crontab`;
//! this file decides what to say and when to write.

use std::process::ExitCode;

use anyhow::Result;

use crate::cli::{InstallArgs, UninstallArgs};
use crate::crontab::{self, Crontab, splice};
use crate::ctx::Ctx;
use crate::store::JobFile;

/// `jobtab install [--dry-run]`.
pub(crate) fn run_install(args: &InstallArgs, ctx: &Ctx) -> Result<ExitCode> {
    let file = JobFile::load(&ctx.file)?;
    let name = crontab::block_name(&file.path)?;
    let lines = crontab::block_lines(ctx, &file)?;
    if let Some(warning) = crontab::local_zone_warning(&file) {
        eprintln!("warning: {warning}");
    }
    for note in notes(&file) {
        eprintln!("note: {note}");
    }
    let program = Crontab::from_env();
    let _lock = if args.dry_run {
        None
    } else {
        Some(crontab::lock(&ctx.state_dir)?)
    };
    let old = program.read()?;
    let new = splice::splice(&old, &name, &lines).map_err(anyhow::Error::msg)?;
    let jobs = count(lines.len());
    let above = splice::assignments_above(&new, &name).map_err(anyhow::Error::msg)?;
    if let Some(warning) = assignments_warning(&above) {
        eprintln!("warning: {warning}");
    }

    if args.dry_run {
        print_diff(&block_text(&old, &name)?, &block_text(&new, &name)?)?;
        let what = if new == old {
            format!("your crontab is already up to date ({jobs} in the block for {name})")
        } else if lines.is_empty() {
            format!("no enabled jobs in {name}: would remove its block from your crontab")
        } else {
            format!("would install {jobs} into your crontab (block for {name})")
        };
        eprintln!("dry run: {what}; nothing was written");
        return Ok(ExitCode::SUCCESS);
    }
    if new == old {
        if lines.is_empty() {
            eprintln!(
                "no enabled jobs in {name}: nothing to install; your crontab was not changed"
            );
        } else {
            eprintln!("your crontab is already up to date ({jobs} in the block for {name})");
        }
        return Ok(ExitCode::SUCCESS);
    }
    let saved = write_with_backup(&program, ctx, &old, &new)?;
    if lines.is_empty() {
        eprintln!("no enabled jobs in {name}: removed its block from your crontab");
    } else {
        eprintln!("installed {jobs} into your crontab (block for {name})");
    }
    eprintln!("previous crontab saved to {}", saved.display());
    Ok(ExitCode::SUCCESS)
}

/// What `install` does with webhooks, `after` and `jitter` that a reader of the block would
/// not guess: a webhook needs `jobtab run` (webhook-only jobs were refused; a job with a
/// schedule too gets a line for that), a job that runs only after others has no line (the
/// upstream's `jobtab exec` runs it), and a jittered job's line carries its shifted minute.
fn notes(file: &JobFile) -> Vec<String> {
    let mut notes = Vec::new();
    for job in file.jobs.iter().filter(|job| job.enabled) {
        let triggers = &job.triggers;
        if triggers.webhook.is_some() && triggers.has_schedule() {
            notes.push(format!(
                "job {:?}: only its schedule is installed; its webhook needs `jobtab run \
                 --listen`",
                job.name
            ));
        }
        if !triggers.has_schedule() && !triggers.after.is_empty() {
            let hook = if triggers.webhook.is_some() {
                "; its webhook needs `jobtab run --listen`"
            } else {
                ""
            };
            notes.push(format!(
                "job {:?} has no crontab line: it runs {}, started by that job's `jobtab \
                 exec` when its run ends{hook}",
                job.name,
                triggers.after_words().unwrap_or_default()
            ));
        }
        if let Some(jitter) = triggers.jitter.filter(|j| !j.offset.is_zero()) {
            notes.push(format!(
                "job {:?}: its line runs {} after the schedule's times (its jitter offset on \
                 this machine)",
                job.name,
                crate::duration::format(jitter.offset)
            ));
        }
    }
    notes
}

/// `jobtab uninstall [--dry-run]`. Needs only the job file's path, not a valid file.
pub(crate) fn run_uninstall(args: &UninstallArgs, ctx: &Ctx) -> Result<ExitCode> {
    let name = crontab::block_name(&ctx.file)?;
    let program = Crontab::from_env();
    let _lock = if args.dry_run {
        None
    } else {
        Some(crontab::lock(&ctx.state_dir)?)
    };
    let old = program.read()?;
    let Some(new) = splice::without_block(&old, &name).map_err(anyhow::Error::msg)? else {
        eprintln!("nothing to uninstall: your crontab has no block for {name}");
        return Ok(ExitCode::SUCCESS);
    };
    if args.dry_run {
        print_diff(&block_text(&old, &name)?, &[])?;
        eprintln!(
            "dry run: would remove the block for {name} from your crontab; nothing was written"
        );
        return Ok(ExitCode::SUCCESS);
    }
    let saved = write_with_backup(&program, ctx, &old, &new)?;
    eprintln!("removed the block for {name} from your crontab");
    eprintln!("previous crontab saved to {}", saved.display());
    Ok(ExitCode::SUCCESS)
}

/// Backs up `old`, then writes `new`. When crontab refuses the table, the backup just made is
/// deleted again, so a refused write leaves nothing behind.
fn write_with_backup(
    program: &Crontab,
    ctx: &Ctx,
    old: &[u8],
    new: &[u8],
) -> Result<std::path::PathBuf> {
    let saved = crontab::backup(&ctx.state_dir, old)?;
    if let Err(err) = program.write(new) {
        let _ = std::fs::remove_file(&saved);
        return Err(err);
    }
    Ok(saved)
}

/// The warning about assignments above an existing block (a new block goes above them; see
/// `splice`), which cron applies to jobtab's lines; `None` when there are none.
fn assignments_warning(above: &[(usize, String)]) -> Option<String> {
    let (last, rest) = above.split_last()?;
    let named = |(line, name): &(usize, String)| format!("{name} (line {line})");
    let list = if rest.is_empty() {
        named(last)
    } else {
        let rest: Vec<String> = rest.iter().map(named).collect();
        format!("{} and {}", rest.join(", "), named(last))
    };
    let (is, they) = if rest.is_empty() {
        ("is", "it applies")
    } else {
        ("are", "they apply")
    };
    Some(format!(
        "{list} {is} set above jobtab's block in your crontab, so {they} to jobtab's lines too \
         (a SHELL runs them, a CRON_TZ moves their schedules, a PATH changes what the jobs \
         find); to move the block above {}, run `jobtab uninstall` then `jobtab install`",
        if rest.is_empty() { "it" } else { "them" }
    ))
}

/// "1 job", "3 jobs".
fn count(n: usize) -> String {
    if n == 1 {
        "1 job".to_owned()
    } else {
        format!("{n} jobs")
    }
}

/// The lines of `name`'s block in `table`, markers included; empty when there is none.
fn block_text(table: &[u8], name: &str) -> Result<Vec<String>> {
    let Some(found) = splice::find(table, name).map_err(anyhow::Error::msg)? else {
        return Ok(Vec::new());
    };
    Ok(String::from_utf8_lossy(&table[found.start..found.end])
        .lines()
        .map(str::to_owned)
        .collect())
}

/// Prints the change from `old` to `new` on stdout, one line each: `-` removed, `+` added,
/// ` ` kept.
fn print_diff(old: &[String], new: &[String]) -> std::io::Result<()> {
    let mut text = String::new();
    for line in diff(old, new) {
        text.push_str(&line);
        text.push('\n');
    }
    crate::output::print(&text)
}

/// A line diff (longest common subsequence; blocks are small).
fn diff(old: &[String], new: &[String]) -> Vec<String> {
    let (n, m) = (old.len(), new.len());
    // common[i][j]: length of the LCS of old[i..] and new[j..].
    let mut common = vec![vec![0usize; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            common[i][j] = if old[i] == new[j] {
                common[i + 1][j + 1] + 1
            } else {
                common[i + 1][j].max(common[i][j + 1])
            };
        }
    }
    let (mut i, mut j) = (0, 0);
    let mut out = Vec::with_capacity(n + m);
    while i < n || j < m {
        if i < n && j < m && old[i] == new[j] {
            out.push(format!(" {}", old[i]));
            i += 1;
            j += 1;
        } else if j < m && (i == n || common[i][j + 1] >= common[i + 1][j]) {
            out.push(format!("+{}", new[j]));
            j += 1;
        } else {
            out.push(format!("-{}", old[i]));
            i += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn diff_marks_removed_added_and_kept_lines() {
        assert_eq!(
            diff(&v(&["B", "a", "b", "E"]), &v(&["B", "a", "c", "E"])),
            v(&[" B", " a", "+c", "-b", " E"])
        );
        assert_eq!(diff(&[], &v(&["x", "y"])), v(&["+x", "+y"]));
        assert_eq!(diff(&v(&["x"]), &[]), v(&["-x"]));
        assert!(diff(&[], &[]).is_empty());
    }

    #[test]
    fn names_the_assignments_above_the_block() {
        assert_eq!(assignments_warning(&[]), None);
        let one = assignments_warning(&[(2, "PATH".into())]).unwrap();
        assert!(
            one.starts_with("PATH (line 2) is set above jobtab's block")
                && one.contains("it applies"),
            "{one}"
        );
        let three = assignments_warning(&[
            (1, "SHELL".into()),
            (2, "CRON_TZ".into()),
            (4, "PATH".into()),
        ])
        .unwrap();
        assert!(
            three.starts_with("SHELL (line 1), CRON_TZ (line 2) and PATH (line 4) are set above"),
            "{three}"
        );
        assert!(
            three.contains("`jobtab uninstall` then `jobtab install`"),
            "{three}"
        );
    }

    #[test]
    fn counts_jobs_in_words() {
        assert_eq!(count(1), "1 job");
        assert_eq!(count(0), "0 jobs");
        assert_eq!(count(3), "3 jobs");
    }
}
