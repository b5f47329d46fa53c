using Microsoft.AspNetCore.Http;
using Serilog;
using Upfront.Loading;
using WebApp.Observability;

namespace WebApp.Tests.Observability;

/// <summary>The request log line's loader properties, added only for a request that loaded a page.</summary>
public sealed class RequestLogTests
{
    private static readonly TimeSpan Ms = TimeSpan.FromMilliseconds(1);

    [Fact]
    public void Enrich_RequestWithAPageLoad_AddsTheLoadersAndTheLoadTime()
    {
        var context = new DefaultHttpContext();
        context.Features.Set(new PageLoad("profile", DateTimeOffset.UnixEpoch, 9.5 * Ms,
            [new LoaderTiming("profile", "profile.user", false, TimeSpan.Zero, 1.254 * Ms, LoaderOutcome.Ok)], null));
        var diagnostics = new RecordingDiagnosticContext();

        RequestLog.Enrich(diagnostics, context);

        Assert.Equal(9.5, diagnostics.Properties["LoadMs"]);
        var loader = Assert.Single(Assert.IsAssignableFrom<IEnumerable<object>>(diagnostics.Properties["Loaders"]));
        Assert.Equal("{ Name = profile.user, DurationMs = 1.25, Outcome = ok }", loader.ToString());
    }

    [Fact]
    public void Enrich_RequestWithoutPageLoad_AddsNoLoaderProperties()
    {
        var diagnostics = new RecordingDiagnosticContext();

        RequestLog.Enrich(diagnostics, new DefaultHttpContext());

        Assert.Empty(diagnostics.Properties);
    }

    private sealed class RecordingDiagnosticContext : IDiagnosticContext
    {
        public Dictionary<string, object?> Properties { get; } = [];

        public void Set(string propertyName, object? value, bool destructureObjects = false) => Properties[propertyName] = value;

        public void SetException(Exception exception)
        {
        }
    }
}
