#!/usr/bin/env bash
# Soak: a Release server with the pack (bench/Http2Features.LoadApp "on") on 127.0.0.1 takes TOTAL requests mixing
# its four paths (/, /hints, /trailers, /priority) over HTTP/2 and HTTP/1.1 in alternating batches. Every request
# must succeed (h2load: 0 failed/errored/timed out, all 2xx; h2load counts 103-then-200 as 3xx). Prints the server's RSS after warm-up, after every
# batch and at the end; exits non-zero on any failure. The script starts and stops its own server.
#
#   bench/soak.sh [total=1000000] [batches=10]
#   env: PORT=18443  H2LOAD_TIMEOUT=600
set -euo pipefail
cd "$(dirname "$0")/.."

TOTAL=${1:-1000000}
BATCHES=${2:-10}
PORT=${PORT:-18443}
H2LOAD_TIMEOUT=${H2LOAD_TIMEOUT:-600}

command -v h2load >/dev/null || { echo "h2load not found: install the Debian package nghttp2-client" >&2; exit 2; }
command -v curl >/dev/null || { echo "curl not found: install the Debian package curl" >&2; exit 2; }

echo "building Release ..." >&2
dotnet build bench/Http2Features.LoadApp -c Release -o bench/.loadapp-bin --nologo -v q >/dev/null
dotnet bench/.loadapp-bin/Http2Features.LoadApp.dll "$PORT" on >/dev/null & PID=$!
trap 'kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true' EXIT
for _ in $(seq 1 150); do curl -sk --http2 "https://127.0.0.1:$PORT/" >/dev/null 2>&1 && break; sleep 0.2; done

BASE="https://127.0.0.1:$PORT"
rss() { awk '/^VmRSS/ { printf "%.1f MiB", $2 / 1024 }' "/proc/$PID/status"; }

# The pack is really at work: a 103 before the 200 on HTTP/2 and HTTP/1.1, a digest trailer, a priority read.
curl -sk --http2 -D - -o /dev/null "$BASE/hints" | grep -q '^HTTP/2 103' || { echo "no 103 over HTTP/2" >&2; exit 1; }
curl -sk --http1.1 -D - -o /dev/null "$BASE/hints" | grep -q '^HTTP/1.1 103' || { echo "no 103 over HTTP/1.1" >&2; exit 1; }
curl -sk --http2 -D - -o /dev/null "$BASE/trailers" | grep -qi '^repr-digest: sha-256=:' || { echo "no repr-digest trailer" >&2; exit 1; }
[[ $(curl -sk --http2 -H 'priority: u=1' "$BASE/priority") == 1 ]] || { echo "priority not read" >&2; exit 1; }

URIS=("$BASE/" "$BASE/hints" "$BASE/trailers" "$BASE/priority")

# batch <requests> <h2|h1>: h2load over all four paths; fails unless every request succeeded with a 2xx.
batch() {
  local out flags
  if [[ $2 == h2 ]]; then flags=(-c 8 -m 16); else flags=(--h1 -c 32 -m 1); fi
  out=$(timeout "$H2LOAD_TIMEOUT" h2load -n "$1" "${flags[@]}" -t 1 "${URIS[@]}" 2>&1) || { echo "$out" >&2; echo "h2load failed ($2)" >&2; exit 1; }
  local ok failed twoxx rps
  ok=$(awk '/^requests:/ { print $8 }' <<<"$out")
  failed=$(awk '/^requests:/ { print $10 + $12 + $14 }' <<<"$out")
  # h2load files a response that had a 103 before its 200 under "3xx" (no path here redirects), so 2xx + 3xx.
  twoxx=$(awk '/^status codes:/ { print $3 + $5 }' <<<"$out")
  rps=$(awk '/^finished in/ { gsub(",", "", $4); print $4 }' <<<"$out")
  if [[ "$ok" != "$1" || "$failed" != 0 || "$twoxx" != "$1" ]]; then echo "$out" >&2; echo "FAIL ($2): $ok of $1 succeeded, $failed failed, $twoxx 2xx" >&2; exit 1; fi
  echo "$rps"
}

batch 20000 h2 >/dev/null; batch 20000 h1 >/dev/null # warm-up
START_RSS=$(rss); START=$(date +%s)
echo "start RSS (after warm-up): $START_RSS"
PER=$((TOTAL / BATCHES)); DONE=0
for b in $(seq 1 "$BATCHES"); do
  proto=$([[ $((b % 2)) == 1 ]] && echo h2 || echo h1)
  rps=$(batch "$PER" "$proto")
  DONE=$((DONE + PER))
  printf 'batch %2d %s %8d requests ok (%8.0f req/s), total %8d, RSS %s\n' "$b" "$proto" "$PER" "$rps" "$DONE" "$(rss)"
done
echo "end RSS: $(rss) (start $START_RSS); $DONE requests, 0 failures, $(( $(date +%s) - START )) s"
