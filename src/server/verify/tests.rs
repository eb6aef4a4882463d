//! The presets against their senders' published examples and code that is not ours, a test
//! per reason to refuse, and `sign` against `verify` for every preset.

use chrono::{DateTime, TimeZone as _, Utc};
use http::{HeaderMap, HeaderName, HeaderValue};
use proptest::prelude::*;

use super::*;
use crate::store::Encoding;

fn at(unix: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(unix, 0).unwrap()
}

fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
    let mut map = HeaderMap::new();
    for (name, value) in pairs {
        map.append(
            HeaderName::from_bytes(name.as_bytes()).unwrap(),
            HeaderValue::from_str(value).unwrap(),
        );
    }
    map
}

fn signed(pairs: Vec<(String, String)>) -> HeaderMap {
    let borrowed: Vec<(&str, &str)> = pairs
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    headers(&borrowed)
}

fn hmac_preset(algorithm: HmacAlgorithm, encoding: Encoding, prefix: &str) -> Verify {
    Verify::Hmac {
        header: "X-Signature".to_owned(),
        algorithm,
        encoding,
        prefix: prefix.to_owned(),
    }
}

/// Every preset, with the secret it is used with here, and the `hmac` preset in each form.
fn presets() -> Vec<(Verify, &'static str)> {
    let mut all = vec![
        (Verify::Github, "It's a Secret to Everybody"),
        (Verify::Gitlab, "gitlab-token-1234"),
        (Verify::Stripe, "whsec_test_secret"),
        (Verify::Standard, "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"),
        (Verify::Slack, "8f742231b10e8888abcd99yyyzzz85a5"),
        (Verify::Shopify, "hush"),
        (Verify::Token { header: None }, "bearer-token-1234"),
        (
            Verify::Token {
                header: Some("X-Hook-Token".to_owned()),
            },
            "named-token-1234",
        ),
        (Verify::None, ""),
    ];
    for algorithm in [
        HmacAlgorithm::Sha1,
        HmacAlgorithm::Sha256,
        HmacAlgorithm::Sha512,
    ] {
        for encoding in [Encoding::Hex, Encoding::Base64] {
            for prefix in ["", "sha=", "v1 "] {
                all.push((hmac_preset(algorithm, encoding, prefix), "hush"));
            }
        }
    }
    all
}

/// The reason of a refusal, by kind.
fn why(result: Result<Verified, Reject>) -> Why {
    result.expect_err("should be refused").why
}

// --- Accepted: examples signed by the senders' documentation or by code that is not ours ---

#[test]
fn github_accepts_its_documented_example() {
    let sig = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";
    let request = headers(&[
        ("X-Hub-Signature-256", sig),
        ("X-GitHub-Delivery", "72d3162e-cc78-11e3-81ab-4c9367dc0958"),
        ("X-GitHub-Event", "push"),
    ]);
    let verified = verify(
        &Verify::Github,
        "It's a Secret to Everybody",
        &request,
        b"Hello, World!",
        Utc::now(),
    )
    .unwrap();
    assert_eq!(
        verified.delivery.as_deref(),
        Some("72d3162e-cc78-11e3-81ab-4c9367dc0958")
    );
    assert_eq!(verified.event.as_deref(), Some("push"));
    // Hex digits in upper case are the same signature.
    let upper = headers(&[(
        "X-Hub-Signature-256",
        &sig.to_uppercase().replace("SHA256=", "sha256="),
    )]);
    let verified = verify(
        &Verify::Github,
        "It's a Secret to Everybody",
        &upper,
        b"Hello, World!",
        Utc::now(),
    );
    assert_eq!(verified.unwrap(), Verified::default());
}

#[test]
fn standard_accepts_the_specification_vectors() {
    // The Standard Webhooks reference libraries' vectors (secret, id, timestamp, body, signature).
    let vectors = [
        (
            "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1_614_265_330,
            r#"{"test": 2432232314}"#,
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
        ),
        (
            "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD",
            "msg_27UH4WbU6Z5A5EzD8u03UvzRbpk",
            1_649_367_553,
            r#"{"email":"test@example.com","username":"test_user"}"#,
            "v1,tZ1I4/hDygAJgO5TYxiSd6Sd0kDW6hPenDe+bTa3Kkw=",
        ),
    ];
    for (secret, id, ts, body, signature) in vectors {
        let ts_text = ts.to_string();
        let request = headers(&[
            ("webhook-id", id),
            ("webhook-timestamp", &ts_text),
            ("webhook-signature", signature),
        ]);
        let verified =
            verify(&Verify::Standard, secret, &request, body.as_bytes(), at(ts)).unwrap();
        assert_eq!(verified.delivery.as_deref(), Some(id));
        // A rotated key's signature first, an ed25519 one (ignored) beside it.
        let several = format!("v1,{} v1a,AAAA {signature}", "A".repeat(43) + "=");
        let request = headers(&[
            ("webhook-id", id),
            ("webhook-timestamp", &ts_text),
            ("webhook-signature", &several),
        ]);
        verify(&Verify::Standard, secret, &request, body.as_bytes(), at(ts)).unwrap();
    }
}

