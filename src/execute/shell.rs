//! One attempt of a shell job: `/bin/sh -c COMMAND` (or the job's `shell`) in its own process
//! group, stdin from the run's payload file (a webhook delivery's body) or /dev/null, the
//! job's env and then the run's variables (`RunVars`) on top of ours. Payload values only ever
//! reach the job as environment variables and bytes on stdin, never as shell text.
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
use std::os::fd::{AsFd as _, BorrowedFd, OwnedFd};
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
use super::{Cancel, ExecOptions, KILL_GRACE, Level, Outcome, RunVars, pidfd};
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

/// Where and with what an attempt runs, besides the job.
pub(crate) struct Inputs<'a> {
    /// The shell that runs the command with `-c`; `/bin/sh` when `None`.
    pub(crate) shell: Option<&'a str>,
    pub(crate) workdir: Option<&'a Path>,
    pub(crate) vars: &'a RunVars,
    /// The file stdin reads from the start at each attempt; /dev/null when `None`.
    pub(crate) stdin: Option<&'a Path>,
}

/// Runs `command` once and reports how it ended. `started` is called right after the spawn
/// (whether it worked or not), before anything else is done for the run.
pub(crate) fn attempt(
    job: &Job,
    command: &str,
    inputs: Inputs<'_>,
    opts: &ExecOptions,
    cancel: &Cancel,
    started: &dyn Fn(),
) -> Outcome {
    let (shell, workdir) = (inputs.shell.unwrap_or("/bin/sh"), inputs.workdir);
    let stdin = match inputs.stdin.map(File::open).transpose() {
        Ok(file) => file.map_or_else(Stdio::null, Stdio::from),
        Err(err) => return Outcome::failed(format!("cannot open the payload file: {err}"), false),
    };
    let mut cmd = Command::new(shell);
    cmd.arg("-c")
        .arg(command)
        .stdin(stdin)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0);
    for (key, value) in &job.env {
        match inputs.vars.expand(value) {
            Ok(value) => {
                cmd.env(key, value);
            }
            Err(err) => return Outcome::failed(err, false),
        }
    }
    cmd.envs(inputs.vars.iter());
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
    let mut run = Supervisor::new(child, group, timeout, cancel, capture.is_passthrough());
    let mut chunk = [0u8; CHUNK_BYTES];
    let (stdout, stderr) = (std::io::stdout(), std::io::stderr());
    let outs = [stdout.as_fd(), stderr.as_fd()];
    loop {
        let now = Instant::now();
        if !run.exited {
            run.enforce(now);
        }
        if run.is_done(now) {
            break;
        }
        let (slots, ready) = run.wait(now, outs);
        for (slot, _) in slots.iter().zip(ready).filter(|(_, ready)| *ready) {
            run.handle(*slot, capture, &mut chunk);
        }
    }
    run.end(child)
}

/// The state of one child under `supervise`: its pipes, its timers and what we did to it.
struct Supervisor<'c> {
    group: Pid,
    cancel: &'c Cancel,
    /// Readable once the child exited; none when the kernel offers no pidfd.
    exit_fd: Option<OwnedFd>,
    /// The child's stdout and stderr, each dropped once it reached its end.
    pipes: [Option<(File, Stream)>; 2],
    /// When the timeout comes, if the job has one.
    deadline: Option<Instant>,
    stop: Stop,
    /// The cancellation level already acted on.
    acted: Level,
    /// When the group gets SIGKILL after a SIGTERM.
    kill_at: Option<Instant>,
    /// The child exited (a zombie: reaped only at the end).
    exited: bool,
    /// Once the child exited: when we stop waiting for the rest of its output.
    drain_until: Option<Instant>,
    /// Passthrough (`exec`): a stream is read only once our own stdout or stderr can take the
    /// chunk, so a reader that stops reading (a paused pager) stalls the child as it would
    /// without us, while timeouts and cancellation still work.
    passthrough: bool,
    read_size: usize,
    /// Per stream, whether our side can take the next chunk (always, unless passthrough).
    writable: [bool; 2],
}

