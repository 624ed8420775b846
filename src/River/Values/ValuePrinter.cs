using System.Globalization;
using System.Text;

namespace River.Values;

/// <summary>
/// Renders values as River syntax, the way Alloy prints them in value dumps and the UI: strings Go-quoted, arrays on
/// one line, objects one field per line with sorted keys, secrets as <c>(secret)</c>, capsules and functions described.
/// </summary>
public static class ValuePrinter
{
    /// <summary>The value as River text; nested objects are indented with tabs.</summary>
    public static string Print(Value value)
    {
        var sb = new StringBuilder();
        Write(sb, value, 0);
        return sb.ToString();
    }

    /// <summary>Appends the River text of a value at an indentation depth.</summary>
    public static void Write(StringBuilder sb, Value value, int indent)
    {
        switch (value)
        {
            case NullValue:
                sb.Append("null");
                break;
            case BoolValue b:
                sb.Append(b.Value ? "true" : "false");
                break;
            case NumberValue n:
                WriteNumber(sb, n);
                break;
            case StringValue s:
                sb.Append(Quote(s.Value));
                break;
            case SecretValue:
                sb.Append("(secret)");
                break;
            case ArrayValue a:
                sb.Append('[');
                for (var i = 0; i < a.Count; i++)
                {
                    if (i > 0)
                    {
                        sb.Append(", ");
                    }

                    Write(sb, a[i], indent);
                }

                sb.Append(']');
                break;
            case ObjectValue o:
                if (o.Count == 0)
                {
                    sb.Append("{}");
                    break;
                }

                sb.Append("{\n");
                foreach (var key in o.SortedKeys)
                {
                    o.TryGet(key, out var field);
                    sb.Append('\t', indent + 1);
                    sb.Append(IsIdentifier(key) ? key : Quote(key)).Append(" = ");
                    Write(sb, field, indent + 1);
                    sb.Append(",\n");
                }

                sb.Append('\t', indent).Append('}');
                break;
            case FunctionValue:
                sb.Append("function");
                break;
            case CapsuleValue c:
                sb.Append(c.Description);
                break;
        }
    }

    private static void WriteNumber(StringBuilder sb, NumberValue n)
    {
        // Alloy prints numbers exactly as it converts them to strings (a whole float prints without ".0").
        sb.Append(n.ToRiverString());
    }

    /// <summary>True when <paramref name="s"/> is a River identifier (letter or <c>_</c>, then letters, digits, <c>_</c>; not a keyword).</summary>
    public static bool IsIdentifier(string s)
    {
        if (s.Length == 0 || s is "true" or "false" or "null")
        {
            return false;
        }

        for (var i = 0; i < s.Length; i++)
        {
            var c = s[i];
            var ok = c == '_' || char.IsLetter(c) || (i > 0 && char.IsDigit(c));
            if (!ok)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Go <c>strconv.Quote</c>: double quotes, with <c>\n \t \" \\</c> and non-printable characters escaped.</summary>
    public static string Quote(string s)
    {
        var sb = new StringBuilder(s.Length + 2);
        sb.Append('"');
        for (var i = 0; i < s.Length; i++)
        {
            var c = s[i];
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                case '\a': sb.Append("\\a"); break;
                case '\b': sb.Append("\\b"); break;
                case '\f': sb.Append("\\f"); break;
                case '\v': sb.Append("\\v"); break;
                default:
                    if (char.IsSurrogate(c))
                    {
                        sb.Append(c);
                    }
                    else if (c < 0x20 || c == 0x7f)
                    {
                        sb.Append("\\x").Append(((int)c).ToString("x2", CultureInfo.InvariantCulture));
                    }
                    else if (char.IsControl(c) || char.GetUnicodeCategory(c) == UnicodeCategory.Format)
                    {
                        sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        sb.Append(c);
                    }

                    break;
            }
        }

        sb.Append('"');
        return sb.ToString();
    }
}