#[test]
fn standard_accepts_what_the_standardwebhooks_crate_signs_and_it_accepts_ours() {
    let secret = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";
    let theirs = standardwebhooks::Webhook::new(secret).unwrap();
    let now = Utc::now();
    let body = br#"{"type":"build.finished","data":{"ok":true}}"#;
    let id = "msg_2b6a1d8f";
    let signature = theirs.sign(id, now.timestamp(), body).unwrap();
    let ts = now.timestamp().to_string();
    let request = headers(&[
        ("webhook-id", id),
        ("webhook-timestamp", &ts),
        ("webhook-signature", &signature),
    ]);
    let verified = verify(&Verify::Standard, secret, &request, body, now).unwrap();
    assert_eq!(verified.delivery.as_deref(), Some(id));
    // The other way round: what `sign` makes, the crate accepts (and refuses for another body).
    let ours = signed(sign(&Verify::Standard, secret, body, now, id).unwrap());
    theirs.verify(body, &ours).unwrap();
    assert!(theirs.verify(b"{}", &ours).is_err());
}

#[test]
fn stripe_accepts_a_signature_computed_by_pythons_hmac() {
    // python3: hmac.new(b"whsec_test_secret", b"1700000000." + body, hashlib.sha256).hexdigest()
    // Stripe's documented header shape: t, then v1 (here an old secret's first), then v0.
    let body = br#"{"id":"evt_1NG8Du2eZvKYlo2CUI79vXWy","object":"event","type":"invoice.paid"}"#;
    let value = format!(
        "t=1700000000,v1={},v1=8fcb50c2d45bc391e3252f24411d84654bfdfc8e96eaf71d71534ee00b714f1e,\
         v0=6ffbb59b2300aae63f272406069a9788598b792a944a07aba816edb039989a39",
        "5257a869e7ecebeda32affa62cdca3fa51cad7e77a0e56ff536d0ce8e108d8bd"
    );
    let request = headers(&[("Stripe-Signature", &value)]);
    let verified = verify(
        &Verify::Stripe,
        "whsec_test_secret",
        &request,
        body,
        at(1_700_000_000),
    );
    let verified = verified.unwrap();
    assert_eq!(
        verified.delivery.as_deref(),
        Some("evt_1NG8Du2eZvKYlo2CUI79vXWy")
    );
    assert_eq!(verified.event.as_deref(), Some("invoice.paid"));
}

#[test]
fn slack_accepts_its_documented_example() {
    // api.slack.com, "Verifying requests from Slack", the step-by-step walk-through.
    let body = "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&\
                channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&\
                command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2F\
                commands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&\
                trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
    let request = headers(&[
        ("X-Slack-Request-Timestamp", "1531420618"),
        (
            "X-Slack-Signature",
            "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503",
        ),
    ]);
    let secret = "8f742231b10e8888abcd99yyyzzz85a5";
    let verified = verify(
        &Verify::Slack,
        secret,
        &request,
        body.as_bytes(),
        at(1_531_420_618),
    );
    let verified = verified.unwrap();
    assert_eq!((verified.delivery, verified.event), (None, None));
    // No delivery id: the signed content's digest stands for one.
    assert_eq!(verified.replay.unwrap().len(), "signed:".len() + 32);
}

