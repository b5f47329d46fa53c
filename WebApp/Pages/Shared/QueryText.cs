namespace WebApp.Pages.Shared;

/// <summary>Free text from the query string (a search): bounded, and no control characters.</summary>
public static class QueryText
{
    /// <summary>
    /// Trims and checks a query value. Control characters (a percent-encoded NUL above all, which
    /// PostgreSQL refuses in text) are malformed input, so the caller answers 400 before any query runs.
    /// </summary>
    public static bool TryNormalize(string? value, int maxLength, out string text)
    {
        text = (value ?? "").Trim();
        return text.Length <= maxLength && !text.Any(char.IsControl);
    }
}
