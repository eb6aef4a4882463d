//! One attempt of an HTTP job with ureq (PRODUCT.md section 5, RESEARCH.md C16): `${VAR}`
//! expanded in URL, headers and body first (a missing one fails before any request), then
//! one request with `User-Agent: jobtab/<version>` and the run's `Idempotency-Key`. A job
//! without a body sends none, and no `Content-Length` either unless its method is POST, PUT
//! or PATCH (RFC 9110 section 8.6). Errors quote the job's templates, never expanded values,
//! and describe ureq's errors in words (`failure`).
//!
//! Success is any 2xx, or exactly the job's `expect` codes. Redirects are NOT followed: a
//! webhook that answers 3xx is a configuration mistake worth seeing, and following it could
//! silently turn a POST into a GET; a 3xx final status counts by the same `expect` rules.
//! Network errors, timeouts and 5xx may be retried; 4xx and other unexpected codes not.
//!
//! The call runs on the calling (worker) thread, through one agent per `Cancel` token (one per
//! `run` or `exec` process): connections are reused and buffers are smaller than ureq's (48 KiB
//! rather than 256 KiB per connection), and no call costs a thread of ours. The total and
//! connect timeouts are set per request. A cancellation shuts that agent down, which fails the
//! calls in flight at once; only a name lookup or TCP connect in progress runs on to its
//! timeout. (ureq itself looks names up on a short-lived thread, so a timeout bounds
//! getaddrinfo; that thread ends with the lookup.)

use std::io::Read as _;
use std::sync::OnceLock;
use std::time::Duration;

use ureq::Agent;
use ureq::http::Request;

use super::capture::Tail;
use super::failure::Kind;
use super::{Cancel, Outcome, RunVars};
use crate::history::{OUTPUT_TAIL_BYTES, RunStatus};
use crate::store::model::HTTP_CONNECT_TIMEOUT;
use crate::store::{HttpSpec, Job};

/// `jobtab/<version>`, sent as the User-Agent of every call.
pub(crate) const USER_AGENT: &str = concat!("jobtab/", env!("CARGO_PKG_VERSION"));

/// Each connection's input buffer (ureq's default: 128 KiB). A response's status line and
/// headers must fit in it: 32 KiB is more than common proxies pass on (4-16 KiB), and with
/// `MAX_HEADER_BYTES` a bigger header fails as "response header is too big", not as a
/// disconnect. Every worker in a burst holds one, so the size shows in peak memory.
const INPUT_BUFFER_BYTES: usize = 32 * 1024;
/// ureq's limit on a response's status line and headers: just under the buffer, so a header
/// that fills it is reported as too big.
const MAX_HEADER_BYTES: usize = INPUT_BUFFER_BYTES - 1;
/// Each connection's output buffer (ureq's default: 128 KiB); bodies are streamed through it.
const OUTPUT_BUFFER_BYTES: usize = 16 * 1024;

/// A pooled connection idle this long is not reused: shorter than the usual server
/// keep-alive (5 s and up), so a reused connection is rarely one the server is closing.
const MAX_IDLE_AGE: Duration = Duration::from_secs(4);

/// A new agent that returns every status as a response, follows no redirects, keeps idle
/// connections briefly and uses small buffers. Timeouts are set per request (`with_timeouts`).
pub(crate) fn new_agent() -> Agent {
    Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .user_agent(USER_AGENT)
        .input_buffer_size(INPUT_BUFFER_BYTES)
        .max_response_header_size(MAX_HEADER_BYTES)
        .output_buffer_size(OUTPUT_BUFFER_BYTES)
        .max_idle_age(MAX_IDLE_AGE)
        .build()
        .new_agent()
}

/// The process's agent for calls that no cancellation interrupts (notifications).
pub(crate) fn shared_agent() -> Agent {
    static AGENT: OnceLock<Agent> = OnceLock::new();
    AGENT.get_or_init(new_agent).clone()
}

/// `request` limited to `total` overall and `connect` (at most `total`) to connect.
pub(crate) fn with_timeouts<S: ureq::AsSendBody>(
    agent: &Agent,
    request: Request<S>,
    total: Duration,
    connect: Duration,
) -> Request<S> {
    agent
        .configure_request(request)
        .timeout_global(Some(total))
        .timeout_connect(Some(connect.min(total)))
        .build()
}

/// What came back from one request.
struct Response {
    status: u16,
    body: String,
}

