//! Integration tests: `install` and `uninstall`, against a fake `crontab` on `$JOBTAB_CRONTAB`
//! (and, when run as root with Debian's cron installed, against the real one for a throwaway
//! user).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::util::{Env, expect_status, stderr, stdout, write_script};

/// A fake `crontab`: the table lives in `<dir>/table`; `-l` without it says "no crontab for
/// tester" and exits 1; `-` counts writes in `<dir>/writes` and refuses (exit 1, the text of
/// `<dir>/refuse` on stderr) when that file exists; `<dir>/broken` makes `-l` fail.
pub(crate) struct FakeCrontab {
    pub(crate) dir: PathBuf,
    pub(crate) script: PathBuf,
}

impl FakeCrontab {
    pub(crate) fn new(env: &Env) -> FakeCrontab {
        let dir = env.path("fake-crontab");
        std::fs::create_dir_all(&dir).unwrap();
        let script = dir.join("crontab");
        let d = dir.display();
        write_script(
            &script,
            &format!(
                r#"
                #!/bin/sh
                d='{d}'
                case "$1" in
                  -l)
                    if [ -f "$d/broken" ]; then cat "$d/broken" >&2; exit 1; fi
                    if [ -f "$d/table" ]; then cat "$d/table"; exit 0; fi
                    echo "no crontab for tester" >&2; exit 1 ;;
                  -)
                    cat > "$d/incoming"
                    if [ -f "$d/refuse" ]; then cat "$d/refuse" >&2; exit 1; fi
                    mv "$d/incoming" "$d/table"
                    echo write >> "$d/writes" ;;
                  *) echo "fake crontab: unexpected arguments $*" >&2; exit 2 ;;
                esac
                "#
            ),
        );
        FakeCrontab { dir, script }
    }

    pub(crate) fn table(&self) -> Option<Vec<u8>> {
        std::fs::read(self.dir.join("table")).ok()
    }

    pub(crate) fn text(&self) -> String {
        String::from_utf8(self.table().unwrap_or_default()).unwrap()
    }

    pub(crate) fn set(&self, table: &[u8]) {
        std::fs::write(self.dir.join("table"), table).unwrap();
    }

    pub(crate) fn writes(&self) -> usize {
        std::fs::read_to_string(self.dir.join("writes"))
            .map(|t| t.lines().count())
            .unwrap_or(0)
    }

    fn refuse(&self, message: &str) {
        std::fs::write(self.dir.join("refuse"), message).unwrap();
    }

    fn break_reading(&self, message: &str) {
        std::fs::write(self.dir.join("broken"), message).unwrap();
    }
}

/// Runs jobtab with the fake crontab, on a machine whose system zone is `Etc/UTC` (whatever
/// the real one is).
pub(crate) fn run(env: &Env, fake: &FakeCrontab, args: &[&str]) -> Output {
    run_in_zone(env, fake, args, "Etc/UTC")
}

/// `expect` with `system_zone` as the machine's zone.
fn expect_in_zone(
    env: &Env,
    fake: &FakeCrontab,
    args: &[&str],
    system_zone: &str,
    code: i32,
) -> (String, String) {
    let output = run_in_zone(env, fake, args, system_zone);
    let os: Vec<std::ffi::OsString> = args.iter().map(Into::into).collect();
    expect_status(&os, &output, code);
    (stdout(&output), stderr(&output))
}

/// Runs jobtab with the fake crontab and `system_zone` as the machine's zone.
pub(crate) fn run_in_zone(
    env: &Env,
    fake: &FakeCrontab,
    args: &[&str],
    system_zone: &str,
) -> Output {
    env.cmd(args)
        .env("JOBTAB_CRONTAB", &fake.script)
        .env("JOBTAB_SYSTEM_ZONE", system_zone)
        .output()
        .unwrap()
}

/// Runs and asserts the exit code; returns (stdout, stderr).
pub(crate) fn expect(env: &Env, fake: &FakeCrontab, args: &[&str], code: i32) -> (String, String) {
    let output = run(env, fake, args);
    let os: Vec<std::ffi::OsString> = args.iter().map(Into::into).collect();
    expect_status(&os, &output, code);
    (stdout(&output), stderr(&output))
}

const TWO_JOBS: &str = r#"
    [jobs.backup]
    schedule = "0 2 * * *"
    command = "echo backup"

    [jobs.boot]
    schedule = "@reboot"
    command = "echo boot"

    [jobs.off]
    schedule = "* * * * *"
    command = "echo never installed"
    enabled = false
"#;

