//! Who may see the dashboard and use the API, and who may change things (PRODUCT.md section
//! 10). With `[server] token`, every page and API call needs it: `Authorization: Bearer
//! <token>`, or the session cookie the sign-in form at `/login` sets (HttpOnly,
//! SameSite=Strict, Path=/; Secure over HTTPS). The cookie holds HMAC-SHA256(token, a fixed
//! label), not the token, and every comparison goes through `hmac`'s constant-time
//! `verify_slice`. Every state-changing request also needs an `Origin` naming this server
//! (the `Host` it was asked for): a cross-site form or script is refused with 403, whatever
//! it carries. A request without `Origin` is a browser's only when it carries the cookie
//! (browsers send `Origin` on every POST), so it is refused then; a Bearer client (curl, a
//! script) need not send one. Without a token the dashboard is read-only (every POST is
//! refused) and served only on a loopback listener, to requests for a loopback name (DNS
//! rebinding). Webhook paths never come through here:
//! they keep their own verification.

use std::net::SocketAddr;
use std::time::Instant;

use anyhow::{Result, bail};
use axum::extract::{Request as HttpRequest, State};
use axum::middleware::Next;
use axum::response::{IntoResponse as _, Response};
use hmac::{Hmac, KeyInit as _, Mac as _};
use http::{HeaderMap, Method, StatusCode, header};
use sha2::Sha256;

use super::dashboard::html::{self, Viewer};
use super::listener::Peer;
use super::state::AppState;
use crate::store::ServerConfig;

/// The session cookie's name.
pub(crate) const COOKIE: &str = "jobtab_session";

/// What the cookie's value is the HMAC of, keyed with the token.
const SESSION_LABEL: &[u8] = b"jobtab dashboard session v1";

/// The dashboard's access rule, from `[server] token` and the listener's address.
#[derive(Clone)]
pub(crate) enum Access {
    /// A token is set: it is needed for everything, and allows changes.
    Token(Token),
    /// No token, loopback listener: read-only.
    ReadOnly,
    /// No token, a listener others can reach: the dashboard and API are not served.
    Off,
}

impl Access {
    /// The rule for an expanded `token` (`None`: not set) on a listener that is (or is not)
    /// loopback only.
    pub(crate) fn new(token: Option<&str>, loopback: bool) -> Access {
        match token {
            Some(token) => Access::Token(Token::new(token)),
            None if loopback => Access::ReadOnly,
            None => Access::Off,
        }
    }

    /// The rule of `config` on a listener bound to `addr`: its token `${VAR}`-expanded from
    /// the environment (an unset variable stops `run` with an error naming it, never its
    /// value).
    pub(crate) fn from_config(config: &ServerConfig, addr: SocketAddr) -> Result<Access> {
        let token = match &config.token {
            Some(template) => match crate::execute::expand(template) {
                Ok(token) if token.trim().is_empty() => bail!(
                    "[server] token {template:?} is empty: set the variable to a long random \
                     value (e.g. `openssl rand -hex 32`)"
                ),
                Ok(token) => Some(token),
                Err(why) => bail!("[server] token: {why}"),
            },
            None => None,
        };
        Ok(Access::new(token.as_deref(), addr.ip().is_loopback()))
    }

    /// What `run` says at start about the dashboard at `base` (`http://127.0.0.1:8080`).
    pub(crate) fn describe(&self, base: &str) -> String {
        match self {
            Access::Token(_) => {
                format!("dashboard at {base}/ (sign in with [server] token); API at {base}/api/")
            }
            Access::ReadOnly => format!(
                "dashboard at {base}/ is read-only: no [server] token is set, so run-now, \
                 enable and disable are refused; set token = \"${{JOBTAB_TOKEN}}\" in [server] \
                 to allow them"
            ),
            Access::Off => "dashboard and API are off: the listener is not a loopback address \
                 and no [server] token is set; set token = \"${JOBTAB_TOKEN}\" in [server] to \
                 serve them"
                .to_owned(),
        }
    }
}

