using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace WebApp.Benchmarks.Infrastructure;

/// <summary>
/// <c>WEBAPP_BENCH_POSTGRES</c> when set, else a throwaway cluster from the local binaries on a free loopback port
/// (as the postgres user when running as root), like the tests' PostgresServer; removed on dispose.
/// </summary>
internal sealed class ThrowawayPostgres : IDisposable
{
    public const string EnvironmentVariable = "WEBAPP_BENCH_POSTGRES";

    private readonly string? _folder;
    private readonly string? _binaries;

    private ThrowawayPostgres(string connectionString, string? folder, string? binaries)
    {
        ConnectionString = connectionString;
        _folder = folder;
        _binaries = binaries;
    }

    public string ConnectionString { get; }

    public bool IsThrowaway => _folder is not null;

    public static ThrowawayPostgres Start()
    {
        var configured = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return new ThrowawayPostgres(configured, null, null);
        }

        var binaries = (Directory.Exists("/usr/lib/postgresql") ? Directory.GetDirectories("/usr/lib/postgresql").OrderDescending().Select(d => Path.Combine(d, "bin")) : [])
            .FirstOrDefault(d => File.Exists(Path.Combine(d, "initdb")))
            ?? throw new InvalidOperationException($"No PostgreSQL binaries under /usr/lib/postgresql; install postgresql or set {EnvironmentVariable}.");
        var folder = Directory.CreateTempSubdirectory("webapp-bench-pg-").FullName;
        var asRoot = Environment.UserName == "root";
        if (asRoot)
        {
            Run("chown", ["postgres:postgres", folder], asPostgres: false);
        }

        var data = Path.Combine(folder, "data");
        int port;
        using (var listener = new TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            port = ((IPEndPoint)listener.LocalEndpoint).Port;
        }

        Run(Path.Combine(binaries, "initdb"), ["-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync"], asRoot);
        var options = $"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=100 -c shared_buffers=256MB";
        Run(Path.Combine(binaries, "pg_ctl"), ["-D", data, "-o", options, "-l", Path.Combine(folder, "server.log"), "-w", "-t", "60", "start"], asRoot);
        return new ThrowawayPostgres($"Host=127.0.0.1;Port={port};Username=postgres;Database=webapp_bench", folder, binaries);
    }

    public void Dispose()
    {
        if (_folder is null || _binaries is null)
        {
            return;
        }

        Npgsql.NpgsqlConnection.ClearAllPools();
        Run(Path.Combine(_binaries, "pg_ctl"), ["-D", Path.Combine(_folder, "data"), "-m", "immediate", "-w", "stop"], Environment.UserName == "root");
        Directory.Delete(_folder, recursive: true);
    }

    private static void Run(string file, string[] args, bool asPostgres)
    {
        var info = new ProcessStartInfo(asPostgres ? "runuser" : file) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Path.GetTempPath() };
        foreach (var arg in (asPostgres ? new[] { "-u", "postgres", "--", file } : []).Concat(args))
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} exited with {process.ExitCode}:\n{output.Result}\n{error.Result}");
        }
    }
}
