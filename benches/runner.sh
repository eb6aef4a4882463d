#!/usr/bin/env bash
# Benchmarks of `jobtab run` (the scheduler). Not timed tests: they print figures.
#
#   benches/runner.sh            # all of them (about 3 minutes)
#   benches/runner.sh lateness   # one of: lateness idle burst-shell burst-http
#
# What each measures (targets from the scheduler's brief):
#   lateness     an every-second job with 10,000 other jobs loaded, 60 s: lateness from the
#                scheduled second to the job's `date` (p50/p99/max; target p99 < 2 ms), plus
#                jobtab's CPU time and peak RSS over the run
#   idle         10,000 jobs loaded, none due, 60 s: CPU (target < 0.2 s) and peak RSS (< 30 MB)
#   burst-shell  1,000 shell jobs due in the same second: spread of their start times (< 1 s)
#   burst-http   1,000 HTTP jobs due in the same second against a loopback threaded server:
#                all finished (< 2 s after the second) and the peak thread count
#
# It builds the release binary, works in a temp dir, and uses only 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
exec python3 benches/runner_bench.py target/release/jobtab "$@"
