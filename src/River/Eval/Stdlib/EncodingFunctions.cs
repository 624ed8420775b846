using System.Globalization;
using System.Text;
using System.Text.Json;
using River.Values;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace River.Eval;

/// <summary>
/// The <c>encoding</c> namespace. JSON numbers decode to floats as Go's <c>encoding/json</c> does; YAML uses the
/// YAML 1.2 core schema (ints stay ints); <c>to_json</c> accepts only an object and writes keys sorted with Go's
/// escaping. <c>from_base64</c> returns the decoded bytes as a UTF-8 string (what Alloy's documentation describes).
/// </summary>
internal static class EncodingFunctions
{
    public static Value FromJson(Value[] args)
    {
        var text = Args.String(args, 0);
        try
        {
            using var doc = JsonDocument.Parse(text, new JsonDocumentOptions { MaxDepth = 512 });
            return FromJsonElement(doc.RootElement);
        }
        catch (JsonException e)
        {
            throw ValueException.Argument(0, new ValueException($"is not valid JSON: {JsonError(e)}"));
        }
    }

    internal static Value FromJsonElement(JsonElement e)
    {
        switch (e.ValueKind)
        {
            case JsonValueKind.Object:
                var fields = new OrderedDictionary<string, Value>(StringComparer.Ordinal);
                foreach (var p in e.EnumerateObject())
                {
                    fields[p.Name] = FromJsonElement(p.Value);
                }

                return new ObjectValue(fields);
            case JsonValueKind.Array:
                var items = new List<Value>(e.GetArrayLength());
                foreach (var item in e.EnumerateArray())
                {
                    items.Add(FromJsonElement(item));
                }

                return items.Count == 0 ? ArrayValue.Empty : new ArrayValue(items.ToArray());
            case JsonValueKind.String:
                return Value.String(e.GetString()!);
            case JsonValueKind.Number:
                return Value.Float(e.GetDouble());
            case JsonValueKind.True:
                return Value.True;
            case JsonValueKind.False:
                return Value.False;
            default:
                return Value.Null;
        }
    }

    public static Value FromYaml(Value[] args)
    {
        var text = Args.String(args, 0);
        try
        {
            var stream = new YamlStream();
            stream.Load(new StringReader(text));
            return stream.Documents.Count == 0 ? Value.Null : FromYamlNode(stream.Documents[0].RootNode, 0);
        }
        catch (YamlException e)
        {
            throw ValueException.Argument(0, new ValueException($"is not valid YAML: {FirstSentence(e.Message).TrimEnd('.')} (line {e.Start.Line}, column {e.Start.Column})"));
        }
    }

    private static Value FromYamlNode(YamlNode node, int depth)
    {
        if (depth > 512)
        {
            throw new ValueException("YAML nesting is too deep");
        }

        switch (node)
        {
            case YamlMappingNode map:
                var fields = new OrderedDictionary<string, Value>(StringComparer.Ordinal);
                foreach (var (k, v) in map.Children)
                {
                    var key = k is YamlScalarNode ks ? ks.Value ?? "null" : k.ToString();
                    fields[key] = FromYamlNode(v, depth + 1);
                }

                return new ObjectValue(fields);
            case YamlSequenceNode seq:
                var items = new List<Value>();
                foreach (var item in seq.Children)
                {
                    items.Add(FromYamlNode(item, depth + 1));
                }

                return items.Count == 0 ? ArrayValue.Empty : new ArrayValue(items.ToArray());
            case YamlScalarNode scalar:
                return FromYamlScalar(scalar);
            default:
                return Value.Null;
        }
    }

