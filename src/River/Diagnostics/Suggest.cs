namespace River.Diagnostics;

/// <summary>"Did you mean" suggestions for unknown names (attributes, blocks, components, functions, fields).</summary>
public static class Suggest
{
    /// <summary>
    /// Returns the candidate closest to <paramref name="input"/> by Damerau–Levenshtein distance (optimal string
    /// alignment: insert, delete, substitute, swap two neighbours; a case-only difference costs nothing extra beyond
    /// counting as one edit), or null when none is close: the distance must be at most a third of the input's length
    /// (at least 1, at most 3). Ties go to the candidate that sorts first (ordinal), so the answer is stable.
    /// </summary>
    public static string? Closest(string input, IEnumerable<string> candidates)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(candidates);
        var limit = Math.Clamp(input.Length / 3, 1, 3);
        string? best = null;
        var bestDistance = int.MaxValue;
        foreach (var candidate in candidates)
        {
            if (candidate is null || Math.Abs(candidate.Length - input.Length) > limit)
            {
                continue;
            }

            var d = Distance(input, candidate);
            if (d <= limit && (d < bestDistance || (d == bestDistance && string.CompareOrdinal(candidate, best) < 0)))
            {
                best = candidate;
                bestDistance = d;
            }
        }

        return best;
    }

    /// <summary>
    /// The optimal-string-alignment distance between two strings; a substitution that only changes case counts as
    /// one edit like any other, so <c>Name</c> is distance 1 from <c>name</c>.
    /// </summary>
    public static int Distance(string a, string b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);

        // Three rolling rows: the transposition step looks two rows back.
        var previous2 = new int[b.Length + 1];
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
                var value = Math.Min(Math.Min(previous[j] + 1, current[j - 1] + 1), previous[j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                {
                    value = Math.Min(value, previous2[j - 2] + 1);
                }

                current[j] = value;
            }

            (previous2, previous, current) = (previous, current, previous2);
        }

        return previous[b.Length];
    }

    /// <summary>Formats a hint <c>did you mean "x"?</c> for the closest candidate, or null when none is close.</summary>
    public static string? DidYouMean(string input, IEnumerable<string> candidates) =>
        Closest(input, candidates) is { } match ? $"did you mean \"{match}\"?" : null;
}
