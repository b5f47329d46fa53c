using System.Collections;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using Serilog.Core;
using Serilog.Events;
using Serilog.Formatting.Display;
using WebApp.Loading;
using WebApp.Data;
using WebApp.Observability;
using WebApp.Tests.Infrastructure;

namespace WebApp.Tests.Observability;

/// <summary>
/// OpenTelemetry as an operator switches it on (OTEL_EXPORTER_OTLP_ENDPOINT), with an in-memory exporter added beside
/// the app's OTLP one. Activity listeners are process-wide, so spans of other tests' sites arrive here too: every
/// assertion looks only at the trace named by this request's log event.
/// </summary>
public sealed class TelemetryTests
{
    [Theory]
    [MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task Telemetry_ProfileRequest_OneTraceWithASpanPerLoaderAndDatabaseCommandsUnderThem(DatabaseProvider provider)
    {
        await using var receiver = await OtlpReceiver.StartAsync();
        var spans = new SpanCollector();
        var logs = new LogCapture();
        await using var factory = await StartAsync(provider, receiver, logs, spans);
        var handle = SeedFacts.Prolific.Handle;

        using var response = await factory.CreateClient().GetAsync($"/u/{handle}", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var loaderNames = response.Headers.GetValues("Server-Timing").SelectMany(h => h.Split(", "))
            .Select(entry => entry.Split(';')[0]).Where(name => name != "load").Order().ToList();
        Assert.Contains("profile.user", loaderNames);

        // The request's log line names its trace; the server span ends just after the response is sent.
        LogEvent? requestLog = null;
        await Eventually.HoldsAsync(
            TimeSpan.FromSeconds(10),
            () => (requestLog = logs.Events.SingleOrDefault(e => e.MessageTemplate.Text.StartsWith("HTTP", StringComparison.Ordinal))) is { TraceId: not null }
                && spans.Any(s => s.TraceId == requestLog.TraceId && s.Kind == ActivityKind.Server),
            () => $"a request log event with a trace id and its server span; log events: {logs.Events.Count}");
        var trace = spans.Where(s => s.TraceId == requestLog!.TraceId).ToList();

        var server = Assert.Single(trace, s => s.Kind == ActivityKind.Server);
        Assert.Equal($"/u/{handle}", server.GetTagItem("url.path"));
        Assert.Equal(server.SpanId, requestLog!.SpanId);

        var loaders = trace.Where(s => s.Source.Name == LoadingServiceCollectionExtensions.TelemetryName).ToList();
        Assert.Equal(loaderNames, loaders.Select(s => s.DisplayName).Order().ToList());
        Assert.All(loaders, loader =>
        {
            Assert.Equal(server.SpanId, loader.ParentSpanId);
            Assert.Equal("ok", loader.GetTagItem("upfront.loader.outcome"));
            Assert.Equal("profile", loader.GetTagItem("upfront.page"));
        });

        // The console template prints the trace id on the request's line.
        var template = ConfiguredOutputTemplate(factory);
        var line = new StringWriter();
        new MessageTemplateTextFormatter(template).Format(requestLog, line);
        Assert.Contains(requestLog.TraceId!.Value.ToHexString(), line.ToString(), StringComparison.Ordinal);

        if (provider == DatabaseProvider.Postgres)
        {
            // PostgreSQL's default is the batch: one Npgsql command span for the page's database loaders, a child of
            // the loader that sent it, its SQL carrying every loader's tag (the announcement is a cache hit by now).
            var commands = trace.Where(s => s.Source.Name == "Npgsql").ToList();
            var batch = Assert.Single(commands);
            Assert.Contains(loaders, l => l.SpanId == batch.ParentSpanId);
            var sql = string.Concat(batch.TagObjects.Select(t => t.Value as string));
            Assert.All(loaders.Where(l => l.DisplayName != "profile.announcement"), loader => Assert.Contains("-- " + loader.DisplayName, sql, StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task Telemetry_OtlpEndpointSet_ExportsTracesAndMetricsByOtlp()
    {
        await using var receiver = await OtlpReceiver.StartAsync();
        await using var factory = await StartAsync(DatabaseProvider.Sqlite, receiver, new LogCapture(), new SpanCollector());

        using var response = await factory.CreateClient().GetAsync($"/u/{SeedFacts.Prolific.Handle}", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        // The server span ends just after the response; flush until the exporter has sent it.
        await Eventually.HoldsAsync(
            TimeSpan.FromSeconds(10),
            () => factory.Services.GetRequiredService<TracerProvider>().ForceFlush(1000)
                && factory.Services.GetRequiredService<MeterProvider>().ForceFlush(1000)
                && receiver.Exports.Contains("/v1/traces application/x-protobuf")
                && receiver.Exports.Contains("/v1/metrics application/x-protobuf"),
            () => $"OTLP exports of traces and metrics; received: {string.Join(", ", receiver.Exports.Distinct())}");
    }

    [Fact]
    public async Task Telemetry_NoOtlpEndpoint_RegistersNoTracerOrMeterProvider()
    {
        await using var factory = await TestSite.On(DatabaseProvider.Sqlite).WithoutPageViews().StartAsync();

        using var response = await factory.CreateClient().GetAsync("/healthz", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Null(factory.Services.GetService<TracerProvider>());
        Assert.Null(factory.Services.GetService<MeterProvider>());
    }

    private static Task<WebAppFactory> StartAsync(DatabaseProvider provider, OtlpReceiver receiver, LogCapture logs, SpanCollector spans) =>
        TestSite.On(provider).With(new Dictionary<string, string?>
            {
                [Telemetry.OtlpEndpoint] = receiver.Endpoint,
                ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
                ["PageViews:Enabled"] = "false",
                ["Loading:RequestTimeout"] = "00:00:20", // a cold first page on a busy machine; no deadline is tested here
                ["Serilog:MinimumLevel:Default"] = "Information",
            }).WithServices(services =>
            {
                services.AddSingleton<ILogEventSink>(logs);
                services.ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddInMemoryExporter(spans));
            }).StartAsync();

    /// <summary>The console output template of appsettings.json, as the app ships it.</summary>
    internal static string ConfiguredOutputTemplate(WebAppFactory factory)
    {
        var root = factory.Services.GetRequiredService<IWebHostEnvironment>().ContentRootPath;
        using var settings = JsonDocument.Parse(File.ReadAllText(Path.Combine(root, "appsettings.json")));
        return settings.RootElement.GetProperty("Serilog").GetProperty("WriteTo")[0].GetProperty("Args").GetProperty("outputTemplate").GetString()!;
    }

    /// <summary>The exporter's target: it only adds, from any thread; the test reads snapshots.</summary>
    private sealed class SpanCollector : ICollection<Activity>
    {
        private readonly ConcurrentQueue<Activity> _spans = new();

        public int Count => _spans.Count;

        public bool IsReadOnly => false;

        public void Add(Activity item) => _spans.Enqueue(item);

        public IEnumerator<Activity> GetEnumerator() => _spans.ToList().GetEnumerator();

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

        public void Clear() => throw new NotSupportedException();

        public bool Contains(Activity item) => _spans.Contains(item);

        public void CopyTo(Activity[] array, int arrayIndex) => _spans.ToArray().CopyTo(array, arrayIndex);

        public bool Remove(Activity item) => throw new NotSupportedException();
    }
}
