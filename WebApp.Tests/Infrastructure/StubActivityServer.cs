using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace WebApp.Tests.Infrastructure;

/// <summary>
/// A real HTTP server for the activity downstream: Kestrel on 127.0.0.1, port 0, started by the test.
/// Its behaviour can be switched per test; it records requests and the ones the client aborted.
/// </summary>
public sealed class StubActivityServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private StubActivityServer(WebApplication app, string baseUrl)
    {
        _app = app;
        BaseUrl = baseUrl;
    }

    public enum Mode
    {
        Ok,
        Slow,
        ServerError,
        Garbage,
    }

    public string BaseUrl { get; }

    public Mode Behaviour { get; set; } = Mode.Ok;

    public ConcurrentQueue<string> Requests { get; } = new();

    /// <summary>Completes when a request is aborted by the client while the stub holds it.</summary>
    public TaskCompletionSource Aborted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public static async Task<StubActivityServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        StubActivityServer? stub = null;
        app.MapGet("/users/{handle}/activity", async (string handle, HttpContext context) =>
        {
            stub!.Requests.Enqueue(handle);
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
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        stub = new StubActivityServer(app, address);
        return stub;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
