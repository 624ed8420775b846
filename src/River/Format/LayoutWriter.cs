using River.Syntax;

namespace River.Format;

/// <summary>
/// Receives the tokens of the file in source order, together with layout requests (space, alignment point, line
/// break, section break, indent, dedent), and builds <see cref="LayoutRow"/>s. Layout requests are held back until
/// the next token, because a comment that sits before that token in the source must be written first: comments on
/// the line of the previous token stay there (as trailing comments), comments on their own lines get their own
/// rows at the indentation of what follows them, and up to one blank line around them is kept.
/// </summary>
internal sealed class LayoutWriter
{
    // At most one blank line is kept between a comment and its neighbours, as for statements.
    private const int MaxLineBreaks = 2;

    private readonly SourceMap _map;
    private readonly List<Layout> _pending = new(16);
    private readonly List<LayoutRow> _rows = [];
    private LayoutRow _row = new();
    private int _nextComment;
    private int _depth;
    private int _lastLine;
    private bool _written;
    private bool _lastWasInteger;
    private bool _lastWasOpener;

    public LayoutWriter(SourceMap map)
    {
        _map = map;
    }

    /// <summary>Layout requests, applied just before the next token or comment.</summary>
    private enum Layout : byte
    {
        /// <summary>A request that a comment absorbed.</summary>
        Dropped,

        /// <summary>One space.</summary>
        Space,

        /// <summary>Ends an aligned cell (the column of <c>=</c>).</summary>
        Align,

        /// <summary>Ends the row; alignment may continue on the next one.</summary>
        Newline,

        /// <summary>Ends the row and the alignment section.</summary>
        Break,

        /// <summary>One more tab for rows started from now on.</summary>
        Indent,

        /// <summary>One tab less.</summary>
        Dedent,
    }

    /// <summary>The index of the row the next text goes to; lets the walker tell whether something spanned rows.</summary>
    public int CurrentRow => _rows.Count;

    public void Space() => _pending.Add(Layout.Space);

    public void Align() => _pending.Add(Layout.Align);

    public void Newline() => _pending.Add(Layout.Newline);

    public void Break() => _pending.Add(Layout.Break);

    public void Indent() => _pending.Add(Layout.Indent);

    public void Dedent() => _pending.Add(Layout.Dedent);

    /// <summary>
    /// Writes a token whose source text occupies <paramref name="start"/>..<paramref name="end"/> (a synthetic
    /// token, such as an added trailing comma, passes an empty span where it would have been).
    /// </summary>
    public void Token(string text, int start, int end, bool isInteger = false)
    {
        if (HasCommentBefore(start))
        {
            WriteComments(start, _map.LineAt(start), atEnd: false);
        }
        else
        {
            ApplyPending(_pending.Count);
        }

        // "1 .a" must not become "1.a", which would scan as the float "1." followed by "a".
        if (_lastWasInteger && text.Length > 0 && text[0] == '.')
        {
            Append(" ");
        }

        WriteText(text);
        _lastLine = end > start ? _map.LineAt(end - 1) : _map.LineAt(start);
        _lastWasInteger = isInteger;
        _lastWasOpener = text is "(" or "[";
    }

    /// <summary>Writes every comment not yet written and returns the finished text.</summary>
    public string Finish()
    {
        WriteComments(int.MaxValue, int.MaxValue, atEnd: true);
        _pending.Clear();
        if (!_row.IsEmpty)
        {
            _rows.Add(_row);
            _row = new LayoutRow();
        }

        return ColumnAligner.Render(_rows);
    }

    private bool HasCommentBefore(int offset) =>
        _nextComment < _map.Comments.Count && _map.Comments[_nextComment].Span.Start < offset;

