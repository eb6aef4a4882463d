//! Whether the job file and the state dir can be trusted: nobody but their owner (or root)
//! can change them. A job file anyone can write is a way to run any command as its user, as
//! root under root's crontab: cron refuses such crontabs, and so do `run`, `exec` and
//! `install`. Read-only commands only warn (a user must still be able to look at the file
//! and fix it), and a group-writable file or folder is a warning everywhere.
//!
//! What is checked: the job file (its target when it is a symlink) and the folder holding
//! it (whoever can write that folder can replace the file; a sticky folder such as `/tmp`
//! protects files of other owners), and the state dir, whose locks decide what runs. Each
//! problem comes with the `chmod` or `chown` that fixes it.
//!
//! Not here: the mode jobtab gives what it creates (the store and `history`).

use std::os::unix::fs::MetadataExt as _;
use std::path::Path;

use anyhow::Result;

/// What is wrong with one path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Problem {
    /// Refused by the commands that run jobs; otherwise a warning.
    pub(crate) serious: bool,
    pub(crate) message: String,
}

/// Checks the job file `file`, its folder and `state_dir` (those that exist) for this
/// process's effective user. When `strict` (run, exec, install) a serious problem is an error;
/// the warnings are returned for the caller to show.
pub(crate) fn check(file: &Path, state_dir: &Path, strict: bool) -> Result<Vec<String>> {
    let problems = problems(file, state_dir, nix::unistd::geteuid().as_raw());
    let mut warnings = Vec::new();
    for problem in problems {
        if strict && problem.serious {
            anyhow::bail!("{}", problem.message);
        }
        warnings.push(problem.message);
    }
    Ok(warnings)
}

/// The job file check alone, strict, warnings dropped: for `run`'s reloads, so a file made
/// writable by everyone while `run` runs is not loaded.
pub(crate) fn check_job_file(file: &Path) -> Result<()> {
    let uid = nix::unistd::geteuid().as_raw();
    match job_file_problems(file, uid).into_iter().find(|p| p.serious) {
        Some(problem) => anyhow::bail!("{}", problem.message),
        None => Ok(()),
    }
}

/// Every problem of the job file, its folder and the state dir, for a process running as
/// `uid`.
fn problems(file: &Path, state_dir: &Path, uid: u32) -> Vec<Problem> {
    let mut found = job_file_problems(file, uid);
    if let Ok(meta) = std::fs::metadata(state_dir) {
        found.extend(judge(
            state_dir,
            &meta,
            uid,
            &format!("state dir {}", state_dir.display()),
            "change its locks and history",
        ));
    }
    found
}

/// The problems of the job file and its folder.
fn job_file_problems(file: &Path, uid: u32) -> Vec<Problem> {
    let mut found = Vec::new();
    let real = crate::ctx::canonical_job_file(file);
    if let Ok(meta) = std::fs::metadata(&real) {
        found.extend(judge(
            &real,
            &meta,
            uid,
            &format!("job file {}", real.display()),
            "add a command",
        ));
    }
    if let Some(folder) = real.parent()
        && let Ok(meta) = std::fs::metadata(folder)
        // In a sticky folder only a file's owner (and the folder's) can replace it.
        && meta.mode() & 0o1000 == 0
    {
        found.extend(judge(
            folder,
            &meta,
            uid,
            &format!("the job file's folder {}", folder.display()),
            "replace the job file",
        ));
    }
    found
}

/// The problems of one path: owned by someone else than `uid` and root, writable by
/// everyone (serious), writable by its group (a warning).
fn judge(
    path: &Path,
    meta: &std::fs::Metadata,
    uid: u32,
    what: &str,
    harm: &str,
) -> Option<Problem> {
    let quoted = shell_quote(path);
    let owner = meta.uid();
    if owner != uid && owner != 0 {
        return Some(Problem {
            serious: true,
            message: format!(
                "{what} is owned by {}, not by you: they could {harm}; fix it with: chown {} \
                 {quoted}",
                describe_user(owner),
                user_name(uid).unwrap_or_else(|| uid.to_string()),
            ),
        });
    }
    let mode = meta.mode();
    if mode & 0o002 != 0 {
        return Some(Problem {
            serious: true,
            message: format!(
                "{what} is writable by everyone: anyone could {harm}; fix it with: chmod o-w \
                 {quoted}"
            ),
        });
    }
    if mode & 0o020 != 0 {
        return Some(Problem {
            serious: false,
            message: format!(
                "{what} is writable by its group (gid {}): its members could {harm}; fix it \
                 with: chmod g-w {quoted}",
                meta.gid()
            ),
        });
    }
    None
}

/// `name (uid N)`, or `uid N` for a user `/etc/passwd` does not name.
fn describe_user(uid: u32) -> String {
    match user_name(uid) {
        Some(name) => format!("{name} (uid {uid})"),
        None => format!("uid {uid}"),
    }
}

/// The name `/etc/passwd` gives `uid`, if any.
fn user_name(uid: u32) -> Option<String> {
    let text = std::fs::read_to_string("/etc/passwd").ok()?;
    text.lines().find_map(|line| {
        let mut fields = line.split(':');
        let name = fields.next()?;
        (fields.nth(1)?.parse::<u32>().ok()? == uid).then(|| name.to_owned())
    })
}

