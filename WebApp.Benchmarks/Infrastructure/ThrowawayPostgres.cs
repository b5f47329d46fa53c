using System.Diagnostics;
using Npgsql;

namespace WebApp.Benchmarks.Infrastructure;

/// <summary>
/// A PostgreSQL server from <c>scripts/postgres.sh</c>, the repository's one launcher (a throwaway cluster on a free
/// loopback port with the stock 100 connections, or the server <c>WEBAPP_POSTGRES</c> names), with the benchmarks'
/// database <c>webapp_bench</c>; a throwaway cluster is removed on dispose.
/// </summary>
internal sealed class ThrowawayPostgres : IDisposable
{
    private readonly string? _folder;

    private ThrowawayPostgres(string connectionString, string? folder)
    {
        ConnectionString = connectionString;
        _folder = folder;
    }

    public string ConnectionString { get; }

    public bool IsThrowaway => _folder is not null;

    public static ThrowawayPostgres Start()
    {
        var folder = Path.Combine(Path.GetTempPath(), "webapp-bench-pg-" + Guid.NewGuid().ToString("N")[..12]);
        var server = RunScript("start", folder, "shared_buffers=256MB");
        var own = string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable("WEBAPP_POSTGRES"));
        var connection = new NpgsqlConnectionStringBuilder(server) { Database = "webapp_bench" }.ConnectionString;
        return new ThrowawayPostgres(connection, own ? folder : null);
    }

    public void Dispose()
    {
        if (_folder is null)
        {
            return;
        }

        NpgsqlConnection.ClearAllPools();
        RunScript("remove", _folder);
    }

    private static string RunScript(params string[] args)
    {
        var script = Path.Combine(RepoPaths.Root, "scripts", "postgres.sh");
        var info = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args.Prepend(script))
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        return process.ExitCode == 0
            ? output.Result.Trim()
            : throw new InvalidOperationException($"scripts/postgres.sh {string.Join(' ', args)} exited with {process.ExitCode}:\n{error.Result}");
    }
}
