//! Turning the text of a user crontab into jobs (`jobtab import`): pure, no I/O. Writing them
//! into the job file is the store's business.
//!
//! What each kind of line becomes, read the way cron reads it:
//! - Lines inside any `# BEGIN jobtab ...` / `# END jobtab ...` block are jobtab's own and are
//!   ignored.
//! - Comment lines directly above a job line become its `description` (joined with spaces); a
//!   blank line or a variable line in between detaches them. Debian's template (the comment
//!   block `crontab -e` starts a new user with, ending in `# m h  dom mon dow   command`) is
//!   not a description: that header line and every comment above it in its block are dropped.
//! - `NAME=value` lines (also `NAME = value`, quoted values with the quotes removed) apply to
//!   the job lines after them, as in cron: they become each such job's `env`. Special names:
//!   `CRON_TZ` becomes the `timezone` of the jobs after it (cronie evaluates their schedules
//!   there); `SHELL` becomes `shell` (`/bin/sh` is the default and is left out); `MAILTO`
//!   becomes `mail_to` (an empty one: none), noted once because jobtab mails failures where
//!   cron mailed any output; `MAILFROM` is dropped with a note. `TZ` stays an
//!   environment variable: cron only passes it to the commands and still evaluates schedules
//!   in the machine's zone (Vixie cron's FEATURES: "TZ can be set, but cron ignores it other
//!   than passing it on through to the commands it runs").
//! - Job lines: five fields or a nickname (`@reboot`, `@daily`, ...; kept as written, in lower
//!   case), then the command. In the command, `\%` becomes `%`; an unescaped `%` is cron's stdin
//!   feature and is converted faithfully: `cmd%line1%line2` becomes
//!   `printf '%s\n' 'line1' 'line2' | cmd` (cron feeds "line1\nline2\n" to the command's
//!   stdin), with the command in `{ ...; }` (on lines of their own) when it is more than one
//!   simple command.
//! - Anything else (a bad schedule, a line that is neither) is reported with its line number
//!   and skipped; the caller imports the rest and exits 1. A user crontab has no user field
//!   (that is `/etc/crontab`'s format), so none is guessed.
//!
//! A job's name comes from its command's first word (after `VAR=value` words): its basename,
//! with characters other than letters, digits, `.`, `_` and `-` turned into `-`
//! (`/usr/bin/backup.sh --full` gives `backup.sh`); `job` when nothing is left. The caller
//! makes names unique with `naming::unique_name`, which adds `-2`, `-3`, ... against the
//! names already taken.

use std::collections::BTreeMap;

use crate::schedule::Schedule;
use crate::store::RawJob;
use crate::zone::Zone;

use super::naming::derive_name;
use super::percent::{convert_command, split_percent};

/// One job found in the crontab.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Imported {
    /// 1-based line number of the job line.
    pub(crate) line: usize,
    /// The name derived from the command (not yet made unique).
    pub(crate) name: String,
    pub(crate) raw: RawJob,
}

/// Everything `parse` found.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Parsed {
    /// The jobs, in crontab order.
    pub(crate) jobs: Vec<Imported>,
    /// Lines that could not be imported: (1-based line number, why).
    pub(crate) skipped: Vec<(usize, String)>,
    /// Things the user should know that are not errors (dropped `MAILTO`, ...).
    pub(crate) notes: Vec<String>,
}

/// The cron nicknames (without `@`).
const NICKNAMES: [&str; 8] = [
    "reboot", "yearly", "annually", "monthly", "weekly", "daily", "midnight", "hourly",
];