/// The dashboard token, kept as the session value it gives (the key of every comparison).
#[derive(Clone)]
pub(crate) struct Token {
    token: Vec<u8>,
}

impl Token {
    pub(crate) fn new(token: &str) -> Token {
        Token {
            token: token.as_bytes().to_vec(),
        }
    }

    /// Whether `given` is the token, in constant time: the session value `given` would make
    /// is checked against ours with `verify_slice`.
    pub(crate) fn matches(&self, given: &str) -> bool {
        let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(given.as_bytes()) else {
            return false;
        };
        mac.update(SESSION_LABEL);
        mac.verify_slice(&self.session()).is_ok()
    }

    /// The session cookie's value: hex HMAC-SHA256(token, label).
    pub(crate) fn session_value(&self) -> String {
        hex(&self.session())
    }

    /// Whether `value` (a cookie's) is our session value, in constant time.
    pub(crate) fn session_matches(&self, value: &str) -> bool {
        let Some(bytes) = unhex(value) else {
            return false;
        };
        self.mac().verify_slice(&bytes).is_ok()
    }

    fn mac(&self) -> Hmac<Sha256> {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.token)
            .expect("HMAC-SHA256 takes a key of any length");
        mac.update(SESSION_LABEL);
        mac
    }

    fn session(&self) -> Vec<u8> {
        self.mac().finalize().into_bytes().to_vec()
    }

    /// The `Set-Cookie` value that signs a browser in (`secure` over HTTPS).
    pub(crate) fn set_cookie(&self, secure: bool) -> String {
        format!(
            "{COOKIE}={}; HttpOnly; SameSite=Strict; Path=/{}",
            self.session_value(),
            if secure { "; Secure" } else { "" }
        )
    }
}

/// The `Set-Cookie` value that signs a browser out.
pub(crate) fn clear_cookie(secure: bool) -> String {
    format!(
        "{COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0{}",
        if secure { "; Secure" } else { "" }
    )
}

/// How a request proved it may look, if it did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Proof {
    Bearer,
    Cookie,
    /// No token is set (read-only).
    Nothing,
}

/// Why a request is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// No token, or a wrong one: 401 (pages show the sign-in form).
    Unauthorized,
    /// A state-changing request from another site (or an opaque `null` origin), or one a
    /// browser sent without `Origin`: 403.
    CrossOrigin,
    /// A change asked of a read-only dashboard (no token set): 403.
    ReadOnly,
    /// The dashboard is off (no token, a listener others can reach): 404.
    Off,
    /// A read-only dashboard asked for under a name that is not loopback's (a DNS-rebinding
    /// page's own name pointed at 127.0.0.1): 403.
    ForeignHost,
}

impl Refusal {
    /// What the refused client is told.
    pub(crate) fn message(self) -> &'static str {
        match self {
            Refusal::Unauthorized => {
                "sign in: send the [server] token as `Authorization: Bearer TOKEN`, or sign in \
                 at /login"
            }
            Refusal::CrossOrigin => {
                "refused: a change must come from this server's own pages (the Origin header \
                 does not name this server)"
            }
            Refusal::ReadOnly => {
                "the dashboard is read-only: no [server] token is set; set token = \
                 \"${JOBTAB_TOKEN}\" in [server] to allow changes"
            }
            Refusal::Off => {
                "the dashboard is off: no [server] token is set and the listener is not a \
                 loopback address"
            }
            Refusal::ForeignHost => {
                "refused: without a [server] token the dashboard answers only requests for a \
                 loopback name (localhost, 127.0.0.1, [::1]); open it by that name, or set \
                 token = \"${JOBTAB_TOKEN}\" in [server]"
            }
        }
    }
}

/// What the access check looks at in a request.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Request<'a> {
    /// Whether it changes something (any method but GET and HEAD).
    pub(crate) changes: bool,
    pub(crate) authorization: Option<&'a str>,
    /// The `Cookie` header.
    pub(crate) cookie: Option<&'a str>,
    pub(crate) origin: Option<&'a str>,
    pub(crate) host: Option<&'a str>,
    /// Whether the server speaks HTTPS (the scheme `Origin` must have).
    pub(crate) tls: bool,
}

