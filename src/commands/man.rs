//! The man page's sections that clap does not know: the job file's keys, exit status,
//! environment and files. Text only; `completions::man_page` puts them in the page.
//!
//! A test checks that every key the job file accepts (`store`'s key list) is described here,
//! so a new key cannot ship undocumented.

use super::completions::roff_escape;

/// A section: its heading, an introductory paragraph, and (term, description) entries.
struct Section {
    heading: &'static str,
    intro: &'static str,
    entries: &'static [(&'static str, &'static str)],
}

/// The keys of `[jobs.NAME]`; `[defaults]` takes the ones marked so.
const JOB_KEYS: &[(&str, &str)] = &[
    ("description", "Free text shown by list and show."),
    (
        "schedule",
        "A cron expression: five fields, or six with seconds first, names of months and days, \
         @hourly, @daily, @weekly, @monthly, @yearly, @reboot. See `jobtab explain`.",
    ),
    (
        "command",
        "The shell command line, run by /bin/sh -c (or `shell`). A job has exactly one of \
         command and http.",
    ),
    (
        "shell",
        "The program that runs `command`, e.g. \"/bin/bash -eo pipefail -c\". [defaults]",
    ),
    ("workdir", "The working directory of a shell job."),
    (
        "http",
        "An HTTP call instead of a command: a table with url (required), method (default GET), \
         headers (a table), body and expect (the status codes that count as success; default \
         any 2xx).",
    ),
    (
        "timezone",
        "The IANA zone the schedule is read in, e.g. \"Europe/Berlin\"; absent, the machine's. \
         [defaults]",
    ),
    (
        "enabled",
        "false keeps the job in the file but never runs it (default true).",
    ),
    (
        "timeout",
        "Stop a run after this long (SIGTERM, then SIGKILL), e.g. \"30s\", \"5m\", \"1h30m\"; \
         HTTP calls default to 30s. [defaults]",
    ),
    (
        "retries",
        "Further attempts after a failed one (at most 100; default 0). [defaults]",
    ),
    (
        "retry_delay",
        "The delay before the first retry, doubled each attempt, with jitter (default 10s). \
         [defaults]",
    ),
    (
        "overlap",
        "When a run is due while the previous one still runs: \"skip\" (default), \"queue\" \
         (run once right after) or \"allow\". [defaults]",
    ),
    (
        "catch_up",
        "Runs missed while the machine slept or the clock jumped: \"none\" (default, as cron) or \
         \"once\" (run one of them as soon as possible). [defaults]",
    ),
    (
        "env",
        "Environment variables for the run, a table of NAME = \"value\".",
    ),
    (
        "notify",
        "POST each run's result to a URL: a table with url (required), on (\"failure\", the \
         default, \"success\" or \"always\"), secret (signs the request), format (\"json\", \
         \"slack\" or \"discord\") and signature (\"standard\", Standard Webhooks, or \
         \"jobtab\"). [defaults]",
    ),
    (
        "ping",
        "A healthchecks.io-style URL: GET <url>/start when a run starts, POST <url> on success, \
         POST <url>/fail on failure; \"\" turns off the one of [defaults]. [defaults]",
    ),
    (
        "mail_to",
        "Mail results through sendmail -t, as cron's MAILTO; \"\" turns off the one of \
         [defaults]. [defaults]",
    ),
    (
        "webhook",
        "Run the job on requests to `jobtab run`'s listener ([server] listen = \"HOST:PORT\" or \
         run --listen), alone or beside `schedule`: a table with verify (required: \"github\", \
         \"gitlab\", \"stripe\", \"standard\", \"slack\", \"shopify\", \"hmac\" with header, \
         algorithm, encoding and prefix, \"token\" with an optional header, or \"none\"), secret \
         (required but for none; a ${VAR}), path (default /hooks/NAME), methods (default \
         [\"POST\"]), max_body (bytes, default 1 MiB), match (JSON pointers such as \"/ref\" or \
         \"header:NAME\" to a value or a list of values that must hold), env (NAME = \"/json/ \
         pointer\": variables for the run), response (\"accepted\", the default, or \"wait\") \
         and rate_limit (e.g. \"100/s\").",
    ),
    (
        "jitter",
        "Delay each scheduled run by a stable offset below this, e.g. \"10m\", from a hash of \
         the host name (or JOBTAB_JITTER_SEED) and the job's name. [defaults]",
    ),
    (
        "after",
        "Run when a run of one of these jobs ends, e.g. [\"backup\"]; with it, schedule is \
         optional. jobtab run starts it, and so does jobtab exec after its run (--no-chain \
         skips that).",
    ),
    (
        "after_status",
        "Which ends of an after job's run start this one: \"success\" (default), \"failure\" \
         or \"always\".",
    ),
];

