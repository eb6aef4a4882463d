//! Integration tests: `completions` and `man`. The committed files in `completions/` and `man/`
//! must be exactly what the binary generates now (`scripts/gen-docs.sh` rewrites them).

use std::path::Path;
use std::process::Command;

use crate::util::Env;

/// The committed files and the arguments that generate each.
const GENERATED: [(&str, &[&str]); 11] = [
    ("completions/jobtab.bash", &["completions", "bash"]),
    ("completions/_jobtab", &["completions", "zsh"]),
    ("completions/jobtab.fish", &["completions", "fish"]),
    ("completions/jobtab.elv", &["completions", "elvish"]),
    ("completions/_jobtab.ps1", &["completions", "powershell"]),
    (
        "completions/static/jobtab.bash",
        &["completions", "--static", "bash"],
    ),
    (
        "completions/static/_jobtab",
        &["completions", "--static", "zsh"],
    ),
    (
        "completions/static/jobtab.fish",
        &["completions", "--static", "fish"],
    ),
    (
        "completions/static/jobtab.elv",
        &["completions", "--static", "elvish"],
    ),
    (
        "completions/static/_jobtab.ps1",
        &["completions", "--static", "powershell"],
    ),
    ("man/jobtab.1", &["man"]),
];

#[test]
fn committed_completions_and_man_page_are_current() {
    let env = Env::new();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut stale = Vec::new();
    for (file, args) in GENERATED {
        let generated = env.ok(args);
        assert!(!generated.is_empty(), "jobtab {args:?} printed nothing");
        let committed = std::fs::read_to_string(root.join(file)).unwrap_or_default();
        if committed != generated {
            stale.push(format!("{file} is stale: run scripts/gen-docs.sh"));
        }
    }
    assert!(stale.is_empty(), "{}", stale.join("\n"));
}

#[test]
fn completions_know_every_command() {
    let env = Env::new();
    let bash = env.ok(["completions", "--static", "bash"]);
    for command in [
        "add",
        "list",
        "remove",
        "explain",
        "export",
        "install",
        "completions",
    ] {
        assert!(bash.contains(command), "bash completions lack {command}");
    }
    assert!(
        bash.contains("kubernetes") && bash.contains("systemd"),
        "export formats"
    );
    // The script is valid bash.
    let path = env.path("jobtab.bash");
    std::fs::write(&path, &bash).unwrap();
    let check = Command::new("bash").arg("-n").arg(&path).output().unwrap();
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
    // Completions need no job file and no home folder.
    assert!(!env.file.exists());
}

#[test]
fn man_page_lists_every_command_and_renders_cleanly() {
    let env = Env::new();
    let page = env.ok(["man"]);
    assert!(page.starts_with(".ie \\n(.g .ds Aq"), "roff");
    for command in [
        "add",
        "list",
        "show",
        "remove",
        "enable",
        "disable",
        "edit",
        "check",
        "explain",
        "next",
        "exec",
        "run",
        "history",
        "logs",
        "install",
        "uninstall",
        "import",
        "export",
        "completions",
        "man",
    ] {
        assert!(
            page.contains(&format!(".SS \"jobtab {command}\"")),
            "no {command} section"
        );
    }
    assert!(page.contains(".SH EXAMPLES"), "top-level examples");
    for section in ["JOB FILE", "EXIT STATUS", "ENVIRONMENT", "FILES"] {
        assert!(
            page.contains(&format!(".SH \"{section}\"\n")),
            "no {section}"
        );
    }
    for variable in [
        "JOBTAB_FILE",
        "JOBTAB_STATE_DIR",
        "JOBTAB_CRONTAB",
        "NO_COLOR",
        "VISUAL, EDITOR",
    ] {
        assert!(
            page.contains(&format!("\\fB{}\\fR", variable)),
            "ENVIRONMENT lacks {variable}"
        );
    }
    // A command's examples are not filled: each stays on its own line, as written.
    assert!(
        page.contains("Examples:\n.RS 2\n.nf\njobtab add backup \\*(Aq0 2 * * *\\*(Aq"),
        "add's examples are filled"
    );
    // groff reads it without a warning, where groff is installed.
    let path = env.path("jobtab.1");
    std::fs::write(&path, &page).unwrap();
    match Command::new("groff")
        .args(["-man", "-ww", "-z"])
        .arg(&path)
        .output()
    {
        Ok(out) => assert!(
            out.status.success() && out.stderr.is_empty(),
            "groff: {}",
            String::from_utf8_lossy(&out.stderr)
        ),
        Err(_) => eprintln!("skipped the groff check: groff is not installed"),
    }
}

