//! Cron's `%` in a command (RESEARCH.md C3), for `import`: reading it exactly as cron does,
//! and rewriting the command so that jobtab, which gives `%` no meaning, runs it the same way.

use super::line::sh_quote;

/// Cron's reading of a command (cronie `do_command.c`): the command part with `\%` turned
/// into `%` (other backslashes kept), cut at the first unescaped `%`; and the stdin data after
/// it, with `%` turned into newlines, `\%` into `%`, and a newline added at the end unless
/// the last character written was one (`cmd%a%b` gives "a\nb\n", `cmd%a%` gives "a\n"). No
/// data (no `%`, or nothing after it) means stdin is at end of file at once.
pub(crate) fn split_percent(command: &str) -> (String, Option<String>) {
    // Most commands have no `%`, and then nothing to change (`\` escapes only a `%`).
    if !command.contains('%') {
        return (command.to_owned(), None);
    }
    let mut out = String::with_capacity(command.len());
    let mut escaped = false;
    let mut input = None;
    for (i, c) in command.char_indices() {
        if escaped {
            if c == '%' {
                out.pop();
            }
            out.push(c);
            escaped = false;
            continue;
        }
        if c == '%' {
            input = Some(&command[i + 1..]);
            break;
        }
        escaped = c == '\\';
        out.push(c);
    }
    let data = input.filter(|d| !d.is_empty()).map(|input| {
        // Exactly cron's loop: a newline is added at the end only when the last character it
        // wrote (not counting a backslash it held back) was not one.
        let mut data = String::with_capacity(input.len() + 1);
        let mut escaped = false;
        let mut need_newline = false;
        for c in input.chars() {
            let c = if escaped {
                if c != '%' {
                    data.push('\\');
                }
                c
            } else if c == '%' {
                '\n'
            } else {
                c
            };
            escaped = c == '\\';
            if !escaped {
                data.push(c);
                need_newline = c != '\n';
            }
        }
        if escaped {
            data.push('\\');
        }
        if need_newline {
            data.push('\n');
        }
        data
    });
    (out, data)
}

/// Whether cron ends `command` at a `%` (one not escaped as `\%`), with or without text after
/// it.
pub(crate) fn ends_at_percent(command: &str) -> bool {
    let mut escaped = false;
    for c in command.chars() {
        if c == '%' && !escaped {
            return true;
        }
        escaped = !escaped && c == '\\';
    }
    false
}