/// Parses crontab text (bytes: a line that is not UTF-8 is reported, not guessed at).
pub(crate) fn parse(text: &[u8]) -> Parsed {
    let mut parsed = Parsed::default();
    let mut comments: Vec<String> = Vec::new();
    let mut env: BTreeMap<String, String> = BTreeMap::new();
    let mut timezone: Option<String> = None;
    let mut shell: Option<String> = None;
    let mut mail_to: Option<String> = None;
    let mut block_start: Option<usize> = None;
    let mut lines: Vec<&[u8]> = text.split(|&b| b == b'\n').collect();
    if text.ends_with(b"\n") {
        lines.pop();
    }
    for (index, bytes) in lines.into_iter().enumerate() {
        let number = index + 1;
        let Ok(line) = std::str::from_utf8(bytes) else {
            if block_start.is_none() {
                parsed
                    .skipped
                    .push((number, "the line is not valid UTF-8".to_owned()));
                comments.clear();
            }
            continue;
        };
        if line.contains('\0') && block_start.is_none() {
            // No command, value or comment holds one: cron itself stops reading the line there.
            let why = "the line holds a NUL byte, which no command can contain; remove it";
            parsed.skipped.push((number, why.to_owned()));
            comments.clear();
            continue;
        }
        let line = line.trim_end_matches(['\r', ' ', '\t']);
        let trimmed = line.trim_start_matches([' ', '\t']);
        if block_start.is_some() {
            if trimmed.starts_with("# END jobtab ") {
                block_start = None;
            }
            continue;
        }
        if trimmed.starts_with("# BEGIN jobtab ") {
            block_start = Some(number);
            comments.clear();
            continue;
        }
        if trimmed.is_empty() {
            comments.clear();
            continue;
        }
        if let Some(comment) = trimmed.strip_prefix('#') {
            let comment = comment.trim();
            if is_template_header(comment) {
                // The template's text above the header describes crontabs, not the first job.
                comments.clear();
            } else if !comment.is_empty() {
                comments.push(comment.to_owned());
            }
            continue;
        }
        if let Some((name, value)) = parse_env(trimmed) {
            comments.clear();
            match name.as_str() {
                "MAILTO" => {
                    if !value.is_empty() && mail_to.is_none() {
                        parsed.notes.push(format!(
                            "line {number}: MAILTO becomes `mail_to` of the jobs below: jobtab \
                             mails their failures (through sendmail), not every output as cron did"
                        ));
                    }
                    mail_to = Some(value).filter(|v| !v.is_empty());
                }
                "MAILFROM" => parsed.notes.push(format!(
                    "line {number}: {name}={value:?} dropped: jobtab's mails come from the \
                     user it runs as"
                )),
                "CRON_TZ" if value.is_empty() => timezone = None,
                "CRON_TZ" => match Zone::parse(&value) {
                    Ok(_) => timezone = Some(value),
                    Err(err) => parsed.skipped.push((
                        number,
                        format!("CRON_TZ: {err}; the jobs below keep the previous zone"),
                    )),
                },
                "SHELL" => shell = Some(value).filter(|s| !s.is_empty() && s != "/bin/sh"),
                _ => {
                    if name == "TZ" {
                        parsed.notes.push(format!(
                            "line {number}: TZ={value} is passed to the commands below as \
                             before; their schedules stay in the machine's zone, as under cron \
                             (set `timezone` to change that)"
                        ));
                    }
                    if value.contains("${") {
                        parsed.notes.push(format!(
                            "line {number}: the value of {name} holds `${{`, which jobtab \
                             expands from the environment when the job runs (cron did not)"
                        ));
                    }
                    env.insert(name, value);
                }
            }
            continue;
        }
        let description = (!comments.is_empty()).then(|| comments.join(" "));
        comments.clear();
        match parse_job(trimmed) {
            Ok((schedule, command)) => {
                let name = derive_name(&split_percent(command).0);
                parsed.jobs.push(Imported {
                    line: number,
                    name,
                    raw: RawJob {
                        description,
                        schedule,
                        command: Some(convert_command(command)),
                        shell: shell.clone(),
                        timezone: timezone.clone(),
                        env: (!env.is_empty()).then(|| env.clone()),
                        mail_to: mail_to.clone(),
                        ..RawJob::default()
                    },
                });
            }
            Err(why) => parsed.skipped.push((number, format!("{why}: {line}"))),
        }
    }
    if let Some(start) = block_start {
        parsed.skipped.push((
            start,
            "a jobtab block starts here but has no `# END jobtab` line; the lines after it \
             were not imported"
                .to_owned(),
        ));
    }
    parsed
}

/// Debian's crontab template ends its header with `# m h  dom mon dow   command`.
fn is_template_header(comment: &str) -> bool {
    comment
        .split_whitespace()
        .eq(["m", "h", "dom", "mon", "dow", "command"])
}

