# python-hyper h2 client that changes SETTINGS_HEADER_TABLE_SIZE while requests (and their 103s) are in flight.
# Usage: hpack_table_size_client.py PORT CAFILE PATH SCHEDULE BATCHES PER_BATCH   (CAFILE '-': no certificate check)
#   SCHEDULE: ;-separated changes, one per batch (later batches: none), each a ','-separated list of sizes sent as that many SETTINGS frames in ONE
#             TCP segment; 'p<size>' as the first item puts a size in the preface; '-' means no change (pause).
#             A change is sent once half of a batch's responses arrived, so it lands among responses and hints;
#             'w<size>' is sent before the batch instead, on a quiet connection, and its ACK awaited (a change with a pause).
# Prints one JSON line: responses, informational responses, settings sent/acked, and the first error (h2's text).
import json, socket, ssl, sys
import h2.config, h2.connection, h2.events, h2.exceptions, h2.settings

port, cafile, path, schedule, batches, per_batch = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]), int(sys.argv[6])
changes = [c for c in schedule.split(";") if c]
preface = None
if changes and changes[0].startswith("p"):
    preface = int(changes.pop(0)[1:])

ctx = ssl.create_default_context(cafile=None if cafile == "-" else cafile)
ctx.check_hostname = False
if cafile == "-":
    ctx.verify_mode = ssl.CERT_NONE
ctx.set_alpn_protocols(["h2"])
sock = ctx.wrap_socket(socket.create_connection(("127.0.0.1", port), timeout=20), server_hostname="localhost")
conn = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True, header_encoding="utf-8"))
if preface is not None:
    conn.local_settings = h2.settings.Settings(client=True, initial_values={h2.settings.SettingCodes.HEADER_TABLE_SIZE: preface, h2.settings.SettingCodes.ENABLE_PUSH: 0})
conn.initiate_connection()
sock.sendall(conn.data_to_send())

stats = {"responses": 0, "informational": 0, "settings_sent": 0, "settings_acked": 0, "error": None, "sizes": [preface]}
base = [(":method", "GET"), (":path", path), (":scheme", "https"), (":authority", "localhost")]


def pump(until):
    while not until():
        data = sock.recv(65535)
        if not data:
            raise ConnectionError("server closed the connection")
        for event in conn.receive_data(data):
            if isinstance(event, h2.events.InformationalResponseReceived):
                stats["informational"] += 1
            elif isinstance(event, h2.events.ResponseReceived):
                stats["responses"] += 1
            elif isinstance(event, h2.events.DataReceived):
                conn.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
            elif isinstance(event, h2.events.SettingsAcknowledged):
                stats["settings_acked"] += 1
            elif isinstance(event, h2.events.ConnectionTerminated):
                raise ConnectionError("GOAWAY %s %r" % (event.error_code, event.additional_data))
        out = conn.data_to_send()
        if out:
            sock.sendall(out)


try:
    for b in range(batches):
        start = stats["responses"]
        change = changes[b] if b < len(changes) else "-"
        if change.startswith("w"):
            conn.update_settings({h2.settings.SettingCodes.HEADER_TABLE_SIZE: int(change[1:])})
            stats["settings_sent"] += 1
            stats["sizes"].append(int(change[1:]))
            sock.sendall(conn.data_to_send())
            pump(lambda: stats["settings_acked"] >= stats["settings_sent"] + 1)
            change = "-"
        for _ in range(per_batch):
            conn.send_headers(conn.get_next_available_stream_id(), base, end_stream=True)
        sock.sendall(conn.data_to_send())
        pump(lambda: stats["responses"] - start >= per_batch // 2)
        if change != "-":
            for size in change.split(","):
                conn.update_settings({h2.settings.SettingCodes.HEADER_TABLE_SIZE: int(size)})
                stats["settings_sent"] += 1
                stats["sizes"].append(int(size))
            sock.sendall(conn.data_to_send())  # all frames of this change in one segment
        pump(lambda: stats["responses"] - start >= per_batch)
        # Before the next batch, wait for every ACK (the +1 is the preface's SETTINGS).
        pump(lambda: stats["settings_acked"] >= stats["settings_sent"] + 1)
except Exception as e:  # h2/hpack errors: the connection is unusable from here
    stats["error"] = "%s: %s" % (type(e).__name__, e)
print(json.dumps(stats))
