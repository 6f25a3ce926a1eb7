namespace Http2Features.Connection;

/// <summary>
/// The client's SETTINGS as the seam's input observer recorded them (before Kestrel applies them). The
/// output side reads them when Kestrel writes a SETTINGS ACK: by then Kestrel has applied them too.
/// </summary>
internal interface IHttp2ClientSettingsSource
{
    /// <summary>The last SETTINGS_HEADER_TABLE_SIZE the client sent (4096 until it sends one).</summary>
    uint HeaderTableSize { get; }

    /// <summary>The last SETTINGS_MAX_FRAME_SIZE the client sent (16384 until it sends one).</summary>
    uint MaxFrameSize { get; }
}

/// <summary>Adapts the seam's <see cref="ClientSettingsObservation"/>.</summary>
internal sealed class SeamClientSettingsSource(ClientSettingsObservation observation) : IHttp2ClientSettingsSource
{
    public uint HeaderTableSize => observation.HeaderTableSize;

    public uint MaxFrameSize => observation.MaxFrameSize;
}
