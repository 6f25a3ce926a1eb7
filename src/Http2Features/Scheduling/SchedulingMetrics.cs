using System.Diagnostics.Metrics;

namespace Http2Features.Scheduling;

/// <summary>Scheduling and admission metrics on the pack's meter ("Http2Features").</summary>
internal sealed class SchedulingMetrics
{
    public const string MeterName = "Http2Features";
    public const string UrgencyTag = "http2features.scheduling.urgency";
    public const string AdmissionUrgencyTag = "http2features.admission.urgency";
    public const string OutcomeTag = "http2features.scheduling.outcome";
    public const string AdmissionResultTag = "http2features.admission.result";

    /// <summary>Released because nothing ranked ahead any more.</summary>
    public const string OutcomeReleased = "released";

    /// <summary>Released because it waited <see cref="ResponseSchedulingOptions.MaxHoldBack"/>.</summary>
    public const string OutcomeTimeout = "timeout";

    /// <summary>Released because its own stream ended, was reset or aborted.</summary>
    public const string OutcomeClosed = "closed";

    private static readonly object[] UrgencyValues = [0, 1, 2, 3, 4, 5, 6, 7];

    public SchedulingMetrics(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        var meter = meterFactory.Create(MeterName);
        HoldTime = meter.CreateHistogram<double>(
            "http2features.scheduling.hold_time",
            unit: "s",
            description: "How long response body writes were held back behind more urgent streams, by the held stream's urgency and outcome.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5] });
        Admissions = meter.CreateCounter<long>(
            "http2features.admission.requests",
            unit: "{request}",
            description: "Requests seen by admission control, by urgency and result (admitted, queued, rejected, timeout).");
        QueueTime = meter.CreateHistogram<double>(
            "http2features.admission.queue_time",
            unit: "s",
            description: "How long requests waited for admission, by urgency.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30] });
    }

    public Histogram<double> HoldTime { get; }

    public Counter<long> Admissions { get; }

    public Histogram<double> QueueTime { get; }

    public void HeldBack(double seconds, int urgency, string outcome)
    {
        if (HoldTime.Enabled)
        {
            HoldTime.Record(seconds, new KeyValuePair<string, object?>(UrgencyTag, UrgencyValues[urgency & 7]), new KeyValuePair<string, object?>(OutcomeTag, outcome));
        }
    }

    public void Admission(int urgency, string result)
    {
        if (Admissions.Enabled)
        {
            Admissions.Add(1, new KeyValuePair<string, object?>(AdmissionUrgencyTag, UrgencyValues[urgency & 7]), new KeyValuePair<string, object?>(AdmissionResultTag, result));
        }
    }

    public void Queued(double seconds, int urgency)
    {
        if (QueueTime.Enabled)
        {
            QueueTime.Record(seconds, new KeyValuePair<string, object?>(AdmissionUrgencyTag, UrgencyValues[urgency & 7]));
        }
    }
}
