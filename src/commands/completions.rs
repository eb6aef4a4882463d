//! `jobtab completions SHELL` and `jobtab man`: generated from the clap definition. The same
//! text is committed in `completions/` and `man/` (`scripts/gen-docs.sh` writes it, and a test
//! fails when it is stale). The completers the scripts call back are in `crate::completions`.

use std::io::Write as _;
use std::process::ExitCode;

use anyhow::{Context as _, Result};
use clap::CommandFactory as _;
use clap_complete::Shell;
use clap_complete::env::Shells;

use crate::cli::{Cli, CompletionsArgs};
use crate::output;

/// Prints completions for one shell: the dynamic script (job names and zones), or with
/// `--static` clap_complete's generated one (commands and options only).
pub(crate) fn run_completions(args: &CompletionsArgs) -> Result<ExitCode> {
    let mut out = Vec::new();
    if args.static_script {
        clap_complete::generate(args.shell, &mut Cli::command(), "jobtab", &mut out);
    } else {
        registration(args.shell, &mut out)?;
    }
    let mut stdout = output::Stdout::lock();
    stdout.write_all(&out)?;
    stdout.finish()?;
    Ok(ExitCode::SUCCESS)
}

/// The script `COMPLETE=SHELL jobtab` prints, except that it calls `jobtab` from the PATH
/// rather than the path this process was started by, so that a packaged file works wherever
/// jobtab is installed.
///
/// zsh: clap_complete's script is made to be sourced; installed in `$fpath` as `_jobtab`, zsh
/// runs its body on the first TAB, which only registers the completer and completes nothing.
/// The last lines complete on that first call too, and do nothing when the script is sourced.
fn registration(shell: Shell, out: &mut Vec<u8>) -> Result<()> {
    let name = shell.to_string();
    let shells = Shells::builtins();
    let completer = shells
        .completer(&name)
        .with_context(|| format!("clap_complete has no dynamic completion for {name}"))?;
    completer.write_registration(crate::completions::VAR, "jobtab", "jobtab", "jobtab", out)?;
    if shell == Shell::Zsh {
        out.extend_from_slice(
            b"if [[ ${funcstack[1]} = _jobtab ]]; then\n    _clap_dynamic_completer_jobtab \"$@\"\nfi\n",
        );
    }
    Ok(())
}

/// Prints the man page.
pub(crate) fn run_man() -> Result<ExitCode> {
    let page = man_page()?;
    output::print(&page)?;
    Ok(ExitCode::SUCCESS)
}

/// The whole manual in one page: clap_mangen's top-level page (name, synopsis, description,
/// global options), then a COMMANDS section with every command's synopsis, description (with
/// its examples) and options, then the top-level examples and the version.
///
/// clap_mangen's own page lists the commands as `jobtab-add(1)` references, pages that are not
/// installed; one page with everything is what `man jobtab` should show.
fn man_page() -> Result<String> {
    let mut cmd = Cli::command();
    cmd.build();
    let top = clap_mangen::Man::new(cmd.clone());
    let mut page = Vec::new();
    top.render_title(&mut page)?;
    top.render_name_section(&mut page)?;
    top.render_synopsis_section(&mut page)?;
    top.render_description_section(&mut page)?;
    top.render_options_section(&mut page)?;
    let top_text = String::from_utf8(page)?;
    // clap_mangen starts every rendered piece with the same two-line preamble: keep one.
    let mut page: String = top_text.lines().take(2).map(|l| format!("{l}\n")).collect();
    page.push_str(&without_preamble(&top_text));

    page.push_str(".SH COMMANDS\n");
    // Nested commands (`notify test`) follow their parent.
    let subs: Vec<&clap::Command> = cmd
        .get_subcommands()
        .filter(|sub| !sub.is_hide_set())
        .flat_map(|sub| {
            std::iter::once(sub).chain(sub.get_subcommands().filter(|n| !n.is_hide_set()))
        })
        .collect();
    for sub in subs {
        // Global options and help flags are described once, above.
        let sub = sub.clone().mut_args(|arg| {
            if arg.is_global_set() || matches!(arg.get_id().as_str(), "help" | "version") {
                arg.hide(true)
            } else {
                arg
            }
        });
        let name = sub
            .get_bin_name()
            .unwrap_or_else(|| sub.get_name())
            .to_owned();
        let aliases: Vec<&str> = sub.get_visible_aliases().collect();
        page.push_str(&format!(".SS \"{}\"\n", roff_escape(&name)));
        if !aliases.is_empty() {
            page.push_str(&format!(
                "Alias: {}\n.br\n",
                roff_escape(&aliases.join(", "))
            ));
        }
        let man = clap_mangen::Man::new(sub.clone());
        let mut section = Vec::new();
        man.render_synopsis_section(&mut section)?;
        man.render_description_section(&mut section)?;
        if sub.get_arguments().any(|arg| !arg.is_hide_set()) {
            man.render_options_section(&mut section)?;
        }
        page.push_str(&examples_unfilled(&demote_headings(&without_preamble(
            &String::from_utf8(section)?,
        ))));
    }

    page.push_str(&super::man::sections());
    if let Some(examples) = cmd.get_after_long_help() {
        page.push_str(".SH EXAMPLES\n.nf\n");
        for line in examples.to_string().lines() {
            if line.trim_end() != "Examples:" {
                page.push_str(&roff_escape(line.strip_prefix("  ").unwrap_or(line)));
                page.push('\n');
            }
        }
        page.push_str(".fi\n");
    }
    let mut version = Vec::new();
    top.render_version_section(&mut version)?;
    page.push_str(&without_preamble(&String::from_utf8(version)?));
    Ok(page)
}

