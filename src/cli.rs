//! The command-line definition: clap derive types only, no logic and no I/O.
//!
//! Doc comments here are the help text, the man page and the completions. Every command's long
//! help ends with an `Examples:` block.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use clap_complete::{ArgValueCandidates, ArgValueCompleter};

use crate::completions::{job_names, zone_names};

/// A crontab manager and runner: keep jobs in one TOML file, then install them into your crontab,
/// run them with jobtab's own scheduler, or export them to Kubernetes and systemd.
#[derive(Debug, Parser)]
#[command(name = "jobtab", version, about, long_about = None)]
#[command(propagate_version = true, disable_help_subcommand = true)]
#[command(
    after_long_help = "Examples:\n  jobtab add backup '0 2 * * *' -- 'pg_dump app > app.sql'\n  \
                             jobtab list\n  jobtab explain '*/15 9-17 * * mon-fri'\n  jobtab run"
)]
pub(crate) struct Cli {
    #[command(flatten)]
    pub(crate) global: GlobalArgs,

    #[command(subcommand)]
    pub(crate) command: Command,
}

/// Options every command takes, before or after the command name.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Global options")]
pub(crate) struct GlobalArgs {
    // `$JOBTAB_FILE` and `$JOBTAB_STATE_DIR` are read by `ctx`, not through clap's `env`: clap
    // counts a value from the environment as given, and its usage lines then showed
    // `--file <PATH>` as if it were required (issue 8).
    /// The job file [default: $JOBTAB_FILE, else <config dir>/jobtab/jobs.toml]
    #[arg(long, short = 'f', global = true, value_name = "PATH")]
    pub(crate) file: Option<PathBuf>,

    /// Where history, locks and crontab backups live [default: $JOBTAB_STATE_DIR, else
    /// <state dir>/jobtab]
    #[arg(long, global = true, value_name = "DIR")]
    pub(crate) state_dir: Option<PathBuf>,

    /// When to colour status words and error prefixes: auto (on a terminal, unless $NO_COLOR
    /// is set), always, never
    #[arg(
        long,
        global = true,
        value_enum,
        value_name = "WHEN",
        env = "JOBTAB_COLOR",
        default_value_t = ColorWhen::Auto
    )]
    pub(crate) color: ColorWhen,
}

/// `--color`: when to colour the output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ColorWhen {
    /// On a terminal, unless `NO_COLOR` is set to a non-empty value
    Auto,
    /// Always, even into a pipe or a file
    Always,
    /// Never
    Never,
}