/// Whether `request` may go on under `access`, and how it proved it.
pub(crate) fn check(access: &Access, request: &Request<'_>) -> Result<Proof, Refusal> {
    let token = match access {
        Access::Off => return Err(Refusal::Off),
        // Loopback is the read-only dashboard's only protection: a page from another site
        // whose name resolves to 127.0.0.1 (DNS rebinding) sends its own name as `Host`.
        Access::ReadOnly if !loopback_host(request.host) => return Err(Refusal::ForeignHost),
        Access::ReadOnly if request.changes => return Err(Refusal::ReadOnly),
        Access::ReadOnly => return Ok(Proof::Nothing),
        Access::Token(token) => token,
    };
    // The origin first: a cross-site request is refused as such, signed in or not.
    if request.changes
        && request.origin.is_some()
        && !same_origin(request.origin, request.host, request.tls)
    {
        return Err(Refusal::CrossOrigin);
    }
    let proof = if let Some(given) = request.authorization.and_then(bearer) {
        token.matches(given).then_some(Proof::Bearer)
    } else {
        cookie_value(request.cookie)
            .filter(|value| token.session_matches(value))
            .map(|_| Proof::Cookie)
    };
    let proof = proof.ok_or(Refusal::Unauthorized)?;
    // A browser always sends Origin on a POST; one without it is not to be trusted with the
    // cookie it carries.
    if request.changes && proof == Proof::Cookie && request.origin.is_none() {
        return Err(Refusal::CrossOrigin);
    }
    Ok(proof)
}

/// The token of an `Authorization: Bearer TOKEN` header.
fn bearer(header: &str) -> Option<&str> {
    let (scheme, token) = header.trim().split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|token| !token.is_empty())
}

/// Our session cookie's value in a `Cookie` header.
fn cookie_value(header: Option<&str>) -> Option<&str> {
    header?.split(';').find_map(|pair| {
        let (name, value) = pair.trim().split_once('=')?;
        (name == COOKIE).then_some(value.trim())
    })
}

