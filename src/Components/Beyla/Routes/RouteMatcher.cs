namespace River.Components.Beyla.Routes;

/// <summary>
/// Matches URL paths against a set of <see cref="RoutePattern"/>s with a tree of segments, as Beyla's route matcher
/// does: literal children win over parameters, parameters are tried in definition order, a trailing <c>*</c> takes the
/// rest of the path (including nothing). The result is the matching pattern's text. Matching does not allocate.
/// </summary>
public sealed class RouteMatcher
{
    private readonly Node _root = new();

    /// <summary>Builds a matcher over <paramref name="patterns"/> (earlier patterns win ties).</summary>
    public RouteMatcher(IEnumerable<RoutePattern> patterns)
    {
        foreach (var p in patterns)
        {
            Add(p);
            Count++;
        }
    }

    /// <summary>How many patterns the matcher holds.</summary>
    public int Count { get; }

    private void Add(RoutePattern pattern)
    {
        var node = _root;
        foreach (var seg in pattern.Segments)
        {
            switch (seg.Kind)
            {
                case RouteSegmentKind.Literal:
                    if (!node.Literals.TryGetValue(seg.Text, out var lit))
                    {
                        lit = new Node();
                        node.Literals.Add(seg.Text, lit);
                    }

                    node = lit;
                    break;
                case RouteSegmentKind.Parameter:
                    node.Parameter ??= new Node();
                    node = node.Parameter;
                    break;
                case RouteSegmentKind.PrefixedParameter:
                    var existing = node.Prefixed.Find(p => p.Prefix == seg.Text);
                    if (existing.Child is null)
                    {
                        existing = (seg.Text, new Node());
                        node.Prefixed.Add(existing);
                    }

                    node = existing.Child;
                    break;
                case RouteSegmentKind.Rest:
                    node.Rest ??= pattern.Text;
                    return;
            }
        }

        node.Terminal ??= pattern.Text;
    }

    /// <summary>
    /// The pattern that matches <paramref name="path"/> (query and fragment must already be removed), or null.
    /// </summary>
    public string? Match(ReadOnlySpan<char> path) => Match(_root, path);

    private static string? Match(Node node, ReadOnlySpan<char> path)
    {
        // Skip separators; empty segments carry no meaning for matching.
        var start = 0;
        while (start < path.Length && path[start] == '/')
        {
            start++;
        }

        path = path[start..];
        if (path.IsEmpty)
        {
            return node.Terminal ?? node.Rest;
        }

        var end = path.IndexOf('/');
        var segment = end < 0 ? path : path[..end];
        var rest = end < 0 ? [] : path[end..];

        if (node.Literals.Count > 0 && node.LiteralLookup.TryGetValue(segment, out var lit))
        {
            var r = Match(lit, rest);
            if (r is not null)
            {
                return r;
            }
        }

        foreach (var (prefix, child) in node.Prefixed)
        {
            if (segment.Length > prefix.Length && segment.StartsWith(prefix, StringComparison.Ordinal))
            {
                var r = Match(child, rest);
                if (r is not null)
                {
                    return r;
                }
            }
        }

        if (node.Parameter is not null)
        {
            var r = Match(node.Parameter, rest);
            if (r is not null)
            {
                return r;
            }
        }

        return node.Rest;
    }

    private sealed class Node
    {
        public Node() => LiteralLookup = Literals.GetAlternateLookup<ReadOnlySpan<char>>();

        public Dictionary<string, Node> Literals { get; } = new(StringComparer.Ordinal);

        public Dictionary<string, Node>.AlternateLookup<ReadOnlySpan<char>> LiteralLookup { get; }

        public List<(string Prefix, Node Child)> Prefixed { get; } = [];

        public Node? Parameter { get; set; }

        public string? Terminal { get; set; }

        public string? Rest { get; set; }
    }
}
