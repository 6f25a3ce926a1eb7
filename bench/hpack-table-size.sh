#!/usr/bin/env bash
# 103s while the client changes SETTINGS_HEADER_TABLE_SIZE: 10,000 hinted requests per case on one connection, with
# python h2 (test/Http2Features.Tests/EarlyHints/hpack_table_size_client.py), against bench/Http2Features.LoadApp's
# /hints with the pack ("on") and bare Kestrel ("off", same 2 KB response without the 103). Issue 12 asks that the
# cases Kestrel survives (a size in the preface; one change on a quiet connection) give 0 errors over 10,000 hinted
# requests, and that the mid-connection case never fails more with the pack than without (Kestrel 10.0.12 fails it
# by itself: see docs/http2.md, Troubleshooting HTTP/2). Prints one line per server and case: responses, 103s
# received, the first error (null: none).
#
#   bench/hpack-table-size.sh [requests=10000] [per_batch=20]
#   env: CASES="p0;- p256;- -;w0;- 0;4096;0,0;4096;256"   (schedule syntax: see the client script's header)
# Needs /usr/bin/python3 with h2 (Debian package python3-h2) and curl. Ports: free ones, picked at start.
set -euo pipefail
cd "$(dirname "$0")/.."

REQUESTS=${1:-10000}
PER_BATCH=${2:-20}
CASES=${CASES:-"p0;- p256;- -;w0;- 0;4096;0,0;4096;256"}
PY=/usr/bin/python3
CLIENT=test/Http2Features.Tests/EarlyHints/hpack_table_size_client.py

"$PY" -c 'import h2' 2>/dev/null || { echo "$PY has no h2 module (Debian package python3-h2)" >&2; exit 2; }
command -v curl >/dev/null || { echo "curl not found" >&2; exit 2; }

echo "building Release ..." >&2
dotnet build bench/Http2Features.LoadApp -c Release -o bench/.loadapp-bin --nologo -v q >/dev/null
APP=bench/.loadapp-bin/Http2Features.LoadApp.dll

free_port() { "$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
PORT_OFF=$(free_port); PORT_ON=$(free_port)
while [[ $PORT_ON == "$PORT_OFF" ]]; do PORT_ON=$(free_port); done

PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done; }
trap cleanup EXIT
dotnet "$APP" "$PORT_OFF" off >/dev/null & PIDS+=("$!")
dotnet "$APP" "$PORT_ON" on >/dev/null & PIDS+=("$!")
wait_up() { for _ in $(seq 1 300); do curl -sk --http2 "https://127.0.0.1:$1/" >/dev/null 2>&1 && return 0; sleep 0.2; done; echo "server on port $1 did not start" >&2; exit 1; }
wait_up "$PORT_OFF"; wait_up "$PORT_ON"

BATCHES=$(( REQUESTS / PER_BATCH ))
for case in $CASES; do
  for side in off on; do
    port=$PORT_OFF; [[ $side == on ]] && port=$PORT_ON
    out=$("$PY" "$CLIENT" "$port" - /hints "$case" "$BATCHES" "$PER_BATCH" | tail -1)
    printf '%-28s %-3s %s\n' "$case" "$side" "$("$PY" -c 'import json,sys; d=json.loads(sys.argv[1]); print("responses=%d 103s=%d error=%s" % (d["responses"], d["informational"], d["error"]))' "$out")"
  done
done