    private void WriteComments(int nextStart, int nextLine, bool atEnd)
    {
        Comment? last = null;
        while (HasCommentBefore(nextStart))
        {
            var comment = _map.Comments[_nextComment++];
            var commentLine = _map.StartLine(comment.Span);
            var commentEndLine = _map.EndLine(comment.Span);

            if (!_written)
            {
                // The file starts with this comment: nothing goes before it.
            }
            else if (commentLine == _lastLine)
            {
                // A comment on the line of the previous token stays there. A block comment followed by more code on
                // the same line is set off by a space (none right after "(" or "["); otherwise it is a trailing
                // comment, aligned with the trailing comments of neighbouring rows. Pending layout waits until after
                // the comment.
                if (!atEnd && commentEndLine == nextLine)
                {
                    if (!_lastWasOpener)
                    {
                        Append(" ");
                    }
                }
                else
                {
                    EndCell();
                }
            }
            else
            {
                // A comment on its own line: take the indentation changes requested so far (so it is indented like
                // the element that follows it), let the first line break be replaced by the comment's own, and keep
                // up to one blank line before it.
                var consumed = 0;
                while (consumed < _pending.Count && _pending[consumed] is Layout.Indent or Layout.Dedent or Layout.Dropped)
                {
                    consumed++;
                }

                if (consumed < _pending.Count)
                {
                    _pending[consumed] = Layout.Dropped;
                }

                ApplyPending(consumed);
                LineBreaks(Math.Min(commentLine - _lastLine, MaxLineBreaks), sectionBreak: true);
            }

            WriteText(CommentText(comment));
            _lastLine = commentEndLine;
            _lastWasInteger = false;
            _lastWasOpener = false;
            last = comment;
        }

        if (atEnd || last is null)
        {
            return;
        }

        // After the comments: the token goes on the comment's line only when the source put it there; otherwise it
        // starts a new row, with a section break if the walker had asked for one.
        var droppedBreak = false;
        var droppedNewline = false;
        var droppedAlign = false;
        var requestedBreaks = 0;
        foreach (var layout in _pending)
        {
            switch (layout)
            {
                case Layout.Indent:
                    _depth++;
                    break;
                case Layout.Dedent:
                    _depth = Math.Max(0, _depth - 1);
                    break;
                case Layout.Break:
                    droppedBreak = true;
                    droppedNewline = true;
                    requestedBreaks++;
                    break;
                case Layout.Newline:
                    droppedNewline = true;
                    requestedBreaks++;
                    break;
                case Layout.Align:
                    droppedAlign = true;
                    break;
            }
        }

        _pending.Clear();
        var lines = Math.Min(nextLine - _lastLine, MaxLineBreaks);

        // Code the walker wanted on a new row stays on a new row even when a block comment preceded it on one line.
        if (lines <= 0 && droppedNewline)
        {
            lines = 1;
        }

        // A blank line the walker asked for (before a block, say) survives a trailing comment in between.
        if (requestedBreaks >= 2)
        {
            lines = MaxLineBreaks;
        }

        if (lines <= 0 && last.IsBlock)
        {
            // The token follows the comment on its line. An alignment point requested before the comment
            // ("name /* c */ = 1") is kept, so that a trailing comment later on the row stays in its own column; the
            // padding then separates the comment from the token.
            if (droppedAlign)
            {
                EndCell();
            }
            else
            {
                Append(" ");
            }
        }

        LineBreaks(lines, droppedBreak);
    }

    private static string CommentText(Comment comment)
    {
        var text = comment.Text;
        if (text.Contains('\r', StringComparison.Ordinal))
        {
            // Windows line endings inside comments are not kept: the output uses \n throughout.
            text = text.Replace("\r\n", "\n", StringComparison.Ordinal).Replace("\r", string.Empty, StringComparison.Ordinal);
        }

        return comment.IsBlock ? text : text.TrimEnd();
    }

    private void ApplyPending(int count)
    {
        for (var i = 0; i < count; i++)
        {
            switch (_pending[i])
            {
                case Layout.Space:
                    if (!_row.IsEmpty)
                    {
                        Append(" ");
                    }

                    break;
                case Layout.Align:
                    EndCell();
                    break;
                case Layout.Newline:
                    LineBreaks(1, sectionBreak: false);
                    break;
                case Layout.Break:
                    LineBreaks(1, sectionBreak: true);
                    break;
                case Layout.Indent:
                    _depth++;
                    break;
                case Layout.Dedent:
                    _depth = Math.Max(0, _depth - 1);
                    break;
            }
        }

        _pending.RemoveRange(0, count);
    }

    private void LineBreaks(int count, bool sectionBreak)
    {
        if (!_written)
        {
            return;
        }

        for (var i = 0; i < count; i++)
        {
            _rows.Add(_row);
            _row = new LayoutRow { StartsSection = sectionBreak };
        }
    }

    private void EndCell()
    {
        if (!_row.IsEmpty)
        {
            _row.EndCell();
        }
    }

    /// <summary>
    /// Writes text that may span lines (raw strings, block comments): its later lines become continuation rows
    /// copied as they are. <c>\r\n</c> inside becomes <c>\n</c>, since the output uses one line ending throughout.
    /// </summary>
    private void WriteText(string text)
    {
        if (text.IndexOf('\n', StringComparison.Ordinal) < 0)
        {
            Append(text);
            return;
        }

        text = text.Replace("\r\n", "\n", StringComparison.Ordinal);

        var lines = text.Split('\n');
        Append(lines[0]);
        for (var i = 1; i < lines.Length; i++)
        {
            _row.KeepsTrailingBlanks = true;
            _rows.Add(_row);
            _row = new LayoutRow { IsContinuation = true };
            Append(lines[i]);
        }
    }

    private void Append(string text)
    {
        if (_row.IsEmpty && !_row.IsContinuation)
        {
            _row.Indent = _depth;
        }

        _row.Tail.Append(text);
        _written = true;
    }
}
