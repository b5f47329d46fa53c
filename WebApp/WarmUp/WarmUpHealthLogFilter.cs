using Serilog.Core;
using Serilog.Events;

namespace WebApp.WarmUp;

/// <summary>
/// The health-check service logs every Unhealthy entry as an Error. The warm-up entry is Unhealthy by design until the
/// warm-up ends, on every start; the 503 it causes is logged as a Warning with the request. So its Error line is left
/// out (the app's logger reads this filter from services).
/// </summary>
internal sealed class WarmUpHealthLogFilter : ILogEventFilter
{
    public bool IsEnabled(LogEvent logEvent) =>
        !(logEvent.Level >= LogEventLevel.Error
          && logEvent.Properties.TryGetValue("HealthCheckName", out var name)
          && name is ScalarValue { Value: InstanceWarmUp.Name });
}
