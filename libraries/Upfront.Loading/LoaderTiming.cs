namespace Upfront.Loading;

/// <summary>
/// How one loader went. <see cref="StartOffset"/> runs from the group's start to the moment the loader's body ran
/// (after waiting for a slot when concurrency is bounded), or to when it was added if it never ran.
/// </summary>
/// <param name="Page">The page (group) the loader belongs to.</param>
/// <param name="Name">The loader's name, as it was added.</param>
/// <param name="Optional">True for an optional loader.</param>
/// <param name="StartOffset">From the group's start to the start of the loader's body.</param>
/// <param name="Duration">How long the body ran.</param>
/// <param name="Outcome">How it ended.</param>
public sealed record LoaderTiming(string Page, string Name, bool Optional, TimeSpan StartOffset, TimeSpan Duration, LoaderOutcome Outcome);
