//! Writing a job file atomically: a temp file in the same folder, written and fsynced, renamed
//! over the file, then the folder fsynced. A crash leaves the old file or the new one, never a
//! mix. A new file is mode 0600 because it may hold secrets' names and URLs; a file that
//! exists keeps its mode (a user who made it group-readable, or tighter, meant it).

use std::fs::File;
use std::io::Write as _;
use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};

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
/// rename: tests use it to fail there, as a crash or a full disk would.
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
    // The temp file is deleted when it is dropped, so every early return below cleans up.
    let mut temp = tempfile::Builder::new()
        .prefix(&format!(".{name}."))
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
