namespace WebApp.Rendering;

/// <summary>Checks every outgoing HTTP request made through IHttpClientFactory against the render phase.</summary>
public sealed class RenderGuardHandler(RenderGuard guard) : DelegatingHandler
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        guard.Check(request, Describe);
        return base.SendAsync(request, cancellationToken);
    }

    protected override HttpResponseMessage Send(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        guard.Check(request, Describe);
        return base.Send(request, cancellationToken);
    }

    private static string Describe(HttpRequestMessage request) => $"HTTP {request.Method} {request.RequestUri}";
}
