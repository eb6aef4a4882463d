//! A job as a `toml_edit` table, for changes made through a parsed document (`add --replace`,
//! a file whose jobs are inline tables): the layout `text` writes directly, as a `Table` that
//! takes the replaced job's decor.

use std::collections::BTreeMap;

use toml_edit::{DocumentMut, InlineTable, Item, Table, Value, value};

use crate::store::model::{RawHttp, RawJob, RawNotify, RawWebhook};

/// The `[jobs.NAME]` table for a job (its sub-tables included).
pub(crate) fn job_table(raw: &RawJob) -> Table {
    let mut table = Table::new();
    put(&mut table, "description", raw.description.as_ref());
    put(&mut table, "schedule", raw.schedule.as_ref());
    put(&mut table, "jitter", raw.jitter.as_ref());
    if let Some(after) = &raw.after {
        let list: toml_edit::Array = after.iter().map(String::as_str).collect();
        table.insert("after", value(list));
    }
    if let Some(status) = raw.after_status {
        table.insert("after_status", value(status.as_str()));
    }
    put(&mut table, "timezone", raw.timezone.as_ref());
    put(&mut table, "command", raw.command.as_ref());
    put(&mut table, "shell", raw.shell.as_ref());
    put(&mut table, "workdir", raw.workdir.as_ref());
    if let Some(http) = raw.http.as_ref().filter(|h| is_short(h)) {
        table.insert("http", value(http_inline_table(http)));
    }
    put(&mut table, "timeout", raw.timeout.as_ref());
    if let Some(retries) = raw.retries {
        table.insert("retries", value(i64::from(retries)));
    }
    put(&mut table, "retry_delay", raw.retry_delay.as_ref());
    if let Some(overlap) = raw.overlap {
        table.insert("overlap", value(overlap.as_str()));
    }
    if let Some(catch_up) = raw.catch_up {
        table.insert("catch_up", value(catch_up.as_str()));
    }
    if let Some(enabled) = raw.enabled {
        table.insert("enabled", value(enabled));
    }
    if let Some(env) = raw.env.as_ref().filter(|env| !env.is_empty()) {
        table.insert("env", value(string_map(env)));
    }
    if let Some(notify) = &raw.notify {
        table.insert("notify", value(notify_table(notify)));
    }
    put(&mut table, "ping", raw.ping.as_ref());
    put(&mut table, "mail_to", raw.mail_to.as_ref());
    if let Some(http) = raw.http.as_ref().filter(|h| !is_short(h)) {
        let mut sub = Table::new();
        if let Some(method) = &http.method {
            sub.insert("method", value(method.as_str()));
        }
        sub.insert("url", value(http.url.as_str()));
        if let Some(headers) = http.headers.as_ref().filter(|h| !h.is_empty()) {
            sub.insert("headers", value(string_map(headers)));
        }
        if let Some(body) = &http.body {
            sub.insert("body", value(body.as_str()));
        }
        if let Some(expect) = http.expect.as_ref().filter(|e| !e.is_empty()) {
            sub.insert("expect", value(codes(expect)));
        }
        table.insert("http", Item::Table(sub));
    }
    if let Some(webhook) = &raw.webhook {
        table.insert("webhook", Item::Table(webhook_table(webhook)));
    }
    table
}