/// `path` as a shell word: as is when it is made only of safe characters, else in single
/// quotes.
fn shell_quote(path: &Path) -> String {
    let text = path.to_string_lossy();
    if !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "/._-+,:@%".contains(c))
    {
        text.into_owned()
    } else {
        format!("'{}'", text.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt as _;

    fn chmod(path: &Path, mode: u32) {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
    }

    /// A private folder with a 0600 job file and a 0700 state dir.
    fn setup() -> (tempfile::TempDir, std::path::PathBuf, std::path::PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        let file = root.join("jobs.toml");
        std::fs::write(&file, "").unwrap();
        chmod(&file, 0o600);
        let state = root.join("state");
        std::fs::create_dir(&state).unwrap();
        chmod(&state, 0o700);
        (dir, file, state)
    }

    fn me() -> u32 {
        nix::unistd::geteuid().as_raw()
    }

    #[test]
    fn private_files_have_no_problem_and_missing_ones_are_not_checked() {
        let (_dir, file, state) = setup();
        assert_eq!(problems(&file, &state, me()), []);
        let gone = file.with_file_name("gone.toml");
        assert_eq!(problems(&gone, &state.join("gone"), me()), []);
        assert!(check(&file, &state, true).unwrap().is_empty());
    }

    #[test]
    fn world_writable_is_serious_and_says_the_fix() {
        let (_dir, file, state) = setup();
        chmod(&file, 0o666);
        chmod(&state, 0o777);
        let found = problems(&file, &state, me());
        assert_eq!(
            found,
            [
                Problem {
                    serious: true,
                    message: format!(
                        "job file {0} is writable by everyone: anyone could add a command; fix \
                         it with: chmod o-w {0}",
                        file.display()
                    ),
                },
                Problem {
                    serious: true,
                    message: format!(
                        "state dir {0} is writable by everyone: anyone could change its locks \
                         and history; fix it with: chmod o-w {0}",
                        state.display()
                    ),
                },
            ]
        );
        let err = check(&file, &state, true).unwrap_err().to_string();
        assert_eq!(err, found[0].message);
        // Read-only commands only warn.
        assert_eq!(check(&file, &state, false).unwrap().len(), 2);
    }

    #[test]
    fn group_writable_is_a_warning() {
        let (_dir, file, state) = setup();
        chmod(&file, 0o660);
        let found = problems(&file, &state, me());
        assert_eq!(found.len(), 1);
        assert!(!found[0].serious);
        assert!(
            found[0]
                .message
                .ends_with(&format!("fix it with: chmod g-w {}", file.display())),
            "{}",
            found[0].message
        );
        assert_eq!(
            check(&file, &state, true).unwrap(),
            [found[0].message.clone()]
        );
    }

    #[test]
    fn another_owner_is_serious_but_root_is_trusted() {
        let (_dir, file, state) = setup();
        // As seen by a process of uid 4242: the files belong to root (the tests run as root)
        // or to the test's user.
        let found = problems(&file, &state, 4242);
        if me() == 0 {
            assert_eq!(found, [], "root's files are trusted by everyone");
        }
        if me() != 0 {
            assert_eq!(found.len(), 3, "{found:?}");
            assert!(found[0].message.contains("chown 4242 "), "{found:?}");
        }
    }

    #[test]
    fn a_file_of_another_user_is_serious_even_for_root() {
        if me() != 0 {
            return; // Only root can give a file away.
        }
        let (_dir, file, state) = setup();
        std::os::unix::fs::chown(&file, Some(65534), None).unwrap();
        let found = problems(&file, &state, 0);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].serious);
        let owner = describe_user(65534);
        assert_eq!(
            found[0].message,
            format!(
                "job file {0} is owned by {owner}, not by you: they could add a command; fix \
                 it with: chown {1} {0}",
                file.display(),
                user_name(0).unwrap_or_else(|| "0".to_owned())
            )
        );
    }

    #[test]
    fn a_world_writable_folder_is_serious_unless_sticky() {
        let (dir, _file, state) = setup();
        let shared = dir.path().canonicalize().unwrap().join("shared");
        std::fs::create_dir(&shared).unwrap();
        let file = shared.join("jobs.toml");
        std::fs::write(&file, "").unwrap();
        chmod(&file, 0o600);
        chmod(&shared, 0o777);
        let found = problems(&file, &state, me());
        assert_eq!(found.len(), 1);
        assert!(found[0].serious);
        assert!(
            found[0].message.starts_with(&format!(
                "the job file's folder {} is writable by everyone: anyone could replace the job \
                 file",
                shared.display()
            )),
            "{}",
            found[0].message
        );
        chmod(&shared, 0o1777);
        assert_eq!(problems(&file, &state, me()), []);
    }

    #[test]
    fn paths_are_quoted_for_the_shell() {
        assert_eq!(shell_quote(Path::new("/a/jobs.toml")), "/a/jobs.toml");
        assert_eq!(
            shell_quote(Path::new("/my jobs/it's")),
            r"'/my jobs/it'\''s'"
        );
    }
}
