
use builtin;
use str;

set edit:completion:arg-completer[jobtab] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'jobtab'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'jobtab'= {
            cand -f 'The job file [default: $JOBTAB_FILE, else <config dir>/jobtab/jobs.toml]'
            cand --file 'The job file [default: $JOBTAB_FILE, else <config dir>/jobtab/jobs.toml]'
            cand --state-dir 'Where history, locks and crontab backups live [default: $JOBTAB_STATE_DIR, else <state dir>/jobtab]'
            cand --color 'When to colour status words and error prefixes: auto (on a terminal, unless $NO_COLOR is set), always, never'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand add 'Add a shell job or an HTTP job'
            cand list 'List jobs: name, schedule, next run, last result and what each runs'
            cand ls 'List jobs: name, schedule, next run, last result and what each runs'
            cand show 'Show every setting of one job, its schedule in words, its next runs and last results'
            cand remove 'Remove jobs; unknown names are an error and nothing is removed'
            cand rm 'Remove jobs; unknown names are an error and nothing is removed'
            cand enable 'Enable jobs'
            cand disable 'Disable jobs (they stay in the file but never run)'
            cand edit 'Edit the job file in $VISUAL or $EDITOR; an invalid file is never saved'
            cand check 'Validate the whole job file and report every problem'
            cand explain 'Describe a schedule in words and print its next runs'
            cand next 'Upcoming runs of all jobs (or the named ones), merged in time order'
            cand exec 'Run one job now, exactly as the scheduler would'
            cand notify 'Notification tools: `notify test NAME` sends a sample through the job''s channels'
            cand run 'Run the scheduler in the foreground'
            cand history 'Past runs, newest first'
            cand logs 'Print the captured output of a job''s last run, or of one run'
            cand install 'Write the enabled jobs into your crontab, in a block jobtab manages'
            cand uninstall 'Remove jobtab''s block from your crontab'
            cand import 'Turn crontab lines into jobs (default: your crontab, outside jobtab''s blocks)'
            cand export 'Export the jobs as Kubernetes manifests or systemd units'
            cand completions 'Print shell completions'
            cand man 'Print the man page (roff)'
        }
        &'jobtab;add'= {
            cand --url 'Make an HTTP job calling this URL (`${VAR}` is expanded at run time)'
            cand --method 'HTTP method [default: GET]'
            cand -H 'A request header, ''Name: value'' (repeatable)'
            cand --header 'A request header, ''Name: value'' (repeatable)'
            cand --data 'The request body, or @FILE to read it from a file'
            cand --expect 'Status codes that count as success, e.g. 200,202 [default: any 2xx]'
            cand --timeout 'Kill the run after this long, e.g. 30s, 5m, 1h30m'
            cand --retries 'Further attempts after a failed one'
            cand --retry-delay 'Delay before the first retry; doubles each attempt, with jitter'
            cand --overlap 'What to do when a run is due while the previous one still runs'
            cand --tz 'IANA time zone for the schedule, e.g. Europe/Berlin [default: the machine''s]'
            cand --workdir 'Working directory for shell jobs'
            cand -e 'An environment variable, K=V (repeatable)'
            cand --env 'An environment variable, K=V (repeatable)'
            cand --description 'A description shown by list and show'
            cand --notify 'POST the result of each run to this URL'
            cand --notify-on 'When to notify [default: failure]'
            cand -f 'The job file [default: $JOBTAB_FILE, else <config dir>/jobtab/jobs.toml]'
            cand --file 'The job file [default: $JOBTAB_FILE, else <config dir>/jobtab/jobs.toml]'
            cand --state-dir 'Where history, locks and crontab backups live [default: $JOBTAB_STATE_DIR, else <state dir>/jobtab]'
            cand --color 'When to colour status words and error prefixes: auto (on a terminal, unless $NO_COLOR is set), always, never'
            cand --disabled 'Add the job disabled'
            cand --replace 'Replace a job of the same name instead of failing'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'jobtab;list'= {
            cand -f 'The job file [default: $JOBTAB_FILE, else <config dir>/jobtab/jobs.toml]'
            cand --file 'The job file [default: $JOBTAB_FILE, else <config dir>/jobtab/jobs.toml]'
            cand --state-dir 'Where history, locks and crontab backups live [default: $JOBTAB_STATE_DIR, else <state dir>/jobtab]'
            cand --color 'When to colour status words and error prefixes: auto (on a terminal, unless $NO_COLOR is set), always, never'
            cand --json 'Print JSON instead of a table'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'jobtab;ls'= {
            cand -f 'The job file [default: $JOBTAB_FILE, else <config dir>/jobtab/jobs.toml]'
            cand --file 'The job file [default: $JOBTAB_FILE, else <config dir>/jobtab/jobs.toml]'
            cand --state-dir 'Where history, locks and crontab backups live [default: $JOBTAB_STATE_DIR, else <state dir>/jobtab]'
            cand --color 'When to colour status words and error prefixes: auto (on a terminal, unless $NO_COLOR is set), always, never'
            cand --json 'Print JSON instead of a table'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'jobtab;show'= {
            cand -f 'The job file [default: $JOBTAB_FILE, else <config dir>/jobtab/jobs.toml]'
            cand --file 'The job file [default: $JOBTAB_FILE, else <config dir>/jobtab/jobs.toml]'
            cand --state-dir 'Where history, locks and crontab backups live [default: $JOBTAB_STATE_DIR, else <state dir>/jobtab]'
            cand --color 'When to colour status words and error prefixes: auto (on a terminal, unless $NO_COLOR is set), always, never'
            cand --json 'Print JSON'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'jobtab;remove'= {
            cand -f 'The job file [default: $JOBTAB_FILE, else <config dir>/jobtab/jobs.toml]'
            cand --file 'The job file [default: $JOBTAB_FILE, else <config dir>/jobtab/jobs.toml]'
            cand --state-dir 'Where history, locks and crontab backups live [default: $JOBTAB_STATE_DIR, else <state dir>/jobtab]'
            cand --color 'When to colour status words and error prefixes: auto (on a terminal, unless $NO_COLOR is set), always, never'
            cand --dry-run 'Say what would be removed, change nothing'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'jobtab;rm'= {
            cand -f 'The job file [default: $JOBTAB_FILE, else <config dir>/jobtab/jobs.toml]'
            cand --file 'The job file [default: $JOBTAB_FILE, else <config dir>/jobtab/jobs.toml]'
            cand --state-dir 'Where history, locks and crontab backups live [default: $JOBTAB_STATE_DIR, else <state dir>/jobtab]'
            cand --color 'When to colour status words and error prefixes: auto (on a terminal, unless $NO_COLOR is set), always, never'
            cand --dry-run 'Say what would be removed, change nothing'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'jobtab;enable'= {
            cand -f 'The job file [default: $JOBTAB_FILE, else <config dir>/jobtab/jobs.toml]'
            cand --file 'The job file [default: $JOBTAB_FILE, else <config dir>/jobtab/jobs.toml]'
            cand --state-dir 'Where history, locks and crontab backups live [default: $JOBTAB_STATE_DIR, else <state dir>/jobtab]'
            cand --color 'When to colour status words and error prefixes: auto (on a terminal, unless $NO_COLOR is set), always, never'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'jobtab;disable'= {
            cand -f 'The job file [default: $JOBTAB_FILE, else <config dir>/jobtab/jobs.toml]'
            cand --file 'The job file [default: $JOBTAB_FILE, else <config dir>/jobtab/jobs.toml]'
            cand --state-dir 'Where history, locks and crontab backups live [default: $JOBTAB_STATE_DIR, else <state dir>/jobtab]'
            cand --color 'When to colour status words and error prefixes: auto (on a terminal, unless $NO_COLOR is set), always, never'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'jobtab;edit'= {
            cand -f 'The job file [default: $JOBTAB_FILE, else <config dir>/jobtab/jobs.toml]'
            cand --file 'The job file [default: $JOBTAB_FILE, else <config dir>/jobtab/jobs.toml]'
            cand --state-dir 'Where history, locks and crontab backups live [default: $JOBTAB_STATE_DIR, else <state dir>/jobtab]'
            cand --color 'When to colour status words and error prefixes: auto (on a terminal, unless $NO_COLOR is set), always, never'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'jobtab;check'= {
            cand -f 'The job file [default: $JOBTAB_FILE, else <config dir>/jobtab/jobs.toml]'
            cand --file 'The job file [default: $JOBTAB_FILE, else <config dir>/jobtab/jobs.toml]'
            cand --state-dir 'Where history, locks and crontab backups live [default: $JOBTAB_STATE_DIR, else <state dir>/jobtab]'
            cand --color 'When to colour status words and error prefixes: auto (on a terminal, unless $NO_COLOR is set), always, never'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'jobtab;explain'= {
            cand -n 'How many runs to print'
            cand --count 'How many runs to print'
            cand --after 'Start from this time (RFC 3339) instead of now'
            cand --tz 'IANA time zone [default: the machine''s]'
            cand -f 'The job file [default: $JOBTAB_FILE, else <config dir>/jobtab/jobs.toml]'
            cand --file 'The job file [default: $JOBTAB_FILE, else <config dir>/jobtab/jobs.toml]'
            cand --state-dir 'Where history, locks and crontab backups live [default: $JOBTAB_STATE_DIR, else <state dir>/jobtab]'
            cand --color 'When to colour status words and error prefixes: auto (on a terminal, unless $NO_COLOR is set), always, never'
            cand --json 'Print JSON'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'jobtab;next'= {
            cand -n 'How many runs to print'
            cand --count 'How many runs to print'
            cand -f 'The job file [default: $JOBTAB_FILE, else <config dir>/jobtab/jobs.toml]'
            cand --file 'The job file [default: $JOBTAB_FILE, else <config dir>/jobtab/jobs.toml]'
            cand --state-dir 'Where history, locks and crontab backups live [default: $JOBTAB_STATE_DIR, else <state dir>/jobtab]'
            cand --color 'When to colour status words and error prefixes: auto (on a terminal, unless $NO_COLOR is set), always, never'
            cand --json 'Print JSON'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'jobtab;exec'= {
            cand -f 'The job file [default: $JOBTAB_FILE, else <config dir>/jobtab/jobs.toml]'
            cand --file 'The job file [default: $JOBTAB_FILE, else <config dir>/jobtab/jobs.toml]'
            cand --state-dir 'Where history, locks and crontab backups live [default: $JOBTAB_STATE_DIR, else <state dir>/jobtab]'
            cand --color 'When to colour status words and error prefixes: auto (on a terminal, unless $NO_COLOR is set), always, never'
            cand --force 'Run the job even if it is disabled'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'jobtab;notify'= {
            cand -f 'The job file [default: $JOBTAB_FILE, else <config dir>/jobtab/jobs.toml]'
            cand --file 'The job file [default: $JOBTAB_FILE, else <config dir>/jobtab/jobs.toml]'
            cand --state-dir 'Where history, locks and crontab backups live [default: $JOBTAB_STATE_DIR, else <state dir>/jobtab]'
            cand --color 'When to colour status words and error prefixes: auto (on a terminal, unless $NO_COLOR is set), always, never'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand test 'Send a sample failure notification through every channel of a job and print each receiver''s answer'
        }
        &'jobtab;notify;test'= {
            cand -f 'The job file [default: $JOBTAB_FILE, else <config dir>/jobtab/jobs.toml]'
            cand --file 'The job file [default: $JOBTAB_FILE, else <config dir>/jobtab/jobs.toml]'
            cand --state-dir 'Where history, locks and crontab backups live [default: $JOBTAB_STATE_DIR, else <state dir>/jobtab]'
            cand --color 'When to colour status words and error prefixes: auto (on a terminal, unless $NO_COLOR is set), always, never'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'jobtab;run'= {
            cand --log-format 'How running jobs are logged'
            cand --grace 'How long to wait for running jobs on SIGINT/SIGTERM before killing them'
            cand --metrics 'Serve Prometheus metrics on this address, e.g. 127.0.0.1:9184'
            cand -f 'The job file [default: $JOBTAB_FILE, else <config dir>/jobtab/jobs.toml]'
            cand --file 'The job file [default: $JOBTAB_FILE, else <config dir>/jobtab/jobs.toml]'
            cand --state-dir 'Where history, locks and crontab backups live [default: $JOBTAB_STATE_DIR, else <state dir>/jobtab]'
            cand --color 'When to colour status words and error prefixes: auto (on a terminal, unless $NO_COLOR is set), always, never'
            cand --check 'Validate the job file and exit'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'jobtab;history'= {
            cand -n 'At most this many runs'
            cand --limit 'At most this many runs'
            cand -f 'The job file [default: $JOBTAB_FILE, else <config dir>/jobtab/jobs.toml]'
            cand --file 'The job file [default: $JOBTAB_FILE, else <config dir>/jobtab/jobs.toml]'
            cand --state-dir 'Where history, locks and crontab backups live [default: $JOBTAB_STATE_DIR, else <state dir>/jobtab]'
            cand --color 'When to colour status words and error prefixes: auto (on a terminal, unless $NO_COLOR is set), always, never'
            cand --failed 'Only failed runs'
            cand -o 'Show the end of each run''s output under its line'
            cand --output 'Show the end of each run''s output under its line'
            cand --json 'Print JSON'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'jobtab;logs'= {
            cand --run 'This run instead of the last one (its id from `history`, or the id''s first characters)'
            cand -f 'The job file [default: $JOBTAB_FILE, else <config dir>/jobtab/jobs.toml]'
            cand --file 'The job file [default: $JOBTAB_FILE, else <config dir>/jobtab/jobs.toml]'
            cand --state-dir 'Where history, locks and crontab backups live [default: $JOBTAB_STATE_DIR, else <state dir>/jobtab]'
            cand --color 'When to colour status words and error prefixes: auto (on a terminal, unless $NO_COLOR is set), always, never'
            cand -F 'Keep going: print the output of each new run as it is recorded, until interrupted'
            cand --follow 'Keep going: print the output of each new run as it is recorded, until interrupted'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'jobtab;install'= {
            cand -f 'The job file [default: $JOBTAB_FILE, else <config dir>/jobtab/jobs.toml]'
            cand --file 'The job file [default: $JOBTAB_FILE, else <config dir>/jobtab/jobs.toml]'
            cand --state-dir 'Where history, locks and crontab backups live [default: $JOBTAB_STATE_DIR, else <state dir>/jobtab]'
            cand --color 'When to colour status words and error prefixes: auto (on a terminal, unless $NO_COLOR is set), always, never'
            cand --dry-run 'Show what would be written, write nothing'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'jobtab;uninstall'= {
            cand -f 'The job file [default: $JOBTAB_FILE, else <config dir>/jobtab/jobs.toml]'
            cand --file 'The job file [default: $JOBTAB_FILE, else <config dir>/jobtab/jobs.toml]'
            cand --state-dir 'Where history, locks and crontab backups live [default: $JOBTAB_STATE_DIR, else <state dir>/jobtab]'
            cand --color 'When to colour status words and error prefixes: auto (on a terminal, unless $NO_COLOR is set), always, never'
            cand --dry-run 'Show what would be removed, write nothing'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'jobtab;import'= {
            cand -f 'The job file [default: $JOBTAB_FILE, else <config dir>/jobtab/jobs.toml]'
            cand --file 'The job file [default: $JOBTAB_FILE, else <config dir>/jobtab/jobs.toml]'
            cand --state-dir 'Where history, locks and crontab backups live [default: $JOBTAB_STATE_DIR, else <state dir>/jobtab]'
            cand --color 'When to colour status words and error prefixes: auto (on a terminal, unless $NO_COLOR is set), always, never'
            cand --dry-run 'Print the jobs that would be added, change nothing'
            cand --system 'Read a system crontab: a user name between the schedule and the command [default: for /etc/crontab, /etc/cron.d/*, and files whose lines name users there]'
            cand --no-system 'Read a user crontab (no user field), even if the lines look like a system crontab''s'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'jobtab;export'= {
            cand --format 'What to export to'
            cand --image 'Container image with jobtab in it (kubernetes)'
            cand --namespace 'Namespace for the manifests (kubernetes)'
            cand --secret 'Secret that holds the `${VAR}`s the jobs use (kubernetes)'
            cand --output 'Write unit files into this folder instead of printing them (systemd)'
            cand --env-file 'File of NAME=value lines with the `${VAR}`s the jobs use, for EnvironmentFile= (systemd; an absolute path)'
            cand -f 'The job file [default: $JOBTAB_FILE, else <config dir>/jobtab/jobs.toml]'
            cand --file 'The job file [default: $JOBTAB_FILE, else <config dir>/jobtab/jobs.toml]'
            cand --state-dir 'Where history, locks and crontab backups live [default: $JOBTAB_STATE_DIR, else <state dir>/jobtab]'
            cand --color 'When to colour status words and error prefixes: auto (on a terminal, unless $NO_COLOR is set), always, never'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'jobtab;completions'= {
            cand -f 'The job file [default: $JOBTAB_FILE, else <config dir>/jobtab/jobs.toml]'
            cand --file 'The job file [default: $JOBTAB_FILE, else <config dir>/jobtab/jobs.toml]'
            cand --state-dir 'Where history, locks and crontab backups live [default: $JOBTAB_STATE_DIR, else <state dir>/jobtab]'
            cand --color 'When to colour status words and error prefixes: auto (on a terminal, unless $NO_COLOR is set), always, never'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'jobtab;man'= {
            cand -f 'The job file [default: $JOBTAB_FILE, else <config dir>/jobtab/jobs.toml]'
            cand --file 'The job file [default: $JOBTAB_FILE, else <config dir>/jobtab/jobs.toml]'
            cand --state-dir 'Where history, locks and crontab backups live [default: $JOBTAB_STATE_DIR, else <state dir>/jobtab]'
            cand --color 'When to colour status words and error prefixes: auto (on a terminal, unless $NO_COLOR is set), always, never'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
    ]
    $completions[$command]
}
