namespace Upfront.Loading;

/// <summary>One loader that has started, as observers see it.</summary>
/// <param name="Id">Unique in the process.</param>
/// <param name="Page">The page (group) it belongs to.</param>
/// <param name="Name">The loader's name.</param>
/// <param name="StartedAt">When it was added.</param>
/// <param name="TraceId">The trace of the request that started it, when one was being traced.</param>
public sealed record LoaderStarted(long Id, string Page, string Name, DateTimeOffset StartedAt, string? TraceId);