/// A table with what naive crontab editors break: comments, `MAILTO=""`, `NAME = value`,
/// `@reboot`, `\%`, a `%` stdin line, blank lines, a tab.
const TRICKY: &str = "# my crontab\n\
    MAILTO=\"\"\n\
    GREETING = \"hello  world\"\n\
    \n\
    @reboot /usr/bin/start-things\n\
    0 5 * * *\tdate +\\%F >> /tmp/dates  \n\
    */10 * * * * mail -s hi bob%Hello%\n\
    # trailing comment";

/// `TRICKY` without its `NAME = value` line, so that a new block goes at the end (it goes above
/// the first assignment otherwise).
fn tricky_without_assignments() -> String {
    TRICKY.replace("GREETING = \"hello  world\"\n", "")
}

/// The job file's path as install writes it: canonical.
fn canonical(path: &Path) -> String {
    let dir = path.parent().unwrap().canonicalize().unwrap();
    dir.join(path.file_name().unwrap())
        .to_str()
        .unwrap()
        .to_owned()
}

fn block_start(env: &Env) -> String {
    format!("# BEGIN jobtab {} (managed by jobtab", canonical(&env.file))
}

#[test]
fn round_trip_without_final_newline_is_byte_exact() {
    let env = Env::with_jobs(TWO_JOBS);
    let fake = FakeCrontab::new(&env);
    let tricky = tricky_without_assignments();
    fake.set(tricky.as_bytes());
    let (_, err) = expect(&env, &fake, &["install"], 0);
    assert!(
        err.contains(&format!(
            "installed 2 jobs into your crontab (block for {})",
            canonical(&env.file)
        )),
        "{err}"
    );
    let installed = fake.text();
    assert!(installed.starts_with(&format!("{tricky}\n")), "{installed}");
    assert!(installed.contains(&block_start(&env)), "{installed}");
    assert!(installed.contains("\n0 2 * * * '"), "{installed}");
    assert!(installed.contains("\n@reboot '"), "{installed}");
    assert!(installed.ends_with(&format!(
        "exec -- boot\n# END jobtab {}\n",
        canonical(&env.file)
    )));
    assert!(
        !installed.contains("exec -- off"),
        "disabled jobs are left out"
    );
    expect(&env, &fake, &["uninstall"], 0);
    assert_eq!(fake.table().unwrap(), tricky.as_bytes());
    assert_eq!(fake.writes(), 2);
}

#[test]
fn round_trip_with_final_newline_and_lines_added_after_the_block() {
    let env = Env::with_jobs(TWO_JOBS);
    let fake = FakeCrontab::new(&env);
    let original = format!("{}\n", tricky_without_assignments());
    fake.set(original.as_bytes());
    expect(&env, &fake, &["install"], 0);
    let installed = fake.text();
    assert!(installed.starts_with(&format!("{original}{}", block_start(&env))));
    // The user adds a line after the block; a changed job is replaced in place.
    fake.set(format!("{installed}0 9 * * * added-later\n").as_bytes());
    env.write_jobs(&TWO_JOBS.replace("0 2 * * *", "15 3 * * 1-5"));
    expect(&env, &fake, &["install"], 0);
    let reinstalled = fake.text();
    assert!(reinstalled.contains("\n15 3 * * 1-5 '"), "{reinstalled}");
    assert!(
        reinstalled.ends_with("\n0 9 * * * added-later\n"),
        "{reinstalled}"
    );
    expect(&env, &fake, &["uninstall"], 0);
    assert_eq!(fake.text(), format!("{original}0 9 * * * added-later\n"));
}

/// Issue 8: the block went after the user's `SHELL=`, `CRON_TZ=`, `PATH=` lines, so fish ran
/// jobtab's lines and cronie shifted their schedules.
#[test]
fn a_new_block_goes_above_the_users_assignments_and_uninstall_restores_them() {
    let env = Env::with_jobs(TWO_JOBS);
    let fake = FakeCrontab::new(&env);
    let original = format!(
        "MAILTO=\"\"\n0 1 * * * early\n\n# my shell\nSHELL=/usr/bin/fish\nCRON_TZ=Asia/Tokyo\n\
         PATH=/opt/bin:/usr/bin\n{}",
        TRICKY.replace("MAILTO=\"\"\n", "")
    );
    fake.set(original.as_bytes());
    let (_, err) = expect(&env, &fake, &["install"], 0);
    assert!(!err.contains("warning"), "{err}");
    let installed = fake.text();
    let at = original.find("# my shell").unwrap();
    let end = format!("# END jobtab {}\n", canonical(&env.file));
    assert!(installed.starts_with(&original[..at]), "{installed}");
    assert!(
        installed[at..].starts_with(&block_start(&env)),
        "the block is above the first assignment and its comment:\n{installed}"
    );
    let after = installed.find(&end).unwrap() + end.len();
    assert_eq!(
        &installed[after..],
        &original[at..],
        "the rest, byte for byte"
    );
    // Installing again changes nothing and says nothing about assignments.
    let (_, err) = expect(&env, &fake, &["install"], 0);
    assert!(
        err.contains("already up to date") && !err.contains("warning"),
        "{err}"
    );
    expect(&env, &fake, &["uninstall"], 0);
    assert_eq!(fake.text(), original);
}

