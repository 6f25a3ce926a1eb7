using System.Globalization;
using Microsoft.Extensions.Logging;

namespace Http2Features.Configuration;

/// <summary>HTTP/2 SETTINGS, request limits, keep-alive and the connection limit, checked against gunicorn's and Kestrel's ranges.</summary>
internal static class LimitsBinder
{
    /// <summary>What gunicorn's own parser caps an "unlimited" (0) request line at.</summary>
    public const int UnlimitedRequestLine = 1024 * 1024;

    /// <summary>gunicorn's maximum header count (MAX_HEADERS); 0 means it too.</summary>
    public const int MaxRequestFields = 32768;

    public static LimitSettings Bind(SettingReader r)
    {
        var keepAlive = Int(r, "keepalive");
        var requestLine = Int(r, "limit_request_line");
        var requestFields = Int(r, "limit_request_fields");
        if (requestFields > MaxRequestFields && r.Raw("limit_request_fields") is { } fieldsRaw)
        {
            r.Report(l => GunicornLog.RequestFieldsCapped(l, fieldsRaw.Name, fieldsRaw.DisplayValue, fieldsRaw.Source.Description, MaxRequestFields));
        }

        var fieldSize = Int(r, "limit_request_field_size");
        return new LimitSettings(
            MaxConcurrentStreams: Int(r, "http2_max_concurrent_streams"),
            InitialWindowSize: Int(r, "http2_initial_window_size"),
            MaxFrameSize: Int(r, "http2_max_frame_size"),
            MaxHeaderListSize: Int(r, "http2_max_header_list_size"),
            KeepAliveSeconds: keepAlive is > 0 ? keepAlive : null,
            KeepAliveOff: keepAlive == 0,
            RequestLine: requestLine == 0 ? UnlimitedRequestLine : requestLine,
            RequestFields: requestFields is 0 or > MaxRequestFields ? MaxRequestFields : requestFields,
            RequestFieldSize: fieldSize == 0 ? int.MaxValue : fieldSize,
            WorkerConnections: Int(r, "worker_connections"));
    }

    private static int? Int(SettingReader r, string name) => (int?)r.Integer(name);
}
