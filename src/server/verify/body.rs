//! Presets that sign the raw body alone, with no timestamp: `github` (`X-Hub-Signature-256:
//! sha256=<hex>`), `shopify` (`X-Shopify-Hmac-Sha256: <base64>`) and `hmac` (a header, hash,
//! encoding and prefix the user names).

use http::HeaderMap;

use crate::store::{Encoding, HmacAlgorithm};

use super::{Reject, SHA256, Verified, id, idempotency_key, mac, required};

const GITHUB_SIGNATURE: &str = "X-Hub-Signature-256";
const GITHUB_DELIVERY: &str = "X-GitHub-Delivery";
pub(super) const GITHUB_EVENT: &str = "X-GitHub-Event";
const SHOPIFY_SIGNATURE: &str = "X-Shopify-Hmac-Sha256";
const SHOPIFY_DELIVERY: &str = "X-Shopify-Webhook-Id";
pub(super) const SHOPIFY_TOPIC: &str = "X-Shopify-Topic";

/// Where and how a body signature is written.
pub(super) struct Scheme<'a> {
    pub(super) header: &'a str,
    pub(super) algorithm: HmacAlgorithm,
    pub(super) encoding: Encoding,
    pub(super) prefix: &'a str,
}

const GITHUB: Scheme<'static> = Scheme {
    header: GITHUB_SIGNATURE,
    algorithm: SHA256,
    encoding: Encoding::Hex,
    prefix: "sha256=",
};

const SHOPIFY: Scheme<'static> = Scheme {
    header: SHOPIFY_SIGNATURE,
    algorithm: SHA256,
    encoding: Encoding::Base64,
    prefix: "",
};

pub(super) fn github(secret: &str, headers: &HeaderMap, body: &[u8]) -> Result<Verified, Reject> {
    check(&GITHUB, secret, headers, body)?;
    Ok(Verified {
        delivery: id(headers, GITHUB_DELIVERY)?,
        event: id(headers, GITHUB_EVENT)?,
        replay: None,
    })
}

pub(super) fn shopify(secret: &str, headers: &HeaderMap, body: &[u8]) -> Result<Verified, Reject> {
    check(&SHOPIFY, secret, headers, body)?;
    Ok(Verified {
        delivery: id(headers, SHOPIFY_DELIVERY)?,
        event: id(headers, SHOPIFY_TOPIC)?,
        replay: None,
    })
}

pub(super) fn custom(
    scheme: &Scheme<'_>,
    secret: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Verified, Reject> {
    check(scheme, secret, headers, body)?;
    Ok(Verified {
        delivery: idempotency_key(headers)?,
        event: None,
        replay: None,
    })
}

fn check(
    scheme: &Scheme<'_>,
    secret: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<(), Reject> {
    let value = required(headers, scheme.header)?;
    let text = value.strip_prefix(scheme.prefix).ok_or_else(|| {
        Reject::malformed(
            scheme.header,
            format!("it does not start with {}", scheme.prefix),
        )
    })?;
    let tag = mac::signature(scheme.header, text, scheme.algorithm, scheme.encoding)?;
    if mac::holds(scheme.algorithm, secret.as_bytes(), &[body], &tag) {
        Ok(())
    } else {
        Err(Reject::mismatch(scheme.header))
    }
}

pub(super) fn sign_github(secret: &str, body: &[u8], id: &str) -> Vec<(String, String)> {
    vec![
        sign_custom(&GITHUB, secret, body),
        (GITHUB_DELIVERY.to_owned(), id.to_owned()),
    ]
}

pub(super) fn sign_shopify(secret: &str, body: &[u8], id: &str) -> Vec<(String, String)> {
    vec![
        sign_custom(&SHOPIFY, secret, body),
        (SHOPIFY_DELIVERY.to_owned(), id.to_owned()),
    ]
}

pub(super) fn sign_custom(scheme: &Scheme<'_>, secret: &str, body: &[u8]) -> (String, String) {
    let tag = mac::compute(scheme.algorithm, secret.as_bytes(), &[body]);
    let value = format!("{}{}", scheme.prefix, mac::encode(scheme.encoding, &tag));
    (scheme.header.to_owned(), value)
}
