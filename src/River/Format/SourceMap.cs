using System.Collections.Immutable;
using River.Diagnostics;
using River.Syntax;

namespace River.Format;

/// <summary>
/// What the printer needs to know about the original text beyond the AST: line numbers of offsets, where the
/// punctuation the AST does not record (<c>=</c>, <c>,</c>, <c>.</c>, a call's <c>(</c>, an operator) sits, and
/// which comments lie inside a span. Layout decisions compare source lines, so the user's line structure survives.
/// </summary>
internal sealed class SourceMap
{
    private readonly SourceFile _source;
    private readonly string _text;
    private readonly Dictionary<int, int> _commentEndByStart;

    public SourceMap(SourceFile source, ImmutableArray<Comment> comments)
    {
        _source = source;
        _text = source.Text;

        // Comments are kept sorted by start so that the printer can consume them in one forward pass.
        var sorted = comments.IsDefault ? [] : comments.ToArray();
        Array.Sort(sorted, static (a, b) => a.Span.Start.CompareTo(b.Span.Start));
        Comments = sorted;
        _commentEndByStart = new Dictionary<int, int>(sorted.Length);
        foreach (var comment in sorted)
        {
            _commentEndByStart.TryAdd(comment.Span.Start, comment.Span.End);
        }
    }

    /// <summary>Every comment of the file, ordered by position.</summary>
    public IReadOnlyList<Comment> Comments { get; }

    /// <summary>The 1-based line of an offset.</summary>
    public int LineAt(int offset) => _source.GetLineColumn(offset).Line;

    /// <summary>The line of the first character of a span.</summary>
    public int StartLine(TextSpan span) => LineAt(span.Start);

    /// <summary>The line of the last character of a span (its start for an empty span).</summary>
    public int EndLine(TextSpan span) => LineAt(span.Length > 0 ? span.End - 1 : span.Start);

    /// <summary>
    /// The offset of the first character at or after <paramref name="from"/> that is neither whitespace nor inside
    /// a comment, when it is <paramref name="expected"/>; otherwise <paramref name="from"/> (a safe estimate: the
    /// position is only used to decide where comments go).
    /// </summary>
    public int FindToken(int from, char expected)
    {
        var at = NextSignificant(from);
        return at >= 0 && _text[at] == expected ? at : from;
    }

    /// <summary>Like <see cref="FindToken"/> for an operator of any spelling: the next significant offset.</summary>
    public int FindAny(int from)
    {
        var at = NextSignificant(from);
        return at >= 0 ? at : from;
    }

    /// <summary>True when the next significant character at or after <paramref name="from"/> is <paramref name="expected"/>.</summary>
    public bool NextIs(int from, char expected)
    {
        var at = NextSignificant(from);
        return at >= 0 && _text[at] == expected;
    }

    /// <summary>
    /// True when the source has an empty line (only blanks) between <paramref name="from"/> and
    /// <paramref name="to"/>. Lines covered by a comment are not empty, so a comment spanning lines does not count as
    /// a blank line however many lines it takes.
    /// </summary>
    public bool HasBlankLineBetween(int from, int to)
    {
        to = Math.Min(to, _text.Length);
        var sawNewline = false;
        var lineHasContent = false;
        var i = Math.Max(0, from);
        while (i < to)
        {
            if (_commentEndByStart.TryGetValue(i, out var end) && end > i)
            {
                lineHasContent = true;
                i = end;
                continue;
            }

            var ch = _text[i];
            if (ch == '\n')
            {
                if (sawNewline && !lineHasContent)
                {
                    return true;
                }

                sawNewline = true;
                lineHasContent = false;
            }
            else if (ch is not (' ' or '\t' or '\r'))
            {
                lineHasContent = true;
            }

            i++;
        }

        return false;
    }

    /// <summary>True when a comment lies strictly inside the span (used for empty arrays, objects and calls).</summary>
    public bool HasCommentInside(TextSpan span)
    {
        foreach (var comment in Comments)
        {
            if (comment.Span.Start > span.Start && comment.Span.End <= span.End)
            {
                return true;
            }

            if (comment.Span.Start >= span.End)
            {
                break;
            }
        }

        return false;
    }

    /// <summary>The source text of a span, or null when the span does not fit the text.</summary>
    public string? TextOf(TextSpan span) =>
        span.Start >= 0 && span.End <= _text.Length && span.Length > 0 ? _text[span.Start..span.End] : null;

    private int NextSignificant(int from)
    {
        var i = Math.Max(0, from);
        while (i < _text.Length)
        {
            var ch = _text[i];
            if (ch is ' ' or '\t' or '\r' or '\n' or '\uFEFF')
            {
                i++;
                continue;
            }

            if (_commentEndByStart.TryGetValue(i, out var end) && end > i)
            {
                i = end;
                continue;
            }

            return i;
        }

        return -1;
    }
}
