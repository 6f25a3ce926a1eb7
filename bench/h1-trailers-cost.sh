#!/usr/bin/env bash
# HTTP/1.1 trailer cost: pack-on LoadApp pinned to CPU 0, h2load --h1 pinned to CPU 1; server CPU µs/request via /_cpu.
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-5}; N=${2:-20000}
dotnet build bench/Http2Features.LoadApp -c Release -o /tmp/h1loadapp --nologo -v q >/dev/null
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
DOTNET_gcServer=0 taskset -c 0 dotnet /tmp/h1loadapp/Http2Features.LoadApp.dll $PORT on >/dev/null & PID=$!
trap "kill $PID" EXIT
for _ in $(seq 1 300); do curl -sk --http1.1 https://127.0.0.1:$PORT/ >/dev/null 2>&1 && break; sleep 0.2; done
cpu() { curl -sk --http1.1 https://127.0.0.1:$PORT/_cpu; }
run() { local before after; before=$(cpu); taskset -c 1 h2load --h1 -n $N -c 8 -t 1 "https://127.0.0.1:$PORT$1" >/dev/null 2>&1; after=$(cpu); python3 -c "print(f'{($after-$before)/$N:.2f}')"; }
PATHS="/chunked /trailer-fixed /trailers"
for p in $PATHS; do run $p >/dev/null; run $p >/dev/null; run $p > /dev/null; done   # warm-up
declare -A R
for r in $(seq 1 $ROUNDS); do
  line="round $r:"
  for p in $PATHS; do v=$(run $p); R[$p]+="$v "; line+=" $p=$v"; done
  echo "$line"
done
for p in $PATHS; do echo "$p median $(python3 -c "import statistics,sys; print(statistics.median(map(float,sys.argv[1:])))" ${R[$p]}) µs/req (${R[$p]})"; done
