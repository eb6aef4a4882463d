//! Reading `[jobs.NAME.webhook]` and `[server]` key by key (PRODUCT.md section 9): the types
//! here, what the values mean in `store::webhook`.

use std::ops::Range;

use toml::de::{DeTable, DeValue};

use super::values::{Place, Reader, integer};
use crate::store::model::{
    Encoding, HmacAlgorithm, RawServer, RawWebhook, Response, ServerConfig, VerifyKind,
};
use crate::store::webhook::{check_listen, check_template};

/// The keys a `[jobs.NAME.webhook]` table may hold.
pub(crate) const WEBHOOK_KEYS: &[&str] = &[
    "verify",
    "secret",
    "header",
    "algorithm",
    "encoding",
    "prefix",
    "path",
    "methods",
    "max_body",
    "match",
    "env",
    "response",
    "rate_limit",
];
/// The keys `[server]` may hold.
pub(crate) const SERVER_KEYS: &[&str] = &["listen", "tls_cert", "tls_key", "token", "trust_proxy"];

pub(super) const VERIFIES: &[(&str, VerifyKind)] = &[
    ("github", VerifyKind::Github),
    ("gitlab", VerifyKind::Gitlab),
    ("stripe", VerifyKind::Stripe),
    ("standard", VerifyKind::Standard),
    ("slack", VerifyKind::Slack),
    ("shopify", VerifyKind::Shopify),
    ("hmac", VerifyKind::Hmac),
    ("token", VerifyKind::Token),
    ("none", VerifyKind::None),
];
pub(super) const ALGORITHMS: &[(&str, HmacAlgorithm)] = &[
    ("sha1", HmacAlgorithm::Sha1),
    ("sha256", HmacAlgorithm::Sha256),
    ("sha512", HmacAlgorithm::Sha512),
];
pub(super) const ENCODINGS: &[(&str, Encoding)] =
    &[("hex", Encoding::Hex), ("base64", Encoding::Base64)];
pub(super) const RESPONSES: &[(&str, Response)] =
    &[("accepted", Response::Accepted), ("wait", Response::Wait)];

