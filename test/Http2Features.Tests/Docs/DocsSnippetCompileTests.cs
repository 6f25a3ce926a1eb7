using System.Text;
using System.Text.RegularExpressions;
using FluentAssertions;
using Http2Features.Tests.Packaging;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Http2Features.Tests.Docs;

/// <summary>
/// Every C# block of the runtime package's docs (README.md, docs/*.md except docs/testing.md, whose examples
/// Http2Features.Testing.Tests runs as tests, and src/Http2Features/README.md) compiles as written with the implicit
/// usings of a web app plus ONE <c>using Http2Features;</c>: no <c>using Http2Features.Something;</c> is needed or
/// allowed. A block of statements (a Program.cs or a fragment of one) is compiled as the body of an async method in
/// which the names the docs take for granted exist: <c>args</c>, <c>builder</c>, <c>app</c>, <c>context</c>,
/// <c>response</c>, <c>certificate</c> and the app's own helpers the fragments call (<c>WriteRowsAsync</c>, ...). A
/// block that declares types is compiled as a file. The block's own <c>using</c> lines are kept (BCL ones such as
/// <c>System.Globalization</c>; the test stack for a test class).
/// </summary>
public sealed class DocsSnippetCompileTests
{
    private static readonly string[] Documents = ["README.md", "docs/http2.md", "docs/configuration.md", "docs/migration.md", "src/Http2Features/README.md"];

    // Microsoft.NET.Sdk.Web's implicit usings.
    private const string ImplicitUsings = """
        global using global::System;
        global using global::System.Collections.Generic;
        global using global::System.IO;
        global using global::System.Linq;
        global using global::System.Net.Http;
        global using global::System.Net.Http.Json;
        global using global::System.Threading;
        global using global::System.Threading.Tasks;
        global using global::Microsoft.AspNetCore.Builder;
        global using global::Microsoft.AspNetCore.Hosting;
        global using global::Microsoft.AspNetCore.Http;
        global using global::Microsoft.AspNetCore.Routing;
        global using global::Microsoft.Extensions.Configuration;
        global using global::Microsoft.Extensions.DependencyInjection;
        global using global::Microsoft.Extensions.Hosting;
        global using global::Microsoft.Extensions.Logging;
        """;

    // What the fragments take for granted: the app's own variables and helpers. Locals of a block shadow these.
    private const string Ambient = """
        internal class SnippetAmbient
        {
            protected static string[] args => [];
            protected static WebApplicationBuilder builder => WebApplication.CreateBuilder();
            protected static WebApplication app => builder.Build();
            protected static HttpContext context => new DefaultHttpContext();
            protected static HttpResponse response => context.Response;
            protected static System.Security.Cryptography.X509Certificates.X509Certificate2 certificate => throw new NotSupportedException();
            protected static Task<int> WriteRowsAsync(Stream body) => Task.FromResult(0);
            protected static string PathOf(string id) => id;
            protected static Task<string> RenderSlowPageAsync() => Task.FromResult("");
            protected static Task<string> RenderReportAsync() => Task.FromResult("");
            protected static Task<IResult> RenderHomeAsync() => Task.FromResult(Results.Ok());
        }

        public partial class Program;
        """;

    public static TheoryData<string, int> Snippets()
    {
        var data = new TheoryData<string, int>();
        foreach (var document in Documents)
        {
            for (var i = 0; i < Blocks(document).Count; i++)
            {
                data.Add(document, i);
            }
        }

        return data;
    }

    [Fact]
    public void The_runtime_docs_have_csharp_blocks_to_compile()
    {
        Documents.Sum(d => Blocks(d).Count).Should().BeGreaterThan(10);
    }

    [Theory]
    [MemberData(nameof(Snippets))]
    public void The_csharp_block_compiles_with_the_implicit_usings_and_one_using_Http2Features(string document, int index)
    {
        var block = Blocks(document)[index];
        var (usings, body) = SplitUsings(block);
        usings.Where(u => u.Contains("Http2Features", StringComparison.Ordinal)).Should().NotContain(
            u => !Regex.IsMatch(u, @"^using Http2Features(\.Testing)?;"), "one using Http2Features; (Http2Features.Testing for a test class), never a sub-namespace");

        var declaresTypes = Regex.IsMatch(body, @"^(\[|public |internal |sealed |static |file )", RegexOptions.Multiline);
        var source = new StringBuilder();
        source.AppendLine("using Http2Features;");
        foreach (var line in usings.Where(u => u.Trim() != "using Http2Features;"))
        {
            source.AppendLine(line);
        }

        source.AppendLine("#line 1");
        if (declaresTypes)
        {
            source.AppendLine(body);
        }
        else
        {
            source.AppendLine("internal sealed class Snippet : SnippetAmbient { public static async Task RunAsync() {");
            source.AppendLine(body);
            source.AppendLine("await Task.CompletedTask; } }");
        }

        var errors = Compile(document + "#" + index, source.ToString());

        errors.Should().BeEmpty($"{document} block {index} must compile as written:\n{block}");
    }

    private static List<string> Compile(string name, string source)
    {
        var parse = new CSharpParseOptions(LanguageVersion.Preview);
        var trees = new[]
        {
            CSharpSyntaxTree.ParseText(ImplicitUsings, parse, "implicit-usings.cs"),
            CSharpSyntaxTree.ParseText(Ambient, parse, "ambient.cs"),
            CSharpSyntaxTree.ParseText(source, parse, name),
        };
        var compilation = CSharpCompilation.Create(
            "DocsSnippet",
            trees,
            References.Value,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        return compilation.GetDiagnostics(TestContext.Current.CancellationToken)
            .Where(d => d.Severity == DiagnosticSeverity.Error)
            .Select(d => d.ToString())
            .ToList();
    }

    // Every assembly the test host runs with: the shared frameworks, the pack, Http2Features.Testing and the test stack.
    private static readonly Lazy<List<MetadataReference>> References = new(() =>
        ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Where(p => p.EndsWith(".dll", StringComparison.Ordinal))
            .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p))
            .ToList());

    private static (List<string> Usings, string Body) SplitUsings(string block)
    {
        var usings = new List<string>();
        var lines = block.Split('\n');
        var i = 0;
        for (; i < lines.Length; i++)
        {
            var line = lines[i].TrimEnd('\r');
            if (Regex.IsMatch(line, @"^using (static )?[A-Za-z_][\w.]*( = [\w.<>]+)?;"))
            {
                usings.Add(line);
            }
            else if (line.Trim().Length > 0)
            {
                break;
            }
        }

        return (usings, string.Join('\n', lines[i..]));
    }

    private static List<string> Blocks(string document)
    {
        var text = File.ReadAllText(Path.Combine(RepositoryCopy.RepositoryRoot(), document));
        return Regex.Matches(text, @"^```csharp\n(?<code>.*?)^```", RegexOptions.Singleline | RegexOptions.Multiline)
            .Select(m => m.Groups["code"].Value)
            .ToList();
    }
}
