namespace River.Components.Beyla.Attributes;

/// <summary>
/// Beyla's <c>filters.application</c> (or <c>filters.network</c>): each filter names an attribute and a glob its value
/// must match (<c>match</c>) or must not match (<c>not_match</c>). A record passes when every filter passes; a record
/// without the attribute fails a <c>match</c> filter and passes a <c>not_match</c> one.
/// </summary>
public sealed class AttributeFilter
{
    private readonly (string Attribute, Glob Glob, bool Negate)[] _filters;

    /// <summary>Builds the filter set from validated blocks.</summary>
    public AttributeFilter(IEnumerable<AttributeFilterBlock> blocks)
    {
        ArgumentNullException.ThrowIfNull(blocks);
        _filters =
        [
            .. blocks.Select(b => b.Match.Length > 0
                ? (AttributeSelection.NormalizeAttribute(b.Attr), Glob.Create(b.Match), false)
                : (AttributeSelection.NormalizeAttribute(b.Attr), Glob.Create(b.NotMatch), true)),
        ];
    }

    /// <summary>True when there are no filters (everything passes).</summary>
    public bool IsEmpty => _filters.Length == 0;

    /// <summary>The attributes the filters look at (OTel spelling).</summary>
    public IEnumerable<string> Attributes => _filters.Select(f => f.Attribute);

    /// <summary>
    /// True when the record whose attribute values <paramref name="valueOf"/> returns (by OTel name; null when
    /// absent) passes every filter.
    /// </summary>
    public bool Allows<TState>(TState state, Func<TState, string, string?> valueOf)
    {
        ArgumentNullException.ThrowIfNull(valueOf);
        foreach (var (attribute, glob, negate) in _filters)
        {
            var value = valueOf(state, attribute);
            var matches = value is not null && glob.IsMatch(value);
            if (matches == negate)
            {
                return false;
            }
        }

        return true;
    }
}
