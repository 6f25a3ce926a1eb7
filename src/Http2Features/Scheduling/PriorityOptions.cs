namespace Http2Features;

/// <summary>
/// What the server does with the priority clients send (section <c>Http2Features:Priority</c>): response
/// scheduling on HTTP/2 connections and admission by urgency under overload. Both are off by default;
/// reading a request's priority (<c>GetStreamPriority()</c>) needs neither.
/// </summary>
public sealed class PriorityOptions
{
    /// <summary>Response scheduling by RFC 9218 urgency (section <c>Http2Features:Priority:Scheduling</c>).</summary>
    public ResponseSchedulingOptions Scheduling { get; } = new();

    /// <summary>Admission by urgency when the app is saturated (section <c>Http2Features:Priority:Admission</c>).</summary>
    public PriorityAdmissionOptions Admission { get; } = new();
}
