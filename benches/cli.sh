#!/usr/bin/env bash
# Benchmarks the job-file commands on a 10,000-job file (jobtab issue 2).
#
#   benches/cli.sh            # build release, generate the file, time list/check/add/explain
#   JOBS=50000 benches/cli.sh # another size; RUNS=50 for more runs; BIN=... to skip the build
#   DISTINCT=1 benches/cli.sh # every job with its own schedule (the worst case: no schedule is
#                             # parsed once for many jobs)
#
# Targets on a 2-core machine: list and check < 100 ms, add < 150 ms, explain < 10 ms.
# Uses hyperfine when it is installed (apt-get install hyperfine), else a bash loop.
set -euo pipefail
cd "$(dirname "$0")/.."

jobs=${JOBS:-10000}
runs=${RUNS:-20}
# BIN=path/to/jobtab skips the build.
if [ -z "${BIN:-}" ]; then
  cargo build --release --quiet
fi
bin=${BIN:-$PWD/target/release/jobtab}

dir=$(mktemp -d "${TMPDIR:-/tmp}/jobtab-bench.XXXXXX")
# KEEP=1 keeps the generated files for profiling.
if [ -z "${KEEP:-}" ]; then trap 'rm -rf "$dir"' EXIT; else echo "files in $dir"; fi
file=$dir/jobs.toml
state=$dir/state
mkdir -p "$state"
# A crontab that is empty, so the install status never reads the machine's crontab.
printf '#!/bin/sh\nexit 0\n' > "$dir/crontab"
chmod +x "$dir/crontab"

# The job file: defaults, then shell and HTTP jobs (inline and [jobs.N.http] tables), comments,
# some disabled, some in other zones, some with seconds; and one history record per job.
awk -v n="$jobs" -v state="$state" -v distinct="${DISTINCT:-}" 'BEGIN {
  print "# benchmark job file\n\n[defaults]\ntimeout = \"1h\"\noverlap = \"skip\"\n"
  for (i = 0; i < n; i++) {
    if (i % 10 == 0) print "# --- group " i / 10 " ---\n"
    printf "# job %d\n[jobs.job-%d]\n", i, i
    if (i % 4 == 0) printf "description = \"job number %d\"\n", i
    s = i % 5
    if (distinct != "") printf "schedule = \"%d %d %d * *\"\n", i % 60, int(i / 60) % 24, int(i / 1440) % 28 + 1
    else if (s == 0) printf "schedule = \"%d %d * * *\"\n", i % 60, i % 24
    else if (s == 1) printf "schedule = \"*/%d * * * *\"\n", 1 + i % 30
    else if (s == 2) printf "schedule = \"0 9-17 * * mon-fri\"\n"
    else if (s == 3) printf "schedule = \"*/10 * * * * *\"\n"
    else printf "schedule = \"@daily\"\n"
    if (i % 7 == 0) print "timezone = \"America/New_York\""
    if (i % 17 == 0) print "enabled = false"
    if (i % 3 == 0) {
      if (i % 2 == 0) printf "http = { url = \"https://api.example.com/hook/%d\" }\n", i
      else printf "[jobs.job-%d.http]\nmethod = \"POST\"\nurl = \"https://${HOST}/r/%d\"\nheaders = { Authorization = \"Bearer ${TOKEN}\" }\nbody = '\''{\"n\": %d}'\''\n", i, i, i
    } else {
      printf "command = \"backup.sh --target /srv/data/%d > /var/log/job-%d.log 2>&1\"  # nightly\n", i, i
      if (i % 11 == 0) print "env = { REGION = \"eu\", LEVEL = \"${LEVEL}\" }"
      if (i % 13 == 0) print "retries = 2\nretry_delay = \"30s\""
    }
    print ""
    printf "{\"job\":\"job-%d\",\"run_id\":\"r%d\",\"trigger\":\"schedule\",\"status\":\"%s\",\"exit_code\":%d,\"http_status\":null,\"scheduled_at\":\"2026-01-01T00:00:00.000Z\",\"started_at\":\"2026-01-01T00:00:01.000Z\",\"duration_ms\":1234,\"attempts\":1,\"output_tail\":\"some output\",\"error\":null}\n", i, i, (i % 9 ? "ok" : "failed"), (i % 9 ? 0 : 1) > (state "/history.jsonl")
  }
}' > "$file"
cp "$file" "$dir/base.toml"
echo "job file: $(grep -c '^\[jobs\.[^].]*\]$' "$file") jobs, $(wc -c < "$file") bytes; history: $(wc -l < "$state/history.jsonl") records"

export JOBTAB_FILE=$file JOBTAB_STATE_DIR=$state JOBTAB_CRONTAB=$dir/crontab COLUMNS=120
"$bin" check
"$bin" list > /dev/null

if command -v hyperfine > /dev/null; then
  hyperfine --warmup 3 --runs "$runs" -N \
    -n list "$bin list" \
    -n 'list --json' "$bin list --json" \
    -n check "$bin check" \
    -n explain "$bin explain '*/15 9-17 * * mon-fri'"
  hyperfine --warmup 3 --runs "$runs" -N \
    --prepare "cp $dir/base.toml $file" \
    -n add "$bin add bench-new '0 3 * * *' -- echo hello"
else
  time_it() {
    local name=$1 prepare=$2
    shift 2
    local total=0 best=999999999
    for _ in $(seq "$runs"); do
      eval "$prepare"
      local start end
      start=$(date +%s%N)
      "$@" > /dev/null 2>&1
      end=$(date +%s%N)
      local ms=$(((end - start) / 1000))
      total=$((total + ms))
      ((ms < best)) && best=$ms
    done
    printf '%-12s mean %6.1f ms   min %6.1f ms   (%d runs)\n' "$name" \
      "$(echo "$total / $runs / 1000" | bc -l)" "$(echo "$best / 1000" | bc -l)" "$runs"
  }
  time_it list : "$bin" list
  time_it 'list --json' : "$bin" list --json
  time_it check : "$bin" check
  time_it explain : "$bin" explain '*/15 9-17 * * mon-fri'
  time_it add "cp $dir/base.toml $file" "$bin" add bench-new '0 3 * * *' -- echo hello
fi
