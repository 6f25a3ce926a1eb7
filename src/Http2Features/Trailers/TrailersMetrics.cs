using System.Diagnostics.Metrics;

namespace Http2Features.Trailers;

/// <summary>
/// The trailers instrument on the pack's meter: one counter of send requests, with <c>error.type</c> when nothing was
/// sent (OpenTelemetry's pattern: one instrument per outcome family, the failure as an attribute).
/// </summary>
internal sealed class TrailersMetrics
{
    public const string SendsInstrumentName = "http2features.trailers.sends";

    private readonly Counter<long> _sends;

    public TrailersMetrics(IMeterFactory meterFactory)
    {
        _sends = Http2FeaturesMeter.Create(meterFactory).CreateCounter<long>(
            SendsInstrumentName,
            unit: "{send}",
            description: "Requests to send response trailers; error.type (not_supported, already_sent, response_completed, client_aborted) when none were sent.");
    }

    public void Record(TrailersStatus status)
    {
        if (!_sends.Enabled)
        {
            return;
        }

        if (status == TrailersStatus.Sent)
        {
            _sends.Add(1);
        }
        else
        {
            _sends.Add(1, new KeyValuePair<string, object?>(Http2FeaturesMeter.ErrorType, ErrorType(status)));
        }
    }

    internal static string ErrorType(TrailersStatus status) => status switch
    {
        TrailersStatus.NotSupported => "not_supported",
        TrailersStatus.AlreadySent => "already_sent",
        TrailersStatus.ResponseCompleted => "response_completed",
        _ => "client_aborted",
    };
}
