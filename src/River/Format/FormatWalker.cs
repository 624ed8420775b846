using System.Collections.Immutable;
using System.Runtime.CompilerServices;
using River.Diagnostics;
using River.Syntax;

namespace River.Format;

/// <summary>
/// Walks the AST in source order and tells the <see cref="LayoutWriter"/> what to print: the canonical spacing of
/// every construct, and where the user's line structure is kept (statements, elements of arrays, objects and call
/// arguments, the right operand of a binary operator). Recursion follows the nesting of the input, which the parser
/// bounds.
/// </summary>
internal sealed class FormatWalker
{
    private readonly SourceMap _map;
    private readonly LayoutWriter _writer;

    public FormatWalker(SourceMap map, LayoutWriter writer)
    {
        _map = map;
        _writer = writer;
    }

    public void WriteFile(ConfigFile file) => WriteBody(file.Body);

    private void WriteBody(ImmutableArray<Statement> body)
    {
        for (var i = 0; i < body.Length; i++)
        {
            var statement = body[i];
            if (i > 0)
            {
                // A block is always set off by a blank line; otherwise a blank line in the source is kept (one at most).
                if (statement is BlockStatement || _map.HasBlankLineBetween(body[i - 1].Span.End, statement.Span.Start))
                {
                    _writer.Break();
                }
            }

            var spannedRows = statement switch
            {
                AttributeStatement attribute => WriteAttribute(attribute),
                BlockStatement block => WriteBlock(block),
                _ => false,
            };

            // A statement printed over several rows ends the alignment run, so the next attribute is not aligned with
            // the first line of a multi-line value.
            if (spannedRows)
            {
                _writer.Break();
            }
            else
            {
                _writer.Newline();
            }
        }
    }

    private bool WriteAttribute(AttributeStatement attribute)
    {
        Token(attribute.NameText, attribute.NameSpan);
        var firstRow = _writer.CurrentRow;
        _writer.Align();
        TokenAt("=", _map.FindToken(attribute.NameSpan.End, '='));
        _writer.Space();
        WriteExpr(attribute.Value);
        return _writer.CurrentRow != firstRow;
    }

    private bool WriteBlock(BlockStatement block)
    {
        RuntimeHelpers.EnsureSufficientExecutionStack();
        Token(block.Name, block.NameSpan);
        if (block.Label is not null)
        {
            _writer.Space();
            Token(LabelText(block), block.LabelSpan);
        }

        _writer.Space();
        TokenAt("{", block.BodySpan.Start);
        _writer.Indent();
        if (block.Body.Length > 0)
        {
            _writer.Break();
            WriteBody(block.Body);
        }
        else
        {
            // An empty block prints as "name { }"; a comment inside it still gets its own indented line.
            _writer.Space();
        }

        _writer.Dedent();
        TokenAt("}", block.BodySpan.End - 1);
        return true;
    }

    private string LabelText(BlockStatement block)
    {
        var raw = _map.TextOf(block.LabelSpan);
        if (raw is { Length: >= 2 } && raw[0] == '"' && raw[^1] == '"')
        {
            return raw;
        }

        return Quote(block.Label ?? string.Empty);
    }

