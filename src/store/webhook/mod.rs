//! What the values of `[jobs.NAME.webhook]` and `[server]` mean (PRODUCT.md section 9): a
//! `RawWebhook` checked and turned into a `Webhook`, and the checks of single values (paths,
//! JSON pointers, header names, rate limits, listen addresses) that `parse` shares.

use std::time::Duration;

use super::model::{
    DEFAULT_MAX_BODY, Encoding, HmacAlgorithm, Match, MatchSource, RateLimit, RawWebhook, Verify,
    VerifyKind, Webhook,
};
use super::resolve::valid_env_name;

/// The largest `max_body` a webhook may set (64 MiB): a body is held in memory whole.
pub(crate) const MAX_MAX_BODY: u64 = 64 * 1024 * 1024;

/// Paths the server answers itself, which no hook may take.
const RESERVED_PATHS: &[&str] = &["/", "/healthz", "/metrics"];
/// Path prefixes the dashboard and the API own (PRODUCT.md section 10).
const RESERVED_PREFIXES: &[&str] = &["/api", "/jobs", "/static", "/login", "/logout"];

/// The keys only `verify = "hmac"` reads.
const HMAC_ONLY: &[&str] = &["algorithm", "encoding", "prefix"];

/// Turns a job's webhook table into a `Webhook`, reporting every problem to `problem` (key
/// within the job, such as `webhook.path`, and message); `None` when there was one.
pub(crate) fn resolve_webhook(
    job: &str,
    raw: RawWebhook,
    problem: &mut dyn FnMut(&str, String),
) -> Option<Webhook> {
    let mut ok = true;
    let mut bad = |key: &str, message: String| {
        ok = false;
        problem(&format!("webhook.{key}"), message);
    };
    let verify = resolve_verify(&raw, &mut bad);
    let path = raw.path.unwrap_or_else(|| format!("/hooks/{job}"));
    if let Err(message) = check_path(&path) {
        bad("path", message);
    }
    let methods: Vec<String> = raw
        .methods
        .unwrap_or_else(|| vec!["POST".to_owned()])
        .iter()
        .map(|m| m.to_ascii_uppercase())
        .collect();
    if methods.is_empty() {
        bad(
            "methods",
            "`methods` is empty: no request could start the job; leave it out for POST".into(),
        );
    }
    if let Some(method) = methods.iter().find(|m| !valid_token(m)) {
        bad(
            "methods",
            format!("invalid HTTP method {method:?}: use POST, PUT, GET, ..."),
        );
    }
    let max_body = raw.max_body.unwrap_or(DEFAULT_MAX_BODY);
    if max_body == 0 || max_body > MAX_MAX_BODY {
        bad(
            "max_body",
            format!(
                "max_body = {max_body} is out of range: use 1 to {MAX_MAX_BODY} bytes (64 MiB); \
                 leave it out for {DEFAULT_MAX_BODY} (1 MiB)"
            ),
        );
    }
    let mut matches = Vec::new();
    for (key, values) in raw.r#match.unwrap_or_default() {
        match match_source(&key) {
            Ok(source) => matches.push(Match { source, values }),
            Err(message) => bad(&format!("match.{key}"), message),
        }
    }
    let env = raw.env.unwrap_or_default();
    for (name, pointer) in &env {
        if !valid_env_name(name) {
            bad(
                &format!("env.{name}"),
                format!(
                    "invalid environment variable name {name:?}: use letters, digits and `_`, \
                     not starting with a digit"
                ),
            );
        }
        if let Err(message) = check_pointer(pointer) {
            bad(&format!("env.{name}"), message);
        }
    }
    let rate_limit = raw.rate_limit.as_deref().and_then(|text| {
        parse_rate_limit(text)
            .map_err(|message| bad("rate_limit", message))
            .ok()
    });
    let (verify, secret) = verify?;
    ok.then(|| Webhook {
        verify,
        secret,
        path,
        methods,
        max_body,
        matches,
        env,
        response: raw.response.unwrap_or_default(),
        rate_limit,
    })
}

