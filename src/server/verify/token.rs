//! Presets that carry the secret itself: `gitlab` (`X-Gitlab-Token`) and `token`
//! (`Authorization: Bearer <secret>`, or a header the user names). Compared in constant time
//! by checking the HMAC of what was sent against the HMAC of the secret, so neither the
//! content nor the length of the secret shows in the time taken.

use http::HeaderMap;

use super::{HOW, Reject, SHA256, Verified, id, idempotency_key, mac, required};

const GITLAB_TOKEN: &str = "X-Gitlab-Token";
const GITLAB_DELIVERY: &str = "X-Gitlab-Event-UUID";
pub(super) const GITLAB_EVENT: &str = "X-Gitlab-Event";
const AUTHORIZATION: &str = "Authorization";

/// The key both sides are HMAC-ed with: any fixed key does; the secret is the message.
const COMPARISON_KEY: &[u8] = b"jobtab: compare a token in constant time";

pub(super) fn gitlab(secret: &str, headers: &HeaderMap) -> Result<Verified, Reject> {
    same(GITLAB_TOKEN, required(headers, GITLAB_TOKEN)?, secret)?;
    Ok(Verified {
        delivery: id(headers, GITLAB_DELIVERY)?,
        event: id(headers, GITLAB_EVENT)?,
        replay: None,
    })
}

pub(super) fn token(
    named: Option<&str>,
    secret: &str,
    headers: &HeaderMap,
) -> Result<Verified, Reject> {
    match named {
        Some(header) => same(header, required(headers, header)?, secret)?,
        None => {
            let value = required(headers, AUTHORIZATION)?;
            let token = value
                .split_once(' ')
                .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
                .map(|(_, token)| token.trim_start_matches(' '))
                .ok_or_else(|| Reject::malformed(AUTHORIZATION, "expected Bearer <token>"))?;
            same(AUTHORIZATION, token, secret)?;
        }
    }
    Ok(Verified {
        delivery: idempotency_key(headers)?,
        event: None,
        replay: None,
    })
}

fn same(header: &str, sent: &str, secret: &str) -> Result<(), Reject> {
    let expected = mac::compute(SHA256, COMPARISON_KEY, &[secret.as_bytes()]);
    if mac::holds(SHA256, COMPARISON_KEY, &[sent.as_bytes()], &expected) {
        Ok(())
    } else {
        Err(Reject::mismatch(header))
    }
}

/// A token is sent as a header value: visible ASCII only.
pub(super) fn check(secret: &str) -> Result<(), String> {
    if secret.bytes().all(|b| b.is_ascii_graphic() || b == b' ') {
        Ok(())
    } else {
        Err(format!(
            "the secret is sent as a header value, so it must be printable ASCII (it holds \
             control characters or non-ASCII letters); {HOW}"
        ))
    }
}

pub(super) fn sign_gitlab(secret: &str, id: &str) -> Vec<(String, String)> {
    vec![
        (GITLAB_TOKEN.to_owned(), secret.to_owned()),
        (GITLAB_DELIVERY.to_owned(), id.to_owned()),
    ]
}

pub(super) fn sign_token(named: Option<&str>, secret: &str) -> (String, String) {
    match named {
        Some(header) => (header.to_owned(), secret.to_owned()),
        None => (AUTHORIZATION.to_owned(), format!("Bearer {secret}")),
    }
}
