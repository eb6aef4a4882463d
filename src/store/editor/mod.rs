//! `Editor`: the changes a command can make to a job file (add, replace, remove, enable,
//! disable), each keeping the user's comments, order and formatting everywhere else.
//!
//! Adding appends the new table's text after the last job (a file of 10,000 jobs need not be
//! parsed for editing just to append); every other change goes through a `toml_edit` document,
//! parsed on first use.

mod decor;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use anyhow::{Result, anyhow, bail};
use toml_edit::{DocumentMut, Item, Table, TableLike, Value, value};

use self::decor::{
    append_table, collect_tables, give_closing_space, has_comment, join_prefixes,
    move_closing_space, raw_str, split_attached, table_at,
};
use super::model::{Job, RawDefaults, RawJob};
use super::parse::Parsed;
use super::readback::{Expected, fingerprint};
use super::render::{job_table, write_job};
use super::resolve::{ScheduleCache, invalid_name_message, resolve_cached, valid_name};

/// A job file being changed; see `edit`.
pub(crate) struct Editor {
    path: PathBuf,
    /// The file's text, until a change needs `doc`.
    text: String,
    /// The file as a `toml_edit` document, once a change needed it; then `text` is stale.
    doc: Option<DocumentMut>,
    /// Whether the `jobs` table is written with `[...]` headers, so that a new `[jobs.NAME]`
    /// table can be appended as text.
    appendable: bool,
    /// Where the last statement of `text` ends (see `decor::append_table`).
    content_end: usize,
    defaults: RawDefaults,
    /// The job names, in file order.
    names: Vec<String>,
    /// The job names, each with the fingerprint of what the change wrote (see `readback`) for
    /// the jobs it added or replaced: what the new text must read back as.
    jobs: HashMap<String, Option<u64>>,
    pub(super) changed: bool,
    /// The schedules of added jobs found valid (an import adds thousands that share them).
    checked: ScheduleCache,
    /// The jobs of the file as read, with stand-in schedules (see `take_read_jobs`).
    read: Vec<Job>,
}

impl Editor {
    /// An editor for a valid file's `text`, as `parsed`.
    pub(super) fn new(path: PathBuf, text: String, parsed: Parsed) -> Editor {
        let names: Vec<String> = parsed.jobs.iter().map(|job| job.name.clone()).collect();
        Editor {
            path,
            text,
            doc: None,
            appendable: parsed.jobs_in_headers,
            content_end: parsed.content_end,
            defaults: parsed.defaults,
            jobs: names.iter().map(|name| (name.clone(), None)).collect(),
            names,
            changed: false,
            checked: ScheduleCache::check_only(),
            read: parsed.jobs,
        }
    }

    /// Whether the file was parsed as a `toml_edit` document (adding jobs to `[jobs.NAME]`
    /// tables does not need it).
    #[cfg(test)]
    pub(super) fn is_parsed(&self) -> bool {
        self.doc.is_some()
    }

