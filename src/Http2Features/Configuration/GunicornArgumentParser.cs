using System.Text;

namespace Http2Features.Configuration;

/// <summary>The gunicorn settings found in an argument list, plus what was wrong with it.</summary>
internal sealed record ArgumentParseResult(IReadOnlyList<RawSetting> Settings, IReadOnlyList<GunicornDiagnostic> Warnings, IReadOnlyList<SettingError> Errors);

/// <summary>
/// Reads gunicorn's command-line spelling: <c>--flag value</c>, <c>--flag=value</c>, <c>-b value</c>, <c>-bvalue</c>,
/// flags without a value (<c>--reuse-port</c>) and with an optional one (<c>--proxy-protocol [MODE]</c>); <c>-b</c>,
/// <c>-e</c> and the other list flags are repeatable. Every flag comes from <see cref="GunicornSettingCatalog"/>.
/// Arguments that are not gunicorn flags are left to ASP.NET Core's own command-line configuration (for example
/// <c>--urls</c> or <c>--environment</c>).
/// </summary>
internal static class GunicornArgumentParser
{
    /// <param name="args">The arguments.</param>
    /// <param name="fromEnvironment">True for <c>GUNICORN_CMD_ARGS</c>: every argument there is meant for gunicorn,
    /// so unknown flags and positional arguments are reported; on the real command line only near-misses are.</param>
    public static ArgumentParseResult Parse(IReadOnlyList<string> args, bool fromEnvironment)
    {
        var settings = new List<RawSetting>();
        var warnings = new List<GunicornDiagnostic>();
        var errors = new List<SettingError>();
        var origin = fromEnvironment ? "GUNICORN_CMD_ARGS" : "command line";

        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (arg == "--")
            {
                break;
            }

            string flag;
            string? inlineValue = null;
            if (arg.StartsWith("--", StringComparison.Ordinal))
            {
                var eq = arg.IndexOf('=', StringComparison.Ordinal);
                flag = eq < 0 ? arg : arg[..eq];
                inlineValue = eq < 0 ? null : arg[(eq + 1)..];
            }
            else if (arg.Length >= 2 && arg[0] == '-' && char.IsLetter(arg[1]))
            {
                flag = arg[..2];
                inlineValue = arg.Length > 2 ? arg[2..].TrimStart('=') : null;
            }
            else
            {
                if (fromEnvironment)
                {
                    var argument = SettingText.Safe(arg);
                    warnings.Add(new(l => GunicornLog.PositionalArgumentIgnored(l, origin, argument)));
                }

                continue;
            }

            if (!GunicornSettingCatalog.TryFindByFlag(flag, out var definition))
            {
                if (fromEnvironment || flag.StartsWith("--", StringComparison.Ordinal))
                {
                    var closest = GunicornSettingCatalog.ClosestFlag(flag);
                    if (fromEnvironment || closest is not null)
                    {
                        var shown = SettingText.Safe(flag);
                        warnings.Add(closest is null
                            ? new(l => GunicornLog.UnknownFlag(l, origin, shown))
                            : new(l => GunicornLog.UnknownFlagWithSuggestion(l, origin, shown, closest)));
                    }
                }

                continue;
            }

            var source = fromEnvironment ? SettingSource.EnvironmentFlag(flag) : SettingSource.Flag(flag);
            string value;
            switch (definition.Arity)
            {
                case FlagArity.None when inlineValue is not null:
                    errors.Add(new SettingError(definition.Name, source, SettingText.Safe(inlineValue), $"{flag} takes no value", $"{flag} alone"));
                    continue;
                case FlagArity.None:
                    value = definition.FlagConstant!;
                    break;
                case FlagArity.Optional when inlineValue is null && (i + 1 >= args.Count || args[i + 1].StartsWith('-')):
                    value = definition.FlagConstant!;
                    break;
                default:
                    if (inlineValue is not null)
                    {
                        value = inlineValue;
                    }
                    else if (i + 1 < args.Count)
                    {
                        value = args[++i];
                    }
                    else
                    {
                        errors.Add(new SettingError(definition.Name, source, null, "the flag needs a value", $"for example {flag} {Example(definition)}"));
                        continue;
                    }

                    break;
            }

            settings.Add(new RawSetting(definition.Name, value, source));
        }

        return new ArgumentParseResult(settings, warnings, errors);
    }

    /// <summary>Splits <c>GUNICORN_CMD_ARGS</c> the way Python's <c>shlex.split</c> does (POSIX quoting).</summary>
    public static IReadOnlyList<string> SplitCommandLine(string text)
    {
        var result = new List<string>();
        var current = new StringBuilder();
        var inToken = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsWhiteSpace(c))
            {
                if (inToken)
                {
                    result.Add(current.ToString());
                    current.Clear();
                    inToken = false;
                }

                continue;
            }

            inToken = true;
            if (c == '\'')
            {
                var end = text.IndexOf('\'', i + 1);
                if (end < 0)
                {
                    throw new FormatException("GUNICORN_CMD_ARGS has an unclosed single quote");
                }

                current.Append(text, i + 1, end - i - 1);
                i = end;
            }
            else if (c == '"')
            {
                i++;
                while (i < text.Length && text[i] != '"')
                {
                    if (text[i] == '\\' && i + 1 < text.Length && text[i + 1] is '"' or '\\' or '$' or '`')
                    {
                        i++;
                    }

                    current.Append(text[i]);
                    i++;
                }

                if (i >= text.Length)
                {
                    throw new FormatException("GUNICORN_CMD_ARGS has an unclosed double quote");
                }
            }
            else if (c == '\\' && i + 1 < text.Length)
            {
                current.Append(text[++i]);
            }
            else
            {
                current.Append(c);
            }
        }

        if (inToken)
        {
            result.Add(current.ToString());
        }

        return result;
    }

    private static string Example(SettingDefinition d) => d.Kind switch
    {
        SettingKind.Integer => "100",
        SettingKind.BindList => "127.0.0.1:8443",
        _ when d.Name == "raw_env" => "KEY=VALUE",
        _ => "VALUE",
    };
}
