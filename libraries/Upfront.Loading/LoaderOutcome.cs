namespace Upfront.Loading;

/// <summary>How a loader ended.</summary>
public enum LoaderOutcome
{
    /// <summary>It returned a value.</summary>
    Ok,

    /// <summary>A required loader threw: the page fails with this error (or the first one of several).</summary>
    Faulted,

    /// <summary>It stopped because the group was cancelled (the request ended, or a sibling failed): not an error.</summary>
    Canceled,

    /// <summary>An optional loader failed or ran out of its budget: the page renders without it.</summary>
    Degraded,
}

/// <summary>The outcome's name as headers, logs and metric tags write it.</summary>
public static class LoaderOutcomeNames
{
    /// <summary>Lower case: <c>ok</c>, <c>faulted</c>, <c>canceled</c>, <c>degraded</c>.</summary>
    public static string Name(this LoaderOutcome outcome) => outcome switch
    {
        LoaderOutcome.Ok => "ok",
        LoaderOutcome.Faulted => "faulted",
        LoaderOutcome.Canceled => "canceled",
        LoaderOutcome.Degraded => "degraded",
        _ => "unknown",
    };
}
