using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Text.Json;

namespace WebApp.Tests.Infrastructure;

/// <summary>
/// The Nu Html Checker (vnu.jar, the W3C's HTML validator) run once over a set of files. The jar comes
/// from the <c>vnu-jar</c> npm package in tools/html-checker (<c>npm ci --prefix tools/html-checker</c>) or
/// <c>WEBAPP_VNU_JAR</c>; Java from <c>WEBAPP_JAVA</c>, <c>JAVA_HOME</c> or PATH (Debian: default-jre-headless).
/// Without them the calling test is skipped with a message, except under CI=true, where it fails.
/// </summary>
public static class NuHtmlChecker
{
    public const string JarVariable = "WEBAPP_VNU_JAR";
    public const string JavaVariable = "WEBAPP_JAVA";
    public const string JarInPackage = "tools/html-checker/node_modules/vnu-jar/build/dist/vnu.jar";

    /// <summary>Checks the files; returns the messages that fail a check: errors and warnings (not plain info).</summary>
    public static async Task<IReadOnlyList<Message>> CheckAsync(IReadOnlyCollection<string> files, CancellationToken cancellationToken, [CallerFilePath] string callerFile = "")
    {
        var (java, jar) = Require(callerFile);
        var start = new ProcessStartInfo(java)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in (string[])["-jar", jar, "--format", "json", "--stdout", "--exit-zero-always", .. files])
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {java}.");
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromMinutes(5)); // a JVM start and a few files take seconds, even on a busy machine
        try
        {
            var output = process.StandardOutput.ReadToEndAsync(timeout.Token);
            var errors = process.StandardError.ReadToEndAsync(timeout.Token);
            await process.WaitForExitAsync(timeout.Token);
            var json = await output;
            if (process.ExitCode != 0 || json.Length == 0)
            {
                throw new InvalidOperationException($"vnu.jar exited with {process.ExitCode}: {await errors}");
            }

            using var document = JsonDocument.Parse(json);
            return [.. document.RootElement.GetProperty("messages").EnumerateArray()
                .Select(Message.From)
                .Where(m => m.Fails)];
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
    }

    private static (string Java, string Jar) Require(string callerFile)
    {
        var repository = Path.GetDirectoryName(Path.GetDirectoryName(Path.GetDirectoryName(callerFile)))!; // …/WebApp.Tests/Infrastructure/NuHtmlChecker.cs → repository root
        var jar = Environment.GetEnvironmentVariable(JarVariable) is { Length: > 0 } configured ? configured : Path.Combine(repository, JarInPackage);
        var java = FindJava();
        string? missing = null;
        if (java is null)
        {
            missing = $"Java was not found (set {JavaVariable} or JAVA_HOME, or apt-get install default-jre-headless).";
        }
        else if (!File.Exists(jar))
        {
            missing = $"vnu.jar was not found at {jar} (npm ci --prefix tools/html-checker, or set {JarVariable}).";
        }

        if (missing is not null)
        {
            if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
            {
                Assert.Fail("The Nu Html Checker cannot run: " + missing + " (CI=true: the HTML check must run.)");
            }

            Assert.Skip("The Nu Html Checker cannot run: " + missing);
        }

        return (java!, jar);
    }

    private static string? FindJava()
    {
        if (Environment.GetEnvironmentVariable(JavaVariable) is { Length: > 0 } configured)
        {
            return File.Exists(configured) ? configured : null;
        }

        var folders = new List<string>();
        if (Environment.GetEnvironmentVariable("JAVA_HOME") is { Length: > 0 } home)
        {
            folders.Add(Path.Combine(home, "bin"));
        }

        folders.AddRange((Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries));
        return folders.Select(folder => Path.Combine(folder, "java")).FirstOrDefault(File.Exists);
    }

    /// <summary>One finding: its type ("error", "warning", "info", or "non-document-error" for a file vnu could not read).</summary>
    public sealed record Message(string Type, string File, int Line, int Column, string Text, string Extract)
    {
        public bool Fails => Type is not "info";

        public static Message From(JsonElement message)
        {
            var type = message.GetProperty("type").GetString() ?? "";
            if (type == "info" && message.TryGetProperty("subType", out var subType))
            {
                type = subType.GetString() ?? type; // vnu reports warnings as info with subType "warning"
            }

            return new Message(
                type,
                message.TryGetProperty("url", out var url) ? Uri.UnescapeDataString(url.GetString()!.Split('/')[^1]) : "", // "file:/tmp/…/home.html"
                message.TryGetProperty("lastLine", out var line) ? line.GetInt32() : 0,
                message.TryGetProperty("firstColumn", out var column) ? column.GetInt32() : 0,
                message.GetProperty("message").GetString() ?? "",
                message.TryGetProperty("extract", out var extract) ? extract.GetString()!.ReplaceLineEndings("⏎") : "");
        }

        public override string ToString() => $"{File}:{Line}:{Column}: {Type}: {Text}\n    {Extract}";
    }
}
