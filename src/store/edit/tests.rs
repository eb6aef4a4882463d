//! Unit tests of `store::edit`: what each change does to the text of the file, byte for byte.

use std::os::unix::fs::MetadataExt as _;

use std::path::{Path, PathBuf};

use toml_edit::value;

use super::*;
use crate::store::model::{Job, RawHttp, RawJob};

const FILE: &str = "\
# My jobs. Keep this header.

[defaults]
timeout = \"1h\"   # every job

# --- nightly things ---

# dumps the database
[jobs.backup]
schedule = \"0 2 * * *\"  # at two
command = \"pg_dump app\"

# calls the API
[jobs.ping]
schedule = \"*/5 * * * *\"
http = { url = \"https://example.com/health\" }

[jobs.report] # weekdays only
schedule = \"30 6 * * mon-fri\"
enabled = false # until the API is ready
[jobs.report.http]
url = \"https://example.com/report\"
# the end
";

fn shell(schedule: &str, command: &str) -> RawJob {
    RawJob {
        schedule: Some(schedule.into()),
        command: Some(command.into()),
        ..RawJob::default()
    }
}

fn setup(text: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("jobs.toml");
    std::fs::write(&path, text).unwrap();
    (dir, path)
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap()
}

#[test]
fn add_appends_after_the_last_job_and_keeps_everything_else() {
    let (_dir, path) = setup(FILE);
    edit(&path, |e| {
        e.add_job("new", &shell("@daily", "echo hi"))?;
        // Appended as text: the file was not parsed for editing.
        assert!(!e.is_parsed());
        Ok(())
    })
    .unwrap();
    let expected = FILE.replace(
        "url = \"https://example.com/report\"\n",
        "url = \"https://example.com/report\"\n\n[jobs.new]\nschedule = \"@daily\"\ncommand = \"echo hi\"\n",
    );
    assert_eq!(read(&path), expected);
}

#[test]
fn adding_an_existing_name_fails_and_changes_nothing() {
    let (_dir, path) = setup(FILE);
    let err = edit(&path, |e| e.add_job("ping", &shell("@daily", "x"))).unwrap_err();
    assert!(err.to_string().contains("already exists"), "{err}");
    assert_eq!(read(&path), FILE);
}

#[test]
fn an_invalid_job_is_never_added() {
    let (_dir, path) = setup(FILE);
    let err = edit(&path, |e| e.add_job("x", &shell("61 * * * *", "true"))).unwrap_err();
    assert!(
        err.to_string().contains("invalid schedule \"61 * * * *\""),
        "{err}"
    );
    let err = edit(&path, |e| e.add_job("a b", &shell("@daily", "true"))).unwrap_err();
    assert!(err.to_string().contains("invalid job name"), "{err}");
    assert_eq!(read(&path), FILE);
}

#[test]
fn disable_then_enable_gives_back_the_same_file() {
    let (_dir, path) = setup(FILE);
    assert!(edit(&path, |e| e.set_enabled("backup", false)).unwrap());
    assert_eq!(
        read(&path),
        FILE.replace(
            "command = \"pg_dump app\"\n",
            "command = \"pg_dump app\"\nenabled = false\n"
        )
    );
    assert!(edit(&path, |e| e.set_enabled("backup", true)).unwrap());
    assert_eq!(read(&path), FILE);
    // Already enabled: nothing to do.
    assert!(!edit(&path, |e| e.set_enabled("backup", true)).unwrap());
}

#[test]
fn enabling_keeps_a_commented_enabled_line() {
    let (_dir, path) = setup(FILE);
    assert!(edit(&path, |e| e.set_enabled("report", true)).unwrap());
    assert_eq!(
        read(&path),
        FILE.replace(
            "enabled = false # until the API is ready",
            "enabled = true # until the API is ready"
        )
    );
}

#[test]
fn remove_takes_the_attached_comment_and_keeps_the_rest() {
    let (_dir, path) = setup(FILE);
    edit(&path, |e| e.remove_job("backup")).unwrap();
    let expected = FILE.replace(
        "# dumps the database\n[jobs.backup]\nschedule = \"0 2 * * *\"  # at two\ncommand = \"pg_dump app\"\n\n",
        "",
    );
    assert_eq!(read(&path), expected);
    edit(&path, |e| e.remove_job("ping")).unwrap();
    let expected = expected.replace(
        "# calls the API\n[jobs.ping]\nschedule = \"*/5 * * * *\"\nhttp = { url = \"https://example.com/health\" }\n\n",
        "",
    );
    assert_eq!(read(&path), expected);
}

#[test]
fn removing_the_last_job_keeps_the_trailing_comment() {
    let (_dir, path) = setup(FILE);
    edit(&path, |e| e.remove_job("report")).unwrap();
    let start = FILE.find("\n[jobs.report]").unwrap();
    let expected = format!("{}# the end\n", &FILE[..start + 1]);
    assert_eq!(read(&path), expected);
}

#[test]
fn removing_the_first_table_keeps_the_file_header() {
    let text = "# header\n\n# first\n[jobs.a]\nschedule = \"@daily\"\ncommand = \"a\"\n\n# second\n[jobs.b]\nschedule = \"@daily\"\ncommand = \"b\"\n";
    let (_dir, path) = setup(text);
    edit(&path, |e| e.remove_job("a")).unwrap();
    assert_eq!(
        read(&path),
        "# header\n\n# second\n[jobs.b]\nschedule = \"@daily\"\ncommand = \"b\"\n"
    );
    let text = "[jobs.a]\nschedule = \"@daily\"\ncommand = \"a\"\n\n[jobs.b]\nschedule = \"@daily\"\ncommand = \"b\"\n";
    let (_dir, path) = setup(text);
    edit(&path, |e| e.remove_job("a")).unwrap();
    assert_eq!(
        read(&path),
        "[jobs.b]\nschedule = \"@daily\"\ncommand = \"b\"\n"
    );
}

#[test]
fn inline_jobs_can_be_removed_and_toggled() {
    let text = "[jobs]\n# a\na = { schedule = \"@daily\", command = \"a\" }\n\n# b\nb = { schedule = \"@daily\", command = \"b\" } # trailing\n";
    let (_dir, path) = setup(text);
    edit(&path, |e| e.set_enabled("b", false)).unwrap();
    assert_eq!(
        read(&path),
        "[jobs]\n# a\na = { schedule = \"@daily\", command = \"a\" }\n\n# b\nb = { schedule = \"@daily\", command = \"b\", enabled = false } # trailing\n"
    );
    edit(&path, |e| e.remove_job("a")).unwrap();
    assert_eq!(
        read(&path),
        "[jobs]\n\n# b\nb = { schedule = \"@daily\", command = \"b\", enabled = false } # trailing\n"
    );
}

#[test]
fn replace_keeps_the_position_and_the_comment_above() {
    let (_dir, path) = setup(FILE);
    let replaced = edit(&path, |e| {
        e.replace_job("backup", &shell("0 3 * * *", "backup.sh"))
    })
    .unwrap();
    assert!(replaced);
    let expected = FILE.replace(
        "schedule = \"0 2 * * *\"  # at two\ncommand = \"pg_dump app\"\n",
        "schedule = \"0 3 * * *\"\ncommand = \"backup.sh\"\n",
    );
    assert_eq!(read(&path), expected);
    let http = RawJob {
        schedule: Some("@hourly".into()),
        http: Some(RawHttp {
            url: "https://x".into(),
            body: Some("b".into()),
            ..RawHttp::default()
        }),
        ..RawJob::default()
    };
    edit(&path, |e| e.replace_job("backup", &http)).unwrap();
    let expected = FILE.replace(
        "schedule = \"0 2 * * *\"  # at two\ncommand = \"pg_dump app\"\n",
        "schedule = \"@hourly\"\n\n[jobs.backup.http]\nurl = \"https://x\"\nbody = \"b\"\n",
    );
    assert_eq!(read(&path), expected);
}

#[test]
fn a_file_that_is_not_toml_is_never_written() {
    let text = "[jobs.a]\nschedule = \"@daily\"\ncommand = \"a\n# oops\n";
    let (_dir, path) = setup(text);
    let err = edit(&path, |e| e.add_job("b", &shell("@daily", "b"))).unwrap_err();
    let message = err.to_string();
    assert!(message.contains("jobs.toml:3:"), "{message}");
    assert!(message.contains("not valid TOML"), "{message}");
    assert!(message.contains("it was not changed"), "{message}");
    assert!(message.contains("jobtab edit"), "{message}");
    assert_eq!(read(&path), text);
}

#[test]
fn a_file_with_an_invalid_job_is_never_written() {
    let text = "[jobs.a]\nschedule = \"99 * * * *\"\ncommand = \"a\"\n";
    let (_dir, path) = setup(text);
    let err = edit(&path, |e| e.remove_job("a")).unwrap_err();
    assert!(
        err.to_string()
            .contains("jobs.toml:2:1: job \"a\", key \"schedule\""),
        "{err}"
    );
    assert_eq!(read(&path), text);
}

#[test]
fn a_failing_change_writes_nothing() {
    let (_dir, path) = setup(FILE);
    let err = edit(&path, |e| {
        e.add_job("one", &shell("@daily", "x"))?;
        e.remove_job("missing")
    })
    .unwrap_err();
    assert!(
        err.to_string().contains("no job named \"missing\""),
        "{err}"
    );
    assert_eq!(read(&path), FILE);
}

#[test]
fn preview_checks_but_writes_nothing() {
    let (_dir, path) = setup(FILE);
    let text = preview(&path, |e| {
        e.add_job("one", &shell("@daily", "x"))?;
        Ok(e.text())
    })
    .unwrap();
    assert!(text.contains("[jobs.one]"));
    assert_eq!(read(&path), FILE);
}

#[test]
fn many_jobs_in_one_write() {
    let dir = tempfile::tempdir().unwrap();
    // The store never creates folders (only the default location's are, by `Ctx`).
    let nowhere = dir.path().join("new/folder/jobs.toml");
    let err = edit(&nowhere, |e| e.add_job("a", &shell("@daily", "x"))).unwrap_err();
    assert!(
        err.to_string().contains("new/folder does not exist"),
        "{err}"
    );
    assert!(!dir.path().join("new").exists());
    let path = dir.path().join("jobs.toml");
    edit(&path, |e| {
        for i in 0..3 {
            e.add_job(&format!("job{i}"), &shell("@daily", &format!("echo {i}")))?;
        }
        Ok(())
    })
    .unwrap();
    assert_eq!(
        read(&path),
        "[jobs.job0]\nschedule = \"@daily\"\ncommand = \"echo 0\"\n\n\
         [jobs.job1]\nschedule = \"@daily\"\ncommand = \"echo 1\"\n\n\
         [jobs.job2]\nschedule = \"@daily\"\ncommand = \"echo 2\"\n"
    );
    assert_eq!(std::fs::metadata(&path).unwrap().mode() & 0o777, 0o600);
}

#[test]
fn replace_text_checks_the_file_did_not_change() {
    let (_dir, path) = setup(FILE);
    let new = "[jobs.x]\nschedule = \"@daily\"\ncommand = \"x\"\n";
    assert!(!replace_text(&path, "something else", new).unwrap());
    assert_eq!(read(&path), FILE);
    let err = replace_text(&path, FILE, "[jobs.x]\nschedule = 5\n").unwrap_err();
    assert!(err.to_string().contains("not written"), "{err}");
    assert_eq!(read(&path), FILE);
    assert!(replace_text(&path, FILE, new).unwrap());
    assert_eq!(read(&path), new);
}

#[test]
fn comments_in_a_file_without_jobs_stay_on_top() {
    let (_dir, path) = setup("# my jobs\n# more\n");
    edit(&path, |e| e.add_job("a", &shell("@daily", "a"))).unwrap();
    assert_eq!(
        read(&path),
        "# my jobs\n# more\n\n[jobs.a]\nschedule = \"@daily\"\ncommand = \"a\"\n"
    );
}

#[test]
fn a_change_that_makes_the_file_invalid_is_never_written() {
    let (dir, path) = setup(FILE);
    let corrupt = |e: &mut Editor| {
        e.doc_mut()?["jobs"]["backup"]["schedule"] = value("99 * * * *");
        e.changed = true;
        Ok(())
    };
    for result in [preview(&path, corrupt), edit(&path, corrupt)] {
        let message = result.unwrap_err().to_string();
        assert!(message.contains("would make it invalid"), "{message}");
        assert!(
            message.contains("jobs.toml:10:1: job \"backup\", key \"schedule\""),
            "{message}"
        );
    }
    assert_eq!(read(&path), FILE);
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(names.iter().all(|n| !n.ends_with(".tmp")), "{names:?}");
}

#[test]
fn jobs_written_inline_or_dotted_get_new_jobs_too() {
    for text in [
        "jobs = { a = { schedule = \"@daily\", command = \"a\" } }\n",
        "jobs.a.schedule = \"@daily\"\njobs.a.command = \"a\"\n",
        "[jobs]\na = { schedule = \"@daily\", command = \"a\" }\n",
    ] {
        let (_dir, path) = setup(text);
        edit(&path, |e| e.add_job("b", &shell("@hourly", "b"))).unwrap();
        let (jobs, problems) = crate::store::parse(&read(&path));
        assert!(problems.is_empty(), "{text}: {problems:?}");
        let names: Vec<_> = jobs.iter().map(|j| j.name.as_str()).collect();
        assert_eq!(names, ["a", "b"], "{text}");
        assert!(
            read(&path).starts_with(text.trim_end_matches(" }\n")),
            "{}",
            read(&path)
        );
    }
}

#[test]
fn disable_then_enable_gives_back_inline_jobs_exactly() {
    let text = "[jobs]\n\
                a = { schedule = \"@daily\", command = \"x\" }\n\
                b = {schedule=\"@daily\",command=\"y\"}\n\
                c = { schedule = \"@daily\", http = { url = \"https://x.example\" } }\n\
                e = {   schedule = \"@daily\", command = \"x\"   } # c\n";
    let (_dir, path) = setup(text);
    let names = ["a", "b", "c", "e"];
    edit(&path, |e| {
        names
            .iter()
            .try_for_each(|n| e.set_enabled(n, false).map(drop))
    })
    .unwrap();
    assert_eq!(
        read(&path),
        "[jobs]\n\
         a = { schedule = \"@daily\", command = \"x\", enabled = false }\n\
         b = {schedule=\"@daily\",command=\"y\", enabled = false}\n\
         c = { schedule = \"@daily\", http = { url = \"https://x.example\" }, enabled = false }\n\
         e = {   schedule = \"@daily\", command = \"x\", enabled = false   } # c\n"
    );
    edit(&path, |e| {
        names
            .iter()
            .try_for_each(|n| e.set_enabled(n, true).map(drop))
    })
    .unwrap();
    assert_eq!(read(&path), text);
}

#[test]
fn invalid_utf8_is_located_at_its_first_bad_byte() {
    // Line 3, after `command = "é` (11 characters: `é` is two bytes but one column).
    let (_dir, path) = setup("");
    std::fs::write(
        &path,
        b"[jobs.a]\nschedule = \"@daily\"\ncommand = \"\xc3\xa9\xff\xfe\"\n".as_slice(),
    )
    .unwrap();
    let problem = read_text_or_problem(&path).unwrap().unwrap_err();
    assert_eq!(problem.position, Some((3, 13)));
    assert_eq!(
        problem.message,
        "not valid UTF-8 (0xff); save the file as UTF-8 text"
    );
    let err = read_text(&path).unwrap_err().to_string();
    assert_eq!(
        err,
        format!(
            "{}:3:13: not valid UTF-8 (0xff); save the file as UTF-8 text",
            path.display()
        )
    );
    // A sequence cut off at the end, on the first line.
    std::fs::write(&path, b"# caf\xc3".as_slice()).unwrap();
    let problem = read_text_or_problem(&path).unwrap().unwrap_err();
    assert_eq!(problem.position, Some((1, 6)));
    assert!(problem.message.contains("(0xc3 at the end of the file)"));
    // Nothing is ever written over such a file.
    let err = edit(&path, |e| e.add_job("b", &shell("@daily", "true"))).unwrap_err();
    assert!(err.to_string().contains(":1:6: not valid UTF-8"), "{err}");
    assert_eq!(std::fs::read(&path).unwrap(), b"# caf\xc3");
}

/// A multi-line string whose last lines look like comments ended the file: the new job once
/// went into that string (the old job's command changed, the new job was nowhere, and "added"
/// was printed). It goes after the string now.
#[test]
fn a_new_job_goes_after_a_string_whose_last_lines_look_like_comments() {
    let text = "[jobs.a]\nschedule = \"@daily\"\ncommand = \"\"\"\necho hi\n\n#bar\"\"\"\n# end\n";
    let (_dir, path) = setup(text);
    edit(&path, |e| e.add_job("b", &shell("@hourly", "true"))).unwrap();
    let written = read(&path);
    assert_eq!(
        written,
        "[jobs.a]\nschedule = \"@daily\"\ncommand = \"\"\"\necho hi\n\n#bar\"\"\"\n\n\
         [jobs.b]\nschedule = \"@hourly\"\ncommand = \"true\"\n# end\n"
    );
    let (jobs, problems) = crate::store::parse(&written);
    assert!(problems.is_empty(), "{problems:?}");
    let commands: Vec<String> = jobs.iter().map(Job::action_summary).collect();
    assert_eq!(commands, ["echo hi\n\n#bar", "true"]);
}

/// The new text must read back as the change meant: a job lost, a job appearing, or a job
/// that reads back otherwise than it was written is an error, and nothing is written.
#[test]
fn a_text_that_does_not_read_back_as_meant_is_never_written() {
    type Change = fn(&mut Editor) -> Result<()>;
    let changes: [(Change, &str); 3] = [
        (
            |e| {
                // Taken from the document behind the editor's back.
                e.doc_mut()?["jobs"]
                    .as_table_like_mut()
                    .unwrap()
                    .remove("ping");
                e.changed = true;
                Ok(())
            },
            "job \"ping\" would be lost",
        ),
        (
            |e| {
                e.doc_mut()?["jobs"]["extra"] = toml_edit::Item::Table(job_table_of("true"));
                e.changed = true;
                Ok(())
            },
            "job \"extra\" would appear",
        ),
        (
            |e| {
                e.add_job("new", &shell("@daily", "echo hi"))?;
                e.doc_mut()?["jobs"]["new"]["command"] = value("echo bye");
                Ok(())
            },
            "job \"new\" does not read back as it was written",
        ),
    ];
    for (change, what) in changes {
        let (_dir, path) = setup(FILE);
        for result in [preview(&path, change), edit(&path, change)] {
            let message = result.unwrap_err().to_string();
            assert!(message.contains("so nothing was written"), "{message}");
            assert!(message.contains(what), "{message}");
            assert!(message.contains("a bug in jobtab"), "{message}");
        }
        assert_eq!(read(&path), FILE);
    }
}

fn job_table_of(command: &str) -> toml_edit::Table {
    crate::store::render::job_table(&shell("@daily", command))
}

/// A job the change wrote, read back as written, is not checked again, as it was checked when
/// it was written; but only against the same `[defaults]`: a change to them checks it again.
#[test]
fn jobs_written_are_checked_again_when_the_defaults_change() {
    let (_dir, path) = setup("# jobs\n");
    let change = |e: &mut Editor| {
        e.add_job("new", &shell("@daily", "true"))?;
        e.doc_mut()?["defaults"]["timeout"] = value("0s");
        Ok(())
    };
    let message = edit(&path, change).unwrap_err().to_string();
    assert!(
        message.contains("job \"new\", key \"timeout\""),
        "{message}"
    );
    assert_eq!(read(&path), "# jobs\n");
    edit(&path, |e| e.add_job("new", &shell("@daily", "true"))).unwrap();
    assert!(read(&path).contains("[jobs.new]"));
}
