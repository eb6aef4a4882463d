//! Integration tests: what a person reads on a terminal (issue 11): colour, tables that fit
//! the width by display width, relative times beside times in the viewer's zone.

use std::process::Output;

use unicode_width::UnicodeWidthStr as _;

use crate::util::{Env, expect_status, stderr, stdout};

/// A 300-character name, commands in Japanese and with emoji (names are ASCII), a disabled
/// job, a job in another zone that runs once a year.
fn jobs() -> String {
    format!(
        r#"
        [jobs.{long}]
        schedule = "*/5 * * * *"
        command = "echo a long command line that goes on and on past any terminal's width"

        [jobs.jp]
        schedule = "0 2 * * *"
        description = "夜間バックアップ"
        command = "echo 🗄️ バックアップ 🗄️ 日本語のコマンド 夜間バックアップ 夜間バックアップ"

        [jobs.ok]
        schedule = "0 3 * * *"
        command = "true"

        [jobs.bad]
        schedule = "0 4 * * *"
        command = "exit 3"

        [jobs.off]
        schedule = "0 5 * * *"
        command = "true"
        enabled = false

        [jobs.newyear]
        schedule = "0 0 1 1 *"
        timezone = "Asia/Kolkata"
        command = "true"
        "#,
        long = "n".repeat(300)
    )
}

/// An environment with the jobs above, `ok` and `bad` each run once.
fn env() -> Env {
    let env = Env::with_jobs(&jobs());
    env.ok(["exec", "ok"]);
    env.fails(["exec", "bad"], 1);
    env
}

fn run(env: &Env, vars: &[(&str, &str)], args: &[&str]) -> Output {
    let mut cmd = env.cmd(args);
    for (key, value) in vars {
        cmd.env(key, value);
    }
    cmd.output().unwrap()
}

/// Runs and asserts the exit code; returns (stdout, stderr).
fn texts(env: &Env, vars: &[(&str, &str)], args: &[&str], code: i32) -> (String, String) {
    let output = run(env, vars, args);
    let os: Vec<std::ffi::OsString> = args.iter().map(Into::into).collect();
    expect_status(&os, &output, code);
    (stdout(&output), stderr(&output))
}

/// The commands whose text output a person reads, each with its exit code.
const READ: &[(&[&str], i32)] = &[
    (&["list"], 0),
    (&["show", "bad"], 0),
    (&["show", "off"], 0),
    (&["next"], 0),
    (&["history"], 0),
    (&["logs", "bad"], 0),
    (&["show", "nope"], 1),
];

#[test]
fn color_always_colours_status_words_and_error_prefixes() {
    let env = env();
    // The harness sets NO_COLOR=1: `--color always` wins over it.
    let (list, _) = texts(&env, &[], &["--color", "always", "list"], 0);
    assert!(list.contains("\x1b[32mok\x1b[0m"), "{list:?}");
    assert!(list.contains("\x1b[31mfailed\x1b[0m (exit 3)"), "{list:?}");
    assert!(list.contains("\x1b[2m(disabled)\x1b[0m"), "{list:?}");
    let (history, _) = texts(&env, &[], &["history", "--color", "always"], 0);
    assert!(history.contains("\x1b[31mfailed\x1b[0m"), "{history:?}");
    let (show, _) = texts(&env, &[], &["show", "bad", "--color=always"], 0);
    assert!(show.contains("\x1b[31mfailed\x1b[0m (exit 3)"), "{show:?}");
    let (_, err) = texts(&env, &[], &["--color", "always", "show", "nope"], 1);
    assert!(
        err.starts_with("jobtab: \x1b[1m\x1b[31merror:\x1b[0m "),
        "{err:?}"
    );
    // $JOBTAB_COLOR is the same option.
    let (list, _) = texts(&env, &[("JOBTAB_COLOR", "always")], &["list"], 0);
    assert!(list.contains("\x1b[32mok\x1b[0m"), "{list:?}");
    // Colour codes take no room: the columns line up as without them.
    let (plain, _) = texts(&env, &[], &["list"], 0);
    let stripped = anstream::adapter::strip_str(&list).to_string();
    assert_eq!(stripped, plain);
}