const SECTIONS: &[Section] = &[
    Section {
        heading: "JOB FILE",
        intro: "A TOML file: one [jobs.NAME] table per job (names are letters, digits, `-`, `_` \
                and `.`), an optional [defaults] table with settings every job inherits \
                unless it sets its own (the keys marked [defaults] below), and an optional \
                [server] table (listen, tls_cert and tls_key for HTTPS, token, trust_proxy) for \
                webhooks. Durations are written \
                like 30s, 5m, 1h30m. ${VAR} in command, env values, URLs, headers, bodies and \
                secrets is taken from the environment when the job runs and never written back; \
                a variable that is not set fails that run. Unknown keys are an error. Commands \
                that change the file keep its comments and layout, and write it atomically under \
                a lock.",
        entries: JOB_KEYS,
    },
    Section {
        heading: "EXIT STATUS",
        intro: "",
        entries: &[
            (
                "0",
                "Success; for check, no problems (warnings alone exit 0).",
            ),
            (
                "1",
                "An error, a job file with problems, or a job run that failed (exec, notify \
                 test); the message on stderr starts with `jobtab: error:` and says what to do.",
            ),
            (
                "2",
                "A usage error: an unknown option, a missing or malformed argument.",
            ),
            (
                "130, 143",
                "run stopped by a second SIGINT or SIGTERM, which kills the running jobs \
                 (128 + the signal's number); after one signal it waits for them and exits 0.",
            ),
        ],
    },
    Section {
        heading: "ENVIRONMENT",
        intro: "An empty variable counts as unset.",
        entries: &[
            ("JOBTAB_FILE", "The job file when --file is not given."),
            (
                "JOBTAB_STATE_DIR",
                "The state folder when --state-dir is not given.",
            ),
            (
                "JOBTAB_CRONTAB",
                "The crontab program install, uninstall and import run, instead of crontab on \
                 the PATH.",
            ),
            (
                "JOBTAB_JITTER_SEED",
                "What jitter offsets are hashed with instead of the host name.",
            ),
            (
                "VISUAL, EDITOR",
                "The editor `jobtab edit` opens (the first set; it may hold arguments, e.g. \
                 \"code --wait\"); default vi.",
            ),
            ("NO_COLOR", "Set and not empty: no colour in the output."),
            (
                "COLUMNS",
                "The width tables and help are fitted to, when not a terminal's.",
            ),
            (
                "TZ",
                "The local zone of `jobtab run` and of jobs with no timezone; cron itself \
                 ignores it, so install warns about jobs that rely on it.",
            ),
            (
                "JOBTAB_TRIGGER, JOBTAB_RUN_ID",
                "Set by jobtab in every run's environment (and seen by ${VAR} in an HTTP job): \
                 why it runs (schedule, manual, catch_up, start, webhook, after) and its run id, \
                 as history records them.",
            ),
            (
                "JOBTAB_PAYLOAD, JOBTAB_DELIVERY, JOBTAB_EVENT, JOBTAB_UPSTREAM_RUN_ID",
                "Set for runs that have them: the file holding a webhook delivery's body (also \
                 on the job's stdin; 0600, removed after the run; `exec --payload` sets it too), \
                 the sender's delivery id and event name, and the run whose end started an \
                 `after` run. The webhook's env pointers add their own variables; payload values \
                 only ever arrive as variables and stdin, never as shell text.",
            ),
            (
                "COMPLETE",
                "Set by the completion scripts (COMPLETE=bash jobtab ...): jobtab prints \
                 completions instead of running a command. See `jobtab completions`.",
            ),
        ],
    },
    Section {
        heading: "FILES",
        intro: "",
        entries: &[
            (
                "<config dir>/jobtab/jobs.toml",
                "The job file (--file, $JOBTAB_FILE); <config dir> is $XDG_CONFIG_HOME or \
                 ~/.config. Created with mode 0600 by the first command that writes it.",
            ),
            (
                "<job file>.lock",
                "Held by every command that changes the job file, while it writes.",
            ),
            (
                "<job file>.run.lock",
                "Held by `jobtab run` while it runs, so one job file has one scheduler (in the \
                 state folder as run-<hash>.lock when the job file's folder is not writable).",
            ),
            (
                "<state dir>/jobtab",
                "The state folder (--state-dir, $JOBTAB_STATE_DIR); <state dir> is \
                 $XDG_STATE_HOME or ~/.local/state. It holds:",
            ),
            (
                "    history.jsonl, history.1.jsonl",
                "Run history, one JSON line per run with the end of its output (mode 0600); \
                 at most about 16 MiB, the older part compacted into history.1.jsonl.",
            ),
            ("    history.lock", "Held while a run's record is appended."),
            (
                "    running/",
                "One file per run in progress, so list, show and history can say what runs now.",
            ),
            (
                "    locks/",
                "Overlap locks: a job's runs in every process see each other.",
            ),
            (
                "    crontab-backups/",
                "A copy of the crontab from before each install or uninstall (the last 10).",
            ),
            (
                "    crontab.lock",
                "Held while install or uninstall changes the crontab.",
            ),
        ],
    },
];

