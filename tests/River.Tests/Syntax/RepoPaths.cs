namespace River.Tests.Syntax;

/// <summary>Finds files of the repository at run time (test data is not copied to the output directory).</summary>
internal static class RepoPaths
{
    private static readonly Lazy<string> RootPath = new(FindRoot);

    /// <summary>The directory that holds Beyla.River.sln.</summary>
    public static string Root => RootPath.Value;

    public static string GoldenSyntax => Path.Combine(Root, "tests", "River.Tests", "Golden", "syntax");

    /// <summary>True when RIVER_UPDATE_GOLDEN=1: golden tests rewrite their expected files instead of comparing.</summary>
    public static bool UpdateGolden => Environment.GetEnvironmentVariable("RIVER_UPDATE_GOLDEN") == "1";

    private static string FindRoot()
    {
        // An explicit root wins (useful when the tests run from a copy built outside the tree).
        if (Environment.GetEnvironmentVariable("RIVER_REPO_ROOT") is { Length: > 0 } root)
        {
            return root;
        }

        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Beyla.River.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"no Beyla.River.sln above {AppContext.BaseDirectory}");
    }
}
