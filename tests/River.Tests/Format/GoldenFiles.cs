namespace River.Tests.Format;

/// <summary>Finds the golden test data (tests/River.Tests/Golden) from wherever the test assembly runs.</summary>
internal static class GoldenFiles
{
    private static readonly Lazy<string> Root = new(FindRoot);

    /// <summary>tests/River.Tests/Golden in the source tree.</summary>
    public static string GoldenRoot => Root.Value;

    /// <summary>The repository root: the directory that holds Beyla.River.sln.</summary>
    public static string RepositoryRoot => Path.GetFullPath(Path.Combine(GoldenRoot, "..", "..", ".."));

    /// <summary>True when RIVER_UPDATE_GOLDEN=1: expected files are rewritten instead of compared.</summary>
    public static bool UpdateRequested => Environment.GetEnvironmentVariable("RIVER_UPDATE_GOLDEN") == "1";

    /// <summary>Reads a file exactly (no newline translation; a UTF-8 BOM is removed as the CLI does).</summary>
    public static string ReadText(string path) => File.ReadAllText(path);

    private static string FindRoot()
    {
        // Walk up from the test binaries (bin/Debug/net10.0) to the directory containing the solution.
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Beyla.River.sln")))
            {
                return Path.Combine(dir.FullName, "tests", "River.Tests", "Golden");
            }
        }

        throw new DirectoryNotFoundException(
            $"Beyla.River.sln not found above {AppContext.BaseDirectory}; the golden tests run from the source tree.");
    }
}