    // YAML 1.2 core schema resolution of plain scalars; quoted scalars and !!str are strings.
    private static Value FromYamlScalar(YamlScalarNode scalar)
    {
        var text = scalar.Value ?? string.Empty;
        var tag = scalar.Tag.IsEmpty ? null : scalar.Tag.Value;
        if (tag == "tag:yaml.org,2002:str" || (tag is null && scalar.Style is not ScalarStyle.Plain and not ScalarStyle.Any))
        {
            return Value.String(text);
        }

        switch (text)
        {
            case "" or "~" or "null" or "Null" or "NULL":
                return Value.Null;
            case "true" or "True" or "TRUE":
                return Value.True;
            case "false" or "False" or "FALSE":
                return Value.False;
            case ".inf" or ".Inf" or ".INF" or "+.inf" or "+.Inf" or "+.INF":
                return Value.Float(double.PositiveInfinity);
            case "-.inf" or "-.Inf" or "-.INF":
                return Value.Float(double.NegativeInfinity);
            case ".nan" or ".NaN" or ".NAN":
                return Value.Float(double.NaN);
        }

        if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l))
        {
            return Value.Int(l);
        }

        if (text.StartsWith("0x", StringComparison.Ordinal) && long.TryParse(text.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out l))
        {
            return Value.Int(l);
        }

        if (text.StartsWith("0o", StringComparison.Ordinal) && text.Length > 2 && text.AsSpan(2).IndexOfAnyExcept("01234567") < 0)
        {
            return Value.Int(Convert.ToInt64(text[2..], 8));
        }

        if (ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var u))
        {
            return Value.Uint(u);
        }

        if (text.AsSpan().IndexOfAny('.', 'e', 'E') >= 0 && text.AsSpan().IndexOfAnyExcept("0123456789.eE+-") < 0
            && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d))
        {
            return Value.Float(d);
        }

        return Value.String(text);
    }

    public static Value ToJson(Value[] args)
    {
        if (args[0] is not ObjectValue)
        {
            // Alloy's message, kept verbatim.
            throw new ValueException("jsonEncode only supports map");
        }

        var sb = new StringBuilder();
        WriteJson(sb, args[0]);
        return Value.String(sb.ToString());
    }

    private static void WriteJson(StringBuilder sb, Value v)
    {
        switch (v)
        {
            case NullValue:
                sb.Append("null");
                break;
            case BoolValue b:
                sb.Append(b.Value ? "true" : "false");
                break;
            case NumberValue n:
                sb.Append(JsonNumber(n));
                break;
            case StringValue s:
                WriteJsonString(sb, s.Value);
                break;
            case SecretValue:
                WriteJsonString(sb, "(secret)");
                break;
            case ArrayValue a:
                sb.Append('[');
                for (var i = 0; i < a.Count; i++)
                {
                    if (i > 0)
                    {
                        sb.Append(',');
                    }

                    WriteJson(sb, a[i]);
                }

                sb.Append(']');
                break;
            case ObjectValue o:
                sb.Append('{');
                var first = true;
                foreach (var key in o.SortedKeys)
                {
                    if (!first)
                    {
                        sb.Append(',');
                    }

                    first = false;
                    WriteJsonString(sb, key);
                    sb.Append(':');
                    o.TryGet(key, out var field);
                    WriteJson(sb, field);
                }

                sb.Append('}');
                break;
            case CapsuleValue c:
                WriteJsonString(sb, c.Description);
                break;
            default:
                throw new ValueException("json: unsupported type: function");
        }
    }

    // Go encoding/json: integers as is; floats in 'f' form, or 'e' form below 1e-6 or from 1e21 on.
    private static string JsonNumber(NumberValue n)
    {
        if (n.NumberKind != NumberKind.Float)
        {
            return n.ToRiverString();
        }

        var f = n.AsFloat;
        if (double.IsNaN(f) || double.IsInfinity(f))
        {
            throw new ValueException($"json: unsupported value: {NumberValue.FormatFloat(f)}");
        }

        var abs = Math.Abs(f);
        if (abs != 0 && (abs < 1e-6 || abs >= 1e21))
        {
            var s = f.ToString("R", CultureInfo.InvariantCulture).Replace("E", "e", StringComparison.Ordinal);
            // Go writes e-07 as e-07 and e+21 as e+21: two-digit exponents keep their sign.
            return s;
        }

        return NumberValue.FormatFloat(f);
    }

    /// <summary>Go's JSON string escaping: quotes, backslash, control characters, and <c>&lt; &gt; &amp;</c> U+2028 U+2029 as \u escapes.</summary>
    internal static void WriteJsonString(StringBuilder sb, string s)
    {
        sb.Append('"');
        foreach (var c in s)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                default:
                    if (c < 0x20 || c is '<' or '>' or '&' or '\u2028' or '\u2029')
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
    }

    public static Value FromBase64(Value[] args) => DecodeBase64(args, urlSafe: false);

    public static Value FromUrlBase64(Value[] args) => DecodeBase64(args, urlSafe: true);

    public static Value ToBase64(Value[] args) => Value.String(Convert.ToBase64String(Encoding.UTF8.GetBytes(Args.String(args, 0))));

    public static Value ToUrlBase64(Value[] args) =>
        Value.String(Convert.ToBase64String(Encoding.UTF8.GetBytes(Args.String(args, 0))).Replace('+', '-').Replace('/', '_'));

    private static Value DecodeBase64(Value[] args, bool urlSafe)
    {
        var text = Args.String(args, 0);
        if (urlSafe)
        {
            if (text.AsSpan().IndexOfAny('+', '/') >= 0)
            {
                throw ValueException.Argument(0, new ValueException("is not valid URL-safe base64"));
            }

            text = text.Replace('-', '+').Replace('_', '/');
        }
        else if (text.AsSpan().IndexOfAny('-', '_') >= 0)
        {
            throw ValueException.Argument(0, new ValueException("is not valid base64"));
        }

        try
        {
            return Value.String(Encoding.UTF8.GetString(Convert.FromBase64String(text)));
        }
        catch (FormatException)
        {
            throw ValueException.Argument(0, new ValueException(urlSafe ? "is not valid URL-safe base64" : "is not valid base64"));
        }
    }

    /// <summary>Go <c>url.QueryEscape</c>: letters, digits and <c>-_.~</c> kept, space as <c>+</c>, the rest <c>%XX</c>.</summary>
    public static Value UrlEncode(Value[] args)
    {
        var sb = new StringBuilder();
        foreach (var b in Encoding.UTF8.GetBytes(Args.String(args, 0)))
        {
            var c = (char)b;
            if (char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '~')
            {
                sb.Append(c);
            }
            else if (c == ' ')
            {
                sb.Append('+');
            }
            else
            {
                sb.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
            }
        }

        return Value.String(sb.ToString());
    }

    /// <summary>Go <c>url.QueryUnescape</c>: <c>+</c> is a space, <c>%XX</c> a byte; a malformed escape is an error.</summary>
    public static Value UrlDecode(Value[] args)
    {
        var s = Args.String(args, 0);
        var bytes = new List<byte>(s.Length);
        for (var i = 0; i < s.Length; i++)
        {
            var c = s[i];
            if (c == '%')
            {
                if (i + 2 >= s.Length || !char.IsAsciiHexDigit(s[i + 1]) || !char.IsAsciiHexDigit(s[i + 2]))
                {
                    var bad = s.Substring(i, Math.Min(3, s.Length - i));
                    throw ValueException.Argument(0, new ValueException($"has an invalid URL escape {ValuePrinter.Quote(bad)}"));
                }

                bytes.Add(byte.Parse(s.AsSpan(i + 1, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture));
                i += 2;
            }
            else if (c == '+')
            {
                bytes.Add((byte)' ');
            }
            else if (char.IsHighSurrogate(c) && i + 1 < s.Length)
            {
                bytes.AddRange(Encoding.UTF8.GetBytes(s.Substring(i, 2)));
                i++;
            }
            else
            {
                bytes.AddRange(Encoding.UTF8.GetBytes(c.ToString()));
            }
        }

        return Value.String(Encoding.UTF8.GetString(bytes.ToArray()));
    }

    /// <summary>The parser's reason without .NET's position suffix, plus a 1-based line and column.</summary>
    internal static string JsonError(JsonException e)
    {
        var message = e.Message;
        var cut = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        if (cut >= 0)
        {
            message = message[..cut];
        }

        message = message.TrimEnd('.', ' ');
        return e.LineNumber is { } line && e.BytePositionInLine is { } column
            ? $"{message} (line {line + 1}, column {column + 1})"
            : message;
    }

    private static string FirstSentence(string message)
    {
        var nl = message.IndexOf('\n', StringComparison.Ordinal);
        return nl < 0 ? message : message[..nl];
    }
}
