//! System crontabs for `import`: telling a system crontab (`/etc/crontab`, `/etc/cron.d/*`,
//! with the user to run as between the schedule and the command) from a user's, and the user
//! look-ups that takes. Reading the lines is `import`'s business.
//!
//! A file is read as a system crontab when it is `/etc/crontab` or in `/etc/cron.d`, or when
//! its job lines say so: at least one line's sixth field (the first word after five schedule
//! fields or a nickname; cron files never have a seconds field) names a user of this machine
//! or a well-known system user, is not also a program or shell command, and has a command
//! after it; and no line's sixth field is something a user name cannot be (a path, `VAR=x`,
//! quotes) or a command that names no user (`cd`, `curl`). Some users share their name with
//! a program (`mail`, `sync`): such a field says nothing either way. Debian's `backup` user
//! makes `0 2 * * * backup /srv` look like a system line, hence `import --no-system`.

use std::path::Path;

use std::collections::HashMap;

use super::import::{parse_env, split_job};

/// Why a file is read as a system crontab.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Reason {
    /// `--system`.
    Asked,
    /// Its path (`/etc/crontab`, `/etc/cron.d/...`).
    Path(String),
    /// A job line names a user: (line number, user).
    Line(usize, String),
}

/// Users most systems have, also when this one does not (a file copied from a server).
const KNOWN_USERS: [&str; 4] = ["root", "daemon", "nobody", "www-data"];

/// Shell builtins and keywords a command line can start with (they are no programs on PATH).
const SHELL_WORDS: [&str; 22] = [
    ".", ":", "[", "[[", "{", "!", "case", "cd", "command", "eval", "exec", "export", "for", "if",
    "set", "source", "test", "time", "ulimit", "umask", "until", "while",
];

/// Whether `path` is where system crontabs live.
pub(crate) fn is_system_path(path: &Path) -> bool {
    let real = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    [path, real.as_path()]
        .iter()
        .any(|p| *p == Path::new("/etc/crontab") || p.parent() == Some(Path::new("/etc/cron.d")))
}

/// Whether the job lines of `text` read as a system crontab's (see the module docs), with the
/// first line that says so. `is_user` and `is_command` look names up.
pub(crate) fn user_column(
    text: &[u8],
    is_user: &dyn Fn(&str) -> bool,
    is_command: &dyn Fn(&str) -> bool,
) -> Option<(usize, String)> {
    let mut evidence = None;
    let mut in_block = false;
    let mut looked_up: HashMap<&str, (bool, bool)> = HashMap::new();
    for (index, bytes) in text.split(|&b| b == b'\n').enumerate() {
        let Ok(line) = std::str::from_utf8(bytes) else {
            continue;
        };
        let line = line.trim_matches([' ', '\t', '\r']);
        if in_block {
            in_block = !line.starts_with("# END jobtab ");
            continue;
        }
        if line.starts_with("# BEGIN jobtab ") {
            in_block = true;
            continue;
        }
        if line.is_empty() || line.starts_with('#') || parse_env(line).is_some() {
            continue;
        }
        let Ok((_, rest)) = split_job(line) else {
            continue;
        };
        let end = rest.find([' ', '\t']).unwrap_or(rest.len());
        let (word, after) = (&rest[..end], rest[end..].trim_start_matches([' ', '\t']));
        if !could_be_user_name(word) {
            return None;
        }
        // A crontab repeats its users (and programs): each word is looked up once.
        let (user, command) = *looked_up
            .entry(word)
            .or_insert_with(|| (is_user(word), is_command(word)));
        if !user && command {
            return None;
        }
        if user && !command && !after.is_empty() && !after.starts_with('-') && evidence.is_none() {
            evidence = Some((index + 1, word.to_owned()));
        }
    }
    evidence
}

/// Whether `word` has the shape of a user name (what `useradd` accepts, loosely).
fn could_be_user_name(word: &str) -> bool {
    !word.is_empty()
        && word.len() <= 32
        && !word.starts_with('-')
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '$'))
}

/// Whether `name` is a user of this machine (`getpwnam`) or a well-known system user.
pub(crate) fn is_user(name: &str) -> bool {
    KNOWN_USERS.contains(&name) || matches!(nix::unistd::User::from_name(name), Ok(Some(_)))
}

