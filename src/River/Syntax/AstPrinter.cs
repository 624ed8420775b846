using System.Globalization;
using System.Text;
using River.Diagnostics;

namespace River.Syntax;

/// <summary>
/// A stable, indented text dump of the AST, one node per line: used by the golden tests and to compare trees in
/// tests. Literals show their raw text and, for strings, the decoded text in Go quoting.
/// </summary>
/// <example>
/// <code>
/// Block prometheus.scrape "default" @1:1
///   Attribute targets @2:2
///     Array @2:12
///       Ident local @2:13
/// </code>
/// </example>
public static class AstPrinter
{
    /// <summary>Dumps a file: its statements, then its comments. Positions (<c>@line:col</c>) only when asked.</summary>
    public static string Dump(ConfigFile file, bool positions = false)
    {
        ArgumentNullException.ThrowIfNull(file);
        var w = new Writer(file.Source, positions);
        foreach (var statement in file.Body)
        {
            w.Statement(statement, 0);
        }

        foreach (var comment in file.Comments)
        {
            w.Line(0, "Comment " + StringLiterals.GoQuote(comment.Text), comment.Span);
        }

        return w.ToString();
    }

    /// <summary>Dumps one expression (positions need the source it came from).</summary>
    public static string Dump(Expr expr, SourceFile? source = null)
    {
        ArgumentNullException.ThrowIfNull(expr);
        var w = new Writer(source, source is not null);
        w.Expr(expr, 0);
        return w.ToString();
    }

    /// <summary>The operator's source text, e.g. <c>&amp;&amp;</c> for <see cref="BinaryOperator.And"/>.</summary>
    public static string Symbol(BinaryOperator op) => op switch
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
        _ => op.ToString(),
    };

    /// <summary>The operator's source text: <c>!</c> or <c>-</c>.</summary>
    public static string Symbol(UnaryOperator op) => op == UnaryOperator.Not ? "!" : "-";

    private sealed class Writer(SourceFile? source, bool positions)
    {
        private readonly StringBuilder _sb = new();

        public override string ToString() => _sb.ToString();

        public void Line(int indent, string text, TextSpan span)
        {
            _sb.Append(' ', indent * 2).Append(text);
            if (positions && source is not null)
            {
                var (line, column) = source.GetLineColumn(span.Start);
                _sb.Append(CultureInfo.InvariantCulture, $" @{line}:{column}");
            }

            _sb.Append('\n');
        }

        public void Statement(Statement statement, int indent)
        {
            switch (statement)
            {
                case AttributeStatement a:
                    Line(indent, "Attribute " + a.NameText, a.Span);
                    Expr(a.Value, indent + 1);
                    break;
                case BlockStatement b:
                    Line(indent, b.Label is null ? "Block " + b.Name : $"Block {b.Name} {StringLiterals.GoQuote(b.Label)}", b.Span);
                    foreach (var child in b.Body)
                    {
                        Statement(child, indent + 1);
                    }

                    break;
            }
        }

        public void Expr(Expr expr, int indent)
        {
            switch (expr)
            {
                case LiteralExpr l:
                    var text = l.Kind switch
                    {
                        LiteralKind.String or LiteralKind.RawString => $"{l.Kind} {StringLiterals.GoQuote(l.Raw)} => {StringLiterals.GoQuote(l.Text ?? string.Empty)}",
                        LiteralKind.Null => "Null",
                        _ => $"{l.Kind} {l.Raw}",
                    };
                    Line(indent, text, l.Span);
                    break;
                case IdentifierExpr i:
                    Line(indent, "Ident " + i.Name, i.Span);
                    break;
                case ArrayExpr a:
                    Line(indent, "Array", a.Span);
                    foreach (var e in a.Elements)
                    {
                        Expr(e, indent + 1);
                    }

                    break;
                case ObjectExpr o:
                    Line(indent, "Object", o.Span);
                    foreach (var f in o.Fields)
                    {
                        Line(indent + 1, f.Quoted ? "Field " + StringLiterals.GoQuote(f.Name) + " (quoted)" : "Field " + f.Name, f.Span);
                        Expr(f.Value, indent + 2);
                    }

                    break;
                case AccessExpr a:
                    Line(indent, "Access ." + a.NameText, a.Span);
                    Expr(a.Value, indent + 1);
                    break;
                case IndexExpr i:
                    Line(indent, "Index", i.Span);
                    Expr(i.Value, indent + 1);
                    Expr(i.Index, indent + 1);
                    break;
                case CallExpr c:
                    Line(indent, "Call", c.Span);
                    Expr(c.Callee, indent + 1);
                    foreach (var arg in c.Arguments)
                    {
                        Expr(arg, indent + 1);
                    }

                    break;
                case UnaryExpr u:
                    Line(indent, "Unary " + Symbol(u.Operator), u.Span);
                    Expr(u.Operand, indent + 1);
                    break;
                case BinaryExpr b:
                    Line(indent, "Binary " + Symbol(b.Operator), b.Span);
                    Expr(b.Left, indent + 1);
                    Expr(b.Right, indent + 1);
                    break;
                case ParenExpr p:
                    Line(indent, "Paren", p.Span);
                    Expr(p.Inner, indent + 1);
                    break;
            }
        }
    }
}
