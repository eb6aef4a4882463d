#!/usr/bin/env bash
# jobtab's webhook server side by side with Debian's `webhook` (adnanh/webhook 2.8.0), both
# configured for the same hook (payload-hmac-sha256 on X-Hub-Signature-256, /bin/true), both
# driven by wrk on loopback with 2 threads and 32 connections (jobtab issue 10).
#
#   benches/webhook.sh              # build release, then measure both
#   SECONDS_SHORT=10 SECONDS_FLOOD=30 BIN=target/release/jobtab benches/webhook.sh
#
# Measures, for each server:
#   1. requests/s answered for a bad signature (every one logged: jobtab's log line and
#      deliveries log, webhook's -verbose log);
#   2. requests/s for valid signatures that `match` ignores (jobtab: match /ref; webhook: an
#      `and` rule with a payload match);
#   3. peak RSS during a flood of valid deliveries (each with its own delivery id), and for
#      jobtab, the lateness of an every-second job during that flood (from its history).
set -euo pipefail
cd "$(dirname "$0")/.."

short=${SECONDS_SHORT:-10}
flood=${SECONDS_FLOOD:-30}
if [ -z "${BIN:-}" ]; then
  cargo build --release --quiet
fi
bin=${BIN:-$PWD/target/release/jobtab}
command -v wrk >/dev/null || { echo "needs wrk (apt-get install wrk)" >&2; exit 1; }
command -v webhook >/dev/null || { echo "needs webhook (apt-get install webhook)" >&2; exit 1; }

dir=$(mktemp -d "${TMPDIR:-/tmp}/jobtab-webhook-bench.XXXXXX")
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  [ -n "${KEEP:-}" ] && echo "files in $dir" || rm -rf "$dir"
}
trap cleanup EXIT

secret='bench-secret-0123456789abcdef'
valid_body='{"ref":"refs/heads/main","repository":{"full_name":"o/r"}}'
ignored_body='{"ref":"refs/heads/dev","repository":{"full_name":"o/r"}}'
sign() { printf '%s' "$1" | openssl dgst -sha256 -hmac "$secret" | sed 's/^.*= /sha256=/'; }
valid_sig=$(sign "$valid_body")
ignored_sig=$(sign "$ignored_body")
bad_sig="sha256=$(printf '0%.0s' {1..64})"

# wrk scripts: a fixed request, or one with a new delivery id each time.
lua() { # body signature unique
  cat <<LUA
local counter = 0
local id = 0
function setup(thread) id = id + 1; thread:set("tid", id) end
function init(args) tid = tid or 0 end
function request()
  counter = counter + 1
  local headers = {
    ["Content-Type"] = "application/json",
    ["X-GitHub-Event"] = "push",
    ["X-Hub-Signature-256"] = "$2",
    ["X-GitHub-Delivery"] = "$3" == "unique" and (tostring(tid) .. "-" .. counter) or "fixed",
  }
  return wrk.format("POST", nil, headers, '$1')
end
LUA
}
lua "$ignored_body" "$bad_sig" unique > "$dir/bad.lua"
lua "$ignored_body" "$ignored_sig" unique > "$dir/ignored.lua"
lua "$valid_body" "$valid_sig" unique > "$dir/valid.lua"

# jobtab: the hook, and an every-second job whose lateness is measured.
mkdir -p "$dir/state"
cat > "$dir/jobs.toml" <<TOML
[server]
listen = "127.0.0.1:18480"

[jobs.deploy]
command = "/bin/true"
[jobs.deploy.webhook]
verify = "github"
secret = "\${BENCH_SECRET}"
match = { "/ref" = "refs/heads/main" }

[jobs.tick]
schedule = "* * * * * *"
command = "/bin/true"
TOML
chmod 600 "$dir/jobs.toml"
# webhook: the same hook; the match in an `and` rule.
cat > "$dir/hooks.json" <<JSON
[{
  "id": "deploy",
  "execute-command": "/bin/true",
  "trigger-rule": {"and": [
    {"match": {"type": "payload-hmac-sha256", "secret": "$secret",
               "parameter": {"source": "header", "name": "X-Hub-Signature-256"}}},
    {"match": {"type": "value", "value": "refs/heads/main",
               "parameter": {"source": "payload", "name": "ref"}}}
  ]}
}]
JSON

