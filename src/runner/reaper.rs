//! Reaping orphans when `jobtab run` is PID 1 (a container's entrypoint), as supercronic's
//! `reaper.go` does (RESEARCH.md C13): a job's backgrounded grandchildren (`sleep 9 & echo x`)
//! and the members of a killed process group are reparented to PID 1, and without a reaper
//! every one of them stays a zombie forever.
//!
//! The executor waits for its own children itself (through a pidfd, then `Child::wait`), so
//! the reaper must never take their exit status. It never calls `waitpid(-1)`: on each
//! SIGCHLD (read from a signalfd) it lists our zombie children and reaps, by pid, only those
//! that cannot be the executor's:
//! - zombies listed as children of the main thread: the kernel hands orphans to the init
//!   process's main thread, while the executor starts its children from worker threads
//!   (`pool`), and a thread's children are listed apart (`/proc/self/task/<tid>/children`);
//! - among those, and among all our children where that list is unavailable, zombies that do
//!   not lead their own process group are reaped in any case: the executor starts every child
//!   in a new group it leads (`process_group(0)`), so such a zombie is never its child.
//!
//! A zombie's pid cannot be reused before it is reaped, so reaping by pid is safe.
//! Limitation: where the kernel has no `children` file (`CONFIG_PROC_CHILDREN` off) only the
//! second rule applies, so an orphan that made itself a group leader (`setsid`, a daemon)
//! stays a zombie after it exits. The reaper is off unless we are PID 1.

use std::collections::HashSet;
use std::os::fd::AsFd as _;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
use nix::sys::signal::{SigSet, Signal};
use nix::sys::signalfd::{SfdFlags, SignalFd};
use nix::sys::wait::{WaitPidFlag, waitpid};
use nix::unistd::Pid;

use crate::log::Logger;

/// Without a SIGCHLD (one can be lost to a thread that started before SIGCHLD was blocked),
/// zombies are still looked for this often.
const FALLBACK: Duration = Duration::from_secs(10);

/// One of our children, as `/proc/<pid>/stat` describes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stat {
    pid: i32,
    state: char,
    ppid: i32,
    pgrp: i32,
}

/// Starts the reaper when this process is PID 1; returns whether it runs. Must be called on
/// the main thread before any other long-lived thread starts: it blocks SIGCHLD in the
/// calling thread, and threads started afterwards inherit that (children do not: std resets
/// the signal mask of every process it spawns).
pub(crate) fn start_if_init(logger: &Arc<Logger>) -> bool {
    if std::process::id() != 1 {
        return false;
    }
    match start(Arc::clone(logger)) {
        Ok(()) => {
            logger.info(
                None,
                "running as PID 1: orphaned processes are reaped when they exit",
            );
            true
        }
        Err(err) => {
            logger.warn(
                None,
                &format!(
                    "running as PID 1 but cannot reap orphaned processes ({err}); exited \
                     background processes of jobs will stay zombies: run jobtab under an init \
                     such as `docker run --init` or tini"
                ),
            );
            false
        }
    }
}

fn start(logger: Arc<Logger>) -> std::io::Result<()> {
    let me = own_pid_in_proc()?;
    if i64::from(me) != i64::from(std::process::id()) {
        return Err(std::io::Error::other(
            "/proc belongs to another PID namespace (mount a /proc of this one)",
        ));
    }
    let mut mask = SigSet::empty();
    mask.add(Signal::SIGCHLD);
    mask.thread_block()?;
    let signals = SignalFd::with_flags(&mask, SfdFlags::SFD_CLOEXEC | SfdFlags::SFD_NONBLOCK)?;
    std::thread::Builder::new()
        .name("reaper".into())
        .stack_size(128 * 1024)
        .spawn(move || {
            let timeout = PollTimeout::try_from(FALLBACK).unwrap_or(PollTimeout::MAX);
            loop {
                let mut fds = [PollFd::new(signals.as_fd(), PollFlags::POLLIN)];
                if let Err(err) = poll(&mut fds, timeout)
                    && err != nix::errno::Errno::EINTR
                {
                    std::thread::sleep(FALLBACK);
                }
                // Drain: SIGCHLDs coalesce, one pass handles every zombie there is.
                while let Ok(Some(_)) = signals.read_signal() {}
                if let Err(err) = reap_orphans(me) {
                    logger.warn(None, &format!("cannot reap orphaned processes: {err}"));
                    std::thread::sleep(FALLBACK);
                }
            }
        })?;
    Ok(())
}

/// Our pid as the mounted `/proc` numbers it.
fn own_pid_in_proc() -> std::io::Result<i32> {
    let link = std::fs::read_link("/proc/self")?;
    link.to_str()
        .and_then(|text| text.parse().ok())
        .ok_or_else(|| std::io::Error::other("unexpected /proc/self link"))
}

