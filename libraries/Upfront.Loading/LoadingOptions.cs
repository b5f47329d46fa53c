namespace Upfront.Loading;

/// <summary>How load groups run and where they report.</summary>
public sealed class LoadingOptions
{
    /// <summary>The default of <see cref="MeterName"/> and <see cref="ActivitySourceName"/>.</summary>
    public const string DefaultTelemetryName = "Upfront.Loading";

    /// <summary>Most loader bodies running at once in one group; 0 (the default) means unlimited.</summary>
    public int MaxConcurrency { get; set; }

    /// <summary>The meter of the loading metrics (<see cref="LoadingMetrics"/>), for <c>dotnet-counters</c> and OpenTelemetry.</summary>
    public string MeterName { get; set; } = DefaultTelemetryName;

    /// <summary>The activity source of the loader spans (one per loader, a child of the request's), for OpenTelemetry.</summary>
    public string ActivitySourceName { get; set; } = DefaultTelemetryName;
}