wait_port() { for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$1/" && return; sleep 0.1; done; echo "port $1 never opened" >&2; exit 1; }

# Requests/s of one wrk run; its whole output is added to $dir/wrk-<port>.txt.
rate() { # url script seconds
  local port=${1#*127.0.0.1:}
  port=${port%%/*}
  wrk -t2 -c32 -d"$3"s -s "$2" "$1" | tee -a "$dir/wrk-$port.txt" | awk '/Requests\/sec/ {print $2}'
}

# Requests wrk saw answered, in all its runs against a port.
answered() { # port
  cat "$dir/wrk-$1.txt" "$dir/flood-$1.txt" | awk '/requests in/ {n += $1} END {print n + 0}'
}

# Peak RSS (MiB) of a process and its children, sampled every 0.2 s while wrk runs.
flood() { # pid url seconds
  local pid=$1 peak=0 rss
  local port=${2#*127.0.0.1:}
  port=${port%%/*}
  wrk -t2 -c32 -d"$3"s -s "$dir/valid.lua" "$2" > "$dir/flood-$port.txt" &
  local wrk_pid=$!
  while kill -0 "$wrk_pid" 2>/dev/null; do
    rss=$(ps -o rss= --ppid "$pid" -p "$pid" 2>/dev/null | awk '{s += $1} END {print s + 0}')
    [ "$rss" -gt "$peak" ] && peak=$rss
    sleep 0.2
  done
  wait "$wrk_pid"
  local hwm
  hwm=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status")
  echo "$(awk '/Requests\/sec/ {print $2}' "$dir/flood-$port.txt") $((peak / 1024)) $((hwm / 1024))"
}

echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"

# --- jobtab
BENCH_SECRET=$secret JOBTAB_STATE_DIR=$dir/state "$bin" --file "$dir/jobs.toml" run \
  2> "$dir/jobtab.log" &
jpid=$!; pids+=("$jpid")
wait_port 18480
url=http://127.0.0.1:18480/hooks/deploy
j_bad=$(rate "$url" "$dir/bad.lua" "$short")
j_ignored=$(rate "$url" "$dir/ignored.lua" "$short")
flood_start=$(date -u +%Y-%m-%dT%H:%M:%S)
read -r j_valid j_peak j_hwm < <(flood "$jpid" "$url" "$flood")
kill "$jpid"; wait "$jpid" 2>/dev/null || true
# The every-second job's runs during the flood: misses and lateness (started_at - scheduled_at).
JOBTAB_STATE_DIR=$dir/state "$bin" --file "$dir/jobs.toml" history tick --json --limit 1000 |
  python3 -c '
import json, sys
from datetime import datetime
start = sys.argv[1]
runs = [r for r in json.load(sys.stdin) if r["scheduled_at"][:19] >= start]
late = sorted((datetime.fromisoformat(r["started_at"]) - datetime.fromisoformat(r["scheduled_at"])).total_seconds() * 1000 for r in runs)
sched = sorted(datetime.fromisoformat(r["scheduled_at"]) for r in runs)
gaps = sum(1 for a, b in zip(sched, sched[1:]) if (b - a).total_seconds() > 1.5)
p = lambda q: late[min(len(late) - 1, int(q * len(late)))]
print(f"{len(runs)} {gaps} {p(0.5):.1f} {p(0.99):.1f} {late[-1]:.1f}")
' "$flood_start" > "$dir/tick.txt"
read -r t_runs t_gaps t_p50 t_p99 t_max < "$dir/tick.txt"
j_lines=$(grep -c 'webhook POST /hooks/deploy' "$dir/jobtab.log" || true)

# --- webhook
webhook -hooks "$dir/hooks.json" -ip 127.0.0.1 -port 18481 -verbose 2> "$dir/webhook.log" &
wpid=$!; pids+=("$wpid")
wait_port 18481
url=http://127.0.0.1:18481/hooks/deploy
w_bad=$(rate "$url" "$dir/bad.lua" "$short")
w_ignored=$(rate "$url" "$dir/ignored.lua" "$short")
read -r w_valid w_peak w_hwm < <(flood "$wpid" "$url" "$flood")
kill "$wpid"; wait "$wpid" 2>/dev/null || true

printf '\n%-44s %14s %14s\n' "wrk -t2 -c32, loopback" "jobtab" "webhook 2.8.0"
printf '%-44s %14s %14s\n' "bad signature, requests/s (${short} s)" "$j_bad" "$w_bad"
printf '%-44s %14s %14s\n' "valid but ignored by match, requests/s" "$j_ignored" "$w_ignored"
printf '%-44s %14s %14s\n' "valid deliveries, requests/s (${flood} s)" "$j_valid" "$w_valid"
printf '%-44s %14s %14s\n' "  peak RSS, process + children (MiB)" "$j_peak" "$w_peak"
printf '%-44s %14s %14s\n' "  VmHWM of the server process (MiB)" "$j_hwm" "$w_hwm"
echo
echo "jobtab's every-second job during the flood: $t_runs runs, $t_gaps missed seconds," \
  "lateness p50 $t_p50 ms, p99 $t_p99 ms, max $t_max ms"
# wrk does not count the requests still in flight when it stops (at most 32 a run), which
# the server answered and logged: the log has as many lines, or up to 3 x 32 more.
echo "jobtab request log lines: $j_lines, for $(answered 18480) requests wrk saw answered"
