using System.Diagnostics.Metrics;

namespace Http2Features.Trailers;

/// <summary>Counters on the "Http2Features" meter: how often trailers went out and how often they could not.</summary>
internal sealed class TrailersMetrics
{
    public const string MeterName = "Http2Features";

    private readonly Counter<long> _sends;

    public TrailersMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(MeterName);
        _sends = meter.CreateCounter<long>(
            "http2features.trailers.sends",
            unit: "{send}",
            description: "Requests to send response trailers, by outcome (sent, not_supported, already_sent, response_completed, client_aborted).");
    }

    public void Record(TrailersStatus status)
    {
        if (_sends.Enabled)
        {
            _sends.Add(1, new KeyValuePair<string, object?>("outcome", Tag(status)));
        }
    }

    private static string Tag(TrailersStatus status) => status switch
    {
        TrailersStatus.Sent => "sent",
        TrailersStatus.NotSupported => "not_supported",
        TrailersStatus.AlreadySent => "already_sent",
        TrailersStatus.ResponseCompleted => "response_completed",
        _ => "client_aborted",
    };
}
