using System.Text;

namespace River.Format;

/// <summary>
/// Turns layout rows into text with elastic columns: cell <c>c</c> of consecutive rows (same section, same
/// indentation) is padded with spaces to the widest such cell plus one, so <c>=</c> signs and trailing comments
/// line up. Indentation is tabs, alignment is spaces, trailing blanks are dropped, and blank lines are collapsed to one.
/// </summary>
internal static class ColumnAligner
{
    /// <summary>Renders rows; the result ends with exactly one newline, or is empty when there is nothing to print.</summary>
    public static string Render(IReadOnlyList<LayoutRow> rows)
    {
        var widths = ComputeWidths(rows);
        var output = new StringBuilder();
        var pendingBlank = false;
        var wroteAny = false;
        var line = new StringBuilder();

        for (var r = 0; r < rows.Count; r++)
        {
            var row = rows[r];
            if (row.IsEmpty && !row.IsContinuation && !row.KeepsTrailingBlanks)
            {
                // A blank line is only written when text follows it: none at the top or bottom, never two in a row.
                pendingBlank = wroteAny;
                continue;
            }

            if (pendingBlank)
            {
                output.Append('\n');
                pendingBlank = false;
            }

            line.Clear();
            if (!row.IsContinuation)
            {
                line.Append('\t', row.Indent);
            }

            for (var c = 0; c < row.Cells.Count; c++)
            {
                var cell = row.Cells[c];
                line.Append(cell);
                var pad = widths[r][c] - DisplayWidth(cell);
                if (pad > 0)
                {
                    line.Append(' ', pad);
                }
            }

            line.Append(row.Tail);
            if (!row.KeepsTrailingBlanks)
            {
                TrimEndBlanks(line);
            }

            output.Append(line).Append('\n');
            wroteAny = true;
        }

        return output.ToString();
    }

    private static int[][] ComputeWidths(IReadOnlyList<LayoutRow> rows)
    {
        var widths = new int[rows.Count][];
        var maxCells = 0;
        for (var r = 0; r < rows.Count; r++)
        {
            widths[r] = new int[rows[r].Cells.Count];
            maxCells = Math.Max(maxCells, rows[r].Cells.Count);
        }

        for (var c = 0; c < maxCells; c++)
        {
            var r = 0;
            while (r < rows.Count)
            {
                if (rows[r].Cells.Count <= c)
                {
                    r++;
                    continue;
                }

                // A run: the maximal block of adjacent rows that all have cell c, share the indentation and are not
                // separated by a section break.
                var key = rows[r].AlignmentKey;
                var end = r + 1;
                while (end < rows.Count && rows[end].Cells.Count > c && rows[end].AlignmentKey == key && !rows[end].StartsSection)
                {
                    end++;
                }

                var width = 0;
                var allEmpty = true;
                for (var i = r; i < end; i++)
                {
                    var cellWidth = DisplayWidth(rows[i].Cells[c]);
                    allEmpty &= cellWidth == 0;
                    width = Math.Max(width, cellWidth + 1);
                }

                // An empty column adds no padding at all (it would otherwise leave a stray space).
                if (allEmpty)
                {
                    width = 0;
                }

                for (var i = r; i < end; i++)
                {
                    widths[i][c] = width;
                }

                r = end;
            }
        }

        return widths;
    }

    /// <summary>Width in Unicode scalar values, so that a surrogate pair counts once.</summary>
    private static int DisplayWidth(string text)
    {
        var width = 0;
        for (var i = 0; i < text.Length; i++)
        {
            if (!char.IsLowSurrogate(text[i]))
            {
                width++;
            }
        }

        return width;
    }

    private static void TrimEndBlanks(StringBuilder line)
    {
        var end = line.Length;
        while (end > 0 && line[end - 1] is ' ' or '\t')
        {
            end--;
        }

        line.Length = end;
    }
}
