//! `run --metrics ADDR`: counters the scheduler keeps, rendered in the Prometheus text format
//! 0.0.4, served on `/metrics` by the server (`server`): on `[server] listen` beside the hooks,
//! and alone on `--metrics ADDR` (anything else is 404 there).
//!
//! Metrics: `jobtab_jobs`, `jobtab_running_jobs`, `jobtab_runs_total{job,status}`,
//! `jobtab_run_failures_total{job}`, `jobtab_run_duration_seconds{job}` (a summary: `_sum` and
//! `_count`), `jobtab_last_run_duration_seconds{job}` and `jobtab_next_run_timestamp_seconds{job}`.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use anyhow::Result;
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
    /// Webhook requests by hook (its job) and verdict.
    hooks: BTreeMap<String, BTreeMap<&'static str, u64>>,
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

    /// A request to a webhook: its job (`""` for a path no hook serves) and the verdict
    /// (`accepted`, `rejected`, ...).
    pub(crate) fn record_hook(&self, job: &str, verdict: &'static str) {
        self.with(|state| {
            // The job's name is copied once, not per request.
            let verdicts = match state.hooks.get_mut(job) {
                Some(verdicts) => verdicts,
                None => state.hooks.entry(job.to_owned()).or_default(),
            };
            *verdicts.entry(verdict).or_default() += 1;
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
            header(
                &mut out,
                "jobtab_webhook_requests_total",
                "counter",
                "Webhook requests by hook (its job; empty for an unknown path) and verdict.",
            );
            let counts = state.hooks.iter().flat_map(|(job, verdicts)| {
                verdicts
                    .iter()
                    .map(move |(verdict, count)| (job, verdict, count))
            });
            for (job, verdict, count) in counts {
                let _ = writeln!(
                    out,
                    "jobtab_webhook_requests_total{{hook=\"{}\",verdict=\"{verdict}\"}} {count}",
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

/// Serves `metrics` alone on `addr` (`run --metrics ADDR`), on the server's stack with its
/// limits (`server::limits`): a slow client is cut off and never holds up the others.
pub(crate) fn serve(addr: &str, metrics: Arc<Metrics>) -> Result<crate::server::Server> {
    let listener = crate::server::bind(addr, "--metrics")?;
    crate::server::serve_metrics(listener, metrics, crate::server::Limits::for_run())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::{Limits, Server};
    use std::io::{Read as _, Write as _};
    use std::net::{TcpListener, TcpStream};

    fn bind(addr: &str) -> Result<TcpListener> {
        crate::server::bind(addr, "--metrics")
    }

    /// Serves `metrics` on `listener`, cutting off a client that has not sent its request's
    /// headers after `client_timeout`.
    fn serve(listener: TcpListener, metrics: Arc<Metrics>, client_timeout: Duration) -> Server {
        let limits = Limits {
            header_read: client_timeout,
            ..Limits::for_run()
        };
        crate::server::serve_metrics(listener, metrics, limits).unwrap()
    }

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
        metrics.record_hook("deploy", "accepted");
        metrics.record_hook("deploy", "accepted");
        metrics.record_hook("deploy", "rejected");
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
            "# TYPE jobtab_webhook_requests_total counter",
            "jobtab_webhook_requests_total{hook=\"deploy\",verdict=\"accepted\"} 2",
            "jobtab_webhook_requests_total{hook=\"deploy\",verdict=\"rejected\"} 1",
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
        let _server = serve(listener, Arc::new(sample()), TEST_TIMEOUT);
        let get = |path: &str| {
            let mut stream = TcpStream::connect(addr).unwrap();
            write!(
                stream,
                "GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
            )
            .unwrap();
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
        let _server = serve(listener, Arc::new(sample()), Duration::from_millis(100));
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

    /// The hand-written server this replaced answered 1 of 21 probes while 8 clients sent a
    /// byte a second (issue 10); now every probe is answered, while they keep going.
    #[test]
    fn slow_clients_sending_a_byte_a_second_do_not_stop_it_answering() {
        let listener = bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let _server = serve(listener, Arc::new(sample()), TEST_TIMEOUT);
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let slow: Vec<_> = (0..8)
            .map(|_| {
                let stop = Arc::clone(&stop);
                std::thread::spawn(move || {
                    let mut stream = TcpStream::connect(addr).unwrap();
                    for byte in b"GET /metrics HTTP/1.1\r\nHost: x\r\n".iter().cycle() {
                        if stop.load(std::sync::atomic::Ordering::SeqCst)
                            || stream.write_all(&[*byte]).is_err()
                        {
                            return;
                        }
                        std::thread::sleep(Duration::from_secs(1));
                    }
                })
            })
            .collect();
        std::thread::sleep(Duration::from_millis(200));
        for _ in 0..21 {
            let mut stream = TcpStream::connect(addr).unwrap();
            stream.set_read_timeout(Some(TEST_TIMEOUT / 3)).unwrap();
            write!(
                stream,
                "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
            )
            .unwrap();
            let mut response = String::new();
            let _ = stream.read_to_string(&mut response);
            assert!(response.starts_with("HTTP/1.1 200 OK"), "{response:?}");
            std::thread::sleep(Duration::from_millis(50));
        }
        stop.store(true, std::sync::atomic::Ordering::SeqCst);
        for client in slow {
            client.join().unwrap();
        }
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
