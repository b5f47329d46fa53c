using System.Text;
using Microsoft.EntityFrameworkCore;

namespace WebApp.Data;

/// <summary>
/// The directory's search key: the handle and display name folded by the app (compatibility-normalized, then
/// invariant upper- and lower-cased, so "Élodie", "ÉLODIE" and "élodie", or "Мария" and "мария", fold alike) and
/// stored in <c>users.search_key</c>. The query is folded the same way and matched with LIKE, so both providers
/// return the same rows whatever the script: neither database's own case rules are involved.
/// </summary>
public static class SearchKey
{
    /// <summary>Between the two names; a search text never contains it (control characters are refused).</summary>
    public const char Separator = '\n';

    /// <summary>The escape character of <see cref="ContainsPattern"/>.</summary>
    public const string LikeEscape = "\\";

    public static string Fold(string text) =>
        text.Normalize(NormalizationForm.FormKC).ToUpperInvariant().ToLowerInvariant();

    public static string For(string handle, string displayName) => Fold(handle) + Separator + Fold(displayName);

    /// <summary>A LIKE pattern matching keys that contain the folded <paramref name="query"/>, its wildcards taken literally.</summary>
    public static string ContainsPattern(string query)
    {
        var folded = Fold(query);
        var pattern = new StringBuilder(folded.Length + 2).Append('%');
        foreach (var c in folded)
        {
            if (c is '%' or '_' or '\\')
            {
                pattern.Append('\\');
            }

            pattern.Append(c);
        }

        return pattern.Append('%').ToString();
    }

    /// <summary>
    /// The folded <paramref name="query"/> as an FTS5 phrase for SQLite's trigram index (<c>users_search</c>), or null
    /// when it is shorter than one trigram (three characters) and the index cannot answer it. A phrase of trigrams
    /// matches exactly the keys that contain the text; inside the quotes only a quote is special.
    /// </summary>
    public static string? TrigramPhrase(string query)
    {
        var folded = Fold(query);
        return folded.EnumerateRunes().Take(3).Count() < 3 ? null : '"' + folded.Replace("\"", "\"\"") + '"';
    }

    /// <summary>
    /// Fills the key of rows written before the column existed (the migration that added it cannot run the app's
    /// folding). A no-op once every row has one.
    /// </summary>
    public static async Task<int> BackfillAsync(AppDbContext db, CancellationToken cancellationToken)
    {
        var filled = 0;
        while (true)
        {
            var users = await db.Users.AsTracking().Where(u => u.SearchKey == "").OrderBy(u => u.Id).Take(2000).ToListAsync(cancellationToken);
            if (users.Count == 0)
            {
                return filled;
            }

            foreach (var user in users)
            {
                user.SearchKey = For(user.Handle, user.DisplayName);
            }

            await db.SaveChangesAsync(cancellationToken);
            db.ChangeTracker.Clear();
            filled += users.Count;
        }
    }
}
