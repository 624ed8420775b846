using System.Collections.Concurrent;
using System.Text;
using System.Text.RegularExpressions;

namespace River.Components.Prom.Relabel;

/// <summary>
/// An RE2-style regular expression as Prometheus relabelling uses it: fully anchored, Go's capture-group
/// numbering (named groups are numbered in order with the unnamed ones, unlike .NET), <c>(?P&lt;name&gt;)</c>
/// syntax, and Go's template expansion (<c>$1</c>, <c>${1}</c>, <c>$name</c>, <c>$$</c>; <c>$1x</c> names group "1x").
/// </summary>
public sealed class RelabelRegex
{
    /// <summary>The default regex, <c>(.*)</c>.</summary>
    public const string DefaultPattern = "(.*)";

    // Every relabel rule of every component compiles its regex (when validated and again when built), and large
    // configs repeat the same few patterns (the default above all): an instance is immutable and a Regex is
    // thread-safe, so one compiled instance per pattern is shared. Bounded so that ever-changing patterns across
    // reloads cannot grow it without end; past the bound, patterns are simply compiled each time.
    private const int CacheLimit = 4096;
    private static readonly ConcurrentDictionary<string, RelabelRegex> Cache = new(StringComparer.Ordinal);

    private readonly Regex _regex;
    private readonly Dictionary<string, int> _namedGroups;

    private RelabelRegex(string pattern, Regex regex, Dictionary<string, int> namedGroups)
    {
        Pattern = pattern;
        _regex = regex;
        _namedGroups = namedGroups;
    }

    /// <summary>The pattern as written in the configuration.</summary>
    public string Pattern { get; }

    /// <summary>Compiles <paramref name="pattern"/>; on failure <paramref name="error"/> says why.</summary>
    public static RelabelRegex? TryCreate(string pattern, out string? error)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        if (Cache.TryGetValue(pattern, out var cached))
        {
            error = null;
            return cached;
        }

        try
        {
            var (translated, names) = Translate(pattern);
            // \z, not $: .NET's $ also matches before a final newline, Go's does not.
            var regex = new Regex("^(?:" + translated + ")\\z", RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
            error = null;
            var created = new RelabelRegex(pattern, regex, names);
            return Cache.Count < CacheLimit ? Cache.GetOrAdd(pattern, created) : created;
        }
        catch (ArgumentException e)
        {
            error = $"invalid regex \"{pattern}\": {e.Message}";
            return null;
        }
    }

    /// <summary>Matches the whole of <paramref name="input"/>.</summary>
    public Match Match(string input) => _regex.Match(input);

    /// <summary>True when the whole of <paramref name="input"/> matches.</summary>
    public bool IsMatch(string input) => _regex.IsMatch(input);

    /// <summary>
    /// For the default pattern <c>(.*)</c> only: when it matches the whole of <paramref name="input"/> (any value
    /// without a line break, as <c>.</c> matches neither in Go nor here), expands two templates that use no group but
    /// <c>$1</c> (or none), whose value is then the input itself, without running the regex. False when the
    /// pattern is another, the input has a line break or a template is anything else: then match and expand.
    /// </summary>
    public bool TryExpandWhole(string input, string first, string second, out string firstExpanded, out string secondExpanded)
    {
        firstExpanded = secondExpanded = "";
        if (!ReferenceEquals(Pattern, DefaultPattern) && Pattern != DefaultPattern)
        {
            return false;
        }

        if (input.AsSpan().ContainsAny('\n', '\r') || !TryExpandFirstGroup(first, input, out firstExpanded) || !TryExpandFirstGroup(second, input, out secondExpanded))
        {
            return false;
        }

        return true;

        static bool TryExpandFirstGroup(string template, string group, out string expanded)
        {
            if (!template.Contains('$', StringComparison.Ordinal))
            {
                expanded = template;
                return true;
            }

            expanded = group;
            return template == "$1" || template == "${1}";
        }
    }

