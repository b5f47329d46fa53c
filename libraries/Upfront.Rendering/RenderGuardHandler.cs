namespace Upfront.Rendering;

/// <summary>Checks every outgoing HTTP request made through <c>IHttpClientFactory</c> against the render phase.</summary>
public sealed class RenderGuardHandler(RenderGuard guard) : DelegatingHandler
{
    /// <inheritdoc/>
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        guard.Check(request, Describe);
        return base.SendAsync(request, cancellationToken);
    }

    /// <inheritdoc/>
    protected override HttpResponseMessage Send(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        guard.Check(request, Describe);
        return base.Send(request, cancellationToken);
    }

    private static string Describe(HttpRequestMessage request) => $"HTTP {request.Method} {request.RequestUri}";
}
