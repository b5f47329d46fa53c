using WebApp.Data;

namespace WebApp.Tests.Data;

public sealed class BackoffTests
{
    /// <summary>The start-up retries (1 s, at most 30 s) and the page-view writer's (100 ms, at most 5 s).</summary>
    [Theory]
    [InlineData(1, 1000, 30_000, 1000)]
    [InlineData(2, 1000, 30_000, 2000)]
    [InlineData(5, 1000, 30_000, 16_000)]
    [InlineData(6, 1000, 30_000, 30_000)]
    [InlineData(100, 1000, 30_000, 30_000)]
    [InlineData(1, 100, 5000, 100)]
    [InlineData(2, 100, 5000, 200)]
    [InlineData(4, 100, 5000, 800)]
    [InlineData(7, 100, 5000, 5000)]
    [InlineData(1000, 100, 5000, 5000)]
    public void Delay_DoublesFromTheFirstUpToTheCap(int failedAttempts, int firstMs, int maxMs, int expectedMs) =>
        Assert.Equal(TimeSpan.FromMilliseconds(expectedMs), Backoff.Delay(failedAttempts, TimeSpan.FromMilliseconds(firstMs), TimeSpan.FromMilliseconds(maxMs)));

}
