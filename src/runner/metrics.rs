//! `run --metrics ADDR`: counters the scheduler keeps, rendered in the Prometheus text format
//! 0.0.4 and served by a tiny HTTP server on a thread (GET /metrics; anything else is 404).
//!
//! Metrics: `jobtab_jobs`, `jobtab_running_jobs`, `jobtab_runs_total{job,status}`,
//! `jobtab_run_failures_total{job}`, `jobtab_run_duration_seconds{job}` (a summary: `_sum` and
//! `_count`), `jobtab_last_run_duration_seconds{job}` and `jobtab_next_run_timestamp_seconds{job}`.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::io::{Read as _, Write as _};
use std::net::{SocketAddr, TcpListener, TcpStream, ToSocketAddrs as _};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use anyhow::{Context as _, Result, bail};
use chrono::{DateTime, Utc};

/// The scheduler's counters; shared with the server thread.
#[derive(Debug, Default)]
pub(crate) struct Metrics {
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    jobs: usize,
    running: usize,
    per_job: BTreeMap<String, JobStats>,
    next: HashMap<String, i64>,
}

#[derive(Debug, Default)]
struct JobStats {
    runs: BTreeMap<String, u64>,
    failures: u64,
    duration_sum: f64,
    duration_count: u64,
    last_duration: f64,
}

impl Metrics {
    fn with<T>(&self, f: impl FnOnce(&mut State) -> T) -> T {
        f(&mut self.state.lock().unwrap_or_else(PoisonError::into_inner))
    }

    /// A finished run: its status (`ok`, `failed`, `timeout`, ...), whether it counts as a
    /// failure, and how long it took.
    pub(crate) fn record_run(&self, job: &str, status: &str, failed: bool, duration: Duration) {
        self.with(|state| {
            let stats = state.per_job.entry(job.to_owned()).or_default();
            *stats.runs.entry(status.to_owned()).or_default() += 1;
            if failed {
                stats.failures += 1;
            }
            let seconds = duration.as_secs_f64();
            stats.duration_sum += seconds;
            stats.duration_count += 1;
            stats.last_duration = seconds;
        });
    }

    /// `count` runs the scheduler did not start (overlap, or missed in a clock jump).
    pub(crate) fn record_skips(&self, job: &str, count: u64) {
        self.with(|state| {
            let stats = state.per_job.entry(job.to_owned()).or_default();
            *stats.runs.entry("skipped".to_owned()).or_default() += count;
        });
    }

    pub(crate) fn set_running(&self, running: usize) {
        self.with(|state| state.running = running);
    }

    /// The loaded jobs and every job's next run (replacing what was there).
    pub(crate) fn set_plan<'a>(
        &self,
        jobs: usize,
        next: impl Iterator<Item = (&'a str, Option<DateTime<Utc>>)>,
    ) {
        let next = next
            .filter_map(|(job, at)| at.map(|at| (job.to_owned(), at.timestamp())))
            .collect();
        self.with(|state| {
            state.jobs = jobs;
            state.next = next;
        });
    }

    /// One job's next run.
    pub(crate) fn set_next(&self, job: &str, at: Option<DateTime<Utc>>) {
        self.with(|state| match at {
            Some(at) => {
                state.next.insert(job.to_owned(), at.timestamp());
            }
            None => {
                state.next.remove(job);
            }
        });
    }

