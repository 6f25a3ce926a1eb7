#!/usr/bin/env bash
# Server CPU time per request, pack off vs on, in ONE run (issue 18's table). The server runs pinned to one core
# (taskset), h2load pinned to the other, so the load generator does not steal the server's CPU and the per-request
# figure is the server's own work. Two Release servers of bench/Http2Features.LoadApp: bare Kestrel ("off", doing by
# hand what it can) and the pack ("on"). For every path: warm-up passes until the JIT's tiers settle (at least
# WARMUP passes, then until two passes in a row agree within 5 %, at most 10), then ROUNDS rounds, the servers' order
# rotating each round (off/on, then on/off; with the control: off/on/ctl, on/ctl/off, ctl/off/on). Per run it records
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
#        CONTROL=1: a third server, a second copy of OFF_MODE ("ctl"), measured in every round like the others. Its
#        ctl/off ratio is the noise floor of the run: an on/off difference smaller than ctl/off's spread is not shown.
#   A small difference (a few %) needs many short rounds, the control, and the JIT settled alike in all servers:
#     DOTNET_TieredPGO=0 DOTNET_TC_CallCountingDelayMs=0 CONTROL=1 WARMUP=8 ... bench/cpu-per-request.sh 101 20000
#   (with tiered PGO, two identical servers pinned to one core differed by 1.2-2.5x for minutes after warm-up: the
#   one warmed second kept running instrumented code; both settings apply to every server alike.)
#   automatic hints, nothing learned, vs the pack without them:
#     OFF_MODE=on ON_MODE=auto PATHS=/ H2LOAD_HEADER="sec-fetch-mode: navigate" bench/cpu-per-request.sh
# There is no mode that loads the servers at the same time: sharing one core, identical servers then differed by 2x
# (the one that got the core first batched more requests per wake-up and paid less per request).
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
CONTROL=${CONTROL:-0}
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
PORT_OFF=$(free_port); PORT_ON=$(free_port); PORT_CTL=$(free_port)
while [[ $PORT_ON == "$PORT_OFF" ]]; do PORT_ON=$(free_port); done
while [[ $PORT_CTL == "$PORT_OFF" || $PORT_CTL == "$PORT_ON" ]]; do PORT_CTL=$(free_port); done

PIDS=()
WORK=$(mktemp -d)
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done; rm -rf "$WORK"; }
trap cleanup EXIT

export DOTNET_gcServer=${DOTNET_gcServer:-0}
taskset -c "$SERVER_CPU" dotnet "$APP" "$PORT_OFF" "$OFF_MODE" >/dev/null & PID_OFF=$!; PIDS+=("$PID_OFF")
taskset -c "$SERVER_CPU" dotnet "$APP" "$PORT_ON" "$ON_MODE" >/dev/null & PID_ON=$!; PIDS+=("$PID_ON")
SERVERS=(off on)
declare -A PORT=([off]=$PORT_OFF [on]=$PORT_ON) PID=([off]=$PID_OFF [on]=$PID_ON)
if (( CONTROL )); then
  taskset -c "$SERVER_CPU" dotnet "$APP" "$PORT_CTL" "$OFF_MODE" >/dev/null & PID_CTL=$!; PIDS+=("$PID_CTL")
  SERVERS+=(ctl); PORT[ctl]=$PORT_CTL; PID[ctl]=$PID_CTL
fi

wait_up() { for _ in $(seq 1 300); do curl -sk --http2 "https://127.0.0.1:$1/" >/dev/null 2>&1 && return 0; sleep 0.2; done; echo "server on port $1 did not start" >&2; exit 1; }
for s in "${SERVERS[@]}"; do wait_up "${PORT[$s]}"; done

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
for p in $PATHS; do for s in "${SERVERS[@]}"; do warm "${PORT[$s]}" "${PID[$s]}" "$p"; done; done

