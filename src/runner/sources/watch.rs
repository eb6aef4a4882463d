//! Noticing that the job file changed, so `run` reloads it without a restart (SIGHUP is the
//! other trigger; see `signals`).
//!
//! A thread watches the file's folder with inotify (so an atomic rename by `jobtab add`, an
//! editor's save and a plain write are all seen, with no polling) and sends an event when the
//! file's identity (inode, size, mtime, ctime) changed. Where inotify is unavailable, or the
//! folder does not exist yet, it falls back to comparing that identity every [`POLL`].

use std::ffi::OsString;
use std::os::unix::fs::MetadataExt as _;
use std::path::{Path, PathBuf};
use std::sync::mpsc::Sender;
use std::time::Duration;

use nix::sys::inotify::{AddWatchFlags, InitFlags, Inotify};

/// How often the fallback compares the file's identity.
pub(crate) const POLL: Duration = Duration::from_secs(1);

/// How long to let a burst of writes settle before comparing.
const SETTLE: Duration = Duration::from_millis(30);

/// What identifies one version of the file; `None` when it does not exist.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Signature {
    dev: u64,
    ino: u64,
    size: u64,
    mtime_ns: i64,
    ctime_ns: i64,
}

/// The file's current signature (following symlinks).
pub(crate) fn signature(path: &Path) -> Option<Signature> {
    let meta = std::fs::metadata(path).ok()?;
    Some(Signature {
        dev: meta.dev(),
        ino: meta.ino(),
        size: meta.size(),
        mtime_ns: meta.mtime() * 1_000_000_000 + meta.mtime_nsec(),
        ctime_ns: meta.ctime() * 1_000_000_000 + meta.ctime_nsec(),
    })
}

/// Watches `path` from a thread; sends `event` each time its signature differs from the last
/// one seen, starting from `baseline` (taken by the caller before it read the file, so a change
/// made while it was reading is not lost).
pub(crate) fn spawn_watcher<E: Send + 'static>(
    path: PathBuf,
    baseline: Option<Signature>,
    events: Sender<E>,
    event: impl Fn() -> E + Send + 'static,
) -> std::io::Result<()> {
    let mut watcher = Watcher::new(path);
    std::thread::Builder::new()
        .name("watch".into())
        .stack_size(128 * 1024)
        .spawn(move || {
            let mut last = baseline;
            loop {
                if !watcher.wait() {
                    return;
                }
                let now = signature(&watcher.path);
                if now != last {
                    last = now;
                    if events.send(event()).is_err() {
                        return;
                    }
                }
            }
        })
        .map(drop)
}

struct Watcher {
    path: PathBuf,
    /// The inotify instance and the file names (of the path, and of a symlink's target) to
    /// react to; `None`: polling.
    inotify: Option<(Inotify, Vec<OsString>)>,
}

impl Watcher {
    fn new(path: PathBuf) -> Watcher {
        let inotify = watch_folders(&path);
        Watcher { path, inotify }
    }

    /// Blocks until the file may have changed; `false` when watching is impossible.
    fn wait(&mut self) -> bool {
        let Some((inotify, names)) = &self.inotify else {
            std::thread::sleep(POLL);
            // The folder may have been created meanwhile: switch to inotify then.
            self.inotify = watch_folders(&self.path);
            return true;
        };
        match inotify.read_events() {
            Ok(events) => {
                let ours = events.iter().any(|e| {
                    e.mask.contains(AddWatchFlags::IN_IGNORED)
                        || e.name.as_ref().is_some_and(|n| names.contains(n))
                });
                if events
                    .iter()
                    .any(|e| e.mask.contains(AddWatchFlags::IN_IGNORED))
                {
                    // The folder itself went away: poll until it is back.
                    self.inotify = None;
                }
                if ours {
                    std::thread::sleep(SETTLE);
                }
                true
            }
            Err(nix::errno::Errno::EINTR) => true,
            Err(_) => {
                self.inotify = None;
                true
            }
        }
    }
}

/// An inotify instance watching the folder of `path` (and of its symlink target).
fn watch_folders(path: &Path) -> Option<(Inotify, Vec<OsString>)> {
    let inotify = Inotify::init(InitFlags::IN_CLOEXEC).ok()?;
    let mask = AddWatchFlags::IN_CLOSE_WRITE
        | AddWatchFlags::IN_MOVED_TO
        | AddWatchFlags::IN_MOVED_FROM
        | AddWatchFlags::IN_CREATE
        | AddWatchFlags::IN_DELETE
        | AddWatchFlags::IN_ATTRIB
        | AddWatchFlags::IN_DELETE_SELF
        | AddWatchFlags::IN_MOVE_SELF;
    let mut names = Vec::new();
    let mut targets = vec![path.to_owned()];
    if let Ok(real) = std::fs::canonicalize(path)
        && real != path
    {
        targets.push(real);
    }
    for target in targets {
        let (Some(folder), Some(name)) = (target.parent(), target.file_name()) else {
            continue;
        };
        inotify.add_watch(folder, mask).ok()?;
        names.push(name.to_owned());
    }
    (!names.is_empty()).then_some((inotify, names))
}

#[cfg(test)]
mod tests {
    use std::sync::mpsc;

    use super::*;

    #[test]
    fn signature_changes_with_content_and_replacement() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("jobs.toml");
        assert_eq!(signature(&path), None);
        std::fs::write(&path, "a").unwrap();
        let first = signature(&path).unwrap();
        std::fs::write(&path, "ab").unwrap();
        assert_ne!(signature(&path).unwrap(), first);
    }

    #[test]
    fn the_watcher_reports_writes_and_atomic_renames_but_not_other_files() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("jobs.toml");
        let (tx, rx) = mpsc::channel();
        spawn_watcher(path.clone(), signature(&path), tx, || ()).unwrap();
        std::fs::write(dir.path().join("other.toml"), "x").unwrap();
        assert!(rx.recv_timeout(Duration::from_millis(300)).is_err());
        std::fs::write(&path, "one").unwrap();
        rx.recv_timeout(Duration::from_secs(15))
            .expect("a write is seen");
        let temp = dir.path().join(".jobs.toml.tmp");
        std::fs::write(&temp, "two, longer").unwrap();
        std::fs::rename(&temp, &path).unwrap();
        rx.recv_timeout(Duration::from_secs(15))
            .expect("a rename is seen");
        std::fs::remove_file(&path).unwrap();
        rx.recv_timeout(Duration::from_secs(15))
            .expect("a removal is seen");
    }

    #[test]
    fn the_watcher_polls_until_the_folder_exists() {
        let dir = tempfile::tempdir().unwrap();
        let folder = dir.path().join("later");
        let path = folder.join("jobs.toml");
        let (tx, rx) = mpsc::channel();
        spawn_watcher(path.clone(), signature(&path), tx, || ()).unwrap();
        std::fs::create_dir(&folder).unwrap();
        std::fs::write(&path, "x").unwrap();
        // Within a few polls; generous for a busy machine.
        rx.recv_timeout(POLL * 15).expect("the new file is seen");
    }
}
