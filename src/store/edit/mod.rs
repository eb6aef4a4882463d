//! Changing the job file: `edit` takes the file's lock, re-reads and parses the file, lets a
//! closure change it through an `Editor`, validates the result and writes it atomically.
//!
//! Everything goes through `toml_edit`, so the user's comments, order and formatting survive
//! everywhere nothing was changed. A file that has problems (not valid TOML, or invalid jobs) is
//! never written: the problems are reported with `jobtab edit` / `jobtab check` as next steps.
//! A change whose result would be invalid is refused the same way.

use std::path::Path;

use anyhow::{Context as _, Result, anyhow, bail};

use super::editor::Editor;
use super::lock::{FileLock, LOCK_TIMEOUT};
use super::parse::{parse_document, parse_with_cache, validate};
use super::problem::{LineIndex, Problem};
use super::resolve::ScheduleCache;
use super::write::{real_path, write_atomic, write_atomic_with};

/// Changes `path` under its lock: reads it (a missing file is an empty one), runs `change` on it,
/// and writes the result atomically when `change` changed something and the result is valid.
/// Nothing is written when `change` fails.
pub(crate) fn edit<T>(path: &Path, change: impl FnOnce(&mut Editor) -> Result<T>) -> Result<T> {
    run(path, true, change)
}

/// Like `edit`, with the same checks, but writes nothing (for `--dry-run`).
pub(crate) fn preview<T>(path: &Path, change: impl FnOnce(&mut Editor) -> Result<T>) -> Result<T> {
    run(path, false, change)
}

/// Replaces the whole text of the job file with `after` (for `jobtab edit`), under the lock,
/// provided the file still holds `before` and `after` is valid. `Ok(false)`: the file changed
/// since `before` was read, and nothing was written.
pub(crate) fn replace_text(path: &Path, before: &str, after: &str) -> Result<bool> {
    let path = real_path(path);
    not_a_folder(&path)?;
    ensure_folder(&path)?;
    let _lock = FileLock::acquire(&path, LOCK_TIMEOUT)?;
    if read_text(&path)? != before {
        return Ok(false);
    }
    let parsed = parse_document(after);
    if !parsed.problems.is_empty() {
        return Err(problems_error(
            &path,
            &parsed.problems,
            "the new text was not written",
        ));
    }
    write_atomic(&path, after.as_bytes())?;
    Ok(true)
}

/// The text of the job file; "" when it does not exist. A file that is not UTF-8 is an error
/// that gives the line and column of the first bad byte.
pub(crate) fn read_text(path: &Path) -> Result<String> {
    match read_text_or_problem(path)? {
        Ok(text) => Ok(text),
        Err(problem) => bail!(problem.located(path)),
    }
}

/// The text of the job file ("" when it does not exist), or, when it is not UTF-8, the
/// problem at its first bad byte (for `check`, which lists problems rather than failing).
pub(crate) fn read_text_or_problem(path: &Path) -> Result<Result<String, Problem>> {
    not_a_folder(path)?;
    match std::fs::read(path) {
        Ok(bytes) => Ok(decode(bytes)),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(Ok(String::new())),
        Err(err) => Err(err).with_context(|| format!("cannot read job file {}", path.display())),
    }
}

/// The bytes as text, or where the first invalid UTF-8 sequence starts and what it is.
fn decode(bytes: Vec<u8>) -> Result<String, Problem> {
    String::from_utf8(bytes).map_err(|err| {
        let bytes = err.as_bytes();
        let utf8 = err.utf8_error();
        let at = utf8.valid_up_to();
        // The text before the bad byte is valid, so lines and columns count characters.
        let before = std::str::from_utf8(&bytes[..at]).unwrap_or_default();
        let bad = utf8
            .error_len()
            .map_or(&bytes[at..], |len| &bytes[at..at + len]);
        let shown: Vec<String> = bad.iter().map(|b| format!("0x{b:02x}")).collect();
        let mut problem = Problem::new(
            None,
            None,
            format!(
                "not valid UTF-8 ({}{}); save the file as UTF-8 text",
                shown.join(" "),
                if utf8.error_len().is_none() {
                    " at the end of the file"
                } else {
                    ""
                },
            ),
        );
        problem.position = Some(LineIndex::new(before).position(at));
        problem
    })
}

