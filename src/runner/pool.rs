//! A bounded pool of worker threads that run jobs, so the scheduler thread never blocks on one.
//!
//! A run is blocking work (it waits for a child process or an HTTP response), so each run in
//! flight holds one thread. Threads are started on demand, up to [`MAX_WORKERS`], with small
//! stacks, and an idle one exits after [`IDLE_EXIT`]. When every worker is busy, further runs
//! wait in a FIFO queue and start as workers free up (the scheduler warns): that bound is
//! what keeps 10,000 due runs from becoming 10,000 threads. The task given to the pool is
//! expected to report its own end; a panic is caught here only so the worker lives on
//! (`scheduler::run_and_report` turns a panicking run into a failed one).

use std::collections::VecDeque;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

/// At most this many runs execute at once; more wait for a free worker (and the scheduler
/// warns). A run in flight holds one thread (blocked on its child or its HTTP call), so this
/// is the bound on jobs running at the same time: 4,096 threads with [`WORKER_STACK`] reserve
/// 1 GiB of address space at most, and only the pages they touch are resident.
pub(crate) const MAX_WORKERS: usize = 4096;

/// Each worker's stack. A shell run needs little (the executor polls its child's pipes from
/// this thread); an HTTPS handshake is the deepest use: in a debug build (larger frames than a
/// release build) it overflowed 128 KiB and fit in 144 KiB, so this leaves ample room.
/// `tests::the_executor_fits_in_a_worker_stack` runs shell, HTTP, HTTPS and notification
/// runs on a stack this size.
pub(crate) const WORKER_STACK: usize = 256 * 1024;

/// An idle worker exits after this long without work, so the thread count falls back to a few
/// once a burst is over.
pub(crate) const IDLE_EXIT: Duration = Duration::from_secs(30);

type Task = Box<dyn FnOnce() + Send + 'static>;

/// The pool; cloning shares it.
#[derive(Clone)]
pub(crate) struct Pool {
    shared: Arc<Shared>,
}

struct Shared {
    state: Mutex<State>,
    work: Condvar,
    max: usize,
    idle_exit: Duration,
}

#[derive(Default)]
struct State {
    queue: VecDeque<Task>,
    threads: usize,
    idle: usize,
    /// Threads spawned that have not yet looked at the queue.
    fresh: usize,
}

impl Pool {
    pub(crate) fn new() -> Pool {
        Pool::with_limits(MAX_WORKERS, IDLE_EXIT)
    }

    fn with_limits(max: usize, idle_exit: Duration) -> Pool {
        Pool {
            shared: Arc::new(Shared {
                state: Mutex::new(State::default()),
                work: Condvar::new(),
                max: max.max(1),
                idle_exit,
            }),
        }
    }

    /// Queues `task`; an idle worker picks it up at once, else a new worker is started if the
    /// limit allows. Never blocks on a running task. Returns how many tasks are waiting for a
    /// worker (0 when it starts now).
    pub(crate) fn submit(&self, task: impl FnOnce() + Send + 'static) -> usize {
        let mut state = self.shared.lock();
        state.queue.push_back(Box::new(task));
        if state.queue.len() > state.idle + state.fresh && state.threads < self.shared.max {
            // Counted before the thread runs, so a burst does not overshoot the limit.
            state.threads += 1;
            state.fresh += 1;
            let shared = Arc::clone(&self.shared);
            let spawned = std::thread::Builder::new()
                .name("job".into())
                .stack_size(WORKER_STACK)
                .spawn(move || worker(&shared));
            if spawned.is_err() {
                // Out of threads: the task waits for a running worker to pick it up.
                state.threads -= 1;
                state.fresh -= 1;
            }
        } else {
            self.shared.work.notify_one();
        }
        state.queue.len().saturating_sub(state.idle + state.fresh)
    }

