//! Dynamic shell completion: job names and time zones, offered while the user types.
//!
//! The shell calls the binary itself through clap_complete's `COMPLETE=<shell> jobtab -- WORDS`
//! protocol (`CompleteEnv`, feature `unstable-dynamic`, pinned to an exact version in
//! Cargo.toml because it is unstable). `main` hands the process to [`complete_if_asked`] first;
//! the completers below are attached to the arguments in `cli` with `add = ...`.
//!
//! A completer never fails loudly: a job file that cannot be found, read or parsed gives no
//! candidates and no message, because anything printed would land in the user's prompt.
//! The shell's static scripts and the man page are in `commands::completions`.

use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use clap::CommandFactory as _;
use clap_complete::engine::CompletionCandidate;

use crate::cli::{Cli, GlobalArgs};
use crate::ctx::Ctx;
use crate::store::JobFile;

/// The environment variable that asks for completions (clap_complete's default).
pub(crate) const VAR: &str = "COMPLETE";

/// `--file` as written on the command line being completed. clap_complete gives a completer
/// only the word under the cursor, so `complete_if_asked` reads the other words for it.
static FILE_ON_LINE: OnceLock<PathBuf> = OnceLock::new();

/// Answers a completion request and exits, when `$COMPLETE` names a shell; otherwise returns
/// at once and the command runs as usual. Must run before anything is written to stdout.
pub(crate) fn complete_if_asked() {
    if std::env::var_os(VAR).is_none_or(|shell| shell.is_empty() || shell == "0") {
        return;
    }
    let args: Vec<OsString> = std::env::args_os().collect();
    // The words of the line follow the first `--`; without it this is the registration.
    if let Some(dash) = args.iter().position(|arg| arg == "--")
        && let Some(file) = file_in_words(&args[dash + 1..])
    {
        let _ = FILE_ON_LINE.set(file);
    }
    clap_complete::CompleteEnv::with_factory(Cli::command)
        .var(VAR)
        .complete();
}

/// The value of the last `--file`/`-f` among a command line's words (the program's name
/// first), as the shell typed it: quotes around it removed and a leading `~/` expanded, since
/// the shell has not done either yet. Words after a bare `--` are a job's command, not options.
fn file_in_words(words: &[OsString]) -> Option<PathBuf> {
    let mut found = None;
    let mut words = words.iter().skip(1);
    while let Some(word) = words.next() {
        let Some(word) = word.to_str() else { continue };
        if word == "--" {
            break;
        }
        let value = if word == "--file" || word == "-f" {
            words.next().and_then(|value| value.to_str())
        } else if let Some(value) = word.strip_prefix("--file=") {
            Some(value)
        } else if let Some(value) = word.strip_prefix("-f").filter(|v| !v.is_empty()) {
            Some(value.strip_prefix('=').unwrap_or(value))
        } else {
            None
        };
        if let Some(value) = value.filter(|v| !v.is_empty()) {
            found = Some(shell_path(value));
        }
    }
    found
}

/// A path as typed: one pair of surrounding quotes removed and `~/` expanded.
fn shell_path(typed: &str) -> PathBuf {
    let unquoted = ['\'', '"']
        .iter()
        .find_map(|quote| {
            typed
                .strip_prefix(*quote)
                .map(|rest| rest.strip_suffix(*quote).unwrap_or(rest))
        })
        .unwrap_or(typed);
    match (unquoted.strip_prefix("~/"), dirs::home_dir()) {
        (Some(rest), Some(home)) => home.join(rest),
        _ => PathBuf::from(unquoted),
    }
}

/// Candidates for an argument that takes a job name: every job of the job file the command
/// would read (`--file` on the line, else `$JOBTAB_FILE`, else the default), with its
/// description as help where the shell shows one. clap_complete keeps those that start with
/// the word typed.
pub(crate) fn job_names() -> Vec<CompletionCandidate> {
    let global = GlobalArgs {
        file: FILE_ON_LINE.get().cloned(),
        state_dir: None,
        color: crate::cli::ColorWhen::Never,
    };
    Ctx::from_args(&global)
        .map(|ctx| jobs_in(&ctx.file))
        .unwrap_or_default()
}

