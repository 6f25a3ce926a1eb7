#!/usr/bin/env bash
# Server CPU time per request, pack off vs on, in ONE run (issue 18's table). The server runs pinned to one core
# (taskset), h2load pinned to the other, so the load generator does not steal the server's CPU and the per-request
# figure is the server's own work. Two Release servers of bench/Http2Features.LoadApp: bare Kestrel ("off", doing by
# hand what it can) and the pack ("on"). For every path: warm-up passes until the JIT's tiers settle (at least
# WARMUP passes, then until two passes in a row agree within 5 %, at most 10), then ROUNDS alternating rounds
# (odd rounds off first, even rounds on first). Per run it records
#   - server CPU (utime+stime of the whole process, /proc/<pid>/stat, clock ticks) per request;
#   - the same in µs from getrusage(RUSAGE_SELF) inside the server (/_cpu): finer than the 10 ms tick of /proc, so
#     the per-request figure is not quantised to 0.25 µs (10 ms / 40000 requests); the table's ratio uses it;
#   - bytes allocated per request (GC.GetTotalAllocatedBytes of the server, read through /_alloc around the run).
# Prints every round, then the medians: path, off µs/req, on µs/req, on/off (utime+stime, as issue 18's table), the
# same from getrusage with the median of the per-round ratios, and allocation per request.
#
#   bench/cpu-per-request.sh [rounds=7] [requests=40000] [clients=8] [streams=16]
#   env: PATHS="/ /hints /trailers /priority"  WARMUP=3  SERVER_CPU=0  LOAD_CPU=1  H2LOAD_TIMEOUT=120
#        OFF_MODE=off ON_MODE=on (LoadApp modes: off | on | auto = on + UseAutomaticEarlyHints, learning enabled)
#        H2LOAD_HEADER="sec-fetch-mode: navigate" (one extra request header, e.g. to make requests navigations)
#        PAIRED=1: in each round load both servers at the same time (two h2load on LOAD_CPU, both servers on
#        SERVER_CPU) instead of one after the other: on a machine others are using, the interference then weighs on
#        off and on alike, and the per-round ratio is far steadier than alternating runs.
#   automatic hints, nothing learned, vs the pack without them:
#     OFF_MODE=on ON_MODE=auto PATHS=/ H2LOAD_HEADER="sec-fetch-mode: navigate" bench/cpu-per-request.sh
# Needs h2load (Debian package nghttp2-client), curl, taskset (util-linux), 2 or more cores. Ports: free ones, picked
# at start (never fixed: several people may run benches on one machine).
set -euo pipefail
cd "$(dirname "$0")/.."

ROUNDS=${1:-7}
REQUESTS=${2:-40000}
CLIENTS=${3:-8}
STREAMS=${4:-16}
PATHS=${PATHS:-/ /hints /trailers /priority}
WARMUP=${WARMUP:-3}
SERVER_CPU=${SERVER_CPU:-0}
LOAD_CPU=${LOAD_CPU:-1}
H2LOAD_TIMEOUT=${H2LOAD_TIMEOUT:-120}
PAIRED=${PAIRED:-0}
OFF_MODE=${OFF_MODE:-off}
ON_MODE=${ON_MODE:-on}
H2LOAD_EXTRA=()
[[ -n ${H2LOAD_HEADER:-} ]] && H2LOAD_EXTRA=(-H "$H2LOAD_HEADER")

for tool in h2load curl taskset python3; do
  command -v "$tool" >/dev/null || { echo "$tool not found (h2load: Debian package nghttp2-client; taskset: util-linux)" >&2; exit 2; }
done
(( $(nproc) >= 2 )) || { echo "needs 2 cores: one for the server, one for h2load" >&2; exit 2; }

echo "building Release ..." >&2
dotnet build bench/Http2Features.LoadApp -c Release -o bench/.loadapp-bin --nologo -v q >/dev/null
APP=bench/.loadapp-bin/Http2Features.LoadApp.dll

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
PORT_OFF=$(free_port); PORT_ON=$(free_port)
while [[ $PORT_ON == "$PORT_OFF" ]]; do PORT_ON=$(free_port); done

PIDS=()
WORK=$(mktemp -d)
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done; rm -rf "$WORK"; }
trap cleanup EXIT

