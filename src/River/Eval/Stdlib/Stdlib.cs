using System.Collections.Frozen;
using River.Values;

namespace River.Eval;

/// <summary>
/// The standard library: top-level names looked up after the scope. Namespaces (<c>string</c>, <c>encoding</c>, …) are
/// objects whose fields are functions, so <c>string.format(…)</c> is an access followed by a call, exactly as in Alloy.
/// The pre-1.4 top-level names (<c>env</c>, <c>concat</c>, <c>json_decode</c>, …) still resolve, with a warning that
/// names the replacement.
/// </summary>
public static class Stdlib
{
    private static readonly FrozenDictionary<string, Value> Current = BuildCurrent();
    private static readonly FrozenDictionary<string, string> Deprecated = new Dictionary<string, string>
    {
        ["env"] = "sys.env",
        ["nonsensitive"] = "convert.nonsensitive",
        ["concat"] = "array.concat",
        ["json_decode"] = "encoding.from_json",
        ["yaml_decode"] = "encoding.from_yaml",
        ["base64_decode"] = "encoding.from_base64",
        ["format"] = "string.format",
        ["join"] = "string.join",
        ["replace"] = "string.replace",
        ["split"] = "string.split",
        ["to_lower"] = "string.to_lower",
        ["to_upper"] = "string.to_upper",
        ["trim"] = "string.trim",
        ["trim_prefix"] = "string.trim_prefix",
        ["trim_suffix"] = "string.trim_suffix",
        ["trim_space"] = "string.trim_space",
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>The current (non-deprecated) top-level names.</summary>
    public static IEnumerable<string> CurrentNames => Current.Keys;

    /// <summary>True when <paramref name="name"/> is a top-level stdlib name (current or deprecated).</summary>
    public static bool Contains(string name) => Current.ContainsKey(name) || Deprecated.ContainsKey(name);

    /// <summary>For a deprecated name, its current replacement (<c>env</c> → <c>sys.env</c>); null otherwise.</summary>
    public static string? DeprecatedReplacement(string name) => Deprecated.GetValueOrDefault(name);

    /// <summary>True when the dotted path names an experimental function (<c>array.combine_maps</c>, <c>array.group_by</c>).</summary>
    public static bool IsExperimental(IReadOnlyList<string> path) =>
        path.Count >= 2 && Current.TryGetValue(path[0], out var ns) && ns is ObjectValue o && o.TryGet(path[1], out var f)
        && f is FunctionValue { Stability: FunctionStability.Experimental };

    /// <summary>Looks up a top-level name (deprecated names included).</summary>
    public static bool TryGet(string name, out Value value)
    {
        if (Current.TryGetValue(name, out value!))
        {
            return true;
        }

        if (Deprecated.TryGetValue(name, out var replacement))
        {
            var dot = replacement.IndexOf('.', StringComparison.Ordinal);
            var ns = (ObjectValue)Current[replacement[..dot]];
            ns.TryGet(replacement[(dot + 1)..], out value);
            return true;
        }

        value = Value.Null;
        return false;
    }

    private static FrozenDictionary<string, Value> BuildCurrent()
    {
        var table = new Dictionary<string, Value>(StringComparer.Ordinal)
        {
            ["sys"] = Namespace(Fn("sys.env", 1, 1, SysFunctions.Env)),
            ["constants"] = SysFunctions.Constants(),
            ["coalesce"] = Fn("coalesce", 0, -1, SysFunctions.Coalesce),
            ["json_path"] = Fn("json_path", 2, 2, JsonPath.Function),
            ["string"] = Namespace(
                Fn("string.format", 1, -1, GoPrintf.Function),
                Fn("string.join", 2, 2, StringFunctions.Join),
                Fn("string.split", 2, 2, StringFunctions.Split),
                Fn("string.replace", 3, 3, StringFunctions.Replace),
                Fn("string.to_lower", 1, 1, StringFunctions.ToLower),
                Fn("string.to_upper", 1, 1, StringFunctions.ToUpper),
                Fn("string.trim", 2, 2, StringFunctions.Trim),
                Fn("string.trim_prefix", 2, 2, StringFunctions.TrimPrefix),
                Fn("string.trim_suffix", 2, 2, StringFunctions.TrimSuffix),
                Fn("string.trim_space", 1, 1, StringFunctions.TrimSpace)),
            ["encoding"] = Namespace(
                Fn("encoding.from_json", 1, 1, EncodingFunctions.FromJson),
                Fn("encoding.from_yaml", 1, 1, EncodingFunctions.FromYaml),
                Fn("encoding.to_json", 1, 1, EncodingFunctions.ToJson),
                Fn("encoding.from_base64", 1, 1, EncodingFunctions.FromBase64),
                Fn("encoding.from_URLbase64", 1, 1, EncodingFunctions.FromUrlBase64),
                Fn("encoding.to_base64", 1, 1, EncodingFunctions.ToBase64),
                Fn("encoding.to_URLbase64", 1, 1, EncodingFunctions.ToUrlBase64),
                Fn("encoding.url_encode", 1, 1, EncodingFunctions.UrlEncode),
                Fn("encoding.url_decode", 1, 1, EncodingFunctions.UrlDecode)),
            ["array"] = Namespace(
                Fn("array.concat", 0, -1, ArrayFunctions.Concat),
                Fn("array.combine_maps", 3, 4, ArrayFunctions.CombineMaps, FunctionStability.Experimental),
                Fn("array.group_by", 3, 3, ArrayFunctions.GroupBy, FunctionStability.Experimental)),
            ["convert"] = Namespace(Fn("convert.nonsensitive", 1, 1, SysFunctions.Nonsensitive)),
            ["file"] = Namespace(Fn("file.path_join", 0, -1, SysFunctions.PathJoin)),
        };
        return table.ToFrozenDictionary(StringComparer.Ordinal);
    }

    private static FunctionValue Fn(string name, int min, int max, Func<Value[], Value> body, FunctionStability stability = FunctionStability.GenerallyAvailable) =>
        new(name, min, max, body, stability);

    private static ObjectValue Namespace(params FunctionValue[] functions)
    {
        var fields = new OrderedDictionary<string, Value>(StringComparer.Ordinal);
        foreach (var f in functions)
        {
            fields[f.Name[(f.Name.IndexOf('.', StringComparison.Ordinal) + 1)..]] = f;
        }

        return new ObjectValue(fields);
    }
}

/// <summary>Argument helpers for stdlib functions: conversions that blame the right argument.</summary>
internal static class Args
{
    public static string String(Value[] args, int index)
    {
        if (args[index] is NullValue)
        {
            return string.Empty;
        }

        try
        {
            return (string)ValueConverter.Convert(args[index], typeof(string))!;
        }
        catch (ValueException e)
        {
            throw ValueException.Argument(index, e);
        }
    }

    public static ArrayValue Array(Value[] args, int index) =>
        args[index] as ArrayValue ?? throw ValueException.Argument(index, ValueException.Type("array", args[index]));

    public static bool Bool(Value[] args, int index) =>
        args[index] is BoolValue b ? b.Value : throw ValueException.Argument(index, ValueException.Type("bool", args[index]));

    /// <summary>Converts a list argument into strings (numbers become strings, as the decoder does).</summary>
    public static List<string> Strings(Value[] args, int index)
    {
        var arr = Array(args, index);
        var list = new List<string>(arr.Count);
        for (var i = 0; i < arr.Count; i++)
        {
            try
            {
                list.Add((string)ValueConverter.Convert(arr[i], typeof(string))!);
            }
            catch (ValueException e)
            {
                throw ValueException.Argument(index, e.AtIndex(i));
            }
        }

        return list;
    }
}