/// `slack`, and `stripe` without an event id, carry no signed delivery id but sign a
/// timestamp: the digest of what is signed is the replay key, the same for the same request
/// (however its signatures are listed) and another for another body or second. Stripe's
/// signed event id is the key instead; Slack's unsigned `Idempotency-Key` never is.
#[test]
fn a_timestamped_signature_without_a_delivery_id_has_a_replay_key() {
    let secret = "a-long-enough-secret";
    let slack = |body: &str, t: i64, keep_id: bool| {
        let mut pairs = sign(&Verify::Slack, secret, body.as_bytes(), at(t), "id-1").unwrap();
        pairs.retain(|(name, _)| keep_id || name != IDEMPOTENCY_KEY);
        verify(
            &Verify::Slack,
            secret,
            &signed(pairs),
            body.as_bytes(),
            at(t),
        )
        .unwrap()
    };
    let first = slack("a=1", 1_700_000_000, false).replay.unwrap();
    assert!(first.starts_with("signed:"), "{first}");
    assert_eq!(slack("a=1", 1_700_000_000, false).replay.unwrap(), first);
    assert_ne!(slack("a=2", 1_700_000_000, false).replay.unwrap(), first);
    assert_ne!(slack("a=1", 1_700_000_001, false).replay.unwrap(), first);
    // `Idempotency-Key` is not signed: it is kept as the delivery id, and the digest besides.
    let with_id = slack("a=1", 1_700_000_000, true);
    assert_eq!(with_id.delivery.as_deref(), Some("id-1"));
    assert_eq!(with_id.replay.unwrap(), first);

    let stripe = |body: &str, header: String| {
        let request = headers(&[("Stripe-Signature", &header)]);
        verify(
            &Verify::Stripe,
            secret,
            &request,
            body.as_bytes(),
            at(1_700_000_000),
        )
        .unwrap()
    };
    let tag = |body: &str| {
        let (_, value) = stripe::sign(secret, body.as_bytes(), at(1_700_000_000));
        value.rsplit_once("v1=").unwrap().1.to_owned()
    };
    let body = r#"{"type":"ping"}"#;
    let one = stripe(body, format!("t=1700000000,v1={}", tag(body)));
    let other = format!("v1={}", "0".repeat(64));
    let two = stripe(body, format!("{other},t=1700000000,v1={}", tag(body)));
    assert_eq!(one.delivery, None);
    assert_eq!(one.replay, two.replay);
    assert!(one.replay.is_some());
    let with_id = r#"{"id":"evt_1","type":"ping"}"#;
    let identified = stripe(with_id, format!("t=1700000000,v1={}", tag(with_id)));
    assert_eq!(identified.delivery.as_deref(), Some("evt_1"));
    assert_eq!(identified.replay, None);
}

#[test]
fn shopify_and_hmac_accept_signatures_computed_by_pythons_hmac() {
    // python3 hmac.new(b"hush", body, hashlib.<algorithm>), hex or base64.
    let body = br#"{"id":820982911946154508,"email":"jon@doe.ca"}"#;
    let request = headers(&[
        (
            "X-Shopify-Hmac-Sha256",
            "fp5HwmAHEVGQQwJU1KRpk57Ts2YHF6/TLOCczCtB5bs=",
        ),
        (
            "X-Shopify-Webhook-Id",
            "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043",
        ),
        ("X-Shopify-Topic", "orders/create"),
    ]);
    let verified = verify(&Verify::Shopify, "hush", &request, body, Utc::now()).unwrap();
    assert_eq!(
        verified.delivery.as_deref(),
        Some("b54557e4-bdd9-4b37-8a5f-bf7d70bcd043")
    );
    assert_eq!(verified.event.as_deref(), Some("orders/create"));

    let sha1 = hmac_preset(HmacAlgorithm::Sha1, Encoding::Hex, "sha1=");
    let request = headers(&[
        (
            "X-Signature",
            "sha1=cc72288632ae6f8eb21b7511f7d989d5a74e1601",
        ),
        ("Idempotency-Key", "k-1"),
    ]);
    let verified = verify(&sha1, "hush", &request, b"Hello, World!", Utc::now()).unwrap();
    assert_eq!(verified.delivery.as_deref(), Some("k-1"));

    let sha512 = hmac_preset(HmacAlgorithm::Sha512, Encoding::Base64, "");
    let b64 =
        "LdqZz7tlVbczIYfBigs8mYeORCzeUeJHTjKxgWu2tfpQEyfap78cmtaz4dwnGv1kREQoewlK1LKMtjL5wiZe+A==";
    let request = headers(&[("X-Signature", b64)]);
    verify(&sha512, "hush", &request, b"Hello, World!", Utc::now()).unwrap();
}

