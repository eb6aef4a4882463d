//! One attempt of a shell job: `/bin/sh -c COMMAND` (or the job's `shell`) in its own process
//! group, stdin from /dev/null, the job's env on top of ours, output drained by reader threads.
//!
//! Waiting costs no polling: a waiter thread blocks in `wait()` and reports on a channel that
//! also receives cancellations; the supervising thread blocks on that channel with the
//! deadline as its timeout. On timeout or cancel the whole group gets SIGTERM, then SIGKILL
//! after `KILL_GRACE`, and once the direct child is gone the group is SIGKILLed again so no
//! backgrounded grandchild survives (RESEARCH.md C13). The direct child is always reaped.

use std::os::unix::process::{CommandExt as _, ExitStatusExt as _};
use std::path::Path;
use std::process::{Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, PoisonError};
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;

use super::capture::{self, Sink};
use super::{Cancel, ExecOptions, KILL_GRACE, Level, Outcome};
use crate::history::RunStatus;
use crate::log::Stream;
use crate::store::Job;

/// After the direct child exited, how long its output pipes may stay open (held by a
/// backgrounded grandchild) before we stop waiting for the rest of its output.
const DRAIN_GRACE: Duration = Duration::from_secs(2);

enum Event {
    Exited(std::io::Result<ExitStatus>),
    Cancel(Level),
}

/// Why we signalled the group, if we did.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Stop {
    None,
    Timeout,
    Cancel,
}