    private void WriteExpr(Expr expr)
    {
        // Deep input is retried on a larger stack by RiverFormatter rather than overflowing this one.
        RuntimeHelpers.EnsureSufficientExecutionStack();
        switch (expr)
        {
            case LiteralExpr literal:
                _writer.Token(literal.Raw, literal.Span.Start, literal.Span.End, literal.Kind == LiteralKind.Number);
                break;
            case IdentifierExpr identifier:
                Token(identifier.Name, identifier.Span);
                break;
            case ArrayExpr array:
                WriteArray(array);
                break;
            case ObjectExpr obj:
                WriteObject(obj);
                break;
            case AccessExpr access:
                WriteExpr(access.Value);
                TokenAt(".", _map.FindToken(access.Value.Span.End, '.'));
                Token(access.NameText, access.NameSpan);
                break;
            case IndexExpr index:
                WriteExpr(index.Value);
                TokenAt("[", _map.FindToken(index.Value.Span.End, '['));
                WriteExpr(index.Index);
                TokenAt("]", index.Span.End - 1);
                break;
            case CallExpr call:
                WriteCall(call);
                break;
            case UnaryExpr unary:
                TokenAt(unary.Operator == UnaryOperator.Not ? "!" : "-", unary.Span.Start);
                WriteExpr(unary.Operand);
                break;
            case BinaryExpr binary:
                WriteBinary(binary);
                break;
            case ParenExpr paren:
                TokenAt("(", paren.Span.Start);
                WriteExpr(paren.Inner);
                TokenAt(")", paren.Span.End - 1);
                break;
        }
    }

    private void WriteBinary(BinaryExpr binary)
    {
        WriteExpr(binary.Left);
        _writer.Space();
        var op = OperatorText(binary.Operator);
        var opStart = _map.FindAny(binary.Left.Span.End);
        _writer.Token(op, opStart, opStart + op.Length);

        // A line break after an operator is kept, and the continuation indented one level; otherwise one space.
        if (_map.StartLine(binary.Right.Span) != _map.LineAt(opStart))
        {
            _writer.Indent();
            _writer.Break();
            WriteExpr(binary.Right);
            _writer.Dedent();
        }
        else
        {
            _writer.Space();
            WriteExpr(binary.Right);
        }
    }

    private void WriteArray(ArrayExpr array)
    {
        var open = array.Span.Start;
        var close = array.Span.End - 1;
        TokenAt("[", open);
        WriteElements(array.Elements, open, close, array.Span);
        TokenAt("]", close);
    }

    private void WriteCall(CallExpr call)
    {
        WriteExpr(call.Callee);
        var open = _map.FindToken(call.Callee.Span.End, '(');
        var close = call.Span.End - 1;
        TokenAt("(", open);
        WriteElements(call.Arguments, open, close, new TextSpan(open, call.Span.End));
        TokenAt(")", close);
    }

    /// <summary>
    /// Array elements and call arguments: an element that starts on a new line in the source starts a new row,
    /// indented one level; elements sharing a line are separated by ", ". When the closer sits on its own line a
    /// trailing comma is written (the syntax requires it there).
    /// </summary>
    private void WriteElements(ImmutableArray<Expr> elements, int open, int close, TextSpan span)
    {
        var previousEndLine = _map.LineAt(open);
        var previousEnd = open + 1;
        for (var i = 0; i < elements.Length; i++)
        {
            var element = elements[i];
            var startLine = _map.StartLine(element.Span);
            var ownRow = startLine != previousEndLine;
            if (ownRow)
            {
                _writer.Indent();
                if (i > 0 && _map.HasBlankLineBetween(previousEnd, element.Span.Start))
                {
                    _writer.Break();
                }

                _writer.Break();
            }
            else if (i > 0)
            {
                _writer.Space();
            }

            WriteExpr(element);
            previousEndLine = _map.EndLine(element.Span);
            previousEnd = element.Span.End;
            if (i + 1 < elements.Length)
            {
                TokenAt(",", _map.FindToken(element.Span.End, ','));
            }

            if (ownRow)
            {
                _writer.Dedent();
            }
        }

        if (elements.Length > 0 && _map.LineAt(close) != previousEndLine)
        {
            TrailingComma(previousEnd);

            // Indented so that comments after the last element line up with the elements.
            _writer.Indent();
            _writer.Break();
            _writer.Dedent();
        }
        else if (elements.Length == 0 && _map.HasCommentInside(span))
        {
            _writer.Indent();
            _writer.Break();
            _writer.Dedent();
        }
    }