/// Whether `word` is a shell builtin or keyword, or a program on `PATH`.
pub(crate) fn is_command(word: &str) -> bool {
    use std::os::unix::fs::PermissionsExt as _;
    if SHELL_WORDS.contains(&word) {
        return true;
    }
    let Some(path) = std::env::var_os("PATH") else {
        return false;
    };
    std::env::split_paths(&path).any(|dir| {
        std::fs::metadata(dir.join(word))
            .is_ok_and(|meta| meta.is_file() && meta.permissions().mode() & 0o111 != 0)
    })
}

/// The name of the user running jobtab; `None` when it cannot be told.
pub(crate) fn current_user() -> Option<String> {
    nix::unistd::User::from_uid(nix::unistd::geteuid())
        .ok()
        .flatten()
        .map(|user| user.name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn users(name: &str) -> bool {
        ["root", "postgres", "mail", "backup"].contains(&name)
    }

    fn commands(word: &str) -> bool {
        ["cd", "curl", "mail", "sync", "date"].contains(&word)
    }

    fn detect(text: &str) -> Option<(usize, String)> {
        user_column(text.as_bytes(), &users, &commands)
    }

    #[test]
    fn debians_etc_crontab_is_a_system_crontab() {
        let text = "SHELL=/bin/sh\n\n# m h dom mon dow user command\n\
                    17 *\t* * *\troot\tcd / && run-parts --report /etc/cron.hourly\n\
                    @reboot postgres /usr/lib/postgresql/start\n";
        assert_eq!(detect(text), Some((4, "root".to_owned())));
    }

    #[test]
    fn user_crontabs_are_not() {
        // Paths, commands, assignments: no user column.
        assert_eq!(detect("0 2 * * * /usr/bin/backup.sh\n"), None);
        assert_eq!(detect("0 2 * * * cd /srv && make\n"), None);
        assert_eq!(detect("0 2 * * * FOO=1 run\n"), None);
        // A user that is also a program says nothing; an option after it is no command.
        assert_eq!(detect("*/5 * * * * mail -s hi bob%Hello\n"), None);
        assert_eq!(detect("0 2 * * * backup --full\n"), None);
        // No command after the user.
        assert_eq!(detect("0 2 * * * root\n"), None);
        // One line that cannot be a system line outweighs one that looks like one.
        assert_eq!(
            detect("0 1 * * * root run-it\n0 2 * * * curl -fsS https://x\n"),
            None
        );
        assert_eq!(detect("0 1 * * * root run-it\n0 2 * * * /bin/x\n"), None);
        // Unknown words say nothing: a user of another machine, or a script on PATH later.
        assert_eq!(detect("0 1 * * * deploy /srv/run\n"), None);
        assert_eq!(
            detect("0 1 * * * deploy /srv/run\n0 2 * * * root x\n"),
            Some((2, "root".to_owned()))
        );
        // Seconds are jobtab's extension, never in cron files: `*` is no user.
        assert_eq!(detect("*/10 * * * * * root x\n"), None);
        // Lines inside jobtab's blocks and bad lines are not looked at.
        assert_eq!(
            detect(
                "# BEGIN jobtab /j.toml\n0 1 * * * '/bin/jobtab' exec -- a\n# END jobtab /j.toml\n61 * * * * x\n0 1 * * * root x\n"
            ),
            Some((5, "root".to_owned()))
        );
    }

    #[test]
    fn system_paths() {
        assert!(is_system_path(Path::new("/etc/crontab")));
        assert!(is_system_path(Path::new("/etc/cron.d/myapp")));
        assert!(!is_system_path(Path::new("/etc/cron.daily/logrotate")));
        assert!(!is_system_path(Path::new("/home/ana/crontab")));
        assert!(!is_system_path(Path::new("crontab")));
    }

    #[test]
    fn looks_up_users_and_commands() {
        assert!(is_user("root"));
        assert!(!is_user("no-such-user-jobtab"));
        assert!(is_command("cd"));
        assert!(is_command("sh"));
        assert!(!is_command("root"));
        assert!(current_user().is_some());
    }
}
