# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_jobtab_global_optspecs
    string join \n f/file= state-dir= color= h/help V/version
end

function __fish_jobtab_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_jobtab_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_jobtab_using_subcommand
    set -l cmd (__fish_jobtab_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c jobtab -n "__fish_jobtab_needs_command" -s f -l file -d 'The job file [default: $JOBTAB_FILE, else <config dir>/jobtab/jobs.toml]' -r -F
complete -c jobtab -n "__fish_jobtab_needs_command" -l state-dir -d 'Where history, locks and crontab backups live [default: $JOBTAB_STATE_DIR, else <state dir>/jobtab]' -r -F
complete -c jobtab -n "__fish_jobtab_needs_command" -l color -d 'When to colour status words and error prefixes: auto (on a terminal, unless $NO_COLOR is set), always, never' -r -f -a "auto\t'On a terminal, unless `NO_COLOR` is set to a non-empty value'
always\t'Always, even into a pipe or a file'
never\t'Never'"
complete -c jobtab -n "__fish_jobtab_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c jobtab -n "__fish_jobtab_needs_command" -s V -l version -d 'Print version'
complete -c jobtab -n "__fish_jobtab_needs_command" -f -a "add" -d 'Add a shell job or an HTTP job'
complete -c jobtab -n "__fish_jobtab_needs_command" -f -a "list" -d 'List jobs: name, schedule, next run, last result and what each runs'
complete -c jobtab -n "__fish_jobtab_needs_command" -f -a "ls" -d 'List jobs: name, schedule, next run, last result and what each runs'
complete -c jobtab -n "__fish_jobtab_needs_command" -f -a "show" -d 'Show every setting of one job, its schedule in words, its next runs and last results'
complete -c jobtab -n "__fish_jobtab_needs_command" -f -a "remove" -d 'Remove jobs; unknown names are an error and nothing is removed'
complete -c jobtab -n "__fish_jobtab_needs_command" -f -a "rm" -d 'Remove jobs; unknown names are an error and nothing is removed'
complete -c jobtab -n "__fish_jobtab_needs_command" -f -a "enable" -d 'Enable jobs'
complete -c jobtab -n "__fish_jobtab_needs_command" -f -a "disable" -d 'Disable jobs (they stay in the file but never run)'
complete -c jobtab -n "__fish_jobtab_needs_command" -f -a "edit" -d 'Edit the job file in $VISUAL or $EDITOR; an invalid file is never saved'
complete -c jobtab -n "__fish_jobtab_needs_command" -f -a "check" -d 'Validate the whole job file and report every problem'
complete -c jobtab -n "__fish_jobtab_needs_command" -f -a "explain" -d 'Describe a schedule in words and print its next runs'
complete -c jobtab -n "__fish_jobtab_needs_command" -f -a "next" -d 'Upcoming runs of all jobs (or the named ones), merged in time order'
complete -c jobtab -n "__fish_jobtab_needs_command" -f -a "exec" -d 'Run one job now, exactly as the scheduler would'
complete -c jobtab -n "__fish_jobtab_needs_command" -f -a "notify" -d 'Notification tools: `notify test NAME` sends a sample through the job\'s channels'
complete -c jobtab -n "__fish_jobtab_needs_command" -f -a "hook" -d 'Webhook tools: `hook send NAME` sends a signed request to a job\'s webhook'
complete -c jobtab -n "__fish_jobtab_needs_command" -f -a "run" -d 'Run the scheduler in the foreground'
complete -c jobtab -n "__fish_jobtab_needs_command" -f -a "history" -d 'Past runs, newest first'
complete -c jobtab -n "__fish_jobtab_needs_command" -f -a "logs" -d 'Print the captured output of a job\'s last run, or of one run'
complete -c jobtab -n "__fish_jobtab_needs_command" -f -a "deliveries" -d 'Requests the webhooks got, newest first'
complete -c jobtab -n "__fish_jobtab_needs_command" -f -a "install" -d 'Write the enabled jobs into your crontab, in a block jobtab manages'
complete -c jobtab -n "__fish_jobtab_needs_command" -f -a "uninstall" -d 'Remove jobtab\'s block from your crontab'
complete -c jobtab -n "__fish_jobtab_needs_command" -f -a "import" -d 'Turn crontab lines into jobs (default: your crontab, outside jobtab\'s blocks)'
complete -c jobtab -n "__fish_jobtab_needs_command" -f -a "export" -d 'Export the jobs as Kubernetes manifests or systemd units'
complete -c jobtab -n "__fish_jobtab_needs_command" -f -a "completions" -d 'Print shell completions'
complete -c jobtab -n "__fish_jobtab_needs_command" -f -a "man" -d 'Print the man page (roff)'
complete -c jobtab -n "__fish_jobtab_using_subcommand add" -l url -d 'Make an HTTP job calling this URL (`${VAR}` is expanded at run time)' -r
complete -c jobtab -n "__fish_jobtab_using_subcommand add" -l method -d 'HTTP method [default: GET]' -r
complete -c jobtab -n "__fish_jobtab_using_subcommand add" -s H -l header -d 'A request header, \'Name: value\' (repeatable)' -r
complete -c jobtab -n "__fish_jobtab_using_subcommand add" -l data -d 'The request body, or @FILE to read it from a file' -r
complete -c jobtab -n "__fish_jobtab_using_subcommand add" -l expect -d 'Status codes that count as success, e.g. 200,202 [default: any 2xx]' -r
complete -c jobtab -n "__fish_jobtab_using_subcommand add" -l timeout -d 'Kill the run after this long, e.g. 30s, 5m, 1h30m' -r
complete -c jobtab -n "__fish_jobtab_using_subcommand add" -l retries -d 'Further attempts after a failed one' -r
complete -c jobtab -n "__fish_jobtab_using_subcommand add" -l retry-delay -d 'Delay before the first retry; doubles each attempt, with jitter' -r
complete -c jobtab -n "__fish_jobtab_using_subcommand add" -l overlap -d 'What to do when a run is due while the previous one still runs' -r -f -a "skip\t'Skip the new run and log it'
queue\t'Run once right after the current run ends'
allow\t'Start the new run anyway'"
complete -c jobtab -n "__fish_jobtab_using_subcommand add" -l tz -d 'IANA time zone for the schedule, e.g. Europe/Berlin [default: the machine\'s]' -r
complete -c jobtab -n "__fish_jobtab_using_subcommand add" -l workdir -d 'Working directory for shell jobs' -r -F
complete -c jobtab -n "__fish_jobtab_using_subcommand add" -s e -l env -d 'An environment variable, K=V (repeatable)' -r
complete -c jobtab -n "__fish_jobtab_using_subcommand add" -l description -d 'A description shown by list and show' -r
complete -c jobtab -n "__fish_jobtab_using_subcommand add" -l notify -d 'POST the result of each run to this URL' -r
complete -c jobtab -n "__fish_jobtab_using_subcommand add" -l notify-on -d 'When to notify [default: failure]' -r -f -a "failure\t''
success\t''
always\t''"
complete -c jobtab -n "__fish_jobtab_using_subcommand add" -s f -l file -d 'The job file [default: $JOBTAB_FILE, else <config dir>/jobtab/jobs.toml]' -r -F
complete -c jobtab -n "__fish_jobtab_using_subcommand add" -l state-dir -d 'Where history, locks and crontab backups live [default: $JOBTAB_STATE_DIR, else <state dir>/jobtab]' -r -F
complete -c jobtab -n "__fish_jobtab_using_subcommand add" -l color -d 'When to colour status words and error prefixes: auto (on a terminal, unless $NO_COLOR is set), always, never' -r -f -a "auto\t'On a terminal, unless `NO_COLOR` is set to a non-empty value'
always\t'Always, even into a pipe or a file'
never\t'Never'"
complete -c jobtab -n "__fish_jobtab_using_subcommand add" -l disabled -d 'Add the job disabled'
complete -c jobtab -n "__fish_jobtab_using_subcommand add" -l replace -d 'Replace a job of the same name instead of failing'
complete -c jobtab -n "__fish_jobtab_using_subcommand add" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c jobtab -n "__fish_jobtab_using_subcommand add" -s V -l version -d 'Print version'
complete -c jobtab -n "__fish_jobtab_using_subcommand list" -s f -l file -d 'The job file [default: $JOBTAB_FILE, else <config dir>/jobtab/jobs.toml]' -r -F
complete -c jobtab -n "__fish_jobtab_using_subcommand list" -l state-dir -d 'Where history, locks and crontab backups live [default: $JOBTAB_STATE_DIR, else <state dir>/jobtab]' -r -F
complete -c jobtab -n "__fish_jobtab_using_subcommand list" -l color -d 'When to colour status words and error prefixes: auto (on a terminal, unless $NO_COLOR is set), always, never' -r -f -a "auto\t'On a terminal, unless `NO_COLOR` is set to a non-empty value'
always\t'Always, even into a pipe or a file'
never\t'Never'"
complete -c jobtab -n "__fish_jobtab_using_subcommand list" -l json -d 'Print JSON instead of a table'
complete -c jobtab -n "__fish_jobtab_using_subcommand list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c jobtab -n "__fish_jobtab_using_subcommand list" -s V -l version -d 'Print version'
complete -c jobtab -n "__fish_jobtab_using_subcommand ls" -s f -l file -d 'The job file [default: $JOBTAB_FILE, else <config dir>/jobtab/jobs.toml]' -r -F
complete -c jobtab -n "__fish_jobtab_using_subcommand ls" -l state-dir -d 'Where history, locks and crontab backups live [default: $JOBTAB_STATE_DIR, else <state dir>/jobtab]' -r -F
complete -c jobtab -n "__fish_jobtab_using_subcommand ls" -l color -d 'When to colour status words and error prefixes: auto (on a terminal, unless $NO_COLOR is set), always, never' -r -f -a "auto\t'On a terminal, unless `NO_COLOR` is set to a non-empty value'
always\t'Always, even into a pipe or a file'
never\t'Never'"
complete -c jobtab -n "__fish_jobtab_using_subcommand ls" -l json -d 'Print JSON instead of a table'
complete -c jobtab -n "__fish_jobtab_using_subcommand ls" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c jobtab -n "__fish_jobtab_using_subcommand ls" -s V -l version -d 'Print version'
complete -c jobtab -n "__fish_jobtab_using_subcommand show" -s f -l file -d 'The job file [default: $JOBTAB_FILE, else <config dir>/jobtab/jobs.toml]' -r -F
complete -c jobtab -n "__fish_jobtab_using_subcommand show" -l state-dir -d 'Where history, locks and crontab backups live [default: $JOBTAB_STATE_DIR, else <state dir>/jobtab]' -r -F
complete -c jobtab -n "__fish_jobtab_using_subcommand show" -l color -d 'When to colour status words and error prefixes: auto (on a terminal, unless $NO_COLOR is set), always, never' -r -f -a "auto\t'On a terminal, unless `NO_COLOR` is set to a non-empty value'
always\t'Always, even into a pipe or a file'
never\t'Never'"
complete -c jobtab -n "__fish_jobtab_using_subcommand show" -l json -d 'Print JSON'
complete -c jobtab -n "__fish_jobtab_using_subcommand show" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c jobtab -n "__fish_jobtab_using_subcommand show" -s V -l version -d 'Print version'
complete -c jobtab -n "__fish_jobtab_using_subcommand remove" -s f -l file -d 'The job file [default: $JOBTAB_FILE, else <config dir>/jobtab/jobs.toml]' -r -F
complete -c jobtab -n "__fish_jobtab_using_subcommand remove" -l state-dir -d 'Where history, locks and crontab backups live [default: $JOBTAB_STATE_DIR, else <state dir>/jobtab]' -r -F
complete -c jobtab -n "__fish_jobtab_using_subcommand remove" -l color -d 'When to colour status words and error prefixes: auto (on a terminal, unless $NO_COLOR is set), always, never' -r -f -a "auto\t'On a terminal, unless `NO_COLOR` is set to a non-empty value'
always\t'Always, even into a pipe or a file'
never\t'Never'"
complete -c jobtab -n "__fish_jobtab_using_subcommand remove" -l dry-run -d 'Say what would be removed, change nothing'
complete -c jobtab -n "__fish_jobtab_using_subcommand remove" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c jobtab -n "__fish_jobtab_using_subcommand remove" -s V -l version -d 'Print version'
complete -c jobtab -n "__fish_jobtab_using_subcommand rm" -s f -l file -d 'The job file [default: $JOBTAB_FILE, else <config dir>/jobtab/jobs.toml]' -r -F
complete -c jobtab -n "__fish_jobtab_using_subcommand rm" -l state-dir -d 'Where history, locks and crontab backups live [default: $JOBTAB_STATE_DIR, else <state dir>/jobtab]' -r -F
complete -c jobtab -n "__fish_jobtab_using_subcommand rm" -l color -d 'When to colour status words and error prefixes: auto (on a terminal, unless $NO_COLOR is set), always, never' -r -f -a "auto\t'On a terminal, unless `NO_COLOR` is set to a non-empty value'
always\t'Always, even into a pipe or a file'
never\t'Never'"
complete -c jobtab -n "__fish_jobtab_using_subcommand rm" -l dry-run -d 'Say what would be removed, change nothing'
complete -c jobtab -n "__fish_jobtab_using_subcommand rm" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c jobtab -n "__fish_jobtab_using_subcommand rm" -s V -l version -d 'Print version'
complete -c jobtab -n "__fish_jobtab_using_subcommand enable" -s f -l file -d 'The job file [default: $JOBTAB_FILE, else <config dir>/jobtab/jobs.toml]' -r -F
complete -c jobtab -n "__fish_jobtab_using_subcommand enable" -l state-dir -d 'Where history, locks and crontab backups live [default: $JOBTAB_STATE_DIR, else <state dir>/jobtab]' -r -F
complete -c jobtab -n "__fish_jobtab_using_subcommand enable" -l color -d 'When to colour status words and error prefixes: auto (on a terminal, unless $NO_COLOR is set), always, never' -r -f -a "auto\t'On a terminal, unless `NO_COLOR` is set to a non-empty value'
always\t'Always, even into a pipe or a file'
never\t'Never'"
complete -c jobtab -n "__fish_jobtab_using_subcommand enable" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c jobtab -n "__fish_jobtab_using_subcommand enable" -s V -l version -d 'Print version'
complete -c jobtab -n "__fish_jobtab_using_subcommand disable" -s f -l file -d 'The job file [default: $JOBTAB_FILE, else <config dir>/jobtab/jobs.toml]' -r -F
complete -c jobtab -n "__fish_jobtab_using_subcommand disable" -l state-dir -d 'Where history, locks and crontab backups live [default: $JOBTAB_STATE_DIR, else <state dir>/jobtab]' -r -F
complete -c jobtab -n "__fish_jobtab_using_subcommand disable" -l color -d 'When to colour status words and error prefixes: auto (on a terminal, unless $NO_COLOR is set), always, never' -r -f -a "auto\t'On a terminal, unless `NO_COLOR` is set to a non-empty value'
always\t'Always, even into a pipe or a file'
never\t'Never'"
complete -c jobtab -n "__fish_jobtab_using_subcommand disable" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c jobtab -n "__fish_jobtab_using_subcommand disable" -s V -l version -d 'Print version'
complete -c jobtab -n "__fish_jobtab_using_subcommand edit" -s f -l file -d 'The job file [default: $JOBTAB_FILE, else <config dir>/jobtab/jobs.toml]' -r -F
complete -c jobtab -n "__fish_jobtab_using_subcommand edit" -l state-dir -d 'Where history, locks and crontab backups live [default: $JOBTAB_STATE_DIR, else <state dir>/jobtab]' -r -F
complete -c jobtab -n "__fish_jobtab_using_subcommand edit" -l color -d 'When to colour status words and error prefixes: auto (on a terminal, unless $NO_COLOR is set), always, never' -r -f -a "auto\t'On a terminal, unless `NO_COLOR` is set to a non-empty value'
always\t'Always, even into a pipe or a file'
never\t'Never'"
complete -c jobtab -n "__fish_jobtab_using_subcommand edit" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c jobtab -n "__fish_jobtab_using_subcommand edit" -s V -l version -d 'Print version'
complete -c jobtab -n "__fish_jobtab_using_subcommand check" -s f -l file -d 'The job file [default: $JOBTAB_FILE, else <config dir>/jobtab/jobs.toml]' -r -F
complete -c jobtab -n "__fish_jobtab_using_subcommand check" -l state-dir -d 'Where history, locks and crontab backups live [default: $JOBTAB_STATE_DIR, else <state dir>/jobtab]' -r -F
complete -c jobtab -n "__fish_jobtab_using_subcommand check" -l color -d 'When to colour status words and error prefixes: auto (on a terminal, unless $NO_COLOR is set), always, never' -r -f -a "auto\t'On a terminal, unless `NO_COLOR` is set to a non-empty value'
always\t'Always, even into a pipe or a file'
never\t'Never'"
complete -c jobtab -n "__fish_jobtab_using_subcommand check" -l json -d 'Print the problems and warnings as JSON'
complete -c jobtab -n "__fish_jobtab_using_subcommand check" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c jobtab -n "__fish_jobtab_using_subcommand check" -s V -l version -d 'Print version'
complete -c jobtab -n "__fish_jobtab_using_subcommand explain" -s n -l count -d 'How many runs to print' -r
complete -c jobtab -n "__fish_jobtab_using_subcommand explain" -l after -d 'Start from this time (RFC 3339) instead of now' -r
complete -c jobtab -n "__fish_jobtab_using_subcommand explain" -l tz -d 'IANA time zone [default: the machine\'s]' -r
complete -c jobtab -n "__fish_jobtab_using_subcommand explain" -s f -l file -d 'The job file [default: $JOBTAB_FILE, else <config dir>/jobtab/jobs.toml]' -r -F
complete -c jobtab -n "__fish_jobtab_using_subcommand explain" -l state-dir -d 'Where history, locks and crontab backups live [default: $JOBTAB_STATE_DIR, else <state dir>/jobtab]' -r -F
complete -c jobtab -n "__fish_jobtab_using_subcommand explain" -l color -d 'When to colour status words and error prefixes: auto (on a terminal, unless $NO_COLOR is set), always, never' -r -f -a "auto\t'On a terminal, unless `NO_COLOR` is set to a non-empty value'
always\t'Always, even into a pipe or a file'
never\t'Never'"
complete -c jobtab -n "__fish_jobtab_using_subcommand explain" -l json -d 'Print JSON'
complete -c jobtab -n "__fish_jobtab_using_subcommand explain" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c jobtab -n "__fish_jobtab_using_subcommand explain" -s V -l version -d 'Print version'
complete -c jobtab -n "__fish_jobtab_using_subcommand next" -s n -l count -d 'How many runs to print' -r
complete -c jobtab -n "__fish_jobtab_using_subcommand next" -s f -l file -d 'The job file [default: $JOBTAB_FILE, else <config dir>/jobtab/jobs.toml]' -r -F
complete -c jobtab -n "__fish_jobtab_using_subcommand next" -l state-dir -d 'Where history, locks and crontab backups live [default: $JOBTAB_STATE_DIR, else <state dir>/jobtab]' -r -F
complete -c jobtab -n "__fish_jobtab_using_subcommand next" -l color -d 'When to colour status words and error prefixes: auto (on a terminal, unless $NO_COLOR is set), always, never' -r -f -a "auto\t'On a terminal, unless `NO_COLOR` is set to a non-empty value'
always\t'Always, even into a pipe or a file'
never\t'Never'"
complete -c jobtab -n "__fish_jobtab_using_subcommand next" -l json -d 'Print JSON'
complete -c jobtab -n "__fish_jobtab_using_subcommand next" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c jobtab -n "__fish_jobtab_using_subcommand next" -s V -l version -d 'Print version'
complete -c jobtab -n "__fish_jobtab_using_subcommand exec" -l payload -d 'Run it with this request body, as a webhook delivery would ("-": standard input)' -r -F
complete -c jobtab -n "__fish_jobtab_using_subcommand exec" -s f -l file -d 'The job file [default: $JOBTAB_FILE, else <config dir>/jobtab/jobs.toml]' -r -F
complete -c jobtab -n "__fish_jobtab_using_subcommand exec" -l state-dir -d 'Where history, locks and crontab backups live [default: $JOBTAB_STATE_DIR, else <state dir>/jobtab]' -r -F
complete -c jobtab -n "__fish_jobtab_using_subcommand exec" -l color -d 'When to colour status words and error prefixes: auto (on a terminal, unless $NO_COLOR is set), always, never' -r -f -a "auto\t'On a terminal, unless `NO_COLOR` is set to a non-empty value'
always\t'Always, even into a pipe or a file'
never\t'Never'"
complete -c jobtab -n "__fish_jobtab_using_subcommand exec" -l force -d 'Run the job even if it is disabled'
complete -c jobtab -n "__fish_jobtab_using_subcommand exec" -l json -d 'Print the run\'s record as JSON; the job\'s output goes to stderr as log lines'
complete -c jobtab -n "__fish_jobtab_using_subcommand exec" -l no-chain -d 'Do not run the jobs that run `after` this one (by default they run here, one by one, once its run ends)'
complete -c jobtab -n "__fish_jobtab_using_subcommand exec" -l jitter-slot -d 'Written by `install` on the lines of jobs with `jitter`: cron started this run at its slot plus the job\'s offset, so the run\'s `scheduled_at` (and `Idempotency-Key`) is this minute less the offset'
complete -c jobtab -n "__fish_jobtab_using_subcommand exec" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c jobtab -n "__fish_jobtab_using_subcommand exec" -s V -l version -d 'Print version'
complete -c jobtab -n "__fish_jobtab_using_subcommand notify; and not __fish_seen_subcommand_from test" -s f -l file -d 'The job file [default: $JOBTAB_FILE, else <config dir>/jobtab/jobs.toml]' -r -F
complete -c jobtab -n "__fish_jobtab_using_subcommand notify; and not __fish_seen_subcommand_from test" -l state-dir -d 'Where history, locks and crontab backups live [default: $JOBTAB_STATE_DIR, else <state dir>/jobtab]' -r -F
complete -c jobtab -n "__fish_jobtab_using_subcommand notify; and not __fish_seen_subcommand_from test" -l color -d 'When to colour status words and error prefixes: auto (on a terminal, unless $NO_COLOR is set), always, never' -r -f -a "auto\t'On a terminal, unless `NO_COLOR` is set to a non-empty value'
always\t'Always, even into a pipe or a file'
never\t'Never'"
complete -c jobtab -n "__fish_jobtab_using_subcommand notify; and not __fish_seen_subcommand_from test" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c jobtab -n "__fish_jobtab_using_subcommand notify; and not __fish_seen_subcommand_from test" -s V -l version -d 'Print version'
complete -c jobtab -n "__fish_jobtab_using_subcommand notify; and not __fish_seen_subcommand_from test" -f -a "test" -d 'Send a sample failure notification through every channel of a job and print each receiver\'s answer'
complete -c jobtab -n "__fish_jobtab_using_subcommand notify; and __fish_seen_subcommand_from test" -s f -l file -d 'The job file [default: $JOBTAB_FILE, else <config dir>/jobtab/jobs.toml]' -r -F
complete -c jobtab -n "__fish_jobtab_using_subcommand notify; and __fish_seen_subcommand_from test" -l state-dir -d 'Where history, locks and crontab backups live [default: $JOBTAB_STATE_DIR, else <state dir>/jobtab]' -r -F
complete -c jobtab -n "__fish_jobtab_using_subcommand notify; and __fish_seen_subcommand_from test" -l color -d 'When to colour status words and error prefixes: auto (on a terminal, unless $NO_COLOR is set), always, never' -r -f -a "auto\t'On a terminal, unless `NO_COLOR` is set to a non-empty value'
always\t'Always, even into a pipe or a file'
never\t'Never'"
complete -c jobtab -n "__fish_jobtab_using_subcommand notify; and __fish_seen_subcommand_from test" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c jobtab -n "__fish_jobtab_using_subcommand notify; and __fish_seen_subcommand_from test" -s V -l version -d 'Print version'
complete -c jobtab -n "__fish_jobtab_using_subcommand hook; and not __fish_seen_subcommand_from send" -s f -l file -d 'The job file [default: $JOBTAB_FILE, else <config dir>/jobtab/jobs.toml]' -r -F
complete -c jobtab -n "__fish_jobtab_using_subcommand hook; and not __fish_seen_subcommand_from send" -l state-dir -d 'Where history, locks and crontab backups live [default: $JOBTAB_STATE_DIR, else <state dir>/jobtab]' -r -F
complete -c jobtab -n "__fish_jobtab_using_subcommand hook; and not __fish_seen_subcommand_from send" -l color -d 'When to colour status words and error prefixes: auto (on a terminal, unless $NO_COLOR is set), always, never' -r -f -a "auto\t'On a terminal, unless `NO_COLOR` is set to a non-empty value'
always\t'Always, even into a pipe or a file'
never\t'Never'"
complete -c jobtab -n "__fish_jobtab_using_subcommand hook; and not __fish_seen_subcommand_from send" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c jobtab -n "__fish_jobtab_using_subcommand hook; and not __fish_seen_subcommand_from send" -s V -l version -d 'Print version'
complete -c jobtab -n "__fish_jobtab_using_subcommand hook; and not __fish_seen_subcommand_from send" -f -a "send" -d 'Send a request to a job\'s webhook, signed as its `verify` preset\'s sender signs, and print the answer'
complete -c jobtab -n "__fish_jobtab_using_subcommand hook; and __fish_seen_subcommand_from send" -l payload -d 'The body to send: a file, or - for stdin (default: {})' -r -F
complete -c jobtab -n "__fish_jobtab_using_subcommand hook; and __fish_seen_subcommand_from send" -l url -d 'Where to send it (default: http://<[server] listen><the hook\'s path>)' -r
complete -c jobtab -n "__fish_jobtab_using_subcommand hook; and __fish_seen_subcommand_from send" -l event -d 'The event name, in the header where the job\'s sender names it (X-GitHub-Event, X-Gitlab-Event, X-Shopify-Topic)' -r
complete -c jobtab -n "__fish_jobtab_using_subcommand hook; and __fish_seen_subcommand_from send" -s f -l file -d 'The job file [default: $JOBTAB_FILE, else <config dir>/jobtab/jobs.toml]' -r -F
complete -c jobtab -n "__fish_jobtab_using_subcommand hook; and __fish_seen_subcommand_from send" -l state-dir -d 'Where history, locks and crontab backups live [default: $JOBTAB_STATE_DIR, else <state dir>/jobtab]' -r -F
complete -c jobtab -n "__fish_jobtab_using_subcommand hook; and __fish_seen_subcommand_from send" -l color -d 'When to colour status words and error prefixes: auto (on a terminal, unless $NO_COLOR is set), always, never' -r -f -a "auto\t'On a terminal, unless `NO_COLOR` is set to a non-empty value'
always\t'Always, even into a pipe or a file'
never\t'Never'"
complete -c jobtab -n "__fish_jobtab_using_subcommand hook; and __fish_seen_subcommand_from send" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c jobtab -n "__fish_jobtab_using_subcommand hook; and __fish_seen_subcommand_from send" -s V -l version -d 'Print version'
complete -c jobtab -n "__fish_jobtab_using_subcommand run" -l log-format -d 'How running jobs are logged' -r -f -a "text\t''
json\t''"
complete -c jobtab -n "__fish_jobtab_using_subcommand run" -l grace -d 'How long to wait for running jobs on SIGINT/SIGTERM before killing them' -r
complete -c jobtab -n "__fish_jobtab_using_subcommand run" -l metrics -d 'Serve Prometheus metrics on this address, e.g. 127.0.0.1:9184' -r
complete -c jobtab -n "__fish_jobtab_using_subcommand run" -l listen -d 'Serve webhooks, /healthz and /metrics on this address (overrides [server] listen), e.g. 127.0.0.1:8080' -r
complete -c jobtab -n "__fish_jobtab_using_subcommand run" -s f -l file -d 'The job file [default: $JOBTAB_FILE, else <config dir>/jobtab/jobs.toml]' -r -F
complete -c jobtab -n "__fish_jobtab_using_subcommand run" -l state-dir -d 'Where history, locks and crontab backups live [default: $JOBTAB_STATE_DIR, else <state dir>/jobtab]' -r -F
complete -c jobtab -n "__fish_jobtab_using_subcommand run" -l color -d 'When to colour status words and error prefixes: auto (on a terminal, unless $NO_COLOR is set), always, never' -r -f -a "auto\t'On a terminal, unless `NO_COLOR` is set to a non-empty value'
always\t'Always, even into a pipe or a file'
never\t'Never'"
complete -c jobtab -n "__fish_jobtab_using_subcommand run" -l check -d 'Validate the job file and exit'
complete -c jobtab -n "__fish_jobtab_using_subcommand run" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c jobtab -n "__fish_jobtab_using_subcommand run" -s V -l version -d 'Print version'
complete -c jobtab -n "__fish_jobtab_using_subcommand history" -s n -l limit -d 'At most this many runs' -r
complete -c jobtab -n "__fish_jobtab_using_subcommand history" -s f -l file -d 'The job file [default: $JOBTAB_FILE, else <config dir>/jobtab/jobs.toml]' -r -F
complete -c jobtab -n "__fish_jobtab_using_subcommand history" -l state-dir -d 'Where history, locks and crontab backups live [default: $JOBTAB_STATE_DIR, else <state dir>/jobtab]' -r -F
complete -c jobtab -n "__fish_jobtab_using_subcommand history" -l color -d 'When to colour status words and error prefixes: auto (on a terminal, unless $NO_COLOR is set), always, never' -r -f -a "auto\t'On a terminal, unless `NO_COLOR` is set to a non-empty value'
always\t'Always, even into a pipe or a file'
never\t'Never'"
complete -c jobtab -n "__fish_jobtab_using_subcommand history" -l failed -d 'Only failed runs'
complete -c jobtab -n "__fish_jobtab_using_subcommand history" -s o -l output -d 'Show the end of each run\'s output under its line'
complete -c jobtab -n "__fish_jobtab_using_subcommand history" -l json -d 'Print JSON'
complete -c jobtab -n "__fish_jobtab_using_subcommand history" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c jobtab -n "__fish_jobtab_using_subcommand history" -s V -l version -d 'Print version'
complete -c jobtab -n "__fish_jobtab_using_subcommand logs" -l run -d 'This run instead of the last one (its id from `history`, or the id\'s first characters)' -r
complete -c jobtab -n "__fish_jobtab_using_subcommand logs" -s f -l file -d 'The job file [default: $JOBTAB_FILE, else <config dir>/jobtab/jobs.toml]' -r -F
complete -c jobtab -n "__fish_jobtab_using_subcommand logs" -l state-dir -d 'Where history, locks and crontab backups live [default: $JOBTAB_STATE_DIR, else <state dir>/jobtab]' -r -F
complete -c jobtab -n "__fish_jobtab_using_subcommand logs" -l color -d 'When to colour status words and error prefixes: auto (on a terminal, unless $NO_COLOR is set), always, never' -r -f -a "auto\t'On a terminal, unless `NO_COLOR` is set to a non-empty value'
always\t'Always, even into a pipe or a file'
never\t'Never'"
complete -c jobtab -n "__fish_jobtab_using_subcommand logs" -s F -l follow -d 'Keep going: print the output of each new run as it is recorded, until interrupted'
complete -c jobtab -n "__fish_jobtab_using_subcommand logs" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c jobtab -n "__fish_jobtab_using_subcommand logs" -s V -l version -d 'Print version'
complete -c jobtab -n "__fish_jobtab_using_subcommand deliveries" -s n -l limit -d 'At most this many requests' -r
complete -c jobtab -n "__fish_jobtab_using_subcommand deliveries" -s f -l file -d 'The job file [default: $JOBTAB_FILE, else <config dir>/jobtab/jobs.toml]' -r -F
complete -c jobtab -n "__fish_jobtab_using_subcommand deliveries" -l state-dir -d 'Where history, locks and crontab backups live [default: $JOBTAB_STATE_DIR, else <state dir>/jobtab]' -r -F
complete -c jobtab -n "__fish_jobtab_using_subcommand deliveries" -l color -d 'When to colour status words and error prefixes: auto (on a terminal, unless $NO_COLOR is set), always, never' -r -f -a "auto\t'On a terminal, unless `NO_COLOR` is set to a non-empty value'
always\t'Always, even into a pipe or a file'
never\t'Never'"
complete -c jobtab -n "__fish_jobtab_using_subcommand deliveries" -l json -d 'Print JSON'
complete -c jobtab -n "__fish_jobtab_using_subcommand deliveries" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c jobtab -n "__fish_jobtab_using_subcommand deliveries" -s V -l version -d 'Print version'
complete -c jobtab -n "__fish_jobtab_using_subcommand install" -s f -l file -d 'The job file [default: $JOBTAB_FILE, else <config dir>/jobtab/jobs.toml]' -r -F
complete -c jobtab -n "__fish_jobtab_using_subcommand install" -l state-dir -d 'Where history, locks and crontab backups live [default: $JOBTAB_STATE_DIR, else <state dir>/jobtab]' -r -F
complete -c jobtab -n "__fish_jobtab_using_subcommand install" -l color -d 'When to colour status words and error prefixes: auto (on a terminal, unless $NO_COLOR is set), always, never' -r -f -a "auto\t'On a terminal, unless `NO_COLOR` is set to a non-empty value'
always\t'Always, even into a pipe or a file'
never\t'Never'"
complete -c jobtab -n "__fish_jobtab_using_subcommand install" -l dry-run -d 'Show what would be written, write nothing'
complete -c jobtab -n "__fish_jobtab_using_subcommand install" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c jobtab -n "__fish_jobtab_using_subcommand install" -s V -l version -d 'Print version'
complete -c jobtab -n "__fish_jobtab_using_subcommand uninstall" -s f -l file -d 'The job file [default: $JOBTAB_FILE, else <config dir>/jobtab/jobs.toml]' -r -F
complete -c jobtab -n "__fish_jobtab_using_subcommand uninstall" -l state-dir -d 'Where history, locks and crontab backups live [default: $JOBTAB_STATE_DIR, else <state dir>/jobtab]' -r -F
complete -c jobtab -n "__fish_jobtab_using_subcommand uninstall" -l color -d 'When to colour status words and error prefixes: auto (on a terminal, unless $NO_COLOR is set), always, never' -r -f -a "auto\t'On a terminal, unless `NO_COLOR` is set to a non-empty value'
always\t'Always, even into a pipe or a file'
never\t'Never'"
complete -c jobtab -n "__fish_jobtab_using_subcommand uninstall" -l dry-run -d 'Show what would be removed, write nothing'
complete -c jobtab -n "__fish_jobtab_using_subcommand uninstall" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c jobtab -n "__fish_jobtab_using_subcommand uninstall" -s V -l version -d 'Print version'
complete -c jobtab -n "__fish_jobtab_using_subcommand import" -s f -l file -d 'The job file [default: $JOBTAB_FILE, else <config dir>/jobtab/jobs.toml]' -r -F
complete -c jobtab -n "__fish_jobtab_using_subcommand import" -l state-dir -d 'Where history, locks and crontab backups live [default: $JOBTAB_STATE_DIR, else <state dir>/jobtab]' -r -F
complete -c jobtab -n "__fish_jobtab_using_subcommand import" -l color -d 'When to colour status words and error prefixes: auto (on a terminal, unless $NO_COLOR is set), always, never' -r -f -a "auto\t'On a terminal, unless `NO_COLOR` is set to a non-empty value'
always\t'Always, even into a pipe or a file'
never\t'Never'"
complete -c jobtab -n "__fish_jobtab_using_subcommand import" -l dry-run -d 'Print the jobs that would be added, change nothing'
complete -c jobtab -n "__fish_jobtab_using_subcommand import" -l system -d 'Read a system crontab: a user name between the schedule and the command [default: for /etc/crontab, /etc/cron.d/*, and files whose lines name users there]'
complete -c jobtab -n "__fish_jobtab_using_subcommand import" -l no-system -d 'Read a user crontab (no user field), even if the lines look like a system crontab\'s'
complete -c jobtab -n "__fish_jobtab_using_subcommand import" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c jobtab -n "__fish_jobtab_using_subcommand import" -s V -l version -d 'Print version'
complete -c jobtab -n "__fish_jobtab_using_subcommand export" -l format -d 'What to export to' -r -f -a "kubernetes\t''
systemd\t''"
complete -c jobtab -n "__fish_jobtab_using_subcommand export" -l image -d 'Container image with jobtab in it (kubernetes)' -r
complete -c jobtab -n "__fish_jobtab_using_subcommand export" -l namespace -d 'Namespace for the manifests (kubernetes)' -r
complete -c jobtab -n "__fish_jobtab_using_subcommand export" -l secret -d 'Secret that holds the `${VAR}`s the jobs use (kubernetes)' -r
complete -c jobtab -n "__fish_jobtab_using_subcommand export" -l output -d 'Write unit files into this folder instead of printing them (systemd)' -r -F
complete -c jobtab -n "__fish_jobtab_using_subcommand export" -l env-file -d 'File of NAME=value lines with the `${VAR}`s the jobs use, for EnvironmentFile= (systemd; an absolute path)' -r -F
complete -c jobtab -n "__fish_jobtab_using_subcommand export" -s f -l file -d 'The job file [default: $JOBTAB_FILE, else <config dir>/jobtab/jobs.toml]' -r -F
complete -c jobtab -n "__fish_jobtab_using_subcommand export" -l state-dir -d 'Where history, locks and crontab backups live [default: $JOBTAB_STATE_DIR, else <state dir>/jobtab]' -r -F
complete -c jobtab -n "__fish_jobtab_using_subcommand export" -l color -d 'When to colour status words and error prefixes: auto (on a terminal, unless $NO_COLOR is set), always, never' -r -f -a "auto\t'On a terminal, unless `NO_COLOR` is set to a non-empty value'
always\t'Always, even into a pipe or a file'
never\t'Never'"
complete -c jobtab -n "__fish_jobtab_using_subcommand export" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c jobtab -n "__fish_jobtab_using_subcommand export" -s V -l version -d 'Print version'
complete -c jobtab -n "__fish_jobtab_using_subcommand completions" -s f -l file -d 'The job file [default: $JOBTAB_FILE, else <config dir>/jobtab/jobs.toml]' -r -F
complete -c jobtab -n "__fish_jobtab_using_subcommand completions" -l state-dir -d 'Where history, locks and crontab backups live [default: $JOBTAB_STATE_DIR, else <state dir>/jobtab]' -r -F
complete -c jobtab -n "__fish_jobtab_using_subcommand completions" -l color -d 'When to colour status words and error prefixes: auto (on a terminal, unless $NO_COLOR is set), always, never' -r -f -a "auto\t'On a terminal, unless `NO_COLOR` is set to a non-empty value'
always\t'Always, even into a pipe or a file'
never\t'Never'"
complete -c jobtab -n "__fish_jobtab_using_subcommand completions" -l static -d 'Print a script that completes commands and options without running jobtab (no job names)'
complete -c jobtab -n "__fish_jobtab_using_subcommand completions" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c jobtab -n "__fish_jobtab_using_subcommand completions" -s V -l version -d 'Print version'
complete -c jobtab -n "__fish_jobtab_using_subcommand man" -s f -l file -d 'The job file [default: $JOBTAB_FILE, else <config dir>/jobtab/jobs.toml]' -r -F
complete -c jobtab -n "__fish_jobtab_using_subcommand man" -l state-dir -d 'Where history, locks and crontab backups live [default: $JOBTAB_STATE_DIR, else <state dir>/jobtab]' -r -F
complete -c jobtab -n "__fish_jobtab_using_subcommand man" -l color -d 'When to colour status words and error prefixes: auto (on a terminal, unless $NO_COLOR is set), always, never' -r -f -a "auto\t'On a terminal, unless `NO_COLOR` is set to a non-empty value'
always\t'Always, even into a pipe or a file'
never\t'Never'"
complete -c jobtab -n "__fish_jobtab_using_subcommand man" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c jobtab -n "__fish_jobtab_using_subcommand man" -s V -l version -d 'Print version'
