//! Building one cron line that calls `jobtab exec -- NAME`: quoting paths for `/bin/sh` and
//! escaping `%` for cron (RESEARCH.md C3).
//!
//! Cron reads the command part of a line before the shell does: an unescaped `%` ends the
//! command (the rest becomes the job's stdin) and `\%` becomes `%`. cronie/Vixie 4 strip only a
//! backslash that comes before `%`; Vixie 3 (Debian's `cron`) also turns `\\` into `\`. So the
//! command we write never has a backslash before another backslash or before a `%`, except
//! our own `\%` escapes: inside single quotes we separate such a pair with `''` (closing and
//! reopening the quotes, which adds nothing for the shell). Both dialects then hand the shell
//! exactly the command we meant.

use std::path::Path;

/// The part of every line that calls jobtab: `'<jobtab>' --file '<file>' [--state-dir '<dir>']
/// exec -- `, already quoted and escaped for cron.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Invocation {
    prefix: String,
}

impl Invocation {
    /// Quotes the paths; an error when one is not UTF-8 or holds a line break (cron lines
    /// cannot carry one).
    pub(crate) fn new(
        exe: &Path,
        file: &Path,
        state_dir: Option<&Path>,
    ) -> Result<Invocation, String> {
        let mut prefix = cron_quote(path_text(exe, "the jobtab program")?);
        prefix.push_str(" --file ");
        prefix.push_str(&cron_quote(path_text(file, "the job file")?));
        if let Some(dir) = state_dir {
            prefix.push_str(" --state-dir ");
            prefix.push_str(&cron_quote(path_text(dir, "the state folder")?));
        }
        // `--` ends the options, so that no job name can be read as one.
        prefix.push_str(" exec -- ");
        Ok(Invocation { prefix })
    }

    /// The cron line for one job: the schedule (whitespace normalised, nicknames in lower case
    /// as cron requires) and the command that runs `jobtab exec -- NAME`. `name` is a valid job
    /// name (letters, digits, `-`, `_`, `.`), which needs no quoting.
    pub(crate) fn line(&self, schedule: &str, name: &str) -> String {
        let mut schedule = schedule.split_whitespace().collect::<Vec<_>>().join(" ");
        if schedule.starts_with('@') {
            schedule.make_ascii_lowercase();
        }
        format!("{schedule} {}{name}", self.prefix)
    }

    /// `line` for a job with `jitter`, whose schedule is already shifted: `exec` is told
    /// (`--jitter-slot`) to record the slot, not the shifted time, as the run's time.
    pub(crate) fn jittered_line(&self, schedule: &str, name: &str) -> String {
        let line = self.line(schedule, name);
        let plain = format!(" exec -- {name}");
        match line.strip_suffix(&plain) {
            Some(start) => format!("{start} exec --jitter-slot -- {name}"),
            None => line,
        }
    }
}

/// The path as text, refusing what a cron line cannot hold.
fn path_text<'a>(path: &'a Path, what: &str) -> Result<&'a str, String> {
    let text = path.to_str().ok_or_else(|| {
        format!(
            "the path of {what} ({}) is not valid UTF-8, which jobtab cannot write into a crontab; \
             move it to a path without such characters",
            path.display()
        )
    })?;
    if text.contains(['\n', '\r']) {
        return Err(format!(
            "the path of {what} ({text:?}) holds a line break, which a crontab line cannot \
             carry; move it to a path without one"
        ));
    }
    Ok(text)
}

/// `text` single-quoted for `/bin/sh`: a `'` inside becomes `'\''`.
pub(crate) fn sh_quote(text: &str) -> String {
    let mut quoted = String::with_capacity(text.len() + 2);
    quoted.push('\'');
    for c in text.chars() {
        if c == '\'' {
            quoted.push_str("'\\''");
        } else {
            quoted.push(c);
        }
    }
    quoted.push('\'');
    quoted
}