/// Issue 8: a block installed before (below the user's assignments) stays where it is, and
/// `install` names what applies to it.
#[test]
fn install_names_the_assignments_above_an_existing_block() {
    let env = Env::with_jobs(TWO_JOBS);
    let fake = FakeCrontab::new(&env);
    let file = canonical(&env.file);
    let table = format!(
        "MAILTO=ops@example.com\nSHELL=/usr/bin/fish\n0 1 * * * mine\nCRON_TZ=Asia/Tokyo\n\
         # BEGIN jobtab {file} (managed by jobtab: edit with jobtab, not here)\n\
         0 2 * * * old\n# END jobtab {file}\nPATH=/below\n"
    );
    fake.set(table.as_bytes());
    let (_, err) = expect(&env, &fake, &["install"], 0);
    let warning = err
        .lines()
        .find(|l| l.starts_with("warning: "))
        .unwrap_or_else(|| panic!("no warning in {err}"));
    assert!(
        warning.starts_with(
            "warning: SHELL (line 2) and CRON_TZ (line 4) are set above jobtab's block in your \
             crontab, so they apply to jobtab's lines too"
        ) && warning.contains("`jobtab uninstall` then `jobtab install`"),
        "{warning}"
    );
    assert!(
        !warning.contains("MAILTO") && !warning.contains("PATH (line"),
        "{warning}"
    );
    let installed = fake.text();
    assert!(
        installed.starts_with(&table[..table.find("# BEGIN").unwrap()])
            && installed.ends_with(&format!("# END jobtab {file}\nPATH=/below\n")),
        "replaced in place:\n{installed}"
    );
    // The dry run warns too; uninstall then install moves the block above them.
    let (_, err) = expect(&env, &fake, &["install", "--dry-run"], 0);
    assert!(err.contains("warning: SHELL (line 2)"), "{err}");
    expect(&env, &fake, &["uninstall"], 0);
    let (_, err) = expect(&env, &fake, &["install"], 0);
    assert!(!err.contains("warning"), "{err}");
    assert!(
        fake.text()
            .starts_with(&format!("MAILTO=ops@example.com\n{}", block_start(&env))),
        "{}",
        fake.text()
    );
}

#[test]
fn round_trip_of_an_absent_table() {
    let env = Env::with_jobs(TWO_JOBS);
    let fake = FakeCrontab::new(&env);
    expect(&env, &fake, &["install"], 0);
    assert!(
        fake.text().starts_with(&block_start(&env)),
        "{}",
        fake.text()
    );
    let (_, err) = expect(&env, &fake, &["uninstall"], 0);
    assert!(err.contains("removed the block for"), "{err}");
    assert_eq!(fake.table().unwrap(), b"");
}

#[test]
fn installing_twice_changes_nothing() {
    let env = Env::with_jobs(TWO_JOBS);
    let fake = FakeCrontab::new(&env);
    fake.set(b"0 1 * * * keep\n");
    expect(&env, &fake, &["install"], 0);
    let first = fake.table().unwrap();
    let (_, err) = expect(&env, &fake, &["install"], 0);
    assert!(err.contains("already up to date"), "{err}");
    assert_eq!(
        fake.writes(),
        1,
        "the second install does not call `crontab -`"
    );
    assert_eq!(fake.table().unwrap(), first);
}