    /// Whether anything was changed.
    pub(crate) fn is_changed(&self) -> bool {
        self.changed
    }

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
        self.jobs.contains_key(name)
    }

    /// The jobs of the file as it was read, before any change: their names, actions and
    /// schedules as written (`Triggers::as_str`), but stand-ins for the schedules themselves
    /// (see `ScheduleCache::CheckOnly`). Only once: they are not kept for the write.
    pub(crate) fn take_read_jobs(&mut self) -> Vec<Job> {
        std::mem::take(&mut self.read)
    }

    /// The names of the jobs, in file order.
    pub(crate) fn names(&self) -> Vec<String> {
        self.names.clone()
    }

    /// The file as it would be written now.
    #[cfg(test)]
    pub(crate) fn text(&self) -> String {
        match &self.doc {
            Some(doc) => doc.to_string(),
            None => self.text.clone(),
        }
    }

    /// The file as it would be written now, taken out of the editor (an import's 20 MB are
    /// not copied); the editor holds no text after it.
    pub(super) fn take_text(&mut self) -> String {
        match self.doc.take() {
            Some(doc) => doc.to_string(),
            None => std::mem::take(&mut self.text),
        }
    }

    /// What the new text must read back as: every job name, and what each job added or
    /// replaced was written from.
    pub(super) fn expected(&self) -> Expected<'_> {
        Expected {
            jobs: &self.jobs,
            defaults: &self.defaults,
        }
    }

    /// Adds a job after the last one; an existing name or an invalid job is an error.
    pub(crate) fn add_job(&mut self, name: &str, raw: &RawJob) -> Result<()> {
        if self.contains(name) {
            bail!(
                "a job named {name:?} already exists in {}; pick another name, or replace it \
                 with `jobtab add --replace`",
                self.path.display()
            );
        }
        self.check(name, raw)?;
        match &mut self.doc {
            None if self.appendable => {
                self.content_end = append_table(&mut self.text, self.content_end, |out| {
                    write_job(out, name, raw);
                });
            }
            _ => self.insert_new(name, raw)?,
        }
        self.names.push(name.to_owned());
        self.jobs.insert(name.to_owned(), Some(fingerprint(raw)));
        self.changed = true;
        Ok(())
    }

    /// Replaces the job of that name in place (keeping its position and the comment above it),
    /// or adds it when there is none. Returns whether a job was replaced.
    pub(crate) fn replace_job(&mut self, name: &str, raw: &RawJob) -> Result<bool> {
        if !self.contains(name) {
            self.add_job(name, raw)?;
            return Ok(false);
        }
        self.check(name, raw)?;
        let path = self.path.clone();
        let old = self
            .jobs_mut()?
            .get_mut(name)
            .ok_or_else(|| anyhow!(no_such_job(name, &path)))?;
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
        self.jobs.insert(name.to_owned(), Some(fingerprint(raw)));
        self.changed = true;
        Ok(true)
    }

    /// Removes a job with its own comment lines (those directly above its header); comments
    /// separated from it by a blank line stay.
    pub(crate) fn remove_job(&mut self, name: &str) -> Result<()> {
        if !self.contains(name) {
            bail!(no_such_job(name, &self.path));
        }
        let jobs = self.jobs_mut()?;
        let index = jobs.iter().position(|(key, _)| key == name).unwrap_or(0);
        let detached = match jobs.get(name) {
            Some(Item::Table(table)) => {
                let prefix = raw_str(table.decor().prefix());
                let detached = split_attached(&prefix).0.to_owned();
                let position = table.position();
                jobs.remove(name);
                self.carry_to_next_table(position, &detached)?;
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
        self.names.retain(|n| n != name);
        self.jobs.remove(name);
        self.changed = true;
        Ok(())
    }

    /// Sets whether a job runs. Enabling removes an `enabled = false` that has no comment of
    /// its own (so disable then enable gives back the same file), else sets it to `true`.
    /// Returns whether anything changed.
    pub(crate) fn set_enabled(&mut self, name: &str, enabled: bool) -> Result<bool> {
        if !self.contains(name) {
            bail!(no_such_job(name, &self.path));
        }
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
            Some(item) if enabled && !commented => {
                // In `{ ..., enabled = false }` the space before `}` is the removed value's:
                // it goes back to the value that is now last.
                let space = item
                    .as_value()
                    .map(|v| raw_str(v.decor().suffix()))
                    .unwrap_or_default();
                let was_last = job.iter().last().is_some_and(|(key, _)| key == "enabled");
                job.remove("enabled");
                if was_last
                    && let Some(inline) = self
                        .jobs_mut()?
                        .get_mut(name)
                        .and_then(Item::as_inline_table_mut)
                {
                    give_closing_space(inline, space);
                }
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
        // Its values are no longer the ones written (if it was): only its name is checked.
        if let Some(written) = self.jobs.get_mut(name) {
            *written = None;
        }
        self.changed = true;
        Ok(true)
    }

    /// Resolves the job against `[defaults]`: an invalid job is never added.
    fn check(&mut self, name: &str, raw: &RawJob) -> Result<()> {
        if !valid_name(name) {
            bail!(invalid_name_message(name));
        }
        match resolve_cached(name, raw.clone(), &self.defaults, Some(&mut self.checked)) {
            Ok(_) => Ok(()),
            Err(problems) => {
                let messages: Vec<String> = problems.iter().map(|p| p.message.clone()).collect();
                bail!("job {name:?} is not valid: {}", messages.join("; "))
            }
        }
    }

    /// The document, parsed from the text on first use.
    pub(super) fn doc_mut(&mut self) -> Result<&mut DocumentMut> {
        if self.doc.is_none() {
            let doc = self
                .text
                .parse::<DocumentMut>()
                .map_err(|err| anyhow!("cannot parse {}: {err}", self.path.display()))?;
            self.text.clear();
            self.doc = Some(doc);
        }
        self.doc
            .as_mut()
            .ok_or_else(|| anyhow!("cannot parse {}", self.path.display()))
    }

    /// Inserts a job through the document (files whose jobs are not `[jobs.NAME]` tables).
    fn insert_new(&mut self, name: &str, raw: &RawJob) -> Result<()> {
        let path = self.path.clone();
        let doc = self.doc_mut()?;
        let mut table = job_table(raw);
        if doc.as_table().is_empty() {
            // A file of only comments: they stay above the first job, not below it.
            let comments = raw_str(Some(doc.trailing()));
            if !comments.trim().is_empty() {
                let gap = if comments.ends_with("\n\n") { "" } else { "\n" };
                table.decor_mut().set_prefix(format!("{comments}{gap}"));
                doc.set_trailing("");
            }
        }
        if doc.get("jobs").is_none() {
            let mut jobs = Table::new();
            jobs.set_implicit(true);
            doc.insert("jobs", Item::Table(jobs));
        }
        match doc.get_mut("jobs") {
            Some(Item::Table(jobs)) => {
                jobs.insert(name, Item::Table(table));
            }
            Some(Item::Value(Value::InlineTable(jobs))) => {
                jobs.insert(name, Value::InlineTable(table.into_inline_table()));
            }
            _ => bail!("`jobs` in {} is not a table", path.display()),
        }
        Ok(())
    }

    fn jobs_mut(&mut self) -> Result<&mut dyn TableLike> {
        let path = self.path.clone();
        self.doc_mut()?
            .get_mut("jobs")
            .and_then(Item::as_table_like_mut)
            .ok_or_else(|| anyhow!("{} has no jobs; `jobtab add` adds one", path.display()))
    }

    /// Moves comment lines that were above a removed table (but not attached to it) to the
    /// table that now follows, or to the end of the file.
    fn carry_to_next_table(&mut self, removed_at: Option<isize>, detached: &str) -> Result<()> {
        let Some(removed_at) = removed_at else {
            return Ok(());
        };
        let doc = self.doc_mut()?;
        let mut tables = Vec::new();
        collect_tables(doc.as_table(), &mut Vec::new(), &mut tables);
        let was_first = !tables.iter().any(|(pos, _)| *pos < removed_at)
            && !doc.as_table().iter().any(|(_, item)| item.is_value());
        let next = tables
            .into_iter()
            .filter(|(pos, _)| *pos > removed_at)
            .min_by_key(|(pos, _)| *pos);
        match next.and_then(|(_, path)| table_at(doc, &path)) {
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
                let trailing = raw_str(Some(doc.trailing()));
                if has_comment(detached) || has_comment(&trailing) {
                    doc.set_trailing(join_prefixes(detached, &trailing));
                }
            }
        }
        Ok(())
    }
}

fn no_such_job(name: &str, path: &Path) -> String {
    format!(
        "no job named {name:?} in {}; `jobtab list` shows the jobs there are",
        path.display()
    )
}