    /// <summary>
    /// Object fields: like array elements, but the fields that start their own rows align their <c>=</c>, the run
    /// ending after a field whose value spans rows; fields on the line of the brace print as <c>{ a = 1 }</c>.
    /// </summary>
    private void WriteObject(ObjectExpr obj)
    {
        var open = obj.Span.Start;
        var close = obj.Span.End - 1;
        TokenAt("{", open);
        _writer.Indent();

        var previousEndLine = _map.LineAt(open);
        var previousEnd = open + 1;
        var previousSpannedRows = false;
        for (var i = 0; i < obj.Fields.Length; i++)
        {
            var field = obj.Fields[i];
            var startLine = _map.StartLine(field.NameSpan);
            var ownRow = startLine != previousEndLine;
            if (ownRow)
            {
                if (i > 0 && _map.HasBlankLineBetween(previousEnd, field.Span.Start))
                {
                    _writer.Break();
                }

                if (i > 0 && !previousSpannedRows)
                {
                    _writer.Newline();
                }
                else
                {
                    _writer.Break();
                }
            }
            else
            {
                _writer.Space();
            }

            Token(FieldNameText(field), field.NameSpan);
            var firstRow = _writer.CurrentRow;
            if (ownRow)
            {
                _writer.Align();
            }
            else
            {
                _writer.Space();
            }

            TokenAt("=", _map.FindToken(field.NameSpan.End, '='));
            _writer.Space();
            WriteExpr(field.Value);
            previousSpannedRows = _writer.CurrentRow != firstRow;
            previousEndLine = _map.EndLine(field.Value.Span);
            previousEnd = field.Value.Span.End;
            if (i + 1 < obj.Fields.Length)
            {
                TokenAt(",", _map.FindToken(field.Value.Span.End, ','));
            }
        }

        if (obj.Fields.Length > 0 && _map.LineAt(close) != previousEndLine)
        {
            TrailingComma(previousEnd);
            _writer.Break();
        }
        else if (obj.Fields.Length > 0)
        {
            _writer.Space();
        }
        else if (_map.HasCommentInside(obj.Span))
        {
            _writer.Break();
        }

        _writer.Dedent();
        TokenAt("}", close);
    }

    private void TrailingComma(int previousEnd)
    {
        // Reuse the comma of the source when there is one (comments before it then stay before it).
        var comma = _map.FindToken(previousEnd, ',');
        if (comma != previousEnd || _map.NextIs(previousEnd, ','))
        {
            TokenAt(",", comma);
        }
        else
        {
            _writer.Token(",", previousEnd, previousEnd);
        }
    }

    private string FieldNameText(ObjectField field)
    {
        if (!field.Quoted)
        {
            return field.Name;
        }

        var raw = _map.TextOf(field.NameSpan);
        if (raw is { Length: >= 2 } && raw[0] == '"' && raw[^1] == '"')
        {
            return raw;
        }

        return Quote(field.Name);
    }

    private void Token(string text, TextSpan span) => _writer.Token(text, span.Start, span.End);

    private void TokenAt(string text, int start) => _writer.Token(text, start, start + text.Length);

    // Labels are identifiers and quoted keys keep their escapes in the AST, so quoting needs no escaping.
    private static string Quote(string text) => "\"" + text + "\"";

    private static string OperatorText(BinaryOperator op) => op switch
    {
        BinaryOperator.Or => "||",
        BinaryOperator.And => "&&",
        BinaryOperator.Equal => "==",
        BinaryOperator.NotEqual => "!=",
        BinaryOperator.Less => "<",
        BinaryOperator.LessOrEqual => "<=",
        BinaryOperator.Greater => ">",
        BinaryOperator.GreaterOrEqual => ">=",
        BinaryOperator.Add => "+",
        BinaryOperator.Subtract => "-",
        BinaryOperator.Multiply => "*",
        BinaryOperator.Divide => "/",
        BinaryOperator.Modulo => "%",
        BinaryOperator.Power => "^",
        _ => throw new ArgumentOutOfRangeException(nameof(op), op, "unknown binary operator"),
    };
}
