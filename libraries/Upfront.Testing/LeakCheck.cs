using Microsoft.Extensions.DependencyInjection;
using Upfront.Loading;

using Xunit;

namespace Upfront.Testing;

/// <summary>
/// In the spirit of Go's goleak, after a test: no request ended while one of its loaders still ran (when the host has a
/// <see cref="RequestEndProbe"/>), no loader is still running (within 1 s), and nothing the app says is still busy
/// (a check the test passes, e.g. the app's statements in PostgreSQL's <c>pg_stat_activity</c>) within 2 s.
/// </summary>
public static class LeakCheck
{
    /// <summary>Fails the test with what leaked.</summary>
    /// <param name="services">The host's services (<c>factory.Services</c>): its <see cref="InFlightRegistry"/> is read.</param>
    /// <param name="probe">The host's request-end probe, if it has one.</param>
    /// <param name="stillBusy">Descriptions of work still running outside the process; empty when none.</param>
    public static async Task AssertNoLeaksAsync(IServiceProvider services, RequestEndProbe? probe = null, Func<Task<IReadOnlyList<string>>>? stillBusy = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        if (probe is not null)
        {
            var outlived = probe.Ended.Where(r => r.InFlight.Count > 0)
                .Select(r => $"{r.Url} answered {r.Status} while {string.Join(", ", r.InFlight.Select(l => $"{l.Page}/{l.Name}"))} still ran")
                .ToList();
            Assert.True(outlived.Count == 0, "Leak: a loader outlived its request: " + string.Join("; ", outlived));
        }

        var registry = services.GetRequiredService<InFlightRegistry>();
        await Eventually.HoldsAsync(TimeSpan.FromSeconds(1), () => registry.Count == 0,
            () => "Leak: loaders still in flight: " + string.Join(", ", registry.Running.Select(l => $"{l.Page}/{l.Name}"))).ConfigureAwait(false);

        if (stillBusy is null)
        {
            return;
        }

        IReadOnlyList<string> busy = [];
        await Eventually.HoldsAsync(TimeSpan.FromSeconds(2), async () => (busy = await stillBusy().ConfigureAwait(false)).Count == 0,
            () => "Leak: still running: " + string.Join(" | ", busy)).ConfigureAwait(false);
    }
}
