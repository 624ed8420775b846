using River.Values;

namespace River.Eval;

/// <summary>
/// The variables an expression can see, looked up by the first identifier of an access chain; names not found here
/// (nor in a parent scope) fall through to the standard library. Component exports are stored as nested objects, so
/// <c>prometheus.remote_write.default.receiver</c> is the variable <c>prometheus</c> followed by three field accesses:
/// <see cref="SetPath"/> builds that shape.
/// </summary>
public sealed class Scope
{
    private static readonly Dictionary<string, Value> NoVariables = [];

    // Made on the first Set: the scope of most component decodes holds no variable at all.
    private Dictionary<string, Value>? _variables;

    /// <summary>Creates an empty scope, optionally nested in <paramref name="parent"/>.</summary>
    public Scope(Scope? parent = null)
    {
        Parent = parent;
        AllowExperimental = parent?.AllowExperimental ?? true;
    }

    /// <summary>The enclosing scope, consulted when a name is not found here.</summary>
    public Scope? Parent { get; }

    /// <summary>
    /// When false, referencing an experimental standard-library function (<c>array.combine_maps</c>,
    /// <c>array.group_by</c>) is an error; the runtime sets this from <c>--stability.level</c>.
    /// </summary>
    public bool AllowExperimental { get; set; }

    /// <summary>The variables of this scope (not its parents).</summary>
    public IReadOnlyDictionary<string, Value> Variables => _variables ?? NoVariables;

    /// <summary>Sets a top-level variable.</summary>
    public void Set(string name, Value value) => Writable()[name] = value;

    /// <summary>Removes a top-level variable.</summary>
    public bool Remove(string name) => _variables?.Remove(name) ?? false;

    /// <summary>
    /// Sets a value at a dotted path, creating or copying the intermediate objects:
    /// <c>SetPath(["prometheus", "remote_write", "default"], exports)</c>.
    /// </summary>
    public void SetPath(IReadOnlyList<string> path, Value value)
    {
        ArgumentOutOfRangeException.ThrowIfZero(path.Count);
        var variables = Writable();
        variables.TryGetValue(path[0], out var root);
        variables[path[0]] = SetIn(root, path, 1, value);
    }

    /// <summary>Removes the value at a dotted path (intermediate objects left empty are removed too).</summary>
    public void RemovePath(IReadOnlyList<string> path)
    {
        if (path.Count == 0 || _variables is null || !_variables.TryGetValue(path[0], out var root))
        {
            return;
        }

        var updated = RemoveIn(root, path, 1);
        if (updated is null)
        {
            _variables.Remove(path[0]);
        }
        else
        {
            _variables[path[0]] = updated;
        }
    }

    /// <summary>Looks a name up here, then in the parents (not in the standard library).</summary>
    public bool TryLookup(string name, out Value value)
    {
        for (var s = this; s is not null; s = s.Parent)
        {
            if (s._variables is { } variables && variables.TryGetValue(name, out value!))
            {
                return true;
            }
        }

        value = Value.Null;
        return false;
    }

    /// <summary>Every variable name visible from here (for did-you-mean suggestions).</summary>
    public IEnumerable<string> VisibleNames()
    {
        for (var s = this; s is not null; s = s.Parent)
        {
            foreach (var k in (s._variables ?? NoVariables).Keys)
            {
                yield return k;
            }
        }
    }

    private Dictionary<string, Value> Writable() => _variables ??= new(StringComparer.Ordinal);

    private static Value SetIn(Value? current, IReadOnlyList<string> path, int index, Value value)
    {
        if (index == path.Count)
        {
            return value;
        }

        var obj = current as ObjectValue ?? ObjectValue.Empty;
        obj.TryGet(path[index], out var child);
        return obj.With(path[index], SetIn(child, path, index + 1, value));
    }

    private static Value? RemoveIn(Value current, IReadOnlyList<string> path, int index)
    {
        if (index == path.Count)
        {
            return null;
        }

        if (current is not ObjectValue obj || !obj.TryGet(path[index], out var child))
        {
            return current;
        }

        var updated = RemoveIn(child, path, index + 1);
        var fields = new OrderedDictionary<string, Value>(StringComparer.Ordinal);
        foreach (var (k, v) in obj.Fields)
        {
            if (k != path[index])
            {
                fields[k] = v;
            }
            else if (updated is not null)
            {
                fields[k] = updated;
            }
        }

        return fields.Count == 0 ? null : new ObjectValue(fields);
    }
}