/// The command as jobtab should run it so that it behaves as under cron (see `split_percent`).
pub(crate) fn convert_command(command: &str) -> String {
    let (command, data) = split_percent(command);
    let Some(data) = data else {
        return command;
    };
    // Whole lines go through `printf '%s\n'`; a last line without its newline (cron adds
    // none after a trailing `\` that follows a `%`) through `printf '%s'`.
    let (whole, partial) = match data.strip_suffix('\n') {
        Some(lines) => (Some(lines), None),
        None => match data.rsplit_once('\n') {
            Some((lines, last)) => (Some(lines), Some(last)),
            None => (None, Some(data.as_str())),
        },
    };
    let whole = whole.map(|lines| {
        let quoted: Vec<String> = lines.split('\n').map(sh_quote).collect();
        format!("printf '%s\\n' {}", quoted.join(" "))
    });
    let partial = partial.map(|last| format!("printf '%s' {}", sh_quote(last)));
    let feed = match (whole, partial) {
        (Some(whole), Some(partial)) => format!("{{ {whole}; {partial}; }}"),
        (Some(one), None) | (None, Some(one)) => one,
        (None, None) => String::new(),
    };
    // One simple command can take the pipe as it is; anything with lists, pipes, background
    // jobs or comments is grouped so that all of it reads the data, as under cron.
    if command.contains([';', '&', '|', '#', '\n']) {
        format!("{feed} | {{\n{command}\n}}")
    } else {
        format!("{feed} | {command}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs `command` with `sh -c` and returns its stdout.
    fn sh(command: &str) -> String {
        let output = std::process::Command::new("/bin/sh")
            .arg("-c")
            .arg(command)
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap();
        String::from_utf8(output.stdout).unwrap()
    }

    #[test]
    fn percent_is_read_as_cron_reads_it() {
        assert_eq!(split_percent("date +\\%F"), ("date +%F".into(), None));
        assert_eq!(split_percent("a\\b"), ("a\\b".into(), None));
        assert_eq!(
            split_percent("a\\\\%b"),
            ("a\\\\".into(), Some("b\n".into()))
        );
        assert_eq!(split_percent("cmd%"), ("cmd".into(), None));
        assert_eq!(
            split_percent("cmd%l1%l2\\%x%\\y%"),
            ("cmd".into(), Some("l1\nl2%x\n\\y\n".into()))
        );
        assert_eq!(
            split_percent("cmd%%x"),
            ("cmd".into(), Some("\nx\n".into()))
        );
        assert_eq!(
            split_percent("cmd%end\\"),
            ("cmd".into(), Some("end\\\n".into()))
        );
    }

    #[test]
    fn ends_at_percent_agrees_with_split_percent() {
        for command in [
            "cmd",
            "cmd%",
            "cmd%a",
            "a\\%b",
            "a\\\\%b",
            "a\\\\\\%b",
            "\\%",
            "%",
            "x\\y%",
        ] {
            let (plain, data) = split_percent(command);
            let cut =
                data.is_some() || plain.len() + command.matches("\\%").count() < command.len();
            assert_eq!(ends_at_percent(command), cut, "{command}");
        }
        assert!(ends_at_percent("cmd%"));
        assert!(!ends_at_percent("date +\\%F"));
        assert!(
            ends_at_percent("a\\\\%b"),
            "an escaped backslash does not escape the %"
        );
    }

    #[test]
    fn trailing_percents_give_what_cron_gives() {
        // cronie and Vixie cron (do_command.c): `%` becomes a newline, and one more newline
        // is written at the end only when the last character written was not a newline.
        for (cron, stdin) in [
            ("cmd%a%b", Some("a\nb\n")),
            ("cmd%a%", Some("a\n")),
            ("cmd%a%%", Some("a\n\n")),
            ("cmd%%", Some("\n")),
            ("cmd%a\\", Some("a\\\n")),
            ("cmd%a%\\", Some("a\n\\")),
            ("cmd%\\", Some("\\")),
            ("cmd%", None),
        ] {
            assert_eq!(
                split_percent(cron),
                ("cmd".to_owned(), stdin.map(str::to_owned)),
                "{cron}"
            );
        }
    }

    #[test]
    fn converted_commands_feed_stdin_like_cron() {
        for (cron, stdin) in [
            ("cat%a%b", "a\nb\n"),
            ("cat%a%", "a\n"),
            ("cat%a%%", "a\n\n"),
            ("cat%a%\\", "a\n\\"),
            ("cat%\\", "\\"),
            ("cat%%", "\n"),
            ("cat%line1%line2", "line1\nline2\n"),
            ("cat%it's 100\\%%%last", "it's 100%\n\nlast\n"),
            ("cat%single", "single\n"),
            ("cat%a\\b", "a\\b\n"),
        ] {
            let command = convert_command(cron);
            assert_eq!(sh(&command), stdin, "{cron} -> {command}");
        }
        // Several commands all read the data, as they do under cron.
        let grouped = convert_command("read a; read b; echo \"$b $a\" # swap%x%y");
        assert!(grouped.contains("| {\n"), "{grouped}");
        assert_eq!(sh(&grouped), "y x\n");
        let background = convert_command("sleep 0 & cat%bg");
        assert!(background.contains("| {\n"), "{background}");
        assert_eq!(sh(&background), "bg\n");
        assert_eq!(convert_command("no percent"), "no percent");
    }
}
