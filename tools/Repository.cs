namespace WebApp.Tools;

/// <summary>
/// Where the repository is: the folder holding WebApp.sln, above the working folder or the program's folder. One file,
/// compiled into the tests and the benchmarks (a linked file), which both run from their build output.
/// </summary>
internal static class Repository
{
    public static string Root { get; } = Find();

    public static string PathOf(params string[] parts) => Path.Combine([Root, .. parts]);

    private static string Find()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "WebApp.sln")))
                {
                    return dir.FullName;
                }
            }
        }

        throw new InvalidOperationException("WebApp.sln not found above the working folder or the program's folder.");
    }
}
