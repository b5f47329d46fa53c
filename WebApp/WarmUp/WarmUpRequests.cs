namespace WebApp.WarmUp;

/// <summary>
/// Tells the instance's own warm-up requests from a visitor's: they carry a header with a secret known only to this
/// process, so a visitor cannot make their requests look like warm-up (and their profile views uncounted).
/// </summary>
public sealed class WarmUpRequests
{
    private const string Header = "X-WebApp-Warm-Up";

    private readonly string _secret = Guid.NewGuid().ToString("N");

    /// <summary>True for the instance's own warm-up requests.</summary>
    public bool IsWarmUp(HttpRequest request) => request.Headers[Header] == _secret;

    /// <summary>Marks every request <paramref name="client"/> sends as warm-up.</summary>
    internal void Mark(HttpClient client) => client.DefaultRequestHeaders.Add(Header, _secret);
}
