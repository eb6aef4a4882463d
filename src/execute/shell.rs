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
//! once the direct child is gone the group is SIGKILLed again so no backgrounded grandchild
//! survives (RESEARCH.md C13). A run that ends by itself leaves no orphans either: once the
//! direct child exited and its output is drained (a grandchild that keeps the pipes open
//! delays this by `DRAIN_GRACE` at most), the group gets SIGTERM, then SIGKILL after
//! `KILL_GRACE` if anything is left, and a warning is logged. A job that wants a process to
//! outlive it starts it in a new session (`setsid`). The direct child is reaped only after
//! the group was signalled, so its pid (the group's id) cannot name another group meanwhile;
//! it is always reaped.

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
use nix::sys::wait::{Id, WaitPidFlag, WaitStatus, waitid};
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
    let (status, stop, leftovers) = supervise(
        &mut child,
        Pid::from_raw(pid),
        job.timeout,
        cancel,
        &mut capture,
    );
    let output = capture.finish();
    if leftovers {
        opts.logger.warn(
            Some(&job.name),
            "stopped processes the job left running in the background; start a process with \
             setsid to keep it running after the job",
        );
    }

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
/// `DRAIN_GRACE` passed), enforcing the timeout and the cancellation on its group `group`,
/// then stops what is left of the group. Returns how it exited (it is reaped), whether we
/// stopped it, and whether processes of its group outlived it.
fn supervise(
    child: &mut Child,
    group: Pid,
    timeout: Option<Duration>,
    cancel: &Cancel,
    capture: &mut Capture<'_>,
) -> (std::io::Result<ExitStatus>, Stop, bool) {
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
    // The child exited (a zombie: reaped only at the end).
    let mut exited = false;
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
        if !exited {
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
                // No pidfd: look now and then, without reaping.
                let flags = WaitPidFlag::WEXITED | WaitPidFlag::WNOHANG | WaitPidFlag::WNOWAIT;
                if !matches!(waitid(Id::Pid(group), flags), Ok(WaitStatus::StillAlive)) {
                    stop_leftovers(group, stop);
                    exited = true;
                    drain_until = Some(now + DRAIN_GRACE);
                }
            }
        }
        if exited && (pipes.iter().all(Option::is_none) || drain_until.is_some_and(|at| now >= at))
        {
            break;
        }

        // What to wait for, and until when.
        let waker = match (!exited, acted) {
            (true, Level::None) => cancel.waker(Level::Graceful),
            (true, Level::Graceful) => cancel.waker(Level::Kill),
            _ => None,
        };
        let mut next: Option<Instant> = None;
        let mut wake_at = |at: Instant| next = Some(next.map_or(at, |next| next.min(at)));
        if !exited {
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
        if !exited && let Some(fd) = &exit_fd {
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
                    // The child is a zombie now, kept unreaped until its group is stopped.
                    stop_leftovers(group, stop);
                    exited = true;
                    drain_until = Some(Instant::now() + DRAIN_GRACE);
                }
                // The level is read at the top of the loop.
                Slot::Cancel => {}
            }
        }
    }
    if stop == Stop::None {
        // Whatever the job left behind gets SIGTERM while the unreaped child still holds the
        // group's id.
        let _ = killpg(group, Signal::SIGTERM);
    }
    let status = child.wait();
    let leftovers = stop == Stop::None && end_group(group, cancel);
    (status, stop, leftovers)
}

/// After the direct child was reaped and its group got SIGTERM: waits up to `KILL_GRACE` for
/// the group to empty, then SIGKILLs what is left (at once on `Cancel::kill`). Returns whether
/// anything was left. The group's id cannot be reused while any member lives.
fn end_group(group: Pid, cancel: &Cancel) -> bool {
    // Whether the group still has members (zombies not yet reaped by their new parent count).
    let populated = || killpg(group, None).is_ok();
    if !populated() {
        return false;
    }
    let deadline = Instant::now() + KILL_GRACE;
    let mut pause = Duration::from_millis(5);
    loop {
        let now = Instant::now();
        if now >= deadline || cancel.level() == Level::Kill {
            let _ = killpg(group, Signal::SIGKILL);
            return true;
        }
        std::thread::sleep(pause.min(deadline - now));
        pause = (pause * 2).min(Duration::from_millis(100));
        if !populated() {
            return true;
        }
    }
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
