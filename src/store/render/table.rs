//! A job as a `toml_edit` table, for changes made through a parsed document (`add --replace`,
//! a file whose jobs are inline tables): the layout `text` writes directly, as a `Table` that
//! takes the replaced job's decor.

use std::collections::BTreeMap;

use toml_edit::{InlineTable, Item, Table, Value, value};

use crate::store::model::{RawHttp, RawJob, RawNotify};

/// The `[jobs.NAME]` table for a job (its sub-tables included).
pub(crate) fn job_table(raw: &RawJob) -> Table {
    let mut table = Table::new();
    put(&mut table, "description", raw.description.as_ref());
    table.insert("schedule", value(raw.schedule.as_str()));
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
    table
}

fn put(table: &mut Table, key: &str, text: Option<&String>) {
    if let Some(text) = text {
        table.insert(key, value(text.as_str()));
    }
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
