using System.Reflection;
using FluentAssertions;

namespace Http2Features.Testing.Tests;

/// <summary>
/// The raw client and the test host fit any test stack: Http2Features.Testing references no assertion library, and the
/// FluentAssertions extensions are the separate Http2Features.Testing.FluentAssertions assembly, in the same namespace.
/// </summary>
public sealed class PackageDependencyTests
{
    [Fact]
    public void Http2Features_Testing_references_no_assertion_library()
    {
        var references = typeof(RawHttp2Client).Assembly.GetReferencedAssemblies().Select(a => a.Name).ToList();

        references.Should().NotContain(name => name!.StartsWith("FluentAssertions", StringComparison.Ordinal)
            || name.StartsWith("xunit", StringComparison.OrdinalIgnoreCase) || name.StartsWith("nunit", StringComparison.OrdinalIgnoreCase)
            || name.StartsWith("Shouldly", StringComparison.Ordinal) || name.StartsWith("Microsoft.VisualStudio.TestPlatform", StringComparison.Ordinal));
    }

    [Fact]
    public void The_FluentAssertions_extensions_live_in_their_own_assembly_under_the_Http2Features_Testing_namespace()
    {
        var extensions = typeof(RawHttp2AssertionExtensions);

        extensions.Namespace.Should().Be("Http2Features.Testing");
        extensions.Assembly.GetName().Name.Should().Be("Http2Features.Testing.FluentAssertions");
        extensions.Assembly.GetReferencedAssemblies().Select(a => a.Name).Should().Contain(["FluentAssertions", "Http2Features.Testing"]);
        typeof(RawHttp2Client).Assembly.GetExportedTypes().Should().NotContain(t => t.Name.Contains("Assertion", StringComparison.Ordinal));
    }
}
