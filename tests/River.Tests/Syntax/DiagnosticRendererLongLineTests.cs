using River.Diagnostics;

namespace River.Tests.Syntax;

public class DiagnosticRendererLongLineTests
{
    [Fact]
    public void AVeryLongLineIsShownAsAWindowAroundTheSpan()
    {
        var text = "a = " + new string('x', 100_000) + " +";
        var source = new SourceFile("long.alloy", text);
        var at = text.Length - 1;
        var rendered = DiagnosticRenderer.Render(Diagnostic.Error(source, new TextSpan(at, at + 1), "expected expression"));

        Assert.StartsWith("Error: long.alloy:1:", rendered, StringComparison.Ordinal);
        Assert.True(rendered.Length < 1_000, $"rendered {rendered.Length} characters");
        var lines = rendered.Split('\n');
        var sourceLine = Array.Find(lines, l => l.StartsWith("1 |", StringComparison.Ordinal))!;
        var caretLine = Array.Find(lines, l => l.Contains('^', StringComparison.Ordinal))!;
        // The caret still sits under the '+' that the span covers.
        Assert.Equal('+', sourceLine[caretLine.IndexOf('^', StringComparison.Ordinal)]);
    }

    [Fact]
    public void AShortLineIsShownWhole()
    {
        var source = new SourceFile("short.alloy", "a = b +\n");
        var rendered = DiagnosticRenderer.Render(Diagnostic.Error(source, new TextSpan(6, 7), "expected expression"));
        Assert.Contains("1 | a = b +", rendered, StringComparison.Ordinal);
        Assert.Contains("  |       ^", rendered, StringComparison.Ordinal);
    }
}