// Parsed once per process: the size of the `Add` variant costs nothing worth boxing for.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Add a shell job or an HTTP job
    ///
    /// A shell job takes its command after `--`; an HTTP job takes `--url`. An existing name is
    /// an error unless `--replace` is given. Prints the next run.
    ///
    /// Examples:
    ///   jobtab add backup '0 2 * * *' -- 'pg_dump app > /var/backups/app.sql'
    ///   jobtab add sync '*/15 * * * *' -- rsync -a /srv/data/ backup:/data/
    ///   jobtab add ping '*/5 * * * *' --url https://example.com/health
    ///   jobtab add report '30 6 * * mon-fri' --tz America/New_York --url https://example.com/r \
    ///       --method POST --header 'Content-Type: application/json' --data '{"kind":"daily"}'
    #[command(verbatim_doc_comment)]
    Add(AddArgs),

    /// List jobs: name, schedule, next run, last result and what each runs
    ///
    /// Examples:
    ///   jobtab list
    ///   jobtab ls --json
    #[command(visible_alias = "ls", verbatim_doc_comment)]
    List(ListArgs),

    /// Show every setting of one job, its schedule in words, its next runs and last results
    ///
    /// Examples:
    ///   jobtab show backup
    ///   jobtab show backup --json
    #[command(verbatim_doc_comment)]
    Show(ShowArgs),

    /// Remove jobs; unknown names are an error and nothing is removed
    ///
    /// Examples:
    ///   jobtab remove backup
    ///   jobtab rm old-job other-job --dry-run
    #[command(visible_alias = "rm", verbatim_doc_comment)]
    Remove(RemoveArgs),

    /// Enable jobs
    ///
    /// Examples:
    ///   jobtab enable daily-report
    #[command(verbatim_doc_comment)]
    Enable(ToggleArgs),

    /// Disable jobs (they stay in the file but never run)
    ///
    /// Examples:
    ///   jobtab disable daily-report
    #[command(verbatim_doc_comment)]
    Disable(ToggleArgs),

    /// Edit the job file in $VISUAL or $EDITOR; an invalid file is never saved
    ///
    /// Like `crontab -e`: a temporary copy is opened, validated when the editor exits, and only
    /// then written back. If it is invalid, the problems are shown and you can edit again.
    ///
    /// Examples:
    ///   jobtab edit
    ///   EDITOR=nano jobtab edit
    #[command(verbatim_doc_comment)]
    Edit,

    /// Validate the whole job file and report every problem
    ///
    /// Exits 1 if there is any problem, or if the file named with --file or $JOBTAB_FILE does
    /// not exist. Warnings (a workdir that does not exist yet, a schedule that never fires) are
    /// printed too, but alone they exit 0.
    ///
    /// With --json, the problems and warnings are printed as one JSON object (docs/json.md),
    /// with the same exit status.
    ///
    /// Examples:
    ///   jobtab check
    ///   jobtab --file ci/jobs.toml check
    ///   jobtab check --json
    #[command(verbatim_doc_comment)]
    Check(CheckArgs),

    /// Describe a schedule in words and print its next runs
    ///
    /// Examples:
    ///   jobtab explain '0 0 */2 * 1'
    ///   jobtab explain '30 2 * * *' --tz America/New_York --after 2026-03-07T00:00:00-05:00
    ///   jobtab explain '*/10 * * * * *' --count 3 --json
    #[command(verbatim_doc_comment)]
    Explain(ExplainArgs),

    /// Upcoming runs of all jobs (or the named ones), merged in time order
    ///
    /// Examples:
    ///   jobtab next
    ///   jobtab next backup ping --count 3 --json
    #[command(verbatim_doc_comment)]
    Next(NextArgs),

    /// Run one job now, exactly as the scheduler would
    ///
    /// Timeout, retries, notification and history all apply. Output streams to the terminal.
    /// Exits 0 when the run succeeds and 1 when it fails. Installed crontab lines call this.
    /// A disabled job is refused (exit 1) unless --force is given, so a crontab line installed
    /// before the job was disabled does not run it.
    ///
    /// With --json, the run's record (as `history --json` prints it) is printed to stdout when
    /// it ends, and stdout holds nothing else: the job's output is not passed through but
    /// logged to stderr, line by line, as `jobtab run` logs it (and kept in the record's
    /// output_tail).
    ///
    /// With --payload, the run gets that body as a webhook delivery would: on its stdin, in
    /// the file $JOBTAB_PAYLOAD names, and through the job's webhook `env` pointers as
    /// variables. The trigger is still manual.
    ///
    /// Examples:
    ///   jobtab exec backup
    ///   jobtab exec --force daily-report
    ///   jobtab exec backup --json
    ///   jobtab exec deploy --payload push.json
    ///   curl -s https://example.com/event.json | jobtab exec deploy --payload -
    #[command(verbatim_doc_comment)]
    Exec(ExecArgs),

    /// Notification tools: `notify test NAME` sends a sample through the job's channels
    ///
    /// Examples:
    ///   jobtab notify test backup
    #[command(verbatim_doc_comment)]
    Notify(NotifyArgs),

    /// Webhook tools: `hook send NAME` sends a signed request to a job's webhook
    ///
    /// Examples:
    ///   jobtab hook send deploy --payload push.json --event push
    #[command(verbatim_doc_comment)]
    Hook(HookArgs),

    /// Run the scheduler in the foreground
    ///
    /// Sleeps until the next due job, runs jobs with their timeouts, retries and overlap
    /// policies, reloads on SIGHUP or when the job file changes, and stops on SIGINT/SIGTERM
    /// after running jobs finish (up to --grace), exiting 0. A second signal kills them at once
    /// and exits 128 + the signal's number: 130 for SIGINT, 143 for SIGTERM.
    ///
    /// Examples:
    ///   jobtab run
    ///   jobtab --file examples/jobs.toml run --log-format json
    ///   jobtab run --metrics 127.0.0.1:9184
    ///   jobtab run --listen 127.0.0.1:8080
    ///   jobtab run --check
    #[command(verbatim_doc_comment)]
    Run(RunArgs),

    /// Past runs, newest first
    ///
    /// Examples:
    ///   jobtab history
    ///   jobtab history backup --limit 5
    ///   jobtab history --failed --json
    ///   jobtab history backup --output
    #[command(verbatim_doc_comment)]
    History(HistoryArgs),

    /// Print the captured output of a job's last run, or of one run
    ///
    /// The output is what history keeps of a run: its last 64 KiB. A line about the run goes
    /// to stderr, the output itself to stdout. With --follow, the last run is printed, then
    /// each new run of the job (from `jobtab run`, `jobtab exec` or cron) as it is recorded,
    /// each after a one-line header, until Ctrl-C.
    ///
    /// Examples:
    ///   jobtab logs backup
    ///   jobtab logs backup --run 3f2a9c1b
    ///   jobtab logs backup --follow
    #[command(verbatim_doc_comment)]
    Logs(LogsArgs),

    /// Requests the webhooks got, newest first
    ///
    /// What `jobtab run` kept of each request to a hook's path: time, job, method and path,
    /// the answer's status and verdict (accepted, queued, ignored, duplicate, rejected and
    /// why, ...), the delivery and run ids, and the client's address. With --json, also the
    /// headers (signatures and tokens redacted) and the first 4 KiB of the body.
    ///
    /// Examples:
    ///   jobtab deliveries
    ///   jobtab deliveries deploy --limit 5
    ///   jobtab deliveries --json
    #[command(verbatim_doc_comment)]
    Deliveries(DeliveriesArgs),

    /// Write the enabled jobs into your crontab, in a block jobtab manages
    ///
    /// Every line outside the block is kept byte for byte. Each job becomes a line that calls
    /// `jobtab exec NAME`.
    ///
    /// Examples:
    ///   jobtab install --dry-run
    ///   jobtab install
    #[command(verbatim_doc_comment)]
    Install(InstallArgs),

    /// Remove jobtab's block from your crontab
    ///
    /// Examples:
    ///   jobtab uninstall
    ///   jobtab uninstall --dry-run
    #[command(verbatim_doc_comment)]
    Uninstall(UninstallArgs),

    /// Turn crontab lines into jobs (default: your crontab, outside jobtab's blocks)
    ///
    /// Examples:
    ///   jobtab import --dry-run
    ///   jobtab import old-crontab.txt
    ///   crontab -l -u deploy | jobtab import -
    ///   jobtab import /etc/cron.d/myapp
    #[command(verbatim_doc_comment)]
    Import(ImportArgs),

    /// Export the jobs as Kubernetes manifests or systemd units
    ///
    /// Examples:
    ///   jobtab export --format kubernetes --image registry.example/jobtab:1 > jobs.yaml
    ///   jobtab export --format systemd --output ~/.config/systemd/user
    ///   jobtab export --format systemd --env-file /etc/jobtab/secrets.env --output /etc/systemd/system
    #[command(verbatim_doc_comment)]
    Export(ExportArgs),

    /// Print shell completions
    ///
    /// The script asks jobtab for the candidates as you type, so job names and --tz zones
    /// complete too (it runs `jobtab` from your PATH). The same script comes from
    /// `COMPLETE=SHELL jobtab`, the form to put in your shell's startup file, since it always
    /// matches the jobtab installed. --static prints a script that never runs jobtab and
    /// completes commands and options only.
    ///
    /// Examples:
    ///   echo 'source <(COMPLETE=bash jobtab)' >> ~/.bashrc
    ///   jobtab completions bash > ~/.local/share/bash-completion/completions/jobtab
    ///   jobtab completions fish > ~/.config/fish/completions/jobtab.fish
    ///   jobtab completions zsh --static > ~/.zfunc/_jobtab
    #[command(verbatim_doc_comment)]
    Completions(CompletionsArgs),

    /// Print the man page (roff)
    ///
    /// Examples:
    ///   jobtab man > ~/.local/share/man/man1/jobtab.1
    #[command(verbatim_doc_comment)]
    Man,
}

