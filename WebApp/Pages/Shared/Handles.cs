using WebApp.Data;

namespace WebApp.Pages.Shared;

/// <summary>What a handle may look like: 1–30 of a–z, 0–9 and underscore.</summary>
public static class Handles
{
    public static bool IsValid(string? handle) =>
        handle is { Length: > 0 and <= Limits.HandleMaxLength } && handle.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '_');
}
