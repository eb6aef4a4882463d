//! The listener and the router through real loopback connections: `/healthz`, `/metrics`,
//! 404s, and the limits (a slow client is cut off; others are answered meanwhile).

use std::io::{Read as _, Write as _};
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use super::state::{AppState, StateSetup};
use super::*;
use crate::log::Logger;
use crate::runner::{Event, Metrics, Published};

/// Long enough that no test client times out on a loaded machine.
const PATIENCE: Duration = Duration::from_secs(30);

struct Fixture {
    server: Server,
    published: Arc<Published>,
    log: crate::log::SharedBuffer,
    _events: mpsc::Receiver<Event>,
    _dir: tempfile::TempDir,
}

fn start(limits: Limits) -> Fixture {
    start_with_jobs(limits, Vec::new())
}

/// A server whose hooks are those of `jobs` (published as the scheduler would).
fn start_with_jobs(limits: Limits, jobs: Vec<Arc<crate::store::Job>>) -> Fixture {
    let published = Arc::new(Published::default());
    let hooks = table::Table::build(jobs.iter(), &|_| None).unwrap();
    published.publish_jobs(Arc::new(jobs));
    let (events, rx) = mpsc::channel();
    let (logger, log) = Logger::capture(crate::log::Format::Text);
    let logger = Arc::new(logger);
    let dir = tempfile::tempdir().unwrap();
    let state = AppState::new(StateSetup {
        published: Arc::clone(&published),
        events,
        state_dir: dir.path().to_owned(),
        job_file: PathBuf::from("/nonexistent/jobs.toml"),
        logger: Arc::clone(&logger),
        config: crate::store::ServerConfig::default(),
        metrics: Arc::new(Metrics::default()),
        hooks,
        dedupe: dedupe::Dedupe::open(dir.path(), 0).unwrap(),
        journal: journal::Journal::start(dir.path(), logger).unwrap(),
        limits,
    });
    let listener = bind("127.0.0.1:0", "--listen").unwrap();
    let journal = state.journal.clone();
    let mut server = Server::start(
        "test-http",
        listener,
        None,
        routes::router(state),
        limits,
        1,
    )
    .unwrap();
    // As `start::for_run` does: the last requests' lines are written when the server stops.
    server.on_stop(Box::new(move || journal.flush()));
    Fixture {
        server,
        published,
        log,
        _events: rx,
        _dir: dir,
    }
}

fn limits() -> Limits {
    Limits {
        header_read: PATIENCE,
        connections: 64,
        request_timeout: PATIENCE,
        body_deadline: PATIENCE,
    }
}

/// Sends `request` as is and reads the answer to the end (the request asks to close).
fn exchange(addr: SocketAddr, request: &str) -> String {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream.set_read_timeout(Some(PATIENCE)).unwrap();
    stream.write_all(request.as_bytes()).unwrap();
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer);
    answer
}

fn get(addr: SocketAddr, path: &str) -> String {
    exchange(
        addr,
        &format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"),
    )
}

#[test]
fn healthz_answers_ok_until_the_scheduler_stops() {
    let f = start(limits());
    let answer = get(f.server.addr(), "/healthz");
    assert!(answer.starts_with("HTTP/1.1 200 OK"), "{answer}");
    assert!(answer.ends_with("\r\n\r\nok\n"), "{answer}");
    f.published.set_stopping();
    let answer = get(f.server.addr(), "/healthz");
    assert!(answer.starts_with("HTTP/1.1 503"), "{answer}");
}

#[test]
fn metrics_and_unknown_paths() {
    let f = start(limits());
    let answer = get(f.server.addr(), "/metrics");
    assert!(answer.starts_with("HTTP/1.1 200 OK"), "{answer}");
    assert!(answer.contains("text/plain; version=0.0.4"), "{answer}");
    assert!(answer.contains("jobtab_jobs 0"), "{answer}");
    assert!(get(f.server.addr(), "/nowhere").starts_with("HTTP/1.1 404"));
}

#[test]
fn headers_over_the_size_limit_are_refused() {
    let f = start(limits());
    let big = "a".repeat(limits::MAX_HEADER_BYTES * 2);
    let answer = exchange(
        f.server.addr(),
        &format!("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: {big}\r\nConnection: close\r\n\r\n"),
    );
    assert!(answer.starts_with("HTTP/1.1 431"), "{answer:.100}");
}

