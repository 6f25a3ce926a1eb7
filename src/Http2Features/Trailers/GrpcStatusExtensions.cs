using System.Globalization;
using System.Text;
using Http2Features;
using Http2Features.Trailers;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace Microsoft.AspNetCore.Http;

/// <summary>gRPC-style status trailers in one call.</summary>
public static class GrpcStatusExtensions
{
    /// <summary>
    /// Sends <c>grpc-status</c> and, when <paramref name="message"/> is not empty, <c>grpc-message</c> (UTF-8, percent-encoded
    /// as the gRPC HTTP/2 protocol requires), then completes the response. These two trailers are exempt from the
    /// undeclared-trailer policy. Outcomes as for <see cref="ResponseTrailersExtensions.SendTrailersAsync(HttpResponse, IEnumerable{KeyValuePair{string, StringValues}})"/>.
    /// </summary>
    public static ValueTask<TrailersResult> SendGrpcStatusAsync(this HttpResponse response, GrpcStatusCode status, string? message = null)
    {
        ArgumentNullException.ThrowIfNull(response);
        var context = response.HttpContext;
        var feature = ResponseTrailersExtensions.GetFeature(context);
        if (feature.Producer is { } state)
        {
            state.GrpcStatusSent = true;
        }

        var trailers = new List<KeyValuePair<string, StringValues>>(2)
        {
            new(TrailerNames.GrpcStatus, ((int)status).ToString(CultureInfo.InvariantCulture)),
        };
        if (!string.IsNullOrEmpty(message))
        {
            trailers.Add(new(TrailerNames.GrpcMessage, PercentEncode(message)));
        }

        feature.DeclareProduced(TrailerNames.GrpcStatus, TrailerNames.GrpcMessage);
        return feature.SendCoreAsync(trailers, applyPolicy: false);
    }

    /// <summary>
    /// Percent-encodes a status message per the gRPC HTTP/2 protocol: UTF-8 bytes outside %x20-%x7E, and '%' itself,
    /// become "%XX".
    /// </summary>
    internal static string PercentEncode(string message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var bytes = Encoding.UTF8.GetBytes(message);
        var sb = new StringBuilder(bytes.Length);
        for (var i = 0; i < bytes.Length; i++)
        {
            var b = bytes[i];
            // A leading or trailing space is encoded too: HTTP/2 field values must not start or end with whitespace.
            var edgeSpace = b == (byte)' ' && (i == 0 || i == bytes.Length - 1);
            if (b is >= 0x20 and <= 0x7E && b != (byte)'%' && !edgeSpace)
            {
                sb.Append((char)b);
            }
            else
            {
                sb.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
            }
        }

        return sb.ToString();
    }
}
