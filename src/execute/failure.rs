//! What went wrong with an HTTP call (a job's or a notification's), in words: no HTTP library
//! terms (`timeout: global`), no Rust debug text (`Other(OtherError(CaUsedAsEndEntity))`),
//! and never the URL or a header, which a library's text may echo and which may hold expanded
//! `${VAR}` secrets (issue 8). Callers name the job; the job file names the URL.

use std::time::Duration;

use rustls::CertificateError;

/// How a call failed, which decides its run's status and whether to retry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// It ran out of time: the run's status is `timeout`; worth retrying.
    Timeout,
    /// The network or the server's end failed: worth retrying.
    Network,
    /// Something another attempt will not fix (an invalid URL, a TLS certificate problem).
    Other,
}

/// A failed call: its kind and the message for logs, history and notifications.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Failure {
    pub(crate) kind: Kind,
    pub(crate) message: String,
}

/// `err` in words; `total` and `connect` are the call's limits.
pub(crate) fn describe(err: &ureq::Error, total: Duration, connect: Duration) -> Failure {
    use ureq::Error as E;
    let total_text = crate::duration::format(total);
    let (kind, message) = match err {
        E::Timeout(ureq::Timeout::Connect) => (
            Kind::Timeout,
            format!(
                "timed out after {} while connecting",
                crate::duration::format(connect.min(total))
            ),
        ),
        E::Timeout(ureq::Timeout::Resolve) => (
            Kind::Timeout,
            format!("timed out after {total_text} while looking up the host name"),
        ),
        E::Timeout(_) => (Kind::Timeout, format!("timed out after {total_text}")),
        E::Io(io) if io.kind() == std::io::ErrorKind::TimedOut => {
            (Kind::Timeout, format!("timed out after {total_text}"))
        }
        E::Io(io) => match io.get_ref().and_then(|e| e.downcast_ref::<rustls::Error>()) {
            Some(tls) => (tls_kind(tls), tls_error(tls)),
            None => (Kind::Network, format!("network error: {}", io_words(io))),
        },
        E::Rustls(tls) => (tls_kind(tls), tls_error(tls)),
        E::Tls(text) => (Kind::Other, format!("TLS error: {text}")),
        E::HostNotFound => (
            Kind::Network,
            "host not found; check the host name in the URL".to_owned(),
        ),
        E::ConnectionFailed => (Kind::Network, "could not connect to the server".to_owned()),
        E::BodyStalled => (
            Kind::Network,
            "the server stopped sending the response".to_owned(),
        ),
        // Its text holds the URL: say what is wrong without it.
        E::BadUri(_) => (
            Kind::Other,
            "invalid URL; it must be an absolute http:// or https:// URL".to_owned(),
        ),
        E::Protocol(proto) => (Kind::Network, format!("HTTP protocol error: {proto}")),
        E::LargeResponseHeader(..) => (Kind::Other, err.to_string()),
        E::Http(http) => (Kind::Other, format!("invalid HTTP request: {http}")),
        other => (Kind::Other, format!("HTTP request failed: {other}")),
    };
    Failure { kind, message }
}

/// An I/O error's text without "(os error N)".
fn io_words(io: &std::io::Error) -> String {
    let text = io.to_string();
    let text = match text.rfind(" (os error ") {
        Some(at) if text.ends_with(')') => text[..at].to_owned(),
        _ => text,
    };
    lowercase_first(&text)
}

fn lowercase_first(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        // "Connection refused" -> "connection refused", but keep "TLS ..." as it is.
        Some(first) if !chars.next().is_some_and(char::is_uppercase) => first
            .to_lowercase()
            .chain(text[first.len_utf8()..].chars())
            .collect(),
        _ => text.to_owned(),
    }
}

/// A certificate or a TLS setup the server does not share does not change from one attempt to
/// the next; anything else in the handshake may be the network's doing.
fn tls_kind(err: &rustls::Error) -> Kind {
    match err {
        rustls::Error::InvalidCertificate(_)
        | rustls::Error::NoCertificatesPresented
        | rustls::Error::PeerIncompatible(_) => Kind::Other,
        _ => Kind::Network,
    }
}

