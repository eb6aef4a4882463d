//! Writing a job file atomically: a temp file in the same folder, written and fsynced, renamed
//! over the file, then the folder fsynced. A crash leaves the old file or the new one, never a
//! mix. A new file is mode 0600 because it may hold secrets' names and URLs; a file that
//! exists keeps its mode (a user who made it group-readable, or tighter, meant it).
//!
//! A writer killed before the rename (`kill -9`, a power cut) leaves its temp file behind. The
//! temp file's name says whose it is, `.<file>.<pid>.<random>.tmp`, so the next write (under
//! the lock, like every write) removes those whose writer is dead, and never a live writer's.

use std::fs::File;
use std::io::Write as _;
use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context as _, Result};

/// The file a write to `path` must replace: the target of a symlink (a job file kept in a
/// dotfiles repository and linked into place stays a link), else `path` itself.
pub(crate) fn real_path(path: &Path) -> PathBuf {
    match std::fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_symlink() => {
            std::fs::canonicalize(path).unwrap_or_else(|_| path.to_owned())
        }
        _ => path.to_owned(),
    }
}

/// Replaces `path` with `contents` atomically; its folder must exist.
pub(crate) fn write_atomic(path: &Path, contents: &[u8]) -> Result<()> {
    write_atomic_with(path, contents, |_| Ok(()))
}