    /// The text exposition format, version 0.0.4.
    pub(crate) fn render(&self) -> String {
        self.with(|state| {
            let mut out = String::new();
            header(
                &mut out,
                "jobtab_jobs",
                "gauge",
                "Jobs loaded from the job file.",
            );
            let _ = writeln!(out, "jobtab_jobs {}", state.jobs);
            header(&mut out, "jobtab_running_jobs", "gauge", "Runs in flight.");
            let _ = writeln!(out, "jobtab_running_jobs {}", state.running);
            header(
                &mut out,
                "jobtab_runs_total",
                "counter",
                "Runs by job and status.",
            );
            for (job, stats) in &state.per_job {
                for (status, count) in &stats.runs {
                    let _ = writeln!(
                        out,
                        "jobtab_runs_total{{job=\"{}\",status=\"{}\"}} {count}",
                        escape(job),
                        escape(status)
                    );
                }
            }
            let _ = writeln!(
                out,
                "# HELP jobtab_run_failures_total Runs that did not succeed.\n\
                 # TYPE jobtab_run_failures_total counter"
            );
            for (job, stats) in &state.per_job {
                let _ = writeln!(
                    out,
                    "jobtab_run_failures_total{{job=\"{}\"}} {}",
                    escape(job),
                    stats.failures
                );
            }
            let _ = writeln!(
                out,
                "# HELP jobtab_run_duration_seconds How long runs took.\n\
                 # TYPE jobtab_run_duration_seconds summary"
            );
            for (job, stats) in state.per_job.iter().filter(|(_, s)| s.duration_count > 0) {
                let job = escape(job);
                let _ = writeln!(
                    out,
                    "jobtab_run_duration_seconds_sum{{job=\"{job}\"}} {}\n\
                     jobtab_run_duration_seconds_count{{job=\"{job}\"}} {}",
                    stats.duration_sum, stats.duration_count
                );
            }
            let _ = writeln!(
                out,
                "# HELP jobtab_last_run_duration_seconds How long the latest run took.\n\
                 # TYPE jobtab_last_run_duration_seconds gauge"
            );
            for (job, stats) in state.per_job.iter().filter(|(_, s)| s.duration_count > 0) {
                let _ = writeln!(
                    out,
                    "jobtab_last_run_duration_seconds{{job=\"{}\"}} {}",
                    escape(job),
                    stats.last_duration
                );
            }
            let _ = writeln!(
                out,
                "# HELP jobtab_next_run_timestamp_seconds When each job runs next (Unix time).\n\
                 # TYPE jobtab_next_run_timestamp_seconds gauge"
            );
            let next: BTreeMap<_, _> = state.next.iter().collect();
            for (job, at) in next {
                let _ = writeln!(
                    out,
                    "jobtab_next_run_timestamp_seconds{{job=\"{}\"}} {at}",
                    escape(job)
                );
            }
            out
        })
    }
}

fn header(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
}