/// `TLS error: ` and what is wrong, in words.
pub(crate) fn tls_error(err: &rustls::Error) -> String {
    use rustls::Error as E;
    let what = match err {
        E::InvalidCertificate(cert) => certificate_words(cert),
        E::NoCertificatesPresented => "the server sent no certificate".to_owned(),
        E::AlertReceived(alert) => format!(
            "the server refused the connection ({})",
            words(&format!("{alert:?}"))
        ),
        E::PeerIncompatible(why) => format!(
            "the server and jobtab have no TLS version or cipher in common ({})",
            words(&format!("{why:?}"))
        ),
        E::InvalidMessage(_)
        | E::InappropriateMessage { .. }
        | E::InappropriateHandshakeMessage { .. } => {
            "the server's answer is not TLS; if it speaks plain HTTP, use an http:// URL".to_owned()
        }
        E::PeerMisbehaved(why) => format!(
            "the server broke the TLS protocol ({})",
            words(&format!("{why:?}"))
        ),
        other => other.to_string(),
    };
    format!("TLS error: {what}")
}

/// What is wrong with the server's certificate.
fn certificate_words(err: &CertificateError) -> String {
    use CertificateError as C;
    #[allow(deprecated)]
    let what = match err {
        C::UnknownIssuer => {
            "the server's certificate is not signed by a trusted certificate authority \
             (self-signed, or signed by a private CA)"
                .to_owned()
        }
        C::Expired | C::ExpiredContext { .. } => "the server's certificate has expired".to_owned(),
        C::NotValidYet | C::NotValidYetContext { .. } => {
            "the server's certificate is not valid yet; check this machine's clock".to_owned()
        }
        C::NotValidForName => {
            "the server's certificate is not valid for the host name in the URL".to_owned()
        }
        C::NotValidForNameContext { presented, .. } => {
            let mut text =
                "the server's certificate is not valid for the host name in the URL".to_owned();
            if !presented.is_empty() {
                text.push_str(&format!(" (it is valid for {})", presented.join(", ")));
            }
            text
        }
        C::Revoked => "the server's certificate has been revoked".to_owned(),
        C::BadSignature => "the server's certificate has an invalid signature".to_owned(),
        C::BadEncoding => "the server's certificate is malformed".to_owned(),
        C::UnsupportedSignatureAlgorithm
        | C::UnsupportedSignatureAlgorithmContext { .. }
        | C::UnsupportedSignatureAlgorithmForPublicKeyContext { .. } => {
            "the server's certificate uses an unsupported signature algorithm".to_owned()
        }
        C::InvalidPurpose | C::InvalidPurposeContext { .. } => {
            "the server's certificate is not meant for TLS servers (extended key usage)".to_owned()
        }
        C::UnhandledCriticalExtension => {
            "the server's certificate has a critical extension jobtab does not know".to_owned()
        }
        C::Other(other) => match other.0.downcast_ref::<webpki::Error>() {
            Some(webpki) => webpki_words(webpki),
            None => format!("the server's certificate was rejected: {other}"),
        },
        other => format!(
            "the server's certificate was rejected: {}",
            words(&format!("{other:?}"))
        ),
    };
    what
}

/// The certificate errors rustls passes on from webpki without a variant of its own.
fn webpki_words(err: &webpki::Error) -> String {
    use webpki::Error as W;
    match err {
        W::CaUsedAsEndEntity => "the server's certificate is a CA certificate used as an \
             end-entity certificate; give the server a certificate of its own, signed by the CA"
            .to_owned(),
        W::EndEntityUsedAsCa => {
            "the server's certificate chain uses an end-entity certificate as a CA".to_owned()
        }
        W::CertDistrusted => "the server's certificate is distrusted".to_owned(),
        W::NameConstraintViolation => {
            "the server's certificate is outside the names its CA may sign".to_owned()
        }
        W::PathLenConstraintViolated
        | W::MaximumPathDepthExceeded
        | W::MaximumPathBuildCallsExceeded
        | W::MaximumSignatureChecksExceeded => {
            "the server's certificate chain is too long".to_owned()
        }
        W::UnsupportedCertVersion => {
            "the server's certificate has an unsupported X.509 version".to_owned()
        }
        other => format!(
            "the server's certificate was rejected: {}",
            words(&format!("{other:?}"))
        ),
    }
}

