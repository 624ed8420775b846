using System.Text;
using System.Text.RegularExpressions;

namespace River.Components.Beyla.Attributes;

/// <summary>
/// A glob pattern in the dialect Beyla's attribute filters use (gobwas/glob): <c>*</c> any run of characters,
/// <c>?</c> one character, <c>[abc]</c>/<c>[a-z]</c>/<c>[!abc]</c> classes, <c>{a,b}</c> alternatives and <c>\</c>
/// escapes. A value without wildcards is an exact match. Compiled once to an anchored regular expression.
/// </summary>
public sealed class Glob
{
    private readonly Regex _regex;

    private Glob(string pattern, Regex regex)
    {
        Pattern = pattern;
        _regex = regex;
    }

    /// <summary>The pattern as written.</summary>
    public string Pattern { get; }

    /// <summary>True when <paramref name="value"/> matches the whole pattern.</summary>
    public bool IsMatch(ReadOnlySpan<char> value) => _regex.IsMatch(value);

    /// <summary>Compiles <paramref name="pattern"/>; on a syntax error returns false and the reason.</summary>
    public static bool TryCreate(string pattern, out Glob? glob, out string? error)
    {
        glob = null;
        error = null;
        var sb = new StringBuilder("^");
        var braceDepth = 0;
        for (var i = 0; i < pattern.Length; i++)
        {
            var c = pattern[i];
            switch (c)
            {
                case '\\':
                    if (i + 1 >= pattern.Length)
                    {
                        error = $"invalid glob \"{pattern}\": trailing escape character";
                        return false;
                    }

                    sb.Append(Regex.Escape(pattern[++i].ToString()));
                    break;
                case '*':
                    sb.Append(".*");
                    break;
                case '?':
                    sb.Append('.');
                    break;
                case '[':
                    var close = pattern.IndexOf(']', i + 1);
                    if (close < 0 || close == i + 1)
                    {
                        error = $"invalid glob \"{pattern}\": unclosed or empty character class at offset {i}";
                        return false;
                    }

                    var body = pattern[(i + 1)..close];
                    sb.Append('[');
                    if (body[0] == '!')
                    {
                        sb.Append('^');
                        body = body[1..];
                    }

                    // Keep ranges (a-z) and escape everything else that means something to .NET regex classes.
                    foreach (var bc in body)
                    {
                        sb.Append(bc is '\\' or '^' or '[' or ']' ? "\\" + bc : bc.ToString());
                    }

                    sb.Append(']');
                    i = close;
                    break;
                case '{':
                    braceDepth++;
                    sb.Append("(?:");
                    break;
                case '}':
                    if (braceDepth == 0)
                    {
                        error = $"invalid glob \"{pattern}\": unexpected '}}' at offset {i}";
                        return false;
                    }

                    braceDepth--;
                    sb.Append(')');
                    break;
                case ',' when braceDepth > 0:
                    sb.Append('|');
                    break;
                default:
                    sb.Append(Regex.Escape(c.ToString()));
                    break;
            }
        }

        if (braceDepth != 0)
        {
            error = $"invalid glob \"{pattern}\": unclosed '{{'";
            return false;
        }

        sb.Append('$');
        try
        {
            glob = new Glob(pattern, new Regex(sb.ToString(), RegexOptions.CultureInvariant | RegexOptions.Singleline));
            return true;
        }
        catch (ArgumentException ex)
        {
            error = $"invalid glob \"{pattern}\": {ex.Message}";
            return false;
        }
    }

    /// <summary>Compiles <paramref name="pattern"/> or throws <see cref="FormatException"/>.</summary>
    public static Glob Create(string pattern) =>
        TryCreate(pattern, out var glob, out var error) ? glob! : throw new FormatException(error);

    /// <inheritdoc/>
    public override string ToString() => Pattern;
}
