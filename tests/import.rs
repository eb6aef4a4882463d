//! Integration tests: `import`, from a fake `crontab -l`, a file and standard input.

use std::io::Write as _;
use std::process::Stdio;

use crate::install::{FakeCrontab, expect, run_in_zone};
use crate::util::{Env, stderr, stdout};

/// A realistic crontab: Debian's header, env lines, `CRON_TZ`, `SHELL`, nicknames, `\%`, a
/// `%` stdin line, jobtab's own block (ignored) and an invalid line.
const REALISTIC: &str = "\
# Edit this file to introduce tasks to be run by cron.
#
# m h  dom mon dow   command
MAILTO=ops@example.com
PATH = /usr/local/bin:/usr/bin:/bin

# nightly database dump
0 2 * * * /usr/local/bin/backup.sh --full >> /var/log/backup.log 2>&1
@reboot /usr/bin/start-agent
GREETING = 'hello world'
# a stamp
5 4 * * sun date +\\%Y-\\%m-\\%d > /tmp/stamp
*/15 * * * * mail -s report ops%first line%second line
# BEGIN jobtab /home/ana/.config/jobtab/jobs.toml (managed by jobtab: edit with jobtab, not here)
0 3 * * * '/usr/bin/jobtab' --file '/home/ana/.config/jobtab/jobs.toml' exec managed
# END jobtab /home/ana/.config/jobtab/jobs.toml
CRON_TZ=America/New_York
SHELL=/bin/bash
30 6 * * mon-fri /usr/local/bin/backup.sh --report
61 * * * * /bin/never
";

fn jobs_table(env: &Env) -> toml::Table {
    let text = env.jobs();
    let doc: toml::Table = text.parse().unwrap_or_else(|e| panic!("{e}\n{text}"));
    doc["jobs"].as_table().unwrap().clone()
}

fn string<'a>(job: &'a toml::Value, key: &str) -> Option<&'a str> {
    job.get(key).and_then(toml::Value::as_str)
}

#[test]
fn imports_a_realistic_crontab() {
    let env = Env::new();
    let fake = FakeCrontab::new(&env);
    fake.set(REALISTIC.as_bytes());
    let (_, err) = expect(&env, &fake, &["import"], 1);
    assert!(err.contains("note: line 4: MAILTO"), "{err}");
    assert!(
        err.contains("skipped line 20:") && err.contains("61 * * * * /bin/never"),
        "{err}"
    );
    assert!(err.contains("imported 5 jobs from your crontab"), "{err}");
    assert!(err.contains("crontab -e"), "{err}");
    assert!(
        err.contains("1 line of your crontab could not be imported"),
        "{err}"
    );

    let jobs = jobs_table(&env);
    let names: Vec<&str> = jobs.keys().map(String::as_str).collect();
    assert_eq!(
        names,
        ["backup.sh", "start-agent", "date", "mail", "backup.sh-2"]
    );
    let path = "/usr/local/bin:/usr/bin:/bin";

    let backup = &jobs["backup.sh"];
    assert_eq!(string(backup, "description"), Some("nightly database dump"));
    assert_eq!(string(backup, "schedule"), Some("0 2 * * *"));
    assert_eq!(
        string(backup, "command"),
        Some("/usr/local/bin/backup.sh --full >> /var/log/backup.log 2>&1")
    );
    assert_eq!(string(&backup["env"], "PATH"), Some(path));
    assert!(backup["env"].get("MAILTO").is_none());
    // Issue 12: MAILTO becomes `mail_to`, for every job after it.
    for job in jobs.values() {
        assert_eq!(string(job, "mail_to"), Some("ops@example.com"));
    }
    assert!(
        backup["env"].get("GREETING").is_none(),
        "env applies to the lines after it"
    );

    let agent = &jobs["start-agent"];
    assert_eq!(string(agent, "schedule"), Some("@reboot"));
    assert_eq!(string(agent, "description"), None);

    let date = &jobs["date"];
    assert_eq!(string(date, "description"), Some("a stamp"));
    assert_eq!(string(date, "command"), Some("date +%Y-%m-%d > /tmp/stamp"));
    assert_eq!(string(&date["env"], "GREETING"), Some("hello world"));

    let mail = &jobs["mail"];
    assert_eq!(
        string(mail, "command"),
        Some("printf '%s\\n' 'first line' 'second line' | mail -s report ops")
    );

    let report = &jobs["backup.sh-2"];
    assert_eq!(string(report, "schedule"), Some("30 6 * * mon-fri"));
    assert_eq!(string(report, "timezone"), Some("America/New_York"));
    assert_eq!(string(report, "shell"), Some("/bin/bash"));
    assert!(
        !env.jobs().contains("managed"),
        "jobtab's own block is not imported"
    );
    assert_eq!(fake.writes(), 0, "import never writes the crontab");
}

