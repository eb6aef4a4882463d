//! The `standard` preset (Standard Webhooks, <https://www.standardwebhooks.com>): `webhook-id`,
//! `webhook-timestamp` (within 300 s) and `webhook-signature: v1,<base64> [v1,<base64> ...]`,
//! HMAC-SHA256 of `"<id>.<timestamp>.<body>"` keyed with the base64-decoded part of a
//! `whsec_` secret. Other versions (`v1a`, ed25519) are ignored. The delivery id is
//! `webhook-id`.

use chrono::{DateTime, Utc};
use http::HeaderMap;

use crate::store::Encoding;

use super::{Reject, SHA256, Verified, bounded, mac, required};

const ID: &str = "webhook-id";
const TIMESTAMP: &str = "webhook-timestamp";
const SIGNATURE: &str = "webhook-signature";

/// The HMAC key of a `whsec_` secret, or why it is not one (never quoting it): the same
/// rule as a notification's key.
pub(super) fn key(secret: &str) -> Result<Vec<u8>, String> {
    use crate::execute::notify::{HOW, whsec_key};
    whsec_key(secret, "the secret", HOW)
}

pub(super) fn verify(
    secret: &str,
    headers: &HeaderMap,
    body: &[u8],
    now: DateTime<Utc>,
) -> Result<Verified, Reject> {
    let key = key(secret).map_err(Reject::secret)?;
    let id = required(headers, ID)?;
    if id.is_empty() {
        return Err(Reject::malformed(ID, "it is empty"));
    }
    let id = bounded(ID, id)?;
    let ts = required(headers, TIMESTAMP)?;
    let at = mac::timestamp(TIMESTAMP, ts)?;
    let tags = signatures(required(headers, SIGNATURE)?)?;
    let signed: [&[u8]; 5] = [id.as_bytes(), b".", ts.as_bytes(), b".", body];
    if !tags
        .iter()
        .any(|tag| mac::holds(SHA256, &key, &signed, tag))
    {
        return Err(Reject::mismatch(SIGNATURE));
    }
    mac::fresh(TIMESTAMP, at, now)?;
    Ok(Verified {
        delivery: Some(id),
        event: None,
        replay: None,
    })
}

/// The decoded `v1` signatures of the space-separated list; malformed entries are passed
/// over if another one can be read.
fn signatures(value: &str) -> Result<Vec<Vec<u8>>, Reject> {
    let mut tags = Vec::new();
    let mut unreadable = None;
    for entry in value.split(' ').filter(|entry| !entry.is_empty()) {
        let Some((version, text)) = entry.split_once(',') else {
            unreadable.get_or_insert(Reject::malformed(SIGNATURE, "an entry is not v1,<base64>"));
            continue;
        };
        if version != "v1" {
            continue;
        }
        match mac::signature(SIGNATURE, text, SHA256, Encoding::Base64) {
            Ok(tag) => tags.push(tag),
            Err(reject) => {
                unreadable.get_or_insert(reject);
            }
        }
    }
    if tags.is_empty() {
        return Err(unreadable.unwrap_or_else(|| Reject::malformed(SIGNATURE, "no v1 signature")));
    }
    Ok(tags)
}

pub(super) fn sign(
    secret: &str,
    body: &[u8],
    now: DateTime<Utc>,
    id: &str,
) -> Result<Vec<(String, String)>, String> {
    let key = key(secret)?;
    let ts = now.timestamp().to_string();
    let tag = mac::compute(
        SHA256,
        &key,
        &[id.as_bytes(), b".", ts.as_bytes(), b".", body],
    );
    let signature = format!("v1,{}", mac::encode(Encoding::Base64, &tag));
    Ok(vec![
        (ID.to_owned(), id.to_owned()),
        (TIMESTAMP.to_owned(), ts),
        (SIGNATURE.to_owned(), signature),
    ])
}
