using System.Globalization;

namespace WebApp.Pages.Shared;

/// <summary>Parses the <c>page</c> query value: absent or blank is 1; anything but a positive integer is invalid.</summary>
public static class PageNumber
{
    /// <summary>The highest page number accepted.</summary>
    public const int Max = 100_000;

    public static bool TryParse(string? value, out int page)
    {
        page = 1;
        if (string.IsNullOrWhiteSpace(value))
        {
            return true;
        }

        return int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out page)
            && page is >= 1 and <= Max;
    }
}