declare -A CPU SCPU ALLOC RPS RATIO SRATIO QRATIO CRATIO
N=${#SERVERS[@]}
for r in $(seq 1 "$ROUNDS"); do
  for p in $PATHS; do
    declare -A OUT=()
    for k in $(seq 0 $(( N - 1 ))); do
      s=${SERVERS[$(( (r - 1 + k) % N ))]}
      OUT[$s]=$(run "${PORT[$s]}" "${PID[$s]}" "$p" "$REQUESTS")
    done
    line="round $r $p"
    for s in "${SERVERS[@]}"; do
      read -r t u a q <<<"${OUT[$s]}"
      CPU[$s,$p]+="$t "; SCPU[$s,$p]+="$u "; ALLOC[$s,$p]+="$a "; RPS[$s,$p]+="$q "
      line+=$(printf '   %s %6.2f us/req (rusage %6.3f, %7.1f B/req)' "$s" "$t" "$u" "$a")
    done
    read -r ot os _ oq <<<"${OUT[off]}"; read -r nt ns _ nq <<<"${OUT[on]}"
    RATIO[$p]+="$(awk -v a="$nt" -v b="$ot" 'BEGIN { printf "%.3f", a / b }') "
    SRATIO[$p]+="$(awk -v a="$ns" -v b="$os" 'BEGIN { printf "%.3f", a / b }') "
    QRATIO[$p]+="$(awk -v a="$nq" -v b="$oq" 'BEGIN { printf "%.3f", a / b }') "
    if (( CONTROL )); then read -r _ cs _ _ <<<"${OUT[ctl]}"; CRATIO[$p]+="$(awk -v a="$cs" -v b="$os" 'BEGIN { printf "%.3f", a / b }') "; fi
    echo "$line" >&2
    unset OUT
  done
done

# spread <values> -> "p25 p75" (the middle half of the per-round ratios)
spread() { printf '%s\n' $1 | sort -g | awk '{ a[NR] = $1 } END { i = int(NR / 4) + 1; j = NR - int(NR / 4); print a[i], a[j] }'; }

echo
echo "server pinned to cpu $SERVER_CPU, h2load -n $REQUESTS -c $CLIENTS -m $STREAMS -t 1 ${H2LOAD_HEADER:+-H '$H2LOAD_HEADER' }pinned to cpu $LOAD_CPU; $ROUNDS rounds after warm-up, order rotating;"
echo "\"off\" = LoadApp mode $OFF_MODE, \"on\" = LoadApp mode $ON_MODE$( (( CONTROL )) && echo ", \"ctl\" = a second server in mode $OFF_MODE (the noise floor)")"
echo "$(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg); runtime env: $(env | grep -E '^DOTNET_' | sort | tr '\n' ' ')"
echo "medians (per-round values below)"
echo
echo "| path | off µs/req | on µs/req | on/off | off µs/req (rusage) | on µs/req (rusage) | on/off per round, median (middle half) |$( (( CONTROL )) && echo " ctl/off per round, median (middle half) |") off B/req | on B/req | h2load req/s on/off per round, median |"
echo "|---|---|---|---|---|---|---|$( (( CONTROL )) && echo "---|")---|---|---|"
for p in $PATHS; do
  control=""
  (( CONTROL )) && control=$(printf ' %.3f (%s–%s) |' "$(median "${CRATIO[$p]}")" $(spread "${CRATIO[$p]}"))
  printf '| `%s` | %.2f | %.2f | %.2f | %.3f | %.3f | %.3f (%s–%s) |%s %.0f | %.0f | %.3f |\n' "$p" "$(median "${CPU[off,$p]}")" "$(median "${CPU[on,$p]}")" \
    "$(awk -v a="$(median "${CPU[on,$p]}")" -v b="$(median "${CPU[off,$p]}")" 'BEGIN { print a / b }')" \
    "$(median "${SCPU[off,$p]}")" "$(median "${SCPU[on,$p]}")" "$(median "${SRATIO[$p]}")" $(spread "${SRATIO[$p]}") "$control" \
    "$(median "${ALLOC[off,$p]}")" "$(median "${ALLOC[on,$p]}")" "$(median "${QRATIO[$p]}")"
done
echo
echo "per round (utime+stime µs/req; rusage µs/req and the ratios; allocated B/req; h2load req/s):"
for p in $PATHS; do
  for s in "${SERVERS[@]}"; do
    echo "  $p  $s: ${CPU[$s,$p]}"
    echo "  $p  $s rusage: ${SCPU[$s,$p]}"
    echo "  $p  $s B/req: ${ALLOC[$s,$p]}"
    echo "  $p  $s req/s: ${RPS[$s,$p]}"
  done
  echo "  $p  on/off (rusage): ${SRATIO[$p]}"
  (( CONTROL )) && echo "  $p  ctl/off (rusage): ${CRATIO[$p]}"
  echo "  $p  req/s on/off: ${QRATIO[$p]}"
done
