using Microsoft.Extensions.Logging;

namespace Http2Features.EarlyHints.Automatic;

/// <summary>Log events of declared and learned early hints (ids 6050–6099).</summary>
internal static partial class AutomaticEarlyHintsLog
{
    [LoggerMessage(EventId = Http2FeaturesEventIds.AutomaticHints.LearnedEarlyHintsChanged, EventName = nameof(Http2FeaturesEventIds.AutomaticHints.LearnedEarlyHintsChanged), Level = LogLevel.Information,
        Message = "Learned early hints for {Route} {Change}: {LinkCount} link(s) {Links}.")]
    public static partial void LearnedChanged(ILogger logger, HintKey route, string change, int linkCount, HintSet links);

    [LoggerMessage(EventId = Http2FeaturesEventIds.AutomaticHints.LearnedEarlyHintsTooLarge, EventName = nameof(Http2FeaturesEventIds.AutomaticHints.LearnedEarlyHintsTooLarge), Level = LogLevel.Debug,
        Message = "Learned early hints for {Route} not kept: {Bytes} bytes exceed EarlyHints:Automatic:MaxBytes.")]
    public static partial void TooLarge(ILogger logger, HintKey route, long bytes);

    [LoggerMessage(EventId = Http2FeaturesEventIds.AutomaticHints.AutomaticEarlyHintsMiddlewareMissing, EventName = nameof(Http2FeaturesEventIds.AutomaticHints.AutomaticEarlyHintsMiddlewareMissing), Level = LogLevel.Warning,
        Message = "{What}, but app.UseAutomaticEarlyHints() is not in the request pipeline, so no 103 is sent for it. Add app.UseAutomaticEarlyHints() after UseRouting() (anywhere before the endpoints with minimal hosting).")]
    public static partial void MiddlewareMissing(ILogger logger, string what);

    [LoggerMessage(EventId = Http2FeaturesEventIds.AutomaticHints.EarlyHintsAlreadySent, EventName = nameof(Http2FeaturesEventIds.AutomaticHints.EarlyHintsAlreadySent), Level = LogLevel.Debug,
        Message = "SendEarlyHintsAsync sent nothing: every link was already in this response's automatic 103.")]
    public static partial void AlreadySent(ILogger logger);
}