/// `write_atomic`, calling `before_rename` with the written temp file's path just before the
/// rename: tests use it to fail there, as a crash or a full disk would. The caller holds the
/// file's lock.
pub(crate) fn write_atomic_with(
    path: &Path,
    contents: &[u8],
    before_rename: impl FnOnce(&Path) -> std::io::Result<()>,
) -> Result<()> {
    let folder = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_owned(),
        _ => PathBuf::from("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "jobs.toml".into());
    let mode = std::fs::metadata(path).map_or(0o600, |meta| meta.permissions().mode() & 0o7777);
    remove_stale_temp_files(&folder, &name);
    // The temp file is deleted when it is dropped, so every early return below cleans up.
    let mut temp = tempfile::Builder::new()
        .prefix(&format!(".{name}.{}.", std::process::id()))
        .suffix(".tmp")
        .permissions(std::fs::Permissions::from_mode(mode))
        .tempfile_in(&folder)
        .with_context(|| format!("cannot create a temp file in {}", folder.display()))?;
    let context = || format!("cannot write {}", temp_display(path));
    // The umask applied when the temp file was created; the mode must be the old one exactly.
    temp.as_file()
        .set_permissions(std::fs::Permissions::from_mode(mode))
        .with_context(context)?;
    temp.write_all(contents).with_context(context)?;
    temp.as_file().sync_all().with_context(context)?;
    before_rename(temp.path()).with_context(context)?;
    temp.persist(path)
        .map_err(|err| err.error)
        .with_context(|| format!("cannot replace {}", path.display()))?;
    // The rename is durable only once the folder's entry is on disk.
    File::open(&folder)
        .and_then(|dir| dir.sync_all())
        .with_context(|| format!("cannot sync folder {}", folder.display()))?;
    Ok(())
}

/// How old a temp file of the old naming (`.<file>.<random>.tmp`, no pid) must be to be
/// removed: every writer holds the lock, so none is still writing one, but this keeps a margin
/// for a writer of an old version that took no lock.
const OLD_TEMP_AGE: Duration = Duration::from_secs(600);

/// Removes the temp files that writers of `<folder>/<name>` left when they died before their
/// rename: those naming a process that no longer exists, and old ones from before the pid was
/// in the name. Best effort: a file that cannot be removed stays (it is only garbage).
fn remove_stale_temp_files(folder: &Path, name: &str) {
    let Ok(entries) = std::fs::read_dir(folder) else {
        return;
    };
    let prefix = format!(".{name}.");
    for entry in entries.flatten() {
        let file_name = entry.file_name();
        let file_name = file_name.to_string_lossy();
        let Some(middle) = file_name
            .strip_prefix(&prefix)
            .and_then(|rest| rest.strip_suffix(".tmp"))
        else {
            continue;
        };
        let stale = match middle.split_once('.') {
            Some((pid, random)) if is_random(random) => pid
                .parse::<i32>()
                .is_ok_and(|pid| pid > 0 && !process_exists(pid)),
            None if is_random(middle) => entry
                .metadata()
                .and_then(|meta| meta.modified())
                .ok()
                .and_then(|modified| modified.elapsed().ok())
                .is_some_and(|age| age >= OLD_TEMP_AGE),
            _ => false,
        };
        // Never a folder or a link that happens to match.
        if stale && entry.file_type().is_ok_and(|kind| kind.is_file()) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// The random part `tempfile` puts in a name: 6 letters and digits.
fn is_random(part: &str) -> bool {
    part.len() == 6 && part.chars().all(|c| c.is_ascii_alphanumeric())
}

/// Whether process `pid` exists (signal 0 checks without sending anything; a process of
/// another user answers "not permitted", and exists).
fn process_exists(pid: i32) -> bool {
    use nix::errno::Errno;
    !matches!(
        nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), None),
        Err(Errno::ESRCH)
    )
}

fn temp_display(path: &Path) -> String {
    format!("a new version of {}", path.display())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::MetadataExt as _;

    fn entries(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn creates_a_private_file_and_never_a_folder() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("jobs.toml");
        write_atomic(&path, b"x = 1\n").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"x = 1\n");
        assert_eq!(std::fs::metadata(&path).unwrap().mode() & 0o777, 0o600);
        assert_eq!(entries(dir.path()), ["jobs.toml"]);
        assert!(write_atomic(&dir.path().join("a/b/jobs.toml"), b"x = 1\n").is_err());
        assert!(!dir.path().join("a").exists());
    }

    #[test]
    fn an_existing_file_keeps_its_mode() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("jobs.toml");
        for mode in [0o640, 0o664, 0o400, 0o600] {
            std::fs::write(&path, b"# old\n").unwrap();
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
            write_atomic(&path, b"# new\n").unwrap();
            assert_eq!(std::fs::read(&path).unwrap(), b"# new\n");
            assert_eq!(std::fs::metadata(&path).unwrap().mode() & 0o777, mode);
            std::fs::remove_file(&path).unwrap();
        }
    }

    #[test]
    fn a_write_that_fails_before_the_rename_leaves_the_old_file_and_no_temp_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("jobs.toml");
        std::fs::write(&path, b"# old\n").unwrap();
        let mut seen = None;
        let err = write_atomic_with(&path, b"# new\n", |temp| {
            // The new content is fully written and synced at this point.
            assert_eq!(std::fs::read(temp).unwrap(), b"# new\n");
            seen = Some(temp.to_owned());
            Err(std::io::Error::other("simulated crash"))
        })
        .unwrap_err();
        assert!(format!("{err:#}").contains("simulated crash"));
        assert_eq!(std::fs::read(&path).unwrap(), b"# old\n");
        assert!(!seen.unwrap().exists());
        assert_eq!(entries(dir.path()), ["jobs.toml"]);
    }

    /// A process id that existed and no longer does.
    fn dead_pid() -> u32 {
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let pid = child.id();
        child.wait().unwrap();
        pid
    }

    #[test]
    fn a_write_removes_the_temp_files_of_dead_writers_only() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("jobs.toml");
        let dead = dead_pid();
        let live = std::process::id();
        let old = std::time::SystemTime::now() - OLD_TEMP_AGE - Duration::from_secs(60);
        let files = [
            (format!(".jobs.toml.{dead}.aB3dE9.tmp"), None, false),
            (format!(".jobs.toml.{live}.Zz9Yy8.tmp"), None, true),
            (".jobs.toml.q1W2e3.tmp".to_owned(), Some(old), false),
            (".jobs.toml.r4T5y6.tmp".to_owned(), None, true),
            // Not a temp file of ours.
            (format!(".other.toml.{dead}.aB3dE9.tmp"), None, true),
            (".jobs.toml.notes.tmp".to_owned(), Some(old), true),
            (format!(".jobs.toml.{dead}.aB3dE9.tmp.bak"), None, true),
        ];
        for (name, modified, _) in &files {
            let file = File::create(dir.path().join(name)).unwrap();
            if let Some(time) = modified {
                file.set_modified(*time).unwrap();
            }
        }
        std::fs::create_dir(dir.path().join(format!(".jobs.toml.{dead}.fOlDer.tmp"))).unwrap();
        write_atomic(&path, b"# new\n").unwrap();
        for (name, _, kept) in &files {
            assert_eq!(dir.path().join(name).exists(), *kept, "{name}");
        }
        assert!(
            dir.path()
                .join(format!(".jobs.toml.{dead}.fOlDer.tmp"))
                .is_dir()
        );
        assert_eq!(std::fs::read(&path).unwrap(), b"# new\n");
    }

    #[test]
    fn temp_files_name_their_writer() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("jobs.toml");
        let mut name = None;
        write_atomic_with(&path, b"x", |temp| {
            name = Some(temp.file_name().unwrap().to_string_lossy().into_owned());
            Ok(())
        })
        .unwrap();
        let name = name.unwrap();
        let middle = name
            .strip_prefix(&format!(".jobs.toml.{}.", std::process::id()))
            .and_then(|rest| rest.strip_suffix(".tmp"))
            .unwrap_or_else(|| panic!("{name}"));
        assert!(is_random(middle), "{name}");
        assert!(process_exists(i32::try_from(std::process::id()).unwrap()));
        assert!(!process_exists(i32::try_from(dead_pid()).unwrap()));
    }

    #[test]
    fn a_symlinked_file_stays_a_symlink() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("dotfiles.toml");
        std::fs::write(&target, b"# old\n").unwrap();
        let link = dir.path().join("jobs.toml");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        let real = real_path(&link);
        assert_eq!(real, std::fs::canonicalize(&target).unwrap());
        write_atomic(&real, b"# new\n").unwrap();
        assert!(
            std::fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(std::fs::read(&link).unwrap(), b"# new\n");
    }
}