/// Runs `command` once and reports how it ended.
pub(crate) fn attempt(
    job: &Job,
    command: &str,
    shell: Option<&str>,
    workdir: Option<&Path>,
    opts: &ExecOptions,
    cancel: &Cancel,
) -> Outcome {
    let shell = shell.unwrap_or("/bin/sh");
    let mut cmd = Command::new(shell);
    cmd.arg("-c")
        .arg(command)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0);
    for (key, value) in &job.env {
        match super::expand(value) {
            Ok(value) => {
                cmd.env(key, value);
            }
            Err(err) => return Outcome::failed(err, false),
        }
    }
    if let Some(dir) = workdir {
        cmd.current_dir(dir);
    }
    let mut child = match cmd.spawn() {
        Ok(child) => child,
        Err(err) => {
            let place = workdir.map_or_else(String::new, |dir| format!(" in {}", dir.display()));
            return Outcome::failed(
                format!("cannot start {shell}{place}: {err}; check the job's shell and workdir"),
                true,
            );
        }
    };
    let Ok(pid) = i32::try_from(child.id()) else {
        return Outcome::failed("process id out of range".to_owned(), false);
    };
    let group = Pid::from_raw(pid);

    let tail = capture::shared_tail();
    let sink = |stream| {
        if opts.passthrough {
            Sink::Passthrough(stream)
        } else {
            Sink::Log {
                logger: Arc::clone(&opts.logger),
                job: job.name.clone(),
                stream,
            }
        }
    };
    let (done_tx, done_rx) = mpsc::channel::<()>();
    let mut readers = 0;
    let pipes: [(Option<Box<dyn std::io::Read + Send>>, Stream); 2] = [
        (
            child.stdout.take().map(|p| Box::new(p) as _),
            Stream::Stdout,
        ),
        (
            child.stderr.take().map(|p| Box::new(p) as _),
            Stream::Stderr,
        ),
    ];
    for (pipe, stream) in pipes {
        let Some(pipe) = pipe else { continue };
        let done = done_tx.clone();
        let reader = NotifyOnEof {
            pipe,
            done: Some(done),
        };
        // On failure the reader is dropped, which reports "done" as well.
        let _ = capture::spawn_reader(reader, sink(stream), Arc::clone(&tail));
        readers += 1;
    }
    drop(done_tx);

    let (tx, rx) = mpsc::channel::<Event>();
    let waiter_tx = tx.clone();
    let waiter = std::thread::Builder::new()
        .name("jobtab-wait".to_owned())
        .spawn(move || {
            let _ = waiter_tx.send(Event::Exited(child.wait()));
        });
    if let Err(err) = waiter {
        // Without a waiter we cannot supervise: kill the group and reap the child here.
        let _ = killpg(group, Signal::SIGKILL);
        let _ = nix::sys::wait::waitpid(group, None);
        return Outcome::failed(format!("cannot start a waiter thread: {err}"), true);
    }
    let _subscription = cancel.subscribe(move |level| {
        let _ = tx.send(Event::Cancel(level));
    });

    let deadline = job.timeout.map(|timeout| Instant::now() + timeout);
    let mut stop = Stop::None;
    let mut kill_at: Option<Instant> = None;
    let status = loop {
        let next = match (stop, deadline, kill_at) {
            (_, _, Some(at)) => Some(at),
            (Stop::None, Some(at), None) => Some(at),
            _ => None,
        };
        let event = match next {
            Some(at) => rx.recv_timeout(at.saturating_duration_since(Instant::now())),
            None => rx.recv().map_err(|_| RecvTimeoutError::Disconnected),
        };
        match event {
            Ok(Event::Exited(status)) => break status,
            Ok(Event::Cancel(Level::Kill)) => {
                if stop == Stop::None {
                    stop = Stop::Cancel;
                }
                let _ = killpg(group, Signal::SIGKILL);
                kill_at = None;
            }
            Ok(Event::Cancel(_)) => {
                if stop == Stop::None {
                    stop = Stop::Cancel;
                    let _ = killpg(group, Signal::SIGTERM);
                    kill_at = Some(Instant::now() + KILL_GRACE);
                }
            }
            Err(RecvTimeoutError::Timeout) => {
                if kill_at.is_some_and(|at| Instant::now() >= at) {
                    let _ = killpg(group, Signal::SIGKILL);
                    kill_at = None;
                } else if stop == Stop::None && deadline.is_some_and(|at| Instant::now() >= at) {
                    stop = Stop::Timeout;
                    let _ = killpg(group, Signal::SIGTERM);
                    kill_at = Some(Instant::now() + KILL_GRACE);
                }
            }
            // Unreachable while we hold a sender; treat as "the child is gone".
            Err(RecvTimeoutError::Disconnected) => {
                break Err(std::io::Error::other("lost track of the child process"));
            }
        }
    };
    if stop != Stop::None {
        // The shell is gone; leave nothing of its group behind (`sleep 1000 &`).
        let _ = killpg(group, Signal::SIGKILL);
    }

    // Let the readers finish; a grandchild still holding the pipes only delays us so long.
    let drain_until = Instant::now() + DRAIN_GRACE;
    for _ in 0..readers {
        if done_rx
            .recv_timeout(drain_until.saturating_duration_since(Instant::now()))
            .is_err()
        {
            break;
        }
    }
    let output = tail.lock().unwrap_or_else(PoisonError::into_inner).text();

    let mut outcome = match status {
        Ok(status) => describe(status),
        Err(err) => Outcome::failed(format!("cannot wait for the job: {err}"), true),
    };
    outcome.output = output;
    match stop {
        Stop::None => {}
        Stop::Timeout => {
            outcome.status = RunStatus::Timeout;
            let limit = job
                .timeout
                .map_or_else(String::new, crate::duration::format);
            outcome.error = Some(format!("timed out after {limit}"));
            outcome.retryable = true;
        }
        Stop::Cancel => {
            outcome.status = RunStatus::Cancelled;
            outcome.error = Some("cancelled".to_owned());
            outcome.retryable = false;
        }
    }
    outcome
}

/// Ok for exit code 0; failed with "exit code N" or "killed by signal N" (128+N) otherwise.
fn describe(status: ExitStatus) -> Outcome {
    if let Some(code) = status.code() {
        if code == 0 {
            return Outcome {
                status: RunStatus::Ok,
                exit_code: Some(0),
                http_status: None,
                output: String::new(),
                error: None,
                retryable: false,
            };
        }
        let mut outcome = Outcome::failed(format!("exit code {code}"), true);
        outcome.exit_code = Some(code);
        return outcome;
    }
    let signal = status.signal().unwrap_or(0);
    let mut outcome = Outcome::failed(format!("killed by signal {signal}"), true);
    outcome.exit_code = Some(128 + signal);
    outcome
}

/// A pipe that reports on a channel once it is read to its end (or dropped).
struct NotifyOnEof {
    pipe: Box<dyn std::io::Read + Send>,
    done: Option<mpsc::Sender<()>>,
}

impl std::io::Read for NotifyOnEof {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.pipe.read(buf)
    }
}

impl Drop for NotifyOnEof {
    fn drop(&mut self) {
        if let Some(done) = self.done.take() {
            let _ = done.send(());
        }
    }
}
