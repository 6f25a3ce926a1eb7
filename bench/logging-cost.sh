#!/usr/bin/env bash
# The cost of the example's logs per request: req/s, server CPU per request and log lines per request, with h2load
# over TLS h2 against /health. Each build runs with its default logs and with --access-logfile -, stdout to a file.
#   bench/logging-cost.sh <published example dir A> <published example dir B> [rounds] [requests]
# e.g. A = the example published from the commit before the logging change, B = after (dotnet publish
# examples/http2_features/WebApp -c Release -o DIR). Rounds alternate A and B to spread machine noise.
# Runs inside a private network namespace (unshare -rn), so the fixed port 127.0.0.1:8443 collides with nothing.
set -euo pipefail
if [ -z "${LOGGING_COST_IN_NS:-}" ]; then
  exec unshare -rn --pid --fork --mount-proc env LOGGING_COST_IN_NS=1 bash "$0" "$@"
fi
ip link set lo up
a=$1 b=$2 rounds=${3:-3} requests=${4:-20000}
work=$(mktemp -d)
hz=$(getconf CLK_TCK)

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

one() {
  local label=$1 dir=$2; shift 2
  local log="$work/$label.log"
  (cd "$dir" && exec dotnet http2_features.dll -c gunicorn.conf.py -b 127.0.0.1:8443 "$@" > "$log" 2>&1) &
  local pid=$!
  until curl -sk -o /dev/null https://127.0.0.1:8443/health; do sleep 0.1; done
  h2load -n 2000 -c 4 -m 10 https://127.0.0.1:8443/health > /dev/null 2>&1     # warm-up (JIT, tiered compilation)
  sleep 1                                                                     # let the console logger's queue drain
  local lines0 t0 lines1 t1 out rps done_
  lines0=$(wc -l < "$log"); t0=$(cpu_ticks $pid)
  out=$(h2load -n "$requests" -c 4 -m 10 https://127.0.0.1:8443/health)
  sleep 1
  lines1=$(wc -l < "$log"); t1=$(cpu_ticks $pid)
  kill $pid; wait $pid 2>/dev/null || true
  rps=$(sed -n 's/.*finished in [0-9.]*m\?s, \([0-9.]*\) req\/s.*/\1/p' <<< "$out")
  done_=$(sed -n 's/^requests: [0-9]* total, [0-9]* started, \([0-9]*\) done.*/\1/p' <<< "$out")
  awk -v l="$label" -v r="$rps" -v t=$((t1 - t0)) -v hz="$hz" -v n="$done_" -v lines=$((lines1 - lines0)) \
    'BEGIN { printf "%-22s %10.0f req/s %8.1f us CPU/req %6.2f lines/req\n", l, r, t * 1e6 / hz / n, lines / n }'
}

for round in $(seq 1 "$rounds"); do
  echo "round $round"
  one "A-default" "$a"
  one "B-default" "$b"
  one "A-accesslog" "$a" --access-logfile -
  one "B-accesslog" "$b" --access-logfile -
done
rm -rf "$work"