/// `[jobs.NAME.webhook]`, the keys in the order the documentation lists them.
fn webhook_table(webhook: &RawWebhook) -> Table {
    let mut table = Table::new();
    if let Some(verify) = webhook.verify {
        table.insert("verify", value(verify.as_str()));
    }
    put(&mut table, "secret", webhook.secret.as_ref());
    put(&mut table, "header", webhook.header.as_ref());
    if let Some(algorithm) = webhook.algorithm {
        table.insert("algorithm", value(algorithm.as_str()));
    }
    if let Some(encoding) = webhook.encoding {
        table.insert("encoding", value(encoding.as_str()));
    }
    put(&mut table, "prefix", webhook.prefix.as_ref());
    put(&mut table, "path", webhook.path.as_ref());
    if let Some(methods) = &webhook.methods {
        let list: toml_edit::Array = methods.iter().map(String::as_str).collect();
        table.insert("methods", value(list));
    }
    if let Some(max_body) = webhook.max_body {
        table.insert(
            "max_body",
            value(i64::try_from(max_body).unwrap_or(i64::MAX)),
        );
    }
    if let Some(matches) = &webhook.r#match {
        let mut inline = InlineTable::new();
        for (key, values) in matches {
            let item = match values.as_slice() {
                [one] => json_value(one),
                many => Value::Array(many.iter().map(json_value).collect()),
            };
            inline.insert(key, item);
        }
        table.insert("match", value(inline));
    }
    if let Some(env) = &webhook.env {
        let inline: InlineTable = env
            .iter()
            .map(|(k, v)| (k.as_str(), Value::from(v.as_str())))
            .collect();
        table.insert("env", value(inline));
    }
    if let Some(response) = webhook.response {
        table.insert("response", value(response.as_str()));
    }
    put(&mut table, "rate_limit", webhook.rate_limit.as_ref());
    table
}

/// A `match` value (a string, number or boolean) as TOML.
fn json_value(json: &serde_json::Value) -> Value {
    match json {
        serde_json::Value::Bool(b) => Value::from(*b),
        serde_json::Value::Number(n) => match n.as_i64() {
            Some(i) => Value::from(i),
            None => Value::from(n.as_f64().unwrap_or(0.0)),
        },
        serde_json::Value::String(text) => Value::from(text.as_str()),
        other => Value::from(other.to_string()),
    }
}

fn put(table: &mut Table, key: &str, text: Option<&String>) {
    if let Some(text) = text {
        table.insert(key, value(text.as_str()));
    }
}

/// The job as a TOML snippet, `[jobs.NAME]` and all, printed by `toml_edit`: what `text`
/// writes for a job with a webhook table (the direct writer does not write those).
pub(super) fn document_toml(name: &str, raw: &RawJob) -> String {
    let mut jobs = Table::new();
    jobs.set_implicit(true);
    jobs.insert(name, Item::Table(job_table(raw)));
    let mut doc = DocumentMut::new();
    doc.insert("jobs", Item::Table(jobs));
    doc.to_string()
}

/// An HTTP call fits on one line when it has no headers and no body.
pub(super) fn is_short(http: &RawHttp) -> bool {
    http.headers.as_ref().is_none_or(BTreeMap::is_empty) && http.body.is_none()
}

fn http_inline_table(http: &RawHttp) -> InlineTable {
    let mut table = InlineTable::new();
    if let Some(method) = &http.method {
        table.insert("method", Value::from(method.as_str()));
    }
    table.insert("url", Value::from(http.url.as_str()));
    if let Some(expect) = http.expect.as_ref().filter(|e| !e.is_empty()) {
        table.insert("expect", Value::Array(codes(expect)));
    }
    table
}

fn notify_table(notify: &RawNotify) -> InlineTable {
    let mut table = InlineTable::new();
    table.insert("url", Value::from(notify.url.as_str()));
    if let Some(on) = notify.on {
        table.insert("on", Value::from(on.as_str()));
    }
    if let Some(secret) = &notify.secret {
        table.insert("secret", Value::from(secret.as_str()));
    }
    if let Some(format) = notify.format {
        table.insert("format", Value::from(format.as_str()));
    }
    if let Some(signature) = notify.signature {
        table.insert("signature", Value::from(signature.as_str()));
    }
    table
}

fn string_map(map: &BTreeMap<String, String>) -> InlineTable {
    map.iter()
        .map(|(k, v)| (k.as_str(), Value::from(v.as_str())))
        .collect()
}

fn codes(codes: &[u16]) -> toml_edit::Array {
    codes.iter().map(|c| i64::from(*c)).collect()
}
