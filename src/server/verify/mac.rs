//! The primitives every signature preset is built from: HMAC with a constant-time check
//! (`hmac`'s `verify_slice`), strict hex and base64, and the timestamp window.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, Utc};
use hmac::{Hmac, KeyInit, Mac};
use sha1::Sha1;
use sha2::{Sha256, Sha512};

use crate::store::{Encoding, HmacAlgorithm};

use super::Reject;

/// How far a signed timestamp may be from now, either way, in seconds.
pub(super) const TOLERANCE_SECS: i64 = 300;

/// The MAC of the concatenated `parts` under `key`.
pub(super) fn compute(algorithm: HmacAlgorithm, key: &[u8], parts: &[&[u8]]) -> Vec<u8> {
    fn finish<M: Mac + KeyInit>(key: &[u8], parts: &[&[u8]]) -> Vec<u8> {
        keyed::<M>(key, parts).map_or_else(Vec::new, |mac| mac.finalize().into_bytes().to_vec())
    }
    match algorithm {
        HmacAlgorithm::Sha1 => finish::<Hmac<Sha1>>(key, parts),
        HmacAlgorithm::Sha256 => finish::<Hmac<Sha256>>(key, parts),
        HmacAlgorithm::Sha512 => finish::<Hmac<Sha512>>(key, parts),
    }
}

/// Whether `tag` is the MAC of the concatenated `parts`, compared in constant time.
pub(super) fn holds(algorithm: HmacAlgorithm, key: &[u8], parts: &[&[u8]], tag: &[u8]) -> bool {
    fn check<M: Mac + KeyInit>(key: &[u8], parts: &[&[u8]], tag: &[u8]) -> bool {
        keyed::<M>(key, parts).is_some_and(|mac| mac.verify_slice(tag).is_ok())
    }
    match algorithm {
        HmacAlgorithm::Sha1 => check::<Hmac<Sha1>>(key, parts, tag),
        HmacAlgorithm::Sha256 => check::<Hmac<Sha256>>(key, parts, tag),
        HmacAlgorithm::Sha512 => check::<Hmac<Sha512>>(key, parts, tag),
    }
}

/// An HMAC over `parts`. HMAC takes keys of any length (long ones are hashed), so this is
/// never `None`; if it were, a check would fail and a signature would be empty.
fn keyed<M: Mac + KeyInit>(key: &[u8], parts: &[&[u8]]) -> Option<M> {
    let mut mac = <M as KeyInit>::new_from_slice(key).ok()?;
    for part in parts {
        mac.update(part);
    }
    Some(mac)
}

/// The length in bytes of an `algorithm` MAC.
pub(super) fn length(algorithm: HmacAlgorithm) -> usize {
    match algorithm {
        HmacAlgorithm::Sha1 => 20,
        HmacAlgorithm::Sha256 => 32,
        HmacAlgorithm::Sha512 => 64,
    }
}

/// The name of `algorithm` in messages.
pub(super) fn name(algorithm: HmacAlgorithm) -> &'static str {
    match algorithm {
        HmacAlgorithm::Sha1 => "HMAC-SHA1",
        HmacAlgorithm::Sha256 => "HMAC-SHA256",
        HmacAlgorithm::Sha512 => "HMAC-SHA512",
    }
}

/// The replay key of a request whose signed content is `parts`: a digest (not the signature,
/// which the deliveries log redacts), `signed:` and 32 hex digits.
pub(super) fn replay_key(parts: &[&[u8]]) -> String {
    use sha2::Digest as _;
    let mut digest = Sha256::new();
    for part in parts {
        digest.update(part);
    }
    let prefix = crate::server::dedupe::REPLAY_PREFIX;
    format!("{prefix}{}", hex(&digest.finalize()[..16]))
}

/// `bytes` as lower-case hex.
pub(super) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// `text` as hex digits (either case), two a byte, nothing else.
pub(super) fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    let digit = |c: u8| (c as char).to_digit(16);
    text.as_bytes()
        .chunks(2)
        .map(|pair| Some((digit(pair[0])? * 16 + digit(pair[1])?) as u8))
        .collect()
}

/// `text` as standard base64 with padding and no stray bits.
pub(super) fn unbase64(text: &str) -> Option<Vec<u8>> {
    STANDARD.decode(text).ok()
}

/// `bytes` encoded as `encoding`.
pub(super) fn encode(encoding: Encoding, bytes: &[u8]) -> String {
    match encoding {
        Encoding::Hex => hex(bytes),
        Encoding::Base64 => STANDARD.encode(bytes),
    }
}

/// `text` decoded as `encoding`, strictly.
pub(super) fn decode(encoding: Encoding, text: &str) -> Option<Vec<u8>> {
    match encoding {
        Encoding::Hex => unhex(text),
        Encoding::Base64 => unbase64(text),
    }
}

/// A signature written as `encoding` that must be an `algorithm` MAC: decoded, or why not.
pub(super) fn signature(
    header: &str,
    text: &str,
    algorithm: HmacAlgorithm,
    encoding: Encoding,
) -> Result<Vec<u8>, Reject> {
    let what = match encoding {
        Encoding::Hex => "hex",
        Encoding::Base64 => "base64 (standard alphabet, padded)",
    };
    let tag = decode(encoding, text)
        .ok_or_else(|| Reject::malformed(header, format!("the signature is not {what}")))?;
    if tag.len() != length(algorithm) {
        return Err(Reject::malformed(
            header,
            format!(
                "the signature is {} bytes, an {} is {}",
                tag.len(),
                name(algorithm),
                length(algorithm)
            ),
        ));
    }
    Ok(tag)
}

/// A unix timestamp in seconds, as written in `header`: digits only.
pub(super) fn timestamp(header: &str, text: &str) -> Result<i64, Reject> {
    if text.is_empty() || text.len() > 18 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Reject::malformed(
            header,
            "the timestamp is not unix seconds",
        ));
    }
    text.parse()
        .map_err(|_| Reject::malformed(header, "the timestamp is not unix seconds"))
}

/// `at` (unix seconds, from `header`) is within `TOLERANCE_SECS` of `now`, either way.
pub(super) fn fresh(header: &str, at: i64, now: DateTime<Utc>) -> Result<(), Reject> {
    let age = now.timestamp() - at;
    if age > TOLERANCE_SECS {
        return Err(Reject::stale(header, age));
    }
    if -age > TOLERANCE_SECS {
        return Err(Reject::ahead(header, -age));
    }
    Ok(())
}