#[derive(Debug, Args)]
pub(crate) struct AddArgs {
    /// Job name: letters, digits, `-`, `_` and `.`
    pub(crate) name: String,

    /// Cron schedule, e.g. '0 2 * * *', '@daily', or '*/10 * * * * *' (seconds first)
    pub(crate) schedule: String,

    /// The command, after `--`: one argument is a shell command line, run as written by
    /// /bin/sh -c (-- 'pg_dump app > app.sql'); several are a program and its arguments, each
    /// passed exactly as given (-- rsync -a /srv/data/ backup:/data/)
    #[arg(last = true, value_name = "COMMAND", conflicts_with = "url")]
    pub(crate) command: Vec<String>,

    /// Make an HTTP job calling this URL (`${VAR}` is expanded at run time)
    #[arg(long, help_heading = "HTTP jobs")]
    pub(crate) url: Option<String>,

    /// HTTP method [default: GET]
    #[arg(long, requires = "url", help_heading = "HTTP jobs")]
    pub(crate) method: Option<String>,

    /// A request header, 'Name: value' (repeatable)
    #[arg(
        long = "header",
        short = 'H',
        requires = "url",
        help_heading = "HTTP jobs"
    )]
    pub(crate) headers: Vec<String>,

    /// The request body, or @FILE to read it from a file
    #[arg(long, requires = "url", help_heading = "HTTP jobs")]
    pub(crate) data: Option<String>,

    /// Status codes that count as success, e.g. 200,202 [default: any 2xx]
    #[arg(
        long,
        requires = "url",
        value_delimiter = ',',
        help_heading = "HTTP jobs"
    )]
    pub(crate) expect: Vec<u16>,

    /// Kill the run after this long, e.g. 30s, 5m, 1h30m
    #[arg(long, value_parser = duration_text)]
    pub(crate) timeout: Option<String>,

    /// Further attempts after a failed one
    #[arg(long)]
    pub(crate) retries: Option<u32>,

    /// Delay before the first retry; doubles each attempt, with jitter
    #[arg(long, value_parser = duration_text)]
    pub(crate) retry_delay: Option<String>,

    /// What to do when a run is due while the previous one still runs
    #[arg(long, value_enum)]
    pub(crate) overlap: Option<OverlapArg>,

    /// IANA time zone for the schedule, e.g. Europe/Berlin [default: the machine's]
    #[arg(long = "tz", value_name = "ZONE", add = ArgValueCompleter::new(zone_names))]
    pub(crate) timezone: Option<String>,

    /// Working directory for shell jobs
    #[arg(long)]
    pub(crate) workdir: Option<PathBuf>,

    /// An environment variable, K=V (repeatable)
    #[arg(long = "env", short = 'e', value_name = "K=V")]
    pub(crate) env: Vec<String>,

    /// A description shown by list and show
    #[arg(long)]
    pub(crate) description: Option<String>,

    /// Add the job disabled
    #[arg(long)]
    pub(crate) disabled: bool,

    /// POST the result of each run to this URL
    #[arg(long, value_name = "URL")]
    pub(crate) notify: Option<String>,

    /// When to notify [default: failure]
    #[arg(long, value_enum, requires = "notify")]
    pub(crate) notify_on: Option<NotifyOnArg>,

    /// Replace a job of the same name instead of failing
    #[arg(long)]
    pub(crate) replace: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum OverlapArg {
    /// Skip the new run and log it
    Skip,
    /// Run once right after the current run ends
    Queue,
    /// Start the new run anyway
    Allow,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum NotifyOnArg {
    Failure,
    Success,
    Always,
}

#[derive(Debug, Args)]
pub(crate) struct ListArgs {
    /// Print JSON instead of a table
    #[arg(long)]
    pub(crate) json: bool,
}

#[derive(Debug, Args)]
pub(crate) struct ShowArgs {
    /// The job to show
    #[arg(add = ArgValueCandidates::new(job_names))]
    pub(crate) name: String,

    /// Print JSON
    #[arg(long)]
    pub(crate) json: bool,
}

#[derive(Debug, Args)]
pub(crate) struct RemoveArgs {
    /// Jobs to remove
    #[arg(required = true, add = ArgValueCandidates::new(job_names))]
    pub(crate) names: Vec<String>,

    /// Say what would be removed, change nothing
    #[arg(long)]
    pub(crate) dry_run: bool,
}

#[derive(Debug, Args)]
pub(crate) struct ToggleArgs {
    /// Jobs to change
    #[arg(required = true, add = ArgValueCandidates::new(job_names))]
    pub(crate) names: Vec<String>,
}

#[derive(Debug, Args)]
pub(crate) struct CheckArgs {
    /// Print the problems and warnings as JSON
    #[arg(long)]
    pub(crate) json: bool,
}

#[derive(Debug, Args)]
pub(crate) struct ExplainArgs {
    /// The cron schedule to explain
    pub(crate) schedule: String,

    /// How many runs to print
    #[arg(long, short = 'n', default_value_t = 5)]
    pub(crate) count: usize,

    /// Start from this time (RFC 3339) instead of now
    #[arg(long, value_name = "TIME")]
    pub(crate) after: Option<String>,

    /// IANA time zone [default: the machine's]
    #[arg(long, value_name = "ZONE", add = ArgValueCompleter::new(zone_names))]
    pub(crate) tz: Option<String>,

    /// Print JSON
    #[arg(long)]
    pub(crate) json: bool,
}

#[derive(Debug, Args)]
pub(crate) struct NextArgs {
    /// Only these jobs [default: all enabled jobs]
    #[arg(add = ArgValueCandidates::new(job_names))]
    pub(crate) names: Vec<String>,

    /// How many runs to print
    #[arg(long, short = 'n', default_value_t = 10)]
    pub(crate) count: usize,

    /// Print JSON
    #[arg(long)]
    pub(crate) json: bool,
}

#[derive(Debug, Args)]
pub(crate) struct ExecArgs {
    /// The job to run
    #[arg(add = ArgValueCandidates::new(job_names))]
    pub(crate) name: String,

    /// Run the job even if it is disabled
    #[arg(long)]
    pub(crate) force: bool,

    /// Print the run's record as JSON; the job's output goes to stderr as log lines
    #[arg(long)]
    pub(crate) json: bool,

    /// Run it with this request body, as a webhook delivery would ("-": standard input)
    #[arg(long, value_name = "FILE", value_hint = clap::ValueHint::FilePath)]
    pub(crate) payload: Option<std::path::PathBuf>,

    /// Do not run the jobs that run `after` this one (by default they run here, one by one,
    /// once its run ends)
    #[arg(long)]
    pub(crate) no_chain: bool,

    /// Written by `install` on the lines of jobs with `jitter`: cron started this run at its
    /// slot plus the job's offset, so the run's `scheduled_at` (and `Idempotency-Key`) is
    /// this minute less the offset
    #[arg(long, hide = true)]
    pub(crate) jitter_slot: bool,
}

#[derive(Debug, Args)]
pub(crate) struct NotifyArgs {
    #[command(subcommand)]
    pub(crate) command: NotifyCommand,
}

#[derive(Debug, Subcommand)]
pub(crate) enum NotifyCommand {
    /// Send a sample failure notification through every channel of a job and print each
    /// receiver's answer
    ///
    /// Every channel the job has gets one attempt: `notify` (its URL, format and signature),
    /// `ping` (as `POST <url>/log`, which healthchecks.io records without changing the
    /// check's state) and `mail_to` (through sendmail). Exits 1 if any of them fails.
    ///
    /// Examples:
    ///   jobtab notify test backup
    #[command(verbatim_doc_comment)]
    Test(NotifyTestArgs),
}

#[derive(Debug, Args)]
pub(crate) struct NotifyTestArgs {
    /// The job whose channels to test
    #[arg(add = ArgValueCandidates::new(job_names))]
    pub(crate) name: String,
}

#[derive(Debug, Args)]
pub(crate) struct HookArgs {
    #[command(subcommand)]
    pub(crate) command: HookCommand,
}

#[derive(Debug, Subcommand)]
pub(crate) enum HookCommand {
    /// Send a request to a job's webhook, signed as its `verify` preset's sender signs, and
    /// print the answer
    ///
    /// The secret is read from the environment, as `jobtab run` reads it; each request gets a
    /// new delivery id and the current time. The request goes to --url, else to the job's
    /// path on `[server] listen`. Prints the answer's status and body; exits 0 for a 2xx
    /// answer and 1 otherwise.
    ///
    /// Examples:
    ///   jobtab hook send deploy
    ///   jobtab hook send deploy --payload push.json --event push
    ///   echo '{"ref":"refs/heads/main"}' | jobtab hook send deploy --payload -
    ///   jobtab hook send deploy --url https://ci.example.com/hooks/deploy
    #[command(verbatim_doc_comment)]
    Send(HookSendArgs),
}

#[derive(Debug, Args)]
pub(crate) struct HookSendArgs {
    /// The job whose webhook to send to
    #[arg(add = ArgValueCandidates::new(job_names))]
    pub(crate) name: String,

    /// The body to send: a file, or - for stdin (default: {})
    #[arg(long, value_name = "FILE")]
    pub(crate) payload: Option<PathBuf>,

    /// Where to send it (default: http://<[server] listen><the hook's path>)
    #[arg(long, value_name = "URL")]
    pub(crate) url: Option<String>,

    /// The event name, in the header where the job's sender names it (X-GitHub-Event,
    /// X-Gitlab-Event, X-Shopify-Topic)
    #[arg(long, value_name = "EVENT")]
    pub(crate) event: Option<String>,
}

#[derive(Debug, Args)]
pub(crate) struct RunArgs {
    /// Validate the job file and exit
    #[arg(long)]
    pub(crate) check: bool,

    /// How running jobs are logged
    #[arg(long, value_enum, default_value_t = LogFormat::Text)]
    pub(crate) log_format: LogFormat,

    /// How long to wait for running jobs on SIGINT/SIGTERM before killing them
    #[arg(long, default_value = "30s", value_name = "DURATION", value_parser = duration_text)]
    pub(crate) grace: String,

    /// Serve Prometheus metrics on this address, e.g. 127.0.0.1:9184
    #[arg(long, value_name = "ADDR")]
    pub(crate) metrics: Option<String>,

    /// Serve webhooks, /healthz and /metrics on this address (overrides [server] listen),
    /// e.g. 127.0.0.1:8080
    #[arg(long, value_name = "ADDR")]
    pub(crate) listen: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum LogFormat {
    Text,
    Json,
}

impl From<LogFormat> for crate::log::Format {
    fn from(format: LogFormat) -> Self {
        match format {
            LogFormat::Text => crate::log::Format::Text,
            LogFormat::Json => crate::log::Format::Json,
        }
    }
}

#[derive(Debug, Args)]
pub(crate) struct HistoryArgs {
    /// Only this job
    #[arg(add = ArgValueCandidates::new(job_names))]
    pub(crate) name: Option<String>,

    /// At most this many runs
    #[arg(long, short = 'n', default_value_t = 20)]
    pub(crate) limit: usize,

    /// Only failed runs
    #[arg(long)]
    pub(crate) failed: bool,

    /// Show the end of each run's output under its line
    #[arg(long, short = 'o', conflicts_with = "json")]
    pub(crate) output: bool,

    /// Print JSON
    #[arg(long)]
    pub(crate) json: bool,
}

#[derive(Debug, Args)]
pub(crate) struct DeliveriesArgs {
    /// Only this job's hook
    #[arg(add = ArgValueCandidates::new(job_names))]
    pub(crate) name: Option<String>,

    /// At most this many requests
    #[arg(long, short = 'n', default_value_t = 20)]
    pub(crate) limit: usize,

    /// Print JSON
    #[arg(long)]
    pub(crate) json: bool,
}

#[derive(Debug, Args)]
pub(crate) struct LogsArgs {
    /// The job
    #[arg(add = ArgValueCandidates::new(job_names))]
    pub(crate) name: String,

    /// This run instead of the last one (its id from `history`, or the id's first characters)
    #[arg(long, value_name = "ID")]
    pub(crate) run: Option<String>,

    /// Keep going: print the output of each new run as it is recorded, until interrupted
    #[arg(long, short = 'F')]
    pub(crate) follow: bool,
}

#[derive(Debug, Args)]
pub(crate) struct InstallArgs {
    /// Show what would be written, write nothing
    #[arg(long)]
    pub(crate) dry_run: bool,
}

#[derive(Debug, Args)]
pub(crate) struct UninstallArgs {
    /// Show what would be removed, write nothing
    #[arg(long)]
    pub(crate) dry_run: bool,
}

#[derive(Debug, Args)]
pub(crate) struct ImportArgs {
    /// A crontab file, or - for standard input [default: `crontab -l`]
    pub(crate) source: Option<String>,

    /// Print the jobs that would be added, change nothing
    #[arg(long)]
    pub(crate) dry_run: bool,

    /// Read a system crontab: a user name between the schedule and the command [default:
    /// for /etc/crontab, /etc/cron.d/*, and files whose lines name users there]
    #[arg(long, overrides_with = "no_system")]
    pub(crate) system: bool,

    /// Read a user crontab (no user field), even if the lines look like a system crontab's
    #[arg(long, overrides_with = "system")]
    pub(crate) no_system: bool,
}

#[derive(Debug, Args)]
pub(crate) struct ExportArgs {
    /// What to export to
    #[arg(long, value_enum)]
    pub(crate) format: ExportFormat,

    /// Container image with jobtab in it (kubernetes)
    #[arg(long, required_if_eq("format", "kubernetes"))]
    pub(crate) image: Option<String>,

    /// Namespace for the manifests (kubernetes)
    #[arg(long)]
    pub(crate) namespace: Option<String>,

    /// Secret that holds the `${VAR}`s the jobs use (kubernetes)
    #[arg(long, value_name = "NAME")]
    pub(crate) secret: Option<String>,

    /// Write unit files into this folder instead of printing them (systemd)
    #[arg(long, value_name = "DIR")]
    pub(crate) output: Option<PathBuf>,

    /// File of NAME=value lines with the `${VAR}`s the jobs use, for EnvironmentFile=
    /// (systemd; an absolute path)
    #[arg(long, value_name = "PATH")]
    pub(crate) env_file: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ExportFormat {
    Kubernetes,
    Systemd,
}

#[derive(Debug, Args)]
pub(crate) struct CompletionsArgs {
    /// The shell
    #[arg(value_enum)]
    pub(crate) shell: clap_complete::Shell,

    /// Print a script that completes commands and options without running jobtab (no job
    /// names)
    #[arg(long = "static")]
    pub(crate) static_script: bool,
}

/// Checks a duration argument (`30s`, `1h30m`) while parsing, so a bad one is a usage error
/// (exit 2); the text is kept as written, as the job file stores it.
fn duration_text(text: &str) -> Result<String, String> {
    crate::duration::parse(text)
        .map(|_| text.to_owned())
        .map_err(|err| err.to_string())
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::Cli;

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn bad_durations_are_usage_errors() {
        use clap::Parser as _;
        let err = Cli::try_parse_from(["jobtab", "run", "--grace", "abc"]).unwrap_err();
        assert_eq!(err.exit_code(), 2);
        assert!(err.to_string().contains("invalid duration"), "{err}");
        let ok = Cli::try_parse_from(["jobtab", "run", "--grace", "1m30s"]).unwrap();
        let super::Command::Run(args) = ok.command else {
            panic!("not run");
        };
        assert_eq!(args.grace, "1m30s");
    }
}