#[test]
fn tokens_are_accepted_as_gitlab_and_bearer_senders_send_them() {
    let request = headers(&[
        ("X-Gitlab-Token", "gitlab-token-1234"),
        (
            "X-Gitlab-Event-UUID",
            "13792a34-cac6-4fda-95a8-c58e00a3954e",
        ),
        ("X-Gitlab-Event", "Push Hook"),
    ]);
    let verified = verify(
        &Verify::Gitlab,
        "gitlab-token-1234",
        &request,
        b"",
        Utc::now(),
    )
    .unwrap();
    assert_eq!(
        verified.delivery.as_deref(),
        Some("13792a34-cac6-4fda-95a8-c58e00a3954e")
    );
    assert_eq!(verified.event.as_deref(), Some("Push Hook"));

    let bearer = Verify::Token { header: None };
    for value in [
        "Bearer s3cret-token",
        "bearer s3cret-token",
        "Bearer   s3cret-token",
    ] {
        let request = headers(&[("Authorization", value), ("Idempotency-Key", "abc")]);
        let verified = verify(&bearer, "s3cret-token", &request, b"", Utc::now()).unwrap();
        assert_eq!(verified.delivery.as_deref(), Some("abc"), "{value}");
    }
    let named = Verify::Token {
        header: Some("X-Hook-Token".to_owned()),
    };
    let request = headers(&[("x-hook-token", "s3cret-token")]);
    verify(&named, "s3cret-token", &request, b"", Utc::now()).unwrap();
}

#[test]
fn none_accepts_anything_and_keeps_an_idempotency_key() {
    let verified = verify(&Verify::None, "", &HeaderMap::new(), b"x", Utc::now()).unwrap();
    assert_eq!(verified, Verified::default());
    let request = headers(&[("Idempotency-Key", "once")]);
    let verified = verify(&Verify::None, "", &request, b"x", Utc::now()).unwrap();
    assert_eq!(verified.delivery.as_deref(), Some("once"));
}

// --- Refused, each for its own reason ---

#[test]
fn a_request_without_a_signature_is_refused_by_every_preset_but_none() {
    for (how, secret) in presets()
        .into_iter()
        .filter(|(how, _)| *how != Verify::None)
    {
        let result = verify(&how, secret, &HeaderMap::new(), b"{}", Utc::now());
        assert!(matches!(why(result), Why::Missing(_)), "{how:?}");
    }
}

#[test]
fn a_signature_made_with_another_secret_is_refused() {
    let now = Utc::now();
    for (how, secret) in presets()
        .into_iter()
        .filter(|(how, _)| *how != Verify::None)
    {
        let other = if how == Verify::Standard {
            "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD".to_owned()
        } else {
            format!("{secret}-other")
        };
        let request = signed(sign(&how, &other, b"{}", now, "d-1").unwrap());
        let result = verify(&how, secret, &request, b"{}", now);
        assert!(matches!(why(result), Why::Mismatch(_)), "{how:?}");
    }
}

