using System.Globalization;

namespace Http2Features;

/// <summary>
/// Admission by urgency under overload (section <c>Http2Features:Priority:Admission</c>): at most
/// <see cref="ConcurrencyLimit"/> requests run at once; the others wait and are admitted most urgent first
/// (RFC 9218 urgency from the <c>priority</c> header or HTTP/2 frames), then in arrival order. Beyond
/// <see cref="QueueLimit"/> waiting requests the least urgent one is answered 503 with <c>Retry-After</c>.
/// Works on HTTP/1.1, HTTP/2 and HTTP/3. Off by default.
/// </summary>
public sealed class PriorityAdmissionOptions
{
    /// <summary>Turns admission control on. Default <see langword="false"/>.</summary>
    public bool Enabled { get; set; }

    /// <summary>Requests that may run at once. Default 100; range 1 .. 1,000,000.</summary>
    public int ConcurrencyLimit { get; set; } = 100;

    /// <summary>Requests that may wait for admission. Default 1000; range 0 .. 1,000,000.</summary>
    public int QueueLimit { get; set; } = 1000;

    /// <summary>
    /// The longest a request waits for admission before it is answered 503. Default 30 s; range 1 ms .. 10 min.
    /// </summary>
    public TimeSpan QueueTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The <c>Retry-After</c> a rejected request gets, in whole seconds. Default 1 s; range 0 .. 1 day.</summary>
    public TimeSpan RetryAfter { get; set; } = TimeSpan.FromSeconds(1);

    internal void Validate(List<string> failures)
    {
        if (ConcurrencyLimit is < 1 or > 1_000_000)
        {
            failures.Add(string.Create(CultureInfo.InvariantCulture, $"Http2Features:Priority:Admission:ConcurrencyLimit must be between 1 and 1000000; got {ConcurrencyLimit}."));
        }

        if (QueueLimit is < 0 or > 1_000_000)
        {
            failures.Add(string.Create(CultureInfo.InvariantCulture, $"Http2Features:Priority:Admission:QueueLimit must be between 0 and 1000000; got {QueueLimit}."));
        }

        if (QueueTimeout < TimeSpan.FromMilliseconds(1) || QueueTimeout > TimeSpan.FromMinutes(10))
        {
            failures.Add($"Http2Features:Priority:Admission:QueueTimeout must be between 1 ms and 10 min; got {QueueTimeout.ToString("c", CultureInfo.InvariantCulture)}.");
        }

        if (RetryAfter < TimeSpan.Zero || RetryAfter > TimeSpan.FromDays(1))
        {
            failures.Add($"Http2Features:Priority:Admission:RetryAfter must be between 0 and 1 day; got {RetryAfter.ToString("c", CultureInfo.InvariantCulture)}.");
        }
    }
}
