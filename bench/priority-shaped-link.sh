#!/usr/bin/env bash
# Response scheduling on a shaped link (issue 15). Two network namespaces joined by a veth pair, each end shaped
# with `tc qdisc ... tbf rate 20mbit burst 32kbit latency 50ms` (this kernel has tbf/htb, no netem: no added
# delay). The server (bench/Http2Features.LoadApp, Release) runs in one namespace, a python h2 client with a
# browser's windows (6 MiB stream, 15 MiB connection) in the other. On ONE connection: an 8 MB u=7 download,
# then after 200 ms a 200 KB u=0 request; both carry the priority header and an RFC 7540 weight (1 and 256).
#
# Variants, each a separate server process on its own port, measured in alternating order every round:
#   alone   the 200 KB u=0 request on its own (bare Kestrel)
#   bare    bare Kestrel (no AddHttp2Features)
#   sched   the pack with Http2Features:Priority:Scheduling:Enabled=true (TCP_NOTSENT_LOWAT 16 KiB, the default)
#   nolowat the same with NotSentLowWatermark=0 (what TCP_NOTSENT_LOWAT contributes)
#   alt     only when ALT is set: scheduling on plus the settings in ALT (space-separated NAME=value environment
#           entries, e.g. ALT="Http2Features__Priority__Scheduling__ResponseBufferSize=8192"), to compare a tuning
# Prints per-run values and medians; the goal is sched/alone <= 2.0 with the bulk total not growing by more than
# the urgent bytes' transfer time (200 KB at 20 Mbit/s = 0.08 s).
#
#   sudo bench/priority-shaped-link.sh [rounds=5]        (needs root: ip netns, tc)
#   env: BULK=8000000 URGENT=200000 DELAY_MS=200 RATE=20mbit NICE=-10 ALT=
# The server and the client run at nice $NICE: on a shared machine, background builds otherwise starve the
# server's write loop for tens of ms and the scheduler's 10 ms IdleTimeout lets the download in (NICE=0 to compare).
set -euo pipefail
cd "$(dirname "$0")/.."

ROUNDS=${1:-5}
BULK=${BULK:-8000000}
URGENT=${URGENT:-200000}
DELAY_MS=${DELAY_MS:-200}
RATE=${RATE:-20mbit}
NICE=${NICE:--10}
ALT=${ALT:-}
PY=/usr/bin/python3

[ "$(id -u)" = 0 ] || { echo "needs root (ip netns, tc)" >&2; exit 2; }
command -v tc >/dev/null || { echo "tc not found: install the Debian package iproute2" >&2; exit 2; }
$PY -c 'import h2' 2>/dev/null || { echo "python h2 not found: install the Debian package python3-h2" >&2; exit 2; }

echo "building Release ..." >&2
dotnet build bench/Http2Features.LoadApp -c Release -o bench/.loadapp-bin --nologo -v q >/dev/null
APP=$PWD/bench/.loadapp-bin/Http2Features.LoadApp.dll

ID=$$
SRV=h2s-srv-$ID
CLI=h2s-cli-$ID
VS=h2s${ID}a
VC=h2s${ID}b
SRV_IP=10.231.$((ID % 200)).1
CLI_IP=10.231.$((ID % 200)).2
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  ip netns del "$SRV" 2>/dev/null || true
  ip netns del "$CLI" 2>/dev/null || true
}
trap cleanup EXIT

ip netns add "$SRV"
ip netns add "$CLI"
ip link add "$VS" type veth peer name "$VC"
ip link set "$VS" netns "$SRV"
ip link set "$VC" netns "$CLI"
ip -n "$SRV" addr add "$SRV_IP/24" dev "$VS"
ip -n "$CLI" addr add "$CLI_IP/24" dev "$VC"
for ns in "$SRV" "$CLI"; do ip -n "$ns" link set lo up; done
ip -n "$SRV" link set "$VS" up
ip -n "$CLI" link set "$VC" up
ip netns exec "$SRV" tc qdisc add dev "$VS" root tbf rate "$RATE" burst 32kbit latency 50ms
ip netns exec "$CLI" tc qdisc add dev "$VC" root tbf rate "$RATE" burst 32kbit latency 50ms

