//! A loopback HTTP/1.1 server for tests (127.0.0.1 only, std only): it records every request
//! and answers each with the next scripted `Reply` (the last one repeats), `Connection: close`.
//!
//! ```ignore
//! let server = TestServer::start(vec![Reply::status(503), Reply::status(200)]);
//! let url = server.url("/hook");
//! // ... run jobtab ...
//! let requests = server.wait_for(2, Duration::from_secs(10));
//! assert_eq!(requests[1].header("idempotency-key"), requests[0].header("idempotency-key"));
//! ```

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

/// One scripted answer.
#[derive(Debug, Clone)]
pub(crate) struct Reply {
    pub(crate) status: u16,
    pub(crate) body: String,
    /// How long to wait before answering (after reading the request).
    pub(crate) delay: Duration,
    /// Answer only once the test calls `TestServer::release` (after the delay).
    pub(crate) held: bool,
}

impl Reply {
    /// `status` with an empty body and no delay.
    pub(crate) fn status(status: u16) -> Reply {
        Reply {
            status,
            body: String::new(),
            delay: Duration::ZERO,
            held: false,
        }
    }

    /// The same reply with `body`.
    pub(crate) fn body(mut self, body: &str) -> Reply {
        self.body = body.to_owned();
        self
    }

    /// The same reply, sent after `delay`.
    pub(crate) fn delay(mut self, delay: Duration) -> Reply {
        self.delay = delay;
        self
    }

    /// The same reply, sent only once the test calls `TestServer::release` (a slow receiver
    /// that is exactly as slow as the test needs, instead of a fixed delay that races).
    pub(crate) fn held(mut self) -> Reply {
        self.held = true;
        self
    }
}

/// One request as received.
#[derive(Debug, Clone)]
pub(crate) struct Request {
    pub(crate) method: String,
    /// Path and query, as sent.
    pub(crate) path: String,
    /// Header names lowercased, in order.
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: String,
}

impl Request {
    /// The first value of header `name` (any case).
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(key, _)| *key == name)
            .map(|(_, value)| value.as_str())
    }
}

#[derive(Default)]
struct Shared {
    requests: Mutex<Vec<Request>>,
    arrived: Condvar,
    released: Mutex<bool>,
    release: Condvar,
}

/// The running server; it stops accepting when dropped.
pub(crate) struct TestServer {
    addr: SocketAddr,
    shared: Arc<Shared>,
    stop: Arc<AtomicBool>,
}

impl TestServer {
    /// Starts a server on 127.0.0.1 with a free port; request N gets `responses[N]`, the last
    /// reply repeats (an empty list means 200 for every request).
    pub(crate) fn start(responses: Vec<Reply>) -> TestServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("local address");
        let shared = Arc::new(Shared::default());
        let stop = Arc::new(AtomicBool::new(false));
        let responses = if responses.is_empty() {
            vec![Reply::status(200)]
        } else {
            responses
        };
        let (thread_shared, thread_stop) = (Arc::clone(&shared), Arc::clone(&stop));
        std::thread::spawn(move || {
            let mut served = 0usize;
            for stream in listener.incoming() {
                if thread_stop.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                let reply = responses[served.min(responses.len() - 1)].clone();
                served += 1;
                let shared = Arc::clone(&thread_shared);
                std::thread::spawn(move || serve(stream, &reply, &shared));
            }
        });
        TestServer { addr, shared, stop }
    }

    /// `http://127.0.0.1:PORT` + `path`.
    pub(crate) fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Every request received so far, in arrival order.
    pub(crate) fn requests(&self) -> Vec<Request> {
        self.shared.requests.lock().unwrap().clone()
    }

    /// Waits until at least `n` requests arrived or `timeout` passed; returns all received.
    pub(crate) fn wait_for(&self, n: usize, timeout: Duration) -> Vec<Request> {
        let deadline = Instant::now() + timeout;
        let mut requests = self.shared.requests.lock().unwrap();
        while requests.len() < n {
            let now = Instant::now();
            if now >= deadline {
                break;
            }
            requests = self
                .shared
                .arrived
                .wait_timeout(requests, deadline - now)
                .unwrap()
                .0;
        }
        requests.clone()
    }

    /// Lets the held replies (`Reply::held`) go out, those waiting and those to come.
    pub(crate) fn release(&self) {
        *self.shared.released.lock().unwrap() = true;
        self.shared.release.notify_all();
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.release();
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop so it sees the flag.
        let _ = TcpStream::connect(self.addr);
    }
}

/// Reads one request, records it, waits the reply's delay (and its release if held), answers
/// and closes.
fn serve(stream: TcpStream, reply: &Reply, shared: &Shared) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let Ok(read_half) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(read_half);
    let mut line = String::new();
    if reader.read_line(&mut line).unwrap_or(0) == 0 {
        return; // the wake-up connection of Drop, or a client that gave up
    }
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or_default().to_owned();
    let path = parts.next().unwrap_or_default().to_owned();
    let mut headers = Vec::new();
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header).unwrap_or(0) == 0 {
            break;
        }
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':') {
            headers.push((name.trim().to_ascii_lowercase(), value.trim().to_owned()));
        }
    }
    let find = |name: &str| {
        headers
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.clone())
    };
    let mut body = Vec::new();
    if let Some(length) = find("content-length").and_then(|v| v.parse::<usize>().ok()) {
        body.resize(length, 0);
        let _ = reader.read_exact(&mut body);
    } else if find("transfer-encoding").is_some_and(|v| v.eq_ignore_ascii_case("chunked")) {
        loop {
            let mut size = String::new();
            if reader.read_line(&mut size).unwrap_or(0) == 0 {
                break;
            }
            let size = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
            let mut chunk = vec![0; size + 2];
            if reader.read_exact(&mut chunk).is_err() || size == 0 {
                break;
            }
            body.extend_from_slice(&chunk[..size]);
        }
    }
    {
        let mut requests = shared.requests.lock().unwrap();
        requests.push(Request {
            method,
            path,
            headers,
            body: String::from_utf8_lossy(&body).into_owned(),
        });
        shared.arrived.notify_all();
    }
    std::thread::sleep(reply.delay);
    if reply.held {
        let released = shared.released.lock().unwrap();
        let _released = shared
            .release
            .wait_while(released, |released| !*released)
            .unwrap();
    }
    let mut stream = stream;
    let _ = write!(
        stream,
        "HTTP/1.1 {} {}\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{}",
        reply.status,
        reason(reply.status),
        reply.body.len(),
        reply.body
    );
    let _ = stream.flush();
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        204 => "No Content",
        301 => "Moved Permanently",
        302 => "Found",
        400 => "Bad Request",
        401 => "Unauthorized",
        404 => "Not Found",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        _ => "Status",
    }
}