/// Calls `spec` once with `key` as its Idempotency-Key, on the calling thread; `${VAR}`s see
/// the run's variables first (`RunVars`).
pub(crate) fn attempt(
    job: &Job,
    spec: &HttpSpec,
    key: &str,
    vars: &RunVars,
    cancel: &Cancel,
) -> Outcome {
    let request = match build(spec, key, vars) {
        Ok(request) => request,
        Err(err) => return Outcome::failed(err, false),
    };
    let Some(agent) = cancel.http_agent(new_agent) else {
        return Outcome::cancelled();
    };
    let timeout = job.http_timeout();
    match send(&agent, request, timeout) {
        Ok(response) => judge(response, &spec.expect),
        // The agent was shut down under the call: that is the cancellation, not a failure.
        Err(_) if cancel.is_cancelled() => Outcome::cancelled(),
        Err(err) => describe_error(&err, timeout),
    }
}

/// Sends `request` limited to `total` (and `HTTP_CONNECT_TIMEOUT` to connect).
fn send(agent: &Agent, request: Prepared, total: Duration) -> Result<Response, ureq::Error> {
    match request {
        Prepared::WithBody(request) => call(
            agent,
            with_timeouts(agent, request, total, HTTP_CONNECT_TIMEOUT),
        ),
        Prepared::NoBody(request) => call(
            agent,
            with_timeouts(agent, request, total, HTTP_CONNECT_TIMEOUT),
        ),
    }
}

/// A request ready to send: with the job's body, or with none at all.
enum Prepared {
    WithBody(Request<Vec<u8>>),
    /// No body and no `Content-Length`: a GET or DELETE without a body must not claim one
    /// (RFC 9110 section 8.6).
    NoBody(Request<()>),
}

/// Whether `method`'s requests are meant to carry content, so that one without a body still
/// says `Content-Length: 0` (RFC 9110 section 8.6: "a user agent normally sends
/// Content-Length in a POST request even when the value is 0").
fn expects_content(method: &str) -> bool {
    matches!(method, "POST" | "PUT" | "PATCH")
}

/// The request with every `${VAR}` expanded, or the error naming the missing variable or
/// the bad part. Errors quote the job's templates, never an expanded value: those are often
/// secrets.
fn build(spec: &HttpSpec, key: &str, vars: &RunVars) -> Result<Prepared, String> {
    let template = &spec.url;
    let url = vars.expand(template)?;
    let invalid_url = |why: &str| {
        format!(
            "invalid URL {template:?} once its variables are expanded: {why}; check the job's \
             http.url and the variables it uses"
        )
    };
    let scheme = url.split_once("://").map(|(scheme, _)| scheme);
    if !scheme.is_some_and(|s| s.eq_ignore_ascii_case("http") || s.eq_ignore_ascii_case("https")) {
        return Err(invalid_url("it must start with http:// or https://"));
    }
    let uri = url
        .parse::<ureq::http::Uri>()
        .map_err(|err| invalid_url(&err.to_string()))?;
    if uri.host().is_none_or(str::is_empty) {
        return Err(invalid_url("it has no host name"));
    }
    let mut builder = Request::builder().method(spec.method.as_str()).uri(uri);
    let mut has_key = false;
    for (name, value) in &spec.headers {
        has_key |= name.eq_ignore_ascii_case("idempotency-key");
        let expanded = vars.expand(value)?;
        let header = ureq::http::HeaderValue::from_str(&expanded).map_err(|_| {
            format!(
                "invalid value for header {name} ({value:?}) once its variables are expanded: \
                 a header value may not hold line breaks or other control characters"
            )
        })?;
        builder = builder.header(name.as_str(), header);
    }
    if !has_key {
        builder = builder.header("Idempotency-Key", key);
    }
    let invalid = |err: ureq::http::Error| {
        format!("invalid HTTP request: {err}; check the job's http method and headers")
    };
    match &spec.body {
        Some(body) => {
            let body = vars.expand(body)?.into_bytes();
            builder.body(body).map(Prepared::WithBody).map_err(invalid)
        }
        None if expects_content(&spec.method) => builder
            .body(Vec::new())
            .map(Prepared::WithBody)
            .map_err(invalid),
        None => builder.body(()).map(Prepared::NoBody).map_err(invalid),
    }
}

/// Sends the request and reads the response body, keeping its last `OUTPUT_TAIL_BYTES`.
fn call<S: ureq::AsSendBody>(agent: &Agent, request: Request<S>) -> Result<Response, ureq::Error> {
    let mut response = agent.run(request)?;
    let status = response.status().as_u16();
    let mut tail = Tail::new(OUTPUT_TAIL_BYTES);
    let mut reader = response.body_mut().as_reader();
    let mut chunk = vec![0u8; 16 * 1024];
    loop {
        match reader.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => tail.push(&chunk[..n]),
            Err(err) if err.kind() == std::io::ErrorKind::Interrupted => {}
            Err(err) => return Err(ureq::Error::Io(err)),
        }
    }
    Ok(Response {
        status,
        body: tail.text(),
    })
}

