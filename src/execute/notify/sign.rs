//! Signing notifications: Standard Webhooks (<https://www.standardwebhooks.com>, the default)
//! and jobtab's own `Jobtab-Signature` (PRODUCT.md sections 5 and 11).
//!
//! Standard Webhooks: `webhook-id` (the run id, the same on every attempt), `webhook-timestamp`
//! (unix seconds of this attempt) and `webhook-signature: v1,<base64 HMAC-SHA256 of
//! "<id>.<timestamp>.<body>">`, keyed with the base64-decoded part of a `whsec_` secret.
//! Keys are decoded strictly (standard alphabet, padding, no stray bits) and must hold at
//! least 16 bytes (the specification's minimum is 24; 16 is what the weakest generators give).
//! No message here ever holds a secret.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, KeyInit as _, Mac as _};
use sha2::Sha256;

/// The shortest key accepted, in bytes.
pub(crate) const MIN_KEY_BYTES: usize = 16;
/// The prefix of a Standard Webhooks secret.
const PREFIX: &str = "whsec_";
/// How to make a key, for messages.
pub(crate) const HOW: &str = "make one with `echo \"whsec_$(openssl rand -base64 32)\"`";

/// The HMAC key of a notify's `whsec_` secret, or why it is not one (never quoting it).
pub(crate) fn decode_key(secret: &str) -> Result<Vec<u8>, String> {
    let fix = format!(
        "{HOW}, or set signature = \"jobtab\" in the job's notify to keep the \
         Jobtab-Signature header with any secret"
    );
    whsec_key(secret, "the notify secret", &fix)
}

/// The HMAC key of a Standard Webhooks secret (`whsec_` and strict base64 of at least
/// `MIN_KEY_BYTES`), or why it is not one, naming it `whose` and ending with `fix`; never
/// quoting it. Notifications sign with it, and webhooks with `verify = "standard"` check it.
pub(crate) fn whsec_key(secret: &str, whose: &str, fix: &str) -> Result<Vec<u8>, String> {
    // A key read from a file (`$(cat key)` aside) or a Kubernetes Secret made with
    // `--from-file` often ends with a line break: say so rather than "not base64".
    if secret.trim() != secret {
        return Err(format!(
            "{whose} starts or ends with a line break or spaces (as a key saved in a file with \
             a trailing newline does); remove them from the secret; {fix}"
        ));
    }
    let Some(encoded) = secret.strip_prefix(PREFIX) else {
        return Err(format!(
            "{whose} is not a Standard Webhooks key (whsec_ followed by base64); {fix}"
        ));
    };
    let key = STANDARD.decode(encoded).map_err(|_| {
        format!("{whose}'s text after whsec_ is not valid base64 (with padding); {fix}")
    })?;
    if key.len() < MIN_KEY_BYTES {
        return Err(format!(
            "{whose}'s key is {} bytes, fewer than the {MIN_KEY_BYTES} required; {fix}",
            key.len()
        ));
    }
    Ok(key)
}

/// `v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">`.
pub(crate) fn standard(key: &[u8], id: &str, timestamp: i64, body: &str) -> String {
    let digest = hmac(
        key,
        &[
            id.as_bytes(),
            b".",
            timestamp.to_string().as_bytes(),
            b".",
            body.as_bytes(),
        ],
    );
    format!("v1,{}", STANDARD.encode(digest))
}

/// `t=<t>,v1=<hex HMAC-SHA256 of "<t>.<body>">`.
pub(crate) fn jobtab(secret: &[u8], t: i64, body: &str) -> String {
    let digest = hmac(secret, &[t.to_string().as_bytes(), b".", body.as_bytes()]);
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("t={t},v1={hex}")
}

fn hmac(key: &[u8], parts: &[&[u8]]) -> Vec<u8> {
    // HMAC accepts keys of any length, so this cannot fail; an empty MAC would only make the
    // receiver reject the call.
    match Hmac::<Sha256>::new_from_slice(key) {
        Ok(mut mac) => {
            for part in parts {
                mac.update(part);
            }
            mac.finalize().into_bytes().to_vec()
        }
        Err(_) => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_the_specification_test_vector() {
        // From the Standard Webhooks specification and its reference libraries.
        let key = decode_key("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        let signature = standard(
            &key,
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1_614_265_330,
            r#"{"test": 2432232314}"#,
        );
        assert_eq!(signature, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }

    #[test]
    fn verifies_with_the_standardwebhooks_crate_and_not_after_a_change() {
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        let key = decode_key(secret).unwrap();
        let id = "0190e6a4-1b2c-8d3e-9f40-123456789abc";
        let now = chrono::Utc::now().timestamp();
        let body = r#"{"job":"backup","status":"failed"}"#;
        let signature = standard(&key, id, now, body);
        let verifier = standardwebhooks::Webhook::new(secret).unwrap();
        let mut headers = ureq::http::HeaderMap::new();
        headers.insert("webhook-id", id.parse().unwrap());
        headers.insert("webhook-timestamp", now.to_string().parse().unwrap());
        headers.insert("webhook-signature", signature.parse().unwrap());
        verifier.verify(body.as_bytes(), &headers).unwrap();
        let changed = body.replace("failed", "failee");
        assert!(verifier.verify(changed.as_bytes(), &headers).is_err());
    }

    #[test]
    fn short_and_malformed_keys_are_refused_with_the_fix() {
        // 15 bytes.
        let short = format!("whsec_{}", STANDARD.encode([7u8; 15]));
        let err = decode_key(&short).unwrap_err();
        assert!(err.contains("15 bytes, fewer than the 16"), "{err}");
        assert!(err.contains("openssl rand -base64 32"), "{err}");
        assert!(!err.contains(&short[6..]), "{err}");
        assert_eq!(
            decode_key(&format!("whsec_{}", STANDARD.encode([7u8; 16])))
                .unwrap()
                .len(),
            16
        );
        for bad in [
            "sekrit",
            "whsec_not base64!",
            // Missing padding; stray bits in the last character (a valid key is "...Bw==").
            "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSwAA",
            "whsec_BwcHBwcHBwcHBwcHBwcHBx==",
        ] {
            let err = decode_key(bad).unwrap_err();
            assert!(err.contains("signature = \"jobtab\""), "{bad}: {err}");
            assert!(!err.contains(bad.trim_start_matches("whsec_")), "{err}");
        }
    }

    #[test]
    fn a_key_with_a_trailing_line_break_is_refused_saying_so() {
        for bad in [
            "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\n",
            "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\r\n",
            " whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        ] {
            let err = decode_key(bad).unwrap_err();
            assert!(err.contains("line break or spaces"), "{bad:?}: {err}");
            assert!(err.contains("signature = \"jobtab\""), "{err}");
            assert!(!err.contains("MfKQ9r8G"), "{err}");
        }
    }

    #[test]
    fn jobtab_signature_matches_a_known_vector() {
        // echo -n '1700000000.{"a":1}' | openssl dgst -sha256 -hmac key
        let sig = jobtab(b"key", 1_700_000_000, "{\"a\":1}");
        assert_eq!(
            sig,
            "t=1700000000,v1=a438e398bfafc57e4396bb7fc2304422f0f768e965d073ca313cb52e22e6ad03"
        );
    }
}