/// A `NAME=value` line as cron reads it (cronie's `load_env`): the name (optionally quoted)
/// up to blanks or `=`, blanks, `=`, blanks, then the value with trailing blanks removed and
/// one pair of matching quotes around it removed.
fn parse_env(line: &str) -> Option<(String, String)> {
    let line = line.trim_start_matches([' ', '\t']);
    let (name, rest) = match line.chars().next()? {
        quote @ ('\'' | '"') => {
            let end = line[1..].find(quote)? + 1;
            (&line[1..end], &line[end + 1..])
        }
        _ => {
            let end = line.find([' ', '\t', '='])?;
            (&line[..end], &line[end..])
        }
    };
    if name.is_empty() {
        return None;
    }
    let rest = rest.trim_start_matches([' ', '\t']).strip_prefix('=')?;
    let value = rest.trim_matches([' ', '\t']);
    let unquoted = ['\'', '"']
        .into_iter()
        .find_map(|q| {
            value
                .strip_prefix(q)
                .and_then(|v| v.strip_suffix(q))
                .filter(|_| value.len() >= 2)
        })
        .unwrap_or(value);
    Some((name.to_owned(), unquoted.to_owned()))
}

/// Splits a job line into its schedule (5 fields joined by one space, or a nickname in lower
/// case) and its command (the rest of the line, as written).
fn parse_job(line: &str) -> Result<(String, &str), String> {
    let not_a_job = "not a job line (expected five schedule fields and a command, or a \
                     nickname such as @daily and a command)";
    let (schedule, command) = if let Some(nick) = line.strip_prefix('@') {
        let end = nick.find([' ', '\t']).unwrap_or(nick.len());
        let name = nick[..end].to_ascii_lowercase();
        if !NICKNAMES.contains(&name.as_str()) {
            return Err(format!("unknown nickname @{}", &nick[..end]));
        }
        (format!("@{name}"), &nick[end..])
    } else {
        let mut rest = line;
        let mut fields = Vec::with_capacity(5);
        for _ in 0..5 {
            rest = rest.trim_start_matches([' ', '\t']);
            let end = rest.find([' ', '\t']).unwrap_or(rest.len());
            if end == 0 {
                return Err(not_a_job.to_owned());
            }
            fields.push(&rest[..end]);
            rest = &rest[end..];
        }
        (fields.join(" "), rest)
    };
    let command = command.trim_start_matches([' ', '\t']);
    if command.is_empty() {
        return Err(if schedule.starts_with('@') {
            "no command after the nickname".to_owned()
        } else {
            not_a_job.to_owned()
        });
    }
    if let Err(err) = Schedule::parse(&schedule) {
        return Err(err.to_string());
    }
    Ok((schedule, command))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Option<BTreeMap<String, String>> {
        Some(
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        )
    }

    #[test]
    fn reads_a_realistic_crontab() {
        let text = "\
# Edit this file to introduce tasks to be run by cron.
#
# m h  dom mon dow   command
MAILTO=\"\"
PATH = /usr/local/bin:/usr/bin:/bin
GREETING = 'hello world'

# nightly backup
# of the database
0 2 * * * /usr/bin/backup.sh --full >> /var/log/backup.log 2>&1
@reboot   /opt/app/start
CRON_TZ=Europe/Berlin
SHELL=/bin/bash
30 6 * * mon-fri date +\\%F > /tmp/today
*/5 * * * * mail -s hi bob%Hello%World
# BEGIN jobtab /home/ana/jobs.toml (managed by jobtab: edit with jobtab, not here)
0 3 * * * '/usr/bin/jobtab' --file '/home/ana/jobs.toml' exec x
# END jobtab /home/ana/jobs.toml
# orphan comment

61 * * * * /bin/bad
0 4 * * * /usr/bin/backup.sh --incremental
";
        let parsed = parse(text.as_bytes());
        let names: Vec<&str> = parsed.jobs.iter().map(|j| j.name.as_str()).collect();
        assert_eq!(names, ["backup.sh", "start", "date", "mail", "backup.sh"]);
        let base_env = env(&[
            ("GREETING", "hello world"),
            ("PATH", "/usr/local/bin:/usr/bin:/bin"),
        ]);
        assert_eq!(
            parsed.jobs[0],
            Imported {
                line: 10,
                name: "backup.sh".into(),
                raw: RawJob {
                    description: Some("nightly backup of the database".into()),
                    schedule: "0 2 * * *".into(),
                    command: Some("/usr/bin/backup.sh --full >> /var/log/backup.log 2>&1".into()),
                    env: base_env.clone(),
                    ..RawJob::default()
                },
            }
        );
        assert_eq!(parsed.jobs[1].raw.schedule, "@reboot");
        assert_eq!(parsed.jobs[1].raw.description, None);
        let date = &parsed.jobs[2].raw;
        assert_eq!(date.schedule, "30 6 * * mon-fri");
        assert_eq!(date.command.as_deref(), Some("date +%F > /tmp/today"));
        assert_eq!(date.timezone.as_deref(), Some("Europe/Berlin"));
        assert_eq!(date.shell.as_deref(), Some("/bin/bash"));
        assert_eq!(date.env, base_env);
        assert_eq!(
            parsed.jobs[3].raw.command.as_deref(),
            Some("printf '%s\\n' 'Hello' 'World' | mail -s hi bob")
        );
        assert_eq!(parsed.jobs[4].line, 22);
        assert_eq!(
            parsed.jobs[4].raw.description, None,
            "a blank line detaches"
        );
        assert_eq!(parsed.skipped.len(), 1, "{:?}", parsed.skipped);
        let (line, why) = &parsed.skipped[0];
        assert_eq!(*line, 21);
        assert!(
            why.contains("minute") && why.contains("61 * * * * /bin/bad"),
            "{why}"
        );
        // `MAILTO=""` is cron's "no mail": nothing to say, nothing to set.
        assert!(parsed.notes.is_empty(), "{:?}", parsed.notes);
        assert!(parsed.jobs.iter().all(|job| job.raw.mail_to.is_none()));
    }

    /// Issue 12: MAILTO becomes `mail_to` of the jobs after it; an empty one turns it off.
    #[test]
    fn mailto_becomes_mail_to() {
        let text = "0 1 * * * a\nMAILTO=ops@example.com\n0 2 * * * b\nMAILTO=\"\"\n0 3 * * * c\n";
        let parsed = parse(text.as_bytes());
        let mail: Vec<Option<&str>> = parsed
            .jobs
            .iter()
            .map(|job| job.raw.mail_to.as_deref())
            .collect();
        assert_eq!(mail, [None, Some("ops@example.com"), None]);
        assert_eq!(parsed.notes.len(), 1);
        assert!(parsed.notes[0].contains("line 2: MAILTO becomes `mail_to`"));
        assert!(parsed.jobs[1].raw.env.is_none(), "MAILTO is not an env var");
    }

    /// The table `crontab -e` gives a new user on Debian (cron 3.0pl1), byte for byte.
    const DEBIAN_TEMPLATE: &str = "\
# Edit this file to introduce tasks to be run by cron.
# \n# Each task to run has to be defined through a single line
# indicating with different fields when the task will be run
# and what command to run for the task
# \n# To define the time you can provide concrete values for
# minute (m), hour (h), day of month (dom), month (mon),
# and day of week (dow) or use '*' in these fields (for 'any').
# \n# Notice that tasks will be started based on the cron's system
# daemon's notion of time and timezones.
# \n# Output of the crontab jobs (including errors) is sent through
# email to the user the crontab file belongs to (unless redirected).
# \n# For example, you can run a backup of all your user accounts
# at 5 a.m every week with:
# 0 5 * * 1 tar -zcf /var/backups/home.tgz /home/
# \n# For more information see the manual pages of crontab(5) and cron(8)
# \n# m h  dom mon dow   command
";

    #[test]
    fn debians_template_is_no_description() {
        assert_eq!(DEBIAN_TEMPLATE.lines().count(), 23);
        let job_below = format!("{DEBIAN_TEMPLATE}@reboot /opt/app/start\n");
        let parsed = parse(job_below.as_bytes());
        assert_eq!(parsed.jobs.len(), 1, "{parsed:?}");
        assert_eq!(parsed.jobs[0].raw.description, None);
        assert!(parsed.skipped.is_empty() && parsed.notes.is_empty());

        let commented = format!("{DEBIAN_TEMPLATE}# start the app\n@reboot /opt/app/start\n");
        let parsed = parse(commented.as_bytes());
        assert_eq!(
            parsed.jobs[0].raw.description.as_deref(),
            Some("start the app"),
            "comments below the header still describe the job"
        );

        let after_blank = format!("{DEBIAN_TEMPLATE}\n# nightly\n0 2 * * * backup\n");
        let parsed = parse(after_blank.as_bytes());
        assert_eq!(parsed.jobs[0].raw.description.as_deref(), Some("nightly"));
    }

    #[test]
    fn env_lines_follow_cron() {
        assert_eq!(parse_env("A=b"), Some(("A".into(), "b".into())));
        assert_eq!(parse_env("  A  =  b c  "), Some(("A".into(), "b c".into())));
        assert_eq!(
            parse_env("MAILTO=\"\""),
            Some(("MAILTO".into(), String::new()))
        );
        assert_eq!(
            parse_env("X=' padded '"),
            Some(("X".into(), " padded ".into()))
        );
        assert_eq!(
            parse_env("X=\"mixed'"),
            Some(("X".into(), "\"mixed'".into()))
        );
        assert_eq!(parse_env("X=\""), Some(("X".into(), "\"".into())));
        assert_eq!(
            parse_env("'odd name'=v"),
            Some(("odd name".into(), "v".into()))
        );
        assert_eq!(parse_env("X="), Some(("X".into(), String::new())));
        assert_eq!(parse_env("0 * * * * FOO=bar cmd"), None);
        assert_eq!(parse_env("@daily X=1 cmd"), None);
        assert_eq!(parse_env("=v"), None);
    }

    #[test]
    fn tz_stays_in_env_and_cron_tz_sets_the_zone() {
        let parsed =
            parse(b"TZ=Asia/Tokyo\n0 1 * * * a\nCRON_TZ=UTC\n0 2 * * * b\nCRON_TZ=\n0 3 * * * c\n");
        let [a, b, c] = &parsed.jobs[..] else {
            panic!("{parsed:?}")
        };
        assert_eq!(a.raw.timezone, None);
        assert_eq!(a.raw.env, env(&[("TZ", "Asia/Tokyo")]));
        assert!(
            parsed.notes[0].starts_with("line 1: TZ=Asia/Tokyo"),
            "{:?}",
            parsed.notes
        );
        assert_eq!(b.raw.timezone.as_deref(), Some("UTC"));
        assert_eq!(c.raw.timezone, None);
        let bad = parse(b"CRON_TZ=Mars/Base\n0 1 * * * a\n");
        assert_eq!(bad.jobs.len(), 1);
        assert_eq!(bad.skipped[0].0, 1);
        assert!(bad.skipped[0].1.contains("Mars/Base"), "{:?}", bad.skipped);
    }

    #[test]
    fn env_applies_only_to_the_jobs_after_it() {
        let parsed =
            parse(b"0 1 * * * a\nX=1\n0 2 * * * b\nX=2\n0 3 * * * c\nSHELL=/bin/sh\n0 4 * * * d\n");
        let envs: Vec<_> = parsed.jobs.iter().map(|j| j.raw.env.clone()).collect();
        assert_eq!(
            envs,
            [
                None,
                env(&[("X", "1")]),
                env(&[("X", "2")]),
                env(&[("X", "2")])
            ]
        );
        assert_eq!(parsed.jobs[3].raw.shell, None, "/bin/sh is the default");
    }

    #[test]
    fn bad_lines_are_reported_with_their_numbers() {
        let parsed = parse(b"0 1 * *\n@often x\n@daily\nnot a line at all\n0 1 * * * ok\n\xff\xfe\n0 0 31 2 * never\n");
        let lines: Vec<usize> = parsed.skipped.iter().map(|(n, _)| *n).collect();
        assert_eq!(lines, [1, 2, 3, 4, 6], "{:?}", parsed.skipped);
        assert!(parsed.skipped[1].1.contains("unknown nickname @often"));
        assert!(parsed.skipped[2].1.contains("no command"));
        assert!(parsed.skipped[4].1.contains("UTF-8"));
        let names: Vec<&str> = parsed.jobs.iter().map(|j| j.name.as_str()).collect();
        assert_eq!(names, ["ok", "never"]);
    }

    #[test]
    fn an_unterminated_block_is_reported() {
        let parsed = parse(b"0 1 * * * a\n# BEGIN jobtab /x.toml\n0 2 * * * b\n");
        assert_eq!(parsed.jobs.len(), 1);
        assert_eq!(parsed.skipped.len(), 1);
        assert_eq!(parsed.skipped[0].0, 2);
    }

    #[test]
    fn crlf_and_missing_final_newline() {
        let parsed = parse(b"# about a\r\n0 1 * * * a  \r\n0 2 * * * b");
        assert_eq!(parsed.jobs.len(), 2);
        assert_eq!(parsed.jobs[0].raw.command.as_deref(), Some("a"));
        assert_eq!(parsed.jobs[0].raw.description.as_deref(), Some("about a"));
        assert_eq!(parsed.jobs[1].line, 3);
    }
}