    /// Worker threads alive now.
    #[cfg(test)]
    pub(crate) fn threads(&self) -> usize {
        self.shared.lock().threads
    }
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // A task never runs under this lock, so a poisoned lock still holds consistent data.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

fn worker(shared: &Shared) {
    let mut state = shared.lock();
    state.fresh -= 1;
    loop {
        if let Some(task) = state.queue.pop_front() {
            drop(state);
            // A panicking task must not take the worker count down with it.
            let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(task));
            state = shared.lock();
            continue;
        }
        state.idle += 1;
        let (next, timeout) = shared
            .work
            .wait_timeout(state, shared.idle_exit)
            .unwrap_or_else(PoisonError::into_inner);
        state = next;
        state.idle -= 1;
        if timeout.timed_out() && state.queue.is_empty() {
            state.threads -= 1;
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::mpsc;
    use std::time::Instant;

    use super::*;

    #[test]
    fn a_slow_task_does_not_delay_others() {
        let pool = Pool::new();
        let (tx, rx) = mpsc::channel();
        // The slow task blocks until the others all ran: were they waiting behind it, they
        // would never run (no guessed durations on a busy machine).
        let (release_tx, release_rx) = mpsc::channel::<()>();
        pool.submit(move || {
            let _ = release_rx.recv();
        });
        for i in 0..50 {
            let tx = tx.clone();
            pool.submit(move || tx.send(i).unwrap());
        }
        for _ in 0..50 {
            rx.recv_timeout(Duration::from_secs(15)).unwrap();
        }
        drop(release_tx);
    }

    #[test]
    fn the_thread_count_is_bounded_and_queued_tasks_all_run() {
        let pool = Pool::with_limits(4, Duration::from_secs(5));
        let done = Arc::new(AtomicUsize::new(0));
        let (tx, rx) = mpsc::channel();
        let mut waiting = 0;
        for _ in 0..40 {
            let (done, tx) = (Arc::clone(&done), tx.clone());
            waiting = pool.submit(move || {
                std::thread::sleep(Duration::from_millis(20));
                done.fetch_add(1, Ordering::SeqCst);
                tx.send(()).unwrap();
            });
            assert!(pool.threads() <= 4);
        }
        assert!(waiting > 0, "with 4 workers, most of 40 tasks wait");
        for _ in 0..40 {
            rx.recv_timeout(Duration::from_secs(5)).unwrap();
        }
        assert_eq!(done.load(Ordering::SeqCst), 40);
        assert!(pool.threads() <= 4);
    }

    #[test]
    fn idle_workers_exit_and_a_panic_is_contained() {
        let pool = Pool::with_limits(2, Duration::from_millis(100));
        pool.submit(|| panic!("a job thread panicked"));
        let (tx, rx) = mpsc::channel();
        pool.submit(move || tx.send(()).unwrap());
        rx.recv_timeout(Duration::from_secs(15)).unwrap();
        let deadline = Instant::now() + Duration::from_secs(15);
        while pool.threads() > 0 && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        assert_eq!(pool.threads(), 0);
        // And new work starts a worker again.
        let (tx, rx) = mpsc::channel();
        pool.submit(move || tx.send(()).unwrap());
        rx.recv_timeout(Duration::from_secs(15)).unwrap();
    }

    #[test]
    fn hundreds_of_blocked_runs_do_not_delay_a_new_one() {
        let pool = Pool::new();
        let (release_tx, release_rx) = mpsc::channel::<()>();
        let release_rx = Arc::new(Mutex::new(release_rx));
        let started = Arc::new(AtomicUsize::new(0));
        for _ in 0..300 {
            let (release_rx, started) = (Arc::clone(&release_rx), Arc::clone(&started));
            pool.submit(move || {
                started.fetch_add(1, Ordering::SeqCst);
                // Blocks like a run waiting for its child, until the test ends.
                let _ = release_rx.lock().map(|rx| rx.recv());
            });
        }
        let (tx, rx) = mpsc::channel();
        let waiting = pool.submit(move || tx.send(()).unwrap());
        assert_eq!(
            waiting, 0,
            "with 300 runs in flight a new run must not wait"
        );
        // It runs while all 300 still block (they end only with the test): not behind them.
        rx.recv_timeout(Duration::from_secs(15)).unwrap();
        assert!(pool.threads() >= 301);
        drop(release_tx);
    }

    /// A local HTTP server answering `200 OK` to every request; returns its address.
    fn http_server() -> std::net::SocketAddr {
        use std::io::{BufRead as _, BufReader, Read as _, Write as _};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        std::thread::spawn(move || {
            for mut stream in listener.incoming().flatten() {
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut length = 0;
                let mut line = String::new();
                while reader.read_line(&mut line).unwrap_or(0) > 0 && line != "\r\n" {
                    if let Some(value) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                        length = value.trim().parse().unwrap_or(0);
                    }
                    line.clear();
                }
                let mut body = vec![0; length];
                let _ = reader.read_exact(&mut body);
                let _ = stream.write_all(
                    b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok",
                );
            }
        });
        addr
    }

    /// `openssl s_server` with a fresh self-signed certificate, or `None` without openssl.
    fn tls_server(dir: &std::path::Path) -> Option<(std::process::Child, u16)> {
        let (key, cert) = (dir.join("key.pem"), dir.join("cert.pem"));
        let made = std::process::Command::new("openssl")
            .args([
                "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
            ])
            .args(["-subj", "/CN=localhost", "-keyout"])
            .arg(&key)
            .arg("-out")
            .arg(&cert)
            .output()
            .ok()?;
        if !made.status.success() {
            return None;
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .ok()?
            .local_addr()
            .ok()?
            .port();
        let child = std::process::Command::new("openssl")
            .args(["s_server", "-quiet", "-www", "-accept"])
            .arg(format!("127.0.0.1:{port}"))
            .arg("-key")
            .arg(&key)
            .arg("-cert")
            .arg(&cert)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .ok()?;
        let deadline = Instant::now() + Duration::from_secs(5);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            if Instant::now() > deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Some((child, port))
    }

    #[test]
    fn the_executor_fits_in_a_worker_stack() {
        use crate::execute::{Cancel, ExecOptions, Trigger, execute};
        use crate::history::RunStatus;

        let dir = tempfile::tempdir().unwrap();
        let addr = http_server();
        let tls = tls_server(dir.path());
        if tls.is_none() {
            eprintln!("openssl unavailable: the HTTPS run is not measured");
        }
        let mut toml = format!(
            r#"
            [jobs.shell]
            schedule = "* * * * *"
            command = "echo out; echo err >&2; sleep 5"
            timeout = "300ms"
            [jobs.shell.notify]
            url = "http://{addr}/notify"
            secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
            [jobs.web]
            schedule = "* * * * *"
            http = {{ url = "http://{addr}/", method = "POST", body = "x" }}
            notify = {{ url = "http://{addr}/notify", secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" }}
            "#
        );
        if let Some((_, port)) = &tls {
            toml.push_str(&format!(
                "[jobs.tls]\nschedule = \"* * * * *\"\nhttp = {{ url = \"https://localhost:{port}/\" }}\n"
            ));
        }
        let (jobs, problems) = crate::store::parse(&toml);
        assert!(problems.is_empty(), "{problems:?}");
        let (logger, log) = crate::log::Logger::capture(crate::log::Format::Json);
        let opts = ExecOptions {
            state_dir: dir.path().join("state"),
            job_file: dir.path().join("jobs.toml"),
            logger: Arc::new(logger),
            passthrough: false,
        };
        let statuses = std::thread::Builder::new()
            .stack_size(WORKER_STACK)
            .spawn(move || {
                jobs.iter()
                    .map(|job| {
                        let record = execute(
                            job,
                            chrono::Utc::now(),
                            Trigger::Schedule,
                            &crate::execute::RunInput::default(),
                            &opts,
                            &Cancel::new(),
                        );
                        (job.name.clone(), record.status)
                    })
                    .collect::<Vec<_>>()
            })
            .unwrap()
            .join()
            .expect("no stack overflow");
        assert_eq!(statuses[0], ("shell".to_owned(), RunStatus::Timeout));
        assert_eq!(
            statuses[1],
            ("web".to_owned(), RunStatus::Ok),
            "{}",
            log.contents()
        );
        if let Some((mut server, _)) = tls {
            // A self-signed certificate: the handshake runs up to its verification.
            assert_eq!(statuses[2], ("tls".to_owned(), RunStatus::Failed));
            assert!(log.contents().contains("certificate"), "{}", log.contents());
            let _ = server.kill();
            let _ = server.wait();
        }
    }
}
