//! How a webhook request proves where it comes from: the `verify` presets of PRODUCT.md
//! section 9, as pure functions of the headers, the raw body, the expanded secret and the
//! time. `verify` checks a request (constant-time comparisons only), `sign` makes the headers a
//! sender adds (for `hook send` and tests), `check_secret` refuses unusable secrets when the
//! server starts. No message here ever holds a secret.

mod body;
mod mac;
mod slack;
mod standard;
mod stripe;
#[cfg(test)]
mod tests;
mod token;

use std::fmt;

use chrono::{DateTime, Utc};
use http::HeaderMap;

use crate::store::{HmacAlgorithm, Verify};

/// What a verified request says about itself.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Verified {
    /// The sender's delivery id (the same on every redelivery), where the preset has one.
    pub(crate) delivery: Option<String>,
    /// The sender's event name (`push`, `invoice.paid`), where the preset has one.
    pub(crate) event: Option<String>,
    /// For a preset whose signature covers a timestamp but no delivery id (`slack`, whose
    /// `Idempotency-Key` is not signed, and `stripe` without an event `id`): a digest of the
    /// signed content, so that the same request sent again within the timestamp's 300 s runs
    /// nothing. Kept besides `delivery`, never replaced by it. `None` where the signature
    /// covers the delivery id, or no timestamp.
    pub(crate) replay: Option<String>,
}

/// Why a request was refused: for the log only, never for the answer (every refusal is
/// answered with the same 401).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Reject {
    why: Why,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Why {
    Missing(String),
    Repeated(String),
    NotText(String),
    Malformed(String, String),
    Mismatch(String),
    Stale(String, i64),
    Ahead(String, i64),
    /// The hook's own secret cannot verify anything (`check_secret` refuses it at start).
    Secret(String),
}

impl Reject {
    fn missing(header: &str) -> Self {
        Self {
            why: Why::Missing(header.to_owned()),
        }
    }
    fn malformed(header: &str, detail: impl Into<String>) -> Self {
        Self {
            why: Why::Malformed(header.to_owned(), detail.into()),
        }
    }
    fn mismatch(header: &str) -> Self {
        Self {
            why: Why::Mismatch(header.to_owned()),
        }
    }
    fn stale(header: &str, secs: i64) -> Self {
        Self {
            why: Why::Stale(header.to_owned(), secs),
        }
    }
    fn ahead(header: &str, secs: i64) -> Self {
        Self {
            why: Why::Ahead(header.to_owned(), secs),
        }
    }
    fn secret(problem: String) -> Self {
        Self {
            why: Why::Secret(problem),
        }
    }
}

impl fmt::Display for Reject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let window = mac::TOLERANCE_SECS;
        match &self.why {
            Why::Missing(header) => write!(f, "no {header} header"),
            Why::Repeated(header) => write!(f, "{header} sent more than once"),
            Why::NotText(header) => write!(f, "{header} holds bytes that are not visible ASCII"),
            Why::Malformed(header, detail) => write!(f, "{header} is malformed: {detail}"),
            Why::Mismatch(header) => write!(
                f,
                "{header} does not match (another secret, or the request changed on the way)"
            ),
            Why::Stale(header, secs) => write!(
                f,
                "{header} is {secs} s old, more than the {window} s allowed (a replay, or a \
                 clock that is off)"
            ),
            Why::Ahead(header, secs) => write!(
                f,
                "{header} is {secs} s in the future, more than the {window} s allowed (a clock \
                 that is off)"
            ),
            Why::Secret(problem) => write!(f, "the hook's secret cannot be used: {problem}"),
        }
    }
}

/// Checks a request against `how` with the expanded `secret` at `now`.
pub(crate) fn verify(
    how: &Verify,
    secret: &str,
    headers: &HeaderMap,
    body: &[u8],
    now: DateTime<Utc>,
) -> Result<Verified, Reject> {
    match how {
        Verify::Github => body::github(secret, headers, body),
        Verify::Gitlab => token::gitlab(secret, headers),
        Verify::Stripe => stripe::verify(secret, headers, body, now),
        Verify::Standard => standard::verify(secret, headers, body, now),
        Verify::Slack => slack::verify(secret, headers, body, now),
        Verify::Shopify => body::shopify(secret, headers, body),
        Verify::Hmac {
            header,
            algorithm,
            encoding,
            prefix,
        } => {
            let scheme = body::Scheme {
                header,
                algorithm: *algorithm,
                encoding: *encoding,
                prefix,
            };
            body::custom(&scheme, secret, headers, body)
        }
        Verify::Token { header } => token::token(header.as_deref(), secret, headers),
        Verify::None => Ok(Verified {
            delivery: idempotency_key(headers)?,
            event: None,
            replay: None,
        }),
    }
}

