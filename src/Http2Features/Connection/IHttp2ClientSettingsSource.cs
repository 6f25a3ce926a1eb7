namespace Http2Features.Connection;

/// <summary>
/// The client's SETTINGS frames in arrival order, as the seam's input observer recorded them. The n-th
/// SETTINGS ACK Kestrel writes answers the n-th client SETTINGS frame, which is how the output side knows
/// when Kestrel's HPACK encoder took a new table size.
/// </summary>
internal interface IHttp2ClientSettingsSource
{
    /// <summary>Gets the <paramref name="index"/>-th (0-based) non-ACK SETTINGS frame the client sent.</summary>
    /// <returns><see langword="false"/> when that frame was not observed.</returns>
    bool TryGetClientSettings(int index, out uint? headerTableSize, out uint? maxFrameSize);
}
