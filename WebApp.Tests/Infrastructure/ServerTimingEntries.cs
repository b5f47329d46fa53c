using System.Globalization;
using System.Text.RegularExpressions;

namespace WebApp.Tests.Infrastructure;

/// <summary>A response's Server-Timing entries: each loader's name and duration (and the page's total, "load").</summary>
public static partial class ServerTimingEntries
{
    public static IReadOnlyList<(string Name, double Ms)> Durations(IEnumerable<string> headers) =>
        [.. Entry().Matches(string.Join(", ", headers))
            .Select(m => (m.Groups["name"].Value, double.Parse(m.Groups["ms"].Value, CultureInfo.InvariantCulture)))];

    [GeneratedRegex(@"(?<name>[\w.]+);dur=(?<ms>[0-9.]+)")]
    private static partial Regex Entry();
}