const TWO_JOBS: &str = r#"
    [jobs.backup]
    schedule = "0 2 * * *"
    command = "true"
    description = "Nightly dump"

    [jobs.ping]
    schedule = "@hourly"
    command = "true"
"#;

/// What the binary answers to clap_complete's protocol: `COMPLETE=SHELL jobtab -- WORDS`, with
/// the word under the cursor at `index` (bash and zsh pass it in `_CLAP_COMPLETE_INDEX`; fish
/// completes the last word).
fn complete(env: &Env, shell: &str, index: usize, words: &[&str]) -> Vec<String> {
    let output = env
        .cmd(std::iter::once("--").chain(words.iter().copied()))
        .env("COMPLETE", shell)
        .env("_CLAP_COMPLETE_INDEX", index.to_string())
        .env("_CLAP_COMPLETE_COMP_TYPE", "9")
        .env("_CLAP_COMPLETE_SPACE", "true")
        .env("_CLAP_IFS", "\n")
        .output()
        .unwrap();
    assert!(
        output.status.success() && output.stderr.is_empty(),
        "{words:?}: {output:?}"
    );
    String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect()
}

/// Every command that takes a job name offers the job file's names.
#[test]
fn job_names_complete_for_every_command_that_takes_one() {
    let env = Env::with_jobs(TWO_JOBS);
    assert_eq!(
        complete(&env, "bash", 2, &["jobtab", "show", "b"]),
        ["backup"]
    );
    for line in [
        "show",
        "remove",
        "rm",
        "enable",
        "disable",
        "exec",
        "logs",
        "history",
        "next",
        "notify test",
        "remove backup",
    ] {
        let mut words: Vec<&str> = std::iter::once("jobtab").chain(line.split(' ')).collect();
        words.push("");
        let offered = complete(&env, "bash", words.len() - 1, &words);
        assert!(
            offered.contains(&"backup".to_owned()) && offered.contains(&"ping".to_owned()),
            "jobtab {line} <TAB>: {offered:?}"
        );
    }
    // Not where a command takes something else: `add`'s name is a new one.
    let offered = complete(&env, "bash", 2, &["jobtab", "add", ""]);
    assert!(!offered.contains(&"backup".to_owned()), "{offered:?}");
}

/// fish and zsh get the description beside the name.
#[test]
fn fish_and_zsh_show_each_job_with_its_description() {
    let env = Env::with_jobs(TWO_JOBS);
    let fish = complete(&env, "fish", 0, &["jobtab", "exec", ""]);
    assert!(
        fish.contains(&"backup\tNightly dump".to_owned()),
        "{fish:?}"
    );
    assert!(fish.contains(&"ping".to_owned()), "{fish:?}");
    let fish = complete(&env, "fish", 0, &["jobtab", "notify", "test", "p"]);
    assert_eq!(fish, ["ping"]);
    let zsh = complete(&env, "zsh", 2, &["jobtab", "logs", "b"]);
    assert_eq!(zsh, ["backup:Nightly dump"]);
}

/// `--file` written on the line is the job file completed from, in any of its spellings,
/// before or after the command; else `$JOBTAB_FILE`.
#[test]
fn job_names_come_from_the_file_named_on_the_line() {
    let env = Env::with_jobs(TWO_JOBS);
    let other = env.path("other.toml");
    std::fs::write(
        &other,
        "[jobs.billing]\nschedule = \"@daily\"\ncommand = \"true\"\n",
    )
    .unwrap();
    let other = other.to_str().unwrap();
    let file_eq = format!("--file={other}");
    for words in [
        vec!["jobtab", "--file", other, "show", "b"],
        vec!["jobtab", &file_eq, "show", "b"],
        vec!["jobtab", "show", "-f", other, "b"],
        vec!["jobtab", "-f", "other.toml", "show", "b"],
    ] {
        let index = words.iter().position(|w| *w == "b").unwrap();
        assert_eq!(
            complete(&env, "bash", index, &words),
            ["billing"],
            "{words:?}"
        );
    }
    assert_eq!(
        complete(&env, "bash", 2, &["jobtab", "show", "b"]),
        ["backup"]
    );
}