/// The roff text without clap_mangen's two-line preamble.
fn without_preamble(roff: &str) -> String {
    roff.lines()
        .filter(|line| !line.starts_with(".ie \\n(.g") && !line.starts_with(".el .ds Aq"))
        .map(|line| format!("{line}\n"))
        .collect()
}

/// A command's section headings inside COMMANDS: SYNOPSIS and DESCRIPTION go away, option
/// headings (OPTIONS, "HTTP JOBS") become bold paragraph titles.
fn demote_headings(roff: &str) -> String {
    let mut out = String::new();
    for line in roff.lines() {
        match line.strip_prefix(".SH ") {
            Some("SYNOPSIS") => {}
            Some("DESCRIPTION") => out.push_str(".PP\n"),
            Some(heading) => {
                let title = heading.trim_matches('"');
                out.push_str(&format!(".PP\n\\fB{}:\\fR\n", capitalize(title)));
            }
            None => {
                out.push_str(line);
                out.push('\n');
            }
        }
    }
    out
}

/// A command's `Examples:` block as written: clap_mangen prints the lines as plain text, which
/// roff fills and justifies, so a long example was broken mid-command. The lines after
/// `Examples:` (up to the next request) go in no-fill mode, their two-space indent replaced
/// by the block's.
fn examples_unfilled(roff: &str) -> String {
    let mut out = String::new();
    let mut in_examples = false;
    for line in roff.lines() {
        if in_examples && line.starts_with('.') {
            out.push_str(".fi\n.RE\n");
            in_examples = false;
        }
        if in_examples {
            out.push_str(line.strip_prefix("  ").unwrap_or(line));
        } else {
            out.push_str(line);
        }
        out.push('\n');
        if line == "Examples:" {
            out.push_str(".RS 2\n.nf\n");
            in_examples = true;
        }
    }
    if in_examples {
        out.push_str(".fi\n.RE\n");
    }
    out
}

/// "HTTP JOBS" → "HTTP jobs", "OPTIONS" → "Options".
fn capitalize(heading: &str) -> String {
    if heading == "OPTIONS" {
        return "Options".to_owned();
    }
    let mut words = heading.split(' ');
    let first = words.next().unwrap_or_default();
    let first = if first.len() <= 4 {
        first.to_owned()
    } else {
        let mut chars = first.chars();
        chars.next().map_or_else(String::new, |c| {
            c.to_string() + &chars.as_str().to_ascii_lowercase()
        })
    };
    std::iter::once(first)
        .chain(words.map(str::to_ascii_lowercase))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Text safe on a roff line: backslashes and hyphens escaped, and a leading `.` or `'` (a
/// request) neutralised.
pub(super) fn roff_escape(text: &str) -> String {
    let escaped = text
        .replace('\\', "\\e")
        .replace('-', "\\-")
        .replace('\'', "\\*(Aq");
    if escaped.starts_with('.') {
        format!("\\&{escaped}")
    } else {
        escaped
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_man_page_covers_every_command_and_its_examples() {
        let page = man_page().unwrap();
        assert_eq!(page.matches(".ie \\n(.g").count(), 1, "one preamble");
        let cmd = Cli::command();
        for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
            assert!(
                page.contains(&format!(".SS \"jobtab {}\"", sub.get_name())),
                "no section for {}",
                sub.get_name()
            );
        }
        assert!(
            page.contains(".SH EXAMPLES\n.nf\njobtab add backup"),
            "{page}"
        );
        // A command's own examples and options are there.
        assert!(
            page.contains("jobtab export \\-\\-format systemd \\-\\-output"),
            "{page}"
        );
        assert!(page.contains("\\fB\\-\\-image\\fR"), "{page}");
        assert!(page.contains("\\fBHTTP jobs:\\fR"), "{page}");
        // Command examples keep their lines: no-fill, the indent the block's own.
        assert!(
            page.contains("Examples:\n.RS 2\n.nf\njobtab show backup\njobtab show backup \\-\\-json\n.fi\n.RE\n"),
            "{page}"
        );
        // Global options are described once, at the top.
        assert_eq!(
            page.matches("Where history, locks and crontab backups live")
                .count(),
            1
        );
    }

    #[test]
    fn examples_are_left_unfilled_up_to_the_next_request() {
        let roff = ".PP\nAbout\n.PP\nExamples:\n  a \\\n      b\n  c\n.PP\nx\n";
        assert_eq!(
            examples_unfilled(roff),
            ".PP\nAbout\n.PP\nExamples:\n.RS 2\n.nf\na \\\n    b\nc\n.fi\n.RE\n.PP\nx\n"
        );
        assert_eq!(
            examples_unfilled("Examples:\n  a\n"),
            "Examples:\n.RS 2\n.nf\na\n.fi\n.RE\n"
        );
    }

    #[test]
    fn headings_and_escapes() {
        assert_eq!(capitalize("HTTP JOBS"), "HTTP jobs");
        assert_eq!(capitalize("GLOBAL OPTIONS"), "Global options");
        assert_eq!(
            roff_escape(".x a-b \\ 'q'"),
            "\\&.x a\\-b \\e \\*(Aqq\\*(Aq"
        );
    }
}