    /// <summary>Expands <paramref name="template"/> with the groups of <paramref name="match"/>, as Go's Regexp.Expand.</summary>
    public string Expand(string template, Match match)
    {
        if (!template.Contains('$', StringComparison.Ordinal))
        {
            return template;
        }

        if (template == "$1")
        {
            // The default replacement: the first group as it is, without a builder.
            return match.Groups.Count > 1 && match.Groups[1].Success ? match.Groups[1].Value : "";
        }

        var sb = new StringBuilder(template.Length + 16);
        var i = 0;
        while (i < template.Length)
        {
            var c = template[i];
            if (c != '$')
            {
                sb.Append(c);
                i++;
                continue;
            }

            if (i + 1 < template.Length && template[i + 1] == '$')
            {
                sb.Append('$');
                i += 2;
                continue;
            }

            string? name = null;
            var next = i + 1;
            if (next < template.Length && template[next] == '{')
            {
                var close = template.IndexOf('}', next + 1);
                if (close > next + 1 && IsName(template.AsSpan(next + 1, close - next - 1)))
                {
                    name = template.Substring(next + 1, close - next - 1);
                    next = close + 1;
                }
            }
            else
            {
                var j = next;
                while (j < template.Length && IsNameChar(template[j]))
                {
                    j++;
                }

                if (j > next)
                {
                    name = template[next..j];
                    next = j;
                }
            }

            if (name is null)
            {
                sb.Append('$'); // malformed: Go copies the dollar literally
                i++;
                continue;
            }

            sb.Append(GroupValue(match, name));
            i = next;
        }

        return sb.ToString();
    }

    private string GroupValue(Match match, string name)
    {
        int index;
        if (name.All(char.IsAsciiDigit))
        {
            if (!int.TryParse(name, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out index))
            {
                return "";
            }
        }
        else if (!_namedGroups.TryGetValue(name, out index))
        {
            return "";
        }

        return index < match.Groups.Count && match.Groups[index].Success ? match.Groups[index].Value : "";
    }

    private static bool IsNameChar(char c) => char.IsAsciiLetterOrDigit(c) || c == '_';

    private static bool IsName(ReadOnlySpan<char> s)
    {
        foreach (var c in s)
        {
            if (!IsNameChar(c))
            {
                return false;
            }
        }

        return s.Length > 0;
    }

    // Rewrites named groups as plain groups (so .NET numbers them in Go's order) and records name → number.
    private static (string Pattern, Dictionary<string, int> Names) Translate(string pattern)
    {
        var names = new Dictionary<string, int>(StringComparer.Ordinal);
        var sb = new StringBuilder(pattern.Length);
        var group = 0;
        var inClass = false;
        for (var i = 0; i < pattern.Length; i++)
        {
            var c = pattern[i];
            if (c == '\\' && i + 1 < pattern.Length)
            {
                sb.Append(c).Append(pattern[i + 1]);
                i++;
                continue;
            }

            if (inClass)
            {
                if (c == ']')
                {
                    inClass = false;
                }

                sb.Append(c);
                continue;
            }

            if (c == '[')
            {
                inClass = true;
                sb.Append(c);
                // A ']' right after '[' or '[^' is a literal in RE2.
                if (i + 1 < pattern.Length && pattern[i + 1] == '^')
                {
                    sb.Append('^');
                    i++;
                }

                if (i + 1 < pattern.Length && pattern[i + 1] == ']')
                {
                    sb.Append("\\]");
                    i++;
                }

                continue;
            }

            if (c == '(')
            {
                if (i + 1 < pattern.Length && pattern[i + 1] == '?')
                {
                    var rest = pattern.AsSpan(i + 2);
                    var prefix = rest.StartsWith("P<") ? 2 : rest.StartsWith("<") && !rest.StartsWith("<=") && !rest.StartsWith("<!") ? 1 : 0;
                    if (prefix > 0)
                    {
                        var close = pattern.IndexOf('>', i + 2 + prefix);
                        if (close < 0)
                        {
                            throw new ArgumentException("unterminated group name");
                        }

                        group++;
                        names[pattern.Substring(i + 2 + prefix, close - (i + 2 + prefix))] = group;
                        sb.Append('(');
                        i = close;
                        continue;
                    }

                    sb.Append(c);
                    continue;
                }

                group++;
            }

            sb.Append(c);
        }

        return (sb.ToString(), names);
    }
}
