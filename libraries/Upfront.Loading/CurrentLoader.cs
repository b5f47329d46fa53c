namespace Upfront.Loading;

/// <summary>
/// The name of the loader whose code is running, or null outside every loader. <see cref="LoadGroup"/> sets it for
/// each loader's body and it flows through that body's awaits (an <see cref="AsyncLocal{T}"/>), so code a loader
/// calls (a SQL tag, a fault injector in a test) can name the loader without being told.
/// </summary>
public static class CurrentLoader
{
    private static readonly AsyncLocal<string?> Current = new();

    /// <summary>The running loader's name, or null outside every loader.</summary>
    public static string? Name => Current.Value;

    // Set inside the loader's own async method, so the caller's value is restored when that method yields.
    internal static void Enter(string name) => Current.Value = name;
}
