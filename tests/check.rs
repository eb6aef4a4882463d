//! Integration tests: `check` lists every problem with file, line and column.

use crate::manage::{fails, ok};
use crate::util::Env;

#[test]
fn every_problem_is_listed() {
    let env = Env::with_jobs(
        r#"
        [defaults]
        timezone = "Nowhere/Land"

        [jobs.backup]
        schedule = "0 2 * * *"
        command = "true"
        timout = "5m"

        [jobs.ping]
        schedule = "61 * * * *"
        http = { url = "https://example.com" }

        [jobs."bad/name"]
        schedule = "@daily"
        command = "x"

        [jobs.both]
        schedule = "@daily"
        command = "x"
        http = { url = "https://example.com" }
        overlap = "sometimes"
        "#,
    );
    let (out, err) = fails(&env, &["check"], 1);
    let file = env.file.display().to_string();
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 6, "{out}");
    assert_eq!(
        lines[0],
        format!(
            "{file}:2:1: key \"defaults.timezone\": unknown time zone \"Nowhere/Land\": use an IANA name such as Europe/Berlin, America/New_York or UTC"
        )
    );
    assert!(lines[1].starts_with(&format!("{file}:7:1: job \"backup\", key \"timout\": unknown key; did you mean \"timeout\"? known keys are description, schedule,")), "{out}");
    assert!(
        lines[2].starts_with(&format!(
            "{file}:10:1: job \"ping\", key \"schedule\": invalid schedule \"61 * * * *\": "
        )),
        "{out}"
    );
    assert!(
        lines[3].starts_with(&format!("{file}:13:1: job \"bad/name\": invalid job name")),
        "{out}"
    );
    assert_eq!(
        lines[4],
        format!(
            "{file}:20:1: job \"both\", key \"http\": a job has either `command` or `http`, not both"
        )
    );
    assert_eq!(
        lines[5],
        format!(
            "{file}:21:1: job \"both\", key \"overlap\": \"sometimes\" is not one of skip, queue, allow"
        )
    );
    assert!(err.contains("jobtab: error: 6 problems in"), "{err}");
    assert!(err.contains("jobtab edit"), "{err}");
}

#[test]
fn a_syntax_error_has_its_line_and_column() {
    let env = Env::with_jobs("[jobs.a]\nschedule = \"@daily\"\ncommand = = \"x\"\n");
    let (out, _) = fails(&env, &["check"], 1);
    let file = env.file.display().to_string();
    assert!(
        out.starts_with(&format!("{file}:3:11: not valid TOML: ")),
        "{out}"
    );
}

#[test]
fn a_valid_file_is_counted() {
    let env = Env::with_jobs(
        r#"
        [jobs.a]
        schedule = "@daily"
        command = "a"
        [jobs.b]
        schedule = "*/10 * * * * *"
        http = { url = "https://${HOST}/x" }
        "#,
    );
    let (out, _) = ok(&env, &["check"]);
    assert_eq!(
        out,
        format!("{}: 2 jobs, no problems\n", env.file.display())
    );
}