/// The headers a sender adds to `body` to pass `verify` with `how`: signed at `now`, with
/// `id` as the delivery id where the preset carries one in a header (`Idempotency-Key` for
/// `slack`, `hmac`, `token` and `none`; Stripe's is the body's `id`).
pub(crate) fn sign(
    how: &Verify,
    secret: &str,
    body: &[u8],
    now: DateTime<Utc>,
    id: &str,
) -> Result<Vec<(String, String)>, String> {
    check_secret(how, secret)?;
    let idempotency = || (IDEMPOTENCY_KEY.to_owned(), id.to_owned());
    Ok(match how {
        Verify::Github => body::sign_github(secret, body, id),
        Verify::Gitlab => token::sign_gitlab(secret, id),
        Verify::Stripe => vec![stripe::sign(secret, body, now)],
        Verify::Standard => standard::sign(secret, body, now, id)?,
        Verify::Slack => {
            let mut headers = slack::sign(secret, body, now);
            headers.push(idempotency());
            headers
        }
        Verify::Shopify => body::sign_shopify(secret, body, id),
        Verify::Hmac {
            header,
            algorithm,
            encoding,
            prefix,
        } => {
            let scheme = body::Scheme {
                header,
                algorithm: *algorithm,
                encoding: *encoding,
                prefix,
            };
            vec![body::sign_custom(&scheme, secret, body), idempotency()]
        }
        Verify::Token { header } => {
            vec![token::sign_token(header.as_deref(), secret), idempotency()]
        }
        Verify::None => vec![idempotency()],
    })
}

/// The header that names the event for `how`, where the sender sends one.
pub(crate) fn event_header(how: &Verify) -> Option<&'static str> {
    match how {
        Verify::Github => Some(body::GITHUB_EVENT),
        Verify::Gitlab => Some(token::GITLAB_EVENT),
        Verify::Shopify => Some(body::SHOPIFY_TOPIC),
        _ => None,
    }
}

/// Whether the expanded `secret` can verify anything with `how`; the message says how to make
/// a good one and never quotes it.
pub(crate) fn check_secret(how: &Verify, secret: &str) -> Result<(), String> {
    if *how == Verify::None {
        return Ok(());
    }
    if secret.is_empty() {
        return Err(format!(
            "the secret is empty (its variable is set to nothing); {HOW}"
        ));
    }
    if secret.trim() != secret {
        return Err(
            "the secret starts or ends with spaces or a line break (as one saved in a file with \
             a trailing newline does); remove them"
                .to_owned(),
        );
    }
    match how {
        Verify::Standard => standard::key(secret).map(drop),
        Verify::Gitlab | Verify::Token { .. } => token::check(secret),
        _ => Ok(()),
    }
}

/// How to make a secret, for messages.
const HOW: &str = "set it to a long random value, e.g. the output of `openssl rand -hex 32`";

/// The delivery id of presets whose sender has none of its own.
const IDEMPOTENCY_KEY: &str = "Idempotency-Key";

/// The longest delivery id or event name accepted, in bytes.
const MAX_ID: usize = 256;

/// The one value of `name`, as text; `None` when absent.
fn header<'a>(headers: &'a HeaderMap, name: &str) -> Result<Option<&'a str>, Reject> {
    let mut values = headers.get_all(name).iter();
    let Some(value) = values.next() else {
        return Ok(None);
    };
    if values.next().is_some() {
        return Err(Reject {
            why: Why::Repeated(name.to_owned()),
        });
    }
    value.to_str().map(Some).map_err(|_| Reject {
        why: Why::NotText(name.to_owned()),
    })
}

/// The one value of `name`, as text, which must be there.
fn required<'a>(headers: &'a HeaderMap, name: &str) -> Result<&'a str, Reject> {
    header(headers, name)?.ok_or_else(|| Reject::missing(name))
}

/// An id or name from header `name`, if sent (empty counts as not sent).
fn id(headers: &HeaderMap, name: &str) -> Result<Option<String>, Reject> {
    match header(headers, name)? {
        None | Some("") => Ok(None),
        Some(value) => bounded(name, value).map(Some),
    }
}

/// `value` (from `place`) if it is not too long to keep.
fn bounded(place: &str, value: &str) -> Result<String, Reject> {
    if value.len() > MAX_ID {
        return Err(Reject::malformed(
            place,
            format!("{} bytes long, more than the {MAX_ID} kept", value.len()),
        ));
    }
    Ok(value.to_owned())
}

/// `Idempotency-Key`, the delivery id of presets without their own.
fn idempotency_key(headers: &HeaderMap) -> Result<Option<String>, Reject> {
    id(headers, IDEMPOTENCY_KEY)
}

/// HMAC-SHA256, the algorithm of every named preset.
const SHA256: HmacAlgorithm = HmacAlgorithm::Sha256;
