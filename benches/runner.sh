#!/usr/bin/env bash
# Benchmarks of `jobtab run` (the scheduler). Not timed tests: they print figures.
#
#   benches/runner.sh                 # all of them but lateness-exec (about 3 minutes)
#   benches/runner.sh lateness        # one or more of: lateness idle burst-shell burst-http locks
#   benches/runner.sh lateness-exec   # needs perf (root or perf_event_paranoid <= 1)
#
# What each measures (targets from the scheduler's brief):
#   lateness     an every-second job with 10,000 other jobs loaded, 60 s: lateness from the
#                scheduled second to the job's `date` (p50/p99/max; target p99 < 2 ms), plus
#                jobtab's CPU time and peak RSS over the run
#   lateness-exec  the same set-up, 30 s, with the kernel's exec events recorded by perf: from
#                the scheduled second to the exec of /bin/sh (the job's first instruction: the
#                target above), to the exec of `date`, and to date's output
#   idle         10,000 jobs loaded, none due, 60 s: CPU (target < 0.2 s) and peak RSS (< 30 MB)
#   burst-shell  1,000 shell jobs due in the same second, fresh state dir: spread of their start
#                times (< 1 s), side by side with bash starting the same 1,000 shells bare
#                (target: jobtab's last start within 2x the bare one's)
#   locks        what a burst's per-job files cost without jobtab: 1,000 lock files created vs
#                1,000 byte locks in one file, and 1,000 run markers written and removed
#   burst-http   1,000 HTTP jobs due in the same second against a loopback threaded server:
#                all finished (< 2 s after the second) and the peak thread count
#
# It builds the release binary, works in a temp dir, and uses only 127.0.0.1. The machine's
# load skews every figure: run each 2-3 times and report ranges.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
if [[ "${1:-}" != lateness-exec ]]; then
    exec python3 benches/runner_bench.py target/release/jobtab "$@"
fi

command -v perf >/dev/null || { echo "lateness-exec needs perf (linux-perf)" >&2; exit 1; }
exec python3 - target/release/jobtab "${2:-30}" <<'PY'
import datetime, os, subprocess, sys, tempfile, time
sys.path.insert(0, "benches")
import runner_bench as rb

jobtab, seconds = os.path.abspath(sys.argv[1]), int(sys.argv[2])
print(f"jobtab: {jobtab}; {os.cpu_count()} CPUs; load average {os.getloadavg()[0]:.2f}")
with tempfile.TemporaryDirectory() as folder:
    out = os.path.join(folder, "tick.txt")
    text = rb.background_jobs(10_000, datetime.datetime.now(datetime.timezone.utc))
    text += f'[jobs.tick]\nschedule = "* * * * * *"\ncommand = "exec date +%s%N >> {out}"\n'
    run = rb.Run(jobtab, folder, text)
    run.wait_log("scheduling 10001 jobs", 30)
    data = os.path.join(folder, "perf.data")
    # CLOCK_MONOTONIC time stamps; the offset to wall-clock time is read right here.
    perf = subprocess.Popen(
        ["perf", "record", "-q", "-e", "sched:sched_process_exec", "-k", "mono",
         "-p", str(run.proc.pid), "-o", data],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    offset = time.time() - time.clock_gettime(time.CLOCK_MONOTONIC)
    time.sleep(seconds)
    perf.send_signal(2)
    perf.wait()
    run.stop()
    script = subprocess.run(["perf", "script", "-i", data], capture_output=True, text=True).stdout
    execs = {"sh": [], "date": []}
    for line in script.splitlines():
        # "  sh 1234 [001]  3296.672836: sched:sched_process_exec: filename=/bin/sh ..."
        parts = line.split()
        stamp = next((p.rstrip(":") for p in parts if p.endswith(":") and "." in p), None)
        if not parts or parts[0] not in execs or stamp is None:
            continue
        ms = ((float(stamp) + offset) % 1) * 1000
        execs[parts[0]].append(ms - 1000 if ms > 900 else ms)
    with open(out) as f:
        outputs = [(int(line) % 1_000_000_000) / 1e6 for line in f if line.strip()]
    print(f"lateness-exec: every-second job + 10,000 other jobs, {seconds} s "
          "(the first run of each series is left out: it may come mid-load)")
    for name, values in (("exec of /bin/sh (the job's first instruction)", execs["sh"][1:]),
                         ("exec of date", execs["date"][1:]), ("date's output", outputs[1:])):
        if values:
            print(f"  scheduled second -> {name}: n={len(values)} p50 {rb.percentile(values, 50):.2f} ms, "
                  f"p99 {rb.percentile(values, 99):.2f} ms, max {max(values):.2f} ms")
        else:
            print(f"  scheduled second -> {name}: no samples (is perf allowed to trace?)")
PY