#[test]
fn two_job_files_have_two_blocks() {
    let env = Env::with_jobs(TWO_JOBS);
    let fake = FakeCrontab::new(&env);
    let other = env.path("other.toml");
    std::fs::write(
        &other,
        "[jobs.report]\nschedule = \"30 6 * * mon-fri\"\ncommand = \"echo report\"\n",
    )
    .unwrap();
    let other_arg = other.to_str().unwrap();
    fake.set(b"0 1 * * * keep\n");
    expect(&env, &fake, &["install"], 0);
    let (_, err) = expect(&env, &fake, &["--file", other_arg, "install"], 0);
    assert!(err.contains("installed 1 job into your crontab"), "{err}");
    let both = fake.text();
    assert!(both.contains(&block_start(&env)), "{both}");
    assert!(
        both.contains(&format!("# BEGIN jobtab {} (managed", canonical(&other))),
        "{both}"
    );
    assert!(both.contains("exec -- report\n"), "{both}");
    // Reinstalling the first file leaves the second block where it is.
    expect(&env, &fake, &["install"], 0);
    assert_eq!(fake.text(), both);
    expect(&env, &fake, &["uninstall"], 0);
    let left = fake.text();
    assert!(!left.contains(&block_start(&env)), "{left}");
    assert!(
        left.starts_with("0 1 * * * keep\n# BEGIN jobtab "),
        "{left}"
    );
    assert!(left.contains("exec -- report\n"), "{left}");
    expect(&env, &fake, &["--file", other_arg, "uninstall"], 0);
    assert_eq!(fake.text(), "0 1 * * * keep\n");
}

/// The part of a cron line after the five schedule fields.
fn command_part(line: &str) -> &str {
    let mut rest = line;
    for _ in 0..5 {
        rest = rest.trim_start();
        rest = &rest[rest.find(' ').unwrap()..];
    }
    rest.trim_start()
}

/// What cron (cronie/Vixie) hands the shell: `\%` turned into `%`, cut at an unescaped `%`.
fn cron_unescape(command: &str) -> (String, bool) {
    let mut out = String::new();
    let mut escaped = false;
    for c in command.chars() {
        if escaped {
            if c == '%' {
                out.pop();
            }
            out.push(c);
            escaped = false;
        } else if c == '%' {
            return (out, true);
        } else {
            escaped = c == '\\';
            out.push(c);
        }
    }
    (out, false)
}

#[test]
fn an_installed_line_runs_the_job_through_sh_like_cron() {
    let env = Env::new();
    let fake = FakeCrontab::new(&env);
    let folder = env.path("it's 100% mine");
    std::fs::create_dir_all(&folder).unwrap();
    let jobs = folder.join("jobs.toml");
    let marker = env.path("marker");
    std::fs::write(
        &jobs,
        format!(
            "[jobs.mark]\nschedule = \"*/5 * * * *\"\nenv = {{ WORD = \"from-env\" }}\n\
             command = \"printf '%s' \\\"$WORD\\\" > '{}'\"\n",
            marker.display()
        ),
    )
    .unwrap();
    let jobs_arg = jobs.to_str().unwrap();
    expect(&env, &fake, &["--file", jobs_arg, "install"], 0);
    let table = fake.text();
    let line = table
        .lines()
        .find(|l| l.ends_with(" exec -- mark"))
        .unwrap_or_else(|| panic!("no line for the job in {table}"));
    assert!(line.starts_with("*/5 * * * * '"), "{line}");
    assert!(line.contains("it'\\''s 100\\% mine"), "{line}");
    let (command, cut) = cron_unescape(command_part(line));
    assert!(!cut, "an unescaped % in {line}");
    // Cron's minimal environment: HOME, LOGNAME, SHELL and a short PATH; nothing from jobtab.
    let output = Command::new("/bin/sh")
        .arg("-c")
        .arg(&command)
        .env_clear()
        .env("HOME", &env.home)
        .env("LOGNAME", "tester")
        .env("SHELL", "/bin/sh")
        .env("PATH", "/usr/bin:/bin")
        .current_dir(&env.home)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{command}\n{}\n{}",
        stdout(&output),
        stderr(&output)
    );
    assert_eq!(std::fs::read_to_string(&marker).unwrap(), "from-env");
    // History written under cron is where `jobtab history` looks.
    let history = env.ok(["--file", jobs_arg, "history", "--json"]);
    assert!(history.contains("\"mark\""), "{history}");
}

#[test]
fn refuses_what_cron_cannot_run_naming_each_job() {
    let env = Env::with_jobs(
        r#"
        [jobs.secs]
        schedule = "*/10 * * * * *"
        command = "true"

        [jobs.last-day]
        schedule = "0 0 L * *"
        command = "true"

        [jobs.second-monday]
        schedule = "0 9 * * 1#2"
        command = "true"

        [jobs.nearest]
        schedule = "0 9 15W * *"
        command = "true"

        [jobs.in-2030]
        schedule = "0 0 0 1 1 * 2030"
        command = "true"

        [jobs.berlin]
        schedule = "0 9 * * *"
        timezone = "Europe/Berlin"
        command = "true"

        [jobs.fine]
        schedule = "0 9 * * *"
        timezone = "UTC"
        command = "true"
        "#,
    );
    let fake = FakeCrontab::new(&env);
    fake.set(b"0 1 * * * keep\n");
    let (_, err) = expect(&env, &fake, &["install"], 1);
    for (name, why) in [
        ("secs", "seconds"),
        ("last-day", "L"),
        ("second-monday", "#"),
        ("nearest", "W"),
        ("in-2030", "year"),
        ("berlin", "Europe/Berlin"),
    ] {
        let line = err
            .lines()
            .find(|l| l.contains(&format!("job \"{name}\"")))
            .unwrap_or_else(|| panic!("{name} is not named in: {err}"));
        assert!(line.contains(why), "{line}");
    }
    assert!(
        !err.contains("\"fine\""),
        "UTC is the machine's zone here: {err}"
    );
    assert!(err.contains("nothing was written"), "{err}");
    assert_eq!(fake.writes(), 0);
    assert_eq!(fake.text(), "0 1 * * * keep\n");
    assert!(!env.state.join("crontab-backups").exists());
}

