using Http2Features.Configuration;
using Microsoft.Extensions.Configuration;

namespace Http2Features.Tests.Configuration;

/// <summary>A temporary content root with helpers to write config files and certificates, and to run the loader.</summary>
internal sealed class GunicornTestFiles : IDisposable
{
    public GunicornTestFiles()
    {
        Root = Path.Combine(Path.GetTempPath(), "h2f-gunicorn-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Root);
    }

    public string Root { get; }

    public string Write(string name, string text)
    {
        var path = Path.Combine(Root, name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        return path;
    }

    /// <summary>A fresh self-signed PEM pair (CertificateRequest), returned as absolute paths.</summary>
    public (string Cert, string Key) Certificate(string name = "server")
    {
        var cert = Path.Combine(Root, name + ".crt");
        var key = Path.Combine(Root, name + ".key");
        if (!File.Exists(cert))
        {
            DevelopmentCertificate.Write(cert, key);
        }

        return (cert, key);
    }

    public GunicornLoadResult Load(
        string? configFile = null,
        IDictionary<string, string?>? configuration = null,
        string? environment = null,
        string[]? args = null,
        bool embeddedDefault = false,
        string? baseDirectory = null,
        string? forwardedAllowIps = null)
    {
        var config = new ConfigurationBuilder().AddInMemoryCollection(configuration ?? new Dictionary<string, string?>()).Build();
        return GunicornSettingsLoader.Load(new GunicornLoadInput
        {
            Arguments = args ?? [],
            EnvironmentArguments = environment,
            ForwardedAllowIpsVariable = forwardedAllowIps,
            Configuration = config,
            ContentRoot = Root,
            BaseDirectory = baseDirectory,
            ConfigFile = configFile,
            UseEmbeddedDefault = embeddedDefault,
        });
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // best effort
        }
    }
}
