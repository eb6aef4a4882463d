//! One attempt of a shell job: `/bin/sh -c COMMAND` (or the job's `shell`) in its own process
//! group, stdin from /dev/null, the job's env on top of ours.
//!
//! The run's own thread supervises the child with no helper thread: one `poll(2)` waits on
//! the child's stdout and stderr pipes (so heavy output on one never blocks the other), on a
//! pidfd that becomes readable when the child exits, and on the `Cancel` token's wake-up pipe,
//! with the next deadline (timeout, SIGKILL after the grace, end of draining) as its timeout.
//! Passthrough (`exec`) reads a stream only when our own stdout or stderr polls writable, so a
//! stalled terminal or pipe never stops the timeout or a cancellation.
//! std spawns with posix_spawn (vfork-like, no copy of our address space) since we set no
//! `pre_exec` closure; keep it that way.
//!
//! On timeout or cancel the whole group gets SIGTERM, then SIGKILL after `KILL_GRACE`, and
//! once the direct child is gone (before it is reaped, so its pid cannot be reused) the group
//! is SIGKILLed again so no backgrounded grandchild survives (RESEARCH.md C13). The direct
//! child is always reaped. A grandchild that keeps the pipes open after the child exited
//! delays the end of the run by `DRAIN_GRACE` at most.

use std::fs::File;
use std::io::Read as _;
use std::os::fd::{AsFd as _, OwnedFd};
use std::os::unix::process::{CommandExt as _, ExitStatusExt as _};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use nix::errno::Errno;
use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;

use super::capture::{Capture, PASSTHROUGH_CHUNK, Sink};
use super::{Cancel, ExecOptions, KILL_GRACE, Level, Outcome, pidfd};
use crate::history::RunStatus;
use crate::log::Stream;
use crate::store::Job;

/// After the direct child exited, how long its output pipes may stay open (held by a
/// backgrounded grandchild) before we stop waiting for the rest of its output.
const DRAIN_GRACE: Duration = Duration::from_secs(2);

/// How often the child's exit and the cancellation are checked when the kernel offers no
/// pidfd or the token no wake-up pipe (out of descriptors); otherwise nothing is polled.
const FALLBACK_TICK: Duration = Duration::from_millis(50);

/// How much is read from a pipe at once.
const CHUNK_BYTES: usize = 16 * 1024;

/// Why we signalled the group, if we did.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Stop {
    None,
    Timeout,
    Cancel,
}

