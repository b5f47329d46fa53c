namespace Upfront.Loading;

/// <summary>One finished page load: every loader's timing, in the order they were added.</summary>
/// <param name="Page">The page (group) name.</param>
/// <param name="StartedAt">When the group was created.</param>
/// <param name="Duration">From the group's creation to the end of its wait.</param>
/// <param name="Loaders">The loaders' timings.</param>
/// <param name="TraceId">The trace of the request, when one was being traced.</param>
public sealed record PageLoad(string Page, DateTimeOffset StartedAt, TimeSpan Duration, IReadOnlyList<LoaderTiming> Loaders, string? TraceId);
