using FluentAssertions;

namespace Http2Features.Testing.Tests;

public class AssemblyTests
{
    [Fact]
    public void Testing_package_names_the_h2_alpn_id()
    {
        Http2FeaturesTesting.AlpnH2.Should().Be("h2");
    }
}