#[test]
fn the_shells_tz_is_not_crons_zone() {
    let env = Env::with_jobs(
        r#"
        [jobs.berlin]
        schedule = "0 9 * * *"
        timezone = "Europe/Berlin"
        command = "true"
        "#,
    );
    let fake = FakeCrontab::new(&env);
    // TZ=Europe/Berlin in the shell does not make cron run lines in Berlin time.
    let output = env
        .cmd(["install"])
        .env("JOBTAB_CRONTAB", &fake.script)
        .env("JOBTAB_SYSTEM_ZONE", "Etc/UTC")
        .env("TZ", "Europe/Berlin")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("Europe/Berlin is not the machine's (Etc/UTC)"),
        "{}",
        stderr(&output)
    );
    assert_eq!(fake.writes(), 0);
    // On a Berlin machine it installs, and so does an alias of the system zone.
    let (_, err) = expect_in_zone(&env, &fake, &["install"], "Europe/Berlin", 0);
    assert!(!err.contains("warning"), "{err}");
    env.write_jobs(
        r#"
        [jobs.kiev]
        schedule = "0 9 * * *"
        timezone = "Europe/Kiev"
        command = "true"
        "#,
    );
    expect_in_zone(&env, &fake, &["install"], "Europe/Kyiv", 0);
    assert!(fake.text().contains("exec -- kiev\n"), "{}", fake.text());
}

#[test]
fn a_job_without_a_zone_warns_when_tz_here_is_not_the_system_zone() {
    let env = Env::with_jobs(TWO_JOBS);
    let fake = FakeCrontab::new(&env);
    let output = env
        .cmd(["install"])
        .env("JOBTAB_CRONTAB", &fake.script)
        .env("JOBTAB_SYSTEM_ZONE", "Etc/UTC")
        .env("TZ", "America/New_York")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let err = stderr(&output);
    let warning = err
        .lines()
        .find(|l| l.starts_with("warning: TZ=America/New_York"))
        .unwrap_or_else(|| panic!("no warning in {err}"));
    assert!(
        warning.contains("system zone (Etc/UTC)") && warning.contains("jobs backup, boot"),
        "{warning}"
    );
    assert_eq!(fake.writes(), 1, "a warning does not stop the install");
    // TZ equal to the system zone (by behaviour): no warning.
    let (_, err) = expect(&env, &fake, &["install"], 0);
    assert!(!err.contains("warning"), "{err}");
}

#[test]
fn a_symlinked_spelling_of_the_file_names_the_same_block() {
    let env = Env::with_jobs(TWO_JOBS);
    let fake = FakeCrontab::new(&env);
    let link = env.path("link.toml");
    std::os::unix::fs::symlink(&env.file, &link).unwrap();
    let link_arg = link.to_str().unwrap();
    fake.set(b"0 1 * * * keep\n");
    expect(&env, &fake, &["--file", link_arg, "install"], 0);
    let table = fake.text();
    let real = canonical(&env.file);
    assert!(table.contains(&block_start(&env)), "{table}");
    assert!(
        table.contains(&format!("--file '{real}' --state-dir")),
        "{table}"
    );
    assert!(!table.contains("link.toml"), "{table}");
    let (_, err) = expect(&env, &fake, &["install"], 0);
    assert!(err.contains("already up to date"), "{err}");
    assert_eq!(fake.writes(), 1);
    assert_eq!(table.matches("# BEGIN jobtab").count(), 1, "{table}");
    expect(&env, &fake, &["--file", link_arg, "uninstall"], 0);
    assert_eq!(fake.text(), "0 1 * * * keep\n");
}