#[test]
fn dry_run_prints_toml_and_writes_nothing() {
    let env = Env::new();
    let fake = FakeCrontab::new(&env);
    fake.set(REALISTIC.as_bytes());
    let (out, err) = expect(&env, &fake, &["import", "--dry-run"], 1);
    assert!(!env.file.exists(), "a dry run writes no job file");
    assert!(err.contains("dry run: would import 5 jobs"), "{err}");
    let doc: toml::Table = out.parse().unwrap_or_else(|e| panic!("{e}\n{out}"));
    let jobs = doc["jobs"].as_table().unwrap();
    assert_eq!(jobs.len(), 5, "{out}");
    assert!(out.contains("[jobs.\"backup.sh\"]"), "{out}");
    assert_eq!(
        string(&jobs["date"], "command"),
        Some("date +%Y-%m-%d > /tmp/stamp")
    );
}

#[test]
fn names_are_unique_against_the_file_and_its_comments_stay() {
    let env = Env::with_jobs(
        r#"
        # my own jobs
        [jobs."backup.sh"]
        schedule = "0 1 * * *"
        command = "echo mine"  # keep this comment
        "#,
    );
    let crontab = env.path("crontab.txt");
    std::fs::write(
        &crontab,
        "0 2 * * * /usr/bin/backup.sh\n0 3 * * * backup.sh\n",
    )
    .unwrap();
    let fake = FakeCrontab::new(&env);
    let (_, err) = expect(&env, &fake, &["import", crontab.to_str().unwrap()], 0);
    assert!(err.contains("imported 2 jobs from"), "{err}");
    assert!(
        !err.contains("crontab -e"),
        "no hint about a crontab that was not read: {err}"
    );
    let text = env.jobs();
    assert!(text.starts_with("# my own jobs\n"), "{text}");
    assert!(
        text.contains("command = \"echo mine\"  # keep this comment"),
        "{text}"
    );
    let names: Vec<String> = jobs_table(&env).keys().cloned().collect();
    assert_eq!(names, ["backup.sh", "backup.sh-2", "backup.sh-3"]);
}

#[test]
fn reads_standard_input() {
    let env = Env::new();
    let mut child = env
        .cmd(["import", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"# hourly ping\n@hourly curl -fsS https://example.com/ping\n")
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("from standard input"),
        "{}",
        stderr(&output)
    );
    let jobs = jobs_table(&env);
    assert_eq!(string(&jobs["curl"], "schedule"), Some("@hourly"));
    assert_eq!(string(&jobs["curl"], "description"), Some("hourly ping"));
}

#[test]
fn an_imported_percent_job_gets_its_stdin_as_under_cron() {
    let env = Env::new();
    let marker = env.path("stdin.txt");
    let crontab = env.path("crontab.txt");
    std::fs::write(
        &crontab,
        format!(
            "0 1 * * * cat > '{}'%it's 100\\% done%%last\n",
            marker.display()
        ),
    )
    .unwrap();
    let output = env.run(["import", crontab.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let output = env.run(["exec", "cat"]);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}\n{}",
        stdout(&output),
        stderr(&output)
    );
    assert_eq!(
        std::fs::read_to_string(&marker).unwrap(),
        "it's 100% done\n\nlast\n"
    );
}

