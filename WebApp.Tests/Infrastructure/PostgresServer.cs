using System.Diagnostics;
using Npgsql;
using WebApp.Tools;

namespace WebApp.Tests.Infrastructure;

/// <summary>
/// The PostgreSQL server the tests use, from <c>scripts/postgres.sh</c> (the repository's one launcher): a throwaway
/// cluster from the local binaries, or the server <c>WEBAPP_POSTGRES</c> names. <see cref="TestEnvironment"/> owns it.
/// </summary>
public sealed class PostgresServer : IAsyncDisposable
{
    public const string EnvironmentVariable = "WEBAPP_POSTGRES";

    private readonly string? _folder;

    private PostgresServer(string? adminConnectionString, string? unavailableReason, string? folder)
    {
        AdminConnectionString = adminConnectionString;
        UnavailableReason = unavailableReason;
        _folder = folder;
    }

    /// <summary>A superuser connection string, or null when no server could be had.</summary>
    public string? AdminConnectionString { get; }

    public string? UnavailableReason { get; }

    /// <summary>The run's server (<see cref="TestEnvironment"/> starts and stops it).</summary>
    public static Task<PostgresServer> GetAsync() => Task.FromResult(TestEnvironment.Current.Postgres);

    /// <summary>Skips the calling test when PostgreSQL is unavailable, except under CI=true, where it fails.</summary>
    public string RequireConnectionString()
    {
        if (AdminConnectionString is not null)
        {
            return AdminConnectionString;
        }

        var message = $"PostgreSQL is not available: {UnavailableReason} " +
            $"Install PostgreSQL (apt-get install postgresql) or set {EnvironmentVariable} to a superuser connection string.";
        if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
        {
            Assert.Fail(message + " (CI=true: PostgreSQL tests must run.)");
        }

        Assert.Skip(message);
        return "";
    }

    public string ConnectionStringFor(string database) =>
        new NpgsqlConnectionStringBuilder(RequireConnectionString()) { Database = database }.ConnectionString;

    /// <summary>Starts the server the run uses; called once, by <see cref="TestEnvironment"/>.</summary>
    internal static async Task<PostgresServer> StartAsync()
    {
        var folder = Path.Combine(Path.GetTempPath(), "webapp-pg-" + Guid.NewGuid().ToString("N")[..12]);
        // Above the stock 100 on purpose: this one test process hosts many apps at once (a pool each, plus the
        // fault matrix's and the 200-request test's hosts), which no single deployment does.
        // Removed by DisposeAsync at the end of the run, or, should this process be killed first, by the script's watcher.
        var (exit, output, error) = await RunScriptAsync(Environment.ProcessId, "start", folder, "max_connections=300");
        if (exit != 0)
        {
            return new PostgresServer(null, error.Trim(), null);
        }

        var own = string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(EnvironmentVariable));
        return new PostgresServer(output.Trim(), null, own ? folder : null);
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        if (_folder is not null)
        {
            await RunScriptAsync(null, "remove", _folder);
        }
    }

    /// <summary>Runs this repository's <c>scripts/postgres.sh</c>; a server it starts goes when <paramref name="owner"/> ends.</summary>
    internal static async Task<(int Exit, string Output, string Error)> RunScriptAsync(int? owner, params string[] args)
    {
        var info = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        if (owner is { } pid)
        {
            info.Environment["WEBAPP_POSTGRES_OWNER"] = pid.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        info.ArgumentList.Add(Repository.PathOf("scripts", "postgres.sh"));
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await output, await error);
    }
}
