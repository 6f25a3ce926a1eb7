#!/usr/bin/env bash
# Idle time to the 103 vs a trivial response's time to first byte, on the same HTTP/2 connection (issue 18: within
# 0.1 ms). Starts bench/Http2Features.LoadApp with the pack on (Release, a free port), then
# bench/latency/hint_latency.py alternates GET / and GET /hints-slow (103 first, then 20 ms of work) one at a time.
#   bench/hint-latency.sh [requests=200] [warmup=50]
#   env: PYTHON=/usr/bin/python3 (needs h2: Debian package python3-h2)
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-/usr/bin/python3}
"$PYTHON" -c 'import h2' 2>/dev/null || { echo "$PYTHON has no h2 module: install the Debian package python3-h2" >&2; exit 2; }
dotnet build bench/Http2Features.LoadApp -c Release -o bench/.loadapp-bin --nologo -v q >/dev/null
PORT=$("$PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
DOTNET_gcServer=0 dotnet bench/.loadapp-bin/Http2Features.LoadApp.dll "$PORT" on >/dev/null 2>&1 & PID=$!
trap 'kill $PID 2>/dev/null || true; wait $PID 2>/dev/null || true' EXIT
for _ in $(seq 1 300); do curl -sk --http2 -o /dev/null "https://127.0.0.1:$PORT/" && break; sleep 0.2; done
echo "load average $(cut -d' ' -f1-3 /proc/loadavg)"
"$PYTHON" bench/latency/hint_latency.py "$PORT" "${1:-200}" "${2:-50}" / /hints-slow