/// One pass: reaps every zombie child of `me` that [`is_orphan`] says is not the
/// executor's. Returns how many were reaped.
fn reap_orphans(me: i32) -> std::io::Result<usize> {
    let adopted = read_children(&Path::new("/proc/self/task").join(me.to_string()));
    let candidates: Vec<i32> = match &adopted {
        // Orphans are adopted by the main thread: its list is all there is to look at (the
        // executor's children are listed under the worker threads that started them).
        Some(pids) => pids.iter().copied().collect(),
        None => children_by_scan(me)?,
    };
    let mut reaped = 0;
    for pid in candidates {
        let Some(stat) = read_stat(pid) else { continue };
        if stat.ppid != me || !is_orphan(&stat, adopted.as_ref()) {
            continue;
        }
        if let Ok(status) = waitpid(Pid::from_raw(pid), Some(WaitPidFlag::WNOHANG))
            && status.pid().is_some()
        {
            reaped += 1;
        }
    }
    Ok(reaped)
}

/// Whether a child of ours may be reaped here: a zombie that the main thread adopted, or one
/// that does not lead its own process group (see the module doc).
fn is_orphan(stat: &Stat, adopted: Option<&HashSet<i32>>) -> bool {
    stat.state == 'Z'
        && (stat.pgrp != stat.pid || adopted.is_some_and(|pids| pids.contains(&stat.pid)))
}

/// The pids in `<task>/children`; `None` when the kernel has no such file.
fn read_children(task: &Path) -> Option<HashSet<i32>> {
    let text = std::fs::read_to_string(task.join("children")).ok()?;
    Some(
        text.split_whitespace()
            .filter_map(|pid| pid.parse().ok())
            .collect(),
    )
}

/// Our children found by reading every `/proc/<pid>/stat` (without the `children` file).
fn children_by_scan(me: i32) -> std::io::Result<Vec<i32>> {
    let mut pids = Vec::new();
    for entry in std::fs::read_dir("/proc")?.flatten() {
        let Some(pid) = entry.file_name().to_str().and_then(|n| n.parse().ok()) else {
            continue;
        };
        if read_stat(pid).is_some_and(|stat| stat.ppid == me) {
            pids.push(pid);
        }
    }
    Ok(pids)
}

fn read_stat(pid: i32) -> Option<Stat> {
    parse_stat(&std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?)
}

/// Parses `/proc/<pid>/stat`: `pid (comm) state ppid pgrp ...`; the command name may hold
/// spaces and parentheses, so the fields after it are found from its last `)`.
fn parse_stat(text: &str) -> Option<Stat> {
    let (head, tail) = text.rsplit_once(')')?;
    let pid = head.split_once(" (")?.0.trim().parse().ok()?;
    let mut fields = tail.split_whitespace();
    let state = fields.next()?.chars().next()?;
    let ppid = fields.next()?.parse().ok()?;
    let pgrp = fields.next()?.parse().ok()?;
    Some(Stat {
        pid,
        state,
        ppid,
        pgrp,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_stat_lines_with_odd_command_names() {
        let stat = parse_stat("42 (sle ep) (x)) Z 1 40 40 0 -1 4194560 0 0").unwrap();
        assert_eq!(
            stat,
            Stat {
                pid: 42,
                state: 'Z',
                ppid: 1,
                pgrp: 40
            }
        );
        assert_eq!(parse_stat("garbage"), None);
        assert_eq!(parse_stat("7 (sh) S"), None);
    }

    #[test]
    fn only_zombies_that_cannot_be_the_executors_are_reaped() {
        let zombie = |pid, pgrp| Stat {
            pid,
            state: 'Z',
            ppid: 1,
            pgrp,
        };
        let adopted: HashSet<i32> = [30].into_iter().collect();
        // A grandchild left in a job's process group: reaped.
        assert!(is_orphan(&zombie(11, 10), Some(&adopted)));
        assert!(is_orphan(&zombie(11, 10), None));
        // The executor's own child (leads its group, started by a worker thread): never.
        assert!(!is_orphan(&zombie(10, 10), Some(&adopted)));
        assert!(!is_orphan(&zombie(10, 10), None));
        // A daemon that called setsid, adopted by the main thread: reaped when the kernel
        // lists the main thread's children, left alone otherwise.
        assert!(is_orphan(&zombie(30, 30), Some(&adopted)));
        assert!(!is_orphan(&zombie(30, 30), None));
        // Still running: not yet.
        let running = Stat {
            state: 'S',
            ..zombie(11, 10)
        };
        assert!(!is_orphan(&running, Some(&adopted)));
    }

    #[test]
    fn reads_the_children_of_a_thread() {
        let mut child = std::process::Command::new("sleep")
            .arg("5")
            .spawn()
            .unwrap();
        let pid = i32::try_from(child.id()).unwrap();
        let me = own_pid_in_proc().unwrap();
        let tid = nix::unistd::gettid().as_raw();
        let task = Path::new("/proc")
            .join(me.to_string())
            .join("task")
            .join(tid.to_string());
        if let Some(children) = read_children(&task) {
            assert!(children.contains(&pid), "{children:?}");
        }
        assert!(children_by_scan(me).unwrap().contains(&pid));
        assert_eq!(read_stat(pid).map(|s| s.ppid), Some(me));
        child.kill().unwrap();
        child.wait().unwrap();
    }
}
