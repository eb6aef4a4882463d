//! Changing the job file: `edit` takes the file's lock, re-reads and parses the file, lets a
//! closure change it through an `Editor`, validates the result and writes it atomically.
//!
//! Everything goes through `toml_edit`, so the user's comments, order and formatting survive
//! everywhere nothing was changed. A file that has problems (not valid TOML, or invalid jobs) is
//! never written: the problems are reported with `jobtab edit` / `jobtab check` as next steps.
//! A change whose result would be invalid is refused the same way.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result, anyhow, bail};
use toml_edit::{DocumentMut, Item, Table, TableLike, Value, value};

use super::lock::{FileLock, LOCK_TIMEOUT};
use super::model::{RawDefaults, RawJob};
use super::parse::parse_document;
use super::problem::Problem;
use super::render::job_table;
use super::resolve::{invalid_name_message, resolve, valid_name};
use super::write::{real_path, write_atomic};

/// Changes `path` under its lock: reads it (a missing file is an empty one), runs `change` on it,
/// and writes the result atomically when `change` changed something and the result is valid.
/// Nothing is written when `change` fails.
pub(crate) fn edit<T>(path: &Path, change: impl FnOnce(&mut Editor) -> Result<T>) -> Result<T> {
    run(path, true, change)
}

/// Like `edit`, with the same checks, but writes nothing (for `--dry-run`); `Editor::text` gives
/// what would have been written.
pub(crate) fn preview<T>(path: &Path, change: impl FnOnce(&mut Editor) -> Result<T>) -> Result<T> {
    run(path, false, change)
}

/// Replaces the whole text of the job file with `after` (for `jobtab edit`), under the lock,
/// provided the file still holds `before` and `after` is valid. `Ok(false)`: the file changed
/// since `before` was read, and nothing was written.
pub(crate) fn replace_text(path: &Path, before: &str, after: &str) -> Result<bool> {
    let path = real_path(path);
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

/// The text of the job file; "" when it does not exist.
pub(crate) fn read_text(path: &Path) -> Result<String> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(text),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(String::new()),
        Err(err) => Err(err).with_context(|| format!("cannot read job file {}", path.display())),
    }
}

