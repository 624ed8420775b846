using System.Globalization;
using System.Text.Json;
using River.Values;

namespace River.Eval;

/// <summary>
/// <c>json_path(json, path)</c>: a practical JSONPath subset, always returning a list (<c>[]</c> when nothing
/// matches). Supported: an optional leading <c>$</c>; <c>.key</c> and <c>['key']</c>/<c>["key"]</c> children;
/// <c>.*</c> and <c>[*]</c> wildcards; <c>[n]</c> indexes (negative from the end); <c>[n,m,…]</c> index unions;
/// <c>[start:end]</c> slices; <c>..key</c> and <c>..*</c> recursive descent. Filters (<c>[?(…)]</c>) and script
/// expressions are not supported and give an error. JSON numbers are floats, as in <c>encoding.from_json</c>.
/// </summary>
internal static class JsonPath
{
    private abstract record Step;

    private sealed record ChildStep(string Name) : Step;

    private sealed record WildcardStep : Step;

    private sealed record IndexStep(int[] Indexes) : Step;

    private sealed record SliceStep(int? Start, int? End) : Step;

    private sealed record DescendStep(Step Inner) : Step;

    public static Value Function(Value[] args)
    {
        var json = Args.String(args, 0);
        var path = Args.String(args, 1);
        List<Step> steps;
        try
        {
            steps = Parse(path);
        }
        catch (FormatException e)
        {
            throw ValueException.Argument(1, new ValueException($"is not a supported JSONPath: {e.Message}"));
        }

        Value root;
        try
        {
            using var doc = JsonDocument.Parse(json);
            root = EncodingFunctions.FromJsonElement(doc.RootElement);
        }
        catch (JsonException e)
        {
            throw ValueException.Argument(0, new ValueException($"is not valid JSON: {EncodingFunctions.JsonError(e)}"));
        }

        var current = new List<Value> { root };
        foreach (var step in steps)
        {
            var next = new List<Value>();
            foreach (var v in current)
            {
                Apply(step, v, next);
            }

            current = next;
        }

        return current.Count == 0 ? ArrayValue.Empty : new ArrayValue(current.ToArray());
    }

    private static void Apply(Step step, Value v, List<Value> output)
    {
        switch (step)
        {
            case ChildStep c:
                if (v is ObjectValue o && o.TryGet(c.Name, out var child))
                {
                    output.Add(child);
                }

                break;
            case WildcardStep:
                if (v is ObjectValue wo)
                {
                    output.AddRange(wo.Fields.Values);
                }
                else if (v is ArrayValue wa)
                {
                    output.AddRange(wa.Elements);
                }

                break;
            case IndexStep ix:
                if (v is ArrayValue a)
                {
                    foreach (var i in ix.Indexes)
                    {
                        var k = i < 0 ? a.Count + i : i;
                        if (k >= 0 && k < a.Count)
                        {
                            output.Add(a[k]);
                        }
                    }
                }

                break;
            case SliceStep s:
                if (v is ArrayValue sa)
                {
                    var start = Normalize(s.Start ?? 0, sa.Count);
                    var end = Normalize(s.End ?? sa.Count, sa.Count);
                    for (var k = start; k < end; k++)
                    {
                        output.Add(sa[k]);
                    }
                }

                break;
            case DescendStep d:
                foreach (var node in Descendants(v))
                {
                    Apply(d.Inner, node, output);
                }

                break;
        }
    }

    private static int Normalize(int i, int count) => Math.Clamp(i < 0 ? count + i : i, 0, count);

    // The value itself and everything below it, in document order.
    private static IEnumerable<Value> Descendants(Value v)
    {
        var stack = new Stack<Value>();
        stack.Push(v);
        while (stack.Count > 0)
        {
            var x = stack.Pop();
            yield return x;
            IReadOnlyList<Value> children = x switch
            {
                ObjectValue o => o.Fields.Values.ToArray(),
                ArrayValue a => a.Elements,
                _ => [],
            };
            for (var i = children.Count - 1; i >= 0; i--)
            {
                stack.Push(children[i]);
            }
        }
    }

    private static List<Step> Parse(string path)
    {
        var steps = new List<Step>();
        var i = 0;
        if (path.StartsWith('$'))
        {
            i = 1;
        }
        else if (path.StartsWith('@'))
        {
            throw new FormatException("'@' is only meaningful inside filters");
        }

        while (i < path.Length)
        {
            var c = path[i];
            if (c == '.')
            {
                var descend = i + 1 < path.Length && path[i + 1] == '.';
                i += descend ? 2 : 1;
                Step inner;
                if (i < path.Length && path[i] == '*')
                {
                    inner = new WildcardStep();
                    i++;
                }
                else if (i < path.Length && path[i] == '[' && descend)
                {
                    inner = ParseBracket(path, ref i);
                }
                else
                {
                    var start = i;
                    while (i < path.Length && path[i] != '.' && path[i] != '[')
                    {
                        i++;
                    }

                    if (i == start)
                    {
                        throw new FormatException($"expected a name at offset {start}");
                    }

                    inner = new ChildStep(path[start..i]);
                }

                steps.Add(descend ? new DescendStep(inner) : inner);
            }
            else if (c == '[')
            {
                steps.Add(ParseBracket(path, ref i));
            }
            else if (steps.Count == 0 && i == 0)
            {
                // A bare leading name ("key.sub") is read as ".key.sub".
                path = "." + path;
            }
            else
            {
                throw new FormatException($"unexpected '{c}' at offset {i}");
            }
        }

        return steps;
    }

    private static Step ParseBracket(string path, ref int i)
    {
        var close = FindClose(path, i);
        var inner = path[(i + 1)..close].Trim();
        i = close + 1;
        if (inner == "*")
        {
            return new WildcardStep();
        }

        if (inner.StartsWith('?') || inner.StartsWith('('))
        {
            throw new FormatException("filter and script expressions are not supported");
        }

        if (inner.Length >= 2 && (inner[0] == '\'' || inner[0] == '"') && inner[^1] == inner[0])
        {
            return new ChildStep(inner[1..^1]);
        }

        if (inner.Contains(':', StringComparison.Ordinal))
        {
            var parts = inner.Split(':');
            if (parts.Length > 3 || (parts.Length == 3 && parts[2].Trim() is not ("" or "1")))
            {
                throw new FormatException("slice steps other than 1 are not supported");
            }

            return new SliceStep(ParseOptionalInt(parts[0]), ParseOptionalInt(parts[1]));
        }

        var indexes = new List<int>();
        foreach (var part in inner.Split(','))
        {
            indexes.Add(ParseOptionalInt(part) ?? throw new FormatException($"invalid index \"{inner}\""));
        }

        return new IndexStep(indexes.ToArray());
    }

    private static int? ParseOptionalInt(string s)
    {
        s = s.Trim();
        if (s.Length == 0)
        {
            return null;
        }

        return int.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n)
            ? n
            : throw new FormatException($"invalid index \"{s}\"");
    }

    private static int FindClose(string path, int open)
    {
        char? quote = null;
        for (var k = open + 1; k < path.Length; k++)
        {
            var c = path[k];
            if (quote is not null)
            {
                if (c == quote)
                {
                    quote = null;
                }
            }
            else if (c is '\'' or '"')
            {
                quote = c;
            }
            else if (c == ']')
            {
                return k;
            }
        }

        throw new FormatException($"missing ']' for '[' at offset {open}");
    }
}
