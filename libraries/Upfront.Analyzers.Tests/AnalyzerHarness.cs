using System.Collections.Immutable;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;

namespace Upfront.Analyzers.Tests;

/// <summary>
/// Compiles C# in memory against this test app's own assemblies (the shared frameworks, EF Core, the Upfront
/// libraries: everything in TRUSTED_PLATFORM_ASSEMBLIES) and runs one analyzer on it. Nothing is downloaded.
/// A line that ends in <c>//! UPF001</c> (or several IDs) expects exactly those diagnostics on it.
/// </summary>
internal static partial class AnalyzerHarness
{
    private static readonly Lazy<ImmutableArray<MetadataReference>> References = new(() =>
    [
        .. ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(path => (MetadataReference)MetadataReference.CreateFromFile(path)),
    ]);

    /// <summary>Runs <typeparamref name="TAnalyzer"/> and asserts exactly the <c>//!</c> markers' diagnostics, by ID and line.</summary>
    public static void Verify<TAnalyzer>(string source)
        where TAnalyzer : DiagnosticAnalyzer, new()
    {
        var expected = Expected(source);
        var actual = Run<TAnalyzer>(("Test.cs", source)).Select(Describe).ToList();
        Assert.Equal(expected, actual);
    }

    /// <summary>The analyzer's diagnostics for <paramref name="sources"/> (path, text), in order; the code must compile.</summary>
    public static IReadOnlyList<Diagnostic> Run<TAnalyzer>(params (string Path, string Text)[] sources)
        where TAnalyzer : DiagnosticAnalyzer, new()
    {
        var parse = new CSharpParseOptions(LanguageVersion.Latest);
        var trees = sources.Select(s => CSharpSyntaxTree.ParseText(s.Text, parse, s.Path)).ToArray();
        var compilation = CSharpCompilation.Create(
            "AnalyzerTest",
            trees,
            References.Value,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));

        var errors = compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        Assert.True(errors.Count == 0, "The test source does not compile:\n" + string.Join("\n", errors));

        var failures = new List<Exception>();
        var options = new CompilationWithAnalyzersOptions(
            new AnalyzerOptions([]),
            onAnalyzerException: (ex, _, _) =>
            {
                lock (failures)
                {
                    failures.Add(ex);
                }
            },
            concurrentAnalysis: true,
            logAnalyzerExecutionTime: false);
        var diagnostics = compilation
            .WithAnalyzers([new TAnalyzer()], options)
            .GetAnalyzerDiagnosticsAsync(TestContext.Current.CancellationToken)
            .GetAwaiter().GetResult();
        Assert.Empty(failures);

        return [.. diagnostics
            .OrderBy(d => d.Location.GetMappedLineSpan().Path, StringComparer.Ordinal)
            .ThenBy(d => d.Location.GetMappedLineSpan().StartLinePosition.Line)
            .ThenBy(d => d.Id, StringComparer.Ordinal)];
    }

    /// <summary>"UPF100 Pages/Shop.cshtml:10": the ID, and the file and 1-based line the diagnostic maps to.</summary>
    public static string Describe(Diagnostic diagnostic)
    {
        var span = diagnostic.Location.GetMappedLineSpan();
        return $"{diagnostic.Id} {span.Path}:{span.StartLinePosition.Line + 1}";
    }

    private static List<string> Expected(string source)
    {
        var expected = new List<string>();
        var lines = source.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            if (Marker().Match(lines[i]) is { Success: true } match)
            {
                expected.AddRange(match.Groups[1].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal)
                    .Select(id => $"{id} Test.cs:{i + 1}"));
            }
        }

        return expected;
    }

    [GeneratedRegex(@"//!\s*((?:UPF\d{3}\s*)+)$")]
    private static partial Regex Marker();
}
