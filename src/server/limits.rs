//! Every limit the server puts on the network, in one place (STYLE.md section 12; PRODUCT.md
//! section 9: "the server never lets the network hurt the scheduler"):
//!
//! | limit | where | value |
//! | --- | --- | --- |
//! | header size | hyper's read buffer (`max_buf_size`) | [`MAX_HEADER_BYTES`] |
//! | header read time | hyper's `header_read_timeout`, with a tokio timer set explicitly (without one hyper ignores it: axum's `serve` and hyper-util PR #137) | [`Limits::header_read`] |
//! | concurrent connections | a semaphore in the accept loop (`listener`); one more is closed at once | [`Limits::connections`] |
//! | TLS handshake time | `listener` | [`Limits::header_read`] |
//! | whole request (everything but hooks) | tower-http `TimeoutLayer` | [`Limits::request_timeout`] |
//! | request body (everything but hooks) | tower-http `RequestBodyLimitLayer` | [`MAX_BODY`] |
//! | hook body time | `hooks` (a timer only for a body not in yet) | [`Limits::body_deadline`] |
//! | hook body size | the hook's `max_body` (`hooks`: `Content-Length`, then a limited read) | per hook |
//! | hook rate | the hook's `rate_limit` (`rate`) | per hook |
//!
//! Hooks have no whole-request timeout of their own: a `response = "wait"` hook answers after
//! the run, bounded by the job's timeout (`hooks`).

use std::time::Duration;

use axum::Router;
use http::StatusCode;
use hyper::server::conn::http1;
use hyper_util::rt::TokioTimer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;

/// The most header bytes a request may send (hyper's smallest buffer is 8 KiB).
pub(crate) const MAX_HEADER_BYTES: usize = 16 * 1024;

/// How long any request but a hook's may take, body and answer included.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// The largest body of any request but a hook's (the API's are tiny).
pub(crate) const MAX_BODY: usize = 64 * 1024;

/// How long a hook's body may take to arrive once the headers are in.
const BODY_DEADLINE: Duration = Duration::from_secs(30);

/// How long open connections get to finish their request when the server stops.
pub(crate) const DRAIN: Duration = Duration::from_secs(5);

/// The limits a listener applies to each connection.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    /// The time a client has to send its request's headers (from the first read on the
    /// connection, or the end of the previous answer); a slow client is cut off after it.
    pub(crate) header_read: Duration,
    /// Connections served at once; one more is closed at once.
    pub(crate) connections: usize,
    /// How long any request but a hook's may take, body and answer included (408 after).
    pub(crate) request_timeout: Duration,
    /// How long a hook's body may take to arrive once the headers are in (408 after).
    pub(crate) body_deadline: Duration,
}

impl Limits {
    /// For `jobtab run`'s listeners: 10 s for headers; as many connections as the descriptor
    /// limit leaves room for, at most 4,096 (`raise_descriptor_limit` raises it first); 30 s
    /// for a request, and for a hook's body.
    pub(crate) fn for_run() -> Limits {
        Limits {
            header_read: Duration::from_secs(10),
            connections: connection_budget(),
            request_timeout: REQUEST_TIMEOUT,
            body_deadline: BODY_DEADLINE,
        }
    }
}

/// The HTTP/1 connection settings: header size and read time, with the timer hyper needs to
/// enforce the latter.
pub(crate) fn http1(limits: &Limits) -> http1::Builder {
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read)
        .max_buf_size(MAX_HEADER_BYTES);
    builder
}

/// The layers of every route but the hooks: a whole-request timeout and a body limit. (A
/// hook's body has its own deadline, set by `hooks` only when the body is not in with the
/// headers, which saves a timer on nearly every delivery.)
pub(crate) fn fixed_routes<S: Clone + Send + Sync + 'static>(
    router: Router<S>,
    limits: &Limits,
) -> Router<S> {
    router
        .layer(RequestBodyLimitLayer::new(MAX_BODY))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            limits.request_timeout,
        ))
}

/// Connections to serve at once: 4,096, or fewer when the descriptor limit is lower (128 are
/// kept for the scheduler's runs, history and logs).
fn connection_budget() -> usize {
    let limit = rustix::process::getrlimit(rustix::process::Resource::Nofile)
        .current
        .unwrap_or(u64::MAX);
    usize::try_from(limit.saturating_sub(128))
        .unwrap_or(usize::MAX)
        .clamp(16, 4096)
}

/// Raises the soft limit on open descriptors to the hard one (systemd and most shells start
/// at 1,024, too few for a server with a thousand clients); `Err` says why it could not.
pub(crate) fn raise_descriptor_limit() -> Result<(), String> {
    use rustix::process::{Resource, getrlimit, setrlimit};
    let limit = getrlimit(Resource::Nofile);
    if limit.current == limit.maximum {
        return Ok(());
    }
    let raised = rustix::process::Rlimit {
        current: limit.maximum,
        maximum: limit.maximum,
    };
    setrlimit(Resource::Nofile, raised).map_err(|err| err.to_string())
}
