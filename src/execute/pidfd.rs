//! `pidfd_open(2)` (Linux 5.3+): a descriptor that becomes readable when a child exits, so a
//! run's thread can wait for its child with `poll(2)` next to the child's output pipes, with no
//! waiter thread and without reaping it. std's own pidfd support is not stable yet, and nix
//! has no wrapper, hence the raw system call.

use std::os::fd::{FromRawFd as _, OwnedFd};

use nix::libc;

/// A pidfd of process `pid` (close-on-exec, as every pidfd is). The caller must be `pid`'s
/// parent and not have reaped it yet, so that the pid cannot name another process.
pub(crate) fn open(pid: i32) -> std::io::Result<OwnedFd> {
    // SAFETY: pidfd_open takes a pid and a flags word and returns a new descriptor or -1; it
    // touches no memory of ours.
    let fd = unsafe {
        libc::syscall(
            libc::SYS_pidfd_open,
            libc::c_long::from(pid),
            libc::c_long::from(0u8),
        )
    };
    if fd < 0 {
        return Err(std::io::Error::last_os_error());
    }
    let fd = i32::try_from(fd).map_err(|_| std::io::Error::other("descriptor out of range"))?;
    // SAFETY: `fd` was just returned by the kernel and nothing else owns it.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
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
        assert!(open(-5).is_err());
    }
}