#[test]
fn a_body_over_the_limit_of_fixed_routes_is_refused() {
    let f = start(limits());
    let body = "a".repeat(limits::MAX_BODY + 1);
    let answer = exchange(
        f.server.addr(),
        &format!(
            "POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        ),
    );
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer:.100}");
}

/// A client that has not sent its headers within the limit is cut off, while others are
/// answered meanwhile.
#[test]
fn a_slow_client_is_cut_off_and_does_not_hold_up_others() {
    let f = start(Limits {
        header_read: Duration::from_millis(300),
        ..limits()
    });
    let addr = f.server.addr();
    let mut slow = TcpStream::connect(addr).unwrap();
    slow.set_read_timeout(Some(PATIENCE)).unwrap();
    slow.write_all(b"GET /healthz HTTP/1.1\r\n").unwrap();
    assert!(get(addr, "/healthz").starts_with("HTTP/1.1 200"));
    let start = Instant::now();
    let mut rest = Vec::new();
    // Closed by the server (an end of file or a reset), long before the client's own timeout.
    let read = slow.read_to_end(&mut rest);
    assert!(
        start.elapsed() < PATIENCE / 2,
        "{read:?} after {:?}",
        start.elapsed()
    );
    assert!(!String::from_utf8_lossy(&rest).contains("200 OK"));
}