/// The jobs of one file as candidates; none when it cannot be read or has problems.
fn jobs_in(file: &Path) -> Vec<CompletionCandidate> {
    let Ok(jobs) = JobFile::read(file) else {
        return Vec::new();
    };
    if !jobs.problems.is_empty() {
        return Vec::new();
    }
    jobs.jobs
        .into_iter()
        .map(|job| {
            let help = job.description.map(Into::into);
            CompletionCandidate::new(job.name).help(help)
        })
        .collect()
}

/// Candidates for `--tz`: the IANA zone names chrono-tz knows that start with what was typed,
/// or, when none does, those that start with it ignoring case (`europe/be` finds
/// `Europe/Berlin`, as `--tz` accepts it).
pub(crate) fn zone_names(typed: &OsStr) -> Vec<CompletionCandidate> {
    let Some(typed) = typed.to_str() else {
        return Vec::new();
    };
    let names = || chrono_tz::TZ_VARIANTS.iter().map(|zone| zone.name());
    let mut found: Vec<&str> = names().filter(|name| name.starts_with(typed)).collect();
    if found.is_empty() {
        let lower = typed.to_lowercase();
        found = names()
            .filter(|name| name.to_lowercase().starts_with(&lower))
            .collect();
    }
    found.sort_unstable();
    found.into_iter().map(CompletionCandidate::new).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(line: &str) -> Vec<OsString> {
        line.split(' ').map(OsString::from).collect()
    }

    fn values(candidates: &[CompletionCandidate]) -> Vec<String> {
        candidates
            .iter()
            .map(|c| c.get_value().to_string_lossy().into_owned())
            .collect()
    }

    #[test]
    fn the_file_is_found_in_every_spelling() {
        for line in [
            "jobtab --file a.toml show b",
            "jobtab --file=a.toml show b",
            "jobtab -f a.toml show b",
            "jobtab -fa.toml show b",
            "jobtab show -f 'a.toml' b",
            "jobtab show b --file \"a.toml\"",
        ] {
            assert_eq!(
                file_in_words(&words(line)),
                Some(PathBuf::from("a.toml")),
                "{line}"
            );
        }
        assert_eq!(file_in_words(&words("jobtab show b")), None);
        // After `--` the words are a job's command.
        assert_eq!(
            file_in_words(&words("jobtab add x @daily -- cat -f a.toml")),
            None
        );
        assert_eq!(file_in_words(&words("jobtab -F show")), None);
    }

    #[test]
    fn a_tilde_is_the_home_folder() {
        let home = dirs::home_dir().unwrap();
        assert_eq!(shell_path("~/jobs.toml"), home.join("jobs.toml"));
        assert_eq!(shell_path("'~/x'"), home.join("x"));
        assert_eq!(shell_path("a~/b"), PathBuf::from("a~/b"));
    }

    #[test]
    fn jobs_are_read_from_the_file_and_a_broken_file_gives_none() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("jobs.toml");
        std::fs::write(
            &file,
            "[jobs.backup]\nschedule = \"@daily\"\ncommand = \"true\"\ndescription = \"Nightly\"\n\n\
             [jobs.ping]\nschedule = \"@hourly\"\ncommand = \"true\"\n",
        )
        .unwrap();
        let jobs = jobs_in(&file);
        assert_eq!(values(&jobs), ["backup", "ping"]);
        assert_eq!(
            jobs[0].get_help().map(ToString::to_string).as_deref(),
            Some("Nightly")
        );
        std::fs::write(&file, "[jobs.backup\nschedule = ").unwrap();
        assert!(jobs_in(&file).is_empty());
        assert!(jobs_in(&dir.path().join("missing.toml")).is_empty());
        assert!(jobs_in(dir.path()).is_empty(), "a folder");
    }

    #[test]
    fn zones_complete_by_prefix_then_ignoring_case() {
        assert_eq!(
            values(&zone_names(OsStr::new("Europe/Be"))),
            ["Europe/Belfast", "Europe/Belgrade", "Europe/Berlin"]
        );
        assert!(values(&zone_names(OsStr::new("europe/berl"))) == ["Europe/Berlin"]);
        assert!(zone_names(OsStr::new("Nowhere/")).is_empty());
        assert!(zone_names(OsStr::new("")).len() > 400, "every zone");
    }
}
