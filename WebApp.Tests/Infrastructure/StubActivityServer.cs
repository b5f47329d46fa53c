using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace WebApp.Tests.Infrastructure;

/// <summary>
/// A real HTTP server for the activity downstream: Kestrel on 127.0.0.1, port 0, started by the test.
/// Its behaviour can be switched per test; it records requests and the ones the client aborted.
/// </summary>
public sealed class StubActivityServer : IAsyncDisposable
{
    private LoopbackServer _server = null!;

    public enum Mode
    {
        Ok,
        Slow,
        ServerError,
        Garbage,
    }

    public string BaseUrl => _server.Address;

    public Mode Behaviour { get; set; } = Mode.Ok;

    public ConcurrentQueue<string> Requests { get; } = new();

    /// <summary>Completes when a request is aborted by the client while the stub holds it.</summary>
    public TaskCompletionSource Aborted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public static async Task<StubActivityServer> StartAsync()
    {
        var stub = new StubActivityServer();
        stub._server = await LoopbackServer.StartAsync(app => app.MapGet("/users/{handle}/activity", async (string handle, HttpContext context) =>
        {
            stub.Requests.Enqueue(handle);
            switch (stub.Behaviour)
            {
                case Mode.Slow:
                    try
                    {
                        await Task.Delay(TimeSpan.FromSeconds(30), context.RequestAborted);
                    }
                    catch (OperationCanceledException)
                    {
                        stub.Aborted.TrySetResult();
                        return Results.Empty;
                    }

                    return Results.Json(new { onlineNow = true, lastActiveAt = "2025-12-31T23:00:00Z", streakDays = 1 });
                case Mode.ServerError:
                    return Results.StatusCode(500);
                case Mode.Garbage:
                    return Results.Text("{ this is not json", "application/json");
                default:
                    return Results.Json(new { onlineNow = true, lastActiveAt = "2025-12-31T23:00:00Z", streakDays = 12 });
            }
        }));
        return stub;
    }

    public ValueTask DisposeAsync() => _server.DisposeAsync();
}
