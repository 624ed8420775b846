using River.Diagnostics;
using River.Format;
using River.Syntax;

namespace River.Tests.Format;

/// <summary>
/// Golden cases in tests/River.Tests/Golden/format/NNN-name/: <c>input.alloy</c> formats to exactly
/// <c>expected.alloy</c>. Set RIVER_UPDATE_GOLDEN=1 to rewrite the expected files after an intended change.
/// </summary>
public sealed class FormatGoldenTests
{
    private static string FormatDirectory => Path.Combine(GoldenFiles.GoldenRoot, "format");

    /// <summary>Every case folder, by name.</summary>
    public static TheoryData<string> Cases()
    {
        var data = new TheoryData<string>();
        foreach (var dir in Directory.GetDirectories(FormatDirectory).Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileName(dir));
        }

        return data;
    }

    [Fact]
    public void ThereAreAtLeastThirtyGoldenCases()
    {
        var cases = Directory.GetDirectories(FormatDirectory);
        Assert.True(cases.Length >= 30, $"only {cases.Length} format cases");
        foreach (var dir in cases)
        {
            Assert.True(File.Exists(Path.Combine(dir, "input.alloy")), $"{dir} has no input.alloy");
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void InputFormatsToTheExpectedFile(string caseName)
    {
        var dir = Path.Combine(FormatDirectory, caseName);
        var inputPath = Path.Combine(dir, "input.alloy");
        var expectedPath = Path.Combine(dir, "expected.alloy");
        var input = GoldenFiles.ReadText(inputPath);

        var result = RiverFormatter.Format(new SourceFile(inputPath, input));
        Assert.True(result.Success, string.Join('\n', result.Diagnostics));
        var actual = result.Text!;

        if (GoldenFiles.UpdateRequested)
        {
            File.WriteAllText(expectedPath, actual);
            return;
        }

        Assert.True(File.Exists(expectedPath), $"{expectedPath} is missing; run with RIVER_UPDATE_GOLDEN=1 to create it");
        Assert.Equal(GoldenFiles.ReadText(expectedPath), actual);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void ExpectedFileIsAlreadyFormatted(string caseName)
    {
        var expectedPath = Path.Combine(FormatDirectory, caseName, "expected.alloy");
        var expected = GoldenFiles.ReadText(expectedPath);

        var result = RiverFormatter.Format(new SourceFile(expectedPath, expected));
        Assert.True(result.Success, string.Join('\n', result.Diagnostics));
        Assert.Equal(expected, result.Text);
        Assert.True(result.IsUnchanged(expected));
    }

    [Fact]
    public void SyntaxErrorsAreReturnedInsteadOfText()
    {
        var result = RiverFormatter.Format("bad.alloy", "a = [1,\n2\n]\n");
        Assert.False(result.Success);
        Assert.Null(result.Text);
        Assert.Contains(result.Diagnostics, d => d.Severity == Severity.Error && d.Location.StartsWith("bad.alloy:", StringComparison.Ordinal));
    }

    [Fact]
    public void WindowsLineEndingsBecomeUnixLineEndingsEverywhere()
    {
        var input = "// head\r\nshort = 1\r\nlonger_name = `raw\r\nstring`\r\n\r\n\r\nblk \"x\" {\r\n  /* a\r\n  b */\r\n  v = [\r\n    1,\r\n  ]\r\n}\r\n";
        var result = RiverFormatter.Format("crlf.alloy", input);
        Assert.True(result.Success, string.Join('\n', result.Diagnostics));
        Assert.DoesNotContain('\r', result.Text!);
        Assert.Equal(
            "// head\nshort       = 1\nlonger_name = `raw\nstring`\n\nblk \"x\" {\n\t/* a\n  b */\n\tv = [\n\t\t1,\n\t]\n}\n",
            result.Text);
    }

    [Fact]
    public void AnEmptyFileFormatsToNothing()
    {
        Assert.Equal(string.Empty, RiverFormatter.Format("empty.alloy", string.Empty).Text);
        Assert.Equal(string.Empty, RiverFormatter.Format("blank.alloy", "\n\n  \t\n").Text);
    }

    [Fact]
    public void AFileOfOnlyCommentsKeepsThem()
    {
        var result = RiverFormatter.Format("c.alloy", "\n\n// one\n\n\n\n/* two */   \n");
        Assert.Equal("// one\n\n/* two */\n", result.Text);
    }

    [Fact]
    public void FormattingTheParsedTreeDirectlyGivesTheSameText()
    {
        var source = new SourceFile("t.alloy", "a=1\nbb  =  [1,2]\n");
        var parsed = RiverParser.Parse(source);
        Assert.True(parsed.Success);
        Assert.Equal("a  = 1\nbb = [1, 2]\n", RiverFormatter.Format(parsed.File!));
    }
}
