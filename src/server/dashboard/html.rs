//! The small pieces every dashboard page is written with: escaping, times (UTC in the HTML,
//! the viewer's zone once the script runs), status words, the page's frame with its embedded
//! style and script.

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::output;

/// The style and the script, embedded in every page: no other request, no CDN, works offline.
const STYLE: &str = include_str!("page.css");
const SCRIPT: &str = include_str!("page.js");

/// `text` safe inside an element or a quoted attribute.
pub(crate) fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// A job name in a URL path segment.
pub(crate) fn path_segment(name: &str) -> String {
    let mut out = String::new();
    for byte in name.bytes() {
        if byte.is_ascii_alphanumeric() || b"-_.~".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// An RFC 3339 time of the JSON as a page shows it: in UTC with how far it is from `now`;
/// the script rewrites it in the viewer's zone and keeps the distance current. `None` when the
/// text is not a time.
pub(crate) fn time(rfc3339: &str, now: DateTime<Utc>) -> String {
    let Ok(at) = DateTime::parse_from_rfc3339(rfc3339) else {
        return esc(rfc3339);
    };
    let at = at.with_timezone(&Utc);
    format!(
        "<time datetime=\"{iso}\">{utc}</time> <span class=\"rel\" data-at=\"{iso}\">({rel})</span>",
        iso = esc(rfc3339),
        utc = at.format("%Y-%m-%d %H:%M:%S UTC"),
        rel = output::relative(now, at),
    )
}

/// `time` of a JSON string field, or `none`.
pub(crate) fn time_of(value: &Value, now: DateTime<Utc>) -> String {
    match value.as_str() {
        Some(text) => time(text, now),
        None => "none".to_owned(),
    }
}

/// A status word (`ok`, `failed`, `running`, ...) marked for the style; the word itself says
/// it, colour only adds to it.
pub(crate) fn status(word: &str) -> String {
    let class: String = word
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    format!("<span class=\"status s-{class}\">{}</span>", esc(word))
}

/// How long a run in progress has run: `12s`, kept current by the script.
pub(crate) fn elapsed(started_at: &str, now: DateTime<Utc>) -> String {
    let millis = DateTime::parse_from_rfc3339(started_at)
        .map(|at| (now - at.with_timezone(&Utc)).num_milliseconds())
        .unwrap_or(0);
    let seconds = u64::try_from(millis / 1000).unwrap_or(0);
    format!(
        "<span class=\"elapsed\" data-since=\"{}\">{}</span>",
        esc(started_at),
        crate::duration::format(std::time::Duration::from_secs(seconds))
    )
}

/// Who is looking, for the page's header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Viewer {
    /// No token is set: the page is read-only.
    ReadOnly,
    /// Signed in with the session cookie (a sign-out button is shown).
    Cookie,
    /// Signed in with a Bearer header.
    Bearer,
}

/// A whole page: `title`, the header, and `main` (the part the script refreshes).
pub(crate) fn page(title: &str, viewer: Viewer, main: &str) -> String {
    let session = match viewer {
        Viewer::ReadOnly => "<p class=\"mode\">read-only: no <code>[server] token</code> is \
             set, so run now, enable and disable are off</p>"
            .to_owned(),
        Viewer::Cookie => "<form method=\"post\" action=\"/logout\" class=\"signout\">\
             <button type=\"submit\">Sign out</button></form>"
            .to_owned(),
        Viewer::Bearer => String::new(),
    };
    format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title} · jobtab</title><style>{STYLE}</style></head>\
         <body data-viewer=\"{viewer}\"><header class=\"top\"><a class=\"brand\" href=\"/\">jobtab</a>\
         {session}</header>\n<p id=\"notice\" role=\"status\" aria-live=\"polite\"></p>\n<main id=\"live\">{main}</main>\n\
         <script>{SCRIPT}</script></body></html>\n",
        title = esc(title),
        viewer = match viewer {
            Viewer::ReadOnly => "read-only",
            Viewer::Cookie | Viewer::Bearer => "signed-in",
        },
    )
}

/// The sign-in page: the token's form, and why it is asked for (`problem`).
pub(crate) fn login(next: &str, problem: Option<&str>) -> String {
    let problem = problem.map_or_else(String::new, |problem| {
        format!("<p class=\"problem\" role=\"alert\">{}</p>", esc(problem))
    });
    let main = format!(
        "<h1>Sign in</h1><p>This dashboard needs the token set as <code>token</code> in the \
         job file's <code>[server]</code> table.</p>{problem}\
         <form method=\"post\" action=\"/login\" class=\"login\">\
         <input type=\"hidden\" name=\"next\" value=\"{next}\">\
         <label for=\"token\">Token</label>\
         <input id=\"token\" name=\"token\" type=\"password\" autocomplete=\"current-password\" required>\
         <button type=\"submit\">Sign in</button></form>",
        next = esc(next),
    );
    format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>Sign in · jobtab</title><style>{STYLE}</style></head>\
         <body data-page=\"login\"><header class=\"top\"><span class=\"brand\">jobtab</span></header>\
         <main>{main}</main></body></html>\n"
    )
}

/// Where to go after signing in: a path on this server, never another site.
pub(crate) fn safe_next(next: &str) -> &str {
    let ours = next.starts_with('/')
        && !next.starts_with("//")
        && !next.contains('\\')
        && !next.chars().any(char::is_control);
    if ours { next } else { "/" }
}
