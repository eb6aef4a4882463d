//! `jobtab add`: builds a job from the command line, validates it exactly as the file is
//! validated, and writes it as a `[jobs.NAME]` table under the file's lock.

use std::collections::BTreeMap;
use std::io::Read as _;
use std::process::ExitCode;

use anyhow::{Context as _, Result, bail};
use chrono::Utc;

use crate::cli::{AddArgs, NotifyOnArg, OverlapArg};
use crate::ctx::Ctx;
use crate::output;
use crate::store::{self, CatchUp, Job, NotifyOn, Overlap, RawHttp, RawJob, RawNotify};

/// A mistake in how the command was called (exit 2), as opposed to an invalid job (exit 1).
struct Usage(String);

pub(crate) fn run(args: AddArgs, ctx: &Ctx) -> Result<ExitCode> {
    let mut raw = match build(&args) {
        Ok(raw) => raw,
        Err(Usage(message)) => {
            crate::output::error(format_args!("{message}"));
            return Ok(ExitCode::from(2));
        }
    };
    if let Some(http) = &mut raw.http
        && let Some(data) = &http.body
    {
        http.body = Some(body(data)?);
    }
    if !store::valid_name(&args.name) {
        bail!(store::invalid_name_message(&args.name));
    }
    let name = args.name.as_str();
    let (job, replaced) = store::edit(ctx.writable_file()?, |editor| {
        // Checked here, under the lock, against the file's [defaults], before anything changes.
        let job = store::resolve(name, raw.clone(), editor.defaults()).map_err(|problems| {
            let messages: Vec<String> = problems.iter().map(|p| p.message.clone()).collect();
            match messages.as_slice() {
                [one] => anyhow::anyhow!("{one}"),
                _ => anyhow::anyhow!("job {name:?} is not valid:\n  {}", messages.join("\n  ")),
            }
        })?;
        let replaced = if args.replace {
            editor.replace_job(name, &raw)?
        } else {
            if editor.contains(name) {
                bail!(
                    "a job named {name:?} already exists in {}; pick another name, or pass \
                     --replace to overwrite it",
                    editor.path().display()
                );
            }
            editor.add_job(name, &raw)?;
            false
        };
        Ok((job, replaced))
    })?;
    let verb = if replaced { "replaced" } else { "added" };
    eprintln!("{verb} job {name:?}; {}", next_run_words(&job));
    super::crontab_note::after_change(ctx);
    Ok(ExitCode::SUCCESS)
}

/// "next run: <time>", or why there is none.
fn next_run_words(job: &Job) -> String {
    if !job.enabled {
        return format!("it is disabled; `jobtab enable {}` turns it on", job.name);
    }
    if job.triggers.at_start_only() {
        return "runs when `jobtab run` starts (or at boot once installed)".into();
    }
    let now = Utc::now();
    match job.triggers.next_after(now, job.zone) {
        Some(next) => format!(
            "next run: {}",
            // In the job's zone, as `show` gives upcoming runs: what the schedule says.
            output::when(next, job.zone, now, job.triggers.shows_seconds())
        ),
        None => "its schedule never fires again".into(),
    }
}

/// The job as it will be written, from the arguments.
fn build(args: &AddArgs) -> Result<RawJob, Usage> {
    let mut raw = RawJob {
        description: args.description.clone(),
        schedule: Some(args.schedule.clone()),
        timezone: args.timezone.clone(),
        timeout: args.timeout.clone(),
        retries: args.retries,
        retry_delay: args.retry_delay.clone(),
        overlap: args.overlap.map(|o| match o {
            OverlapArg::Skip => Overlap::Skip,
            OverlapArg::Queue => Overlap::Queue,
            OverlapArg::Allow => Overlap::Allow,
        }),
        catch_up: None::<CatchUp>,
        enabled: args.disabled.then_some(false),
        ..RawJob::default()
    };
    match (&args.url, args.command.is_empty()) {
        (Some(_), false) => {
            return Err(Usage(
                "give either a command after `--` or --url, not both".into(),
            ));
        }
        (None, true) => {
            return Err(Usage(
                "say what the job runs: a command after `--` (jobtab add NAME SCHEDULE -- \
                 COMMAND...) or --url URL for an HTTP job"
                    .into(),
            ));
        }
        (None, false) => {
            if args.method.is_some()
                || !args.headers.is_empty()
                || args.data.is_some()
                || !args.expect.is_empty()
            {
                return Err(Usage(
                    "--method, --header, --data and --expect are for HTTP jobs (--url)".into(),
                ));
            }
            raw.command = Some(command_text(&args.command));
            raw.workdir = args.workdir.as_ref().map(|dir| {
                // Relative to where `add` runs, not to wherever the scheduler will run.
                std::path::absolute(dir)
                    .unwrap_or_else(|_| dir.clone())
                    .to_string_lossy()
                    .into_owned()
            });
        }
        (Some(url), true) => {
            if args.workdir.is_some() {
                return Err(Usage("--workdir is for shell jobs, not HTTP jobs".into()));
            }
            raw.http = Some(RawHttp {
                method: args.method.as_ref().map(|m| m.to_ascii_uppercase()),
                url: url.clone(),
                headers: pairs(&args.headers, ':', "--header", "'Name: value'")?,
                body: args.data.clone(),
                expect: (!args.expect.is_empty()).then(|| args.expect.clone()),
            });
        }
    }
    raw.env = pairs(&args.env, '=', "--env", "K=V")?;
    raw.notify = args.notify.as_ref().map(|url| RawNotify {
        url: url.clone(),
        on: args.notify_on.map(|on| match on {
            NotifyOnArg::Failure => NotifyOn::Failure,
            NotifyOnArg::Success => NotifyOn::Success,
            NotifyOnArg::Always => NotifyOn::Always,
        }),
        ..RawNotify::default()
    });
    Ok(raw)
}

