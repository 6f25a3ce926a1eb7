using System.Net;
using FluentAssertions;
using Http2Features.Connection;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Http2Features.Tests.Connection;

/// <summary>
/// Pins the Kestrel internals src/Http2Features/Connection/KestrelInternals.cs reads. If one of these fails
/// after a Kestrel update, the automatic installation route needs another way in (the explicit
/// <c>UseHttp2Features()</c> keeps working, and the start-up warning names uncovered endpoints).
/// Behavioural internals are pinned where they are exercised: TLS sets ALPN before it installs its pipe
/// (SeamInstallationTests: Kestrel:Endpoints/URLs report Http2), request features fall back to connection
/// features (every Probe), Kestrel ignores PRIORITY_UPDATE and answers a self-dependency with
/// PROTOCOL_ERROR (Priority/PriorityFrameTests).
/// </summary>
public class KestrelInternalsTests
{
    [Fact]
    public void EndpointDefaults_getter_returns_the_action_ConfigureEndpointDefaults_stored()
    {
        var options = new KestrelServerOptions();
        Action<ListenOptions> defaults = _ => { };

        options.ConfigureEndpointDefaults(defaults);

        KestrelInternals.GetEndpointDefaults(options).Should().BeSameAs(defaults);
    }

    [Fact]
    public void CodeBackedListenOptions_lists_the_endpoints_Listen_created()
    {
        var options = new KestrelServerOptions();
        ListenOptions? created = null;

        options.Listen(IPAddress.Loopback, 0, lo => created = lo);

        KestrelInternals.GetCodeBackedListenOptions(options).Should().ContainSingle().Which.Should().BeSameAs(created);
    }

    [Fact]
    public void HttpProtocolsFeature_is_Kestrels_per_connection_protocol_override()
    {
        // Configuration/TrustedPeerCleartext sets it; GunicornCleartextTests shows Kestrel honouring it on the wire.
        KestrelInternals.HttpProtocolsFeature.FeatureType.FullName.Should().Be("Microsoft.AspNetCore.Server.Kestrel.Core.Internal.HttpProtocolsFeature");
        var features = new Microsoft.AspNetCore.Http.Features.FeatureCollection();

        KestrelInternals.HttpProtocolsFeature.Set(features, HttpProtocols.Http2);

        KestrelInternals.HttpProtocolsFeature.Read(features[KestrelInternals.HttpProtocolsFeature.FeatureType]!).Should().Be(HttpProtocols.Http2);
    }

    [Fact]
    public void Listen_applies_endpoint_defaults_at_call_time()
    {
        // Why the pack chains its defaults early (Configure) and also walks existing endpoints (PostConfigure).
        var options = new KestrelServerOptions();
        var applied = 0;
        options.Listen(IPAddress.Loopback, 0);
        options.ConfigureEndpointDefaults(_ => applied++);
        options.Listen(IPAddress.Loopback, 0);

        applied.Should().Be(1);
    }
}
