using System.Globalization;
using System.Text;

namespace River.Diagnostics;

/// <summary>
/// Renders diagnostics for people, the way Alloy's <c>diag.Fprint</c> does: a header
/// <c>Error: path:line:col: message</c>, a blank line, the source lines around the span with a right-aligned
/// line-number gutter (<c>N | text</c>), a marker line of carets under the span, and a hint line when there is one.
/// Tabs are shown as four spaces. A blank line separates diagnostics.
/// </summary>
/// <example>
/// <code>
/// Error: main.alloy:2:15: expected array, got string
///
/// 1 | loki.source.file "test" {
/// 2 |     forward_to = "wrong"
///   |                  ^^^^^^^
/// 3 |     targets = [10]
/// </code>
/// </example>
public static class DiagnosticRenderer
{
    private const int TabWidth = 4;

    // A span over more lines than this shows its first and last lines around a "..." line.
    private const int MaxSpanLines = 6;

    // Source lines longer than this are shown as a window of this many characters around the span.
    private const int MaxLineWidth = 160;

    private const string Ellipsis = "…";

    /// <summary>Renders every diagnostic in full, separated by blank lines. <paramref name="color"/> adds ANSI colours.</summary>
    public static string Render(IEnumerable<Diagnostic> diagnostics, bool color = false)
    {
        ArgumentNullException.ThrowIfNull(diagnostics);
        var sb = new StringBuilder();
        foreach (var d in diagnostics)
        {
            if (sb.Length > 0)
            {
                sb.Append('\n');
            }

            RenderOne(sb, d, color);
        }

        return sb.ToString();
    }

    /// <summary>Renders one diagnostic in full.</summary>
    public static string Render(Diagnostic diagnostic, bool color = false)
    {
        ArgumentNullException.ThrowIfNull(diagnostic);
        var sb = new StringBuilder();
        RenderOne(sb, diagnostic, color);
        return sb.ToString();
    }

    /// <summary>The compact form: one <c>path:line:col: message</c> line per diagnostic.</summary>
    public static string RenderCompact(IEnumerable<Diagnostic> diagnostics)
    {
        ArgumentNullException.ThrowIfNull(diagnostics);
        var sb = new StringBuilder();
        foreach (var d in diagnostics)
        {
            sb.Append(d.ToString()).Append('\n');
        }

        return sb.ToString();
    }

    /// <summary>
    /// One line for a whole list, as Alloy's error string: the first diagnostic, plus <c> (and N more diagnostics)</c>.
    /// Empty for an empty list.
    /// </summary>
    public static string Summarize(IReadOnlyList<Diagnostic> diagnostics)
    {
        ArgumentNullException.ThrowIfNull(diagnostics);
        if (diagnostics.Count == 0)
        {
            return string.Empty;
        }

        var first = diagnostics[0].ToString();
        return diagnostics.Count == 1 ? first : $"{first} (and {diagnostics.Count - 1} more diagnostics)";
    }

    private static void RenderOne(StringBuilder sb, Diagnostic d, bool color)
    {
        var (label, labelColor) = d.Severity == Severity.Error ? ("Error", "\u001b[1;31m") : ("Warning", "\u001b[1;33m");
        if (color)
        {
            sb.Append(labelColor).Append(label).Append(":\u001b[0m ").Append("\u001b[1m");
        }
        else
        {
            sb.Append(label).Append(": ");
        }

        if (d.Source is not null)
        {
            sb.Append(d.Location).Append(": ");
        }

        sb.Append(d.Message);
        if (color)
        {
            sb.Append("\u001b[0m");
        }

        sb.Append('\n');
        if (d.Source is not null)
        {
            Snippet(sb, d.Source, d.Span, color);
        }

        if (d.Hint is not null)
        {
            sb.Append("hint: ").Append(d.Hint).Append('\n');
        }
    }