/// The command to store from the words after `--`. One word is a shell command line, kept as
/// written (`-- 'pg_dump app > /x.sql'`). Several words are a program and its arguments (the
/// shell has already removed the user's quotes): each word that needs it is quoted for
/// `/bin/sh`, so that the stored command runs exactly those words (`-- echo '$HOME' "a b"`
/// stores `echo '$HOME' 'a b'`).
fn command_text(words: &[String]) -> String {
    match words {
        [one] => one.clone(),
        many => many
            .iter()
            .enumerate()
            .map(|(i, word)| sh_quote(word, i == 0))
            .collect::<Vec<_>>()
            .join(" "),
    }
}

/// `word` as one word for a POSIX shell: unchanged when it holds only characters the shell
/// gives no meaning to (`pg_dump`, `--full`, `/path/x.sql`), else in single quotes (a `'` in it
/// written as `'\''`). In the first position, a word that the shell would read as a keyword
/// (`if`) or a variable assignment (`A=b`) is quoted too.
fn sh_quote(word: &str, first: bool) -> String {
    const KEYWORDS: &[&str] = &[
        "!", "{", "}", "case", "do", "done", "elif", "else", "esac", "fi", "for", "if", "in",
        "then", "until", "while", "function", "select", "time", "[[", "]]", "coproc",
    ];
    let plain = !word.is_empty()
        && word.chars().all(|c| {
            c.is_ascii_alphanumeric()
                || matches!(c, '-' | '_' | '.' | '/' | ',' | ':' | '+' | '@' | '%' | '=')
        })
        && !(first && (word.contains('=') || KEYWORDS.contains(&word)));
    if plain {
        word.to_owned()
    } else {
        format!("'{}'", word.replace('\'', "'\\''"))
    }
}

/// `K: V` or `K=V` arguments as a map; `None` when there are none.
fn pairs(
    items: &[String],
    separator: char,
    flag: &str,
    shape: &str,
) -> Result<Option<BTreeMap<String, String>>, Usage> {
    if items.is_empty() {
        return Ok(None);
    }
    let mut map = BTreeMap::new();
    for item in items {
        let Some((key, value)) = item.split_once(separator) else {
            return Err(Usage(format!("{flag} {item:?} must look like {shape}")));
        };
        let key = key.trim();
        if key.is_empty() {
            return Err(Usage(format!(
                "{flag} {item:?} has no name; write it like {shape}"
            )));
        }
        let value = if separator == ':' {
            value.trim()
        } else {
            value
        };
        map.insert(key.to_owned(), value.to_owned());
    }
    Ok(Some(map))
}

/// The request body: the text itself, or `@FILE` (`@-`: standard input) read now.
fn body(data: &str) -> Result<String> {
    let Some(path) = data.strip_prefix('@') else {
        return Ok(data.to_owned());
    };
    if path == "-" {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .map(|_| text)
            .context("cannot read the body from standard input")
    } else {
        std::fs::read_to_string(path)
            .with_context(|| format!("cannot read --data file {path}; check the path after `@`"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_split_once_and_trim_header_values() {
        let map = pairs(&["A: b: c".into(), "X:y".into()], ':', "--header", "")
            .ok()
            .flatten()
            .unwrap();
        assert_eq!(map["A"], "b: c");
        assert_eq!(map["X"], "y");
        let map = pairs(&["K= v=w".into()], '=', "--env", "")
            .ok()
            .flatten()
            .unwrap();
        assert_eq!(map["K"], " v=w");
        assert!(pairs(&["novalue".into()], '=', "--env", "K=V").is_err());
        assert!(pairs(&["=v".into()], '=', "--env", "K=V").is_err());
    }

    #[test]
    fn several_words_are_quoted_for_the_shell_and_one_is_kept_as_written() {
        let words = |w: &[&str]| w.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        assert_eq!(
            command_text(&words(&["pg_dump app > /x.sql"])),
            "pg_dump app > /x.sql"
        );
        assert_eq!(
            command_text(&words(&[
                "pg_dump",
                "--full",
                "/var/backups/app.sql",
                "a=b"
            ])),
            "pg_dump --full /var/backups/app.sql a=b"
        );
        assert_eq!(
            command_text(&words(&["echo", "$HOME", "a b", "it's", "", ">", "*", "~"])),
            "echo '$HOME' 'a b' 'it'\\''s' '' '>' '*' '~'"
        );
        assert_eq!(command_text(&words(&["A=b", "x"])), "'A=b' x");
        assert_eq!(command_text(&words(&["if", "then"])), "'if' then");
    }

    #[test]
    fn quoted_words_reach_the_program_unchanged() {
        let words: Vec<String> = [
            "printf", "[%s]", "$HOME", "a b", "it's", "", "\\n", "*", "`id`",
        ]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
        let output = std::process::Command::new("/bin/sh")
            .arg("-c")
            .arg(command_text(&words))
            .output()
            .unwrap();
        assert_eq!(
            String::from_utf8_lossy(&output.stdout),
            "[$HOME][a b][it's][][\\n][*][`id`]"
        );
    }

    #[test]
    fn body_reads_files() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("b.json");
        std::fs::write(&path, "{\"a\": 1}").unwrap();
        assert_eq!(body(&format!("@{}", path.display())).unwrap(), "{\"a\": 1}");
        assert_eq!(body("plain").unwrap(), "plain");
        assert!(body("@/nonexistent/file").is_err());
    }
}
