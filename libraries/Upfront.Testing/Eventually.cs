using Xunit;

namespace Upfront.Testing;

/// <summary>Polls a condition until it holds, or fails the test with a description after a bound.</summary>
public static class Eventually
{
    /// <summary>Waits up to <paramref name="within"/> for <paramref name="condition"/>; fails with <paramref name="describe"/>.</summary>
    public static Task HoldsAsync(TimeSpan within, Func<bool> condition, Func<string> describe)
    {
        ArgumentNullException.ThrowIfNull(condition);
        return HoldsAsync(within, () => Task.FromResult(condition()), describe);
    }

    /// <summary>Waits up to <paramref name="within"/> for <paramref name="condition"/>; fails with <paramref name="describe"/>.</summary>
    public static async Task HoldsAsync(TimeSpan within, Func<Task<bool>> condition, Func<string> describe)
    {
        ArgumentNullException.ThrowIfNull(condition);
        ArgumentNullException.ThrowIfNull(describe);
        var until = DateTime.UtcNow + within;
        while (!await condition().ConfigureAwait(false))
        {
            if (DateTime.UtcNow > until)
            {
                Assert.Fail($"{describe()} (waited {within.TotalSeconds:0.#} s)");
            }

            await Task.Delay(10, TestContext.Current.CancellationToken).ConfigureAwait(false);
        }
    }
}
