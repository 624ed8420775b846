namespace River.Diagnostics;

/// <summary>
/// The text of one configuration file and its name. Knows where lines start so that offsets can be shown as
/// 1-based line and column (columns count UTF-16 code units; a tab is one column).
/// </summary>
public sealed class SourceFile
{
    private int[]? _lineStarts;

    /// <summary>Creates a source file from its display path and full text.</summary>
    public SourceFile(string path, string text)
    {
        Path = path;
        Text = text;
    }

    /// <summary>The path shown in diagnostics (as given by the user, not made absolute).</summary>
    public string Path { get; }

    /// <summary>The whole text.</summary>
    public string Text { get; }

    /// <summary>Returns the 1-based line and column of an offset (clamped to the text).</summary>
    public (int Line, int Column) GetLineColumn(int offset)
    {
        var starts = LineStarts;
        offset = Math.Clamp(offset, 0, Text.Length);
        var index = Array.BinarySearch(starts, offset);
        if (index < 0)
        {
            index = ~index - 1;
        }

        return (index + 1, offset - starts[index] + 1);
    }

    /// <summary>Returns the text of a 1-based line without its line ending.</summary>
    public string GetLine(int line)
    {
        var starts = LineStarts;
        if (line < 1 || line > starts.Length)
        {
            return string.Empty;
        }

        var start = starts[line - 1];
        var end = line < starts.Length ? starts[line] : Text.Length;
        while (end > start && (Text[end - 1] == '\n' || Text[end - 1] == '\r'))
        {
            end--;
        }

        return Text[start..end];
    }

    /// <summary>The number of lines (a final line without a newline counts).</summary>
    public int LineCount => LineStarts.Length;

    /// <summary><c>path:line:col</c> for an offset.</summary>
    public string Describe(int offset)
    {
        var (line, column) = GetLineColumn(offset);
        return $"{Path}:{line}:{column}";
    }

    private int[] LineStarts => _lineStarts ??= ComputeLineStarts(Text);

    private static int[] ComputeLineStarts(string text)
    {
        var starts = new List<int> { 0 };
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '\n')
            {
                starts.Add(i + 1);
            }
        }

        return starts.ToArray();
    }
}
