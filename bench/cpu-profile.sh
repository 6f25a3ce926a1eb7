#!/usr/bin/env bash
# Where a LoadApp mode spends its CPU, by method: a cpu-clock sampling profile (perf; works without hardware
# counters, as on this VM) of one Release server pinned to one core while h2load, on the other, loads one path.
# Then the share of all samples spent in one method's own work (FRAME, less what it spends in EXCLUDE, such as the
# next middleware) and the callees it went to. Issue 16 used it to find the miss path's cost: a noise-free share,
# where bench/cpu-per-request.sh's per-round ratios spread by +-10 %.
#
#   bench/cpu-profile.sh [mode=auto] [path=/] [seconds=8]
#   env: FRAME='AutomaticEarlyHintsMiddleware::InvokeAsync' EXCLUDE='EndpointMiddleware::Invoke'
#        H2LOAD_HEADER="sec-fetch-mode: navigate"  SERVER_CPU=0 LOAD_CPU=1  OUT=bench/.profile
# The server runs with perf maps (DOTNET_PerfMapEnabled=1, W^X off so perf can read them) and ReadyToRun off, so
# framework methods are jitted and named too; tiered PGO off as in bench/cpu-per-request.sh. Needs perf (Debian
# package linux-perf), h2load, taskset, python3, 2 cores, root or perf_event_paranoid <= 1.
set -euo pipefail
cd "$(dirname "$0")/.."

MODE=${1:-auto}
URL_PATH=${2:-/}
SECONDS_TO_SAMPLE=${3:-8}
FRAME=${FRAME:-AutomaticEarlyHintsMiddleware::InvokeAsync}
EXCLUDE=${EXCLUDE:-EndpointMiddleware::Invoke}
H2LOAD_HEADER=${H2LOAD_HEADER-sec-fetch-mode: navigate}
SERVER_CPU=${SERVER_CPU:-0}
LOAD_CPU=${LOAD_CPU:-1}
OUT=${OUT:-bench/.profile}
for tool in perf h2load taskset python3 curl; do
  command -v "$tool" >/dev/null || { echo "$tool not found (perf: Debian package linux-perf; h2load: nghttp2-client)" >&2; exit 2; }
done

echo "building Release ..." >&2
dotnet build bench/Http2Features.LoadApp -c Release -o bench/.loadapp-bin --nologo -v q >/dev/null
mkdir -p "$OUT"
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
H2LOAD_EXTRA=()
[[ -n $H2LOAD_HEADER ]] && H2LOAD_EXTRA=(-H "$H2LOAD_HEADER")

DOTNET_EnableWriteXorExecute=0 DOTNET_ReadyToRun=0 DOTNET_PerfMapEnabled=1 DOTNET_TieredPGO=0 DOTNET_TC_CallCountingDelayMs=0 DOTNET_gcServer=0 \
  taskset -c "$SERVER_CPU" dotnet bench/.loadapp-bin/Http2Features.LoadApp.dll "$PORT" "$MODE" >/dev/null & PID=$!
trap 'kill "$PID" 2>/dev/null || true; rm -f "/tmp/perf-$PID.map" "/tmp/perfinfo-$PID.map"' EXIT
for _ in $(seq 1 300); do curl -sk --http2 "https://127.0.0.1:$PORT/" >/dev/null 2>&1 && break; sleep 0.2; done

load() { taskset -c "$LOAD_CPU" h2load -n "$1" -c 8 -m 16 -t 1 "${H2LOAD_EXTRA[@]}" "https://127.0.0.1:$PORT$URL_PATH" | awk '/^requests:/ || /^finished/'; }
echo "warm-up ..." >&2
load 400000 >&2
echo "sampling ${SECONDS_TO_SAMPLE} s under load ..." >&2
perf record -F 2999 -g -p "$PID" -o "$OUT/perf.data" -- sleep "$SECONDS_TO_SAMPLE" >/dev/null 2>&1 & REC=$!
load 100000000 >&2 & LOAD=$!
wait "$REC"; kill "$LOAD" 2>/dev/null || true; wait "$LOAD" 2>/dev/null || true
perf script -i "$OUT/perf.data" 2>/dev/null > "$OUT/perf.txt"
echo "mode $MODE, path $URL_PATH${H2LOAD_HEADER:+, -H '$H2LOAD_HEADER'}, ${SECONDS_TO_SAMPLE} s at 2999 Hz:"
python3 bench/profile/attribute.py "$OUT/perf.txt" "$FRAME" "$EXCLUDE"
