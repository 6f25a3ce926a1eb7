using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace Http2Features.Configuration;

/// <summary><c>bind</c>: the addresses to listen on, or the embedded default when nothing else names endpoints.</summary>
internal static class ListenBinder
{
    public const string EmbeddedDefaultBind = "127.0.0.1:8443";

    private const string AllowedForm = "an address or a list of addresses, for example \"127.0.0.1:8443\" or [\"[::]:8443\", \"unix:/run/app.sock\"]";

    public static ListenSettings Bind(SettingReader r, GunicornLoadInput input)
    {
        var raw = r.Raw("bind");
        if (raw is null)
        {
            var own = AppEndpoints.Read(input);
            if (input.UseEmbeddedDefault && (own is null || own is { FromLaunchProfile: true, HasHttps: false }))
            {
                if (own is not null)
                {
                    // dotnet run puts the launch profile's applicationUrl into ASPNETCORE_URLS; the template's first
                    // profile is http only, where no browser speaks HTTP/2. That is a tool default, not a deployment.
                    var profile = SettingText.Safe(input.LaunchProfile ?? string.Empty);
                    var urls = SettingText.Safe(own.Description);
                    r.Report(l => GunicornLog.EmbeddedDefaultReplacesLaunchProfile(l, profile, urls, EmbeddedDefaultBind));
                }

                return new ListenSettings([BindAddress.TryParse(EmbeddedDefaultBind, out _)!], UsesEmbeddedDefault: true);
            }

            if (own is not null)
            {
                // The app chose its endpoints (ASPNETCORE_URLS, --urls, ports, Kestrel:Endpoints, an https launch profile):
                // the TLS and protocol settings go to Kestrel's endpoint defaults, which those endpoints use.
                var endpoints = SettingText.Safe(own.Description);
                r.Report(l => GunicornLog.ServingAppEndpoints(l, endpoints));
                return new ListenSettings([], UsesEmbeddedDefault: false, own);
            }

            return ListenSettings.None;
        }

        IReadOnlyList<object?>? entries = raw.Value switch
        {
            string s => [s],
            IReadOnlyList<object?> l => l,
            _ => null,
        };
        if (entries is null || entries.Count == 0)
        {
            r.Fail(raw, entries is null ? "not an address" : "an empty list", AllowedForm);
            return ListenSettings.None;
        }

        var binds = new List<BindAddress>();
        foreach (var item in entries)
        {
            if (item is not string entry)
            {
                r.Fail(raw, "each entry must be a string (a nested list is not an address)", AllowedForm);
                continue;
            }

            var parsed = BindAddress.TryParse(entry, out var error);
            if (parsed is null)
            {
                r.Add(new SettingError("bind", raw.Source, raw.DisplayValue, $"'{SettingText.Safe(entry)}' is not a valid address: {error}"));
            }
            else if (parsed.Port != 0 && binds.Contains(parsed))
            {
                r.Add(new SettingError("bind", raw.Source, raw.DisplayValue, $"'{SettingText.Safe(entry)}' is listed twice"));
            }
            else
            {
                binds.Add(parsed);
            }
        }

        return new ListenSettings(binds, UsesEmbeddedDefault: false);
    }
}

/// <summary>The endpoints the app configured itself: URLs, ports or <c>Kestrel:Endpoints</c>.</summary>
/// <param name="Description">For messages, e.g. <c>urls=http://localhost:5099</c>.</param>
/// <param name="HasHttps">Whether at least one is an https endpoint.</param>
/// <param name="FromLaunchProfile">Whether the URLs are a launch profile's applicationUrl (<c>dotnet run</c>).</param>
internal sealed record AppEndpoints(string Description, bool HasHttps, bool FromLaunchProfile)
{
    public static AppEndpoints? Read(GunicornLoadInput input)
    {
        var configuration = input.Configuration;
        if (configuration is null)
        {
            return null;
        }

        var parts = new List<string>();
        var https = false;
        var urls = configuration["urls"];
        if (!string.IsNullOrWhiteSpace(urls))
        {
            parts.Add("urls=" + urls);
            https |= urls.Split(';', StringSplitOptions.TrimEntries).Any(u => u.StartsWith("https:", StringComparison.OrdinalIgnoreCase));
        }
        else
        {
            // Kestrel reads the port variables only when no URLs are set.
            if (configuration["http_ports"] is { Length: > 0 } httpPorts)
            {
                parts.Add("http_ports=" + httpPorts);
            }

            if (configuration["https_ports"] is { Length: > 0 } httpsPorts)
            {
                parts.Add("https_ports=" + httpsPorts);
                https = true;
            }
        }

        foreach (var endpoint in configuration.GetSection("Kestrel:Endpoints").GetChildren())
        {
            var url = endpoint["Url"] ?? string.Empty;
            parts.Add($"Kestrel:Endpoints:{endpoint.Key}={url}");
            https |= url.StartsWith("https:", StringComparison.OrdinalIgnoreCase);
        }

        if (parts.Count == 0)
        {
            return null;
        }

        var fromLaunchProfile = parts.Count == 1 && !string.IsNullOrEmpty(input.LaunchProfile)
            && string.Equals(urls, input.EnvironmentUrls, StringComparison.Ordinal);
        return new AppEndpoints(string.Join(", ", parts), https, fromLaunchProfile);
    }
}
