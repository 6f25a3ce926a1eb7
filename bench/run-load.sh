#!/usr/bin/env bash
# End-to-end cost of the pack, measured with h2load against two Release servers of the same app
# (bench/Http2Features.LoadApp): bare Kestrel ("off", no AddHttp2Features) and the pack ("on"). 127.0.0.1 only;
# the script starts and stops its own servers, and every h2load run is bounded (request count and a timeout).
#
# Scenarios (path on both servers):
#   a  /          tiny response, pack off vs on                  (fails the run if median ratio < 0.98)
#   b  /hints     103 Early Hints + 2 KB body  (off: 2 KB body; bare Kestrel cannot send a 103)
#   c  /trailers  2 KB body + repr-digest      (off: SHA-256 by hand + Kestrel's AppendTrailer)
#   d  /priority  stream priority read per request (off: the priority header)
#
# Each round runs every scenario against both servers, alternating which goes first, and records req/s and
# the server's CPU time per request (utime+stime from /proc/<pid>/stat before and after the run).
#
#   bench/run-load.sh [rounds=5] [requests=50000] [clients=8] [streams=16]
#   env: SCENARIOS="a b c d"  PORT_OFF=18441  PORT_ON=18442  H2LOAD_TIMEOUT=120
set -euo pipefail
cd "$(dirname "$0")/.."

ROUNDS=${1:-5}
REQUESTS=${2:-50000}
CLIENTS=${3:-8}
STREAMS=${4:-16}
SCENARIOS=${SCENARIOS:-a b c d}
PORT_OFF=${PORT_OFF:-18441}
PORT_ON=${PORT_ON:-18442}
H2LOAD_TIMEOUT=${H2LOAD_TIMEOUT:-120}
MIN_RATIO=0.98

command -v h2load >/dev/null || { echo "h2load not found: install the Debian package nghttp2-client" >&2; exit 2; }
command -v curl >/dev/null || { echo "curl not found: install the Debian package curl" >&2; exit 2; }

echo "building Release ..." >&2
dotnet build bench/Http2Features.LoadApp -c Release -o bench/.loadapp-bin --nologo -v q >/dev/null
APP=bench/.loadapp-bin/Http2Features.LoadApp.dll

PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

DOTNET_gcServer=${DOTNET_gcServer:-0} dotnet "$APP" "$PORT_OFF" off >/dev/null & PID_OFF=$!; PIDS+=("$PID_OFF")
DOTNET_gcServer=${DOTNET_gcServer:-0} dotnet "$APP" "$PORT_ON" on >/dev/null & PID_ON=$!; PIDS+=("$PID_ON")

wait_up() { for _ in $(seq 1 150); do curl -sk --http2 "https://127.0.0.1:$1/" >/dev/null 2>&1 && return 0; sleep 0.2; done; echo "server on port $1 did not start" >&2; exit 1; }
wait_up "$PORT_OFF"; wait_up "$PORT_ON"

TICKS=$(getconf CLK_TCK)
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; } # utime + stime, in clock ticks

path_of() { case $1 in a) echo /;; b) echo /hints;; c) echo /trailers;; d) echo /priority;; esac; }

# run <port> <pid> <path> <requests> -> "req/s cpu_us_per_request"; fails on any failed/errored request.
run() {
  local before after out rps done failed
  before=$(cpu_ticks "$2")
  out=$(timeout "$H2LOAD_TIMEOUT" h2load -n "$4" -c "$CLIENTS" -m "$STREAMS" -t 1 "https://127.0.0.1:$1$3" 2>&1) || { echo "h2load failed on :$1$3" >&2; echo "$out" >&2; exit 1; }
  after=$(cpu_ticks "$2")
  rps=$(awk '/^finished in/ { gsub(",", "", $4); print $4 }' <<<"$out")
  done=$(awk '/^requests:/ { print $8 }' <<<"$out")
  failed=$(awk '/^requests:/ { print $10 + $12 + $14 }' <<<"$out")
  if [[ "$done" != "$4" || "$failed" != "0" ]]; then echo "h2load on :$1$3: $done of $4 succeeded, $failed failed/errored/timed out" >&2; exit 1; fi
  awk -v b="$before" -v a="$after" -v t="$TICKS" -v n="$4" -v r="$rps" 'BEGIN { printf "%s %.1f\n", r, (a - b) / t * 1e6 / n }'
}

# Warm-up (JIT, tiered compilation, TLS) on every path of both servers.
for s in $SCENARIOS; do run "$PORT_OFF" "$PID_OFF" "$(path_of "$s")" $((REQUESTS / 2)) >/dev/null; run "$PORT_ON" "$PID_ON" "$(path_of "$s")" $((REQUESTS / 2)) >/dev/null; done

declare -A OFF ON CPU_OFF CPU_ON RATIOS
for r in $(seq 1 "$ROUNDS"); do
  for s in $SCENARIOS; do
    p=$(path_of "$s")
    if (( r % 2 )); then o=$(run "$PORT_OFF" "$PID_OFF" "$p" "$REQUESTS"); n=$(run "$PORT_ON" "$PID_ON" "$p" "$REQUESTS")
    else n=$(run "$PORT_ON" "$PID_ON" "$p" "$REQUESTS"); o=$(run "$PORT_OFF" "$PID_OFF" "$p" "$REQUESTS"); fi
    read -r orps ocpu <<<"$o"; read -r nrps ncpu <<<"$n"
    ratio=$(awk -v n="$nrps" -v o="$orps" 'BEGIN { printf "%.3f", n / o }')
    OFF[$s]+="$orps "; ON[$s]+="$nrps "; CPU_OFF[$s]+="$ocpu "; CPU_ON[$s]+="$ncpu "; RATIOS[$s]+="$ratio "
    printf 'round %d %s %-10s off %9.0f req/s %6.1f us/req   on %9.0f req/s %6.1f us/req   ratio %s\n' "$r" "$s" "$p" "$orps" "$ocpu" "$nrps" "$ncpu" "$ratio" >&2
  done
done

median() { printf '%s\n' $1 | sort -g | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
spread() { printf '%s\n' $1 | sort -g | awk 'NR == 1 { lo = $1 } { hi = $1 } END { printf "%.2f-%.2f", lo, hi }'; }

echo
echo "h2load -n $REQUESTS -c $CLIENTS -m $STREAMS -t 1, $ROUNDS alternating rounds, $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-12s %12s %12s %8s %12s %12s %12s\n' scenario "off req/s" "on req/s" ratio "ratio range" "off us/req" "on us/req"
STATUS=0
for s in $SCENARIOS; do
  mr=$(median "${RATIOS[$s]}")
  printf '%-12s %12.0f %12.0f %8.3f %12s %12.1f %12.1f\n' "$s $(path_of "$s")" "$(median "${OFF[$s]}")" "$(median "${ON[$s]}")" "$mr" "$(spread "${RATIOS[$s]}")" "$(median "${CPU_OFF[$s]}")" "$(median "${CPU_ON[$s]}")"
  if [[ $s == a ]] && awk -v r="$mr" -v m="$MIN_RATIO" 'BEGIN { exit !(r < m) }'; then
    echo "FAIL: scenario a (pack off vs on, tiny response) median ratio $mr < $MIN_RATIO" >&2; STATUS=1
  fi
done
echo "ratio = on/off req/s per round (median of the rounds); us/req = server CPU time (user+system) per request, median"
exit $STATUS
