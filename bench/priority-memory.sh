#!/usr/bin/env bash
# Memory that scales with use, not with a setting (issue 12): CONNECTIONS connections each send FRAMES PRIORITY frames
# for distinct idle streams while http2_max_concurrent_streams (Kestrel's MaxStreamsPerConnection) is 100000, and the
# connections stay open. Server RSS growth (VmRSS after - before, after a GC-settling pause) with the pack against
# bare Kestrel, both bench/Http2Features.LoadApp in Release, one after the other. Issue 12: pack growth within 1.5x
# of bare growth. Each server's effective stream limit is checked first (before 2026-12-01 the load app ignored
# Kestrel__Limits__*, so runs before then were at the default 100). dotnet test runs the same comparison
# (Priority/PriorityMemoryRssTests).
#
#   bench/priority-memory.sh [connections=100] [frames=70000] [max_streams=100000]
# Needs /usr/bin/python3 and curl. Ports: free ones, picked at start.
set -euo pipefail
cd "$(dirname "$0")/.."

CONNECTIONS=${1:-100}
FRAMES=${2:-70000}
MAX_STREAMS=${3:-100000}
PY=/usr/bin/python3
command -v curl >/dev/null || { echo "curl not found" >&2; exit 2; }

echo "building Release ..." >&2
dotnet build bench/Http2Features.LoadApp -c Release -o bench/.loadapp-bin --nologo -v q >/dev/null
APP=bench/.loadapp-bin/Http2Features.LoadApp.dll
free_port() { "$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }

# Opens the connections, sends the PRIORITY frames, waits for a PING ACK on each (so the server has read every frame),
# prints "ready", keeps them open until stdin closes.
CLIENT=$(cat <<'PYEOF'
import socket, ssl, struct, sys
port, connections, frames = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE; ctx.set_alpn_protocols(["h2"])
def frame(t, flags, sid, payload): return struct.pack(">I", len(payload))[1:] + bytes([t, flags]) + struct.pack(">I", sid) + payload
socks = []
for c in range(connections):
    s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", port), timeout=60), server_hostname="localhost")
    assert s.selected_alpn_protocol() == "h2"
    out = bytearray(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + frame(4, 0, 0, b"") + frame(4, 1, 0, b""))
    for i in range(frames):
        out += frame(2, 0, 2 * i + 1, struct.pack(">IB", 0, 15))
        if len(out) > 1 << 16:
            s.sendall(out); out = bytearray()
    out += frame(6, 0, 0, b"memprobe")
    s.sendall(out)
    buf = b""
    while True:  # read until the PING ACK carrying our payload
        data = s.recv(65536)
        if not data: raise SystemExit("connection %d closed by the server" % c)
        buf += data
        while len(buf) >= 9:
            length = int.from_bytes(buf[:3], "big")
            if len(buf) < 9 + length: break
            t, flags, payload = buf[3], buf[4], buf[9:9 + length]
            buf = buf[9 + length:]
            if t == 7: raise SystemExit("connection %d got GOAWAY %r" % (c, payload))
            if t == 6 and flags & 1 and payload == b"memprobe": break
        else:
            continue
        break
    socks.append(s)
print("ready", flush=True)
sys.stdin.read()
PYEOF
)

measure() {  # measure <on|off> -> growth in KiB
  local port pid before after
  port=$(free_port)
  Kestrel__Limits__Http2__MaxStreamsPerConnection=$MAX_STREAMS dotnet "$APP" "$port" "$1" >/dev/null & pid=$!
  for _ in $(seq 1 300); do curl -sk --http2 "https://127.0.0.1:$port/" >/dev/null 2>&1 && break; sleep 0.2; done
  applied=$(curl -sk --http2 "https://127.0.0.1:$port/_max-streams")
  [[ $applied == "$MAX_STREAMS" ]] || { echo "the $1 server runs with MaxStreamsPerConnection=$applied, not $MAX_STREAMS" >&2; kill "$pid"; exit 1; }
  for _ in 1 2 3; do curl -sk --http2 "https://127.0.0.1:$port/" >/dev/null; done
  sleep 2; before=$(rss_kb "$pid")
  coproc CL { "$PY" -c "$CLIENT" "$port" "$CONNECTIONS" "$FRAMES"; }
  read -r line <&"${CL[0]}"; [[ $line == ready ]] || { echo "client failed: $line" >&2; exit 1; }
  sleep 2; after=$(rss_kb "$pid")
  eval "exec ${CL[1]}>&-"; wait "$CL_PID" 2>/dev/null || true
  kill "$pid"; wait "$pid" 2>/dev/null || true
  echo $(( after - before ))
}

OFF=$(measure off); ON=$(measure on)
echo "connections=$CONNECTIONS frames/connection=$FRAMES max_streams=$MAX_STREAMS"
echo "RSS growth: bare ${OFF} KiB, pack ${ON} KiB, pack/bare $("$PY" -c "print(round($ON / max($OFF, 1), 2))")"
