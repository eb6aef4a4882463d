//! Binding an address and the accept loop: each connection is a task on the server's runtime,
//! served by hyper's HTTP/1 with the limits of `limits` (TLS first when configured), until the
//! server stops; then open connections finish their request (up to `limits::DRAIN`).

use std::net::{IpAddr, SocketAddr, ToSocketAddrs as _};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context as _, Result, bail};
use axum::Router;
use http::{HeaderMap, Request};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, watch};
use tower::ServiceExt as _;

use super::limits::{self, Limits};

/// The address a request came from (a request extension the handlers read; made once per
/// connection).
#[derive(Debug, Clone)]
pub(crate) struct Peer {
    pub(crate) ip: IpAddr,
    /// The address and port as the log writes them.
    pub(crate) text: Arc<str>,
}

impl Peer {
    pub(crate) fn new(addr: SocketAddr) -> Peer {
        Peer {
            ip: addr.ip(),
            text: Arc::from(addr.to_string()),
        }
    }

    /// The client's address: the peer's, or with `trust_proxy` the one the proxy put last in
    /// `X-Forwarded-For` ([`forwarded_for`]), when that is an address.
    pub(crate) fn client_ip(&self, headers: &HeaderMap, trust_proxy: bool) -> IpAddr {
        if !trust_proxy {
            return self.ip;
        }
        forwarded_for(headers)
            .and_then(|text| text.parse().ok())
            .unwrap_or(self.ip)
    }
}

/// The client as the proxy in front saw it: the last entry of the last `X-Forwarded-For`.
/// Only that one is the proxy's own word: a proxy appends the address it was connected from
/// to whatever the client sent, so the entries before it are the client's to choose.
pub(crate) fn forwarded_for(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get_all("x-forwarded-for").iter().next_back()?;
    let last = value.to_str().ok()?.rsplit(',').next()?.trim();
    (!last.is_empty()).then_some(last)
}

/// Binds `addr` (`HOST:PORT`, `[IPv6]:PORT`, or `:PORT` for every IPv4 interface); `what`
/// names the setting in errors (`--listen`, `--metrics`), which say what to write.
pub(crate) fn bind(addr: &str, what: &str) -> Result<std::net::TcpListener> {
    let full = if addr.starts_with(':') {
        format!("0.0.0.0{addr}")
    } else {
        addr.to_owned()
    };
    let hint = "write it as HOST:PORT, [IPv6]:PORT or :PORT, e.g. 127.0.0.1:9184 or [::]:9184";
    let addrs: Vec<SocketAddr> = match full.to_socket_addrs() {
        Ok(addrs) => addrs.collect(),
        Err(err) => bail!("invalid {what} address {addr:?} ({err}): {hint}"),
    };
    if addrs.is_empty() {
        bail!("invalid {what} address {addr:?} (no address found): {hint}");
    }
    let listener = std::net::TcpListener::bind(&addrs[..]).map_err(|err| {
        let why = match err.kind() {
            std::io::ErrorKind::AddrInUse => "is another program using that port?",
            std::io::ErrorKind::AddrNotAvailable => {
                "that is not an address of this machine; use 127.0.0.1 (this machine only) or \
                 0.0.0.0 (every interface)"
            }
            std::io::ErrorKind::PermissionDenied => {
                "ports below 1024 need root or CAP_NET_BIND_SERVICE; use a port above 1023"
            }
            _ => "check the address and the port",
        };
        anyhow::Error::new(err).context(format!("cannot listen on {what} address {addr}; {why}"))
    })?;
    listener
        .set_nonblocking(true)
        .context("cannot make the listening socket non-blocking")?;
    Ok(listener)
}

/// Accepts connections until `stop` turns true, then waits for the open ones to finish (at
/// most `limits::DRAIN`).
pub(crate) async fn accept_loop(
    listener: TcpListener,
    tls: Option<tokio_rustls::TlsAcceptor>,
    app: Router,
    limits: Limits,
    mut stop: watch::Receiver<bool>,
) {
    let open = Arc::new(Semaphore::new(limits.connections));
    loop {
        let accepted = tokio::select! {
            _ = stop.wait_for(|stop| *stop) => break,
            accepted = listener.accept() => accepted,
        };
        let (stream, peer) = match accepted {
            Ok(accepted) => accepted,
            // Out of descriptors or the like: do not spin.
            Err(_) => {
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        // Over the limit: closed at once (a sender retries; a scraper asks again).
        let Ok(permit) = Arc::clone(&open).try_acquire_owned() else {
            continue;
        };
        let _ = stream.set_nodelay(true);
        let (tls, app, stop) = (tls.clone(), app.clone(), stop.clone());
        tokio::spawn(async move {
            let peer = Peer::new(peer);
            connection(stream, peer, tls, app, limits, stop).await;
            drop(permit);
        });
    }
    drop(listener);
    let all = u32::try_from(limits.connections).unwrap_or(u32::MAX);
    let _ = tokio::time::timeout(limits::DRAIN, open.acquire_many(all)).await;
}

async fn connection(
    stream: TcpStream,
    peer: Peer,
    tls: Option<tokio_rustls::TlsAcceptor>,
    app: Router,
    limits: Limits,
    stop: watch::Receiver<bool>,
) {
    match tls {
        None => serve(stream, peer, app, &limits, stop).await,
        Some(acceptor) => {
            let handshake = tokio::time::timeout(limits.header_read, acceptor.accept(stream));
            if let Ok(Ok(stream)) = handshake.await {
                serve(stream, peer, app, &limits, stop).await;
            }
        }
    }
}

/// Serves HTTP/1 requests on one connection with `app`; on stop, the request in progress is
/// finished and the connection closed.
async fn serve<I>(io: I, peer: Peer, app: Router, limits: &Limits, mut stop: watch::Receiver<bool>)
where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let service = hyper::service::service_fn(move |mut request: Request<Incoming>| {
        request.extensions_mut().insert(peer.clone());
        app.clone().oneshot(request)
    });
    let conn = limits::http1(limits).serve_connection(TokioIo::new(io), service);
    tokio::pin!(conn);
    tokio::select! {
        _ = conn.as_mut() => return,
        _ = stop.wait_for(|stop| *stop) => conn.as_mut().graceful_shutdown(),
    }
    let _ = tokio::time::timeout(limits::DRAIN, conn).await;
}
