//! The `slack` preset: `X-Slack-Signature: v0=<hex>`, HMAC-SHA256 of `"v0:<ts>:<body>"` with
//! the signing secret, `X-Slack-Request-Timestamp` within 300 s. Slack sends no delivery id:
//! the signed content's digest keeps a replay within those 300 s from running twice, and
//! `Idempotency-Key`, where a sender adds one, is a delivery id besides (not signed, so never
//! instead of the digest).

use chrono::{DateTime, Utc};
use http::HeaderMap;

use crate::store::Encoding;

use super::{Reject, SHA256, Verified, idempotency_key, mac, required};

const SIGNATURE: &str = "X-Slack-Signature";
const TIMESTAMP: &str = "X-Slack-Request-Timestamp";

pub(super) fn verify(
    secret: &str,
    headers: &HeaderMap,
    body: &[u8],
    now: DateTime<Utc>,
) -> Result<Verified, Reject> {
    let value = required(headers, SIGNATURE)?;
    let ts = required(headers, TIMESTAMP)?;
    let at = mac::timestamp(TIMESTAMP, ts)?;
    let text = value
        .strip_prefix("v0=")
        .ok_or_else(|| Reject::malformed(SIGNATURE, "it does not start with v0="))?;
    let tag = mac::signature(SIGNATURE, text, SHA256, Encoding::Hex)?;
    if !mac::holds(
        SHA256,
        secret.as_bytes(),
        &[b"v0:", ts.as_bytes(), b":", body],
        &tag,
    ) {
        return Err(Reject::mismatch(SIGNATURE));
    }
    mac::fresh(TIMESTAMP, at, now)?;
    // `Idempotency-Key` is not signed: anyone can change it, so it never stands in for the
    // digest, which keeps an exact replay from running twice.
    Ok(Verified {
        delivery: idempotency_key(headers)?,
        event: None,
        replay: Some(mac::replay_key(&[b"v0:", ts.as_bytes(), b":", body])),
    })
}

pub(super) fn sign(secret: &str, body: &[u8], now: DateTime<Utc>) -> Vec<(String, String)> {
    let ts = now.timestamp().to_string();
    let tag = mac::compute(
        SHA256,
        secret.as_bytes(),
        &[b"v0:", ts.as_bytes(), b":", body],
    );
    vec![
        (TIMESTAMP.to_owned(), ts),
        (SIGNATURE.to_owned(), format!("v0={}", mac::hex(&tag))),
    ]
}