export DOTNET_gcServer=${DOTNET_gcServer:-0}
taskset -c "$SERVER_CPU" dotnet "$APP" "$PORT_OFF" "$OFF_MODE" >/dev/null & PID_OFF=$!; PIDS+=("$PID_OFF")
taskset -c "$SERVER_CPU" dotnet "$APP" "$PORT_ON" "$ON_MODE" >/dev/null & PID_ON=$!; PIDS+=("$PID_ON")

wait_up() { for _ in $(seq 1 300); do curl -sk --http2 "https://127.0.0.1:$1/" >/dev/null 2>&1 && return 0; sleep 0.2; done; echo "server on port $1 did not start" >&2; exit 1; }
wait_up "$PORT_OFF"; wait_up "$PORT_ON"

TICKS=$(getconf CLK_TCK)
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
cpu_us() { curl -sk --http2 "https://127.0.0.1:$1/_cpu"; }
allocated() { curl -sk --http2 "https://127.0.0.1:$1/_alloc"; }

# snapshot <port> <pid> -> "alloc_bytes cpu_us ticks"
snapshot() { echo "$(allocated "$1") $(cpu_us "$1") $(cpu_ticks "$2")"; }

# per_request <before> <after> <requests> -> "ticks_us_per_req rusage_us_per_req bytes_per_req"
# The /_alloc and /_cpu requests themselves cost a little: inside the window once, a constant, not per request.
per_request() {
  awk -v b="$1" -v e="$2" -v hz="$TICKS" -v n="$3" \
    'BEGIN { split(b, x, " "); split(e, y, " "); printf "%.3f %.3f %.1f\n", (y[3] - x[3]) / hz * 1e6 / n, (y[2] - x[2]) / n, (y[1] - x[1]) / n }'
}

# load <port> <path> <requests> <output file>: one bounded h2load run; fails on any failed request.
load() {
  local out done failed
  out=$(timeout "$H2LOAD_TIMEOUT" taskset -c "$LOAD_CPU" h2load -n "$3" -c "$CLIENTS" -m "$STREAMS" -t 1 "${H2LOAD_EXTRA[@]}" "https://127.0.0.1:$1$2" 2>&1) \
    || { echo "h2load failed on :$1$2" >&2; echo "$out" >&2; return 1; }
  done=$(awk '/^requests:/ { print $8 }' <<<"$out")
  failed=$(awk '/^requests:/ { print $10 + $12 + $14 }' <<<"$out")
  if [[ "$done" != "$3" || "$failed" != "0" ]]; then echo "h2load on :$1$2: $done of $3 succeeded, $failed failed/errored/timed out" >&2; return 1; fi
  awk '/^finished in/ { print $4 }' <<<"$out" > "$4"
}

# run <port> <pid> <path> <requests> -> "ticks_us_per_req rusage_us_per_req bytes_per_req req_per_s"
run() {
  local b e rps=$WORK/rps.$1
  b=$(snapshot "$1" "$2")
  load "$1" "$3" "$4" "$rps" || exit 1
  e=$(snapshot "$1" "$2")
  echo "$(per_request "$b" "$e" "$4") $(cat "$rps")"
}

# run_pair <path> <requests> -> two lines, off then on: both servers loaded at the same time (PAIRED=1), so whatever
# else the machine runs meanwhile weighs on both alike.
run_pair() {
  local bo bn eo en
  bo=$(snapshot "$PORT_OFF" "$PID_OFF"); bn=$(snapshot "$PORT_ON" "$PID_ON")
  load "$PORT_OFF" "$1" "$2" "$WORK/rps.off" & local lo=$!
  load "$PORT_ON" "$1" "$2" "$WORK/rps.on" & local ln=$!
  wait "$lo" || exit 1; wait "$ln" || exit 1
  eo=$(snapshot "$PORT_OFF" "$PID_OFF"); en=$(snapshot "$PORT_ON" "$PID_ON")
  echo "$(per_request "$bo" "$eo" "$2") $(cat "$WORK/rps.off")"; echo "$(per_request "$bn" "$en" "$2") $(cat "$WORK/rps.on")"
}

warm() { # warm <port> <pid> <path>
  local prev="" cur i
  for i in $(seq 1 10); do
    cur=$(run "$1" "$2" "$3" "$REQUESTS" | awk '{ print $2 }')
    if (( i >= WARMUP )) && [[ -n $prev ]] && awk -v a="$prev" -v b="$cur" 'BEGIN { d = (a - b) / b; exit !(d < 0.05 && d > -0.05) }'; then
      echo "  warm-up $3 :$1 settled after $i passes ($cur us/req)" >&2; return
    fi
    prev=$cur
  done
  echo "  warm-up $3 :$1 did not settle in 10 passes (last $cur us/req)" >&2
}

