//! The hooks being served: every job with a `webhook`, by path, with its secret expanded from
//! the environment (in memory only, never logged). Built when the server starts (a variable
//! that is not set, or a secret `verify::check_secret` refuses, stops `run` with a message
//! naming the variable, never the value) and again on every reload (then a hook whose secret
//! fails keeps its previous settings, with a warning; a new one is not served until fixed).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use super::rate::Bucket;
use super::verify;
use crate::store::{Job, Verify, Webhook};

/// One hook.
pub(crate) struct Hook {
    /// The job as loaded when the hook was built (its `webhook` is set).
    pub(crate) job: Arc<Job>,
    /// The expanded secret (`""` for `verify = "none"`).
    pub(crate) secret: String,
    /// The `rate_limit` bucket, where one is set (kept across reloads that keep the limit).
    pub(crate) rate: Option<Arc<Bucket>>,
}

impl Hook {
    pub(crate) fn webhook(&self) -> &Webhook {
        self.job
            .triggers
            .webhook
            .as_ref()
            .expect("a hook is built from a job with a webhook")
    }
}

/// The hooks by path.
#[derive(Default)]
pub(crate) struct Table {
    by_path: HashMap<String, Arc<Hook>>,
    /// The headers the hooks' own `hmac` and `token` presets read (lower case): redacted in
    /// every hook's deliveries records, since a sender may send one to the wrong hook.
    secret_headers: Vec<String>,
}

impl Table {
    /// The hook served at `path`.
    pub(crate) fn get(&self, path: &str) -> Option<&Arc<Hook>> {
        self.by_path.get(path)
    }

    /// The headers that carry a hook's signature or token under a name of its own.
    pub(crate) fn secret_headers(&self) -> &[String] {
        &self.secret_headers
    }

    /// Every hook, by path.
    pub(crate) fn hooks(&self) -> impl Iterator<Item = &Arc<Hook>> {
        let mut hooks: Vec<_> = self.by_path.values().collect();
        hooks.sort_by(|a, b| a.webhook().path.cmp(&b.webhook().path));
        hooks.into_iter()
    }

    /// The table at start: every problem is an error (`Err` lists them all).
    pub(crate) fn build<'a>(
        jobs: impl Iterator<Item = &'a Arc<Job>>,
        lookup: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Table, Vec<String>> {
        let (table, problems) = Table::rebuild(&Table::default(), jobs, lookup);
        if problems.is_empty() {
            Ok(table)
        } else {
            Err(problems)
        }
    }

    /// The table after a reload: a hook whose secret fails keeps its entry from `previous`
    /// (if any); the problems are returned for the log.
    pub(crate) fn rebuild<'a>(
        previous: &Table,
        jobs: impl Iterator<Item = &'a Arc<Job>>,
        lookup: &dyn Fn(&str) -> Option<String>,
    ) -> (Table, Vec<String>) {
        let mut table = Table::default();
        let mut problems = Vec::new();
        let now = Instant::now();
        for job in jobs {
            let Some(webhook) = &job.triggers.webhook else {
                continue;
            };
            let old = previous
                .hooks()
                .find(|hook| hook.job.name == job.name)
                .cloned();
            match secret(&job.name, webhook, lookup) {
                Ok(secret) => {
                    // The job as loaded now; an unchanged limit keeps its bucket.
                    let rate = match &old {
                        Some(old) if old.webhook().rate_limit == webhook.rate_limit => {
                            old.rate.clone()
                        }
                        _ => webhook
                            .rate_limit
                            .map(|limit| Arc::new(Bucket::new(limit, now))),
                    };
                    let hook = Arc::new(Hook {
                        job: Arc::clone(job),
                        secret,
                        rate,
                    });
                    table.by_path.insert(webhook.path.clone(), hook);
                }
                Err(problem) => {
                    problems.push(problem);
                    if let Some(old) = old {
                        table.by_path.insert(old.webhook().path.clone(), old);
                    }
                }
            }
        }
        let mut secret_headers: Vec<String> = table
            .by_path
            .values()
            .filter_map(|hook| match &hook.webhook().verify {
                Verify::Hmac { header, .. } => Some(header.to_ascii_lowercase()),
                Verify::Token {
                    header: Some(header),
                } => Some(header.to_ascii_lowercase()),
                _ => None,
            })
            .collect();
        secret_headers.sort();
        secret_headers.dedup();
        table.secret_headers = secret_headers;
        (table, problems)
    }
}

/// The hook's secret, expanded and checked.
fn secret(
    job: &str,
    webhook: &Webhook,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<String, String> {
    if webhook.verify == Verify::None {
        return Ok(String::new());
    }
    let Some(template) = &webhook.secret else {
        return Err(format!(
            "job {job}: its webhook has no secret; set `secret = \"${{VAR}}\"`"
        ));
    };
    let secret = crate::execute::expand::expand_with(template, lookup)
        .map_err(|err| format!("job {job}: webhook secret: {err}"))?;
    verify::check_secret(&webhook.verify, &secret)
        .map_err(|err| format!("job {job}: webhook secret {template}: {err}"))?;
    Ok(secret)
}
