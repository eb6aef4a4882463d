
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'jobtab' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'jobtab'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'jobtab' {
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'The job file [default: $JOBTAB_FILE, else <config dir>/jobtab/jobs.toml]')
            [CompletionResult]::new('--file', '--file', [CompletionResultType]::ParameterName, 'The job file [default: $JOBTAB_FILE, else <config dir>/jobtab/jobs.toml]')
            [CompletionResult]::new('--state-dir', '--state-dir', [CompletionResultType]::ParameterName, 'Where history, locks and crontab backups live [default: $JOBTAB_STATE_DIR, else <state dir>/jobtab]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour status words and error prefixes: auto (on a terminal, unless $NO_COLOR is set), always, never')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('add', 'add', [CompletionResultType]::ParameterValue, 'Add a shell job or an HTTP job')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List jobs: name, schedule, next run, last result and what each runs')
            [CompletionResult]::new('ls', 'ls', [CompletionResultType]::ParameterValue, 'List jobs: name, schedule, next run, last result and what each runs')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show every setting of one job, its schedule in words, its next runs and last results')
            [CompletionResult]::new('remove', 'remove', [CompletionResultType]::ParameterValue, 'Remove jobs; unknown names are an error and nothing is removed')
            [CompletionResult]::new('rm', 'rm', [CompletionResultType]::ParameterValue, 'Remove jobs; unknown names are an error and nothing is removed')
            [CompletionResult]::new('enable', 'enable', [CompletionResultType]::ParameterValue, 'Enable jobs')
            [CompletionResult]::new('disable', 'disable', [CompletionResultType]::ParameterValue, 'Disable jobs (they stay in the file but never run)')
            [CompletionResult]::new('edit', 'edit', [CompletionResultType]::ParameterValue, 'Edit the job file in $VISUAL or $EDITOR; an invalid file is never saved')
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Validate the whole job file and report every problem')
            [CompletionResult]::new('explain', 'explain', [CompletionResultType]::ParameterValue, 'Describe a schedule in words and print its next runs')
            [CompletionResult]::new('next', 'next', [CompletionResultType]::ParameterValue, 'Upcoming runs of all jobs (or the named ones), merged in time order')
            [CompletionResult]::new('exec', 'exec', [CompletionResultType]::ParameterValue, 'Run one job now, exactly as the scheduler would')
            [CompletionResult]::new('notify', 'notify', [CompletionResultType]::ParameterValue, 'Notification tools: `notify test NAME` sends a sample through the job''s channels')
            [CompletionResult]::new('hook', 'hook', [CompletionResultType]::ParameterValue, 'Webhook tools: `hook send NAME` sends a signed request to a job''s webhook')
            [CompletionResult]::new('run', 'run', [CompletionResultType]::ParameterValue, 'Run the scheduler in the foreground')
            [CompletionResult]::new('history', 'history', [CompletionResultType]::ParameterValue, 'Past runs, newest first')
            [CompletionResult]::new('logs', 'logs', [CompletionResultType]::ParameterValue, 'Print the captured output of a job''s last run, or of one run')
            [CompletionResult]::new('deliveries', 'deliveries', [CompletionResultType]::ParameterValue, 'Requests the webhooks got, newest first')
            [CompletionResult]::new('install', 'install', [CompletionResultType]::ParameterValue, 'Write the enabled jobs into your crontab, in a block jobtab manages')
            [CompletionResult]::new('uninstall', 'uninstall', [CompletionResultType]::ParameterValue, 'Remove jobtab''s block from your crontab')
            [CompletionResult]::new('import', 'import', [CompletionResultType]::ParameterValue, 'Turn crontab lines into jobs (default: your crontab, outside jobtab''s blocks)')
            [CompletionResult]::new('export', 'export', [CompletionResultType]::ParameterValue, 'Export the jobs as Kubernetes manifests or systemd units')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print shell completions')
            [CompletionResult]::new('man', 'man', [CompletionResultType]::ParameterValue, 'Print the man page (roff)')
            break
        }
        'jobtab;add' {
            [CompletionResult]::new('--url', '--url', [CompletionResultType]::ParameterName, 'Make an HTTP job calling this URL (`${VAR}` is expanded at run time)')
            [CompletionResult]::new('--method', '--method', [CompletionResultType]::ParameterName, 'HTTP method [default: GET]')
            [CompletionResult]::new('-H', '-H ', [CompletionResultType]::ParameterName, 'A request header, ''Name: value'' (repeatable)')
            [CompletionResult]::new('--header', '--header', [CompletionResultType]::ParameterName, 'A request header, ''Name: value'' (repeatable)')
            [CompletionResult]::new('--data', '--data', [CompletionResultType]::ParameterName, 'The request body, or @FILE to read it from a file')
            [CompletionResult]::new('--expect', '--expect', [CompletionResultType]::ParameterName, 'Status codes that count as success, e.g. 200,202 [default: any 2xx]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Kill the run after this long, e.g. 30s, 5m, 1h30m')
            [CompletionResult]::new('--retries', '--retries', [CompletionResultType]::ParameterName, 'Further attempts after a failed one')
            [CompletionResult]::new('--retry-delay', '--retry-delay', [CompletionResultType]::ParameterName, 'Delay before the first retry; doubles each attempt, with jitter')
            [CompletionResult]::new('--overlap', '--overlap', [CompletionResultType]::ParameterName, 'What to do when a run is due while the previous one still runs')
            [CompletionResult]::new('--tz', '--tz', [CompletionResultType]::ParameterName, 'IANA time zone for the schedule, e.g. Europe/Berlin [default: the machine''s]')
            [CompletionResult]::new('--workdir', '--workdir', [CompletionResultType]::ParameterName, 'Working directory for shell jobs')
            [CompletionResult]::new('-e', '-e', [CompletionResultType]::ParameterName, 'An environment variable, K=V (repeatable)')
            [CompletionResult]::new('--env', '--env', [CompletionResultType]::ParameterName, 'An environment variable, K=V (repeatable)')
            [CompletionResult]::new('--description', '--description', [CompletionResultType]::ParameterName, 'A description shown by list and show')
            [CompletionResult]::new('--notify', '--notify', [CompletionResultType]::ParameterName, 'POST the result of each run to this URL')
            [CompletionResult]::new('--notify-on', '--notify-on', [CompletionResultType]::ParameterName, 'When to notify [default: failure]')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'The job file [default: $JOBTAB_FILE, else <config dir>/jobtab/jobs.toml]')
            [CompletionResult]::new('--file', '--file', [CompletionResultType]::ParameterName, 'The job file [default: $JOBTAB_FILE, else <config dir>/jobtab/jobs.toml]')
            [CompletionResult]::new('--state-dir', '--state-dir', [CompletionResultType]::ParameterName, 'Where history, locks and crontab backups live [default: $JOBTAB_STATE_DIR, else <state dir>/jobtab]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour status words and error prefixes: auto (on a terminal, unless $NO_COLOR is set), always, never')
            [CompletionResult]::new('--disabled', '--disabled', [CompletionResultType]::ParameterName, 'Add the job disabled')
            [CompletionResult]::new('--replace', '--replace', [CompletionResultType]::ParameterName, 'Replace a job of the same name instead of failing')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'jobtab;list' {
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'The job file [default: $JOBTAB_FILE, else <config dir>/jobtab/jobs.toml]')
            [CompletionResult]::new('--file', '--file', [CompletionResultType]::ParameterName, 'The job file [default: $JOBTAB_FILE, else <config dir>/jobtab/jobs.toml]')
            [CompletionResult]::new('--state-dir', '--state-dir', [CompletionResultType]::ParameterName, 'Where history, locks and crontab backups live [default: $JOBTAB_STATE_DIR, else <state dir>/jobtab]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour status words and error prefixes: auto (on a terminal, unless $NO_COLOR is set), always, never')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON instead of a table')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'jobtab;ls' {
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'The job file [default: $JOBTAB_FILE, else <config dir>/jobtab/jobs.toml]')
            [CompletionResult]::new('--file', '--file', [CompletionResultType]::ParameterName, 'The job file [default: $JOBTAB_FILE, else <config dir>/jobtab/jobs.toml]')
            [CompletionResult]::new('--state-dir', '--state-dir', [CompletionResultType]::ParameterName, 'Where history, locks and crontab backups live [default: $JOBTAB_STATE_DIR, else <state dir>/jobtab]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour status words and error prefixes: auto (on a terminal, unless $NO_COLOR is set), always, never')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON instead of a table')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'jobtab;show' {
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'The job file [default: $JOBTAB_FILE, else <config dir>/jobtab/jobs.toml]')
            [CompletionResult]::new('--file', '--file', [CompletionResultType]::ParameterName, 'The job file [default: $JOBTAB_FILE, else <config dir>/jobtab/jobs.toml]')
            [CompletionResult]::new('--state-dir', '--state-dir', [CompletionResultType]::ParameterName, 'Where history, locks and crontab backups live [default: $JOBTAB_STATE_DIR, else <state dir>/jobtab]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour status words and error prefixes: auto (on a terminal, unless $NO_COLOR is set), always, never')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'jobtab;remove' {
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'The job file [default: $JOBTAB_FILE, else <config dir>/jobtab/jobs.toml]')
            [CompletionResult]::new('--file', '--file', [CompletionResultType]::ParameterName, 'The job file [default: $JOBTAB_FILE, else <config dir>/jobtab/jobs.toml]')
            [CompletionResult]::new('--state-dir', '--state-dir', [CompletionResultType]::ParameterName, 'Where history, locks and crontab backups live [default: $JOBTAB_STATE_DIR, else <state dir>/jobtab]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour status words and error prefixes: auto (on a terminal, unless $NO_COLOR is set), always, never')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Say what would be removed, change nothing')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'jobtab;rm' {
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'The job file [default: $JOBTAB_FILE, else <config dir>/jobtab/jobs.toml]')
            [CompletionResult]::new('--file', '--file', [CompletionResultType]::ParameterName, 'The job file [default: $JOBTAB_FILE, else <config dir>/jobtab/jobs.toml]')
            [CompletionResult]::new('--state-dir', '--state-dir', [CompletionResultType]::ParameterName, 'Where history, locks and crontab backups live [default: $JOBTAB_STATE_DIR, else <state dir>/jobtab]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour status words and error prefixes: auto (on a terminal, unless $NO_COLOR is set), always, never')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Say what would be removed, change nothing')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'jobtab;enable' {
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'The job file [default: $JOBTAB_FILE, else <config dir>/jobtab/jobs.toml]')
            [CompletionResult]::new('--file', '--file', [CompletionResultType]::ParameterName, 'The job file [default: $JOBTAB_FILE, else <config dir>/jobtab/jobs.toml]')
            [CompletionResult]::new('--state-dir', '--state-dir', [CompletionResultType]::ParameterName, 'Where history, locks and crontab backups live [default: $JOBTAB_STATE_DIR, else <state dir>/jobtab]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour status words and error prefixes: auto (on a terminal, unless $NO_COLOR is set), always, never')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'jobtab;disable' {
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'The job file [default: $JOBTAB_FILE, else <config dir>/jobtab/jobs.toml]')
            [CompletionResult]::new('--file', '--file', [CompletionResultType]::ParameterName, 'The job file [default: $JOBTAB_FILE, else <config dir>/jobtab/jobs.toml]')
            [CompletionResult]::new('--state-dir', '--state-dir', [CompletionResultType]::ParameterName, 'Where history, locks and crontab backups live [default: $JOBTAB_STATE_DIR, else <state dir>/jobtab]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour status words and error prefixes: auto (on a terminal, unless $NO_COLOR is set), always, never')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'jobtab;edit' {
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'The job file [default: $JOBTAB_FILE, else <config dir>/jobtab/jobs.toml]')
            [CompletionResult]::new('--file', '--file', [CompletionResultType]::ParameterName, 'The job file [default: $JOBTAB_FILE, else <config dir>/jobtab/jobs.toml]')
            [CompletionResult]::new('--state-dir', '--state-dir', [CompletionResultType]::ParameterName, 'Where history, locks and crontab backups live [default: $JOBTAB_STATE_DIR, else <state dir>/jobtab]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour status words and error prefixes: auto (on a terminal, unless $NO_COLOR is set), always, never')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'jobtab;check' {
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'The job file [default: $JOBTAB_FILE, else <config dir>/jobtab/jobs.toml]')
            [CompletionResult]::new('--file', '--file', [CompletionResultType]::ParameterName, 'The job file [default: $JOBTAB_FILE, else <config dir>/jobtab/jobs.toml]')
            [CompletionResult]::new('--state-dir', '--state-dir', [CompletionResultType]::ParameterName, 'Where history, locks and crontab backups live [default: $JOBTAB_STATE_DIR, else <state dir>/jobtab]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour status words and error prefixes: auto (on a terminal, unless $NO_COLOR is set), always, never')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print the problems and warnings as JSON')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'jobtab;explain' {
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'How many runs to print')
            [CompletionResult]::new('--count', '--count', [CompletionResultType]::ParameterName, 'How many runs to print')
            [CompletionResult]::new('--after', '--after', [CompletionResultType]::ParameterName, 'Start from this time (RFC 3339) instead of now')
            [CompletionResult]::new('--tz', '--tz', [CompletionResultType]::ParameterName, 'IANA time zone [default: the machine''s]')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'The job file [default: $JOBTAB_FILE, else <config dir>/jobtab/jobs.toml]')
            [CompletionResult]::new('--file', '--file', [CompletionResultType]::ParameterName, 'The job file [default: $JOBTAB_FILE, else <config dir>/jobtab/jobs.toml]')
            [CompletionResult]::new('--state-dir', '--state-dir', [CompletionResultType]::ParameterName, 'Where history, locks and crontab backups live [default: $JOBTAB_STATE_DIR, else <state dir>/jobtab]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour status words and error prefixes: auto (on a terminal, unless $NO_COLOR is set), always, never')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'jobtab;next' {
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'How many runs to print')
            [CompletionResult]::new('--count', '--count', [CompletionResultType]::ParameterName, 'How many runs to print')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'The job file [default: $JOBTAB_FILE, else <config dir>/jobtab/jobs.toml]')
            [CompletionResult]::new('--file', '--file', [CompletionResultType]::ParameterName, 'The job file [default: $JOBTAB_FILE, else <config dir>/jobtab/jobs.toml]')
            [CompletionResult]::new('--state-dir', '--state-dir', [CompletionResultType]::ParameterName, 'Where history, locks and crontab backups live [default: $JOBTAB_STATE_DIR, else <state dir>/jobtab]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour status words and error prefixes: auto (on a terminal, unless $NO_COLOR is set), always, never')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'jobtab;exec' {
            [CompletionResult]::new('--payload', '--payload', [CompletionResultType]::ParameterName, 'Run it with this request body, as a webhook delivery would ("-": standard input)')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'The job file [default: $JOBTAB_FILE, else <config dir>/jobtab/jobs.toml]')
            [CompletionResult]::new('--file', '--file', [CompletionResultType]::ParameterName, 'The job file [default: $JOBTAB_FILE, else <config dir>/jobtab/jobs.toml]')
            [CompletionResult]::new('--state-dir', '--state-dir', [CompletionResultType]::ParameterName, 'Where history, locks and crontab backups live [default: $JOBTAB_STATE_DIR, else <state dir>/jobtab]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour status words and error prefixes: auto (on a terminal, unless $NO_COLOR is set), always, never')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Run the job even if it is disabled')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print the run''s record as JSON; the job''s output goes to stderr as log lines')
            [CompletionResult]::new('--no-chain', '--no-chain', [CompletionResultType]::ParameterName, 'Do not run the jobs that run `after` this one (by default they run here, one by one, once its run ends)')
            [CompletionResult]::new('--jitter-slot', '--jitter-slot', [CompletionResultType]::ParameterName, 'Written by `install` on the lines of jobs with `jitter`: cron started this run at its slot plus the job''s offset, so the run''s `scheduled_at` (and `Idempotency-Key`) is this minute less the offset')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'jobtab;notify' {
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'The job file [default: $JOBTAB_FILE, else <config dir>/jobtab/jobs.toml]')
            [CompletionResult]::new('--file', '--file', [CompletionResultType]::ParameterName, 'The job file [default: $JOBTAB_FILE, else <config dir>/jobtab/jobs.toml]')
            [CompletionResult]::new('--state-dir', '--state-dir', [CompletionResultType]::ParameterName, 'Where history, locks and crontab backups live [default: $JOBTAB_STATE_DIR, else <state dir>/jobtab]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour status words and error prefixes: auto (on a terminal, unless $NO_COLOR is set), always, never')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('test', 'test', [CompletionResultType]::ParameterValue, 'Send a sample failure notification through every channel of a job and print each receiver''s answer')
            break
        }
        'jobtab;notify;test' {
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'The job file [default: $JOBTAB_FILE, else <config dir>/jobtab/jobs.toml]')
            [CompletionResult]::new('--file', '--file', [CompletionResultType]::ParameterName, 'The job file [default: $JOBTAB_FILE, else <config dir>/jobtab/jobs.toml]')
            [CompletionResult]::new('--state-dir', '--state-dir', [CompletionResultType]::ParameterName, 'Where history, locks and crontab backups live [default: $JOBTAB_STATE_DIR, else <state dir>/jobtab]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour status words and error prefixes: auto (on a terminal, unless $NO_COLOR is set), always, never')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'jobtab;hook' {
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'The job file [default: $JOBTAB_FILE, else <config dir>/jobtab/jobs.toml]')
            [CompletionResult]::new('--file', '--file', [CompletionResultType]::ParameterName, 'The job file [default: $JOBTAB_FILE, else <config dir>/jobtab/jobs.toml]')
            [CompletionResult]::new('--state-dir', '--state-dir', [CompletionResultType]::ParameterName, 'Where history, locks and crontab backups live [default: $JOBTAB_STATE_DIR, else <state dir>/jobtab]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour status words and error prefixes: auto (on a terminal, unless $NO_COLOR is set), always, never')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('send', 'send', [CompletionResultType]::ParameterValue, 'Send a request to a job''s webhook, signed as its `verify` preset''s sender signs, and print the answer')
            break
        }
        'jobtab;hook;send' {
            [CompletionResult]::new('--payload', '--payload', [CompletionResultType]::ParameterName, 'The body to send: a file, or - for stdin (default: {})')
            [CompletionResult]::new('--url', '--url', [CompletionResultType]::ParameterName, 'Where to send it (default: http://<[server] listen><the hook''s path>)')
            [CompletionResult]::new('--event', '--event', [CompletionResultType]::ParameterName, 'The event name, in the header where the job''s sender names it (X-GitHub-Event, X-Gitlab-Event, X-Shopify-Topic)')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'The job file [default: $JOBTAB_FILE, else <config dir>/jobtab/jobs.toml]')
            [CompletionResult]::new('--file', '--file', [CompletionResultType]::ParameterName, 'The job file [default: $JOBTAB_FILE, else <config dir>/jobtab/jobs.toml]')
            [CompletionResult]::new('--state-dir', '--state-dir', [CompletionResultType]::ParameterName, 'Where history, locks and crontab backups live [default: $JOBTAB_STATE_DIR, else <state dir>/jobtab]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour status words and error prefixes: auto (on a terminal, unless $NO_COLOR is set), always, never')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'jobtab;run' {
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'How running jobs are logged')
            [CompletionResult]::new('--grace', '--grace', [CompletionResultType]::ParameterName, 'How long to wait for running jobs on SIGINT/SIGTERM before killing them')
            [CompletionResult]::new('--metrics', '--metrics', [CompletionResultType]::ParameterName, 'Serve Prometheus metrics on this address, e.g. 127.0.0.1:9184')
            [CompletionResult]::new('--listen', '--listen', [CompletionResultType]::ParameterName, 'Serve webhooks, /healthz and /metrics on this address (overrides [server] listen), e.g. 127.0.0.1:8080')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'The job file [default: $JOBTAB_FILE, else <config dir>/jobtab/jobs.toml]')
            [CompletionResult]::new('--file', '--file', [CompletionResultType]::ParameterName, 'The job file [default: $JOBTAB_FILE, else <config dir>/jobtab/jobs.toml]')
            [CompletionResult]::new('--state-dir', '--state-dir', [CompletionResultType]::ParameterName, 'Where history, locks and crontab backups live [default: $JOBTAB_STATE_DIR, else <state dir>/jobtab]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour status words and error prefixes: auto (on a terminal, unless $NO_COLOR is set), always, never')
            [CompletionResult]::new('--check', '--check', [CompletionResultType]::ParameterName, 'Validate the job file and exit')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'jobtab;history' {
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'At most this many runs')
            [CompletionResult]::new('--limit', '--limit', [CompletionResultType]::ParameterName, 'At most this many runs')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'The job file [default: $JOBTAB_FILE, else <config dir>/jobtab/jobs.toml]')
            [CompletionResult]::new('--file', '--file', [CompletionResultType]::ParameterName, 'The job file [default: $JOBTAB_FILE, else <config dir>/jobtab/jobs.toml]')
            [CompletionResult]::new('--state-dir', '--state-dir', [CompletionResultType]::ParameterName, 'Where history, locks and crontab backups live [default: $JOBTAB_STATE_DIR, else <state dir>/jobtab]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour status words and error prefixes: auto (on a terminal, unless $NO_COLOR is set), always, never')
            [CompletionResult]::new('--failed', '--failed', [CompletionResultType]::ParameterName, 'Only failed runs')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Show the end of each run''s output under its line')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Show the end of each run''s output under its line')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'jobtab;logs' {
            [CompletionResult]::new('--run', '--run', [CompletionResultType]::ParameterName, 'This run instead of the last one (its id from `history`, or the id''s first characters)')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'The job file [default: $JOBTAB_FILE, else <config dir>/jobtab/jobs.toml]')
            [CompletionResult]::new('--file', '--file', [CompletionResultType]::ParameterName, 'The job file [default: $JOBTAB_FILE, else <config dir>/jobtab/jobs.toml]')
            [CompletionResult]::new('--state-dir', '--state-dir', [CompletionResultType]::ParameterName, 'Where history, locks and crontab backups live [default: $JOBTAB_STATE_DIR, else <state dir>/jobtab]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour status words and error prefixes: auto (on a terminal, unless $NO_COLOR is set), always, never')
            [CompletionResult]::new('-F', '-F ', [CompletionResultType]::ParameterName, 'Keep going: print the output of each new run as it is recorded, until interrupted')
            [CompletionResult]::new('--follow', '--follow', [CompletionResultType]::ParameterName, 'Keep going: print the output of each new run as it is recorded, until interrupted')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'jobtab;deliveries' {
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'At most this many requests')
            [CompletionResult]::new('--limit', '--limit', [CompletionResultType]::ParameterName, 'At most this many requests')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'The job file [default: $JOBTAB_FILE, else <config dir>/jobtab/jobs.toml]')
            [CompletionResult]::new('--file', '--file', [CompletionResultType]::ParameterName, 'The job file [default: $JOBTAB_FILE, else <config dir>/jobtab/jobs.toml]')
            [CompletionResult]::new('--state-dir', '--state-dir', [CompletionResultType]::ParameterName, 'Where history, locks and crontab backups live [default: $JOBTAB_STATE_DIR, else <state dir>/jobtab]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour status words and error prefixes: auto (on a terminal, unless $NO_COLOR is set), always, never')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'jobtab;install' {
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'The job file [default: $JOBTAB_FILE, else <config dir>/jobtab/jobs.toml]')
            [CompletionResult]::new('--file', '--file', [CompletionResultType]::ParameterName, 'The job file [default: $JOBTAB_FILE, else <config dir>/jobtab/jobs.toml]')
            [CompletionResult]::new('--state-dir', '--state-dir', [CompletionResultType]::ParameterName, 'Where history, locks and crontab backups live [default: $JOBTAB_STATE_DIR, else <state dir>/jobtab]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour status words and error prefixes: auto (on a terminal, unless $NO_COLOR is set), always, never')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Show what would be written, write nothing')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'jobtab;uninstall' {
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'The job file [default: $JOBTAB_FILE, else <config dir>/jobtab/jobs.toml]')
            [CompletionResult]::new('--file', '--file', [CompletionResultType]::ParameterName, 'The job file [default: $JOBTAB_FILE, else <config dir>/jobtab/jobs.toml]')
            [CompletionResult]::new('--state-dir', '--state-dir', [CompletionResultType]::ParameterName, 'Where history, locks and crontab backups live [default: $JOBTAB_STATE_DIR, else <state dir>/jobtab]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour status words and error prefixes: auto (on a terminal, unless $NO_COLOR is set), always, never')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Show what would be removed, write nothing')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'jobtab;import' {
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'The job file [default: $JOBTAB_FILE, else <config dir>/jobtab/jobs.toml]')
            [CompletionResult]::new('--file', '--file', [CompletionResultType]::ParameterName, 'The job file [default: $JOBTAB_FILE, else <config dir>/jobtab/jobs.toml]')
            [CompletionResult]::new('--state-dir', '--state-dir', [CompletionResultType]::ParameterName, 'Where history, locks and crontab backups live [default: $JOBTAB_STATE_DIR, else <state dir>/jobtab]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour status words and error prefixes: auto (on a terminal, unless $NO_COLOR is set), always, never')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print the jobs that would be added, change nothing')
            [CompletionResult]::new('--system', '--system', [CompletionResultType]::ParameterName, 'Read a system crontab: a user name between the schedule and the command [default: for /etc/crontab, /etc/cron.d/*, and files whose lines name users there]')
            [CompletionResult]::new('--no-system', '--no-system', [CompletionResultType]::ParameterName, 'Read a user crontab (no user field), even if the lines look like a system crontab''s')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'jobtab;export' {
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'What to export to')
            [CompletionResult]::new('--image', '--image', [CompletionResultType]::ParameterName, 'Container image with jobtab in it (kubernetes)')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace for the manifests (kubernetes)')
            [CompletionResult]::new('--secret', '--secret', [CompletionResultType]::ParameterName, 'Secret that holds the `${VAR}`s the jobs use (kubernetes)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Write unit files into this folder instead of printing them (systemd)')
            [CompletionResult]::new('--env-file', '--env-file', [CompletionResultType]::ParameterName, 'File of NAME=value lines with the `${VAR}`s the jobs use, for EnvironmentFile= (systemd; an absolute path)')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'The job file [default: $JOBTAB_FILE, else <config dir>/jobtab/jobs.toml]')
            [CompletionResult]::new('--file', '--file', [CompletionResultType]::ParameterName, 'The job file [default: $JOBTAB_FILE, else <config dir>/jobtab/jobs.toml]')
            [CompletionResult]::new('--state-dir', '--state-dir', [CompletionResultType]::ParameterName, 'Where history, locks and crontab backups live [default: $JOBTAB_STATE_DIR, else <state dir>/jobtab]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour status words and error prefixes: auto (on a terminal, unless $NO_COLOR is set), always, never')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'jobtab;completions' {
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'The job file [default: $JOBTAB_FILE, else <config dir>/jobtab/jobs.toml]')
            [CompletionResult]::new('--file', '--file', [CompletionResultType]::ParameterName, 'The job file [default: $JOBTAB_FILE, else <config dir>/jobtab/jobs.toml]')
            [CompletionResult]::new('--state-dir', '--state-dir', [CompletionResultType]::ParameterName, 'Where history, locks and crontab backups live [default: $JOBTAB_STATE_DIR, else <state dir>/jobtab]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour status words and error prefixes: auto (on a terminal, unless $NO_COLOR is set), always, never')
            [CompletionResult]::new('--static', '--static', [CompletionResultType]::ParameterName, 'Print a script that completes commands and options without running jobtab (no job names)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'jobtab;man' {
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'The job file [default: $JOBTAB_FILE, else <config dir>/jobtab/jobs.toml]')
            [CompletionResult]::new('--file', '--file', [CompletionResultType]::ParameterName, 'The job file [default: $JOBTAB_FILE, else <config dir>/jobtab/jobs.toml]')
            [CompletionResult]::new('--state-dir', '--state-dir', [CompletionResultType]::ParameterName, 'Where history, locks and crontab backups live [default: $JOBTAB_STATE_DIR, else <state dir>/jobtab]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour status words and error prefixes: auto (on a terminal, unless $NO_COLOR is set), always, never')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