/// The preset with its settings, and the secret; `None` when something is wrong (reported).
fn resolve_verify(
    raw: &RawWebhook,
    bad: &mut dyn FnMut(&str, String),
) -> Option<(Verify, Option<String>)> {
    let Some(kind) = raw.verify else {
        let names: Vec<&str> = VerifyKind::ALL.iter().map(|k| k.as_str()).collect();
        bad(
            "verify",
            format!(
                "`verify` is missing: say how a request proves where it comes from, one of {} \
                 (\"none\" only written out)",
                names.join(", ")
            ),
        );
        return None;
    };
    let mut ok = true;
    let mut refuse = |key: &str, message: String| {
        ok = false;
        bad(key, message);
    };
    for key in HMAC_ONLY {
        let set = match *key {
            "algorithm" => raw.algorithm.is_some(),
            "encoding" => raw.encoding.is_some(),
            _ => raw.prefix.is_some(),
        };
        if set && kind != VerifyKind::Hmac {
            refuse(
                key,
                format!(
                    "`{key}` is a setting of verify = \"hmac\", not of \"{}\"; remove it",
                    kind.as_str()
                ),
            );
        }
    }
    if raw.header.is_some() && !matches!(kind, VerifyKind::Hmac | VerifyKind::Token) {
        refuse(
            "header",
            format!(
                "`header` is a setting of verify = \"hmac\" and \"token\", not of \"{}\" (its \
                 header is fixed); remove it",
                kind.as_str()
            ),
        );
    }
    if let Some(header) = &raw.header
        && !valid_token(header)
    {
        refuse("header", format!("invalid header name {header:?}"));
    }
    match (&raw.secret, kind) {
        (Some(_), VerifyKind::None) => refuse(
            "secret",
            "verify = \"none\" checks nothing, so a secret would not be used; remove it, or \
             choose a preset that checks it"
                .into(),
        ),
        (None, VerifyKind::None) => {}
        (None, _) => refuse(
            "secret",
            format!(
                "`secret` is missing: verify = \"{}\" needs one; write it like secret = \
                 \"${{HOOK_SECRET}}\" and export HOOK_SECRET where `jobtab run` runs",
                kind.as_str()
            ),
        ),
        (Some(secret), _) => {
            if let Err(message) = check_template(secret, "secret") {
                refuse("secret", message);
            }
        }
    }
    let verify = match kind {
        VerifyKind::Github => Verify::Github,
        VerifyKind::Gitlab => Verify::Gitlab,
        VerifyKind::Stripe => Verify::Stripe,
        VerifyKind::Standard => Verify::Standard,
        VerifyKind::Slack => Verify::Slack,
        VerifyKind::Shopify => Verify::Shopify,
        VerifyKind::Token => Verify::Token {
            header: raw.header.clone(),
        },
        VerifyKind::None => Verify::None,
        VerifyKind::Hmac => {
            let Some(header) = raw.header.clone() else {
                refuse(
                    "header",
                    "verify = \"hmac\" needs `header`, the request header that carries the \
                     signature, like header = \"X-Signature\""
                        .into(),
                );
                return None;
            };
            Verify::Hmac {
                header,
                algorithm: raw.algorithm.unwrap_or(HmacAlgorithm::Sha256),
                encoding: raw.encoding.unwrap_or(Encoding::Hex),
                prefix: raw.prefix.clone().unwrap_or_default(),
            }
        }
    };
    ok.then(|| (verify, raw.secret.clone()))
}

/// The problem with a secret or token as written (a `${VAR}` template or a literal), if any.
/// The message never holds the value.
pub(crate) fn check_template(value: &str, key: &str) -> Result<(), String> {
    if value.trim().is_empty() {
        return Err(format!(
            "`{key}` is empty: anyone could pass; write it like {key} = \"${{VAR}}\" and \
             export VAR where `jobtab run` runs"
        ));
    }
    if value.contains('\0') {
        return Err(format!("`{key}` contains a NUL byte (\\u0000); remove it"));
    }
    Ok(())
}

/// The problem with a hook's path, if any.
pub(crate) fn check_path(path: &str) -> Result<(), String> {
    if !path.starts_with('/') {
        return Err(format!(
            "path {path:?} must start with `/`, like \"/hooks/deploy\""
        ));
    }
    if path.contains(['?', '#']) {
        return Err(format!(
            "path {path:?} holds `?` or `#`: a hook's path is matched without a query; remove \
             what follows"
        ));
    }
    if path.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(format!(
            "path {path:?} holds a space or a control character; use letters, digits, `-`, \
             `_`, `.` and `/`"
        ));
    }
    if RESERVED_PATHS.contains(&path) {
        return Err(format!(
            "path {path:?} is the server's own (/, /healthz and /metrics are); choose another, \
             like \"/hooks/NAME\""
        ));
    }
    if let Some(prefix) = RESERVED_PREFIXES.iter().find(|prefix| {
        path.strip_prefix(**prefix)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
    }) {
        return Err(format!(
            "path {path:?} is under {prefix}, which the dashboard and the API use (/api/, \
             /jobs/, /static/, /login and /logout are theirs); choose another, like \
             \"/hooks/NAME\""
        ));
    }
    Ok(())
}

