using System.Text;
using River.Values;

namespace River.Eval;

/// <summary>The <c>string</c> namespace (except <c>format</c>, see <see cref="GoPrintf"/>), with Go's <c>strings</c> semantics.</summary>
internal static class StringFunctions
{
    /// <summary><c>string.join(list, sep)</c>; numbers in the list become strings.</summary>
    public static Value Join(Value[] args) => Value.String(string.Join(Args.String(args, 1), Args.Strings(args, 0)));

    /// <summary><c>string.split(s, sep)</c>: an empty separator splits into characters; <c>split("", ",")</c> is <c>[""]</c>.</summary>
    public static Value Split(Value[] args)
    {
        var s = Args.String(args, 0);
        var sep = Args.String(args, 1);
        string[] parts;
        if (sep.Length == 0)
        {
            parts = Runes(s).ToArray();
        }
        else
        {
            parts = s.Split(sep);
        }

        var values = new Value[parts.Length];
        for (var i = 0; i < parts.Length; i++)
        {
            values[i] = Value.String(parts[i]);
        }

        return new ArrayValue(values);
    }

    /// <summary><c>string.replace(s, old, new)</c>: every occurrence; an empty <c>old</c> inserts around each character (Go).</summary>
    public static Value Replace(Value[] args)
    {
        var s = Args.String(args, 0);
        var old = Args.String(args, 1);
        var replacement = Args.String(args, 2);
        if (old.Length > 0)
        {
            return Value.String(s.Replace(old, replacement, StringComparison.Ordinal));
        }

        var sb = new StringBuilder(replacement);
        foreach (var r in Runes(s))
        {
            sb.Append(r).Append(replacement);
        }

        return Value.String(sb.ToString());
    }

    /// <summary><c>string.to_lower(s)</c>.</summary>
    public static Value ToLower(Value[] args) => Value.String(Args.String(args, 0).ToLowerInvariant());

    /// <summary><c>string.to_upper(s)</c>.</summary>
    public static Value ToUpper(Value[] args) => Value.String(Args.String(args, 0).ToUpperInvariant());

    /// <summary><c>string.trim(s, cutset)</c>: removes any of the cutset's characters from both ends.</summary>
    public static Value Trim(Value[] args)
    {
        var s = Args.String(args, 0);
        var cutset = Args.String(args, 1);
        return Value.String(cutset.Length == 0 ? s : s.Trim(cutset.ToCharArray()));
    }

    /// <summary><c>string.trim_prefix(s, prefix)</c>: removes the prefix once when present.</summary>
    public static Value TrimPrefix(Value[] args)
    {
        var s = Args.String(args, 0);
        var prefix = Args.String(args, 1);
        return Value.String(prefix.Length > 0 && s.StartsWith(prefix, StringComparison.Ordinal) ? s[prefix.Length..] : s);
    }

    /// <summary><c>string.trim_suffix(s, suffix)</c>: removes the suffix once when present.</summary>
    public static Value TrimSuffix(Value[] args)
    {
        var s = Args.String(args, 0);
        var suffix = Args.String(args, 1);
        return Value.String(suffix.Length > 0 && s.EndsWith(suffix, StringComparison.Ordinal) ? s[..^suffix.Length] : s);
    }

    /// <summary><c>string.trim_space(s)</c>: removes leading and trailing Unicode white space.</summary>
    public static Value TrimSpace(Value[] args) => Value.String(Args.String(args, 0).Trim());

    private static IEnumerable<string> Runes(string s)
    {
        // Go splits by code point, not by grapheme.
        foreach (var rune in s.EnumerateRunes())
        {
            yield return rune.ToString();
        }
    }
}
