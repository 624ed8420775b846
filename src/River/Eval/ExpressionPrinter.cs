using System.Text;
using River.Syntax;
using River.Values;

namespace River.Eval;

/// <summary>
/// Prints an expression on one line, for messages when no source text is at hand (expressions built in code).
/// With a source file the evaluator quotes the user's own text instead.
/// </summary>
public static class ExpressionPrinter
{
    /// <summary>The expression as River text.</summary>
    public static string Print(Expr expr)
    {
        var sb = new StringBuilder();
        Write(sb, expr);
        return sb.ToString();
    }

    private static void Write(StringBuilder sb, Expr expr)
    {
        switch (expr)
        {
            case LiteralExpr lit:
                sb.Append(lit.Raw.Length > 0 || lit.Text is null ? lit.Raw : ValuePrinter.Quote(lit.Text));
                break;
            case IdentifierExpr id:
                sb.Append(id.Name);
                break;
            case ParenExpr p:
                sb.Append('(');
                Write(sb, p.Inner);
                sb.Append(')');
                break;
            case ArrayExpr arr:
                sb.Append('[');
                for (var i = 0; i < arr.Elements.Length; i++)
                {
                    if (i > 0)
                    {
                        sb.Append(", ");
                    }

                    Write(sb, arr.Elements[i]);
                }

                sb.Append(']');
                break;
            case ObjectExpr obj:
                sb.Append('{');
                for (var i = 0; i < obj.Fields.Length; i++)
                {
                    sb.Append(i > 0 ? ", " : " ");
                    var f = obj.Fields[i];
                    sb.Append(f.Quoted ? "\"" + f.Name + "\"" : f.Name).Append(" = ");
                    Write(sb, f.Value);
                }

                sb.Append(obj.Fields.Length > 0 ? " }" : "}");
                break;
            case AccessExpr a:
                Write(sb, a.Value);
                sb.Append('.').Append(a.NameText);
                break;
            case IndexExpr ix:
                Write(sb, ix.Value);
                sb.Append('[');
                Write(sb, ix.Index);
                sb.Append(']');
                break;
            case CallExpr call:
                Write(sb, call.Callee);
                sb.Append('(');
                for (var i = 0; i < call.Arguments.Length; i++)
                {
                    if (i > 0)
                    {
                        sb.Append(", ");
                    }

                    Write(sb, call.Arguments[i]);
                }

                sb.Append(')');
                break;
            case UnaryExpr u:
                sb.Append(u.Operator == UnaryOperator.Not ? "!" : "-");
                Write(sb, u.Operand);
                break;
            case BinaryExpr b:
                Write(sb, b.Left);
                sb.Append(' ').Append(Operators.Symbol(b.Operator)).Append(' ');
                Write(sb, b.Right);
                break;
        }
    }
}
