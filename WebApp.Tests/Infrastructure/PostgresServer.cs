using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace WebApp.Tests.Infrastructure;

/// <summary>
/// The PostgreSQL server the tests use: <c>WEBAPP_TEST_POSTGRES</c> when set, else a throwaway cluster
/// started from the local binaries (initdb + pg_ctl, in a temporary folder, on a free port; as the
/// postgres user when running as root) and removed afterwards. <see cref="TestEnvironment"/> owns it.
/// </summary>
public sealed class PostgresServer : IAsyncDisposable
{
    public const string EnvironmentVariable = "WEBAPP_TEST_POSTGRES";

    private readonly string? _folder;
    private readonly string? _binaries;

    private PostgresServer(string? adminConnectionString, string? unavailableReason, string? folder, string? binaries)
    {
        AdminConnectionString = adminConnectionString;
        UnavailableReason = unavailableReason;
        _folder = folder;
        _binaries = binaries;
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
        var configured = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return new PostgresServer(configured, null, null, null);
        }

        var binaries = FindBinaries();
        if (binaries is null)
        {
            return new PostgresServer(null, "no initdb/pg_ctl found on PATH or under /usr/lib/postgresql.", null, null);
        }

        var folder = Directory.CreateTempSubdirectory("webapp-pg-").FullName;
        var data = Path.Combine(folder, "data");
        var asRoot = Environment.UserName == "root";
        if (asRoot)
        {
            await RunAsync("chown", ["postgres:postgres", folder], asPostgres: false);
        }

        var port = FreePort();
        await RunAsync(Path.Combine(binaries, "initdb"), ["-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync"], asRoot);
        // Above the stock 100 on purpose: this one test process hosts many apps at once (a pool each, plus the
        // fault matrix's and the 200-request test's hosts), which no single deployment does.
        var serverOptions = $"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300";
        await RunAsync(Path.Combine(binaries, "pg_ctl"), ["-D", data, "-o", serverOptions, "-l", Path.Combine(folder, "server.log"), "-w", "-t", "60", "start"], asRoot);

        var admin = $"Host=127.0.0.1;Port={port};Username=postgres;Database=postgres;Pooling=true";
        return new PostgresServer(admin, null, folder, binaries);
    }

    public async ValueTask DisposeAsync()
    {
        if (_folder is null || _binaries is null)
        {
            return;
        }

        NpgsqlConnection.ClearAllPools();
        await RunAsync(Path.Combine(_binaries, "pg_ctl"), ["-D", Path.Combine(_folder, "data"), "-m", "immediate", "-w", "stop"], Environment.UserName == "root");
        Directory.Delete(_folder, recursive: true);
    }

    private static string? FindBinaries()
    {
        var path = Environment.GetEnvironmentVariable("PATH")?.Split(':') ?? [];
        var candidates = path.Concat(Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").OrderDescending().Select(d => Path.Combine(d, "bin"))
            : []);
        return candidates.FirstOrDefault(d => File.Exists(Path.Combine(d, "initdb")) && File.Exists(Path.Combine(d, "pg_ctl")));
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static ProcessStartInfo StartInfo(string file, string[] args, bool asPostgres)
    {
        var info = new ProcessStartInfo(asPostgres ? "runuser" : file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetTempPath(),
        };
        if (asPostgres)
        {
            foreach (var arg in new[] { "-u", "postgres", "--", file })
            {
                info.ArgumentList.Add(arg);
            }
        }

        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        return info;
    }

    private static async Task RunAsync(string file, string[] args, bool asPostgres)
    {
        using var process = Process.Start(StartInfo(file, args, asPostgres))!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} exited with {process.ExitCode}:\n{await output}\n{await error}");
        }
    }
}
