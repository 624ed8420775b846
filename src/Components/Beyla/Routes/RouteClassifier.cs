using System.Text;

namespace River.Components.Beyla.Routes;

/// <summary>What the routes stage decided for one request.</summary>
/// <param name="Route">The <c>http.route</c> value; empty when unset.</param>
/// <param name="DropMetrics">True when the request must not be counted in metrics (ignored pattern).</param>
/// <param name="DropTraces">True when no span must be made for the request (ignored pattern).</param>
public readonly record struct RouteDecision(string Route, bool DropMetrics, bool DropTraces);

/// <summary>
/// Beyla's routes stage: ignored patterns first (according to <c>ignore_mode</c>), then the configured patterns,
/// then the <c>unmatched</c> policy. Results for paths that did not match a pattern are cached per distinct path, so
/// that a repeated path costs a dictionary lookup and no allocation.
/// </summary>
public sealed class RouteClassifier
{
    /// <summary>The route <c>unmatched = "wildcard"</c> reports.</summary>
    public const string WildcardRoute = "/**";

    private const int MaxCachedPaths = 8192;
    private const int MaxPathChars = 1024;

    private readonly RouteMatcher _patterns;
    private readonly RouteMatcher _ignore;
    private readonly bool _ignoreMetrics;
    private readonly bool _ignoreTraces;
    private readonly UnmatchedMode _unmatched;
    private readonly char _wildcard;
    private readonly Dictionary<string, string> _cache = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> _cacheLookup;
    private readonly Lock _lock = new();

    /// <summary>Builds the stage from a validated <c>routes</c> block; null means the block is absent.</summary>
    public RouteClassifier(RoutesBlock? routes)
    {
        Enabled = routes is not null;
        routes ??= new RoutesBlock();
        _patterns = new RouteMatcher(routes.Patterns.Select(RoutePattern.Parse));
        _ignore = new RouteMatcher(routes.IgnorePatterns.Select(RoutePattern.Parse));
        var mode = routes.IgnoreMode.Length == 0 ? "all" : routes.IgnoreMode;
        _ignoreMetrics = mode is "all" or "metrics";
        _ignoreTraces = mode is "all" or "traces";
        _unmatched = routes.Unmatched switch
        {
            "unset" => UnmatchedMode.Unset,
            "wildcard" => UnmatchedMode.Wildcard,
            "path" => UnmatchedMode.Path,
            _ => UnmatchedMode.Heuristic,
        };
        _wildcard = routes.WildcardChar.Length == 1 ? routes.WildcardChar[0] : '*';
        _cacheLookup = _cache.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    /// <summary>True when a <c>routes</c> block was given (Beyla reports <c>http_route</c> only then).</summary>
    public bool Enabled { get; }

    /// <summary>Classifies a path given as text (query and fragment are ignored).</summary>
    public RouteDecision Classify(ReadOnlySpan<char> path)
    {
        var cut = path.IndexOfAny('?', '#');
        if (cut >= 0)
        {
            path = path[..cut];
        }

        var ignored = _ignore.Count > 0 && _ignore.Match(path) is not null;
        var dropMetrics = ignored && _ignoreMetrics;
        var dropTraces = ignored && _ignoreTraces;
        if (dropMetrics && dropTraces)
        {
            return new RouteDecision("", true, true);
        }

        var route = _patterns.Count > 0 ? _patterns.Match(path) : null;
        route ??= _unmatched switch
        {
            UnmatchedMode.Unset => "",
            UnmatchedMode.Wildcard => WildcardRoute,
            _ => Cached(path),
        };
        return new RouteDecision(route, dropMetrics, dropTraces);
    }

    /// <summary>Classifies a path given as the captured (ASCII/UTF-8) bytes.</summary>
    public RouteDecision Classify(ReadOnlySpan<byte> path)
    {
        if (path.Length > MaxPathChars)
        {
            path = path[..MaxPathChars];
        }

        Span<char> chars = stackalloc char[path.Length];
        var n = Encoding.UTF8.GetChars(path, chars);
        return Classify(chars[..n]);
    }

    private string Cached(ReadOnlySpan<char> path)
    {
        lock (_lock)
        {
            if (_cacheLookup.TryGetValue(path, out var hit))
            {
                return hit;
            }

            string route;
            if (_unmatched == UnmatchedMode.Path)
            {
                route = path.ToString();
            }
            else
            {
                Span<char> buffer = stackalloc char[path.Length + 1];
                var n = RouteHeuristic.Classify(path, _wildcard, buffer);
                route = new string(buffer[..n]);
            }

            // Bounded: a scan over random paths must not grow memory without limit.
            if (_cache.Count >= MaxCachedPaths)
            {
                _cache.Clear();
            }

            _cacheLookup[path] = route;
            return route;
        }
    }

    private enum UnmatchedMode
    {
        Heuristic,
        Path,
        Unset,
        Wildcard,
    }
}