fn run<T>(path: &Path, write: bool, change: impl FnOnce(&mut Editor) -> Result<T>) -> Result<T> {
    let path = real_path(path);
    // The lock is taken before reading, so no other writer's change can be lost in between.
    let _lock = if write {
        Some(FileLock::acquire(&path, LOCK_TIMEOUT)?)
    } else {
        None
    };
    let text = read_text(&path)?;
    let parsed = parse_document(&text);
    if !parsed.problems.is_empty() {
        return Err(problems_error(
            &path,
            &parsed.problems,
            "it was not changed",
        ));
    }
    let doc: DocumentMut = text
        .parse()
        .with_context(|| format!("cannot parse {}", path.display()))?;
    let mut editor = Editor {
        path,
        doc,
        defaults: parsed.defaults,
        changed: false,
    };
    let result = change(&mut editor)?;
    if editor.changed {
        let new_text = editor.text();
        let (_, problems) = super::parse(&new_text);
        if !problems.is_empty() {
            return Err(problems_error(
                &editor.path,
                &problems,
                "the change would make it invalid, so nothing was written",
            ));
        }
        if write {
            write_atomic(&editor.path, new_text.as_bytes())?;
        }
    }
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

/// A job file being changed; see `edit`.
pub(crate) struct Editor {
    path: PathBuf,
    doc: DocumentMut,
    defaults: RawDefaults,
    changed: bool,
}

impl Editor {
    /// The file being changed (a symlink's target).
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// `[defaults]` as written in the file.
    pub(crate) fn defaults(&self) -> &RawDefaults {
        &self.defaults
    }

    /// Whether a job of that name exists.
    pub(crate) fn contains(&self, name: &str) -> bool {
        self.jobs().is_some_and(|jobs| jobs.contains_key(name))
    }

    /// The names of the jobs, in file order.
    pub(crate) fn names(&self) -> Vec<String> {
        self.jobs()
            .map(|jobs| jobs.iter().map(|(name, _)| name.to_owned()).collect())
            .unwrap_or_default()
    }

    /// The file as it would be written now.
    pub(crate) fn text(&self) -> String {
        self.doc.to_string()
    }

    /// Adds a job at the end of the jobs; an existing name or an invalid job is an error.
    pub(crate) fn add_job(&mut self, name: &str, raw: &RawJob) -> Result<()> {
        if self.contains(name) {
            bail!(
                "a job named {name:?} already exists in {}; pick another name, or replace it \
                 with `jobtab add --replace`",
                self.path.display()
            );
        }
        self.check(name, raw)?;
        self.insert_new(name, raw)
    }

    /// Replaces the job of that name in place (keeping its position and the comment above it),
    /// or adds it when there is none. Returns whether a job was replaced.
    pub(crate) fn replace_job(&mut self, name: &str, raw: &RawJob) -> Result<bool> {
        self.check(name, raw)?;
        let jobs = self.jobs_mut()?;
        let Some(old) = jobs.get_mut(name) else {
            self.insert_new(name, raw)?;
            return Ok(false);
        };
        let mut new = job_table(raw);
        match old {
            Item::Table(old_table) => {
                *new.decor_mut() = old_table.decor().clone();
                new.set_position(old_table.position());
                *old = Item::Table(new);
            }
            Item::Value(old_value) => {
                let decor = old_value.decor().clone();
                let mut inline = new.into_inline_table();
                *inline.decor_mut() = decor;
                *old_value = Value::InlineTable(inline);
            }
            Item::None | Item::ArrayOfTables(_) => *old = Item::Table(new),
        }
        self.changed = true;
        Ok(true)
    }

    /// Removes a job with its own comment lines (those directly above its header); comments
    /// separated from it by a blank line stay.
    pub(crate) fn remove_job(&mut self, name: &str) -> Result<()> {
        let path = self.path.clone();
        let jobs = self.jobs_mut()?;
        let Some(index) = jobs.iter().position(|(key, _)| key == name) else {
            bail!(no_such_job(name, &path));
        };
        let detached = match jobs.get(name) {
            Some(Item::Table(table)) => {
                let prefix = raw_str(table.decor().prefix());
                let detached = split_attached(&prefix).0.to_owned();
                let position = table.position();
                jobs.remove(name);
                self.carry_to_next_table(position, &detached);
                None
            }
            _ => {
                let prefix = jobs
                    .key(name)
                    .map(|key| raw_str(key.leaf_decor().prefix()))
                    .unwrap_or_default();
                jobs.remove(name);
                Some(split_attached(&prefix).0.to_owned())
            }
        };
        // An inline job's detached comments go to the key that now follows it.
        if let Some(detached) = detached.filter(|d| has_comment(d))
            && let Some((mut key, _)) = self.jobs_mut()?.iter_mut().nth(index)
        {
            let next = raw_str(key.leaf_decor().prefix());
            key.leaf_decor_mut()
                .set_prefix(join_prefixes(&detached, &next));
        }
        self.changed = true;
        Ok(())
    }

    /// Sets whether a job runs. Enabling removes an `enabled = false` that has no comment of
    /// its own (so disable then enable gives back the same file), else sets it to `true`.
    /// Returns whether anything changed.
    pub(crate) fn set_enabled(&mut self, name: &str, enabled: bool) -> Result<bool> {
        let path = self.path.clone();
        let job = self
            .jobs_mut()?
            .get_mut(name)
            .and_then(Item::as_table_like_mut)
            .ok_or_else(|| anyhow!(no_such_job(name, &path)))?;
        let commented = job.get_key_value("enabled").is_some_and(|(key, item)| {
            let value_decor = item
                .as_value()
                .map(|v| (raw_str(v.decor().prefix()), raw_str(v.decor().suffix())));
            let (prefix, suffix) = value_decor.unwrap_or_default();
            has_comment(&raw_str(key.leaf_decor().prefix()))
                || has_comment(&prefix)
                || has_comment(&suffix)
        });
        match job.get_mut("enabled") {
            Some(item) if item.as_bool() == Some(enabled) => return Ok(false),
            Some(_) if enabled && !commented => {
                job.remove("enabled");
            }
            Some(item) => match item.as_value_mut() {
                Some(old) => {
                    let decor = old.decor().clone();
                    *old = Value::from(enabled);
                    *old.decor_mut() = decor;
                }
                None => *item = value(enabled),
            },
            None if enabled => return Ok(false),
            None => {
                job.insert("enabled", value(false));
                if let Some(inline) = self
                    .jobs_mut()?
                    .get_mut(name)
                    .and_then(Item::as_inline_table_mut)
                {
                    move_closing_space(inline);
                }
            }
        }
        self.changed = true;
        Ok(true)
    }

    /// Resolves the job against `[defaults]`: an invalid job is never added.
    fn check(&self, name: &str, raw: &RawJob) -> Result<()> {
        if !valid_name(name) {
            bail!(invalid_name_message(name));
        }
        match resolve(name, raw.clone(), &self.defaults) {
            Ok(_) => Ok(()),
            Err(problems) => {
                let messages: Vec<String> = problems.iter().map(|p| p.message.clone()).collect();
                bail!("job {name:?} is not valid: {}", messages.join("; "))
            }
        }
    }

    fn insert_new(&mut self, name: &str, raw: &RawJob) -> Result<()> {
        let mut table = job_table(raw);
        if self.doc.as_table().is_empty() {
            // A file of only comments: they stay above the first job, not below it.
            let comments = raw_str(Some(self.doc.trailing()));
            if !comments.trim().is_empty() {
                let gap = if comments.ends_with("\n\n") { "" } else { "\n" };
                table.decor_mut().set_prefix(format!("{comments}{gap}"));
                self.doc.set_trailing("");
            }
        }
        if self.doc.get("jobs").is_none() {
            let mut jobs = Table::new();
            jobs.set_implicit(true);
            self.doc.insert("jobs", Item::Table(jobs));
        }
        match self.doc.get_mut("jobs") {
            Some(Item::Table(jobs)) => {
                jobs.insert(name, Item::Table(table));
            }
            Some(Item::Value(Value::InlineTable(jobs))) => {
                jobs.insert(name, Value::InlineTable(table.into_inline_table()));
            }
            _ => bail!("`jobs` in {} is not a table", self.path.display()),
        }
        self.changed = true;
        Ok(())
    }

    fn jobs(&self) -> Option<&dyn TableLike> {
        self.doc.get("jobs").and_then(Item::as_table_like)
    }

    fn jobs_mut(&mut self) -> Result<&mut dyn TableLike> {
        let path = &self.path;
        self.doc
            .get_mut("jobs")
            .and_then(Item::as_table_like_mut)
            .ok_or_else(|| anyhow!("{} has no jobs; `jobtab add` adds one", path.display()))
    }

    /// Moves comment lines that were above a removed table (but not attached to it) to the
    /// table that now follows, or to the end of the file.
    fn carry_to_next_table(&mut self, removed_at: Option<isize>, detached: &str) {
        let Some(removed_at) = removed_at else {
            return;
        };
        let mut tables = Vec::new();
        collect_tables(self.doc.as_table(), &mut Vec::new(), &mut tables);
        let was_first = !tables.iter().any(|(pos, _)| *pos < removed_at)
            && !self.doc.as_table().iter().any(|(_, item)| item.is_value());
        let next = tables
            .into_iter()
            .filter(|(pos, _)| *pos > removed_at)
            .min_by_key(|(pos, _)| *pos);
        match next.and_then(|(_, path)| table_at(&mut self.doc, &path)) {
            Some(table) => {
                let mut prefix = raw_str(table.decor().prefix());
                if table.decor().prefix().is_none() {
                    prefix = "\n".into();
                }
                let mut joined = if has_comment(detached) {
                    join_prefixes(detached, &prefix)
                } else {
                    prefix
                };
                if was_first && !has_comment(detached) {
                    // The next table is now the first thing in the file.
                    joined = joined.trim_start_matches(['\n', '\r']).to_owned();
                }
                table.decor_mut().set_prefix(joined);
            }
            None => {
                // What followed the removed table (a comment at the end of the file) keeps its
                // distance from what is now above it.
                let trailing = raw_str(Some(self.doc.trailing()));
                if has_comment(detached) || has_comment(&trailing) {
                    self.doc.set_trailing(join_prefixes(detached, &trailing));
                }
            }
        }
    }
}

/// In `{ a = 1 }`, the space before `}` belongs to the last value: after a value is appended,
/// move it from the value that was last to the new one (`{ a = 1, b = 2 }`, not `{ a = 1 , b = 2}`).
fn move_closing_space(table: &mut toml_edit::InlineTable) {
    let count = table.len();
    if count < 2 {
        return;
    }
    let mut space = None;
    for (index, (_, value)) in table.iter_mut().enumerate() {
        if index == count - 2 {
            let suffix = raw_str(value.decor().suffix());
            if suffix.trim().is_empty() {
                value.decor_mut().set_suffix("");
                space = Some(suffix);
            }
        } else if index == count - 1
            && let Some(space) = space.take()
        {
            value.decor_mut().set_suffix(space);
        }
    }
}

fn no_such_job(name: &str, path: &Path) -> String {
    format!(
        "no job named {name:?} in {}; `jobtab list` shows the jobs there are",
        path.display()
    )
}

/// Positions and key paths of the tables written with a `[header]`.
fn collect_tables(table: &Table, path: &mut Vec<String>, out: &mut Vec<(isize, Vec<String>)>) {
    for (key, item) in table.iter() {
        if let Item::Table(sub) = item {
            path.push(key.to_owned());
            if !sub.is_implicit()
                && !sub.is_dotted()
                && let Some(position) = sub.position()
            {
                out.push((position, path.clone()));
            }
            collect_tables(sub, path, out);
            path.pop();
        }
    }
}

fn table_at<'d>(doc: &'d mut DocumentMut, path: &[String]) -> Option<&'d mut Table> {
    let mut table = doc.as_table_mut();
    for key in path {
        table = table.get_mut(key)?.as_table_mut()?;
    }
    Some(table)
}

fn raw_str(raw: Option<&toml_edit::RawString>) -> String {
    raw.and_then(toml_edit::RawString::as_str)
        .unwrap_or("")
        .to_owned()
}

fn has_comment(text: &str) -> bool {
    text.lines().any(|line| line.trim_start().starts_with('#'))
}

/// Splits the text above a header into what is separated from it by a blank line (kept when
/// the table goes) and the comment lines directly above it (removed with it).
fn split_attached(prefix: &str) -> (&str, &str) {
    let mut split = 0;
    let mut offset = 0;
    for line in prefix.split_inclusive('\n') {
        offset += line.len();
        if line.trim().is_empty() {
            split = offset;
        }
    }
    prefix.split_at(split)
}

/// `first` followed by `second`, without doubling the blank line between them.
fn join_prefixes(first: &str, second: &str) -> String {
    let ends_blank = first.ends_with("\n\n") || first.ends_with("\n\r\n") || first == "\n";
    let second = if ends_blank {
        second.strip_prefix('\n').unwrap_or(second)
    } else {
        second
    };
    format!("{first}{second}")
}

#[cfg(test)]
mod tests;
