//! `pidfd_open(2)` (Linux 5.3+): a descriptor that becomes readable when a child exits, so a
//! run's thread can wait for its child with `poll(2)` next to the child's output pipes, with no
//! waiter thread and without reaping it. std's own pidfd support is not stable yet and nix has
//! no wrapper; rustix has a safe one.

use std::os::fd::OwnedFd;

use rustix::process::{Pid, PidfdFlags, pidfd_open};

/// A pidfd of process `pid` (close-on-exec, as every pidfd is). The caller must be `pid`'s
/// parent and not have reaped it yet, so that the pid cannot name another process.
pub(crate) fn open(pid: i32) -> std::io::Result<OwnedFd> {
    // rustix's `Pid` is positive; the kernel refuses the others with EINVAL too.
    let pid = Pid::from_raw(pid.max(0)).ok_or_else(|| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!("no process has the id {pid}"),
        )
    })?;
    Ok(pidfd_open(pid, PidfdFlags::empty())?)
}

#[cfg(test)]
mod tests {
    use std::os::fd::AsFd as _;

    use nix::poll::{PollFd, PollFlags, PollTimeout, poll};

    use super::*;

    #[test]
    fn readable_once_the_child_exits_and_not_before() {
        let mut child = std::process::Command::new("/bin/sh")
            .args(["-c", "read x; exit 7"])
            .stdin(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let fd = open(i32::try_from(child.id()).unwrap()).unwrap();
        let mut fds = [PollFd::new(fd.as_fd(), PollFlags::POLLIN)];
        assert_eq!(poll(&mut fds, PollTimeout::from(50u8)).unwrap(), 0);
        drop(child.stdin.take());
        let mut fds = [PollFd::new(fd.as_fd(), PollFlags::POLLIN)];
        assert_eq!(
            poll(&mut fds, PollTimeout::try_from(5000).unwrap()).unwrap(),
            1
        );
        assert_eq!(child.wait().unwrap().code(), Some(7));
    }

    #[test]
    fn no_such_process_is_an_error() {
        for pid in [-5, 0, i32::MAX] {
            assert!(open(pid).is_err(), "{pid}");
        }
    }
}
