# gunicorn.conf.py for the Http2Features example (read with: -c gunicorn.conf.py).
# The binder reads plain literal assignments; see docs/configuration.md for every setting.

bind = "0.0.0.0:8443"

# The development certificate the example generates on first run (under WebApp/certs/, the
# content root). These two paths are recognised: when both files are missing they are
# generated, exactly as the embedded default does. Point them at your own PEM files in production.
certfile = "certs/localhost.pem"
keyfile = "certs/localhost-key.pem"

worker_class = "gthread"
http_protocols = "h2,h1"

http2_max_concurrent_streams = 100
http2_initial_window_size = 1024 * 1024   # 1 MiB
http2_max_frame_size = 16384