/// Whether `host` (a `Host` header, port optional) names a loopback address: `localhost`
/// (or a name under it, which browsers resolve to loopback themselves), 127.0.0.0/8 or `[::1]`.
fn loopback_host(host: Option<&str>) -> bool {
    let Some(host) = host.map(|host| host.trim().to_ascii_lowercase()) else {
        return false;
    };
    let name = match host.strip_prefix('[') {
        Some(rest) => rest.split_once(']').map_or(rest, |(inside, _)| inside),
        None => host
            .rsplit_once(':')
            .map_or(host.as_str(), |(name, _)| name),
    };
    let name = name.trim_end_matches('.');
    name == "localhost"
        || name.ends_with(".localhost")
        || name
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// Whether `origin` names the server a request was sent to (`host`, its `Host` header) with the
/// scheme it speaks. `null` (an opaque origin: a sandboxed frame, a `data:` page) never does.
pub(crate) fn same_origin(origin: Option<&str>, host: Option<&str>, tls: bool) -> bool {
    let (Some(origin), Some(host)) = (origin, host) else {
        return false;
    };
    let scheme = if tls { "https" } else { "http" };
    let Some(authority) = origin
        .trim()
        .strip_prefix(scheme)
        .and_then(|rest| rest.strip_prefix("://"))
    else {
        return false;
    };
    let default_port = if tls { ":443" } else { ":80" };
    let normal = |authority: &str| -> String {
        let lower = authority.trim().trim_end_matches('/').to_ascii_lowercase();
        match lower.strip_suffix(default_port) {
            Some(bare) => bare.to_owned(),
            None => lower,
        }
    };
    !authority.is_empty() && !authority.contains('/') && normal(authority) == normal(host)
}

/// The guard in front of every page and API route: lets a request through with its `Viewer`
/// in its extensions, or answers the refusal (JSON under `/api/`, the sign-in form for a page
/// that needs the token, a short text otherwise).
pub(crate) async fn guard(
    State(state): State<AppState>,
    mut request: HttpRequest,
    next: Next,
) -> Response {
    let headers = request.headers();
    // A Bearer token is a guess to count (`guesses`); a client with too many wrong ones waits.
    let guesser = match (
        state.access(),
        text(headers, header::AUTHORIZATION).and_then(bearer),
    ) {
        (Access::Token(_), Some(_)) => request
            .extensions()
            .get::<Peer>()
            .map(|peer| peer.client_ip(headers, state.config.trust_proxy)),
        _ => None,
    };
    if let Some(ip) = guesser
        && let Err(wait) = state.guesses.check(ip, Instant::now())
    {
        return too_many_guesses(wait, request.uri().path());
    }
    let checked = check(
        state.access(),
        &Request {
            changes: !matches!(*request.method(), Method::GET | Method::HEAD),
            authorization: text(headers, header::AUTHORIZATION),
            cookie: text(headers, header::COOKIE),
            origin: text(headers, header::ORIGIN),
            host: text(headers, header::HOST),
            tls: state.config.tls_cert.is_some(),
        },
    );
    match checked {
        Ok(proof) => {
            request.extensions_mut().insert(match proof {
                Proof::Bearer => Viewer::Bearer,
                Proof::Cookie => Viewer::Cookie,
                Proof::Nothing => Viewer::ReadOnly,
            });
            next.run(request).await
        }
        Err(refusal) => {
            if let Some(ip) = guesser
                && refusal == Refusal::Unauthorized
            {
                state.wrong_token(ip);
            }
            refuse(refusal, &request)
        }
    }
}

/// The answer to a client that sent too many wrong tokens: 429 with `Retry-After` (JSON under
/// `/api/`).
pub(crate) fn too_many_guesses(wait: u64, path: &str) -> Response {
    let message = format!(
        "too many wrong tokens from this address: try again in {wait} s (at most {} wrong \
         tokens a minute)",
        super::guesses::FREE
    );
    let mut response = if path == "/api" || path.starts_with("/api/") {
        super::api::error(StatusCode::TOO_MANY_REQUESTS, &message)
    } else {
        (StatusCode::TOO_MANY_REQUESTS, format!("{message}\n")).into_response()
    };
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, http::HeaderValue::from(wait));
    response
}

/// `/metrics` on the run's listener: with `[server] token` set it needs the token like every
/// page (its job and hook names are not for anyone who can reach the port); without one it is
/// served as `--metrics` serves it, whatever the address.
pub(crate) async fn metrics_guard(
    State(state): State<AppState>,
    request: HttpRequest,
    next: Next,
) -> Response {
    if matches!(state.access(), Access::Token(_)) {
        guard(State(state), request, next).await
    } else {
        next.run(request).await
    }
}

/// The answer to a refused request.
fn refuse(refusal: Refusal, request: &HttpRequest) -> Response {
    let status = match refusal {
        Refusal::Unauthorized => StatusCode::UNAUTHORIZED,
        Refusal::CrossOrigin | Refusal::ReadOnly | Refusal::ForeignHost => StatusCode::FORBIDDEN,
        Refusal::Off => StatusCode::NOT_FOUND,
    };
    let path = request.uri().path();
    if path == "/api" || path.starts_with("/api/") {
        return super::api::error(status, refusal.message());
    }
    if refusal == Refusal::Unauthorized && request.method() == Method::GET {
        let next = request
            .uri()
            .path_and_query()
            .map_or("/", |path| path.as_str());
        return super::dashboard::html(status, html::login(html::safe_next(next), None));
    }
    (status, format!("{}\n", refusal.message())).into_response()
}

