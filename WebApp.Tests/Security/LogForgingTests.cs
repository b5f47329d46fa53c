using Serilog.Core;
using Serilog.Events;
using Serilog.Formatting;
using Serilog.Formatting.Compact;
using Serilog.Formatting.Display;
using Microsoft.Extensions.DependencyInjection;
using WebApp.Data;
using WebApp.Tests.Infrastructure;
using WebApp.Tests.Observability;

namespace WebApp.Tests.Security;

/// <summary>
/// No value a visitor sends can start a new log line. Hostile paths, queries and headers go through a real socket;
/// every event the app logs (framework logs at Information included) is rendered by the text formats an operator
/// uses: the app's console template, Serilog's default console template and compact JSON. Each must be one line,
/// with the hostile value still readable, escaped.
/// </summary>
public sealed class LogForgingTests
{
    /// <summary>Each breaker, then how it must read in the log.</summary>
    private static readonly (string Raw, string Escaped)[] Breakers =
    [
        ("\n", "\\n"), ("\r", "\\r"), ("\r\n", "\\r\\n"), ("\u0085", "\\u0085"), ("\u2028", "\\u2028"), ("\u2029", "\\u2029"),
        ("\v", "\\u000B"), ("\f", "\\u000C"), ("\u001B[2K\r", "\\u001B[2K\\r"), ("\b", "\\u0008"), ("\u007F", "\\u007F"),
        ("\u009B", "\\u009B"), ("\u202E", "\\u202E"),
    ];

    private const string Forged = "[08:40:00 ERR] forged";

    [Theory]
    [MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task Logs_ControlCharactersInPathQueryAndHeaders_EveryEventIsOneEscapedLine(DatabaseProvider provider)
    {
        var logs = new LogCapture();
        await using var factory = await TestSite.On(provider).With(new Dictionary<string, string?>
            {
                ["PageViews:Enabled"] = "false",
                ["Loading:RequestTimeout"] = "00:00:20", // a cold first page on a busy machine; no deadline is tested here
                ["Serilog:MinimumLevel:Default"] = "Information",
                // The framework's own request logs too (they print the decoded path), as an operator debugging would.
                ["Serilog:MinimumLevel:Override:Microsoft.AspNetCore"] = "Information",
            }).WithServices(services => services.AddSingleton<ILogEventSink>(logs)).OnKestrel().StartAsync();
        using var client = factory.CreateClient();

        foreach (var (raw, _) in Breakers)
        {
            var value = Uri.EscapeDataString("x" + raw + Forged);
            foreach (var url in new[] { $"/u/{value}", $"/users?q={value}", $"/u/{value}/posts/1" })
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, url);
                // HttpClient refuses CR and LF in headers, and Kestrel refuses other controls: what gets through is sent.
                request.Headers.TryAddWithoutValidation("User-Agent", "agent\t" + Forged);
                request.Headers.TryAddWithoutValidation("Referer", "http://example.test/\t" + Forged);
                using var response = await client.SendAsync(request, TestContext.Current.CancellationToken);
                Assert.True((int)response.StatusCode < 500, $"{url}: {(int)response.StatusCode}");
            }
        }

        await Eventually.HoldsAsync(
            TimeSpan.FromSeconds(10),
            () => RequestLogs(logs).Count() >= Breakers.Length * 3,
            () => $"a request log event per request; got {RequestLogs(logs).Count()}");

        ITextFormatter[] formats =
        [
            new MessageTemplateTextFormatter(TelemetryTests.ConfiguredOutputTemplate(factory)),
            new MessageTemplateTextFormatter("[{Timestamp:HH:mm:ss} {Level:u3}] {Message:lj}{NewLine}{Exception}"),
            new CompactJsonFormatter(),
        ];
        foreach (var logEvent in logs.Events)
        {
            Assert.Null(logEvent.Exception);
            foreach (var format in formats)
            {
                var output = Render(format, logEvent);
                Assert.True(
                    output.EndsWith('\n') && output.IndexOfAny(Unescaped) == output.Length - 1,
                    $"{format.GetType().Name} did not write one clean line:\n{output}");
            }
        }

        // The value is kept, readable: the request log line shows the path with the breaker escaped.
        var lines = RequestLogs(logs).Select(e => Render(formats[0], e)).ToList();
        foreach (var (_, escaped) in Breakers)
        {
            Assert.Contains(lines, line => line.Contains($"/u/x{escaped}{Forged} responded 404", StringComparison.Ordinal));
        }
    }

    // C0 and C1 controls, the Unicode line and paragraph separators, the bidirectional overrides.
    private static readonly char[] Unescaped =
        [.. Enumerable.Range(0, 0x20).Concat(Enumerable.Range(0x7F, 0x21)).Concat([0x2028, 0x2029, 0x202A, 0x202B, 0x202C, 0x202D, 0x202E, 0x2066, 0x2067, 0x2068, 0x2069]).Select(c => (char)c)];

    private static IEnumerable<LogEvent> RequestLogs(LogCapture logs) =>
        logs.Events.Where(e => e.MessageTemplate.Text.StartsWith("HTTP ", StringComparison.Ordinal));

    private static string Render(ITextFormatter format, LogEvent logEvent)
    {
        var output = new StringWriter { NewLine = "\n" };
        format.Format(logEvent, output);
        return output.ToString();
    }
}