/// Runs `command` once and reports how it ended. `started` is called right after the spawn
/// (whether it worked or not), before anything else is done for the run.
pub(crate) fn attempt(
    job: &Job,
    command: &str,
    shell: Option<&str>,
    workdir: Option<&Path>,
    opts: &ExecOptions,
    cancel: &Cancel,
    started: &dyn Fn(),
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
    let spawned = cmd.spawn();
    started();
    let mut child = match spawned {
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
        let _ = child.kill();
        let _ = child.wait();
        return Outcome::failed("process id out of range".to_owned(), false);
    };

    let sink = if opts.passthrough {
        Sink::Passthrough
    } else {
        Sink::Log {
            logger: &opts.logger,
            job: &job.name,
        }
    };
    let mut capture = Capture::new(sink);
    let (status, stop) = supervise(
        &mut child,
        Pid::from_raw(pid),
        job.timeout,
        cancel,
        &mut capture,
    );
    let output = capture.finish();

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

/// What one `poll` is waiting on, per slot.
#[derive(Clone, Copy)]
enum Slot {
    /// The child's stdout (0) or stderr (1) has output.
    Pipe(usize),
    /// Passthrough: our own stdout (0) or stderr (1) can take a chunk.
    Out(usize),
    Exit,
    Cancel,
}

/// Drains the child's pipes into `capture` until it exited and its pipes closed (or
/// `DRAIN_GRACE` passed), enforcing the timeout and the cancellation on its group `group`.
/// Returns how it exited (it is reaped) and whether we stopped it.
fn supervise(
    child: &mut Child,
    group: Pid,
    timeout: Option<Duration>,
    cancel: &Cancel,
    capture: &mut Capture<'_>,
) -> (std::io::Result<ExitStatus>, Stop) {
    let exit_fd: Option<OwnedFd> = pidfd::open(group.as_raw()).ok();
    let mut pipes: [Option<(File, Stream)>; 2] = [
        child
            .stdout
            .take()
            .map(|pipe| (File::from(OwnedFd::from(pipe)), Stream::Stdout)),
        child
            .stderr
            .take()
            .map(|pipe| (File::from(OwnedFd::from(pipe)), Stream::Stderr)),
    ];
    let deadline = timeout.map(|timeout| Instant::now() + timeout);
    let mut stop = Stop::None;
    let mut acted = Level::None;
    let mut kill_at: Option<Instant> = None;
    let mut status: Option<std::io::Result<ExitStatus>> = None;
    let mut drain_until: Option<Instant> = None;
    let mut chunk = [0u8; CHUNK_BYTES];
    // Passthrough (`exec`): a stream is read only once our own stdout or stderr can take the
    // chunk, so a reader that stops reading (a paused pager) stalls the child as it would
    // without us, while timeouts and cancellation still work.
    let (stdout, stderr) = (std::io::stdout(), std::io::stderr());
    let outs = [stdout.as_fd(), stderr.as_fd()];
    let passthrough = capture.is_passthrough();
    let read_size = if passthrough {
        PASSTHROUGH_CHUNK
    } else {
        CHUNK_BYTES
    };
    let mut writable = [!passthrough; 2];

    loop {
        let now = Instant::now();
        if status.is_none() {
            let level = cancel.level();
            if level > acted {
                acted = level;
                if stop == Stop::None {
                    stop = Stop::Cancel;
                    if level == Level::Graceful {
                        let _ = killpg(group, Signal::SIGTERM);
                        kill_at = Some(now + KILL_GRACE);
                    }
                }
                if level == Level::Kill {
                    let _ = killpg(group, Signal::SIGKILL);
                    kill_at = None;
                }
            }
            if kill_at.is_some_and(|at| now >= at) {
                let _ = killpg(group, Signal::SIGKILL);
                kill_at = None;
            }
            if stop == Stop::None && deadline.is_some_and(|at| now >= at) {
                stop = Stop::Timeout;
                let _ = killpg(group, Signal::SIGTERM);
                kill_at = Some(now + KILL_GRACE);
            }
            if exit_fd.is_none() {
                // No pidfd: look now and then (the child is reaped by this look).
                match child.try_wait() {
                    Ok(None) => {}
                    Ok(Some(exited)) => {
                        // Reaped already: the group's leftovers go now.
                        stop_leftovers(group, stop);
                        status = Some(Ok(exited));
                    }
                    Err(err) => status = Some(Err(err)),
                }
                if status.is_some() {
                    drain_until = Some(now + DRAIN_GRACE);
                }
            }
        }
        if status.is_some()
            && (pipes.iter().all(Option::is_none) || drain_until.is_some_and(|at| now >= at))
        {
            break;
        }

        // What to wait for, and until when.
        let waker = match (status.is_none(), acted) {
            (true, Level::None) => cancel.waker(Level::Graceful),
            (true, Level::Graceful) => cancel.waker(Level::Kill),
            _ => None,
        };
        let mut next: Option<Instant> = None;
        let mut wake_at = |at: Instant| next = Some(next.map_or(at, |next| next.min(at)));
        if status.is_none() {
            if let Some(at) = kill_at {
                wake_at(at);
            }
            if let (Stop::None, Some(at)) = (stop, deadline) {
                wake_at(at);
            }
            if exit_fd.is_none() || (waker.is_none() && acted != Level::Kill) {
                wake_at(now + FALLBACK_TICK);
            }
        } else if let Some(at) = drain_until {
            wake_at(at);
        }
        let mut slots = [Slot::Exit; 4];
        let mut fds = Vec::with_capacity(4);
        for (index, pipe) in pipes.iter().enumerate() {
            if let Some((file, _)) = pipe {
                if writable[index] {
                    slots[fds.len()] = Slot::Pipe(index);
                    fds.push(PollFd::new(file.as_fd(), PollFlags::POLLIN));
                } else {
                    slots[fds.len()] = Slot::Out(index);
                    fds.push(PollFd::new(outs[index], PollFlags::POLLOUT));
                }
            }
        }
        if status.is_none()
            && let Some(fd) = &exit_fd
        {
            slots[fds.len()] = Slot::Exit;
            fds.push(PollFd::new(fd.as_fd(), PollFlags::POLLIN));
        }
        if let Some(fd) = waker {
            slots[fds.len()] = Slot::Cancel;
            fds.push(PollFd::new(fd, PollFlags::POLLIN));
        }
        let timeout = next.map_or(PollTimeout::NONE, |at| {
            let millis = at.saturating_duration_since(now).as_micros().div_ceil(1000);
            PollTimeout::try_from(millis).unwrap_or(PollTimeout::MAX)
        });
        match poll(&mut fds, timeout) {
            Ok(_) | Err(Errno::EINTR) => {}
            // Out of memory or the like: do not spin; the timers still run.
            Err(_) => std::thread::sleep(FALLBACK_TICK),
        }
        let mut ready = [false; 4];
        for (flag, fd) in ready.iter_mut().zip(&fds) {
            *flag = fd.revents().is_some_and(|events| !events.is_empty());
        }
        drop(fds);

        for (slot, _) in slots.iter().zip(ready).filter(|(_, ready)| *ready) {
            match *slot {
                Slot::Pipe(index) => {
                    let Some((file, stream)) = &mut pipes[index] else {
                        continue;
                    };
                    let stream = *stream;
                    match file.read(&mut chunk[..read_size]) {
                        Ok(0) => {}
                        Ok(n) => {
                            capture.push(stream, &chunk[..n]);
                            writable[index] = !passthrough;
                            continue;
                        }
                        Err(err) if err.kind() == std::io::ErrorKind::Interrupted => continue,
                        Err(_) => {}
                    }
                    // End of output (or a broken pipe): this stream is done.
                    capture.end(stream);
                    pipes[index] = None;
                }
                // Ready, or an error that the write will meet and ignore.
                Slot::Out(index) => writable[index] = true,
                Slot::Exit => {
                    // The child is a zombie now: stop its group before reaping it.
                    stop_leftovers(group, stop);
                    status = Some(child.wait());
                    drain_until = Some(Instant::now() + DRAIN_GRACE);
                }
                // The level is read at the top of the loop.
                Slot::Cancel => {}
            }
        }
    }
    let status = status.unwrap_or_else(|| Err(std::io::Error::other("lost track of the job")));
    (status, stop)
}

/// After the direct child exited: when we stopped it, SIGKILL what is left of its group (a
/// backgrounded `sleep 1000 &` that ignored SIGTERM).
fn stop_leftovers(group: Pid, stop: Stop) {
    if stop != Stop::None {
        let _ = killpg(group, Signal::SIGKILL);
    }
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
