using System.Text;

namespace River.Format;

/// <summary>
/// One output line before alignment: its indentation, the cells whose ends are aligned with the neighbouring rows
/// (an attribute name before <c>=</c>, a value before a trailing comment) and the unaligned rest of the line.
/// </summary>
internal sealed class LayoutRow
{
    /// <summary>Tabs written before the row.</summary>
    public int Indent { get; set; }

    /// <summary>
    /// True for the second and later lines of a multi-line raw string or block comment: written from column 1
    /// exactly as in the source, never indented and never aligned with ordinary rows.
    /// </summary>
    public bool IsContinuation { get; init; }

    /// <summary>True when a section break precedes the row: no alignment run crosses it.</summary>
    public bool StartsSection { get; init; }

    /// <summary>True when the row ends inside a literal or comment, whose trailing blanks are content.</summary>
    public bool KeepsTrailingBlanks { get; set; }

    /// <summary>Aligned cells, in order.</summary>
    public List<string> Cells { get; } = [];

    /// <summary>The text after the last cell.</summary>
    public StringBuilder Tail { get; } = new();

    /// <summary>True when nothing was written to the row.</summary>
    public bool IsEmpty => Cells.Count == 0 && Tail.Length == 0;

    /// <summary>Which rows may align with each other: same indentation, and continuations only among themselves.</summary>
    public int AlignmentKey => IsContinuation ? -1 : Indent;

    /// <summary>Closes the current cell: the text so far becomes a cell whose end is aligned.</summary>
    public void EndCell()
    {
        Cells.Add(Tail.ToString());
        Tail.Clear();
    }
}
