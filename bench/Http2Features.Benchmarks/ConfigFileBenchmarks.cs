using BenchmarkDotNet.Attributes;
using Http2Features.Configuration;

namespace Http2Features.Benchmarks;

/// <summary>Reading a gunicorn.conf.py (start-up cost only, once per process): a realistic file with hooks and comments.</summary>
[MemoryDiagnoser]
public class ConfigFileBenchmarks
{
    private const string ConfPy = """
        # gunicorn.conf.py for an HTTP/2 deployment
        import multiprocessing

        bind = ["0.0.0.0:8443", "[::]:8443"]
        workers = multiprocessing.cpu_count() * 2 + 1
        threads = 4
        worker_class = "gthread"
        certfile = "/etc/ssl/certs/server.pem"
        keyfile = "/etc/ssl/private/server.key"
        http_protocols = ["h2", "h1"]
        http2_max_concurrent_streams = 128
        http2_initial_window_size = 1024 * 1024
        http2_max_frame_size = 16384
        http2_max_header_list_size = 65536
        keepalive = 75
        graceful_timeout = 30
        timeout = 60
        backlog = 2048
        limit_request_line = 8190
        limit_request_fields = 100
        limit_request_field_size = 8190
        forwarded_allow_ips = '127.0.0.1,::1'
        accesslog = "-"
        errorlog = "-"
        loglevel = "info"

        def on_starting(server):
            server.log.info("starting")

        def post_fork(server, worker):
            server.log.info("worker %s", worker.pid)
        """;

    /// <summary>Parse the file (tokenize, read literals, warn about the import, computed value and hooks).</summary>
    [Benchmark]
    public int Parse() => GunicornConfigFileParser.Parse(ConfPy).Assignments.Count;
}
