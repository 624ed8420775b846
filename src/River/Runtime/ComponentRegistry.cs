namespace River.Runtime;

/// <summary>
/// The component catalog as the runtime sees it: registrations looked up by their dotted name, with a did-you-mean for
/// unknown names. A catalog with a mistake in it (a duplicate name, a name whose prefix is also a component) fails
/// loudly when the registry is built, so a bad catalog never reaches a user's config.
/// </summary>
public sealed class ComponentRegistry
{
    private readonly Dictionary<string, ComponentRegistration> _byName = new(StringComparer.Ordinal);

    /// <summary>Builds the registry; throws <see cref="ArgumentException"/> when the catalog itself is inconsistent.</summary>
    public ComponentRegistry(IEnumerable<ComponentRegistration> registrations)
    {
        ArgumentNullException.ThrowIfNull(registrations);
        foreach (var registration in registrations)
        {
            if (string.IsNullOrWhiteSpace(registration.Name) || registration.Name.Split('.').Any(string.IsNullOrEmpty))
            {
                throw new ArgumentException($"component name \"{registration.Name}\" is not a dotted identifier");
            }

            if (!_byName.TryAdd(registration.Name, registration))
            {
                throw new ArgumentException($"component \"{registration.Name}\" is registered twice");
            }
        }

        // A component id is name + "." + label; if "a.b" and "a.b.c" were both components, "a.b.c.x" would be
        // ambiguous. Alloy requires components sharing a prefix to have the same number of fragments.
        foreach (var name in _byName.Keys)
        {
            var parts = name.Split('.');
            for (var i = 1; i < parts.Length; i++)
            {
                var prefix = string.Join('.', parts, 0, i);
                if (_byName.ContainsKey(prefix))
                {
                    throw new ArgumentException($"component \"{name}\" extends component name \"{prefix}\"; names sharing a prefix must have the same number of fragments");
                }
            }
        }
    }

    /// <summary>Every registration, sorted by name.</summary>
    public IEnumerable<ComponentRegistration> All => _byName.Values.OrderBy(r => r.Name, StringComparer.Ordinal);

    /// <summary>Finds a registration by its dotted name.</summary>
    public bool TryGet(string name, out ComponentRegistration registration) => _byName.TryGetValue(name, out registration!);

    /// <summary>The registered name closest to <paramref name="name"/>, when one is close enough to be a likely typo.</summary>
    public string? Suggest(string name) => DidYouMean.Closest(name, _byName.Keys);
}

/// <summary>Did-you-mean suggestions by edit distance.</summary>
public static class DidYouMean
{
    /// <summary>The candidate with the smallest edit distance, if that distance is at most a third of the name's length (min 2).</summary>
    public static string? Closest(string name, IEnumerable<string> candidates)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(candidates);
        string? best = null;
        var bestDistance = int.MaxValue;
        foreach (var candidate in candidates)
        {
            var distance = Distance(name, candidate);
            if (distance < bestDistance || (distance == bestDistance && string.CompareOrdinal(candidate, best) < 0))
            {
                best = candidate;
                bestDistance = distance;
            }
        }

        var limit = Math.Max(2, name.Length / 3);
        return bestDistance <= limit ? best : null;
    }

    /// <summary>Levenshtein distance.</summary>
    public static int Distance(string a, string b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }
}
