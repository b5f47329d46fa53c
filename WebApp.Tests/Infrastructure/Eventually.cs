namespace WebApp.Tests.Infrastructure;

/// <summary>Polls a condition until it holds, or fails the test with a description after a bound.</summary>
public static class Eventually
{
    public static Task HoldsAsync(TimeSpan within, Func<bool> condition, Func<string> describe) =>
        HoldsAsync(within, () => Task.FromResult(condition()), describe);

    public static async Task HoldsAsync(TimeSpan within, Func<Task<bool>> condition, Func<string> describe)
    {
        var until = DateTime.UtcNow + within;
        while (!await condition())
        {
            if (DateTime.UtcNow > until)
            {
                Assert.Fail($"{describe()} (waited {within.TotalSeconds:0.#} s)");
            }

            await Task.Delay(10, TestContext.Current.CancellationToken);
        }
    }
}
