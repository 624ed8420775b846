using River.Diagnostics;

namespace River.Tests.Syntax;

public sealed class DiagnosticRendererTests
{
    private static readonly SourceFile Loki = new(
        "main.alloy",
        "loki.source.file \"test\" {\n    forward_to = \"wrong\"\n    targets = [10]\n}\n");

    [Fact]
    public void RendersHeaderGutterAndCarets()
    {
        var d = Diagnostic.Error(Loki, new TextSpan(43, 50), "expected array, got string");
        Assert.Equal(
            """
            Error: main.alloy:2:18: expected array, got string

            1 | loki.source.file "test" {
            2 |     forward_to = "wrong"
              |                  ^^^^^^^
            3 |     targets = [10]

            """.ReplaceLineEndings("\n"),
            DiagnosticRenderer.Render(d));
    }

    [Fact]
    public void RendersWarningsHintsAndSeparatesDiagnostics()
    {
        var warning = Diagnostic.Warning(Loki, new TextSpan(0, 4), "deprecated", "did you mean \"x\"?");
        var error = Diagnostic.Error(Loki, new TextSpan(0, 0), "empty span");
        var text = DiagnosticRenderer.Render([warning, error]);
        Assert.StartsWith("Warning: main.alloy:1:1: deprecated\n\n1 | loki.source.file \"test\" {\n  | ^^^^\n2 |", text, StringComparison.Ordinal);
        Assert.Contains("hint: did you mean \"x\"?\n\nError: main.alloy:1:1: empty span\n", text, StringComparison.Ordinal);
        Assert.Contains("\n  | ^\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public void GutterIsRightAlignedToTheWidestLineNumber()
    {
        var source = new SourceFile("w.alloy", string.Concat(Enumerable.Range(1, 10).Select(i => $"l{i}\n")));
        var text = DiagnosticRenderer.Render(Diagnostic.Error(source, new TextSpan(27, 30), "m"));
        Assert.Contains(" 9 | l9\n10 | l10\n   | ^^^\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public void TabsAreShownAsFourSpacesAndCaretsFollowThem()
    {
        var source = new SourceFile("t.alloy", "\ta = @\n");
        var text = DiagnosticRenderer.Render(Diagnostic.Error(source, new TextSpan(5, 6), "illegal"));
        Assert.Contains("1 |     a = @\n  |         ^\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public void MultiLineSpansMarkEveryLine()
    {
        var source = new SourceFile("m.alloy", "a = {\n  b = 1,\n}\n");
        var text = DiagnosticRenderer.Render(Diagnostic.Error(source, new TextSpan(4, 16), "m"));
        Assert.Contains("1 | a = {\n  |     ^\n2 |   b = 1,\n  |   ^^^^^^\n3 | }\n  | ^\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public void WithoutASourceOnlyTheMessageIsShown()
    {
        Assert.Equal("Error: no file\n", DiagnosticRenderer.Render(Diagnostic.Error(null, TextSpan.Empty, "no file")));
    }

    [Fact]
    public void CompactFormAndSummary()
    {
        var a = Diagnostic.Error(Loki, new TextSpan(43, 50), "one");
        var b = Diagnostic.Error(Loki, new TextSpan(0, 1), "two");
        Assert.Equal("main.alloy:2:18: one\nmain.alloy:1:1: two\n", DiagnosticRenderer.RenderCompact([a, b]));
        Assert.Equal("main.alloy:2:18: one (and 1 more diagnostics)", DiagnosticRenderer.Summarize([a, b]));
        Assert.Equal(string.Empty, DiagnosticRenderer.Summarize([]));
    }

    [Fact]
    public void ColourAddsAnsiCodes()
    {
        var text = DiagnosticRenderer.Render(Diagnostic.Error(Loki, new TextSpan(43, 50), "m"), color: true);
        Assert.Contains("\u001b[1;31mError:\u001b[0m", text, StringComparison.Ordinal);
    }
}