/// Whether `status` counts as success: one of `expect`, or any 2xx when it is empty.
pub(crate) fn expected(status: u16, expect: &[u16]) -> bool {
    if expect.is_empty() {
        (200..300).contains(&status)
    } else {
        expect.contains(&status)
    }
}

fn judge(response: Response, expect: &[u16]) -> Outcome {
    let ok = expected(response.status, expect);
    Outcome {
        status: if ok { RunStatus::Ok } else { RunStatus::Failed },
        exit_code: None,
        http_status: Some(response.status),
        output: response.body,
        error: (!ok).then(|| {
            let wanted = if expect.is_empty() {
                "a 2xx status".to_owned()
            } else {
                let codes: Vec<String> = expect.iter().map(u16::to_string).collect();
                codes.join(" or ")
            };
            format!("HTTP status {} (expected {wanted})", response.status)
        }),
        retryable: (500..600).contains(&response.status),
    }
}

/// A failed call in words (`failure`), as an attempt's outcome: network errors and timeouts
/// may be retried.
fn describe_error(err: &ureq::Error, timeout: Duration) -> Outcome {
    let failure = super::failure::describe(err, timeout, HTTP_CONNECT_TIMEOUT);
    Outcome {
        status: if failure.kind == Kind::Timeout {
            RunStatus::Timeout
        } else {
            RunStatus::Failed
        },
        ..Outcome::failed(failure.message, failure.kind != Kind::Other)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expect_rules() {
        assert!(expected(200, &[]));
        assert!(expected(204, &[]));
        assert!(!expected(301, &[]));
        assert!(!expected(404, &[]));
        assert!(expected(202, &[200, 202]));
        assert!(!expected(200, &[202]));
        assert!(expected(301, &[301]));
    }

    #[test]
    fn judging_decides_retry() {
        let five = judge(
            Response {
                status: 503,
                body: "busy".into(),
            },
            &[],
        );
        assert_eq!(five.status, RunStatus::Failed);
        assert!(five.retryable);
        assert_eq!(five.output, "busy");
        let four = judge(
            Response {
                status: 404,
                body: String::new(),
            },
            &[],
        );
        assert!(!four.retryable);
        assert_eq!(
            four.error.as_deref(),
            Some("HTTP status 404 (expected a 2xx status)")
        );
        let other = judge(
            Response {
                status: 200,
                body: String::new(),
            },
            &[202, 204],
        );
        assert_eq!(
            other.error.as_deref(),
            Some("HTTP status 200 (expected 202 or 204)")
        );
        assert!(!other.retryable);
        let ok = judge(
            Response {
                status: 202,
                body: String::new(),
            },
            &[202],
        );
        assert_eq!(ok.status, RunStatus::Ok);
        assert_eq!(ok.http_status, Some(202));
    }

    #[test]
    fn the_runs_variables_reach_url_headers_and_body() {
        let input = super::super::RunInput {
            delivery: Some("d-7".into()),
            vars: vec![("REF".into(), "refs/heads/main".into())],
            ..super::super::RunInput::default()
        };
        let vars = RunVars::new(super::super::Trigger::Webhook, "r-1", &input, None);
        let spec = HttpSpec {
            method: "POST".into(),
            url: "https://example.com/deploy?run=${JOBTAB_RUN_ID}".into(),
            headers: vec![("X-Delivery".into(), "${JOBTAB_DELIVERY}".into())],
            body: Some("{\"ref\": \"${REF}\", \"by\": \"${JOBTAB_TRIGGER}\"}".into()),
            expect: Vec::new(),
        };
        let Ok(Prepared::WithBody(request)) = build(&spec, "k", &vars) else {
            panic!("not built");
        };
        assert_eq!(request.uri(), "https://example.com/deploy?run=r-1");
        assert_eq!(request.headers()["x-delivery"], "d-7");
        assert_eq!(
            request.body(),
            b"{\"ref\": \"refs/heads/main\", \"by\": \"webhook\"}"
        );
        // A payload value with a line break cannot add a header.
        let input = super::super::RunInput {
            vars: vec![("REF".into(), "x\r\nX-Evil: 1".into())],
            ..super::super::RunInput::default()
        };
        let vars = RunVars::new(super::super::Trigger::Webhook, "r-2", &input, None);
        let spec = HttpSpec {
            headers: vec![("X-Ref".into(), "${REF}".into())],
            ..spec
        };
        let Err(err) = build(&spec, "k", &vars) else {
            panic!("built");
        };
        assert!(
            err.contains("invalid value for header X-Ref (\"${REF}\")"),
            "{err}"
        );
    }

    #[test]
    fn connection_refused_is_a_retryable_network_error() {
        // A port that was free a moment ago: nothing listens there now.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let spec = HttpSpec {
            method: "GET".into(),
            url: format!("http://127.0.0.1:{port}/"),
            headers: Vec::new(),
            body: None,
            expect: Vec::new(),
        };
        let request = build(&spec, "k", &RunVars::default()).unwrap();
        let err = send(&new_agent(), request, Duration::from_secs(5))
            .err()
            .unwrap();
        let outcome = describe_error(&err, Duration::from_secs(5));
        assert_eq!(outcome.status, RunStatus::Failed);
        assert!(outcome.retryable, "{:?}", outcome.error);
    }

    /// Calls a one-shot local server that answers with `header_bytes` of headers.
    fn call_with_header(header_bytes: usize) -> Result<Response, ureq::Error> {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/", listener.local_addr().unwrap());
        let server = std::thread::spawn(move || {
            use std::io::Write as _;
            let (mut stream, _) = listener.accept().unwrap();
            let mut request = [0u8; 4096];
            let _ = stream.read(&mut request);
            let big = "x".repeat(header_bytes);
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\nX-Big: {big}\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"
            );
        });
        let spec = HttpSpec {
            method: "GET".into(),
            url,
            headers: Vec::new(),
            body: None,
            expect: Vec::new(),
        };
        let request = build(&spec, "k", &RunVars::default()).unwrap();
        let result = send(&new_agent(), request, Duration::from_secs(5));
        server.join().unwrap();
        result
    }

    #[test]
    fn large_response_headers_fit_and_huge_ones_are_named() {
        let response = call_with_header(24 * 1024).unwrap();
        assert_eq!((response.status, response.body.as_str()), (200, "ok"));
        let err = call_with_header(40 * 1024).err().unwrap();
        assert!(
            err.to_string().contains("response header is too big"),
            "{err}"
        );
    }

    #[test]
    fn bad_method_is_not_retried() {
        let spec = HttpSpec {
            method: "BAD METHOD".into(),
            url: "http://127.0.0.1:1/".into(),
            headers: Vec::new(),
            body: None,
            expect: Vec::new(),
        };
        let Err(err) = build(&spec, "k", &RunVars::default()) else {
            panic!("a bad method built a request")
        };
        assert!(err.starts_with("invalid HTTP request"), "{err}");
    }

    fn spec(url: &str, headers: &[(&str, &str)]) -> HttpSpec {
        HttpSpec {
            method: "GET".into(),
            url: url.into(),
            headers: headers
                .iter()
                .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
                .collect(),
            body: None,
            expect: Vec::new(),
        }
    }

    /// The error of building `spec`, with `${PATH}` (set in every test environment) standing
    /// for a secret.
    fn build_error(spec: &HttpSpec) -> String {
        match build(spec, "k", &RunVars::default()) {
            Ok(_) => panic!("{spec:?} built a request"),
            Err(err) => err,
        }
    }

    #[test]
    fn invalid_urls_and_headers_are_quoted_as_written() {
        let path = std::env::var("PATH").unwrap();
        for (url, why) in [
            ("http://127.0.0.1:1/?t=${PATH} x", "invalid uri character"),
            ("${PATH}", "must start with http:// or https://"),
            ("ftp://h/${PATH}", "must start with http:// or https://"),
        ] {
            let err = build_error(&spec(url, &[]));
            assert!(
                err.starts_with(&format!(
                    "invalid URL {url:?} once its variables are expanded"
                )),
                "{err}"
            );
            assert!(err.contains(why), "{err}");
            assert!(!err.contains(&path), "{err}");
        }
        let err = build_error(&spec(
            "http://127.0.0.1:1/",
            &[("Authorization", "Bearer ${PATH}\n")],
        ));
        assert!(
            err.starts_with(
                "invalid value for header Authorization (\"Bearer ${PATH}\\n\") once its \
                 variables are expanded"
            ),
            "{err}"
        );
        assert!(!err.contains(&path), "{err}");
    }

    #[test]
    fn only_methods_that_carry_content_get_an_empty_body() {
        let mut get = spec("http://127.0.0.1:1/", &[]);
        assert!(matches!(
            build(&get, "k", &RunVars::default()),
            Ok(Prepared::NoBody(_))
        ));
        get.method = "DELETE".into();
        assert!(matches!(
            build(&get, "k", &RunVars::default()),
            Ok(Prepared::NoBody(_))
        ));
        get.method = "POST".into();
        assert!(
            matches!(build(&get, "k", &RunVars::default()), Ok(Prepared::WithBody(r)) if r.body().is_empty())
        );
        get.method = "GET".into();
        get.body = Some("q".into());
        assert!(
            matches!(build(&get, "k", &RunVars::default()), Ok(Prepared::WithBody(r)) if r.body() == b"q")
        );
    }
}
