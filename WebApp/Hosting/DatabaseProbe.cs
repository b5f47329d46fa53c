using System.Data.Common;
using System.Net.Sockets;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace WebApp.Hosting;

/// <summary>The one shape of a readiness check on a database: a real round trip, within <see cref="Timeout"/>.</summary>
internal static class DatabaseProbe
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Runs <paramref name="probe"/> for at most <see cref="Timeout"/>. A database that does not answer in time is
    /// <paramref name="unavailable"/>(null), one that fails is <paramref name="unavailable"/>(its exception's type name):
    /// the type only, since a message may name hosts and <c>/readyz</c> is not for visitors.
    /// </summary>
    public static async Task<HealthCheckResult> RunAsync(
        Func<CancellationToken, Task<HealthCheckResult>> probe,
        Func<string?, HealthCheckResult> unavailable,
        CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Timeout);
        try
        {
            return await probe(timeout.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return unavailable(null);
        }
        catch (Exception ex) when (ex is DbException or InvalidOperationException or SocketException)
        {
            return unavailable(ex.GetType().Name);
        }
    }
}
