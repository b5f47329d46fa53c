using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

using WebApp.Tests.Infrastructure;

namespace WebApp.Tests.Observability;

/// <summary>
/// Stands in for an OpenTelemetry collector (OTLP over HTTP, <c>http/protobuf</c>) on 127.0.0.1: accepts every
/// export and records its path and content type, without decoding it.
/// </summary>
public sealed class OtlpReceiver : IAsyncDisposable
{
    private LoopbackServer _server = null!;

    public string Endpoint => _server.Address;

    /// <summary>"/v1/traces application/x-protobuf", one per export received.</summary>
    public ConcurrentQueue<string> Exports { get; } = new();

    public static async Task<OtlpReceiver> StartAsync()
    {
        var receiver = new OtlpReceiver();
        receiver._server = await LoopbackServer.StartAsync(app => app.MapPost("/v1/{signal}", async (HttpRequest request) =>
        {
            await request.Body.CopyToAsync(Stream.Null);
            receiver.Exports.Enqueue($"{request.Path} {request.ContentType}");
            return Results.Ok();
        }));
        return receiver;
    }

    public ValueTask DisposeAsync() => _server.DisposeAsync();
}
