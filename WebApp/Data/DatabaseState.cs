namespace WebApp.Data;

/// <summary>
/// Whether the start-up work on the database (migrations, seeding) is done. Until it is, pages answer 503 and the
/// instance is not ready; <see cref="DatabaseInitializer"/> keeps retrying in the background meanwhile.
/// </summary>
public sealed class DatabaseState
{
    private volatile bool _initialized;
    private volatile string _pending = "The database has not been initialized yet.";

    public bool Initialized => _initialized;

    /// <summary>Why it is not initialized yet (the last failure), for the readiness report.</summary>
    public string Pending => _pending;

    internal void MarkInitialized() => _initialized = true;

    internal void MarkPending(string reason) => _pending = reason;
}
