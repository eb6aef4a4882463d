#!/usr/bin/env bash
# Benchmarks `jobtab import` on large generated crontabs (jobtab issue 8, item 19).
#
#   benches/import.sh               # build release, time import of 10,000 and 100,000 lines
#   SIZES="2500 10000" benches/import.sh   # other sizes; BIN=path/to/jobtab skips the build
#
# For each size it times, once each (no repetition: an import of 100,000 lines is seconds):
#   fresh     importing the crontab into an empty job file
#   again     importing the same crontab into the file that now holds all its jobs (every line
#             is a duplicate: the duplicate check must not compare each line with every job)
# The crontab is the worst case for naming: a few programs run by thousands of lines each
# (names backup.sh, backup.sh-2, ... backup.sh-25000), with comments, env lines, nicknames,
# CRON_TZ and `%` lines mixed in. Target on a 2-core machine: 100,000 lines in under 2 s.
set -euo pipefail
cd "$(dirname "$0")/.."

sizes=${SIZES:-10000 100000}
if [ -z "${BIN:-}" ]; then
  cargo build --release --quiet
fi
bin=${BIN:-$PWD/target/release/jobtab}

dir=$(mktemp -d "${TMPDIR:-/tmp}/jobtab-import-bench.XXXXXX")
# KEEP=1 keeps the generated files for profiling.
if [ -z "${KEEP:-}" ]; then trap 'rm -rf "$dir"' EXIT; else echo "files in $dir"; fi
export JOBTAB_STATE_DIR=$dir/state

# Seconds (with milliseconds) that "$@" takes; its stderr goes to $dir/stderr.
seconds() {
  local start end
  start=$(date +%s%N)
  "$@" > /dev/null 2> "$dir/stderr" || true
  end=$(date +%s%N)
  printf '%d.%03d' $(((end - start) / 1000000000)) $((((end - start) / 1000000) % 1000))
}

for n in $sizes; do
  crontab=$dir/crontab-$n
  awk -v n="$n" 'BEGIN {
    print "MAILTO=\"\"\nPATH=/usr/local/bin:/usr/bin:/bin\n"
    split("backup.sh rsync curl /usr/local/bin/report", programs, " ")
    for (i = 0; i < n; i++) {
      if (i % 1000 == 0) printf "CRON_TZ=%s\n", (i % 2000 ? "Europe/Berlin" : "UTC")
      if (i % 100 == 0) printf "\n# group %d\n", i / 100
      if (i % 10 == 0) printf "# job %d does its thing\n", i
      p = programs[i % 4 + 1]
      if (i % 50 == 0) printf "@daily %s --job %d\n", p, i
      else if (i % 37 == 0) printf "%d %d * * * mail -s \"report %d\" ops%%Hello%%job %d\n", i % 60, i % 24, i, i
      else printf "%d %d * * %d %s --job %d >> /var/log/job-%d.log 2>&1\n", i % 60, i % 24, i % 7, p, i, i
    }
  }' > "$crontab"
  file=$dir/jobs-$n.toml
  rm -f "$file"
  fresh=$(seconds "$bin" --file "$file" import "$crontab")
  jobs=$(grep -c '^\[jobs\.' "$file" || true)
  again=$(seconds "$bin" --file "$file" import "$crontab")
  printf '%7d lines (%d jobs, %d bytes): fresh %s s, again (all duplicates) %s s\n' \
    "$(wc -l < "$crontab")" "$jobs" "$(wc -c < "$crontab")" "$fresh" "$again"
done
