#!/usr/bin/env python3
"""Driver of benches/runner.sh: runs `jobtab run` on generated job files and prints figures.

Usage: runner_bench.py JOBTAB [lateness|idle|burst-shell|burst-http|locks ...]
       runner_bench.py serve PORT      (the loopback HTTP server used by burst-http)
"""

import datetime
import http.server
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time

CLK_TCK = os.sysconf("SC_CLK_TCK")


def proc_cpu(pid):
    """User + system CPU seconds of the process itself (not its children)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def proc_status(pid, key):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


def background_jobs(n, now):
    """n jobs that are not due during the benchmark: daily/weekly/monthly at hours at least
    two hours away, some with a seconds field, some in a named zone."""
    out = ["[defaults]", 'timezone = "UTC"', ""]
    hour = now.hour
    for i in range(n):
        h = (hour + 2 + i % 20) % 24
        m = i % 60
        kind = i % 4
        if kind == 0:
            sched = f"{m} {h} * * *"
        elif kind == 1:
            sched = f"{i % 60} {m} {h} * * mon-fri"
        elif kind == 2:
            sched = f"{m} {h} 1,15 * *"
        else:
            sched = f"*/15 {h} * * sun"
        out.append(f"[jobs.bg{i}]")
        out.append(f'schedule = "{sched}"')
        out.append('command = "true"')
        out.append("")
    return "\n".join(out) + "\n"


class Run:
    """A `jobtab run` in a temp dir, its JSON log collected."""

    def __init__(self, jobtab, folder, text, extra=()):
        self.file = os.path.join(folder, "jobs.toml")
        with open(self.file, "w") as f:
            f.write(text)
        env = dict(os.environ, TZ="UTC")
        env.pop("JOBTAB_FILE", None)
        self.log = []
        self.started = time.time()
        self.proc = subprocess.Popen(
            [jobtab, "--file", self.file, "--state-dir", os.path.join(folder, "state"),
             "run", "--log-format", "json", *extra],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, text=True)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for line in self.proc.stderr:
            try:
                self.log.append(json.loads(line))
            except ValueError:
                self.log.append({"message": line.strip()})

    def wait_log(self, needle, timeout):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if any(needle in entry.get("message", "") for entry in self.log):
                return time.time()
            time.sleep(0.005)
        raise SystemExit(f"timed out waiting for {needle!r}")

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=40)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.reader.join(timeout=5)


def percentile(values, p):
    values = sorted(values)
    index = min(len(values) - 1, max(0, round(p / 100 * (len(values) - 1))))
    return values[index]


def spawn_floor(samples=60):
    """What starting `sh -c 'exec date'` costs on this machine without jobtab: the floor under
    the end-to-end lateness figure."""
    delays = []
    for _ in range(samples):
        before = time.time_ns()
        out = subprocess.run(["/bin/sh", "-c", "exec date +%s%N"], capture_output=True, text=True)
        delays.append((int(out.stdout) - before) / 1e6)
        time.sleep(0.02)
    return delays


def bench_lateness(jobtab, seconds=60):
    with tempfile.TemporaryDirectory() as folder:
        out = os.path.join(folder, "tick.txt")
        now = datetime.datetime.now(datetime.timezone.utc)
        text = background_jobs(10_000, now)
        # `exec`: the shell replaces itself with date, so the figure is scheduler + one exec.
        text += f'[jobs.tick]\nschedule = "* * * * * *"\ncommand = "exec date +%s%N >> {out}"\n'
        run = Run(jobtab, folder, text)
        loaded = run.wait_log("scheduling 10001 jobs", 30) - run.started
        cpu_start = proc_cpu(run.proc.pid)
        time.sleep(seconds)
        cpu = proc_cpu(run.proc.pid)
        hwm = proc_status(run.proc.pid, "VmHWM")
        run.stop()
        with open(out) as f:
            stamps = [int(line) for line in f if line.strip()]
        late_ms = [(ns % 1_000_000_000) / 1e6 for ns in stamps[1:]]  # the first may be mid-load
        # jobtab's own part: its "started" log line, just before it spawns the shell (1 ms steps).
        logged = [datetime.datetime.fromisoformat(e["time"]).timestamp() for e in run.log
                  if e.get("job") == "tick" and e.get("message") == "started"][1:]
        logged_ms = [(t - int(t)) * 1000 for t in logged]
        print(f"lateness: every-second job + 10,000 other jobs, {len(late_ms)} samples over {seconds} s")
        print(f"  startup (read + plan 10,001 jobs): {loaded * 1000:.0f} ms wall")
        print(f"  lateness scheduled second -> job's `date`: p50 {percentile(late_ms, 50):.2f} ms, "
              f"p99 {percentile(late_ms, 99):.2f} ms, max {max(late_ms):.2f} ms")
        floor = spawn_floor()
        print(f"  for comparison, fork+exec of `sh -c 'exec date'` alone (no jobtab): "
              f"p50 {percentile(floor, 50):.2f} ms, p99 {percentile(floor, 99):.2f} ms")
        print(f"  lateness scheduled second -> jobtab's \"started\" log line (ms resolution): "
              f"p50 {percentile(logged_ms, 50):.0f} ms, p99 {percentile(logged_ms, 99):.0f} ms, "
              f"max {max(logged_ms):.0f} ms")
        print(f"  jobtab CPU: {cpu:.2f} s total, {cpu - cpu_start:.2f} s after start-up; "
              f"peak RSS (VmHWM) {hwm / 1024:.1f} MiB")


def bench_idle(jobtab, seconds=60):
    with tempfile.TemporaryDirectory() as folder:
        now = datetime.datetime.now(datetime.timezone.utc)
        run = Run(jobtab, folder, background_jobs(10_000, now))
        loaded = run.wait_log("scheduling 10000 jobs", 30) - run.started
        cpu_start = proc_cpu(run.proc.pid)
        time.sleep(seconds)
        cpu = proc_cpu(run.proc.pid)
        hwm = proc_status(run.proc.pid, "VmHWM")
        threads = proc_status(run.proc.pid, "Threads")
        run.stop()
        print(f"idle: 10,000 jobs loaded, none due, {seconds} s")
        print(f"  startup: {loaded * 1000:.0f} ms wall")
        print(f"  jobtab CPU: {cpu:.2f} s total (start-up included), {cpu - cpu_start:.3f} s "
              f"over the {seconds} s after start-up; peak RSS {hwm / 1024:.1f} MiB; "
              f"threads {threads}")


def burst_file(count, at, action):
    lines = ["[defaults]", 'timezone = "UTC"', ""]
    sched = f"{at.second} {at.minute} {at.hour} * * *"
    for i in range(count):
        lines += [f"[jobs.b{i}]", f'schedule = "{sched}"', action(i), ""]
    return "\n".join(lines) + "\n"


def sample_threads(pid, stop, peak):
    """Peak thread count into peak[0] and peak RSS (VmHWM, KiB) into peak[1]."""
    while not stop.is_set():
        try:
            peak[0] = max(peak[0], proc_status(pid, "Threads"))
            peak[1] = proc_status(pid, "VmHWM")
        except OSError:
            return
        time.sleep(0.01)


BARE_SPAWN = r"""
at_us=$1; out=$2; count=$3
now=${EPOCHREALTIME/./}
delay=$((at_us - now - 20000))
if ((delay > 0)); then sleep "$((delay / 1000000)).$(printf %06d $((delay % 1000000)))"; fi
while (( ${EPOCHREALTIME/./} < at_us )); do :; done
for ((i = 0; i < count; i++)); do sh -c "exec date +%s%N >> $out" & done
wait
"""


def bare_burst(count, at, out):
    """The floor under burst-shell: bash starting the same `count` shells at second `at`, one
    after another, with no jobtab at all. Returns (first, last) start in ms after the second."""
    subprocess.run(["bash", "-c", BARE_SPAWN, "bare", str(int(at.timestamp() * 1e6)), out, str(count)],
                   check=True)
    with open(out) as f:
        stamps = [int(line) for line in f if line.strip()]
    base = at.timestamp() * 1e9
    return (min(stamps) - base) / 1e6, (max(stamps) - base) / 1e6, len(stamps)


def bench_burst_shell(jobtab, count=1000):
    """The first burst of a fresh state dir (every lock and marker folder still to be made),
    then the bare spawn of the same shells right after, for comparison."""
    with tempfile.TemporaryDirectory() as folder:
        out = os.path.join(folder, "starts.txt")
        at = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=6)).replace(microsecond=0)
        run = Run(jobtab, folder, burst_file(count, at, lambda i: f'command = "exec date +%s%N >> {out}"'))
        stop, peak = threading.Event(), [0, 0]
        threading.Thread(target=sample_threads, args=(run.proc.pid, stop, peak), daemon=True).start()
        deadline = at.timestamp() + 15
        stamps = []
        while time.time() < deadline:
            if os.path.exists(out):
                with open(out) as f:
                    stamps = [int(line) for line in f if line.strip()]
                if len(stamps) >= count:
                    break
            time.sleep(0.05)
        time.sleep(0.5)
        stop.set()
        run.stop()
        base = at.timestamp() * 1e9
        first, last = (min(stamps) - base) / 1e6, (max(stamps) - base) / 1e6
        rel = [(s - base) / 1e6 for s in stamps]
        logged = [datetime.datetime.fromisoformat(e["time"]).timestamp() * 1000 - at.timestamp() * 1000
                  for e in run.log if e.get("message") == "started"]
        state = os.path.join(folder, "state")
        files = sum(len(names) for _, _, names in os.walk(state))
        print(f"burst-shell: {count} shell jobs due at the same second, fresh state dir")
        print(f"  started: {len(stamps)}/{count}; first {first:.1f} ms, last {last:.1f} ms after the "
              f"second (spread {last - first:.1f} ms); peak threads {peak[0]}, peak RSS {peak[1] / 1024:.1f} MiB")
        print(f"  job's `date` p50 {percentile(rel, 50):.0f} ms, p90 {percentile(rel, 90):.0f} ms; "
              f"jobtab's \"started\" log line p50 {percentile(logged, 50):.0f} ms, "
              f"p90 {percentile(logged, 90):.0f} ms, last {max(logged):.0f} ms")
        print(f"  files left in the state dir: {files}")
        time.sleep(1)
        bare_out = os.path.join(folder, "bare.txt")
        bare_at = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=2)).replace(microsecond=0)
        bare_first, bare_last, started = bare_burst(count, bare_at, bare_out)
        print(f"  for comparison, bash starting the same {count} shells with no jobtab: {started} started, "
              f"first {bare_first:.1f} ms, last {bare_last:.1f} ms after the second")
        print(f"  jobtab's last start / bare last start: {last / bare_last:.2f}x (target < 2x)")


def bench_locks(jobtab, count=1000):
    """What the first burst's per-job files cost, without jobtab: `count` per-job lock files
    created and flocked (before issue 9) against `count` opens of one lock file with a byte lock
    each (F_OFD_SETLK, as now), and `count` run markers written as src/running.rs writes them
    (create, flock, write, rename) and removed. One thread, in a fresh folder of the temp dir's
    file system."""
    import fcntl
    import struct
    f_ofd_setlk = 37
    print(f"locks: {count} per-job locks and run markers, one thread, in {tempfile.gettempdir()}")
    with tempfile.TemporaryDirectory() as folder:
        locks = os.path.join(folder, "locks")
        os.mkdir(locks, 0o700)
        start, fds = time.perf_counter(), []
        for i in range(count):
            fd = os.open(os.path.join(locks, f"0123456789abcdef-b{i}.lock"),
                         os.O_CREAT | os.O_RDWR | os.O_CLOEXEC, 0o600)
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            fds.append(fd)
        files = time.perf_counter() - start
        for fd in fds:
            os.close(fd)
        one = os.path.join(locks, "0123456789abcdef.lock")
        os.close(os.open(one, os.O_CREAT | os.O_RDWR, 0o600))
        start, fds = time.perf_counter(), []
        for i in range(count):
            fd = os.open(one, os.O_RDWR | os.O_CLOEXEC)
            fcntl.fcntl(fd, f_ofd_setlk, struct.pack("hhqqi", fcntl.F_WRLCK, 0, (i * 7919) << 40, 1, 0))
            fds.append(fd)
        bytes_ = time.perf_counter() - start
        for fd in fds:
            os.close(fd)
        running = os.path.join(folder, "running")
        os.mkdir(running, 0o700)
        start, fds = time.perf_counter(), []
        for i in range(count):
            temp = os.path.join(running, f".0123456789abcdef-r{i}.json.tmp")
            fd = os.open(temp, os.O_CREAT | os.O_EXCL | os.O_RDWR | os.O_CLOEXEC, 0o600)
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            os.write(fd, b'{"job":"b1","file":"/tmp/x/jobs.toml","run_id":"r","pid":1,"trigger":"schedule"}')
            os.rename(temp, os.path.join(running, f"0123456789abcdef-r{i}.json"))
            fds.append(fd)
        written = time.perf_counter() - start
        start = time.perf_counter()
        for i, fd in enumerate(fds):
            os.unlink(os.path.join(running, f"0123456789abcdef-r{i}.json"))
            os.close(fd)
        removed = time.perf_counter() - start
    print(f"  a lock file per job (create + flock): {files * 1000:.0f} ms; one file, a byte each "
          f"(open + F_OFD_SETLK): {bytes_ * 1000:.0f} ms")
    print(f"  run markers: written {written * 1000:.0f} ms, removed {removed * 1000:.0f} ms")


class Quiet(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


def serve(port):
    http.server.ThreadingHTTPServer.request_queue_size = 2048
    http.server.ThreadingHTTPServer.daemon_threads = True
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Quiet)
    server.serve_forever()


def bench_burst_http(jobtab, count=1000):
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen([sys.executable, __file__, "serve", str(port)])
    try:
        with tempfile.TemporaryDirectory() as folder:
            at = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=6)).replace(microsecond=0)
            run = Run(jobtab, folder, burst_file(
                count, at, lambda i: f'http = {{ url = "http://127.0.0.1:{port}/b{i}" }}'))
            stop, peak = threading.Event(), [0, 0]
            threading.Thread(target=sample_threads, args=(run.proc.pid, stop, peak), daemon=True).start()
            deadline = at.timestamp() + 15
            def ended():
                return [e for e in run.log if (e.get("job") or "").startswith("b")
                        and (e.get("message", "").startswith("ok in") or e.get("level") == "error")]
            while time.time() < deadline and len(ended()) < count:
                time.sleep(0.05)
            time.sleep(0.3)
            stop.set()
            run.stop()
            done = ended()
            ok = [e for e in done if e["message"].startswith("ok in")]
            times = [datetime.datetime.fromisoformat(e["time"]).timestamp() - at.timestamp() for e in ok]
            print(f"burst-http: {count} HTTP jobs due at the same second, loopback threaded server")
            if times:
                print(f"  ok: {len(ok)}/{count}, failed: {len(done) - len(ok)}; last finished "
                      f"{max(times) * 1000:.0f} ms after the second (p50 {percentile(times, 50) * 1000:.0f} ms); "
                      f"peak threads {peak[0]}, peak RSS {peak[1] / 1024:.1f} MiB")
            else:
                print(f"  none succeeded; failed {len(done)}")
            errors = [e["message"] for e in done if not e["message"].startswith("ok in")][:3]
            for message in errors:
                print(f"  e.g. {message}")
    finally:
        server.kill()


def main():
    if sys.argv[1] == "serve":
        serve(int(sys.argv[2]))
        return
    jobtab = os.path.abspath(sys.argv[1])
    which = sys.argv[2:] or ["lateness", "idle", "burst-shell", "burst-http", "locks"]
    benches = {"lateness": bench_lateness, "idle": bench_idle,
               "burst-shell": bench_burst_shell, "burst-http": bench_burst_http,
               "locks": bench_locks}
    print(f"jobtab: {jobtab}; {os.cpu_count()} CPUs; load average {os.getloadavg()[0]:.2f}")
    for name in which:
        benches[name](jobtab)


if __name__ == "__main__":
    main()