#[test]
fn nothing_importable_writes_nothing() {
    let env = Env::new();
    let fake = FakeCrontab::new(&env);
    fake.set(b"# only comments\nMAILTO=\"\"\n");
    let (_, err) = expect(&env, &fake, &["import"], 0);
    assert!(err.contains("nothing to import"), "{err}");
    assert!(!env.file.exists());

    fake.set(b"bad line here\n");
    let (_, err) = expect(&env, &fake, &["import"], 1);
    assert!(err.contains("skipped line 1: not a job line"), "{err}");
    assert!(!env.file.exists());

    // No crontab at all is an empty table.
    std::fs::remove_file(fake.dir.join("table")).unwrap();
    let (_, err) = expect(&env, &fake, &["import"], 0);
    assert!(err.contains("nothing to import"), "{err}");
}

#[test]
fn an_invalid_job_file_is_not_touched() {
    let env = Env::with_jobs("[jobs.broken\nschedule = \n");
    let before = env.jobs();
    let crontab = env.path("crontab.txt");
    std::fs::write(&crontab, "0 2 * * * /usr/bin/backup.sh\n").unwrap();
    let output = env.run(["import", crontab.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("jobtab edit"),
        "{}",
        stderr(&output)
    );
    assert_eq!(env.jobs(), before);
}

#[test]
fn a_missing_source_file_is_an_error() {
    let env = Env::new();
    let err = env.fails(["import", "/no/such/crontab"], 1);
    assert!(
        err.contains("cannot read crontab file /no/such/crontab"),
        "{err}"
    );
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
fn debians_template_does_not_describe_the_first_job() {
    let env = Env::new();
    let fake = FakeCrontab::new(&env);
    fake.set(
        format!("{DEBIAN_TEMPLATE}@reboot /home/ana/startup.sh\n# tidy up\n0 3 * * * tidy\n")
            .as_bytes(),
    );
    let (_, err) = expect(&env, &fake, &["import"], 0);
    assert!(err.contains("imported 2 jobs"), "{err}");
    let jobs = jobs_table(&env);
    assert_eq!(string(&jobs["startup.sh"], "description"), None);
    assert_eq!(string(&jobs["tidy"], "description"), Some("tidy up"));
    assert!(!env.jobs().contains("Edit this file"), "{}", env.jobs());
}

#[test]
fn importing_twice_adds_nothing_the_second_time() {
    let env = Env::new();
    let fake = FakeCrontab::new(&env);
    fake.set(b"@reboot /home/ana/startup.sh\n*/5 * * * * mail -s hi bob%Hello%\n");
    expect(&env, &fake, &["import"], 0);
    let first = env.jobs();
    // The same lines, spaced differently, plus one new line.
    fake.set(
        b"@reboot   /home/ana/startup.sh\n*/5  * * * *\tmail -s hi bob%Hello%\n@daily /home/ana/startup.sh\n",
    );
    let (_, err) = expect(&env, &fake, &["import"], 0);
    assert!(
        err.contains("skipped line 1: already imported as job \"startup.sh\""),
        "{err}"
    );
    assert!(
        err.contains("skipped line 2: already imported as job \"mail\""),
        "{err}"
    );
    assert!(err.contains("imported 1 job from your crontab"), "{err}");
    let names: Vec<String> = jobs_table(&env).keys().cloned().collect();
    assert_eq!(names, ["startup.sh", "mail", "startup.sh-2"]);
    assert_eq!(
        string(&jobs_table(&env)["startup.sh-2"], "schedule"),
        Some("@daily")
    );

    // A third time: nothing new, nothing written, not an error.
    let before = env.jobs();
    assert!(before.starts_with(&first), "{before}");
    let (_, err) = expect(&env, &fake, &["import"], 0);
    assert!(err.contains("nothing new to import"), "{err}");
    assert_eq!(err.matches("already imported").count(), 3, "{err}");
    assert_eq!(env.jobs(), before);
}

#[test]
fn imported_jobs_say_which_defaults_they_take_and_keep_crons_zone() {
    let env = Env::with_jobs(
        r#"
        [defaults]
        timezone = "Asia/Tokyo"
        timeout = "1h"
        retries = 2
        overlap = "queue"
        "#,
    );
    let fake = FakeCrontab::new(&env);
    fake.set(b"0 2 * * * backup\nCRON_TZ=America/New_York\n0 3 * * * report\n");
    let output = run_in_zone(&env, &fake, &["import"], "Europe/Berlin");
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(0), "{err}");
    let note = err
        .lines()
        .find(|l| l.starts_with("note: the imported jobs take these `[defaults]`"))
        .unwrap_or_else(|| panic!("no note about defaults in {err}"));
    assert!(
        note.contains("timeout = \"1h\", retries = 2, overlap = \"queue\""),
        "{note}"
    );
    assert!(!note.contains("timezone"), "{note}");
    let jobs = jobs_table(&env);
    // Cron ran it in the system zone, not in the shell's TZ (UTC here) nor in [defaults].
    assert_eq!(string(&jobs["backup"], "timezone"), Some("Europe/Berlin"));
    assert_eq!(
        string(&jobs["report"], "timezone"),
        Some("America/New_York")
    );

    // No [defaults] that apply: no note.
    let plain = Env::new();
    let fake = FakeCrontab::new(&plain);
    fake.set(b"0 2 * * * backup\n");
    let (_, err) = expect(&plain, &fake, &["import"], 0);
    assert!(!err.contains("[defaults]"), "{err}");
}

#[test]
fn a_trailing_percent_feeds_what_cron_feeds() {
    let env = Env::new();
    let one = env.path("one.txt");
    let two = env.path("two.txt");
    let crontab = env.path("crontab.txt");
    std::fs::write(
        &crontab,
        format!(
            "0 1 * * * cat > '{}'%a%\n0 2 * * * cat > '{}'%a%\\\n",
            one.display(),
            two.display()
        ),
    )
    .unwrap();
    env.ok(["import", crontab.to_str().unwrap()]);
    let names: Vec<String> = jobs_table(&env).keys().cloned().collect();
    for name in &names {
        env.ok(["exec", name]);
    }
    // cron: "a\n" for `%a%` (no second newline), and no newline after `%\` at the end.
    assert_eq!(std::fs::read_to_string(&one).unwrap(), "a\n");
    assert_eq!(std::fs::read_to_string(&two).unwrap(), "a\n\\");
}

/// Debian 12's `/etc/crontab`, byte for byte.
const ETC_CRONTAB: &str = "\
# /etc/crontab: system-wide crontab
# Unlike any other crontab you don't have to run the `crontab'
# command to install the new version when you edit this file
# and files in /etc/cron.d. These files also have username fields,
# that none of the other crontabs do.

SHELL=/bin/sh
# You can also override PATH, but by default, newer versions inherit it from the environment
#PATH=/usr/local/sbin:/usr/local/bin:/sbin:/bin:/usr/sbin:/usr/bin

# Example of job definition:
# .---------------- minute (0 - 59)
# |  .------------- hour (0 - 23)
# |  |  .---------- day of month (1 - 31)
# |  |  |  .------- month (1 - 12) OR jan,feb,mar,apr ...
# |  |  |  |  .---- day of week (0 - 6) (Sunday=0 or 7) OR sun,mon,tue,wed,thu,fri,sat
# |  |  |  |  |
# *  *  *  *  * user-name command to be executed
17 *\t* * *\troot\tcd / && run-parts --report /etc/cron.hourly
25 6\t* * *\troot\ttest -x /usr/sbin/anacron || { cd / && run-parts --report /etc/cron.daily; }
47 6\t* * 7\troot\ttest -x /usr/sbin/anacron || { cd / && run-parts --report /etc/cron.weekly; }
52 6\t1 * *\troot\ttest -x /usr/sbin/anacron || { cd / && run-parts --report /etc/cron.monthly; }
#
";

/// The user running the tests.
fn me() -> String {
    let output = std::process::Command::new("id")
        .arg("-un")
        .output()
        .unwrap();
    String::from_utf8(output.stdout).unwrap().trim().to_owned()
}

/// Issue 8: `/etc/crontab` became jobs named `root`, `root-2`, ... running `root cd / && ...`
/// (exit 127), described by the "Example of job definition" diagram.
#[test]
fn a_system_crontab_keeps_the_user_out_of_the_command() {
    let env = Env::new();
    let crontab = env.path("crontab.txt");
    std::fs::write(&crontab, ETC_CRONTAB).unwrap();
    let output = env.run(["import", crontab.to_str().unwrap()]);
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(0), "{err}");
    assert!(
        err.contains(&format!(
            "note: reading {} as a system crontab, because line 19 names the user root",
            crontab.display()
        )) && err.contains("--no-system"),
        "{err}"
    );
    let jobs = jobs_table(&env);
    let names: Vec<&str> = jobs.keys().map(String::as_str).collect();
    assert_eq!(names, ["cd", "test", "test-2", "test-3"]);
    let hourly = &jobs["cd"];
    assert_eq!(
        string(hourly, "command"),
        Some("cd / && run-parts --report /etc/cron.hourly")
    );
    assert_eq!(string(hourly, "schedule"), Some("17 * * * *"));
    assert_eq!(string(hourly, "description"), Some("cron ran it as root"));
    for job in jobs.values() {
        assert!(!string(job, "command").unwrap().contains("root"), "{job}");
    }
    // Jobs cron ran as another user wait for the user's word.
    let enabled = hourly.get("enabled").and_then(toml::Value::as_bool);
    if me() == "root" {
        assert_eq!(enabled, None);
        assert!(err.contains("the lines are still in"), "{err}");
    } else {
        assert_eq!(enabled, Some(false));
        assert!(
            err.contains("4 jobs ran as another user under cron")
                && err.contains("imported disabled: cd, test, test-2, test-3")
                && err.contains("`jobtab enable NAME`"),
            "{err}"
        );
    }

    // --no-system reads it as a user crontab, as before.
    let plain = Env::new();
    let output = plain.run(["import", "--no-system", crontab.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let names: Vec<String> = jobs_table(&plain).keys().cloned().collect();
    assert_eq!(names, ["root", "root-2", "root-3", "root-4"]);
}

/// A system crontab line for the user running jobtab runs as it did under cron (it exited 127
/// when the user name was taken for the command).
#[test]
fn a_system_crontab_job_runs() {
    let env = Env::new();
    let marker = env.path("ran.txt");
    let crontab = env.path("cron.d-app");
    let me = me();
    std::fs::write(
        &crontab,
        format!(
            "MAILTO=\"\"\n# stamp\n*/5 * * * * {me} echo ran > '{}'\n",
            marker.display()
        ),
    )
    .unwrap();
    let output = env.run(["import", "--system", crontab.to_str().unwrap()]);
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(0), "{err}");
    assert!(err.contains("as --system asks"), "{err}");
    assert!(
        !err.contains("disabled"),
        "the user's own lines stay enabled: {err}"
    );
    let jobs = jobs_table(&env);
    assert_eq!(
        string(&jobs["echo"], "description"),
        Some(format!("stamp (cron ran it as {me})").as_str())
    );
    env.ok(["exec", "echo"]);
    assert_eq!(std::fs::read_to_string(&marker).unwrap(), "ran\n");
}

/// Issue 8: Whenever's `# Begin Whenever generated tasks` became the first job's description.
#[test]
fn generator_markers_are_no_descriptions() {
    let env = Env::new();
    let fake = FakeCrontab::new(&env);
    fake.set(
        b"# Begin Whenever generated tasks for: /srv/app/config/schedule.rb at: 2024-05-01 10:00:00 +0000\n\
          0 * * * * /bin/bash -l -c 'cd /srv/app && bundle exec rake sweep --silent'\n\
          # End Whenever generated tasks for: /srv/app/config/schedule.rb at: 2024-05-01 10:00:00 +0000\n\
          # Example of job definition:\n\
          # .---------------- minute (0 - 59)\n\
          # |  |  |  |  |\n\
          # *  *  *  *  *  command to be executed\n\
          @daily /usr/local/bin/rotate\n",
    );
    expect(&env, &fake, &["import"], 0);
    let text = env.jobs();
    assert!(
        !text.contains("Whenever") && !text.contains("minute") && !text.contains("description"),
        "{text}"
    );
    assert_eq!(jobs_table(&env).len(), 2, "{text}");
}

/// Issue 8: `echo "50% off"` became a `printf ... |` pipeline without a word.
#[test]
fn every_rewritten_percent_line_is_told() {
    let env = Env::new();
    let crontab = env.path("crontab.txt");
    std::fs::write(
        &crontab,
        "0 1 * * * echo \"50% off\"\n0 2 * * * plain\n0 3 * * * date +\\%F\n",
    )
    .unwrap();
    let output = env.run(["import", crontab.to_str().unwrap()]);
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(0), "{err}");
    assert!(
        err.contains(
            "note: line 1: cron ends the command at the first `%` and feeds the text after it \
             to the command's standard input"
        ) && err.contains("\n    printf '%s\\n' ' off\"' | echo \"50\n"),
        "{err}"
    );
    assert!(err.contains("note: line 3: `\\%` became `%`"), "{err}");
    assert!(!err.contains("line 2"), "{err}");
}

