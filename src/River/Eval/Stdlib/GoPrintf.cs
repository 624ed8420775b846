using System.Globalization;
using System.Text;
using River.Values;

namespace River.Eval;

/// <summary>
/// <c>string.format(spec, args…)</c>: Go's <c>fmt.Sprintf</c> for the values River can hold. Supports the verbs
/// <c>%% %v %t %b %c %d %o %O %q %x %X %U %e %E %f %F %g %G %s</c>, the flags <c>+ - # 0 space</c>, width and precision
/// (also <c>*</c>), and explicit indexes <c>%[n]d</c>. Mismatches do not fail: like Go they print markers such as
/// <c>%!d(string=x)</c>, <c>%!d(MISSING)</c>, <c>%!(EXTRA int=3)</c>, <c>%!d(BADINDEX)</c>, <c>%!(NOVERB)</c>.
/// Arguments are seen as Go sees them in Alloy: integers as <c>int</c>, floats as <c>float64</c>, arrays as
/// <c>[]interface {}</c>, objects as <c>map[string]interface {}</c>. Hexadecimal/binary float verbs are not supported
/// (they print the bad-verb marker); a secret prints as <c>(secret)</c> rather than leaking.
/// </summary>
internal static class GoPrintf
{
    public static Value Function(Value[] args)
    {
        var spec = Args.String(args, 0);
        return Value.String(Format(spec, args.AsSpan(1).ToArray()));
    }

    private struct Spec
    {
        public bool Plus;
        public bool Minus;
        public bool Sharp;
        public bool Space;
        public bool Zero;
        public int Width; // -1: none
        public int Precision; // -1: none
    }

    /// <summary>Formats like Go's <c>fmt.Sprintf</c>.</summary>
    public static string Format(string format, Value[] args)
    {
        var sb = new StringBuilder(format.Length + 16);
        var argNum = 0;
        var reordered = false;
        var i = 0;
        while (i < format.Length)
        {
            var c = format[i];
            if (c != '%')
            {
                sb.Append(c);
                i++;
                continue;
            }

            i++;
            var spec = new Spec { Width = -1, Precision = -1 };

            // Flags.
            for (; i < format.Length; i++)
            {
                switch (format[i])
                {
                    case '+': spec.Plus = true; continue;
                    case '-': spec.Minus = true; spec.Zero = false; continue;
                    case '#': spec.Sharp = true; continue;
                    case ' ': spec.Space = true; continue;
                    case '0': spec.Zero = !spec.Minus; continue;
                }

                break;
            }

            var goodArgNum = true;
            (argNum, i, var found) = ArgIndex(format, i, argNum, args.Length, ref goodArgNum);
            reordered |= found;

            // Width: a number or '*'.
            if (i < format.Length && format[i] == '*')
            {
                i++;
                if (!TakeIntArg(args, ref argNum, out var w))
                {
                    sb.Append("%!(BADWIDTH)");
                }
                else
                {
                    if (w < 0)
                    {
                        spec.Minus = true;
                        spec.Zero = false;
                        w = -w;
                    }

                    spec.Width = w;
                }
            }
            else
            {
                var start = i;
                spec.Width = ParseNumber(format, ref i);
                if (found && i > start)
                {
                    goodArgNum = false; // "%[3]2d" is not allowed
                }
            }

            // Precision.
            if (i < format.Length && format[i] == '.')
            {
                i++;
                (argNum, i, found) = ArgIndex(format, i, argNum, args.Length, ref goodArgNum);
                reordered |= found;
                if (i < format.Length && format[i] == '*')
                {
                    i++;
                    if (!TakeIntArg(args, ref argNum, out var p) || p < 0)
                    {
                        sb.Append("%!(BADPREC)");
                        spec.Precision = -1;
                    }
                    else
                    {
                        spec.Precision = p;
                    }
                }
                else
                {
                    var p = ParseNumber(format, ref i);
                    spec.Precision = p < 0 ? 0 : p;
                }
            }

            (argNum, i, found) = ArgIndex(format, i, argNum, args.Length, ref goodArgNum);
            reordered |= found;

            if (i >= format.Length)
            {
                sb.Append("%!(NOVERB)");
                break;
            }

            var verb = char.ConvertToUtf32(format, i) is var cp && cp > 0xFFFF ? char.ConvertFromUtf32(cp) : format[i].ToString();
            i += verb.Length;

            if (verb == "%")
            {
                // "%%" prints a percent sign and consumes no argument.
                sb.Append('%');
                continue;
            }

            if (!goodArgNum)
            {
                sb.Append("%!").Append(verb).Append("(BADINDEX)");
                continue;
            }

            if (argNum >= args.Length)
            {
                sb.Append("%!").Append(verb).Append("(MISSING)");
                continue;
            }

            var arg = args[argNum++];
            sb.Append(FormatArg(arg, verb, spec));
        }

        if (!reordered && argNum < args.Length)
        {
            sb.Append("%!(EXTRA ");
            for (var k = argNum; k < args.Length; k++)
            {
                if (k > argNum)
                {
                    sb.Append(", ");
                }

                var a = args[k];
                if (a is NullValue)
                {
                    sb.Append("<nil>");
                }
                else
                {
                    sb.Append(GoType(a)).Append('=').Append(FormatArg(a, "v", new Spec { Width = -1, Precision = -1 }));
                }
            }

            sb.Append(')');
        }

        return sb.ToString();
    }