/// A Rust variant name in words: `HandshakeFailure` -> `handshake failure`; data after the
/// name (`Foo(..)`, `Foo { .. }`) is left out.
fn words(debug: &str) -> String {
    let name = debug.split(['(', ' ', '{']).next().unwrap_or(debug);
    let mut out = String::new();
    let chars: Vec<char> = name.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        let next_lower = chars.get(i + 1).is_some_and(|n| n.is_lowercase());
        let prev_lower = i > 0 && chars[i - 1].is_lowercase();
        if c.is_uppercase() && i > 0 && (prev_lower || next_lower) {
            out.push(' ');
        }
        out.extend(c.to_lowercase());
    }
    out
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    #[test]
    fn variant_names_become_words() {
        assert_eq!(words("HandshakeFailure"), "handshake failure");
        assert_eq!(
            words("NoCipherSuitesInCommon"),
            "no cipher suites in common"
        );
        assert_eq!(words("Tls12NotOffered"), "tls12 not offered");
        assert_eq!(words("TrailingData(Certificate)"), "trailing data");
        assert_eq!(words("CAUsedAsEE"), "ca used as ee");
    }

    #[test]
    fn certificate_problems_are_said_in_words() {
        let ca_as_leaf = rustls::Error::InvalidCertificate(CertificateError::Other(
            rustls::OtherError(Arc::new(webpki::Error::CaUsedAsEndEntity)),
        ));
        let text = tls_error(&ca_as_leaf);
        assert!(
            text.starts_with(
                "TLS error: the server's certificate is a CA certificate used as an end-entity \
                 certificate"
            ),
            "{text}"
        );
        assert_eq!(
            tls_error(&rustls::Error::InvalidCertificate(
                CertificateError::UnknownIssuer
            )),
            "TLS error: the server's certificate is not signed by a trusted certificate \
             authority (self-signed, or signed by a private CA)"
        );
        let text = tls_error(&rustls::Error::AlertReceived(
            rustls::AlertDescription::HandshakeFailure,
        ));
        assert_eq!(
            text,
            "TLS error: the server refused the connection (handshake failure)"
        );
        for err in [
            rustls::Error::InvalidCertificate(CertificateError::Expired),
            rustls::Error::InvalidCertificate(CertificateError::NotValidForName),
            rustls::Error::InvalidCertificate(CertificateError::Other(rustls::OtherError(
                Arc::new(webpki::Error::EndEntityUsedAsCa),
            ))),
            rustls::Error::InvalidCertificate(CertificateError::ApplicationVerificationFailure),
            rustls::Error::PeerIncompatible(rustls::PeerIncompatible::NoCipherSuitesInCommon),
        ] {
            let text = tls_error(&err);
            // No Rust names (`Other(OtherError(..))`, `EndEntityUsedAsCa`): plain words.
            let camel = text.split(|c: char| !c.is_alphanumeric()).any(|word| {
                word.chars()
                    .zip(word.chars().skip(1))
                    .any(|(a, b)| a.is_lowercase() && b.is_uppercase())
            });
            assert!(text.starts_with("TLS error: ") && !camel, "{text}");
        }
    }

    #[test]
    fn timeouts_name_no_library_term() {
        let total = Duration::from_secs(2);
        let connect = Duration::from_secs(10);
        let global = describe(&ureq::Error::Timeout(ureq::Timeout::Global), total, connect);
        assert_eq!(
            global,
            Failure {
                kind: Kind::Timeout,
                message: "timed out after 2s".to_owned()
            }
        );
        let connecting = describe(
            &ureq::Error::Timeout(ureq::Timeout::Connect),
            Duration::from_secs(30),
            connect,
        );
        assert_eq!(connecting.message, "timed out after 10s while connecting");
    }

    #[test]
    fn library_texts_that_echo_the_url_are_not_used() {
        let err = ureq::Error::BadUri("s3cr3t-XYZ is missing scheme".to_owned());
        let failure = describe(&err, Duration::from_secs(1), Duration::from_secs(1));
        assert!(!failure.message.contains("s3cr3t"), "{}", failure.message);
        assert_eq!(failure.kind, Kind::Other);
    }

    #[test]
    fn network_errors_drop_the_os_error_number() {
        let io = std::io::Error::from(std::io::ErrorKind::ConnectionRefused);
        let failure = describe(
            &ureq::Error::Io(std::io::Error::from_raw_os_error(111)),
            Duration::from_secs(1),
            Duration::from_secs(1),
        );
        assert_eq!(failure.message, "network error: connection refused");
        assert_eq!(failure.kind, Kind::Network);
        assert_eq!(io_words(&io), "connection refused");
    }
}