#[test]
fn no_escape_codes_with_no_color_never_or_a_pipe() {
    let env = env();
    for (args, code) in READ {
        for (vars, color) in [
            // NO_COLOR (any non-empty value) turns off auto.
            (vec![("NO_COLOR", "1")], "auto"),
            (vec![("NO_COLOR", "yes")], "auto"),
            // --color never, even where colour would be forced.
            (vec![("NO_COLOR", ""), ("CLICOLOR_FORCE", "1")], "never"),
            // auto into a pipe (the test's): not a terminal.
            (vec![("NO_COLOR", "")], "auto"),
        ] {
            let mut all = vec!["--color", color];
            all.extend_from_slice(args);
            let (out, err) = texts(&env, &vars, &all, *code);
            assert!(
                !out.contains('\x1b') && !err.contains('\x1b'),
                "{all:?} {vars:?}\n{out:?}\n{err:?}"
            );
        }
    }
    let err = env.fails(["--color", "sometimes", "list"], 2);
    assert!(err.contains("auto") && err.contains("always") && err.contains("never"));
}

/// The widest line of `text`, in terminal columns (a CJK character or emoji takes two).
fn widest(text: &str) -> usize {
    text.lines().map(|line| line.width()).max().unwrap_or(0)
}

/// Issue 11: at 60 columns `list` printed 72-column rows and never cut a 300-character name.
#[test]
fn tables_fit_columns_60_by_display_width() {
    let env = env();
    for args in [&["list"][..], &["next", "--count", "20"], &["history"]] {
        for width in ["60", "40", "100"] {
            let (out, _) = texts(&env, &[("COLUMNS", width)], args, 0);
            let width: usize = width.parse().unwrap();
            assert!(widest(&out) <= width, "{args:?} at {width}:\n{out}");
            assert!(out.contains('…'), "{args:?} at {width}:\n{out}");
        }
    }
    let (list, _) = texts(&env, &[("COLUMNS", "60")], &["list"], 0);
    assert_eq!(
        list.lines().count(),
        7,
        "one line per job and a header:\n{list}"
    );
    assert!(list.contains("nnn…"), "{list}");
    // A command in Japanese is cut by columns, to the column's width.
    let (list, _) = texts(&env, &[("COLUMNS", "100")], &["list"], 0);
    let header = list.lines().next().unwrap();
    let command_at = header.find("COMMAND/URL").unwrap();
    let jp = list.lines().find(|l| l.starts_with("jp ")).unwrap();
    let (before, command) = jp.split_at(jp.find("echo 🗄️").unwrap());
    assert_eq!(
        before.width(),
        command_at,
        "aligned by display width:\n{list}"
    );
    assert!(
        command.ends_with('…') && before.width() + command.width() <= 100,
        "{list}"
    );
    // Not a terminal and no COLUMNS: nothing is cut.
    let (out, _) = texts(&env, &[("COLUMNS", "")], &["list"], 0);
    assert!(out.contains(&"n".repeat(300)), "{out}");
    assert!(
        out.contains("🗄️ バックアップ 🗄️ 日本語のコマンド 夜間バックアップ 夜間バックアップ"),
        "{out}"
    );
}

#[test]
fn explain_wraps_its_meaning_to_the_width() {
    let env = Env::new();
    let schedule = "5,10,15,20,25,30,35,40,45,50,55 1,3,5,7,9,11,13,15,17 1-8 * mon-fri";
    let (out, _) = texts(&env, &[("COLUMNS", "60")], &["explain", schedule], 0);
    let meaning: Vec<&str> = out
        .lines()
        .skip_while(|line| !line.starts_with("meaning"))
        .take_while(|line| !line.starts_with("time zone"))
        .collect();
    assert!(meaning.len() >= 3, "{out}");
    for line in &meaning[1..] {
        assert!(line.starts_with("           ") && line.len() > 11, "{out}");
    }
    assert!(meaning.iter().all(|line| line.width() <= 60), "{out}");
    // Not cut: every word is there, once.
    let words: String = meaning
        .iter()
        .map(|line| line.trim_start_matches("meaning").trim())
        .collect::<Vec<_>>()
        .join(" ");
    let (json, _) = texts(&env, &[], &["explain", schedule, "--json"], 0);
    let json: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(words, json["description"].as_str().unwrap());
    // Into a pipe with no COLUMNS: one line.
    let (out, _) = texts(&env, &[("COLUMNS", "")], &["explain", schedule], 0);
    assert_eq!(
        out.lines().filter(|l| l.starts_with("meaning")).count(),
        1,
        "{out}"
    );
    assert!(
        out.lines().nth(2).unwrap().starts_with("time zone"),
        "{out}"
    );
}

