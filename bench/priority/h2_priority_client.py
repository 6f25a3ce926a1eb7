#!/usr/bin/python3
"""One HTTP/2 connection with a browser's windows (6 MiB per stream, 15 MiB for the connection).

  h2_priority_client.py HOST PORT alone   URGENT_BYTES
  h2_priority_client.py HOST PORT beside  BULK_BYTES URGENT_BYTES DELAY_MS

"alone": one u=0 request; "beside": a u=7 download, then after DELAY_MS a u=0 request, on the same connection.
Each request carries both signals, as Chrome does: the RFC 9218 priority header and an RFC 7540 weight
(1 for the bulk, 256 for the urgent one). Prints one JSON line: seconds from sending each request to its last byte.
"""
import json
import socket
import ssl
import sys
import time

import h2.config
import h2.connection
import h2.events
import h2.settings

STREAM_WINDOW = 6 * 1024 * 1024
CONNECTION_WINDOW = 15 * 1024 * 1024


def main():
    host, port, mode = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ctx.set_alpn_protocols(["h2"])
    raw = socket.create_connection((host, port))
    raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock = ctx.wrap_socket(raw, server_hostname="localhost")
    assert sock.selected_alpn_protocol() == "h2", sock.selected_alpn_protocol()

    conn = h2.connection.H2Connection(config=h2.config.H2Configuration(client_side=True, header_encoding="utf-8"))
    conn.initiate_connection()
    conn.update_settings({h2.settings.SettingCodes.INITIAL_WINDOW_SIZE: STREAM_WINDOW})
    conn.increment_flow_control_window(CONNECTION_WINDOW - 65535)
    sock.sendall(conn.data_to_send())

    started, ended, received = {}, {}, {}
    on_data = None

    def request(path, urgency, weight):
        sid = conn.get_next_available_stream_id()
        conn.send_headers(sid, [(":method", "GET"), (":path", path), (":scheme", "https"), (":authority", "localhost"),
                                ("priority", "u=%d" % urgency)],
                          end_stream=True, priority_weight=weight, priority_depends_on=0, priority_exclusive=False)
        sock.sendall(conn.data_to_send())
        started[sid] = time.monotonic()
        received[sid] = 0
        return sid

    def pump(timeout):
        sock.settimeout(timeout)
        try:
            data = sock.recv(1 << 20)
        except socket.timeout:
            return
        if not data:
            raise SystemExit("connection closed")
        for event in conn.receive_data(data):
            if isinstance(event, h2.events.DataReceived):
                received[event.stream_id] += len(event.data)
                if on_data is not None:
                    on_data(event.stream_id, len(event.data))
                conn.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
            elif isinstance(event, h2.events.StreamEnded):
                ended[event.stream_id] = time.monotonic()
            elif isinstance(event, h2.events.StreamReset):
                raise SystemExit("stream %d reset" % event.stream_id)
        out = conn.data_to_send()
        if out:
            sock.sendall(out)

    # Settle the handshake (SETTINGS both ways) before timing anything.
    settle = time.monotonic() + 0.2
    while time.monotonic() < settle:
        pump(0.05)

    result = {}
    if mode == "alone":
        urgent = request("/download/%d" % int(sys.argv[4]), 0, 256)
        while urgent not in ended:
            pump(5)
        result["urgent_s"] = ended[urgent] - started[urgent]
        result["urgent_bytes"] = received[urgent]
    else:
        bulk_bytes, urgent_bytes, delay = int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6]) / 1000.0
        bulk = request("/download/%d" % bulk_bytes, 7, 1)
        at = started[bulk] + delay
        while time.monotonic() < at:
            pump(max(0.001, at - time.monotonic()))
        urgent = request("/download/%d" % urgent_bytes, 0, 256)
        # Where the urgent response's time goes: download bytes that arrived before its first byte (what sat in
        # buffers below the scheduler and in the link's queue) and between its first and last byte (interleaved).
        seen = {"ahead": 0, "interleaved": 0, "first": None}

        def count(sid, n):
            if sid == urgent and seen["first"] is None:
                seen["first"] = time.monotonic()
            elif sid == bulk and urgent not in ended:
                seen["ahead" if seen["first"] is None else "interleaved"] += n

        on_data = count
        while urgent not in ended or bulk not in ended:
            pump(5)
        result["urgent_s"] = ended[urgent] - started[urgent]
        result["bulk_s"] = ended[bulk] - started[bulk]
        result["urgent_bytes"] = received[urgent]
        result["bulk_bytes"] = received[bulk]
        result["urgent_first_s"] = seen["first"] - started[urgent]
        result["bulk_ahead_bytes"] = seen["ahead"]
        result["bulk_interleaved_bytes"] = seen["interleaved"]
    conn.close_connection()
    sock.sendall(conn.data_to_send())
    sock.close()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
