//! Integration tests: `edit` with fake editors (scripts that change the file they are given).

use crate::manage::cmd;
use crate::util::{Env, expect_status, stderr, write_script};

use std::io::Write as _;
use std::process::Stdio;

const VALID: &str = "# mine\n[jobs.a]\nschedule = \"@daily\"\ncommand = \"a\"\n";

/// Runs `jobtab edit` with `EDITOR=editor`, feeding `input` on stdin: (exit code, stderr).
fn edit(env: &Env, editor: &str, input: &str) -> (i32, String) {
    let mut child = cmd(env, &["edit"])
        .env("EDITOR", editor)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    (out.status.code().unwrap_or(-1), stderr(&out))
}

#[test]
fn a_valid_edit_is_saved() {
    let env = Env::with_jobs(VALID);
    let editor = env.path("editor");
    write_script(
        &editor,
        "#!/bin/sh\nprintf '[jobs.b]\\nschedule = \"@hourly\"\\ncommand = \"b\"\\n' >> \"$1\"\n",
    );
    let (code, err) = edit(&env, editor.to_str().unwrap(), "");
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("saved"), "{err}");
    assert!(err.contains("2 jobs"), "{err}");
    assert_eq!(
        env.jobs(),
        format!("{VALID}[jobs.b]\nschedule = \"@hourly\"\ncommand = \"b\"\n")
    );
}

#[test]
fn an_unchanged_file_is_left_alone() {
    let env = Env::with_jobs(VALID);
    let (code, err) = edit(&env, "true", "");
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("no changes"), "{err}");
    assert_eq!(env.jobs(), VALID);
    // No file yet: the template is shown, and saving it unchanged creates nothing.
    let env = Env::new();
    let (code, err) = edit(&env, "true", "");
    assert_eq!(code, 0, "{err}");
    assert!(!env.file.exists());
}

#[test]
fn a_new_file_starts_from_the_template() {
    let env = Env::new();
    let editor = env.path("editor");
    write_script(
        &editor,
        "#!/bin/sh\ngrep -q '^# \\[jobs.backup\\]' \"$1\" || exit 3\n\
         printf '[jobs.b]\\nschedule = \"@hourly\"\\ncommand = \"b\"\\n' >> \"$1\"\n",
    );
    let (code, err) = edit(&env, editor.to_str().unwrap(), "");
    assert_eq!(code, 0, "{err}");
    let text = env.jobs();
    assert!(text.starts_with("# jobtab job file"), "{text}");
    assert!(
        text.ends_with("[jobs.b]\nschedule = \"@hourly\"\ncommand = \"b\"\n"),
        "{text}"
    );
}

#[test]
fn an_invalid_edit_answered_no_changes_nothing() {
    let env = Env::with_jobs(VALID);
    let editor = env.path("editor");
    write_script(
        &editor,
        "#!/bin/sh\nprintf 'timout = 5\\n[jobs.b]\\n' >> \"$1\"\n",
    );
    let (code, err) = edit(&env, editor.to_str().unwrap(), "n\n");
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("the edited job file has"), "{err}");
    assert!(err.contains("jobs.toml:5:"), "{err}");
    assert!(err.contains("edit again? [Y/n]"), "{err}");
    assert!(
        err.contains("was not changed; your edited copy is kept at "),
        "{err}"
    );
    assert_eq!(env.jobs(), VALID);
    // The copy is where the message says, with the edit in it.
    let kept = err.trim_end().rsplit("kept at ").next().unwrap();
    let copy = std::fs::read_to_string(kept).unwrap();
    assert!(copy.ends_with("[jobs.b]\n"), "{copy}");
    std::fs::remove_file(kept).unwrap();
}

#[test]
fn no_answer_counts_as_no() {
    let env = Env::with_jobs(VALID);
    let out = cmd(&env, &["edit"])
        .env("EDITOR", "sh -c 'echo broken = = >> \"$0\"'")
        .output()
        .unwrap();
    expect_status(&["edit".into()], &out, 1);
    let err = stderr(&out);
    assert!(err.contains("not valid TOML"), "{err}");
    assert_eq!(env.jobs(), VALID);
    if let Some(kept) = err.trim_end().rsplit("kept at ").next() {
        let _ = std::fs::remove_file(kept);
    }
}

#[test]
fn an_invalid_edit_can_be_fixed_on_the_second_round() {
    let env = Env::with_jobs(VALID);
    let editor = env.path("editor");
    let count = env.path("count");
    // First call: an invalid schedule. Second call: fixed.
    write_script(
        &editor,
        &format!(
            "#!/bin/sh\n\
             if [ -e '{count}' ]; then\n\
               sed -i 's/99 \\* \\* \\* \\*/@weekly/' \"$1\"\n\
             else\n\
               touch '{count}'\n\
               printf '[jobs.b]\\nschedule = \"99 * * * *\"\\ncommand = \"b\"\\n' >> \"$1\"\n\
             fi\n",
            count = count.display()
        ),
    );
    let (code, err) = edit(&env, editor.to_str().unwrap(), "y\n");
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("invalid schedule \"99 * * * *\""), "{err}");
    assert!(err.contains("saved"), "{err}");
    assert_eq!(
        env.jobs(),
        format!("{VALID}[jobs.b]\nschedule = \"@weekly\"\ncommand = \"b\"\n")
    );
}

#[test]
fn visual_wins_and_may_hold_arguments() {
    let env = Env::with_jobs(VALID);
    let editor = env.path("editor");
    // Appends its first argument (a flag here) as a comment: proves the args are passed.
    write_script(
        &editor,
        "#!/bin/sh\nfor f; do last=$f; done\necho \"# $1\" >> \"$last\"\n",
    );
    let out = cmd(&env, &["edit"])
        .env("EDITOR", "false")
        .env("VISUAL", format!("'{}' --wait", editor.display()))
        .output()
        .unwrap();
    expect_status(&["edit".into()], &out, 0);
    assert_eq!(env.jobs(), format!("{VALID}# --wait\n"));
}

#[test]
fn a_failing_editor_changes_nothing() {
    let env = Env::with_jobs(VALID);
    let out = cmd(&env, &["edit"])
        .env("EDITOR", "false")
        .output()
        .unwrap();
    expect_status(&["edit".into()], &out, 1);
    assert!(
        stderr(&out).contains("the editor `false` failed"),
        "{}",
        stderr(&out)
    );
    assert_eq!(env.jobs(), VALID);
}

#[test]
fn a_file_changed_during_the_edit_is_not_overwritten() {
    let env = Env::with_jobs(VALID);
    let editor = env.path("editor");
    // While "editing", something else changes the real file.
    write_script(
        &editor,
        &format!(
            "#!/bin/sh\necho '# from elsewhere' >> '{}'\necho '# mine' >> \"$1\"\n",
            env.file.display()
        ),
    );
    let (code, err) = edit(&env, editor.to_str().unwrap(), "");
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("was changed by something else while you were editing"),
        "{err}"
    );
    assert_eq!(env.jobs(), format!("{VALID}# from elsewhere\n"));
    let kept = err
        .trim_end()
        .split("kept at ")
        .nth(1)
        .unwrap()
        .split(':')
        .next()
        .unwrap();
    assert_eq!(
        std::fs::read_to_string(kept).unwrap(),
        format!("{VALID}# mine\n")
    );
    std::fs::remove_file(kept).unwrap();
}