/// An error that says what to do when the folder of the job file does not exist. The store
/// never creates folders: only the default location's are created, by the caller, so that a
/// mistyped `--file` is reported rather than made (PRODUCT.md section 1).
pub(crate) fn ensure_folder(path: &Path) -> Result<()> {
    let folder = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => return Ok(()),
    };
    if folder.is_dir() {
        return Ok(());
    }
    let what = if folder.exists() {
        "is not a folder"
    } else {
        "does not exist"
    };
    bail!(
        "cannot write job file {}: {} {what}; --file (or $JOBTAB_FILE) must name a file in an \
         existing folder: correct the path, or create the folder first (mkdir -p {})",
        path.display(),
        folder.display(),
        folder.display()
    )
}

/// An error that says what to do when the job file's path names a folder.
pub(crate) fn not_a_folder(path: &Path) -> Result<()> {
    if path.is_dir() {
        bail!(
            "{} is a folder: --file (or $JOBTAB_FILE) must name a file, not a folder, such as {}",
            path.display(),
            path.join("jobs.toml").display()
        );
    }
    Ok(())
}

fn run<T>(path: &Path, write: bool, change: impl FnOnce(&mut Editor) -> Result<T>) -> Result<T> {
    let path = real_path(path);
    // Before the lock, which would create a sidecar file next to the folder.
    not_a_folder(&path)?;
    // The lock is taken before reading, so no other writer's change can be lost in between.
    let _lock = if write {
        ensure_folder(&path)?;
        Some(FileLock::acquire(&path, LOCK_TIMEOUT)?)
    } else {
        None
    };
    let text = read_text(&path)?;
    // The jobs are not used, only checked: their schedules need not be kept.
    let mut schedules = ScheduleCache::check_only();
    let parsed = parse_with_cache(&text, &mut schedules);
    if !parsed.problems.is_empty() {
        return Err(problems_error(
            &path,
            &parsed.problems,
            "it was not changed",
        ));
    }
    let mut editor = Editor::new(path, text, parsed);
    let result = change(&mut editor)?;
    if !editor.is_changed() {
        return Ok(result);
    }
    drop(editor.take_read_jobs());
    let new_text = editor.take_text();
    let expected = editor.expected();
    let invalid = |problems: &[Problem]| {
        problems_error(
            editor.path(),
            problems,
            "the change would make it invalid, so nothing was written",
        )
    };
    if !write {
        let problems = validate(&new_text, &mut schedules, &expected);
        return if problems.is_empty() {
            Ok(result)
        } else {
            Err(invalid(&problems))
        };
    }
    // The temp file is written on a second thread while this one checks the new text, which
    // replaces the file only when it is valid and reads back as the change meant. (The check
    // runs here, not there: its allocations, hundreds of megabytes for a big file, are cheaper
    // in the main thread's heap.)
    let (verdict, valid) = std::sync::mpsc::channel();
    let (found, written) = std::thread::scope(|scope| {
        let (path, bytes) = (editor.path(), new_text.as_bytes());
        let writer = scope.spawn(move || {
            write_atomic_with(path, bytes, |_| match valid.recv() {
                Ok(true) => Ok(()),
                _ => Err(std::io::Error::other("the new text is not valid")),
            })
        });
        let found = validate(&new_text, &mut schedules, &expected);
        // The writer may have failed already and stopped listening.
        let _ = verdict.send(found.is_empty());
        let written = writer
            .join()
            .unwrap_or_else(|_| Err(anyhow!("writing the new job file failed")));
        (found, written)
    });
    if !found.is_empty() {
        return Err(invalid(&found));
    }
    written?;
    Ok(result)
}

fn problems_error(path: &Path, problems: &[Problem], what_happened: &str) -> anyhow::Error {
    let mut message = format!(
        "job file {} has {} problem{}, {what_happened}:",
        path.display(),
        problems.len(),
        if problems.len() == 1 { "" } else { "s" }
    );
    for problem in problems {
        message.push_str("\n  ");
        message.push_str(&problem.located(path));
    }
    message.push_str("\nfix them with `jobtab edit`, then `jobtab check`");
    anyhow!(message)
}

#[cfg(test)]
mod tests;