/// A header's value as text, if it is.
pub(crate) fn text(headers: &HeaderMap, name: header::HeaderName) -> Option<&str> {
    headers.get(name).and_then(|value| value.to_str().ok())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) || !text.is_ascii() {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token() -> Access {
        Access::new(Some("s3cret-token"), true)
    }

    fn post<'a>(origin: Option<&'a str>, authorization: Option<&'a str>) -> Request<'a> {
        Request {
            changes: true,
            authorization,
            cookie: None,
            origin,
            host: Some("127.0.0.1:8080"),
            tls: false,
        }
    }

    #[test]
    fn the_token_and_the_session_value_are_compared_whole() {
        let Access::Token(t) = token() else {
            unreachable!()
        };
        assert!(t.matches("s3cret-token"));
        for wrong in ["", "s3cret-toke", "s3cret-token ", "S3CRET-TOKEN", "x"] {
            assert!(!t.matches(wrong), "{wrong:?}");
        }
        let session = t.session_value();
        assert_eq!(session.len(), 64);
        assert!(
            !session.contains("s3cret"),
            "the cookie never holds the token"
        );
        assert!(t.session_matches(&session));
        assert!(!t.session_matches(&session[..62]));
        assert!(!t.session_matches(&session.replace(&session[..2], "zz")));
        assert!(!t.session_matches(""));
        // Another token makes another session.
        assert_ne!(Token::new("other").session_value(), session);
    }

    #[test]
    fn the_cookie_is_httponly_samesite_strict_for_the_whole_site() {
        let t = Token::new("abc");
        let cookie = t.set_cookie(false);
        assert!(cookie.starts_with(&format!("{COOKIE}={};", t.session_value())));
        let flags: Vec<&str> = cookie.split("; ").skip(1).collect();
        assert_eq!(flags, ["HttpOnly", "SameSite=Strict", "Path=/"]);
        assert!(t.set_cookie(true).ends_with("; Path=/; Secure"));
        assert!(clear_cookie(false).contains("Max-Age=0"));
        assert!(clear_cookie(false).contains("HttpOnly; SameSite=Strict; Path=/"));
    }

    #[test]
    fn pages_and_reads_need_the_token_by_bearer_or_cookie() {
        let access = token();
        let read = |authorization, cookie| Request {
            authorization,
            cookie,
            host: Some("127.0.0.1:8080"),
            ..Request::default()
        };
        assert_eq!(
            check(&access, &read(None, None)),
            Err(Refusal::Unauthorized)
        );
        assert_eq!(
            check(&access, &read(Some("Bearer s3cret-token"), None)),
            Ok(Proof::Bearer)
        );
        assert_eq!(
            check(&access, &read(Some("bearer  s3cret-token"), None)),
            Ok(Proof::Bearer)
        );
        assert_eq!(
            check(&access, &read(Some("Bearer wrong"), None)),
            Err(Refusal::Unauthorized)
        );
        assert_eq!(
            check(&access, &read(Some("Basic s3cret-token"), None)),
            Err(Refusal::Unauthorized)
        );
        let Access::Token(t) = &access else {
            unreachable!()
        };
        let cookie = format!("theme=dark; {COOKIE}={}", t.session_value());
        assert_eq!(
            check(&access, &read(None, Some(&cookie))),
            Ok(Proof::Cookie)
        );
        // The token itself is not a session value.
        let raw = format!("{COOKIE}=s3cret-token");
        assert_eq!(
            check(&access, &read(None, Some(&raw))),
            Err(Refusal::Unauthorized)
        );
    }

    #[test]
    fn changes_need_a_matching_origin() {
        let access = token();
        let bearer = Some("Bearer s3cret-token");
        // Matching (default ports too).
        assert_eq!(
            check(&access, &post(Some("http://127.0.0.1:8080"), bearer)),
            Ok(Proof::Bearer)
        );
        // Another origin, another port, another scheme, `null`: refused, even with the token.
        for origin in [
            "http://evil.example",
            "http://127.0.0.1:8081",
            "https://127.0.0.1:8080",
            "null",
            "http://127.0.0.1:8080.evil.example",
            "http://127.0.0.1:8080/path",
        ] {
            assert_eq!(
                check(&access, &post(Some(origin), bearer)),
                Err(Refusal::CrossOrigin),
                "{origin}"
            );
            assert_eq!(
                check(&access, &post(Some(origin), None)),
                Err(Refusal::CrossOrigin),
                "{origin} without the token"
            );
        }
        // Missing: a script with the Bearer token may; a browser's cookie may not.
        assert_eq!(check(&access, &post(None, bearer)), Ok(Proof::Bearer));
        let Access::Token(t) = &access else {
            unreachable!()
        };
        let cookie = format!("{COOKIE}={}", t.session_value());
        let with_cookie = |origin| Request {
            cookie: Some(&cookie),
            ..post(origin, None)
        };
        assert_eq!(
            check(&access, &with_cookie(None)),
            Err(Refusal::CrossOrigin)
        );
        assert_eq!(
            check(&access, &with_cookie(Some("http://127.0.0.1:8080"))),
            Ok(Proof::Cookie)
        );
        assert_eq!(
            check(&access, &post(Some("http://127.0.0.1:8080"), None)),
            Err(Refusal::Unauthorized)
        );
    }

    #[test]
    fn origins_compare_scheme_host_and_port() {
        assert!(same_origin(
            Some("http://a.example"),
            Some("a.example"),
            false
        ));
        assert!(same_origin(
            Some("http://A.example:80"),
            Some("a.example"),
            false
        ));
        assert!(same_origin(
            Some("https://a.example"),
            Some("a.example:443"),
            true
        ));
        assert!(!same_origin(
            Some("http://a.example"),
            Some("a.example"),
            true
        ));
        assert!(!same_origin(Some("http://a.example"), None, false));
        assert!(!same_origin(None, Some("a.example"), false));
        assert!(!same_origin(Some("null"), Some("null"), false));
        assert!(!same_origin(Some("http://"), Some(""), false));
    }

    #[test]
    fn without_a_token_the_dashboard_is_read_only_on_loopback_and_off_elsewhere() {
        let read_only = Access::new(None, true);
        let read = Request {
            host: Some("127.0.0.1:8080"),
            ..Request::default()
        };
        assert_eq!(check(&read_only, &read), Ok(Proof::Nothing));
        assert_eq!(
            check(&read_only, &post(Some("http://127.0.0.1:8080"), None)),
            Err(Refusal::ReadOnly)
        );
        let off = Access::new(None, false);
        assert_eq!(check(&off, &read), Err(Refusal::Off));
        assert!(read_only.describe("http://x").contains("read-only"));
        assert!(off.describe("http://x").contains("off"));
        assert!(!token().describe("http://x").contains("s3cret"));
    }

    #[test]
    fn the_read_only_dashboard_answers_only_loopback_names() {
        let read_only = Access::new(None, true);
        let read = |host| Request {
            host,
            ..Request::default()
        };
        for host in [
            "127.0.0.1:8080",
            "127.0.0.1",
            "localhost:8080",
            "LOCALHOST",
            "app.localhost:8080",
            "[::1]:8080",
            "127.1.2.3:80",
        ] {
            assert_eq!(
                check(&read_only, &read(Some(host))),
                Ok(Proof::Nothing),
                "{host}"
            );
        }
        // A rebinding page's name, a LAN address, no Host at all: refused.
        for host in [
            Some("evil.example:8080"),
            Some("evil.example"),
            Some("localhost.evil.example"),
            Some("192.168.1.5:8080"),
            Some("[::2]:8080"),
            None,
        ] {
            assert_eq!(
                check(&read_only, &read(host)),
                Err(Refusal::ForeignHost),
                "{host:?}"
            );
        }
        // With a token, the token is the protection: any name may be used.
        assert_eq!(
            check(&token(), &read(Some("jobs.example.com"))),
            Err(Refusal::Unauthorized)
        );
    }
}