/// A job file that is broken, missing or not there at all completes nothing, silently.
#[test]
fn a_broken_job_file_completes_nothing_and_says_nothing() {
    let env = Env::with_jobs("[jobs.backup\nschedule = ");
    assert!(complete(&env, "bash", 2, &["jobtab", "show", "b"]).is_empty());
    let env = Env::new();
    assert!(complete(&env, "bash", 2, &["jobtab", "show", "b"]).is_empty());
    assert!(
        complete(&env, "fish", 0, &["jobtab", "exec", ""])
            .iter()
            .all(|line| line.starts_with('-'))
    );
}

/// `--tz` offers IANA zone names, for `add` and `explain`.
#[test]
fn time_zones_complete_for_tz() {
    let env = Env::new();
    let offered = complete(&env, "bash", 3, &["jobtab", "explain", "--tz", "Europe/Be"]);
    assert!(offered.contains(&"Europe/Berlin".to_owned()), "{offered:?}");
    assert!(offered.iter().all(|zone| zone.starts_with("Europe/Be")));
    let offered = complete(
        &env,
        "fish",
        0,
        &["jobtab", "add", "x", "@daily", "--tz", "America/New_"],
    );
    assert_eq!(offered, ["America/New_York"]);
    let offered = complete(&env, "bash", 2, &["jobtab", "add", "--tz=Asia/Toky"]);
    assert!(
        offered.iter().any(|o| o.ends_with("Asia/Tokyo")),
        "{offered:?}"
    );
}

/// The whole path through a real bash: the registration the README puts in .bashrc, and the
/// committed completions/jobtab.bash (which runs `jobtab` from the PATH), each defines the
/// completion function, and calling it as bash does on TAB fills COMPREPLY with job names.
#[test]
fn bash_completes_job_names_through_the_registered_script() {
    if Command::new("bash").arg("--version").output().is_err() {
        eprintln!("skipped: bash is not installed");
        return;
    }
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    assert!(
        readme.contains("`~/.bashrc`: `source <(COMPLETE=bash jobtab)`"),
        "the README's bash line is the one tested here"
    );
    let env = Env::with_jobs(TWO_JOBS);
    let bin = env.path("bin");
    std::fs::create_dir_all(&bin).unwrap();
    std::os::unix::fs::symlink(crate::util::BIN, bin.join("jobtab")).unwrap();
    let committed = Path::new(env!("CARGO_MANIFEST_DIR")).join("completions/jobtab.bash");
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    for register in [
        "source <(COMPLETE=bash jobtab)".to_owned(),
        format!("source '{}'", committed.display()),
    ] {
        let script = format!(
            "{register}\n\
             complete -p jobtab >/dev/null || exit 3\n\
             COMP_WORDS=(jobtab show b); COMP_CWORD=2; COMP_TYPE=9\n\
             _clap_complete_jobtab jobtab b show\n\
             printf '%s\\n' \"${{COMPREPLY[@]}}\"\n\
             COMP_WORDS=(jobtab explain --tz Europe/Berl); COMP_CWORD=3\n\
             _clap_complete_jobtab jobtab Europe/Berl --tz\n\
             printf '%s\\n' \"${{COMPREPLY[@]}}\"\n"
        );
        let mut bash = Command::new("bash");
        bash.arg("-c")
            .arg(&script)
            .env("PATH", &path)
            .env("JOBTAB_FILE", &env.file)
            .env("HOME", &env.home)
            .env_remove("COMPLETE")
            .current_dir(env.dir.path());
        let output = bash.output().unwrap();
        assert_eq!(
            String::from_utf8_lossy(&output.stdout),
            "backup\nEurope/Berlin\n",
            "{register}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
}
