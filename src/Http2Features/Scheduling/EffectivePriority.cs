using Microsoft.AspNetCore.Http;

namespace Http2Features.Scheduling;

/// <summary>
/// The urgency and incremental flag the scheduler and admission act on, from every signal a client may send.
/// Precedence: a PRIORITY_UPDATE frame, then the <c>priority</c> header (RFC 9218), then an explicit RFC 7540
/// weight (HEADERS with PRIORITY, or a PRIORITY frame), then the RFC 9218 default (u=3, not incremental).
/// </summary>
/// <remarks>
/// RFC 7540 weights map onto urgency the way Chromium maps urgency onto weights
/// (<c>weight = 1 + (int)((7 - u) * 255.9 / 7)</c>: u=0 is 256, u=3 is 147, u=7 is 1), inverted:
/// <c>u = (int)(7 - (weight - 1) * 7 / 255.9)</c>. RFC 7540 streams are never incremental. The exact default
/// (weight 16 on stream 0, not exclusive) counts as no signal, so clients that always send it (curl) keep u=3.
/// Dependencies are not followed: RFC 9113 deprecated the tree and no current browser builds one.
/// </remarks>
internal readonly record struct EffectivePriority(int Urgency, bool Incremental)
{
    public const int DefaultUrgency = 3;
    private const int DefaultWeight = 16;
    private const double WeightStep = 255.9 / 7;

    public static EffectivePriority Default => new(DefaultUrgency, false);

    /// <summary>The urgency an RFC 7540 weight (1–256) stands for.</summary>
    public static int UrgencyFromWeight(int weight)
    {
        weight = Math.Clamp(weight, 1, 256);
        return Math.Clamp((int)(7 - ((weight - 1) / WeightStep)), 0, 7);
    }

    /// <summary>Reads the priority of a request from its feature and headers.</summary>
    public static EffectivePriority From(IHttp2StreamPriorityFeature feature, bool hasPriorityHeader)
    {
        if (feature.IsFromPriorityUpdate || hasPriorityHeader)
        {
            return new(feature.Urgency, feature.Incremental);
        }

        if (feature.HasHttp2Priority && feature.Weight is { } weight
            && !(weight == DefaultWeight && feature.DependsOn is 0 or null && feature.Exclusive is false or null))
        {
            return new(UrgencyFromWeight(weight), false);
        }

        return Default;
    }

    /// <summary>Whether the request carries an RFC 9218 <c>priority</c> header.</summary>
    public static bool HasHeader(HttpRequest request) => request.Headers.ContainsKey("priority");
}
