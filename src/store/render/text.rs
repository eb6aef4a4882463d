//! A job as TOML text, written straight into a `String`: what `add` appends to the job file and
//! `import` appends 100,000 times (issue 8, item 19), without building a `toml_edit` document
//! per job. The text is byte for byte what `toml_edit` prints for `table::job_table` in a
//! fresh document (the tests compare the two over generated jobs); strings and keys are
//! quoted by `toml_writer`, the encoder `toml_edit` itself calls, so they get its choices:
//! `"..."` when nothing needs escaping, `'...'` for text with `"` or `\`, `"""` for several
//! lines, escapes only where no other form fits.

use std::collections::BTreeMap;

use toml_writer::TomlWrite as _;

use super::table::is_short;
use crate::store::model::{RawHttp, RawJob, RawNotify};

/// The job as a TOML snippet, `[jobs.NAME]` and all (for previews, `import --dry-run`).
pub(crate) fn job_toml(name: &str, raw: &RawJob) -> String {
    let mut out = String::with_capacity(256);
    write_job(&mut out, name, raw);
    out
}

/// Appends the job's `[jobs.NAME]` table (and its `[jobs.NAME.http]` table when the call has
/// headers or a body) to `out`.
pub(crate) fn write_job(out: &mut String, name: &str, raw: &RawJob) {
    // A webhook table (never imported, rarely added) is left to `toml_edit`.
    if raw.webhook.is_some() {
        out.push_str(&super::table::document_toml(name, raw));
        return;
    }
    out.push_str("[jobs.");
    key(out, name);
    out.push_str("]\n");
    string(out, "description", raw.description.as_deref());
    string(out, "schedule", raw.schedule.as_deref());
    string(out, "jitter", raw.jitter.as_deref());
    if let Some(after) = &raw.after {
        out.push_str("after = [");
        for (i, name) in after.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            quoted(out, name);
        }
        out.push_str("]\n");
    }
    string(out, "after_status", raw.after_status.map(|s| s.as_str()));
    string(out, "timezone", raw.timezone.as_deref());
    string(out, "command", raw.command.as_deref());
    string(out, "shell", raw.shell.as_deref());
    string(out, "workdir", raw.workdir.as_deref());
    if let Some(http) = raw.http.as_ref().filter(|h| is_short(h)) {
        out.push_str("http = ");
        short_http(out, http);
        out.push('\n');
    }
    string(out, "timeout", raw.timeout.as_deref());
    if let Some(retries) = raw.retries {
        out.push_str("retries = ");
        scalar(out, i64::from(retries));
        out.push('\n');
    }
    string(out, "retry_delay", raw.retry_delay.as_deref());
    string(out, "overlap", raw.overlap.map(|o| o.as_str()));
    string(out, "catch_up", raw.catch_up.map(|c| c.as_str()));
    if let Some(enabled) = raw.enabled {
        out.push_str("enabled = ");
        scalar(out, enabled);
        out.push('\n');
    }
    if let Some(env) = raw.env.as_ref().filter(|env| !env.is_empty()) {
        out.push_str("env = ");
        string_map(out, env);
        out.push('\n');
    }
    if let Some(notify) = &raw.notify {
        out.push_str("notify = ");
        notify_table(out, notify);
        out.push('\n');
    }
    string(out, "ping", raw.ping.as_deref());
    string(out, "mail_to", raw.mail_to.as_deref());
    if let Some(http) = raw.http.as_ref().filter(|h| !is_short(h)) {
        out.push_str("\n[jobs.");
        key(out, name);
        out.push_str(".http]\n");
        string(out, "method", http.method.as_deref());
        string(out, "url", Some(&http.url));
        if let Some(headers) = http.headers.as_ref().filter(|h| !h.is_empty()) {
            out.push_str("headers = ");
            string_map(out, headers);
            out.push('\n');
        }
        string(out, "body", http.body.as_deref());
        if let Some(expect) = http.expect.as_ref().filter(|e| !e.is_empty()) {
            out.push_str("expect = ");
            codes(out, expect);
            out.push('\n');
        }
    }
}

/// `KEY = "text"` and a line break, when there is a text (`KEY` is one of ours: bare).
fn string(out: &mut String, key: &str, text: Option<&str>) {
    if let Some(text) = text {
        out.push_str(key);
        out.push_str(" = ");
        quoted(out, text);
        out.push('\n');
    }
}

/// A string value, quoted as `toml_writer` quotes it. The usual text, with nothing to escape
/// (no `"`, `\\` or control character), is `"text"`, written without asking it.
fn quoted(out: &mut String, text: &str) {
    if text
        .bytes()
        .all(|b| b >= 0x20 && b != 0x7f && b != b'"' && b != b'\\')
    {
        out.push('"');
        out.push_str(text);
        out.push('"');
    } else {
        // Writing to a `String` cannot fail.
        let _ = out.value(text);
    }
}

/// A key, quoted when it is not a bare key.
fn key(out: &mut String, key: &str) {
    let _ = out.key(key);
}

/// An integer or a boolean.
fn scalar(out: &mut String, value: impl toml_writer::WriteTomlValue) {
    let _ = out.value(value);
}

/// `{ a = "x", b = "y" }`: the spacing `toml_edit` gives a new inline table.
struct Inline<'o> {
    out: &'o mut String,
    empty: bool,
}

impl<'o> Inline<'o> {
    fn open(out: &'o mut String) -> Inline<'o> {
        out.push('{');
        Inline { out, empty: true }
    }

    fn entry(&mut self, name: &str, value: &str) {
        self.out.push_str(if self.empty { " " } else { ", " });
        self.empty = false;
        key(self.out, name);
        self.out.push_str(" = ");
        quoted(self.out, value);
    }

    fn array(&mut self, name: &str, codes: &[u16]) {
        self.out.push_str(if self.empty { " " } else { ", " });
        self.empty = false;
        key(self.out, name);
        self.out.push_str(" = ");
        self::codes(self.out, codes);
    }

    fn close(self) {
        self.out.push_str(if self.empty { "}" } else { " }" });
    }
}

fn short_http(out: &mut String, http: &RawHttp) {
    let mut table = Inline::open(out);
    if let Some(method) = &http.method {
        table.entry("method", method);
    }
    table.entry("url", &http.url);
    if let Some(expect) = http.expect.as_ref().filter(|e| !e.is_empty()) {
        table.array("expect", expect);
    }
    table.close();
}

fn notify_table(out: &mut String, notify: &RawNotify) {
    let mut table = Inline::open(out);
    table.entry("url", &notify.url);
    if let Some(on) = notify.on {
        table.entry("on", on.as_str());
    }
    if let Some(secret) = &notify.secret {
        table.entry("secret", secret);
    }
    if let Some(format) = notify.format {
        table.entry("format", format.as_str());
    }
    if let Some(signature) = notify.signature {
        table.entry("signature", signature.as_str());
    }
    table.close();
}

fn string_map(out: &mut String, map: &BTreeMap<String, String>) {
    let mut table = Inline::open(out);
    for (name, value) in map {
        table.entry(name, value);
    }
    table.close();
}

/// `[200, 202]`.
fn codes(out: &mut String, codes: &[u16]) {
    out.push('[');
    for (i, code) in codes.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        scalar(out, i64::from(*code));
    }
    out.push(']');
}
