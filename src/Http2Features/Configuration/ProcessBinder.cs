using System.Globalization;
using Microsoft.Extensions.Logging;

namespace Http2Features.Configuration;

/// <summary>The process model: workers/threads/timeout (reported, not applied), graceful_timeout, backlog, raw_env.</summary>
internal static class ProcessBinder
{
    public static ProcessSettings Bind(SettingReader r)
    {
        foreach (var (name, note) in new[]
        {
            ("workers", "one Kestrel process already serves requests on all {0} cores through the .NET thread pool; no worker processes are forked (run more instances behind a load balancer to scale out)"),
            ("threads", "the .NET thread pool sizes itself; there is no per-worker thread count to set"),
            ("timeout", "Kestrel has no worker heartbeat to kill silent workers; for per-request limits use AddRequestTimeouts(), for idle connections keepalive"),
        })
        {
            if (r.Integer(name) is not null && r.Raw(name) is { } raw)
            {
                var reason = string.Format(CultureInfo.InvariantCulture, note, Environment.ProcessorCount);
                r.Report(l => GunicornLog.ProcessSettingNotApplied(l, raw.Name, raw.DisplayValue, raw.Source.Description, reason));
            }
        }

        return new ProcessSettings((int?)r.Integer("graceful_timeout"), (int?)r.Integer("backlog"), RawEnvironment(r));
    }

    /// <summary>raw_env: <c>KEY=VALUE</c> entries, as gunicorn splits them (at the first '=').</summary>
    private static List<KeyValuePair<string, string>> RawEnvironment(SettingReader r)
    {
        var result = new List<KeyValuePair<string, string>>();
        var entries = r.Raw("raw_env") is { Value: string single } ? [single] : r.List("raw_env");
        if (entries is null)
        {
            return result;
        }

        var raw = r.Raw("raw_env")!;
        foreach (var entry in entries)
        {
            var eq = entry.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0 || entry.Contains('\0', StringComparison.Ordinal))
            {
                r.Add(new SettingError("raw_env", raw.Source, raw.DisplayValue,
                    $"'{SettingText.Safe(entry)}' is not a KEY=VALUE pair", "KEY=VALUE with a non-empty KEY and no NUL character, for example -e ASPNETCORE_ENVIRONMENT=Staging"));
                continue;
            }

            result.Add(new(entry[..eq], entry[(eq + 1)..]));
        }

        return result;
    }
}