/// The problem with a JSON pointer (RFC 6901), if any: empty (the whole body) or `/`-separated
/// tokens in which `~` is only written as `~0` (`~`) or `~1` (`/`).
pub(crate) fn check_pointer(pointer: &str) -> Result<(), String> {
    if !pointer.is_empty() && !pointer.starts_with('/') {
        return Err(format!(
            "{pointer:?} is not a JSON pointer: it must start with `/`, like \"/ref\" or \
             \"/repository/full_name\" (RFC 6901)"
        ));
    }
    let mut chars = pointer.chars();
    while let Some(c) = chars.next() {
        if c == '~' && !matches!(chars.next(), Some('0' | '1')) {
            return Err(format!(
                "JSON pointer {pointer:?} has a `~` not followed by 0 or 1: write `~` as `~0` \
                 and a `/` inside a key as `~1` (RFC 6901)"
            ));
        }
    }
    Ok(())
}

/// Where a `match` key looks: `/pointer` or `header:NAME`.
fn match_source(key: &str) -> Result<MatchSource, String> {
    if let Some(name) = key.strip_prefix("header:") {
        let name = name.trim();
        if !valid_token(name) {
            return Err(format!(
                "invalid header name {name:?} in {key:?}; write it like \"header:X-GitHub-Event\""
            ));
        }
        return Ok(MatchSource::Header(name.to_owned()));
    }
    if key.is_empty() {
        return Err(
            "an empty key would compare the whole body; use a JSON pointer like \"/ref\" or \
             \"header:NAME\""
                .into(),
        );
    }
    check_pointer(key).map_err(|message| format!("{message}; or \"header:NAME\" for a header"))?;
    Ok(MatchSource::Pointer(key.to_owned()))
}

/// Whether `text` is an HTTP token (a method or a header name, RFC 9110 section 5.6.2).
pub(crate) fn valid_token(text: &str) -> bool {
    !text.is_empty()
        && text.bytes().all(|b| {
            b.is_ascii_alphanumeric()
                || matches!(
                    b,
                    b'!' | b'#'
                        | b'$'
                        | b'%'
                        | b'&'
                        | b'\''
                        | b'*'
                        | b'+'
                        | b'-'
                        | b'.'
                        | b'^'
                        | b'_'
                        | b'`'
                        | b'|'
                        | b'~'
                )
        })
}

/// `"100/s"`, `"30/m"`, `"500/h"`: at most N requests per second, minute or hour, N > 0.
pub(crate) fn parse_rate_limit(text: &str) -> Result<RateLimit, String> {
    let fix = "write it like \"100/s\", \"30/m\" or \"500/h\" (requests per second, minute or \
               hour)";
    let Some((count, unit)) = text.trim().split_once('/') else {
        return Err(format!("rate_limit {text:?} has no `/`; {fix}"));
    };
    let per = match unit.trim() {
        "s" => Duration::from_secs(1),
        "m" => Duration::from_secs(60),
        "h" => Duration::from_secs(3600),
        other => {
            return Err(format!(
                "rate_limit {text:?}: unknown unit {other:?}; {fix}"
            ));
        }
    };
    let count: u32 = count
        .trim()
        .parse()
        .map_err(|_| format!("rate_limit {text:?}: {count:?} is not a whole number; {fix}"))?;
    if count == 0 {
        return Err(format!(
            "rate_limit {text:?} would refuse every request; remove it for no limit, or {fix}"
        ));
    }
    Ok(RateLimit { count, per })
}

/// The problem with a `listen` address, if any: `HOST:PORT`, `[IPv6]:PORT` or `:PORT` (every
/// IPv4 interface), as `--listen` takes it. Host names are resolved when the server starts.
pub(crate) fn check_listen(addr: &str) -> Result<(), String> {
    let fix = "write it as HOST:PORT, [IPv6]:PORT or :PORT, e.g. listen = \"127.0.0.1:8080\"";
    if addr.parse::<std::net::SocketAddr>().is_ok() {
        return Ok(());
    }
    let Some((host, port)) = addr.rsplit_once(':') else {
        return Err(format!("listen address {addr:?} has no port; {fix}"));
    };
    if port.parse::<u16>().is_err() {
        return Err(format!(
            "listen address {addr:?}: {port:?} is not a port (0-65535); {fix}"
        ));
    }
    let host_ok = host.is_empty()
        || host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.'));
    if !host_ok {
        return Err(format!(
            "listen address {addr:?}: {host:?} is not a host; {fix}"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests;