#[test]
fn a_signature_for_another_body_is_refused() {
    let now = Utc::now();
    let signs_the_body =
        |how: &Verify| !matches!(how, Verify::None | Verify::Gitlab | Verify::Token { .. });
    for (how, secret) in presets().into_iter().filter(|(how, _)| signs_the_body(how)) {
        let request = signed(sign(&how, secret, br#"{"ref":"main"}"#, now, "d-1").unwrap());
        let result = verify(&how, secret, &request, br#"{"ref":"evil"}"#, now);
        assert!(matches!(why(result), Why::Mismatch(_)), "{how:?}");
    }
}

/// `request` with the value of `name` changed by `change`.
fn with(request: &HeaderMap, name: &str, change: impl Fn(&str) -> String) -> HeaderMap {
    let mut changed = request.clone();
    let value = change(request[name].to_str().unwrap());
    changed.insert(
        HeaderName::from_bytes(name.as_bytes()).unwrap(),
        value.parse().unwrap(),
    );
    changed
}

/// The signature header of each body-signing preset.
fn signature_header(how: &Verify) -> &'static str {
    match how {
        Verify::Github => "X-Hub-Signature-256",
        Verify::Stripe => "Stripe-Signature",
        Verify::Standard => "webhook-signature",
        Verify::Slack => "X-Slack-Signature",
        Verify::Shopify => "X-Shopify-Hmac-Sha256",
        Verify::Hmac { .. } => "X-Signature",
        Verify::Gitlab => "X-Gitlab-Token",
        Verify::Token { header: Some(_) } => "X-Hook-Token",
        Verify::Token { header: None } => "Authorization",
        Verify::None => unreachable!("no signature"),
    }
}

#[test]
fn a_truncated_signature_is_refused() {
    let now = Utc::now();
    for (how, secret) in presets()
        .into_iter()
        .filter(|(how, _)| *how != Verify::None)
    {
        let request = signed(sign(&how, secret, b"{}", now, "d-1").unwrap());
        let header = signature_header(&how);
        for cut in [1, 2, 4] {
            let shorter = with(&request, header, |v| v[..v.len() - cut].to_owned());
            let reason = why(verify(&how, secret, &shorter, b"{}", now));
            let expected = match how {
                // A token cut short is simply another token.
                Verify::Gitlab | Verify::Token { .. } => matches!(reason, Why::Mismatch(_)),
                _ => matches!(reason, Why::Malformed(..)),
            };
            assert!(expected, "{how:?} cut by {cut}: {reason:?}");
        }
    }
}

#[test]
fn the_right_mac_with_another_algorithm_or_encoding_is_refused() {
    let body = b"Hello, World!";
    let secret = "It's a Secret to Everybody";
    let sha1 = mac::compute(HmacAlgorithm::Sha1, secret.as_bytes(), &[body]);
    let sha256 = mac::compute(HmacAlgorithm::Sha256, secret.as_bytes(), &[body]);
    let sha512 = mac::compute(HmacAlgorithm::Sha512, secret.as_bytes(), &[body]);
    let github = |value: String| {
        let request = headers(&[("X-Hub-Signature-256", &value)]);
        why(verify(&Verify::Github, secret, &request, body, Utc::now()))
    };
    assert!(matches!(
        github(format!("sha256={}", mac::hex(&sha1))),
        Why::Malformed(..)
    ));
    assert!(matches!(
        github(format!("sha256={}", mac::hex(&sha512))),
        Why::Malformed(..)
    ));
    assert!(matches!(
        github(format!("sha1={}", mac::hex(&sha1))),
        Why::Malformed(..)
    ));
    let base64 = mac::encode(Encoding::Base64, &sha256);
    assert!(matches!(
        github(format!("sha256={base64}")),
        Why::Malformed(..)
    ));

    let shopify = |value: String| {
        let request = headers(&[("X-Shopify-Hmac-Sha256", &value)]);
        why(verify(&Verify::Shopify, secret, &request, body, Utc::now()))
    };
    assert!(matches!(shopify(mac::hex(&sha256)), Why::Malformed(..)));
    assert!(matches!(
        shopify(mac::encode(Encoding::Base64, &sha1)),
        Why::Malformed(..)
    ));

    // The hmac preset in each form refuses every other form's right MAC.
    for algorithm in [
        HmacAlgorithm::Sha1,
        HmacAlgorithm::Sha256,
        HmacAlgorithm::Sha512,
    ] {
        for encoding in [Encoding::Hex, Encoding::Base64] {
            let how = hmac_preset(algorithm, encoding, "");
            for (other, tag) in [
                (HmacAlgorithm::Sha1, &sha1),
                (HmacAlgorithm::Sha256, &sha256),
                (HmacAlgorithm::Sha512, &sha512),
            ] {
                for other_encoding in [Encoding::Hex, Encoding::Base64] {
                    if (other, other_encoding) == (algorithm, encoding) {
                        continue;
                    }
                    let value = mac::encode(other_encoding, tag);
                    let request = headers(&[("X-Signature", &value)]);
                    let result = verify(&how, secret, &request, body, Utc::now());
                    assert!(result.is_err(), "{how:?} took {other:?} {other_encoding:?}");
                }
            }
            let right = headers(&[(
                "X-Signature",
                &mac::encode(
                    encoding,
                    &mac::compute(algorithm, secret.as_bytes(), &[body]),
                ),
            )]);
            verify(&how, secret, &right, body, Utc::now()).unwrap();
        }
    }
}

#[test]
fn timestamps_301_seconds_old_or_ahead_are_refused_and_300_are_not() {
    let signed_at = at(1_700_000_000);
    for (how, secret) in presets() {
        if !matches!(how, Verify::Stripe | Verify::Standard | Verify::Slack) {
            continue;
        }
        let request = signed(sign(&how, secret, b"{}", signed_at, "d-1").unwrap());
        let later = |secs: i64| verify(&how, secret, &request, b"{}", at(1_700_000_000 + secs));
        later(300).unwrap();
        later(-300).unwrap();
        assert_eq!(
            why(later(301)),
            Why::Stale(timestamp_header(&how).to_owned(), 301),
            "{how:?}"
        );
        assert_eq!(
            why(later(-301)),
            Why::Ahead(timestamp_header(&how).to_owned(), 301),
            "{how:?}"
        );
    }
}

fn timestamp_header(how: &Verify) -> &'static str {
    match how {
        Verify::Stripe => "Stripe-Signature",
        Verify::Standard => "webhook-timestamp",
        _ => "X-Slack-Request-Timestamp",
    }
}

#[test]
fn a_standard_secret_under_16_bytes_is_refused_at_start_and_verifies_nothing() {
    use base64::Engine as _;
    let encode = |n: usize| {
        format!(
            "whsec_{}",
            base64::engine::general_purpose::STANDARD.encode(vec![7u8; n])
        )
    };
    let short = encode(15);
    let err = check_secret(&Verify::Standard, &short).unwrap_err();
    assert!(
        err.contains("15 bytes") && err.contains("openssl rand"),
        "{err}"
    );
    assert!(!err.contains(short.trim_start_matches("whsec_")), "{err}");
    check_secret(&Verify::Standard, &encode(16)).unwrap();
    // Even when signed with the short key (by the reference crate), nothing is accepted.
    let now = Utc::now();
    let theirs = standardwebhooks::Webhook::new(&short).unwrap();
    let ts = now.timestamp().to_string();
    let signature = theirs.sign("msg_1", now.timestamp(), b"{}").unwrap();
    let request = headers(&[
        ("webhook-id", "msg_1"),
        ("webhook-timestamp", &ts),
        ("webhook-signature", &signature),
    ]);
    assert!(matches!(
        why(verify(&Verify::Standard, &short, &request, b"{}", now)),
        Why::Secret(_)
    ));
}

#[test]
fn unusable_secrets_are_refused_with_the_fix_and_never_quoted() {
    let cases: [(Verify, &str, &str); 6] = [
        (Verify::Github, "", "empty"),
        (Verify::Github, "s3cret-value\n", "line break"),
        (
            Verify::Standard,
            "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            "whsec_",
        ),
        (
            Verify::Standard,
            "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw=",
            "base64",
        ),
        (Verify::Standard, "whsec_BwcHBwcHBwcHBwcHBwcHBx==", "base64"),
        (
            Verify::Token { header: None },
            "s3cret-välue",
            "printable ASCII",
        ),
    ];
    for (how, secret, says) in cases {
        let err = check_secret(&how, secret).unwrap_err();
        assert!(err.contains(says), "{how:?}: {err}");
        let quoted = secret.trim().trim_start_matches("whsec_");
        assert!(quoted.is_empty() || !err.contains(quoted), "{err}");
        assert!(sign(&how, secret, b"{}", Utc::now(), "d").is_err());
    }
    check_secret(&Verify::None, "").unwrap();
    check_secret(&Verify::Gitlab, "a token with spaces inside").unwrap();
}

#[test]
fn malformed_headers_are_refused_as_malformed() {
    let now = at(1_700_000_000);
    let ts = "1700000000";
    let hex = "0".repeat(64);
    let cases: Vec<(Verify, Vec<(&str, String)>)> = vec![
        (
            Verify::Stripe,
            vec![("Stripe-Signature", format!("v1={hex}"))],
        ),
        (
            Verify::Stripe,
            vec![("Stripe-Signature", format!("t={ts}"))],
        ),
        (
            Verify::Stripe,
            vec![("Stripe-Signature", format!("t={ts},v0={hex}"))],
        ),
        (
            Verify::Stripe,
            vec![("Stripe-Signature", format!("t={ts},{hex}"))],
        ),
        (
            Verify::Stripe,
            vec![("Stripe-Signature", format!("t={ts},t={ts},v1={hex}"))],
        ),
        (
            Verify::Stripe,
            vec![("Stripe-Signature", format!("t=-5,v1={hex}"))],
        ),
        (
            Verify::Stripe,
            vec![("Stripe-Signature", format!("t=1.7e9,v1={hex}"))],
        ),
        (
            Verify::Stripe,
            vec![("Stripe-Signature", format!("t={ts},v1=zz{}", &hex[2..]))],
        ),
        (
            Verify::Slack,
            vec![
                ("X-Slack-Signature", hex.clone()),
                ("X-Slack-Request-Timestamp", ts.into()),
            ],
        ),
        (
            Verify::Slack,
            vec![
                ("X-Slack-Signature", format!("v0={hex}")),
                ("X-Slack-Request-Timestamp", "+1700000000".into()),
            ],
        ),
        (
            Verify::Standard,
            vec![
                ("webhook-id", "m".into()),
                ("webhook-timestamp", ts.into()),
                ("webhook-signature", "v1".into()),
            ],
        ),
        (
            Verify::Standard,
            vec![
                ("webhook-id", "m".into()),
                ("webhook-timestamp", ts.into()),
                ("webhook-signature", "v1a,AAAA".into()),
            ],
        ),
        (
            Verify::Standard,
            vec![
                ("webhook-id", "m".into()),
                ("webhook-timestamp", ts.into()),
                ("webhook-signature", "v1,not base64!".into()),
            ],
        ),
        (
            Verify::Standard,
            vec![
                ("webhook-id", "m".into()),
                ("webhook-timestamp", " 1700000000".into()),
                ("webhook-signature", format!("v1,{}=", "A".repeat(43))),
            ],
        ),
        (
            Verify::Standard,
            vec![
                ("webhook-id", "".into()),
                ("webhook-timestamp", ts.into()),
                ("webhook-signature", format!("v1,{}=", "A".repeat(43))),
            ],
        ),
        (Verify::Github, vec![("X-Hub-Signature-256", hex.clone())]),
        (
            Verify::Token { header: None },
            vec![("Authorization", "Basic dXNlcjpwYXNz".into())],
        ),
        (
            Verify::Token { header: None },
            vec![("Authorization", "bearer-token-1234".into())],
        ),
    ];
    let secret = |how: &Verify| presets().into_iter().find(|(p, _)| p == how).unwrap().1;
    for (how, pairs) in cases {
        let borrowed: Vec<(&str, &str)> = pairs.iter().map(|(n, v)| (*n, v.as_str())).collect();
        let request = headers(&borrowed);
        let reason = why(verify(&how, secret(&how), &request, b"{}", now));
        assert!(
            matches!(reason, Why::Malformed(..)),
            "{how:?} {pairs:?}: {reason:?}"
        );
        assert!(Reject { why: reason }.to_string().contains("malformed"));
    }
}

#[test]
fn a_signature_header_sent_twice_is_refused() {
    let now = Utc::now();
    let secret = "It's a Secret to Everybody";
    let mut request = signed(sign(&Verify::Github, secret, b"{}", now, "d").unwrap());
    let value = request["X-Hub-Signature-256"].clone();
    request.append("X-Hub-Signature-256", value);
    let reason = why(verify(&Verify::Github, secret, &request, b"{}", now));
    assert_eq!(reason, Why::Repeated("X-Hub-Signature-256".to_owned()));
}

#[test]
fn header_values_that_are_not_text_are_refused() {
    let now = Utc::now();
    for (how, secret) in presets()
        .into_iter()
        .filter(|(how, _)| *how != Verify::None)
    {
        let mut request = signed(sign(&how, secret, b"{}", now, "d-1").unwrap());
        let header = signature_header(&how);
        let mut bytes = request[header].as_bytes().to_vec();
        bytes.extend_from_slice(b"\xff\xfe");
        request.insert(
            HeaderName::from_bytes(header.as_bytes()).unwrap(),
            HeaderValue::from_bytes(&bytes).unwrap(),
        );
        let reason = why(verify(&how, secret, &request, b"{}", now));
        assert_eq!(reason, Why::NotText(header.to_owned()), "{how:?}");
    }
    // A delivery id that is not text refuses the request too (it would be stored).
    let secret = "It's a Secret to Everybody";
    let mut request = signed(sign(&Verify::Github, secret, b"{}", now, "d").unwrap());
    request.insert(
        "X-GitHub-Delivery",
        HeaderValue::from_bytes(b"id-\xc3\xa9").unwrap(),
    );
    assert!(matches!(
        why(verify(&Verify::Github, secret, &request, b"{}", now)),
        Why::NotText(_)
    ));
}

#[test]
fn a_delivery_id_too_long_to_keep_is_refused() {
    let now = Utc::now();
    let secret = "It's a Secret to Everybody";
    let long = "d".repeat(MAX_ID + 1);
    let request = signed(sign(&Verify::Github, secret, b"{}", now, &long).unwrap());
    assert!(matches!(
        why(verify(&Verify::Github, secret, &request, b"{}", now)),
        Why::Malformed(..)
    ));
    let request = signed(sign(&Verify::Github, secret, b"{}", now, &long[1..]).unwrap());
    verify(&Verify::Github, secret, &request, b"{}", now).unwrap();
}

#[test]
fn rejections_name_the_header_and_never_the_secret() {
    let now = at(1_700_000_000);
    let secret = "It's a Secret to Everybody";
    let request = signed(sign(&Verify::Github, "another secret", b"{}", now, "d").unwrap());
    let message = verify(&Verify::Github, secret, &request, b"{}", now)
        .unwrap_err()
        .to_string();
    assert!(
        message.contains("X-Hub-Signature-256 does not match"),
        "{message}"
    );
    let token = headers(&[("X-Gitlab-Token", "guess")]);
    let message = verify(&Verify::Gitlab, secret, &token, b"", now)
        .unwrap_err()
        .to_string();
    assert!(
        !message.contains(secret) && !message.contains("guess"),
        "{message}"
    );
    let stale = signed(sign(&Verify::Slack, secret, b"", now, "d").unwrap());
    let message = verify(&Verify::Slack, secret, &stale, b"", at(1_700_000_400)).unwrap_err();
    assert!(message.to_string().contains("400 s old"), "{message}");
}

// --- sign and verify agree ---

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn what_sign_makes_verify_accepts_for_every_preset(
        body in proptest::collection::vec(any::<u8>(), 0..200),
        id in "[A-Za-z0-9_-]{1,40}",
        unix in 1_000_000_000i64..4_000_000_000,
    ) {
        let now = at(unix);
        for (how, secret) in presets() {
            let request = signed(sign(&how, secret, &body, now, &id).unwrap());
            let verified = verify(&how, secret, &request, &body, now);
            let verified = verified.map_err(|reject| format!("{how:?}: {reject}")).unwrap();
            // Stripe's delivery id is the event id in the body, not a header.
            if how != Verify::Stripe {
                prop_assert_eq!(verified.delivery.as_deref(), Some(id.as_str()), "{:?}", how);
            }
        }
    }
}