median() { printf '%s\n' $1 | sort -g | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

echo "warm-up ..." >&2
for p in $PATHS; do warm "$PORT_OFF" "$PID_OFF" "$p"; warm "$PORT_ON" "$PID_ON" "$p"; done

declare -A OFF ON SOFF SON AOFF AON RATIO SRATIO QOFF QON QRATIO
for r in $(seq 1 "$ROUNDS"); do
  for p in $PATHS; do
    if (( PAIRED )); then pair=$(run_pair "$p" "$REQUESTS"); o=$(sed -n 1p <<<"$pair"); n=$(sed -n 2p <<<"$pair")
    elif (( r % 2 )); then o=$(run "$PORT_OFF" "$PID_OFF" "$p" "$REQUESTS"); n=$(run "$PORT_ON" "$PID_ON" "$p" "$REQUESTS")
    else n=$(run "$PORT_ON" "$PID_ON" "$p" "$REQUESTS"); o=$(run "$PORT_OFF" "$PID_OFF" "$p" "$REQUESTS"); fi
    read -r ot os oa oq <<<"$o"; read -r nt ns na nq <<<"$n"
    OFF[$p]+="$ot "; ON[$p]+="$nt "; SOFF[$p]+="$os "; SON[$p]+="$ns "; AOFF[$p]+="$oa "; AON[$p]+="$na "
    QOFF[$p]+="$oq "; QON[$p]+="$nq "; QRATIO[$p]+="$(awk -v a="$nq" -v b="$oq" 'BEGIN { printf "%.3f", a / b }') "
    RATIO[$p]+="$(awk -v a="$nt" -v b="$ot" 'BEGIN { printf "%.3f", a / b }') "
    SRATIO[$p]+="$(awk -v a="$ns" -v b="$os" 'BEGIN { printf "%.3f", a / b }') "
    printf 'round %d %-10s off %6.2f us/req (rusage %6.3f, %7.1f B/req)   on %6.2f us/req (rusage %6.3f, %7.1f B/req)\n' \
      "$r" "$p" "$ot" "$os" "$oa" "$nt" "$ns" "$na" >&2
  done
done

echo
echo "server pinned to cpu $SERVER_CPU, h2load -n $REQUESTS -c $CLIENTS -m $STREAMS -t 1 ${H2LOAD_HEADER:+-H '$H2LOAD_HEADER' }pinned to cpu $LOAD_CPU; $ROUNDS $( (( PAIRED )) && echo "paired (off and on loaded at the same time)" || echo alternating) rounds after warm-up;"
echo "\"off\" = LoadApp mode $OFF_MODE, \"on\" = LoadApp mode $ON_MODE"
echo "$(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg); medians (per-round values below)"
echo
echo "| path | off µs/req | on µs/req | on/off | off µs/req (rusage) | on µs/req (rusage) | on/off per round, median | off B/req | on B/req | h2load req/s on/off per round, median |"
echo "|---|---|---|---|---|---|---|---|---|---|"
for p in $PATHS; do
  printf '| `%s` | %.2f | %.2f | %.2f | %.3f | %.3f | %.3f | %.0f | %.0f | %.3f |\n' "$p" "$(median "${OFF[$p]}")" "$(median "${ON[$p]}")" \
    "$(awk -v a="$(median "${ON[$p]}")" -v b="$(median "${OFF[$p]}")" 'BEGIN { print a / b }')" \
    "$(median "${SOFF[$p]}")" "$(median "${SON[$p]}")" "$(median "${SRATIO[$p]}")" \
    "$(median "${AOFF[$p]}")" "$(median "${AON[$p]}")" "$(median "${QRATIO[$p]}")"
done
echo
echo "per round (utime+stime µs/req off/on; rusage µs/req off/on and their on/off; allocated B/req off/on; h2load req/s):"
for p in $PATHS; do
  echo "  $p  off: ${OFF[$p]}"
  echo "  $p  on:  ${ON[$p]}"
  echo "  $p  rusage off: ${SOFF[$p]}"
  echo "  $p  rusage on:  ${SON[$p]}"
  echo "  $p  on/off (rusage): ${SRATIO[$p]}"
  echo "  $p  B/req off: ${AOFF[$p]} on: ${AON[$p]}"
  echo "  $p  req/s off: ${QOFF[$p]} on: ${QON[$p]} on/off: ${QRATIO[$p]}"
done