    private static void Snippet(StringBuilder sb, SourceFile source, TextSpan span, bool color)
    {
        var (startLine, startCol) = source.GetLineColumn(span.Start);
        var endOffset = Math.Max(span.Start, span.End - 1);
        var (endLine, endCol) = source.GetLineColumn(span.Length == 0 ? span.Start : endOffset);
        var first = Math.Max(1, startLine - 1);
        var last = Math.Min(source.LineCount, endLine + 1);

        // The empty "line" after a final newline is not worth showing as context.
        if (last > endLine && last == source.LineCount && source.GetLine(last).Length == 0)
        {
            last--;
        }

        var width = last.ToString(CultureInfo.InvariantCulture).Length;
        var blankGutter = new string(' ', width) + " |";
        var caret = color ? "\u001b[1;31m" : string.Empty;
        var reset = color ? "\u001b[0m" : string.Empty;

        sb.Append('\n');
        for (var line = first; line <= last; line++)
        {
            var text = source.GetLine(line);
            var inSpan = line >= startLine && line <= endLine;
            if (endLine - startLine + 1 > MaxSpanLines && line > startLine + 2 && line < endLine - 1)
            {
                if (line == startLine + 3)
                {
                    sb.Append(new string(' ', width)).Append(" | ...\n");
                }

                continue;
            }

            sb.Append(line.ToString(CultureInfo.InvariantCulture).PadLeft(width)).Append(" |");
            var shown = ExpandTabs(text);

            // Columns are 1-based UTF-16 offsets; convert them to display columns (tabs expanded).
            var from = !inSpan ? 1 : line == startLine ? DisplayColumn(text, startCol) : FirstNonBlank(text);
            var to = !inSpan ? 1 : line == endLine ? (span.Length == 0 ? from : DisplayColumn(text, endCol)) : Math.Max(from, shown.Length);

            // A very long line (minified or generated input) is shown as a window around the span's start, so that
            // a 10 MB one-line file does not echo 10 MB twice.
            var windowStart = 0;
            if (shown.Length > MaxLineWidth)
            {
                windowStart = Math.Clamp(from - 1 - (MaxLineWidth / 4), 0, shown.Length - MaxLineWidth);
                var prefix = windowStart > 0 ? Ellipsis : string.Empty;
                var suffix = windowStart + MaxLineWidth < shown.Length ? Ellipsis : string.Empty;
                shown = prefix + shown.Substring(windowStart, MaxLineWidth) + suffix;
                windowStart -= prefix.Length;
            }

            if (shown.Length > 0)
            {
                sb.Append(' ').Append(shown);
            }

            sb.Append('\n');
            if (!inSpan)
            {
                continue;
            }

            var shownFrom = Math.Max(1, from - windowStart);
            // Unclipped lines keep carets past the end (a span may cover the newline); a window clips them.
            var shownTo = windowStart == 0 && shown.Length <= MaxLineWidth ? to : Math.Min(shown.Length, to - windowStart);
            var count = Math.Max(1, shownTo - shownFrom + 1);
            sb.Append(blankGutter).Append(' ').Append(' ', shownFrom - 1).Append(caret).Append('^', count).Append(reset).Append('\n');
        }
    }

    private static int FirstNonBlank(string text)
    {
        var expanded = ExpandTabs(text);
        var i = 0;
        while (i < expanded.Length && expanded[i] == ' ')
        {
            i++;
        }

        return i + 1;
    }

    private static string ExpandTabs(string text) =>
        text.Contains('\t', StringComparison.Ordinal) ? text.Replace("\t", new string(' ', TabWidth), StringComparison.Ordinal) : text;

    private static int DisplayColumn(string line, int column)
    {
        var display = 1;
        for (var i = 0; i < column - 1 && i < line.Length; i++)
        {
            display += line[i] == '\t' ? TabWidth : 1;
        }

        if (column - 1 > line.Length)
        {
            display += column - 1 - line.Length;
        }

        return display;
    }
}