#[test]
fn event_headers_are_the_senders() {
    assert_eq!(event_header(&Verify::Github), Some("X-GitHub-Event"));
    assert_eq!(event_header(&Verify::Gitlab), Some("X-Gitlab-Event"));
    assert_eq!(event_header(&Verify::Shopify), Some("X-Shopify-Topic"));
    assert_eq!(event_header(&Verify::Standard), None);
    let now = Utc::now();
    let mut request = signed(sign(&Verify::Shopify, "hush", b"{}", now, "d").unwrap());
    request.insert("X-Shopify-Topic", "orders/paid".parse().unwrap());
    let verified = verify(&Verify::Shopify, "hush", &request, b"{}", now).unwrap();
    assert_eq!(verified.event.as_deref(), Some("orders/paid"));
}

#[test]
fn base64_is_decoded_strictly() {
    // The right MAC written loosely: stray bits in the last digit (a lenient decoder reads the
    // same bytes), padding left off, a line break inside. Each is refused as malformed.
    let body = br#"{"id":820982911946154508,"email":"jon@doe.ca"}"#;
    let right = "fp5HwmAHEVGQQwJU1KRpk57Ts2YHF6/TLOCczCtB5bs=";
    let request = headers(&[("X-Shopify-Hmac-Sha256", right)]);
    verify(&Verify::Shopify, "hush", &request, body, Utc::now()).unwrap();
    for loose in [
        "fp5HwmAHEVGQQwJU1KRpk57Ts2YHF6/TLOCczCtB5bt=",
        "fp5HwmAHEVGQQwJU1KRpk57Ts2YHF6/TLOCczCtB5bs",
        "fp5HwmAHEVGQQwJU1KRpk57Ts2YHF6_TLOCczCtB5bs=",
        " fp5HwmAHEVGQQwJU1KRpk57Ts2YHF6/TLOCczCtB5bs=",
    ] {
        let request = headers(&[("X-Shopify-Hmac-Sha256", loose)]);
        let reason = why(verify(&Verify::Shopify, "hush", &request, body, Utc::now()));
        assert!(matches!(reason, Why::Malformed(..)), "{loose}: {reason:?}");
    }
}

#[test]
fn hex_is_decoded_exactly() {
    let sig = "757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";
    for loose in [
        format!("0x{sig}"),
        format!("{sig} "),
        format!("{}g", &sig[..63]),
        format!("{sig}00"),
    ] {
        let request = headers(&[("X-Hub-Signature-256", &format!("sha256={loose}"))]);
        let result = verify(
            &Verify::Github,
            "It's a Secret to Everybody",
            &request,
            b"Hello, World!",
            Utc::now(),
        );
        assert!(matches!(why(result), Why::Malformed(..)), "{loose}");
    }
}

#[test]
fn a_named_header_that_no_request_can_carry_is_simply_missing() {
    let how = Verify::Token {
        header: Some("not a header name".to_owned()),
    };
    let request = headers(&[("Authorization", "Bearer t0ken-value")]);
    let result = verify(&how, "t0ken-value", &request, b"", Utc::now());
    assert!(matches!(why(result), Why::Missing(_)));
}
