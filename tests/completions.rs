//! Integration tests: `completions` and `man`. The committed files in `completions/` and `man/`
//! must be exactly what the binary generates now (`scripts/gen-docs.sh` rewrites them).

use std::path::Path;
use std::process::Command;

use crate::util::Env;

/// The committed files and the arguments that generate each.
const GENERATED: [(&str, &[&str]); 6] = [
    ("completions/jobtab.bash", &["completions", "bash"]),
    ("completions/_jobtab", &["completions", "zsh"]),
    ("completions/jobtab.fish", &["completions", "fish"]),
    ("completions/jobtab.elv", &["completions", "elvish"]),
    ("completions/_jobtab.ps1", &["completions", "powershell"]),
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
    let bash = env.ok(["completions", "bash"]);
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
