namespace River.Components.Beyla.Attributes;

/// <summary>
/// Beyla's <c>attributes.select</c>: decides which optional attributes a metric (or the <c>traces</c> /
/// <c>resource</c> section) reports. Names are compared in a normal form: underscores become dots, and the suffixes
/// <c>.ratio .bucket .sum .count .total</c> and then <c>.bytes .seconds</c> are removed, so
/// <c>http_server_request_duration_seconds_count</c> and <c>http.server.request.duration</c> are the same section and
/// <c>http_route</c> and <c>http.route</c> the same attribute.
/// </summary>
/// <remarks>
/// Sections whose <c>attr</c> pattern matches the metric are applied from the least to the most specific (an exact name
/// beats a wildcard, a longer wildcard beats a shorter one): each adds what its <c>include</c> matches and then removes
/// what its <c>exclude</c> matches. The starting set is the metric's default set, or nothing when any matching section
/// has an <c>include</c> list — so <c>http_*</c> with include <c>*</c> and exclude <c>http_route</c>, followed by
/// <c>http_client_*</c> with include <c>http_route</c>, gives client metrics every attribute.
/// </remarks>
public sealed class AttributeSelection
{
    private readonly List<Section> _sections = [];

    /// <summary>Builds the selection from validated <c>select</c> blocks.</summary>
    public AttributeSelection(IEnumerable<SelectBlock> blocks)
    {
        ArgumentNullException.ThrowIfNull(blocks);
        var order = 0;
        foreach (var b in blocks)
        {
            _sections.Add(new Section(
                Glob.Create(Normalize(b.Attr)),
                b.Attr.Contains('*', StringComparison.Ordinal) || b.Attr.Contains('?', StringComparison.Ordinal),
                b.Attr.Length,
                order++,
                [.. b.Include.Select(i => Glob.Create(NormalizeAttribute(i)))],
                [.. b.Exclude.Select(e => Glob.Create(NormalizeAttribute(e)))]));
        }
    }

    /// <summary>A selection with no sections: every metric reports its default attributes.</summary>
    public static AttributeSelection Default { get; } = new([]);

    /// <summary>
    /// The attributes <paramref name="metric"/> reports, in the order of <paramref name="available"/>, given its
    /// <paramref name="defaults"/> (all names in OTel dotted form).
    /// </summary>
    public IReadOnlyList<string> Select(string metric, IReadOnlyList<string> available, IReadOnlySet<string> defaults)
    {
        ArgumentNullException.ThrowIfNull(available);
        ArgumentNullException.ThrowIfNull(defaults);
        var name = Normalize(metric);
        var matching = _sections.Where(s => s.Metric.IsMatch(name))
            .OrderBy(s => s.IsWildcard ? 0 : 1).ThenBy(s => s.Length).ThenBy(s => s.Order).ToList();
        var enabled = matching.Any(s => s.Include.Length > 0)
            ? new HashSet<string>(StringComparer.Ordinal)
            : new HashSet<string>(defaults, StringComparer.Ordinal);
        foreach (var section in matching)
        {
            foreach (var attr in available)
            {
                var key = NormalizeAttribute(attr);
                if (section.Include.Any(g => g.IsMatch(key)))
                {
                    enabled.Add(attr);
                }

                if (section.Exclude.Any(g => g.IsMatch(key)))
                {
                    enabled.Remove(attr);
                }
            }
        }

        return [.. available.Where(enabled.Contains)];
    }

    /// <summary>The normal form of a metric or section name.</summary>
    public static string Normalize(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var n = name.Replace('_', '.');
        foreach (var suffix in new[] { ".ratio", ".bucket", ".sum", ".count", ".total" })
        {
            if (n.EndsWith(suffix, StringComparison.Ordinal))
            {
                n = n[..^suffix.Length];
                break;
            }
        }

        foreach (var suffix in new[] { ".bytes", ".seconds" })
        {
            if (n.EndsWith(suffix, StringComparison.Ordinal))
            {
                n = n[..^suffix.Length];
                break;
            }
        }

        return n;
    }

    /// <summary>The normal form of an attribute name (Prometheus spelling → OTel spelling).</summary>
    public static string NormalizeAttribute(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return name.Replace('_', '.');
    }

    private sealed record Section(Glob Metric, bool IsWildcard, int Length, int Order, Glob[] Include, Glob[] Exclude);
}
