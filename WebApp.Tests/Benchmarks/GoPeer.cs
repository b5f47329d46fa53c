using System.Diagnostics;
using System.Net;
using System.Text;
using Npgsql;
using WebApp.Tests.Infrastructure;
using WebApp.Tools;

namespace WebApp.Tests.Benchmarks;

/// <summary>
/// The Go peer of the profile page (benchmarks/peers/go), built with Debian's Go toolchain in GOPATH mode
/// (GO111MODULE=off, the libraries from golang-*-dev packages under /usr/share/gocode) and run as a process on
/// a free loopback port. Without <c>go</c> the calling test is skipped, except under CI=true, where it fails.
/// </summary>
public sealed class GoPeer : IAsyncDisposable
{
    public const string Gopath = "/usr/share/gocode";

    private readonly Process _process;
    private readonly StringBuilder _log;

    private GoPeer(Process process, StringBuilder log, Uri address)
    {
        _process = process;
        _log = log;
        Address = address;
    }

    public Uri Address { get; }

    /// <summary>What the peer wrote to stderr so far (its log).</summary>
    public string Log
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    /// <summary>Builds the peer into a new folder of the run's and returns the binary's path.</summary>
    public static async Task<string> BuildAsync(CancellationToken cancellationToken)
    {
        var go = RequireGo();
        var source = Repository.PathOf("benchmarks", "peers", "go");
        var binary = Path.Combine(TestEnvironment.Current.NewFolder("go-peer-"), "peer");
        var start = new ProcessStartInfo(go) { WorkingDirectory = source, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in (string[])["build", "-o", binary, "."])
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["GO111MODULE"] = "off";
        start.Environment["GOPATH"] = Gopath;
        start.Environment["GOFLAGS"] = "";
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable("GOCACHE"))
            && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("HOME"))
            && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("XDG_CACHE_HOME")))
        {
            start.Environment["GOCACHE"] = Path.Combine(Path.GetTempPath(), "webapp-go-cache");
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {go}.");
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromMinutes(5)); // a cold build compiles lib/pq and the standard library's net/http
        try
        {
            var output = process.StandardOutput.ReadToEndAsync(timeout.Token);
            var errors = process.StandardError.ReadToEndAsync(timeout.Token);
            await process.WaitForExitAsync(timeout.Token);
            Assert.True(process.ExitCode == 0, $"go build failed ({process.ExitCode}):\n{await output}{await errors}");
            return binary;
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
    }

    /// <summary>Starts <paramref name="binary"/> on the database of <paramref name="npgsqlConnectionString"/>, with "now" pinned.</summary>
    public static async Task<GoPeer> StartAsync(string binary, string npgsqlConnectionString, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var port = Ports.FreeLoopback();
        var start = new ProcessStartInfo(binary) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.Environment["PEER_ADDR"] = $"127.0.0.1:{port}";
        start.Environment["PEER_DATABASE_URL"] = LibPqConnectionString(npgsqlConnectionString);
        start.Environment["PEER_NOW"] = now.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["PEER_MAX_CONNS"] = "10";

        var log = new StringBuilder();
        var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {binary}.");
        DataReceivedEventHandler append = (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (log)
                {
                    log.AppendLine(e.Data);
                }
            }
        };
        process.OutputDataReceived += append;
        process.ErrorDataReceived += append;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        var peer = new GoPeer(process, log, new Uri($"http://127.0.0.1:{port}/"));
        try
        {
            using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
            await Eventually.HoldsAsync(TimeSpan.FromSeconds(30), async () =>
            {
                Assert.False(process.HasExited, $"The Go peer exited with {(process.HasExited ? process.ExitCode : 0)}:\n{peer.Log}");
                try
                {
                    using var response = await client.GetAsync(new Uri(peer.Address, "healthz"), cancellationToken);
                    return response.StatusCode == HttpStatusCode.OK;
                }
                catch (HttpRequestException)
                {
                    return false;
                }
            }, () => $"The Go peer did not answer /healthz:\n{peer.Log}");
            return peer;
        }
        catch
        {
            await peer.DisposeAsync();
            throw;
        }
    }

    /// <summary>An Npgsql connection string as lib/pq's key=value form.</summary>
    public static string LibPqConnectionString(string npgsqlConnectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(npgsqlConnectionString);
        var parts = new List<string>
        {
            $"host={Quote(builder.Host ?? "localhost")}",
            $"port={builder.Port}",
            $"dbname={Quote(builder.Database ?? "postgres")}",
            "sslmode=disable",
        };
        if (!string.IsNullOrEmpty(builder.Username))
        {
            parts.Add($"user={Quote(builder.Username)}");
        }

        if (!string.IsNullOrEmpty(builder.Password))
        {
            parts.Add($"password={Quote(builder.Password)}");
        }

        return string.Join(' ', parts);

        static string Quote(string value) => "'" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "\\'", StringComparison.Ordinal) + "'";
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync(CancellationToken.None);
        }

        _process.Dispose();
    }

    private static string RequireGo()
    {
        var go = (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(folder => Path.Combine(folder, "go"))
            .FirstOrDefault(File.Exists);
        if (go is not null)
        {
            return go;
        }

        var message = "Go was not found on PATH: apt-get install golang-go golang-github-gorilla-mux-dev golang-golang-x-sync-dev golang-github-lib-pq-dev (.ci/run does).";
        if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
        {
            Assert.Fail(message + " (CI=true: the Go peer's test must run.)");
        }

        Assert.Skip(message);
        return "";
    }
}
