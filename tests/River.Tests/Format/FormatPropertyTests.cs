using River.Diagnostics;
using River.Format;
using River.Syntax;

namespace River.Tests.Format;

/// <summary>
/// Properties over every .alloy file of the golden corpus (all areas: syntax, eval, format, …) and the examples
/// folder: the formatter is idempotent, and its output parses to the same tree (spans aside) with the same comments.
/// Files that do not parse (error cases of other areas) are skipped.
/// </summary>
public sealed class FormatPropertyTests
{
    /// <summary>Every .alloy file under tests/River.Tests/Golden and examples/, relative to the repository root.</summary>
    public static TheoryData<string> CorpusFiles()
    {
        var data = new TheoryData<string>();
        foreach (var file in CorpusPaths())
        {
            data.Add(file);
        }

        return data;
    }

    private static List<string> CorpusPaths()
    {
        var data = new List<string>();
        var root = GoldenFiles.RepositoryRoot;
        foreach (var dir in new[] { GoldenFiles.GoldenRoot, Path.Combine(root, "examples") })
        {
            if (!Directory.Exists(dir))
            {
                continue;
            }

            foreach (var file in Directory.EnumerateFiles(dir, "*.alloy", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            {
                data.Add(Path.GetRelativePath(root, file));
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(CorpusFiles))]
    public void FormattingTwiceGivesTheSameTextAsOnce(string relativePath)
    {
        var once = FormatOrSkip(relativePath);
        if (once is null)
        {
            return;
        }

        var twice = RiverFormatter.Format(new SourceFile(relativePath, once));
        Assert.True(twice.Success, "formatted text does not parse:\n" + string.Join('\n', twice.Diagnostics) + "\n" + once);
        Assert.Equal(once, twice.Text);
    }

    [Theory]
    [MemberData(nameof(CorpusFiles))]
    public void FormattedTextParsesToTheSameTree(string relativePath)
    {
        var source = new SourceFile(relativePath, GoldenFiles.ReadText(Path.Combine(GoldenFiles.RepositoryRoot, relativePath)));
        var original = RiverParser.Parse(source);
        if (!original.Success)
        {
            return;
        }

        var formatted = RiverFormatter.Format(original.File!);
        var reparsed = RiverParser.Parse(new SourceFile(relativePath, formatted));
        Assert.True(reparsed.Success, "formatted text does not parse:\n" + string.Join('\n', reparsed.Diagnostics) + "\n" + formatted);
        Assert.Equal(AstShape.Dump(original.File!), AstShape.Dump(reparsed.File!));
    }

    [Theory]
    [MemberData(nameof(CorpusFiles))]
    public void FormattedTextEndsWithExactlyOneNewline(string relativePath)
    {
        var text = FormatOrSkip(relativePath);
        if (string.IsNullOrEmpty(text))
        {
            return;
        }

        Assert.EndsWith("\n", text, StringComparison.Ordinal);
        Assert.False(text.EndsWith("\n\n", StringComparison.Ordinal), "more than one newline at the end");
    }

    [Fact]
    public void TheCorpusHoldsTheFormatCases()
    {
        var files = CorpusPaths();
        Assert.Contains(files, f => f.Contains("format", StringComparison.Ordinal));
        Assert.True(files.Count >= 60, $"only {files.Count} corpus files");
    }

    private static string? FormatOrSkip(string relativePath)
    {
        var path = Path.Combine(GoldenFiles.RepositoryRoot, relativePath);
        var result = RiverFormatter.Format(new SourceFile(relativePath, GoldenFiles.ReadText(path)));
        return result.Success ? result.Text : null;
    }
}
