using Pidgin;
using static Pidgin.Parser;

namespace River.Components.Beyla.Routes;

/// <summary>The kind of one segment of a route pattern.</summary>
public enum RouteSegmentKind
{
    /// <summary>A literal segment, matched exactly.</summary>
    Literal,

    /// <summary><c>:name</c> or <c>{name}</c>: any single non-empty segment.</summary>
    Parameter,

    /// <summary><c>prefix:name</c>: a segment that starts with the literal prefix followed by at least one character.</summary>
    PrefixedParameter,

    /// <summary>A trailing <c>*</c>: the rest of the path, including nothing.</summary>
    Rest,
}

/// <summary>One segment of a parsed route pattern.</summary>
/// <param name="Kind">What the segment matches.</param>
/// <param name="Text">The literal text or, for a prefixed parameter, the prefix; the parameter name otherwise.</param>
public sealed record RouteSegment(RouteSegmentKind Kind, string Text);

/// <summary>
/// A parsed route pattern such as <c>/user/{id}/basket/:item</c>, <c>/v1/*</c> or <c>/files/doc:name</c>. Leading and
/// trailing slashes and empty segments are ignored, as Beyla's matcher ignores them.
/// </summary>
public sealed class RoutePattern
{
    private RoutePattern(string text, IReadOnlyList<RouteSegment> segments)
    {
        Text = text;
        Segments = segments;
    }

    /// <summary>The pattern as written; this is the <c>http.route</c> value a match produces.</summary>
    public string Text { get; }

    /// <summary>The segments in order.</summary>
    public IReadOnlyList<RouteSegment> Segments { get; }

    private static readonly Parser<char, string> Name =
        Parser<char>.Token(c => char.IsLetterOrDigit(c) || c == '_').ManyString();

    private static bool IsLiteralChar(char c) => c != '/' && c != '{' && c != '}' && c != ':' && c != '*' && !char.IsWhiteSpace(c);

    private static readonly Parser<char, string> LiteralText = Parser<char>.Token(IsLiteralChar).AtLeastOnceString();

    // A segment is one of: {name} | :name | * | literal | literal:name
    private static readonly Parser<char, RouteSegment> Segment = OneOf(
        Name.Between(Char('{'), Char('}')).Select(n => new RouteSegment(RouteSegmentKind.Parameter, n)),
        Char(':').Then(Name).Select(n => new RouteSegment(RouteSegmentKind.Parameter, n)),
        Char('*').ThenReturn(new RouteSegment(RouteSegmentKind.Rest, "*")),
        Map((lit, name) => name.HasValue
                ? new RouteSegment(RouteSegmentKind.PrefixedParameter, lit)
                : new RouteSegment(RouteSegmentKind.Literal, lit),
            LiteralText,
            Char(':').Then(Name).Optional()));

    // Slashes separate segments; runs of slashes and leading/trailing slashes are allowed and ignored.
    private static readonly Parser<char, IEnumerable<RouteSegment>> Pattern =
        Char('/').SkipMany().Then(Segment.SeparatedAndOptionallyTerminated(Char('/').SkipAtLeastOnce()).Optional())
            .Select(o => o.HasValue ? o.Value : [])
            .Before(Parser<char>.End);

    /// <summary>Parses <paramref name="text"/>; on failure returns false and the reason.</summary>
    public static bool TryParse(string text, out RoutePattern? pattern, out string? error)
    {
        pattern = null;
        error = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            error = "route pattern must not be empty";
            return false;
        }

        var result = Pattern.Parse(text);
        if (!result.Success)
        {
            error = $"invalid route pattern \"{text}\": {result.Error?.RenderErrorMessage()}";
            return false;
        }

        var segments = result.Value.ToArray();
        for (var i = 0; i < segments.Length - 1; i++)
        {
            if (segments[i].Kind == RouteSegmentKind.Rest)
            {
                error = $"invalid route pattern \"{text}\": '*' may only be the last segment";
                return false;
            }
        }

        pattern = new RoutePattern(text, segments);
        return true;
    }

    /// <summary>Parses <paramref name="text"/> or throws <see cref="FormatException"/>.</summary>
    public static RoutePattern Parse(string text) =>
        TryParse(text, out var p, out var error) ? p! : throw new FormatException(error);

    /// <inheritdoc/>
    public override string ToString() => Text;
}