/// A label value with `\`, `"` and newlines escaped.
fn escape(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// At most this many connections are answered at once, each on its own short-lived thread;
/// further ones are closed at once (a scraper retries at its next interval).
const MAX_CONNECTIONS: usize = 8;

/// How long a connection of `run --metrics` may take to send its request and read the answer.
pub(crate) const CLIENT_TIMEOUT: Duration = Duration::from_secs(2);

/// Binds `addr` (`HOST:PORT`, `[IPv6]:PORT`, or `:PORT` for every IPv4 interface); the error
/// says what to write.
pub(crate) fn bind(addr: &str) -> Result<TcpListener> {
    let full = if addr.starts_with(':') {
        format!("0.0.0.0{addr}")
    } else {
        addr.to_owned()
    };
    let hint = "write it as HOST:PORT, [IPv6]:PORT or :PORT, e.g. 127.0.0.1:9184 or [::]:9184";
    let addrs: Vec<SocketAddr> = match full.to_socket_addrs() {
        Ok(addrs) => addrs.collect(),
        Err(err) => bail!("invalid --metrics address {addr:?} ({err}): {hint}"),
    };
    if addrs.is_empty() {
        bail!("invalid --metrics address {addr:?} (no address found): {hint}");
    }
    TcpListener::bind(&addrs[..]).with_context(|| {
        format!("cannot listen on --metrics address {addr}; is another program using that port?")
    })
}

/// Serves `metrics` on `listener` from a thread; each connection is answered on a
/// short-lived thread of its own (at most [`MAX_CONNECTIONS`] at once), so a slow client
/// never holds up the others, and is closed when it takes longer than `client_timeout` to
/// send its request or read the answer ([`CLIENT_TIMEOUT`] under `run`).
pub(crate) fn serve(
    listener: TcpListener,
    metrics: Arc<Metrics>,
    client_timeout: Duration,
) -> std::io::Result<()> {
    std::thread::Builder::new()
        .name("metrics".into())
        .stack_size(64 * 1024)
        .spawn(move || {
            let active = Arc::new(AtomicUsize::new(0));
            for stream in listener.incoming() {
                let Ok(stream) = stream else {
                    // Out of descriptors or the like: do not spin.
                    std::thread::sleep(Duration::from_millis(50));
                    continue;
                };
                if active.fetch_add(1, Ordering::SeqCst) >= MAX_CONNECTIONS {
                    active.fetch_sub(1, Ordering::SeqCst);
                    drop(stream);
                    continue;
                }
                let (metrics, done) = (Arc::clone(&metrics), Arc::clone(&active));
                let spawned = std::thread::Builder::new()
                    .name("metrics-conn".into())
                    .stack_size(128 * 1024)
                    .spawn(move || {
                        // A client that misbehaves only costs this one connection.
                        let _ = answer(stream, &metrics, client_timeout);
                        done.fetch_sub(1, Ordering::SeqCst);
                    });
                if spawned.is_err() {
                    active.fetch_sub(1, Ordering::SeqCst);
                }
            }
        })
        .map(drop)
}

fn answer(mut stream: TcpStream, metrics: &Metrics, timeout: Duration) -> std::io::Result<()> {
    stream.set_read_timeout(Some(timeout))?;
    stream.set_write_timeout(Some(timeout))?;
    let mut request = Vec::new();
    let mut buf = [0u8; 1024];
    while !request.windows(4).any(|w| w == b"\r\n\r\n") && request.len() < 8192 {
        let n = stream.read(&mut buf)?;
        if n == 0 {
            break;
        }
        request.extend_from_slice(&buf[..n]);
    }
    let text = String::from_utf8_lossy(&request);
    let mut words = text.lines().next().unwrap_or("").split_whitespace();
    let (method, target) = (words.next().unwrap_or(""), words.next().unwrap_or(""));
    let path = target.split('?').next().unwrap_or("");
    let (status, content_type, body) = match (method, path) {
        ("GET" | "HEAD", "/metrics") => (
            "200 OK",
            "text/plain; version=0.0.4; charset=utf-8",
            metrics.render(),
        ),
        _ => (
            "404 Not Found",
            "text/plain; charset=utf-8",
            "not found: metrics are at /metrics\n".to_owned(),
        ),
    };
    let mut response = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n",
        body.len()
    );
    if method != "HEAD" {
        response.push_str(&body);
    }
    stream.write_all(response.as_bytes())?;
    stream.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Metrics {
        let metrics = Metrics::default();
        metrics.record_run("backup", "ok", false, Duration::from_millis(1500));
        metrics.record_run("backup", "failed", true, Duration::from_millis(500));
        metrics.record_skips("backup", 1);
        metrics.set_running(1);
        let at = DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z")
            .unwrap()
            .to_utc();
        metrics.set_plan(2, [("backup", Some(at)), ("off", None)].into_iter());
        metrics
    }

    #[test]
    fn renders_prometheus_text() {
        let text = sample().render();
        for line in [
            "# TYPE jobtab_runs_total counter",
            "jobtab_jobs 2",
            "jobtab_running_jobs 1",
            "jobtab_runs_total{job=\"backup\",status=\"ok\"} 1",
            "jobtab_runs_total{job=\"backup\",status=\"failed\"} 1",
            "jobtab_runs_total{job=\"backup\",status=\"skipped\"} 1",
            "jobtab_run_failures_total{job=\"backup\"} 1",
            "# TYPE jobtab_run_duration_seconds summary",
            "jobtab_run_duration_seconds_sum{job=\"backup\"} 2",
            "jobtab_run_duration_seconds_count{job=\"backup\"} 2",
            "jobtab_last_run_duration_seconds{job=\"backup\"} 0.5",
            "jobtab_next_run_timestamp_seconds{job=\"backup\"} 1767225600",
        ] {
            assert!(
                text.lines().any(|l| l == line),
                "missing {line:?} in\n{text}"
            );
        }
        assert!(!text.contains("job=\"off\""));
        assert_eq!(escape("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
    }

    /// Long enough that no test client times out while a test runs on a loaded machine.
    const TEST_TIMEOUT: Duration = Duration::from_secs(30);

    #[test]
    fn serves_metrics_and_404s_anything_else() {
        let listener = bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        serve(listener, Arc::new(sample()), TEST_TIMEOUT).unwrap();
        let get = |path: &str| {
            let mut stream = TcpStream::connect(addr).unwrap();
            write!(stream, "GET {path} HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
            let mut response = String::new();
            stream.read_to_string(&mut response).unwrap();
            response
        };
        let ok = get("/metrics");
        assert!(ok.starts_with("HTTP/1.1 200 OK\r\n"), "{ok}");
        assert!(ok.contains("text/plain; version=0.0.4"));
        assert!(ok.contains("jobtab_runs_total{job=\"backup\",status=\"ok\"} 1"));
        assert!(get("/").starts_with("HTTP/1.1 404"));
    }

    /// The timeout is the caller's: a client that sends nothing is closed after it.
    #[test]
    fn a_silent_client_is_closed_after_the_client_timeout() {
        let listener = bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        serve(listener, Arc::new(sample()), Duration::from_millis(100)).unwrap();
        let mut silent = TcpStream::connect(addr).unwrap();
        // Far longer than the server's timeout: the read ends because the server closed.
        silent.set_read_timeout(Some(TEST_TIMEOUT)).unwrap();
        let mut answer = Vec::new();
        let start = std::time::Instant::now();
        let read = silent.read_to_end(&mut answer);
        assert!(
            matches!(read, Ok(0))
                || matches!(&read, Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset),
            "{read:?} after {:?}",
            start.elapsed()
        );
        assert!(start.elapsed() < TEST_TIMEOUT, "{:?}", start.elapsed());
        assert!(answer.is_empty());
    }

    #[test]
    fn a_bad_address_is_a_clear_error() {
        let err = bind("nonsense").unwrap_err().to_string();
        assert!(err.contains("write it as HOST:PORT"), "{err}");
        let taken = bind("127.0.0.1:0").unwrap();
        let port = taken.local_addr().unwrap().port();
        let err = format!("{:#}", bind(&format!("127.0.0.1:{port}")).unwrap_err());
        assert!(err.contains("cannot listen on --metrics address"), "{err}");
    }

    #[test]
    fn a_slow_client_does_not_hold_up_others_and_connections_are_bounded() {
        let listener = bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        serve(listener, Arc::new(sample()), TEST_TIMEOUT).unwrap();
        let get = || {
            let mut stream = TcpStream::connect(addr).unwrap();
            stream.set_read_timeout(Some(TEST_TIMEOUT / 3)).unwrap();
            let _ = write!(stream, "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
            let mut response = String::new();
            let _ = stream.read_to_string(&mut response);
            response
        };
        // Nine silent clients, before any other: the first eight take every slot, the ninth
        // is closed at once (connections are accepted in order, and none of these ends before
        // the test drops it, so no slot frees meanwhile).
        let mut silent: Vec<TcpStream> = (0..=MAX_CONNECTIONS)
            .map(|_| TcpStream::connect(addr).unwrap())
            .collect();
        // The next one is closed without an answer, at once rather than after the silent ones
        // time out (TEST_TIMEOUT).
        let start = std::time::Instant::now();
        assert_eq!(get(), "");
        assert!(start.elapsed() < TEST_TIMEOUT / 3, "{:?}", start.elapsed());
        // With one silent client left holding its connection (it would time out only after
        // TEST_TIMEOUT), the others are answered as soon as the freed slots are seen free.
        silent.truncate(1);
        let start = std::time::Instant::now();
        while !get().starts_with("HTTP/1.1 200 OK") {
            assert!(
                start.elapsed() < TEST_TIMEOUT / 3,
                "held up by a slow client: {:?}",
                start.elapsed()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        // Once it is gone too, answers go on.
        drop(silent);
        assert!(get().starts_with("HTTP/1.1 200 OK"));
    }

    #[test]
    fn binds_ipv6_and_port_only_forms() {
        let any = bind(":0").unwrap();
        assert!(any.local_addr().unwrap().ip().is_unspecified());
        // Where the machine has IPv6.
        if std::net::TcpListener::bind("[::1]:0").is_ok() {
            let v6 = bind("[::]:0").unwrap();
            assert!(v6.local_addr().unwrap().is_ipv6());
        }
        for bad in ["::1:9184", "127.0.0.1", "localhost:99999", ""] {
            let err = format!("{:#}", bind(bad).unwrap_err());
            assert!(err.contains("[IPv6]:PORT or :PORT"), "{bad}: {err}");
        }
    }
}