/// One connection over the limit is closed at once, without an answer.
#[test]
fn connections_over_the_limit_are_closed_at_once() {
    let f = start(Limits {
        connections: 2,
        ..limits()
    });
    let addr = f.server.addr();
    let held: Vec<TcpStream> = (0..2).map(|_| TcpStream::connect(addr).unwrap()).collect();
    // The held ones are accepted first (in order), so the next is over the limit.
    std::thread::sleep(Duration::from_millis(200));
    let start = Instant::now();
    assert_eq!(get(addr, "/healthz"), "");
    assert!(start.elapsed() < PATIENCE / 2);
    drop(held);
    let deadline = Instant::now() + PATIENCE;
    while !get(addr, "/healthz").starts_with("HTTP/1.1 200") {
        assert!(
            Instant::now() < deadline,
            "never answered after the others left"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn stop_returns_and_closes_the_listener() {
    let f = start(limits());
    let addr = f.server.addr();
    assert!(get(addr, "/healthz").starts_with("HTTP/1.1 200"));
    f.server.stop();
    assert!(TcpStream::connect(addr).is_err());
}

/// A non-loopback address is logged as a warning naming the hooks it exposes; loopback is
/// plain information.
#[test]
fn a_non_loopback_listener_is_logged_with_the_hooks_it_exposes() {
    let text = "[jobs.deploy]\ncommand = \"true\"\n[jobs.deploy.webhook]\nverify = \"none\"\n";
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("jobs.toml");
    std::fs::write(&path, text).unwrap();
    let jobs: Vec<Arc<crate::store::Job>> = crate::store::JobFile::load(&path)
        .unwrap()
        .jobs
        .into_iter()
        .map(Arc::new)
        .collect();
    let hooks = table::Table::build(jobs.iter(), &|_| None).unwrap();
    let (logger, log) = Logger::capture(crate::log::Format::Text);
    start::log_listening(&logger, "http", "0.0.0.0:8080".parse().unwrap(), &hooks);
    let text = log.contents();
    assert!(
        text.contains(
            "warning: listening on http://0.0.0.0:8080, a non-loopback address other machines \
             can reach; exposed webhooks: POST /hooks/deploy (deploy, verify none)"
        ),
        "{text}"
    );
    assert!(
        text.contains("webhook /hooks/deploy has verify = \"none\""),
        "{text}"
    );
    let (logger, log) = Logger::capture(crate::log::Format::Text);
    start::log_listening(&logger, "https", "127.0.0.1:8080".parse().unwrap(), &hooks);
    assert!(
        log.contents()
            .contains("listening on https://127.0.0.1:8080; webhooks: POST /hooks/deploy"),
        "{}",
        log.contents()
    );
}

fn jobs_of(text: &str) -> Vec<Arc<crate::store::Job>> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("jobs.toml");
    std::fs::write(&path, text).unwrap();
    let file = crate::store::JobFile::load(&path).unwrap();
    assert!(file.problems.is_empty(), "{:?}", file.problems);
    file.jobs.into_iter().map(Arc::new).collect()
}

/// Secrets come from the environment at start (an unset variable is named, its value never
/// shown) and on reload; a reload keeps a hook whose secret fails as it was, and an unchanged
/// rate limit keeps its bucket.
#[test]
fn the_hook_table_expands_secrets_and_keeps_the_old_hook_when_a_reload_cannot() {
    let hook = |name: &str, var: &str, extra: &str| {
        format!(
            "[jobs.{name}]\ncommand = \"true\"\ntimeout = \"{extra}\"\n[jobs.{name}.webhook]\n\
             verify = \"github\"\nsecret = \"${{{var}}}\"\nrate_limit = \"1/m\"\n"
        )
    };
    let env = |name: &str| match name {
        "GOOD" => Some("a-long-enough-secret".to_owned()),
        _ => None,
    };
    let err = table::Table::build(jobs_of(&hook("a", "MISSING", "1s")).iter(), &env)
        .err()
        .unwrap();
    assert_eq!(err.len(), 1);
    assert!(
        err[0].contains("job a") && err[0].contains("MISSING is not set"),
        "{err:?}"
    );
    let first = table::Table::build(jobs_of(&hook("a", "GOOD", "1s")).iter(), &env).unwrap();
    let a = first.get("/hooks/a").unwrap();
    assert_eq!(a.secret, "a-long-enough-secret");
    a.rate
        .as_ref()
        .unwrap()
        .take(std::time::Instant::now())
        .unwrap();
    // Another timeout: the new job, the same bucket (still empty).
    let (second, problems) =
        table::Table::rebuild(&first, jobs_of(&hook("a", "GOOD", "2s")).iter(), &env);
    assert!(problems.is_empty());
    let a = second.get("/hooks/a").unwrap();
    assert_eq!(a.job.timeout, Some(Duration::from_secs(2)));
    assert!(
        a.rate
            .as_ref()
            .unwrap()
            .take(std::time::Instant::now())
            .is_err()
    );
    // A secret that cannot be expanded keeps the old hook; a new hook without one is not served.
    let text = format!(
        "{}{}",
        hook("a", "MISSING", "3s"),
        hook("b", "MISSING", "1s")
    );
    let (third, problems) = table::Table::rebuild(&second, jobs_of(&text).iter(), &env);
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert_eq!(
        third.get("/hooks/a").unwrap().job.timeout,
        Some(Duration::from_secs(2))
    );
    assert!(third.get("/hooks/b").is_none());
}

/// The listener opens before the scheduler publishes its first job list: the jobs of the file
/// are published first, so the dashboard and the API never answer "no jobs" meanwhile.
#[test]
fn the_jobs_are_published_before_the_listener_opens() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("jobs.toml");
    std::fs::write(
        &path,
        "[jobs.a]\nschedule = \"@daily\"\ncommand = \"true\"\n",
    )
    .unwrap();
    let file = crate::store::JobFile::load(&path).unwrap();
    let published = Arc::new(Published::default());
    let (events, _rx) = mpsc::channel();
    let (logger, _log) = Logger::capture(crate::log::Format::Text);
    let server = start::for_run(start::RunServer {
        listen: Some("127.0.0.1:0".to_owned()),
        file: &file,
        published: Arc::clone(&published),
        events,
        state_dir: dir.path().join("state"),
        logger: Arc::new(logger),
        metrics: Arc::new(Metrics::default()),
    })
    .unwrap()
    .unwrap();
    let names: Vec<String> = published.jobs().iter().map(|j| j.name.clone()).collect();
    assert_eq!(names, ["a"]);
    server.stop();
}

#[test]
fn a_listen_address_that_cannot_be_bound_says_why() {
    // 192.0.2.1 (TEST-NET-1) is on no interface here: not "another program".
    let err = format!(
        "{:#}",
        super::listener::bind("192.0.2.1:0", "--listen").unwrap_err()
    );
    assert!(err.contains("not an address of this machine"), "{err}");
    assert!(!err.contains("another program"), "{err}");
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let err = format!(
        "{:#}",
        super::listener::bind(&addr, "--listen").unwrap_err()
    );
    assert!(err.contains("another program"), "{err}");
}

/// Sends `head` (a request's head and the start of its body), then `rest` after `pause`, and
/// reads the answer to the end.
fn exchange_in_two(addr: SocketAddr, head: &str, pause: Duration, rest: &str) -> String {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream.set_read_timeout(Some(PATIENCE)).unwrap();
    stream.write_all(head.as_bytes()).unwrap();
    std::thread::sleep(pause);
    // The server may have answered and closed already.
    let _ = stream.write_all(rest.as_bytes());
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer);
    answer
}

