namespace Http2Features;

/// <summary>Options for 103 Early Hints, at <c>Http2FeaturesOptions.EarlyHints</c> (section <c>Http2Features:EarlyHints</c>).</summary>
public sealed class EarlyHintsOptions
{
    /// <summary>The largest <see cref="MaxTotalSize"/> accepted (64 KiB).</summary>
    public const int MaxTotalSizeLimit = 64 * 1024;

    /// <summary>When <see langword="false"/>, every call reports <see cref="EarlyHintsStatus.Disabled"/> and sends nothing. Default <see langword="true"/>.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// The largest total size of one 103's fields, counted as HTTP/1.1 field lines (<c>name: value\r\n</c>).
    /// Default 8 KiB; range 64 B .. 64 KiB. Larger calls throw <see cref="ArgumentException"/>.
    /// </summary>
    public int MaxTotalSize { get; set; } = 8 * 1024;

    /// <summary>
    /// How long a call may wait for the 103 to be handed to the transport (a client that stopped reading,
    /// a connection busy with a large write). Then the call reports <see cref="EarlyHintsStatus.Timeout"/>.
    /// Default 10 s; range 1 ms .. 10 min.
    /// </summary>
    public TimeSpan WriteTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// When <see langword="true"/>, the <c>Link</c> values of sent hints are also added to the final response
    /// (for proxies and clients that ignore 1xx). Default <see langword="false"/>.
    /// </summary>
    public bool KeepLinkOnFinalResponse { get; set; }

    /// <summary>Learned early hints (section <c>Http2Features:EarlyHints:Automatic</c>), used by <c>app.UseAutomaticEarlyHints()</c>.</summary>
    public AutomaticEarlyHintsOptions Automatic { get; } = new();

    internal void Validate(List<string> failures)
    {
        if (MaxTotalSize is < 64 or > MaxTotalSizeLimit)
        {
            failures.Add($"Http2Features:EarlyHints:MaxTotalSize must be between 64 and {MaxTotalSizeLimit.ToString(System.Globalization.CultureInfo.InvariantCulture)} bytes; got {MaxTotalSize.ToString(System.Globalization.CultureInfo.InvariantCulture)}.");
        }

        if (WriteTimeout < TimeSpan.FromMilliseconds(1) || WriteTimeout > TimeSpan.FromMinutes(10))
        {
            failures.Add($"Http2Features:EarlyHints:WriteTimeout must be between 1 ms and 10 min; got {WriteTimeout.ToString("c", System.Globalization.CultureInfo.InvariantCulture)}.");
        }

        Automatic.Validate(failures);
    }
}
