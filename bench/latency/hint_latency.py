#!/usr/bin/env python3
"""Idle latency of a 103: on ONE HTTP/2 connection (TLS, python h2), alternately GET <health> and GET <hinted>,
one request at a time, and time from sending the request to the first HEADERS frame of its stream: the 200 of the
trivial response, the 103 of the hinted one (sent by the handler's first line, before slow work). Prints the
medians, p90s and the difference. Usage: hint_latency.py <port> [requests=200] [warmup=50] [health=/] [hinted=/hints-slow]
Needs python3-h2 (Debian)."""
import socket, ssl, statistics, sys, time
import h2.config, h2.connection, h2.events

port = int(sys.argv[1])
count = int(sys.argv[2]) if len(sys.argv) > 2 else 200
warmup = int(sys.argv[3]) if len(sys.argv) > 3 else 50
health = sys.argv[4] if len(sys.argv) > 4 else "/"
hinted = sys.argv[5] if len(sys.argv) > 5 else "/hints-slow"

context = ssl.create_default_context()
context.check_hostname = False
context.verify_mode = ssl.CERT_NONE
context.set_alpn_protocols(["h2"])
sock = context.wrap_socket(socket.create_connection(("127.0.0.1", port)), server_hostname="localhost")
sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
assert sock.selected_alpn_protocol() == "h2", sock.selected_alpn_protocol()
conn = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True, header_encoding="utf-8"))
conn.initiate_connection()
sock.sendall(conn.data_to_send())


def request(path):
    """-> (seconds to the stream's first HEADERS, its :status)"""
    stream = conn.get_next_available_stream_id()
    conn.send_headers(stream, [(":method", "GET"), (":path", path), (":scheme", "https"), (":authority", "localhost")], end_stream=True)
    data = conn.data_to_send()
    start = time.perf_counter()
    sock.sendall(data)
    first = None
    status = None
    while True:
        chunk = sock.recv(65536)
        now = time.perf_counter()
        if not chunk:
            raise RuntimeError("connection closed")
        for event in conn.receive_data(chunk):
            if isinstance(event, (h2.events.ResponseReceived, h2.events.InformationalResponseReceived)) and event.stream_id == stream and first is None:
                first = now - start
                status = dict(event.headers)[":status"]
            if isinstance(event, h2.events.DataReceived):
                conn.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
            if isinstance(event, h2.events.StreamEnded) and event.stream_id == stream:
                out = conn.data_to_send()
                if out:
                    sock.sendall(out)
                return first, status
        out = conn.data_to_send()
        if out:
            sock.sendall(out)


for _ in range(warmup):
    request(health)
    request(hinted)

plain, hint = [], []
for _ in range(count):
    t, status = request(health)
    assert status == "200", status
    plain.append(t * 1000)
    t, status = request(hinted)
    assert status == "103", f"{hinted}: first HEADERS is {status}, not a 103"
    hint.append(t * 1000)


def p90(values):
    return sorted(values)[int(len(values) * 0.9)]


print(f"{count} requests each, alternating, one connection, after {warmup} warm-up pairs")
print(f"{health:12} time to first byte (200):  median {statistics.median(plain):.3f} ms  p90 {p90(plain):.3f} ms")
print(f"{hinted:12} time to the 103:          median {statistics.median(hint):.3f} ms  p90 {p90(hint):.3f} ms")
print(f"103 minus trivial response: median {statistics.median(hint) - statistics.median(plain):+.3f} ms")