start() { # name port mode env...
  local name=$1 port=$2 mode=$3; shift 3
  ip netns exec "$SRV" nice -n "$NICE" env LOADAPP_ADDRESS="$SRV_IP" DOTNET_gcServer=0 "$@" dotnet "$APP" "$port" "$mode" >"/tmp/h2s-$ID-$name.log" 2>&1 &
  PIDS+=($!)
  for _ in $(seq 1 200); do
    ip netns exec "$CLI" curl -sk --max-time 2 "https://$SRV_IP:$port/" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "server $name did not start: $(cat /tmp/h2s-$ID-$name.log)" >&2; exit 1
}
start bare 18601 off
start sched 18602 on Http2Features__Priority__Scheduling__Enabled=true
start nolowat 18603 on Http2Features__Priority__Scheduling__Enabled=true Http2Features__Priority__Scheduling__NotSentLowWatermark=0
VARIANTS="alone bare sched nolowat"
PORTS="18601 18602 18603"
if [[ -n $ALT ]]; then
  # shellcheck disable=SC2086 # ALT is a list of NAME=value words
  start alt 18604 on Http2Features__Priority__Scheduling__Enabled=true $ALT
  VARIANTS="$VARIANTS alt"; PORTS="$PORTS 18604"
fi

client() { ip netns exec "$CLI" nice -n "$NICE" $PY bench/priority/h2_priority_client.py "$SRV_IP" "$@"; }

# Warm-up (JIT, TLS session caches): one of each, not counted.
client 18601 alone "$URGENT" >/dev/null
for port in $PORTS; do client "$port" beside 1000000 "$URGENT" 50 >/dev/null; done

RESULTS=$(mktemp)
for round in $(seq 1 "$ROUNDS"); do
  if (( round % 2 )); then order=$VARIANTS; else order=$(echo "$VARIANTS" | tr ' ' '\n' | tac | tr '\n' ' '); fi
  for v in $order; do
    case $v in
      alone) out=$(client 18601 alone "$URGENT") ;;
      bare) out=$(client 18601 beside "$BULK" "$URGENT" "$DELAY_MS") ;;
      sched) out=$(client 18602 beside "$BULK" "$URGENT" "$DELAY_MS") ;;
      nolowat) out=$(client 18603 beside "$BULK" "$URGENT" "$DELAY_MS") ;;
      alt) out=$(client 18604 beside "$BULK" "$URGENT" "$DELAY_MS") ;;
    esac
    echo "$round $v $out" | tee -a "$RESULTS" >&2
  done
done

$PY - "$RESULTS" "$RATE" "$URGENT" <<'PYEOF'
import json, statistics, sys
rows = {}
for line in open(sys.argv[1]):
    r, v, js = line.split(" ", 2)
    rows.setdefault(v, []).append(json.loads(js))
alone = statistics.median(x["urgent_s"] for x in rows["alone"])
print("variant   u=0 s (per run)                          median   x alone   bulk s median (per run)")
for v in [v for v in ("alone", "bare", "sched", "nolowat", "alt") if v in rows]:
    us = [x["urgent_s"] for x in rows[v]]
    bs = [x["bulk_s"] for x in rows[v] if "bulk_s" in x]
    m = statistics.median(us)
    line = "%-8s  %-40s %6.3f   %5.2f" % (v, " ".join("%.3f" % u for u in us), m, m / alone)
    if bs:
        line += "     %6.3f (%s)" % (statistics.median(bs), " ".join("%.3f" % b for b in bs))
    print(line)
print("variant   u=0 first byte s, median   download bytes ahead of the u=0 response / interleaved in it, medians (per run)")
for v in [v for v in ("bare", "sched", "nolowat", "alt") if v in rows]:
    xs = rows[v]
    if "bulk_ahead_bytes" not in xs[0]:
        continue
    print("%-8s  %6.3f                     %7d / %7d   (%s)" % (v, statistics.median(x["urgent_first_s"] for x in xs),
          statistics.median(x["bulk_ahead_bytes"] for x in xs), statistics.median(x["bulk_interleaved_bytes"] for x in xs),
          " ".join("%d/%d" % (x["bulk_ahead_bytes"], x["bulk_interleaved_bytes"]) for x in xs)))
rate = float(sys.argv[2].replace("mbit", "")) * 1e6
print("urgent bytes' transfer time at %s: %.3f s" % (sys.argv[2], int(sys.argv[3]) * 8 / rate))
PYEOF
