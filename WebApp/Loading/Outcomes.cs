namespace WebApp.Loading;

public static class Outcomes
{
    /// <summary>Lower-case names, for headers, logs and metric tags.</summary>
    public static string Name(LoaderOutcome outcome) => outcome switch
    {
        LoaderOutcome.Ok => "ok",
        LoaderOutcome.Faulted => "faulted",
        LoaderOutcome.Canceled => "canceled",
        LoaderOutcome.Degraded => "degraded",
        _ => "unknown",
    };
}
