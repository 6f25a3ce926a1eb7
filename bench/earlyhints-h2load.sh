#!/usr/bin/env bash
# Full-size load run for 103 Early Hints: h2load, 200,000 requests, -c 16 -m 20, against real Kestrel
# (TLS, the pack's connection seam) on an endpoint that sends one 103 then a 100 B or 20 KB body,
# over HTTP/2 and HTTP/1.1 (--h1). Every run must end with 0 failed, 0 errored.
# The test suite runs the same tests with 10,000 requests (EarlyHintsLoadTests) to stay fast.
# Needs h2load (Debian package nghttp2-client).
set -euo pipefail
cd "$(dirname "$0")/.."
requests="${1:-200000}"
log="$(mktemp)"
EARLYHINTS_H2LOAD_REQUESTS="$requests" EARLYHINTS_H2LOAD_LOG="$log" \
  dotnet test --project test/Http2Features.Tests --filter-method "*H2load_with_a_hint_on_every_request*"
grep -E '^\$ h2load|finished in|requests:|status codes:' "$log"
rm -f "$log"
