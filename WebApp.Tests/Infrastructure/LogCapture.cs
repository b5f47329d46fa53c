using System.Collections.Concurrent;
using Serilog.Core;
using Serilog.Events;

namespace WebApp.Tests.Infrastructure;

/// <summary>A Serilog sink for tests; the app's logger picks it up from services (ReadFrom.Services).</summary>
public sealed class LogCapture : ILogEventSink
{
    public ConcurrentQueue<LogEvent> Events { get; } = new();

    public void Emit(LogEvent logEvent) => Events.Enqueue(logEvent);

    public IEnumerable<LogEvent> AtLeast(LogEventLevel level) => Events.Where(e => e.Level >= level);

    public static string? Property(LogEvent logEvent, string name) =>
        logEvent.Properties.TryGetValue(name, out var value) ? (value as ScalarValue)?.Value?.ToString() ?? value.ToString() : null;
}