impl<'c> Supervisor<'c> {
    /// Takes the child's pipes and opens its pidfd; the timeout starts now.
    fn new(
        child: &mut Child,
        group: Pid,
        timeout: Option<Duration>,
        cancel: &'c Cancel,
        passthrough: bool,
    ) -> Supervisor<'c> {
        let pipe = |pipe: Option<OwnedFd>, stream| pipe.map(|fd| (File::from(fd), stream));
        Supervisor {
            group,
            cancel,
            exit_fd: pidfd::open(group.as_raw()).ok(),
            pipes: [
                pipe(child.stdout.take().map(OwnedFd::from), Stream::Stdout),
                pipe(child.stderr.take().map(OwnedFd::from), Stream::Stderr),
            ],
            deadline: timeout.map(|timeout| Instant::now() + timeout),
            stop: Stop::None,
            acted: Level::None,
            kill_at: None,
            exited: false,
            drain_until: None,
            passthrough,
            read_size: if passthrough {
                PASSTHROUGH_CHUNK
            } else {
                CHUNK_BYTES
            },
            writable: [!passthrough; 2],
        }
    }

    /// While the child runs: acts on a new cancellation level, the SIGKILL after the grace
    /// and the timeout, and (with no pidfd) looks whether the child exited.
    fn enforce(&mut self, now: Instant) {
        let level = self.cancel.level();
        if level > self.acted {
            self.acted = level;
            if self.stop == Stop::None {
                self.stop = Stop::Cancel;
                if level == Level::Graceful {
                    let _ = killpg(self.group, Signal::SIGTERM);
                    self.kill_at = Some(now + KILL_GRACE);
                }
            }
            if level == Level::Kill {
                let _ = killpg(self.group, Signal::SIGKILL);
                self.kill_at = None;
            }
        }
        if self.kill_at.is_some_and(|at| now >= at) {
            let _ = killpg(self.group, Signal::SIGKILL);
            self.kill_at = None;
        }
        if self.stop == Stop::None && self.deadline.is_some_and(|at| now >= at) {
            self.stop = Stop::Timeout;
            let _ = killpg(self.group, Signal::SIGTERM);
            self.kill_at = Some(now + KILL_GRACE);
        }
        if self.exit_fd.is_none() {
            // No pidfd: look now and then, without reaping.
            let flags = WaitPidFlag::WEXITED | WaitPidFlag::WNOHANG | WaitPidFlag::WNOWAIT;
            if !matches!(
                waitid(Id::Pid(self.group), flags),
                Ok(WaitStatus::StillAlive)
            ) {
                self.exited_at(now);
            }
        }
    }

    /// The child exited: it is a zombie now, kept unreaped until its group is stopped.
    fn exited_at(&mut self, now: Instant) {
        stop_leftovers(self.group, self.stop);
        self.exited = true;
        self.drain_until = Some(now + DRAIN_GRACE);
    }

    /// Whether the child exited and its output is all read (or no longer waited for).
    fn is_done(&self, now: Instant) -> bool {
        self.exited
            && (self.pipes.iter().all(Option::is_none)
                || self.drain_until.is_some_and(|at| now >= at))
    }

    /// The next instant a timer needs the loop awake, if any.
    fn next_wake(&self, now: Instant, waker: bool) -> Option<Instant> {
        let mut next: Option<Instant> = None;
        let mut wake_at = |at: Instant| next = Some(next.map_or(at, |next| next.min(at)));
        if !self.exited {
            if let Some(at) = self.kill_at {
                wake_at(at);
            }
            if let (Stop::None, Some(at)) = (self.stop, self.deadline) {
                wake_at(at);
            }
            if self.exit_fd.is_none() || (!waker && self.acted != Level::Kill) {
                wake_at(now + FALLBACK_TICK);
            }
        } else if let Some(at) = self.drain_until {
            wake_at(at);
        }
        next
    }

    /// One `poll` on the pipes (or, in passthrough, on our own `outs`), the pidfd and the
    /// cancellation's wake-up pipe, until the next timer. Returns what each slot waited on
    /// and whether it is ready.
    fn wait(&self, now: Instant, outs: [BorrowedFd<'_>; 2]) -> ([Slot; 4], [bool; 4]) {
        let waker = match (!self.exited, self.acted) {
            (true, Level::None) => self.cancel.waker(Level::Graceful),
            (true, Level::Graceful) => self.cancel.waker(Level::Kill),
            _ => None,
        };
        let next = self.next_wake(now, waker.is_some());
        let mut slots = [Slot::Exit; 4];
        let mut fds = Vec::with_capacity(4);
        for (index, pipe) in self.pipes.iter().enumerate() {
            if let Some((file, _)) = pipe {
                if self.writable[index] {
                    slots[fds.len()] = Slot::Pipe(index);
                    fds.push(PollFd::new(file.as_fd(), PollFlags::POLLIN));
                } else {
                    slots[fds.len()] = Slot::Out(index);
                    fds.push(PollFd::new(outs[index], PollFlags::POLLOUT));
                }
            }
        }
        if !self.exited
            && let Some(fd) = &self.exit_fd
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
        (slots, ready)
    }

    /// Acts on one ready slot: reads a chunk of output, notes that our side can take one,
    /// or notes the child's exit. A cancellation is read at the top of the loop.
    fn handle(&mut self, slot: Slot, capture: &mut Capture<'_>, chunk: &mut [u8]) {
        match slot {
            Slot::Pipe(index) => self.read_pipe(index, capture, chunk),
            // Ready, or an error that the write will meet and ignore.
            Slot::Out(index) => self.writable[index] = true,
            Slot::Exit => self.exited_at(Instant::now()),
            Slot::Cancel => {}
        }
    }

    /// Reads one chunk of the child's stdout (0) or stderr (1) into `capture`; at the end of
    /// the stream (or a broken pipe) closes it.
    fn read_pipe(&mut self, index: usize, capture: &mut Capture<'_>, chunk: &mut [u8]) {
        let Some((file, stream)) = &mut self.pipes[index] else {
            return;
        };
        let stream = *stream;
        match file.read(&mut chunk[..self.read_size]) {
            Ok(0) => {}
            Ok(n) => {
                capture.push(stream, &chunk[..n]);
                self.writable[index] = !self.passthrough;
                return;
            }
            Err(err) if err.kind() == std::io::ErrorKind::Interrupted => return,
            Err(_) => {}
        }
        // End of output (or a broken pipe): this stream is done.
        capture.end(stream);
        self.pipes[index] = None;
    }

    /// Reaps the child and stops what is left of its group. Returns how the child exited,
    /// whether we stopped it, and whether processes of its group outlived it.
    fn end(self, child: &mut Child) -> (std::io::Result<ExitStatus>, Stop, bool) {
        if self.stop == Stop::None {
            // Whatever the job left behind gets SIGTERM while the unreaped child still holds
            // the group's id.
            let _ = killpg(self.group, Signal::SIGTERM);
        }
        let status = child.wait();
        let leftovers = self.stop == Stop::None && end_group(self.group, self.cancel);
        (status, self.stop, leftovers)
    }
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