impl Reader<'_> {
    /// Reads a job's `webhook` table; every value of the wrong type is reported and left out.
    pub(super) fn webhook(&mut self, place: &Place<'_>, table: &DeTable<'_>) -> RawWebhook {
        let mut out = RawWebhook::default();
        for (key, value) in table {
            let (key, span, value) = (key.get_ref().as_ref(), key.span(), value.get_ref());
            match key {
                "verify" => {
                    let text = self.string(place, key, span.clone(), value);
                    out.verify = text.as_deref().and_then(|text| {
                        let found = VERIFIES.iter().find(|(name, _)| *name == text);
                        if found.is_none() {
                            let message = format!(
                                "unknown verify preset {text:?}; use one of {}",
                                names(VERIFIES)
                            );
                            self.push(place.job, Some(&place.key(key)), Some(span), message);
                        }
                        found.map(|(_, kind)| *kind)
                    });
                }
                "secret" => out.secret = self.string(place, key, span, value),
                "header" => out.header = self.string(place, key, span, value),
                "algorithm" => out.algorithm = self.choice(place, key, span, value, ALGORITHMS),
                "encoding" => out.encoding = self.choice(place, key, span, value, ENCODINGS),
                "prefix" => out.prefix = self.string(place, key, span, value),
                "path" => out.path = self.string(place, key, span, value),
                "methods" => out.methods = self.strings(place, key, span, value),
                "max_body" => out.max_body = self.bytes(place, key, span, value),
                "match" => out.r#match = self.matches(place, key, span, value),
                "env" => out.env = self.ordered_strings(place, key, span, value),
                "response" => out.response = self.choice(place, key, span, value, RESPONSES),
                "rate_limit" => out.rate_limit = self.string(place, key, span, value),
                other => self.unknown_key(place, other, span, WEBHOOK_KEYS),
            }
        }
        out
    }

    /// Reads and checks `[server]`; invalid values are reported and left unset.
    pub(super) fn server(&mut self, table: &DeTable<'_>, span: Range<usize>) -> ServerConfig {
        let place = Place {
            job: None,
            prefix: "server.",
        };
        let mut raw = RawServer::default();
        let mut spans = Vec::new();
        for (key, value) in table {
            let (key, key_span, value) = (key.get_ref().as_ref(), key.span(), value.get_ref());
            spans.push((key.to_owned(), key_span.clone()));
            match key {
                "listen" => raw.listen = self.string(&place, key, key_span, value),
                "tls_cert" => raw.tls_cert = self.string(&place, key, key_span, value),
                "tls_key" => raw.tls_key = self.string(&place, key, key_span, value),
                "token" => raw.token = self.string(&place, key, key_span, value),
                "trust_proxy" => raw.trust_proxy = self.boolean(&place, key, key_span, value),
                other => self.unknown_key(&place, other, key_span, SERVER_KEYS),
            }
        }
        let at = |key: &str| {
            spans
                .iter()
                .find(|(k, _)| k == key)
                .map_or(span.clone(), |(_, s)| s.clone())
        };
        let bad = |reader: &mut Self, key: &str, message: String| {
            reader.push(None, Some(&format!("server.{key}")), Some(at(key)), message);
        };
        if let Some(listen) = &raw.listen
            && let Err(message) = check_listen(listen)
        {
            bad(self, "listen", message);
            raw.listen = None;
        }
        for key in ["tls_cert", "tls_key"] {
            let value = if key == "tls_cert" {
                &raw.tls_cert
            } else {
                &raw.tls_key
            };
            if value.as_deref().is_some_and(|v| v.trim().is_empty()) {
                bad(self, key, format!("`{key}` is empty; name a PEM file"));
            }
        }
        match (&raw.tls_cert, &raw.tls_key) {
            (Some(_), None) => bad(
                self,
                "tls_cert",
                "`tls_cert` is set without `tls_key`: HTTPS needs both (the certificate chain \
                 and its private key, PEM files); set `tls_key` too, or remove `tls_cert` for \
                 plain HTTP"
                    .into(),
            ),
            (None, Some(_)) => bad(
                self,
                "tls_key",
                "`tls_key` is set without `tls_cert`: HTTPS needs both (the certificate chain \
                 and its private key, PEM files); set `tls_cert` too, or remove `tls_key` for \
                 plain HTTP"
                    .into(),
            ),
            _ => {}
        }
        if let Some(token) = &raw.token
            && let Err(message) = check_template(token, "token")
        {
            bad(self, "token", message);
            raw.token = None;
        }
        ServerConfig {
            listen: raw.listen,
            tls_cert: raw.tls_cert.map(Into::into),
            tls_key: raw.tls_key.map(Into::into),
            token: raw.token,
            trust_proxy: raw.trust_proxy.unwrap_or(false),
        }
    }

    /// A list of strings (or one string, a list of one).
    fn strings(
        &mut self,
        place: &Place<'_>,
        key: &str,
        span: Range<usize>,
        item: &DeValue<'_>,
    ) -> Option<Vec<String>> {
        let list = match item {
            DeValue::String(text) => Some(vec![text.to_string()]),
            DeValue::Array(array) => array
                .iter()
                .map(|v| v.get_ref().as_str().map(str::to_owned))
                .collect(),
            _ => None,
        };
        if list.is_none() {
            self.wrong_type(place, key, span, item, "a list of strings like [\"POST\"]");
        }
        list
    }

    /// A number of bytes (a whole number, at least 0; the range is checked later).
    fn bytes(
        &mut self,
        place: &Place<'_>,
        key: &str,
        span: Range<usize>,
        item: &DeValue<'_>,
    ) -> Option<u64> {
        let value = integer(item).and_then(|n| u64::try_from(n).ok());
        if value.is_none() {
            self.wrong_type(place, key, span, item, "a number of bytes like 1048576");
        }
        value
    }

    /// A table of strings, in file order.
    fn ordered_strings(
        &mut self,
        place: &Place<'_>,
        key: &str,
        span: Range<usize>,
        item: &DeValue<'_>,
    ) -> Option<Vec<(String, String)>> {
        let table = self.table(place, key, span, item)?;
        let mut out = Vec::new();
        let mut ok = true;
        for (name, value) in table {
            match value.get_ref().as_str() {
                Some(text) => out.push((name.get_ref().to_string(), text.to_owned())),
                None => {
                    ok = false;
                    let nested = format!("{key}.{}", name.get_ref());
                    let expected = "a JSON pointer like \"/ref\"";
                    self.wrong_type(place, &nested, name.span(), value.get_ref(), expected);
                }
            }
        }
        ok.then_some(out)
    }

    /// `match`: each key's value is a string, number or boolean, or a list of them.
    fn matches(
        &mut self,
        place: &Place<'_>,
        key: &str,
        span: Range<usize>,
        item: &DeValue<'_>,
    ) -> Option<Vec<(String, Vec<serde_json::Value>)>> {
        let table = self.table(place, key, span, item)?;
        let mut out = Vec::new();
        let mut ok = true;
        for (name, value) in table {
            let values = match value.get_ref() {
                DeValue::Array(array) if !array.is_empty() => array
                    .iter()
                    .map(|v| scalar(v.get_ref()))
                    .collect::<Option<Vec<_>>>(),
                DeValue::Array(_) => None,
                other => scalar(other).map(|v| vec![v]),
            };
            match values {
                Some(values) => out.push((name.get_ref().to_string(), values)),
                None => {
                    ok = false;
                    let nested = format!("{key}.{}", name.get_ref());
                    let expected = "a string, number or true/false, or a non-empty list of them";
                    self.wrong_type(place, &nested, name.span(), value.get_ref(), expected);
                }
            }
        }
        ok.then_some(out)
    }
}

/// A TOML string, number or boolean as JSON.
fn scalar(item: &DeValue<'_>) -> Option<serde_json::Value> {
    match item {
        DeValue::String(text) => Some(serde_json::Value::String(text.to_string())),
        DeValue::Boolean(b) => Some(serde_json::Value::Bool(*b)),
        DeValue::Integer(_) => integer(item).map(serde_json::Value::from),
        DeValue::Float(float) => float
            .as_str()
            .replace('_', "")
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map(serde_json::Value::Number),
        _ => None,
    }
}

fn names<T>(options: &[(&str, T)]) -> String {
    options
        .iter()
        .map(|(name, _)| *name)
        .collect::<Vec<_>>()
        .join(", ")
}
