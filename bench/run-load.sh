#!/usr/bin/env bash
# End-to-end cost of the pack: the same tiny app (bench/Http2Features.LoadApp) with the pack off and on,
# measured with h2load in alternating rounds in one run. 127.0.0.1 only; the script starts and stops its
# own two server processes.
#
#   bench/run-load.sh [rounds=5] [requests=200000] [clients=8] [streams=16]
set -euo pipefail
cd "$(dirname "$0")/.."

ROUNDS=${1:-5}
REQUESTS=${2:-200000}
CLIENTS=${3:-8}
STREAMS=${4:-16}
PORT_OFF=${PORT_OFF:-18441}
PORT_ON=${PORT_ON:-18442}

command -v h2load >/dev/null || { echo "h2load not found: install the Debian package nghttp2-client" >&2; exit 2; }

dotnet build bench/Http2Features.LoadApp -c Release -o bench/.loadapp-bin --nologo -v q >/dev/null
APP=bench/.loadapp-bin/Http2Features.LoadApp.dll

PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

dotnet "$APP" "$PORT_OFF" off & PIDS+=($!)
dotnet "$APP" "$PORT_ON" on & PIDS+=($!)

wait_up() { for _ in $(seq 1 100); do curl -sk --http2 "https://127.0.0.1:$1/" >/dev/null 2>&1 && return 0; sleep 0.2; done; echo "server on $1 did not start" >&2; exit 1; }
wait_up "$PORT_OFF"; wait_up "$PORT_ON"

run() { # prints req/s
  h2load -n "$REQUESTS" -c "$CLIENTS" -m "$STREAMS" -t 1 "https://127.0.0.1:$1/" 2>/dev/null \
    | awk '/^finished in/ { gsub(",", "", $4); print $4 }'
}

# Warm-up (JIT, TLS session setup) for both.
REQUESTS=$((REQUESTS / 4)) run "$PORT_OFF" >/dev/null; REQUESTS=$((REQUESTS / 4)) run "$PORT_ON" >/dev/null

OFF=(); ON=(); RATIOS=()
for r in $(seq 1 "$ROUNDS"); do
  if (( r % 2 )); then o=$(run "$PORT_OFF"); n=$(run "$PORT_ON"); else n=$(run "$PORT_ON"); o=$(run "$PORT_OFF"); fi
  OFF+=("$o"); ON+=("$n"); RATIOS+=("$(echo "$n / $o" | bc -l)")
  printf 'round %d: off %10.1f req/s  on %10.1f req/s  ratio %.3f\n' "$r" "$o" "$n" "$(echo "$n / $o" | bc -l)"
done

median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END { if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2 }'; }
MO=$(median "${OFF[@]}"); MN=$(median "${ON[@]}")
printf 'median: off %.1f req/s  on %.1f req/s  ratio on/off %.3f\n' "$MO" "$MN" "$(echo "$MN / $MO" | bc -l)"
printf 'median of per-round ratios: %.3f\n' "$(median "${RATIOS[@]}")"
echo "command: h2load -n $REQUESTS -c $CLIENTS -m $STREAMS -t 1 https://127.0.0.1:<port>/ ($ROUNDS alternating rounds)"
