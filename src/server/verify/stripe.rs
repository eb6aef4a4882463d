//! The `stripe` preset: `Stripe-Signature: t=<unix>,v1=<hex>[,v1=<hex>...]`, HMAC-SHA256 of
//! `"<t>.<body>"` with the endpoint secret as written (`whsec_...` included), `t` within 300 s.
//! Other schemes (`v0`, test mode's fake one) are ignored, as Stripe says to. The delivery id
//! is the event's `id` in the body and the event its `type`; a body without an `id` is kept
//! from running twice within the 300 s by the signed content's digest.

use chrono::{DateTime, Utc};
use http::HeaderMap;

use crate::store::Encoding;

use super::{Reject, SHA256, Verified, bounded, mac, required};

const HEADER: &str = "Stripe-Signature";

pub(super) fn verify(
    secret: &str,
    headers: &HeaderMap,
    body: &[u8],
    now: DateTime<Utc>,
) -> Result<Verified, Reject> {
    let (t, signatures) = parse(required(headers, HEADER)?)?;
    let at = mac::timestamp(HEADER, t)?;
    let mut tags = Vec::new();
    let mut unreadable = None;
    for text in signatures {
        match mac::signature(HEADER, text, SHA256, Encoding::Hex) {
            Ok(tag) => tags.push(tag),
            Err(reject) => {
                unreadable.get_or_insert(reject);
            }
        }
    }
    if let Some(reject) = unreadable.filter(|_| tags.is_empty()) {
        return Err(reject);
    }
    let signed: [&[u8]; 3] = [t.as_bytes(), b".", body];
    if !tags
        .iter()
        .any(|tag| mac::holds(SHA256, secret.as_bytes(), &signed, tag))
    {
        return Err(Reject::mismatch(HEADER));
    }
    mac::fresh(HEADER, at, now)?;
    let event: Option<serde_json::Value> = serde_json::from_slice(body).ok();
    let field = |name: &str| -> Result<Option<String>, Reject> {
        match event.as_ref().and_then(|event| event.get(name)?.as_str()) {
            Some(value) => bounded(&format!("the body's {name}"), value).map(Some),
            None => Ok(None),
        }
    };
    let delivery = field("id")?;
    let replay = delivery.is_none().then(|| mac::replay_key(&signed));
    Ok(Verified {
        delivery,
        event: field("type")?,
        replay,
    })
}

/// The timestamp and the `v1` signatures of the header.
fn parse(value: &str) -> Result<(&str, Vec<&str>), Reject> {
    let mut t = None;
    let mut signatures = Vec::new();
    for item in value.split(',') {
        let (key, text) = item
            .split_once('=')
            .ok_or_else(|| Reject::malformed(HEADER, "an element is not key=value"))?;
        match key {
            "t" if t.is_some() => return Err(Reject::malformed(HEADER, "two t= timestamps")),
            "t" => t = Some(text),
            "v1" => signatures.push(text),
            _ => {}
        }
    }
    let t = t.ok_or_else(|| Reject::malformed(HEADER, "no t= timestamp"))?;
    if signatures.is_empty() {
        return Err(Reject::malformed(HEADER, "no v1= signature"));
    }
    Ok((t, signatures))
}

pub(super) fn sign(secret: &str, body: &[u8], now: DateTime<Utc>) -> (String, String) {
    let t = now.timestamp().to_string();
    let tag = mac::compute(SHA256, secret.as_bytes(), &[t.as_bytes(), b".", body]);
    (HEADER.to_owned(), format!("t={t},v1={}", mac::hex(&tag)))
}
