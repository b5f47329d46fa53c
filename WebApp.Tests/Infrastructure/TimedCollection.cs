namespace WebApp.Tests.Infrastructure;

/// <summary>
/// The classes that hold the app to a time bound (a 504 within deadline + 500 ms, loaders starting within 1 ms of each
/// other, a client's departure noticed within seconds). xunit runs this collection after the parallel ones, one class at
/// a time, so each bound measures the app and not a machine that other test classes keep busy: on 2 cores, with every
/// other class running alongside, 8 concurrent 2 s deadlines answered after up to 2.7 s.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TimedCollection
{
    public const string Name = "Timed";
}