#[test]
fn a_refused_write_changes_nothing_and_shows_crontabs_message() {
    let env = Env::with_jobs(TWO_JOBS);
    let fake = FakeCrontab::new(&env);
    fake.set(b"0 1 * * * keep\n");
    fake.refuse("\"-\":3: bad minute\nerrors in crontab file, can't install.\n");
    let (_, err) = expect(&env, &fake, &["install"], 1);
    assert!(err.contains("\"-\":3: bad minute"), "{err}");
    assert!(err.contains("your crontab was not changed"), "{err}");
    assert_eq!(fake.text(), "0 1 * * * keep\n");
    assert_eq!(fake.writes(), 0);
    let backups = env.state.join("crontab-backups");
    let left = std::fs::read_dir(&backups).map(|d| d.count()).unwrap_or(0);
    assert_eq!(left, 0, "no backup is left behind by a refused write");
}

#[test]
fn keeps_a_backup_of_the_previous_table() {
    let env = Env::with_jobs(TWO_JOBS);
    let fake = FakeCrontab::new(&env);
    fake.set(b"0 1 * * * before\n");
    let (_, err) = expect(&env, &fake, &["install"], 0);
    assert!(err.contains("previous crontab saved to"), "{err}");
    let backups: Vec<PathBuf> = std::fs::read_dir(env.state.join("crontab-backups"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(backups.len(), 1);
    let name = backups[0].file_name().unwrap().to_str().unwrap().to_owned();
    assert!(
        name.starts_with("crontab-") && name.ends_with("Z.txt"),
        "{name}"
    );
    assert_eq!(std::fs::read(&backups[0]).unwrap(), b"0 1 * * * before\n");
}

#[test]
fn dry_runs_print_the_change_and_write_nothing() {
    let env = Env::with_jobs(TWO_JOBS);
    let fake = FakeCrontab::new(&env);
    fake.set(b"0 1 * * * keep\n");
    let (out, err) = expect(&env, &fake, &["install", "--dry-run"], 0);
    assert!(out.starts_with(&format!("+{}", block_start(&env))), "{out}");
    assert!(
        out.lines()
            .any(|l| l.starts_with("+0 2 * * * '") && l.ends_with("exec -- backup")),
        "{out}"
    );
    assert!(out.lines().all(|l| l.starts_with('+')), "{out}");
    assert!(err.contains("dry run: would install 2 jobs"), "{err}");
    assert_eq!(fake.writes(), 0);
    assert!(!env.state.exists(), "a dry run creates nothing");

    expect(&env, &fake, &["install"], 0);
    env.write_jobs(&TWO_JOBS.replace("0 2 * * *", "0 4 * * *"));
    let (out, _) = expect(&env, &fake, &["install", "--dry-run"], 0);
    assert!(out.lines().any(|l| l.starts_with("-0 2 * * * '")), "{out}");
    assert!(out.lines().any(|l| l.starts_with("+0 4 * * * '")), "{out}");
    assert!(out.lines().any(|l| l.starts_with(" @reboot '")), "{out}");

    let (out, err) = expect(&env, &fake, &["uninstall", "--dry-run"], 0);
    assert!(out.lines().all(|l| l.starts_with('-')), "{out}");
    assert!(out.contains("exec -- boot"), "{out}");
    assert!(err.contains("dry run: would remove the block"), "{err}");
    assert_eq!(fake.writes(), 1);
    assert!(fake.text().contains("exec -- boot"));
}

#[test]
fn no_enabled_jobs_removes_the_block() {
    let env = Env::with_jobs(TWO_JOBS);
    let fake = FakeCrontab::new(&env);
    fake.set(b"0 1 * * * keep");
    expect(&env, &fake, &["install"], 0);
    env.write_jobs(
        r#"
        [jobs.off]
        schedule = "* * * * *"
        command = "true"
        enabled = false
        "#,
    );
    let (_, err) = expect(&env, &fake, &["install"], 0);
    assert!(
        err.contains("no enabled jobs") && err.contains("removed its block"),
        "{err}"
    );
    assert_eq!(fake.text(), "0 1 * * * keep");
    let (_, err) = expect(&env, &fake, &["install"], 0);
    assert!(err.contains("nothing to install"), "{err}");
    assert_eq!(fake.writes(), 2);
}

#[test]
fn uninstall_without_a_block_says_so() {
    let env = Env::new();
    let fake = FakeCrontab::new(&env);
    fake.set(b"0 1 * * * keep\n");
    let (_, err) = expect(&env, &fake, &["uninstall"], 0);
    assert!(err.contains("nothing to uninstall"), "{err}");
    assert_eq!(fake.writes(), 0);
}

#[test]
fn an_invalid_job_file_writes_nothing() {
    let env = Env::with_jobs("[jobs.bad]\nschedule = \"61 * * * *\"\ncommand = \"true\"\n");
    let fake = FakeCrontab::new(&env);
    let (_, err) = expect(&env, &fake, &["install"], 1);
    assert!(err.contains("61"), "{err}");
    assert_eq!(fake.writes(), 0);
    assert_eq!(fake.table(), None);
}

#[test]
fn an_unreadable_crontab_is_an_error_with_its_message() {
    let env = Env::with_jobs(TWO_JOBS);
    let fake = FakeCrontab::new(&env);
    fake.break_reading("crontab: you (tester) are not allowed to use this program\n");
    let (_, err) = expect(&env, &fake, &["install"], 1);
    assert!(err.contains("cannot read your crontab"), "{err}");
    assert!(err.contains("not allowed to use this program"), "{err}");
    assert_eq!(fake.writes(), 0);
    let missing = env
        .cmd(["install"])
        .env("JOBTAB_CRONTAB", env.path("no-such-crontab"))
        .output()
        .unwrap();
    assert_eq!(missing.status.code(), Some(1));
    assert!(
        stderr(&missing).contains("JOBTAB_CRONTAB"),
        "{}",
        stderr(&missing)
    );
}

#[test]
fn broken_markers_are_reported_not_guessed() {
    let env = Env::with_jobs(TWO_JOBS);
    let fake = FakeCrontab::new(&env);
    let table = format!(
        "0 1 * * * keep\n# BEGIN jobtab {}\n0 2 * * * x\n",
        canonical(&env.file)
    );
    fake.set(table.as_bytes());
    let (_, err) = expect(&env, &fake, &["install"], 1);
    assert!(err.contains("no `# END jobtab"), "{err}");
    assert!(err.contains("crontab -e"), "{err}");
    assert_eq!(fake.text(), table);
}

/// The real `crontab` (Debian's cron), for a throwaway user; needs root.
mod real {
    use super::*;

    /// A user made for one test; its crontab and the user are deleted on drop.
    struct ThrowawayUser {
        name: String,
    }

    impl ThrowawayUser {
        fn create() -> Option<ThrowawayUser> {
            let nanos = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .subsec_nanos();
            let name = format!("jobtab-test-{}-{}", std::process::id(), nanos % 1_000_000);
            // `useradd` can find /etc/passwd locked by a parallel test: retry a little.
            for _ in 0..20 {
                let status = Command::new("useradd")
                    .args(["--no-create-home", "--shell", "/usr/sbin/nologin", &name])
                    .status()
                    .ok()?;
                if status.success() {
                    return Some(ThrowawayUser { name });
                }
                std::thread::sleep(std::time::Duration::from_millis(200));
            }
            None
        }
    }

    impl Drop for ThrowawayUser {
        fn drop(&mut self) {
            let _ = Command::new("/usr/bin/crontab")
                .args(["-u", &self.name, "-r"])
                .output();
            for _ in 0..20 {
                match Command::new("userdel").arg(&self.name).status() {
                    Ok(status) if status.success() => return,
                    _ => std::thread::sleep(std::time::Duration::from_millis(200)),
                }
            }
        }
    }

    /// A wrapper that runs the real crontab for the throwaway user, or `None` (and a note)
    /// when that cannot be done here.
    fn real_crontab(env: &Env) -> Option<(ThrowawayUser, FakeCrontab)> {
        let available = Path::new("/usr/bin/crontab").exists()
            && Command::new("id")
                .arg("-u")
                .output()
                .is_ok_and(|o| o.stdout.trim_ascii() == b"0")
            && Command::new("useradd").arg("--help").output().is_ok();
        if !available {
            eprintln!("skipped: real crontab not available (needs /usr/bin/crontab and root)");
            return None;
        }
        let Some(user) = ThrowawayUser::create() else {
            eprintln!("skipped: real crontab not available (cannot create a throwaway user)");
            return None;
        };
        let dir = env.path("real-crontab");
        std::fs::create_dir_all(&dir).unwrap();
        let script = dir.join("crontab");
        write_script(
            &script,
            &format!(
                "#!/bin/sh\nexec /usr/bin/crontab -u '{}' \"$@\"\n",
                user.name
            ),
        );
        Some((user, FakeCrontab { dir, script }))
    }

    fn list(wrapper: &FakeCrontab) -> Output {
        Command::new(&wrapper.script).arg("-l").output().unwrap()
    }

    fn install_table(wrapper: &FakeCrontab, table: &[u8]) {
        use std::io::Write as _;
        let mut child = Command::new(&wrapper.script)
            .arg("-")
            .stdin(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(table).unwrap();
        assert!(child.wait().unwrap().success());
    }

    #[test]
    fn real_crontab_round_trip_is_byte_exact() {
        let env = Env::with_jobs(TWO_JOBS);
        let Some((_user, wrapper)) = real_crontab(&env) else {
            return;
        };
        // No crontab yet: "no crontab for" is an empty table.
        assert!(!list(&wrapper).status.success());
        expect(&env, &wrapper, &["install"], 0);
        expect(&env, &wrapper, &["uninstall"], 0);
        assert_eq!(list(&wrapper).stdout, b"");

        let original = format!("{TRICKY}\n");
        install_table(&wrapper, original.as_bytes());
        assert_eq!(list(&wrapper).stdout, original.as_bytes());
        expect(&env, &wrapper, &["install"], 0);
        let installed = String::from_utf8(list(&wrapper).stdout).unwrap();
        // The block goes above the user's first assignment (issue 8 item 22), so it does not
        // apply to jobtab's lines; everything else is kept around it.
        let first_assignment = original.find("GREETING").unwrap();
        assert!(
            installed.starts_with(&format!(
                "{}{}",
                &original[..first_assignment],
                block_start(&env)
            )) && installed.ends_with(&original[first_assignment..]),
            "{installed}"
        );
        let (_, err) = expect(&env, &wrapper, &["install"], 0);
        assert!(err.contains("already up to date"), "{err}");
        expect(&env, &wrapper, &["uninstall"], 0);
        assert_eq!(String::from_utf8(list(&wrapper).stdout).unwrap(), original);
    }

    #[test]
    fn real_crontab_refusal_is_shown_and_changes_nothing() {
        let env = Env::with_jobs(TWO_JOBS);
        let Some((user, wrapper)) = real_crontab(&env) else {
            return;
        };
        install_table(&wrapper, b"0 1 * * * keep\n");
        // A line the real crontab refuses, put straight into the spool file as a hand edit
        // would: jobtab's new table keeps it, so `crontab -` refuses the whole table.
        let spool = Path::new("/var/spool/cron/crontabs").join(&user.name);
        let Ok(mut text) = std::fs::read_to_string(&spool) else {
            eprintln!(
                "skipped: real crontab not available (no spool file at {})",
                spool.display()
            );
            return;
        };
        text.push_str("61 * * * * not-a-minute\n");
        std::fs::write(&spool, &text).unwrap();
        let before = list(&wrapper).stdout;
        assert!(String::from_utf8_lossy(&before).contains("not-a-minute"));
        let (_, err) = expect(&env, &wrapper, &["install"], 1);
        assert!(err.contains("bad minute"), "{err}");
        assert!(err.contains("your crontab was not changed"), "{err}");
        assert_eq!(list(&wrapper).stdout, before);
    }
}

/// Issue 8 item 15: on a full disk, `install` was refused but left an empty backup. A file
/// size limit (`ulimit -f`, SIGXFSZ ignored) makes the backup's write fail as a full disk
/// would, hermetically: the previous backup stays, and no new or cut copy is left.
#[test]
fn a_backup_that_cannot_be_written_leaves_no_file_and_changes_nothing() {
    let env = Env::with_jobs(TWO_JOBS);
    let fake = FakeCrontab::new(&env);
    fake.set(b"0 1 * * * before\n");
    expect(&env, &fake, &["install"], 0);
    let backups = env.state.join("crontab-backups");
    let listing = || {
        let mut names: Vec<String> = std::fs::read_dir(&backups)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        names
    };
    let before = listing();
    assert_eq!(before.len(), 1);
    // A table far bigger than the limit below (2 blocks: at most 2 KiB).
    let big = "# padding padding padding padding padding padding padding padding\n".repeat(2000);
    fake.set(big.as_bytes());

    let inner = env.cmd(["install"]);
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg("trap '' XFSZ; ulimit -f 2 && exec \"$@\"")
        .arg("sh")
        .arg(inner.get_program())
        .args(inner.get_args())
        .current_dir(env.dir.path())
        .env("JOBTAB_CRONTAB", &fake.script)
        .env("JOBTAB_SYSTEM_ZONE", "Etc/UTC");
    for (key, value) in inner.get_envs() {
        match value {
            Some(value) => cmd.env(key, value),
            None => cmd.env_remove(key),
        };
    }
    let output = cmd.output().unwrap();
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(1), "{err}");
    assert_eq!(fake.text(), big);
    assert_eq!(listing(), before, "no new, empty or cut backup is left");
    assert!(
        err.starts_with("jobtab: error: cannot write the backup of your crontab in"),
        "{err}"
    );
    assert!(err.contains("your crontab was not changed"), "{err}");
}
