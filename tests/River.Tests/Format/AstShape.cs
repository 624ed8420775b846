using System.Globalization;
using System.Text;
using River.Syntax;

namespace River.Tests.Format;

/// <summary>
/// A span-free dump of a parsed file: every node, name, label, operator and literal, plus the comments in order.
/// Two files with equal dumps differ only in layout, which is exactly what the formatter may change.
/// </summary>
internal static class AstShape
{
    /// <summary>Dumps the file as one line per node, indented by depth.</summary>
    public static string Dump(ConfigFile file)
    {
        var sb = new StringBuilder();
        foreach (var statement in file.Body)
        {
            Statement(sb, statement, 0);
        }

        foreach (var comment in file.Comments.OrderBy(c => c.Span.Start))
        {
            // The formatter drops trailing blanks of // comments and carriage returns; the text is otherwise kept.
            var text = comment.Text.Replace("\r", string.Empty, StringComparison.Ordinal);
            sb.Append("comment ").AppendLine(comment.IsBlock ? text : text.TrimEnd());
        }

        return sb.ToString();
    }

    private static void Line(StringBuilder sb, int depth, string text) => sb.Append(' ', depth * 2).AppendLine(text);

    private static void Statement(StringBuilder sb, Statement statement, int depth)
    {
        switch (statement)
        {
            case AttributeStatement attribute:
                Line(sb, depth, "attr " + attribute.Name.Name);
                Expr(sb, attribute.Value, depth + 1);
                break;
            case BlockStatement block:
                Line(sb, depth, "block " + block.Name + (block.Label is null ? string.Empty : " \"" + block.Label + "\""));
                foreach (var inner in block.Body)
                {
                    Statement(sb, inner, depth + 1);
                }

                break;
            default:
                Line(sb, depth, "statement?");
                break;
        }
    }

    private static void Expr(StringBuilder sb, Expr expr, int depth)
    {
        switch (expr)
        {
            case LiteralExpr literal:
                // Raw strings keep their bytes, except that a Windows line ending inside is written as \n.
                var raw = literal.Kind == LiteralKind.RawString
                    ? literal.Raw.Replace("\r\n", "\n", StringComparison.Ordinal)
                    : literal.Raw;
                Line(sb, depth, string.Create(CultureInfo.InvariantCulture, $"literal {literal.Kind} {raw}"));
                break;
            case IdentifierExpr identifier:
                Line(sb, depth, "ident " + identifier.Name);
                break;
            case ArrayExpr array:
                Line(sb, depth, "array");
                foreach (var element in array.Elements)
                {
                    Expr(sb, element, depth + 1);
                }

                break;
            case ObjectExpr obj:
                Line(sb, depth, "object");
                foreach (var field in obj.Fields)
                {
                    Line(sb, depth + 1, (field.Quoted ? "quoted " : "field ") + field.Name);
                    Expr(sb, field.Value, depth + 2);
                }

                break;
            case AccessExpr access:
                Line(sb, depth, "access ." + access.Name.Name);
                Expr(sb, access.Value, depth + 1);
                break;
            case IndexExpr index:
                Line(sb, depth, "index");
                Expr(sb, index.Value, depth + 1);
                Expr(sb, index.Index, depth + 1);
                break;
            case CallExpr call:
                Line(sb, depth, "call");
                Expr(sb, call.Callee, depth + 1);
                foreach (var argument in call.Arguments)
                {
                    Expr(sb, argument, depth + 1);
                }

                break;
            case UnaryExpr unary:
                Line(sb, depth, "unary " + unary.Operator);
                Expr(sb, unary.Operand, depth + 1);
                break;
            case BinaryExpr binary:
                Line(sb, depth, "binary " + binary.Operator);
                Expr(sb, binary.Left, depth + 1);
                Expr(sb, binary.Right, depth + 1);
                break;
            case ParenExpr paren:
                Line(sb, depth, "paren");
                Expr(sb, paren.Inner, depth + 1);
                break;
            default:
                Line(sb, depth, "expr?");
                break;
        }
    }
}