/// The text of the cell after `label` up to the next `)`: `2026-12-31 18:30 (in 29d)`.
fn time_after<'t>(text: &'t str, label: &str) -> &'t str {
    let start = text
        .find(label)
        .unwrap_or_else(|| panic!("{label:?} in {text}"))
        + label.len();
    let rest = &text[start..];
    let end = rest
        .find(')')
        .unwrap_or_else(|| panic!("no ) after {label:?} in {text}"));
    &rest[..=end]
}

/// Times a person reads: in the viewer's zone with how far they are, one format everywhere.
/// The runs here are far enough away (a yearly job) or recent enough (just run) that only
/// generous shapes are checked, never the current time.
#[test]
fn times_are_in_the_viewers_zone_with_how_far_they_are() {
    let env = env();
    // `newyear` runs at midnight in Kolkata: 18:30 on Dec 31 in UTC, 13:30 in New York.
    for (tz, wall) in [
        ("UTC", "-12-31 18:30 ("),
        ("America/New_York", "-12-31 13:30 ("),
    ] {
        let (list, _) = texts(&env, &[("TZ", tz)], &["list"], 0);
        let line = list.lines().find(|l| l.starts_with("newyear")).unwrap();
        let cell = time_after(line, "0 0 1 1 *");
        assert!(cell.contains(wall), "{tz}: {line}");
        assert!(
            !cell.contains("+05:30"),
            "the viewer's zone has no offset: {line}"
        );
        assert!(
            ["d)", "mo)", "h)", "m)", "s)"]
                .iter()
                .any(|unit| cell.contains(" (in ") && cell.ends_with(unit)),
            "{line}"
        );
        let (next, _) = texts(&env, &[("TZ", tz)], &["next", "newyear"], 0);
        assert!(
            next.contains(wall) && next.contains(" (in "),
            "{tz}: {next}"
        );
    }
    // `show`: upcoming runs in the job's zone, with its offset; past ones in the viewer's.
    let (show, _) = texts(&env, &[], &["show", "newyear"], 0);
    let first = time_after(&show, "next runs:\n  ");
    assert!(first.contains("-01-01 00:00 +05:30 (in "), "{show}");
    let (show, _) = texts(&env, &[], &["show", "bad"], 0);
    let last = time_after(&show, "last results:\n  ");
    assert!(recent(last), "{show}");
    // history and the header of logs: the start, to the second, and how long ago.
    let (history, _) = texts(&env, &[], &["history", "bad"], 0);
    let line = history.lines().nth(1).unwrap();
    assert!(recent(&line[..line.find(')').unwrap() + 1]), "{history}");
    let (_, err) = texts(&env, &[], &["logs", "bad"], 0);
    assert!(recent(time_after(&err, ", started ")), "{err}");
}

/// `2026-12-02 16:01:09 (12s ago)`: a time to the second without an offset, just passed (the
/// test's own runs, so within minutes).
fn recent(text: &str) -> bool {
    let Some((time, ago)) = text.split_once(" (") else {
        return false;
    };
    chrono::NaiveDateTime::parse_from_str(time.trim(), "%Y-%m-%d %H:%M:%S").is_ok()
        && (ago == "just now)"
            || ago == "now)"
            || (ago.ends_with("s ago)") || ago.ends_with("m ago)"))
                && ago.chars().next().is_some_and(|c| c.is_ascii_digit()))
}

/// `add` says when the job runs next, in the job's zone as `show` does.
#[test]
fn add_says_when_the_next_run_is() {
    let env = Env::new();
    let (_, err) = texts(
        &env,
        &[],
        &[
            "add",
            "newyear",
            "0 0 1 1 *",
            "--tz",
            "Asia/Kolkata",
            "--",
            "true",
        ],
        0,
    );
    let at = err
        .split_once("next run: ")
        .unwrap_or_else(|| panic!("{err}"))
        .1;
    // Midnight in Kolkata, with its offset, then how soon.
    assert!(at.contains("-01-01 00:00 +05:30 (in "), "{err}");
}