/// Issue 8: import was quadratic. Not timed (benches/import.sh is): many lines of one program
/// get names without collisions, and importing them again finds every one already there.
#[test]
fn many_lines_of_one_program_get_distinct_names_and_import_once() {
    let env = Env::new();
    let crontab = env.path("crontab.txt");
    let mut text = String::new();
    for i in 0..2000 {
        text.push_str(&format!(
            "{} {} * * * /usr/bin/backup.sh --part {i}\n",
            i % 60,
            i % 24
        ));
    }
    text.push_str("0 0 * * * backup.sh-7 --odd-one\n");
    std::fs::write(&crontab, &text).unwrap();
    let output = env.run(["import", crontab.to_str().unwrap()]);
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(0), "{err}");
    assert!(
        err.contains("imported 2001 jobs from")
            && err.contains("backup.sh, backup.sh-2, backup.sh-3")
            && err.contains("and 1991 more (`jobtab list` shows them all)"),
        "{err}"
    );
    let jobs = jobs_table(&env);
    assert_eq!(jobs.len(), 2001);
    assert_eq!(
        string(&jobs["backup.sh-2000"], "command"),
        Some("/usr/bin/backup.sh --part 1999")
    );
    assert_eq!(
        string(&jobs["backup.sh-7"], "command"),
        Some("/usr/bin/backup.sh --part 6")
    );
    assert_eq!(
        string(&jobs["backup.sh-7-2"], "command"),
        Some("backup.sh-7 --odd-one")
    );
    let before = env.jobs();
    let output = env.run(["import", crontab.to_str().unwrap()]);
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(0), "{err}");
    assert_eq!(err.matches("already imported as job").count(), 2001);
    assert_eq!(env.jobs(), before);
}

/// An imported `MAILTO=""` (cron's "no mail") also turns off a `[defaults]` mail_to: the
/// review found such jobs mailed through the default.
#[test]
fn an_empty_mailto_turns_off_the_default_mail_to() {
    let env = Env::with_jobs(
        r#"
        [defaults]
        mail_to = "dflt@example.com"
        "#,
    );
    let crontab = env.path("crontab.txt");
    std::fs::write(&crontab, "MAILTO=\"\"\n0 1 * * * echo quiet\n").unwrap();
    env.ok(["import", crontab.to_str().unwrap()]);
    assert!(env.jobs().contains("mail_to = \"\""), "{}", env.jobs());
    let show = env.ok(["show", "echo"]);
    assert!(!show.contains("dflt@example.com"), "{show}");
}