/// The sections as roff.
pub(super) fn sections() -> String {
    let mut out = String::new();
    for section in SECTIONS {
        out.push_str(&format!(".SH \"{}\"\n", section.heading));
        if !section.intro.is_empty() {
            out.push_str(&roff_escape(section.intro));
            out.push('\n');
        }
        for (term, text) in section.entries {
            let (indent, term) = match term.strip_prefix("    ") {
                Some(inner) => (true, inner),
                None => (false, *term),
            };
            if indent {
                out.push_str(".RS 4\n");
            }
            out.push_str(&format!(
                ".TP\n\\fB{}\\fR\n{}\n",
                roff_escape(term),
                roff_escape(text)
            ));
            if indent {
                out.push_str(".RE\n");
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Adding a key to the job file without describing it here fails.
    #[test]
    fn every_job_file_key_is_described() {
        let described: Vec<&str> = JOB_KEYS.iter().map(|(key, _)| *key).collect();
        for key in crate::store::JOB_KEYS {
            assert!(
                described.contains(key),
                "the man page does not describe the job file key `{key}`: add it to JOB_KEYS \
                 in src/commands/man.rs, then run scripts/gen-docs.sh"
            );
        }
        for key in &described {
            assert!(
                crate::store::JOB_KEYS.contains(key),
                "the man page describes `{key}`, which the job file does not accept"
            );
        }
    }

    #[test]
    fn sections_render_as_roff() {
        let roff = sections();
        for heading in ["JOB FILE", "EXIT STATUS", "ENVIRONMENT", "FILES"] {
            assert!(roff.contains(&format!(".SH \"{heading}\"\n")), "{heading}");
        }
        assert!(roff.contains(".TP\n\\fBJOBTAB_CRONTAB\\fR\n"), "{roff}");
        assert!(roff.contains(".TP\n\\fBretry_delay\\fR\n"), "{roff}");
        assert!(roff.contains(".RS 4\n.TP\n\\fBhistory.jsonl, history.1.jsonl\\fR\n"));
        assert!(roff.contains("\\-\\-state\\-dir"), "{roff}");
        // No line starts a roff request by accident.
        for line in roff.lines().filter(|l| !l.starts_with('.')) {
            assert!(!line.starts_with('\''), "{line}");
        }
    }
}