/// `text` single-quoted for `/bin/sh` (see `sh_quote`), then escaped for cron: every `%`
/// becomes `\%`, and a backslash followed by a backslash or a `%` gets `''` in between (see
/// the module docs).
pub(crate) fn cron_quote(text: &str) -> String {
    let quoted = sh_quote(text);
    // Every backslash that can be followed by `\` or `%` below is inside the quotes: the only
    // backslash outside them is in `'\''`, and a `'` follows it.
    let mut out = String::with_capacity(quoted.len() + 8);
    for c in quoted.chars() {
        if matches!(c, '%' | '\\') && out.ends_with('\\') {
            out.push_str("''");
        }
        if c == '%' {
            out.push_str("\\%");
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What cronie (Vixie 4) hands the shell: the command part of a cron command, `\%` turned
    /// into `%`, cut at the first unescaped `%`. Returns (command, rest).
    fn cronie_command(command: &str) -> (String, Option<String>) {
        let mut out = String::new();
        let mut escaped = false;
        for (i, c) in command.char_indices() {
            if escaped {
                if c == '%' {
                    out.pop();
                }
                out.push(c);
                escaped = false;
                continue;
            }
            if c == '\\' {
                out.push(c);
                escaped = true;
                continue;
            }
            if c == '%' {
                return (out, Some(command[i + 1..].to_owned()));
            }
            out.push(c);
        }
        (out, None)
    }

    /// The same for Vixie 3 (Debian), which also turns `\\` into `\`.
    fn vixie3_command(command: &str) -> (String, Option<String>) {
        let mut out = String::new();
        let mut escaped = false;
        for (i, c) in command.char_indices() {
            if escaped {
                if c == '%' || c == '\\' {
                    out.pop();
                }
                out.push(c);
                escaped = false;
                continue;
            }
            if c == '\\' {
                out.push(c);
                escaped = true;
                continue;
            }
            if c == '%' {
                return (out, Some(command[i + 1..].to_owned()));
            }
            out.push(c);
        }
        (out, None)
    }

    /// What `/bin/sh` makes of one word: runs `printf %s WORD`.
    fn sh_word(word: &str) -> String {
        let output = std::process::Command::new("/bin/sh")
            .arg("-c")
            .arg(format!("printf %s {word}"))
            .output()
            .unwrap();
        assert!(output.status.success(), "{word}");
        String::from_utf8(output.stdout).unwrap()
    }

    #[test]
    fn quoting_survives_cron_and_the_shell_in_both_dialects() {
        let tricky = [
            "/plain/path",
            "/with space/it's/100%/jobs.toml",
            "%leading and trailing%",
            "back\\slash",
            "back\\%slash-percent",
            "two\\\\slashes",
            "\\\\%%\\'\\",
            "'",
            "''%''",
            "dollar $HOME `x` \"q\"",
        ];
        for text in tricky {
            let escaped = cron_quote(text);
            for (dialect, (command, rest)) in [
                ("cronie", cronie_command(&escaped)),
                ("vixie3", vixie3_command(&escaped)),
            ] {
                assert_eq!(
                    rest, None,
                    "{dialect}: {text:?} -> {escaped:?} has an unescaped %"
                );
                assert_eq!(sh_word(&command), text, "{dialect}: {escaped:?}");
            }
        }
    }

    #[test]
    fn builds_the_line() {
        let inv = Invocation::new(
            Path::new("/usr/local/bin/jobtab"),
            Path::new("/home/ana/my jobs/100%.toml"),
            None,
        )
        .unwrap();
        assert_eq!(
            inv.line("0  2 * *\t*", "backup"),
            "0 2 * * * '/usr/local/bin/jobtab' --file '/home/ana/my jobs/100\\%.toml' exec -- backup"
        );
        assert_eq!(
            inv.line("@Reboot", "x"),
            "@reboot '/usr/local/bin/jobtab' --file '/home/ana/my jobs/100\\%.toml' exec -- x"
        );
        assert_eq!(
            inv.jittered_line("7 2 * * *", "backup"),
            "7 2 * * * '/usr/local/bin/jobtab' --file '/home/ana/my jobs/100\\%.toml' exec \
             --jitter-slot -- backup"
        );
        let with_state = Invocation::new(
            Path::new("/bin/jobtab"),
            Path::new("/j.toml"),
            Some(Path::new("/var/it's")),
        )
        .unwrap();
        assert_eq!(
            with_state.line("@daily", "a.b-c_d"),
            "@daily '/bin/jobtab' --file '/j.toml' --state-dir '/var/it'\\''s' exec -- a.b-c_d"
        );
    }

    #[test]
    fn refuses_line_breaks_in_paths() {
        let err =
            Invocation::new(Path::new("/bin/jobtab"), Path::new("/a\nb/j.toml"), None).unwrap_err();
        assert!(
            err.contains("line break") && err.contains("job file"),
            "{err}"
        );
        let err = Invocation::new(
            Path::new("/bin/jobtab"),
            Path::new("/j"),
            Some(Path::new("/s\r")),
        )
        .unwrap_err();
        assert!(err.contains("state folder"), "{err}");
    }

    #[test]
    fn refuses_paths_that_are_not_utf8() {
        use std::os::unix::ffi::OsStrExt as _;
        let bad = Path::new(std::ffi::OsStr::from_bytes(b"/tmp/\xff.toml"));
        let err = Invocation::new(Path::new("/bin/jobtab"), bad, None).unwrap_err();
        assert!(err.contains("UTF-8"), "{err}");
    }
}