/// A hook whose `match` never holds: 202 ignored once its body is read, with no scheduler.
const IGNORING_HOOK: &str = "[jobs.deploy]\ncommand = \"true\"\n[jobs.deploy.webhook]\n\
    verify = \"none\"\nmatch = { \"/ref\" = \"main\" }\n";

/// A hook's body that has not all arrived within `body_deadline` is answered 408 and logged
/// as `too_slow`; one sent in two parts well within it is read whole.
#[test]
fn a_hook_body_slower_than_its_deadline_is_answered_408() {
    let f = start_with_jobs(
        Limits {
            body_deadline: Duration::from_millis(300),
            ..limits()
        },
        jobs_of(IGNORING_HOOK),
    );
    let addr = f.server.addr();
    let body = "{\"ref\":\"dev\"}";
    let head = format!(
        "POST /hooks/deploy HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let start = Instant::now();
    // The rest never comes.
    let answer = exchange(addr, &format!("{head}{}", &body[..3]));
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(
        start.elapsed() < PATIENCE,
        "answered only after the client gave up"
    );
    // The body in two parts, the second 50 ms later: read whole, and `match` says ignored.
    let answer = exchange_in_two(
        addr,
        &format!("{head}{}", &body[..3]),
        Duration::from_millis(50),
        &body[3..],
    );
    assert!(answer.starts_with("HTTP/1.1 202"), "{answer}");
    assert!(answer.ends_with("{\"status\":\"ignored\"}"), "{answer}");
    f.server.stop();
    let log = f.log.contents();
    assert!(
        log.contains("webhook POST /hooks/deploy from 127.0.0.1:"),
        "{log}"
    );
    assert!(log.contains(": 408 too_slow; hook deploy"), "{log}");
    assert!(log.contains(": 202 ignored; hook deploy"), "{log}");
}

/// Every route but the hooks has a whole-request timeout: a sign-in form whose body never
/// arrives is answered 408 after `request_timeout`.
#[test]
fn a_request_to_a_fixed_route_slower_than_its_timeout_is_answered_408() {
    let f = start(Limits {
        request_timeout: Duration::from_millis(300),
        ..limits()
    });
    let head = "POST /login HTTP/1.1\r\nHost: x\r\n\
        Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 20\r\n\
        Connection: close\r\n\r\ntoken";
    let start = Instant::now();
    let answer = exchange(f.server.addr(), head);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(
        start.elapsed() < PATIENCE,
        "answered only after the client gave up"
    );
}

/// The headers the hooks' own `hmac` and `token` presets read, lower case: every hook's
/// deliveries records redact them (a sender may send its token to the wrong hook).
#[test]
fn the_table_knows_every_hook_s_own_secret_headers() {
    let text = "[jobs.a]\ncommand = \"true\"\n[jobs.a.webhook]\nverify = \"hmac\"\n\
                header = \"X-My-Sig\"\nsecret = \"${GOOD}\"\n\
                [jobs.b]\ncommand = \"true\"\n[jobs.b.webhook]\nverify = \"token\"\n\
                header = \"X-Deploy-Key\"\nsecret = \"${GOOD}\"\n\
                [jobs.c]\ncommand = \"true\"\n[jobs.c.webhook]\nverify = \"github\"\n\
                secret = \"${GOOD}\"\n";
    let env = |name: &str| (name == "GOOD").then(|| "a-long-enough-secret".to_owned());
    let table = table::Table::build(jobs_of(text).iter(), &env).unwrap();
    assert_eq!(table.secret_headers(), ["x-deploy-key", "x-my-sig"]);
    let mut request = http::HeaderMap::new();
    request.insert("x-deploy-key", "tok".parse().unwrap());
    let kept = deliveries::redact(&request, table.secret_headers());
    assert_eq!(kept[0].value, deliveries::REDACTED);
}