    // Parses "[n]" at i; returns the new argument number (0-based), the new position and whether an index was found.
    private static (int ArgNum, int Pos, bool Found) ArgIndex(string format, int i, int argNum, int numArgs, ref bool ok)
    {
        if (i >= format.Length || format[i] != '[')
        {
            return (argNum, i, false);
        }

        var close = format.IndexOf(']', i + 1);
        if (close < 0)
        {
            ok = false;
            return (argNum, format.Length, true);
        }

        var text = format.AsSpan(i + 1, close - i - 1);
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n < 1 || n > numArgs)
        {
            ok = false;
            return (argNum, close + 1, true);
        }

        return (n - 1, close + 1, true);
    }

    private static int ParseNumber(string format, ref int i)
    {
        var start = i;
        var n = 0;
        while (i < format.Length && char.IsAsciiDigit(format[i]))
        {
            n = Math.Min(n * 10 + (format[i] - '0'), 1_000_000);
            i++;
        }

        return i == start ? -1 : n;
    }

    private static bool TakeIntArg(Value[] args, ref int argNum, out int value)
    {
        value = 0;
        if (argNum >= args.Length)
        {
            return false;
        }

        var a = args[argNum++];
        if (a is NumberValue { NumberKind: not NumberKind.Float } n && n.AsInt is >= -1_000_000 and <= 1_000_000)
        {
            value = (int)n.AsInt;
            return true;
        }

        return false;
    }

    private static string GoType(Value v) => v switch
    {
        NumberValue { NumberKind: NumberKind.Float } => "float64",
        NumberValue { NumberKind: NumberKind.Uint } n when n.AsUint > long.MaxValue => "uint64",
        NumberValue => "int",
        StringValue => "string",
        BoolValue => "bool",
        ArrayValue => "[]interface {}",
        ObjectValue => "map[string]interface {}",
        SecretValue => "secret",
        FunctionValue => "func",
        CapsuleValue c => TypeDisplay.Name(c.Inner.GetType()),
        _ => "<nil>",
    };

    private static string FormatArg(Value arg, string verb, Spec spec)
    {
        switch (arg)
        {
            case NullValue:
                return verb == "v" ? Pad("<nil>", spec) : $"%!{verb}(<nil>)";
            case BoolValue b:
                return verb is "t" or "v" ? Pad(b.Value ? "true" : "false", spec) : BadVerb(verb, arg);
            case NumberValue { NumberKind: NumberKind.Float } f:
                return FormatFloat(f.AsFloat, verb, spec) ?? BadVerb(verb, arg);
            case NumberValue n:
                return FormatInteger(n, verb, spec) ?? BadVerb(verb, arg);
            case StringValue s:
                return FormatString(s.Value, verb, spec) ?? BadVerb(verb, arg);
            case SecretValue:
                return FormatString("(secret)", verb, spec) ?? BadVerb(verb, arg);
            case ArrayValue a:
            {
                var sb = new StringBuilder("[");
                for (var k = 0; k < a.Count; k++)
                {
                    if (k > 0)
                    {
                        sb.Append(' ');
                    }

                    sb.Append(FormatArg(a[k], verb, spec));
                }

                return sb.Append(']').ToString();
            }

            case ObjectValue o:
            {
                var sb = new StringBuilder("map[");
                var first = true;
                foreach (var key in o.SortedKeys)
                {
                    if (!first)
                    {
                        sb.Append(' ');
                    }

                    first = false;
                    o.TryGet(key, out var v);
                    sb.Append(FormatArg(Value.String(key), verb, spec)).Append(':').Append(FormatArg(v, verb, spec));
                }

                return sb.Append(']').ToString();
            }

            case CapsuleValue c:
                return verb is "v" or "s" ? Pad(c.Description, spec) : BadVerb(verb, arg);
            default:
                return verb == "v" ? Pad("function", spec) : BadVerb(verb, arg);
        }
    }

    private static string BadVerb(string verb, Value arg) =>
        $"%!{verb}({GoType(arg)}={FormatArg(arg, "v", new Spec { Width = -1, Precision = -1 })})";

    private static string Pad(string s, Spec spec, bool numeric = false)
    {
        var length = new StringInfo(s).LengthInTextElements;
        if (spec.Width < 0 || length >= spec.Width)
        {
            return s;
        }

        var padding = spec.Width - length;
        if (spec.Minus)
        {
            return s + new string(' ', padding);
        }

        if (spec.Zero)
        {
            // Zeros go after the sign of a number.
            if (numeric && s.Length > 0 && s[0] is '+' or '-' or ' ')
            {
                return s[0] + new string('0', padding) + s[1..];
            }

            return new string('0', padding) + s;
        }

        return new string(' ', padding) + s;
    }

    private static string? FormatString(string s, string verb, Spec spec)
    {
        switch (verb)
        {
            case "s" or "v":
                return Pad(TruncateRunes(s, spec.Precision), spec);
            case "q":
                s = TruncateRunes(s, spec.Precision);
                if (spec.Sharp && !s.Contains('`', StringComparison.Ordinal) && !s.Any(ch => ch < ' ' && ch != '\t'))
                {
                    return Pad("`" + s + "`", spec);
                }

                return Pad(spec.Plus ? QuoteAscii(s) : ValuePrinter.Quote(s), spec);
            case "x" or "X":
            {
                var bytes = Encoding.UTF8.GetBytes(s);
                var count = spec.Precision >= 0 ? Math.Min(spec.Precision, bytes.Length) : bytes.Length;
                var sb = new StringBuilder();
                for (var k = 0; k < count; k++)
                {
                    if (k > 0 && spec.Space)
                    {
                        sb.Append(' ');
                    }

                    if (spec.Sharp && (k == 0 || spec.Space))
                    {
                        sb.Append(verb == "x" ? "0x" : "0X");
                    }

                    sb.Append(bytes[k].ToString(verb == "x" ? "x2" : "X2", CultureInfo.InvariantCulture));
                }

                return Pad(sb.ToString(), spec);
            }

            default:
                return null;
        }
    }

    private static string TruncateRunes(string s, int precision)
    {
        if (precision < 0)
        {
            return s;
        }

        var sb = new StringBuilder();
        var count = 0;
        foreach (var r in s.EnumerateRunes())
        {
            if (count++ == precision)
            {
                break;
            }

            sb.Append(r.ToString());
        }

        return sb.ToString();
    }

    private static string QuoteAscii(string s)
    {
        var quoted = ValuePrinter.Quote(s);
        var sb = new StringBuilder();
        foreach (var r in quoted.EnumerateRunes())
        {
            if (r.Value < 128)
            {
                sb.Append((char)r.Value);
            }
            else if (r.Value <= 0xFFFF)
            {
                sb.Append("\\u").Append(r.Value.ToString("x4", CultureInfo.InvariantCulture));
            }
            else
            {
                sb.Append("\\U").Append(r.Value.ToString("x8", CultureInfo.InvariantCulture));
            }
        }

        return sb.ToString();
    }

    private static string? FormatInteger(NumberValue n, string verb, Spec spec)
    {
        var negative = n.NumberKind == NumberKind.Int && n.AsInt < 0;
        var magnitude = negative ? (ulong)(-(n.AsInt + 1)) + 1 : n.AsUint;
        string digits;
        var prefix = string.Empty;
        switch (verb)
        {
            case "d" or "v":
                digits = magnitude.ToString(CultureInfo.InvariantCulture);
                break;
            case "b":
                digits = Convert.ToString(unchecked((long)magnitude), 2);
                if (magnitude > long.MaxValue)
                {
                    digits = ToBase(magnitude, 2);
                }

                break;
            case "o" or "O":
                digits = ToBase(magnitude, 8);
                if (verb == "O")
                {
                    prefix = "0o";
                }
                else if (spec.Sharp && digits[0] != '0')
                {
                    prefix = "0";
                }

                break;
            case "x" or "X":
                digits = magnitude.ToString(verb == "x" ? "x" : "X", CultureInfo.InvariantCulture);
                if (spec.Sharp)
                {
                    prefix = verb == "x" ? "0x" : "0X";
                }

                break;
            case "c":
                return Pad(magnitude <= 0x10FFFF && !negative && !(magnitude is >= 0xD800 and <= 0xDFFF) ? char.ConvertFromUtf32((int)magnitude) : "\uFFFD", spec);
            case "q":
            {
                var ch = magnitude <= 0x10FFFF && !negative && !(magnitude is >= 0xD800 and <= 0xDFFF) ? char.ConvertFromUtf32((int)magnitude) : "\uFFFD";
                var inner = ValuePrinter.Quote(ch);
                inner = inner[1..^1].Replace("\\\"", "\"", StringComparison.Ordinal);
                if (ch == "'")
                {
                    inner = "\\'";
                }

                return Pad("'" + inner + "'", spec);
            }

            case "U":
            {
                var text = "U+" + magnitude.ToString("X4", CultureInfo.InvariantCulture);
                if (spec.Sharp && magnitude <= 0x10FFFF && !(magnitude is >= 0xD800 and <= 0xDFFF))
                {
                    text += " '" + char.ConvertFromUtf32((int)magnitude) + "'";
                }

                return Pad(text, spec);
            }

            case "e" or "E" or "f" or "F" or "g" or "G":
                return null;
            default:
                return null;
        }

        // Precision is a minimum number of digits; precision 0 with value 0 prints nothing.
        if (spec.Precision >= 0)
        {
            if (spec.Precision == 0 && magnitude == 0)
            {
                digits = string.Empty;
            }
            else if (digits.Length < spec.Precision)
            {
                digits = new string('0', spec.Precision - digits.Length) + digits;
            }

            spec.Zero = false;
        }

        var sign = negative ? "-" : spec.Plus ? "+" : spec.Space ? " " : string.Empty;
        if (spec.Zero && spec.Width > 0 && !spec.Minus)
        {
            var body = prefix + digits;
            var room = spec.Width - sign.Length - body.Length;
            if (room > 0)
            {
                return sign + prefix + new string('0', room) + digits;
            }
        }

        spec.Zero = false;
        return Pad(sign + prefix + digits, spec);
    }

    private static string ToBase(ulong value, int radix)
    {
        if (value == 0)
        {
            return "0";
        }

        var sb = new StringBuilder();
        while (value > 0)
        {
            sb.Insert(0, (char)('0' + (int)(value % (ulong)radix)));
            value /= (ulong)radix;
        }

        return sb.ToString();
    }

    private static string? FormatFloat(double f, string verb, Spec spec)
    {
        string body;
        if (double.IsNaN(f) || double.IsInfinity(f))
        {
            if (verb is not ("v" or "e" or "E" or "f" or "F" or "g" or "G"))
            {
                return null;
            }

            body = double.IsNaN(f) ? "NaN" : f > 0 ? (spec.Plus ? "+Inf" : spec.Space ? " Inf" : "+Inf") : "-Inf";
            if (double.IsNaN(f) && spec.Plus)
            {
                body = "+NaN";
            }

            spec.Zero = false; // Go never zero-pads infinities and NaN
            return Pad(body, spec);
        }

        var negative = f < 0 || (f == 0 && double.IsNegative(f));
        var abs = Math.Abs(f);
        switch (verb)
        {
            case "e" or "E":
                body = FormatE(abs, spec.Precision < 0 ? 6 : spec.Precision, verb[0]);
                break;
            case "f" or "F":
                body = abs.ToString("F" + (spec.Precision < 0 ? 6 : spec.Precision).ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
                break;
            case "g" or "G" or "v":
                body = FormatG(abs, spec.Precision, verb == "G" ? 'E' : 'e');
                break;
            default:
                return null;
        }

        var sign = negative ? "-" : spec.Plus ? "+" : spec.Space ? " " : string.Empty;
        return Pad(sign + body, spec, numeric: true);
    }

    // Decimal digits of a non-negative double and the position of the decimal point (Go's decimalSlice).
    private static (string Digits, int Dp) DigitsOf(double abs, int significant)
    {
        if (abs == 0)
        {
            return ("0", 1);
        }

        // "E" formatting with an explicit count rounds correctly; "R" gives the shortest round-trip digits.
        var text = significant < 0
            ? abs.ToString("E16", CultureInfo.InvariantCulture)
            : abs.ToString("E" + (significant - 1).ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
        if (significant < 0)
        {
            var r = abs.ToString("R", CultureInfo.InvariantCulture);
            text = double.Parse(r, CultureInfo.InvariantCulture).ToString("E" + (CountSignificant(r) - 1).ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
        }

        var e = text.IndexOf('E', StringComparison.Ordinal);
        var mantissa = text[..e].Replace(".", string.Empty, StringComparison.Ordinal);
        var exp = int.Parse(text.AsSpan(e + 1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        return (mantissa, exp + 1);
    }

    private static int CountSignificant(string r)
    {
        var e = r.IndexOfAny(['E', 'e']);
        var m = e < 0 ? r : r[..e];
        var digits = m.Replace(".", string.Empty, StringComparison.Ordinal).TrimStart('0').TrimEnd('0');
        return Math.Max(digits.Length, 1);
    }

    private static string FormatE(double abs, int precision, char e)
    {
        var (digits, dp) = DigitsOf(abs, precision + 1);
        return ComposeE(digits, dp, precision, e);
    }

    private static string ComposeE(string digits, int dp, int precision, char e)
    {
        var sb = new StringBuilder();
        sb.Append(digits[0]);
        if (precision > 0)
        {
            sb.Append('.');
            for (var k = 1; k <= precision; k++)
            {
                sb.Append(k < digits.Length ? digits[k] : '0');
            }
        }

        var exp = digits == "0" ? 0 : dp - 1;
        sb.Append(e).Append(exp < 0 ? '-' : '+');
        var expText = Math.Abs(exp).ToString(CultureInfo.InvariantCulture);
        if (expText.Length < 2)
        {
            sb.Append('0');
        }

        return sb.Append(expText).ToString();
    }

    private static string ComposeF(string digits, int dp, int precision)
    {
        var sb = new StringBuilder();
        if (dp > 0)
        {
            for (var k = 0; k < dp; k++)
            {
                sb.Append(k < digits.Length ? digits[k] : '0');
            }
        }
        else
        {
            sb.Append('0');
        }

        if (precision > 0)
        {
            sb.Append('.');
            for (var k = 0; k < precision; k++)
            {
                var index = dp + k;
                sb.Append(index >= 0 && index < digits.Length ? digits[index] : '0');
            }
        }

        return sb.ToString();
    }

    // Go's %g: shortest digits (or `precision` significant digits, trailing zeros dropped), %e form when the exponent
    // is below -4 or at least the precision (6 for the shortest form).
    private static string FormatG(double abs, int precision, char e)
    {
        var shortest = precision < 0;
        if (precision == 0)
        {
            precision = 1;
        }

        var (digits, dp) = DigitsOf(abs, shortest ? -1 : precision);
        digits = digits.TrimEnd('0');
        if (digits.Length == 0)
        {
            digits = "0";
            dp = 1;
        }

        var nd = digits.Length;
        if (shortest)
        {
            precision = nd;
        }

        var eprec = precision;
        if (eprec > nd && nd >= dp)
        {
            eprec = nd;
        }

        if (shortest)
        {
            eprec = 6;
        }

        var exp = dp - 1;
        if (digits == "0")
        {
            exp = 0;
        }

        if (exp < -4 || exp >= eprec)
        {
            if (precision > nd)
            {
                precision = nd;
            }

            return ComposeE(digits, dp, precision - 1, e);
        }

        if (precision > dp)
        {
            precision = nd;
        }

        return ComposeF(digits, dp, Math.Max(precision - dp, 0));
    }
}
