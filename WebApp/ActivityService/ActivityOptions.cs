namespace WebApp.ActivityService;

/// <summary>The <c>Activity</c> section: where the optional activity service is, and how long a profile waits for it.</summary>
public sealed class ActivityOptions
{
    public const string Section = "Activity";

    /// <summary>The activity service's base address; empty turns the feature off.</summary>
    public string BaseUrl { get; set; } = "";

    /// <summary>How long the profile waits for activity before rendering without it.</summary>
    public TimeSpan Budget { get; set; } = TimeSpan.FromMilliseconds(300);

    public bool Enabled => BaseUrl.Length > 0;
}
