using River.Diagnostics;
using River.Syntax;

namespace River.Tests.Syntax;

/// <summary>
/// Golden files in tests/River.Tests/Golden/syntax/NNN-name/: <c>input.alloy</c> is parsed; <c>expected.txt</c> holds
/// the AST dump with positions when it parses, or the diagnostics (compact, then rendered) when it does not.
/// Set RIVER_UPDATE_GOLDEN=1 to rewrite the expected files after a deliberate change, then review the diff.
/// </summary>
public sealed class SyntaxGoldenTests
{
    public static TheoryData<string> Cases()
    {
        var data = new TheoryData<string>();
        foreach (var dir in Directory.GetDirectories(RepoPaths.GoldenSyntax).Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileName(dir));
        }

        return data;
    }

    /// <summary>What a golden case's expected.txt holds for a given input.</summary>
    internal static string Describe(string path, byte[] input)
    {
        var result = RiverParser.Parse(path, input);
        if (result.File is not null)
        {
            Assert.Empty(result.Diagnostics);
            return "parsed\n" + AstPrinter.Dump(result.File, positions: true);
        }

        Assert.NotEmpty(result.Diagnostics);
        return "errors\n" + DiagnosticRenderer.RenderCompact(result.Diagnostics) + "\n" + DiagnosticRenderer.Render(result.Diagnostics);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void GoldenCaseMatchesExpectedOutput(string name)
    {
        var dir = Path.Combine(RepoPaths.GoldenSyntax, name);
        var input = File.ReadAllBytes(Path.Combine(dir, "input.alloy"));
        var actual = Describe("input.alloy", input);
        var expectedPath = Path.Combine(dir, "expected.txt");
        if (RepoPaths.UpdateGolden)
        {
            File.WriteAllText(expectedPath, actual);
            return;
        }

        Assert.True(File.Exists(expectedPath), $"{expectedPath} is missing; run with RIVER_UPDATE_GOLDEN=1 to create it");
        Assert.Equal(File.ReadAllText(expectedPath), actual);
    }

    [Fact]
    public void ThereAreAtLeastEightyGoldenCases()
    {
        Assert.True(Cases().Count >= 80, $"only {Cases().Count} golden syntax cases");
    }
}
