using System.Text.RegularExpressions;
using AngleSharp.Dom;

namespace Upfront.Testing;

/// <summary>What changes between runs or builds, replaced by a placeholder before a snapshot is compared.</summary>
public static partial class HtmlScrubbers
{
    /// <summary><see cref="Nonces"/>, <see cref="AntiforgeryTokens"/> and <see cref="AssetVersions"/>.</summary>
    public static IReadOnlyList<Action<IDocument>> Defaults { get; } = [Nonces, AntiforgeryTokens, AssetVersions];

    /// <summary>Every <c>nonce</c> attribute, and a nonce inside a CSP <c>&lt;meta&gt;</c>, becomes <c>[nonce]</c>.</summary>
    public static void Nonces(IDocument document)
    {
        ArgumentNullException.ThrowIfNull(document);
        foreach (var element in document.QuerySelectorAll("[nonce]"))
        {
            element.SetAttribute("nonce", "[nonce]");
        }

        foreach (var meta in document.QuerySelectorAll("meta[http-equiv]"))
        {
            if (string.Equals(meta.GetAttribute("http-equiv"), "Content-Security-Policy", StringComparison.OrdinalIgnoreCase)
                && meta.GetAttribute("content") is { } policy)
            {
                meta.SetAttribute("content", CspNonce().Replace(policy, "'nonce-[nonce]'"));
            }
        }
    }

    /// <summary>ASP.NET Core's antiforgery field (<c>__RequestVerificationToken</c>) gets the value <c>[antiforgery]</c>.</summary>
    public static void AntiforgeryTokens(IDocument document)
    {
        ArgumentNullException.ThrowIfNull(document);
        foreach (var input in document.QuerySelectorAll("input[name=__RequestVerificationToken]"))
        {
            input.SetAttribute("value", "[antiforgery]");
        }
    }

    /// <summary>
    /// An asset URL's version: <c>MapStaticAssets</c>' fingerprint (<c>site.[hash].css</c>) and
    /// <c>asp-append-version</c>'s query (<c>?v=[hash]</c>), in <c>href</c> and <c>src</c>.
    /// </summary>
    public static void AssetVersions(IDocument document)
    {
        ArgumentNullException.ThrowIfNull(document);
        foreach (var element in document.QuerySelectorAll("[href], [src]"))
        {
            foreach (var attribute in (ReadOnlySpan<string>)["href", "src"])
            {
                if (element.GetAttribute(attribute) is { } url)
                {
                    element.SetAttribute(attribute, AppendedVersion().Replace(Fingerprint().Replace(url, ".[hash].$1"), "$1v=[hash]"));
                }
            }
        }
    }

    // MapStaticAssets' content fingerprint: name.[a-z0-9]{10}.ext
    [GeneratedRegex(@"\.[a-z0-9]{10}\.(css|js|mjs|svg|png|jpg|webp|ico|woff2?)$")]
    private static partial Regex Fingerprint();

    // asp-append-version: ?v= followed by a base64url SHA-256.
    [GeneratedRegex(@"([?&])v=[A-Za-z0-9_-]{20,}")]
    private static partial Regex AppendedVersion();

    [GeneratedRegex(@"'nonce-[A-Za-z0-9+/=_-]+'")]
    private static partial Regex CspNonce();
}
