namespace River.Components.Beyla.Routes;

/// <summary>
/// Beyla's <c>unmatched = "heuristic"</c> route derivation: every path segment that holds digits or characters other
/// than ASCII letters, <c>-</c>, <c>_</c>, <c>.</c> and space becomes the wildcard, except that one such character is
/// tolerated as the second character of a segment (<c>v1</c>, <c>j4elk</c>); purely alphabetic segments that do not
/// look like words become the wildcard too. Query and fragment are removed and at most ten segments are kept.
/// </summary>
/// <remarks>
/// Beyla decides "looks like a word" with a Markov-chain gibberish classifier trained on English text. River uses a
/// smaller rule set with the same intent: a word needs a vowel (or <c>y</c>) when longer than three letters, may not
/// hold five consonants in a row or three equal letters in a row, and may not step from lower to upper case more
/// than three times (generated identifiers); a run of eight or more hex letters (<c>deadbeefcafe</c>) is an id.
/// </remarks>
public static class RouteHeuristic
{
    /// <summary>Beyla keeps only the first ten segments.</summary>
    public const int MaxSegments = 10;

    /// <summary>
    /// Writes the route for <paramref name="path"/> into <paramref name="destination"/> and returns its length, or -1
    /// when the destination is too small (it never needs to be longer than the path plus one).
    /// </summary>
    public static int Classify(ReadOnlySpan<char> path, char wildcard, Span<char> destination)
    {
        var cut = path.IndexOfAny('?', '&', '#');
        if (cut >= 0)
        {
            path = path[..cut];
        }

        var written = 0;
        var segments = 0;
        var i = 0;
        while (i < path.Length)
        {
            if (path[i] == '/')
            {
                if (written >= destination.Length)
                {
                    return -1;
                }

                destination[written++] = '/';
                i++;
                continue;
            }

            if (segments == MaxSegments)
            {
                break;
            }

            var end = path[i..].IndexOf('/');
            var segment = end < 0 ? path[i..] : path.Slice(i, end);
            i += segment.Length;
            segments++;
            if (LooksLikeWord(segment))
            {
                if (written + segment.Length > destination.Length)
                {
                    return -1;
                }

                segment.CopyTo(destination[written..]);
                written += segment.Length;
            }
            else
            {
                if (written >= destination.Length)
                {
                    return -1;
                }

                destination[written++] = wildcard;
            }
        }

        return written;
    }

    /// <summary>Convenience form of <see cref="Classify(ReadOnlySpan{char}, char, Span{char})"/> returning a string.</summary>
    public static string Classify(string path, char wildcard = '*')
    {
        Span<char> buffer = path.Length < 512 ? stackalloc char[path.Length + 1] : new char[path.Length + 1];
        var n = Classify(path, wildcard, buffer);
        return new string(buffer[..n]);
    }

    private static bool IsValid(char c) => c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or '-' or '_' or '.' or ' ';

    /// <summary>True when a segment is kept as written.</summary>
    internal static bool LooksLikeWord(ReadOnlySpan<char> segment)
    {
        var graceAt = -1;
        for (var k = 0; k < segment.Length; k++)
        {
            if (!IsValid(segment[k]))
            {
                // One odd character is forgiven when it is the second one ("v1", "j4elk"); any other makes an id.
                if (k == 1 && graceAt < 0)
                {
                    graceAt = k;
                    continue;
                }

                return false;
            }
        }

        // Split into words on - _ . and test each; an empty word (leading or doubled separator) is not a word.
        var start = 0;
        for (var k = 0; k <= segment.Length; k++)
        {
            if (k == segment.Length || segment[k] is '-' or '_' or '.')
            {
                var word = segment[start..k];
                if (word.IsEmpty && segment.Length > 0)
                {
                    // Beyla keeps a trailing separator only inside a word boundary; an empty part means gibberish.
                    return false;
                }

                if (!IsWordLike(word, graceAt - start))
                {
                    return false;
                }

                start = k + 1;
            }
        }

        return true;
    }

    private static bool IsWordLike(ReadOnlySpan<char> word, int skip)
    {
        var letters = 0;
        var vowels = 0;
        var consonantRun = 0;
        var maxConsonantRun = 0;
        var sameRun = 1;
        var caseSwitches = 0;
        var hexOnly = true;
        char prev = '\0';
        for (var k = 0; k < word.Length; k++)
        {
            if (k == skip)
            {
                continue;
            }

            var c = word[k];
            if (c == ' ')
            {
                continue;
            }

            var lower = char.ToLowerInvariant(c);
            letters++;
            if (lower is 'a' or 'e' or 'i' or 'o' or 'u' or 'y')
            {
                vowels++;
                consonantRun = 0;
            }
            else
            {
                consonantRun++;
                maxConsonantRun = Math.Max(maxConsonantRun, consonantRun);
            }

            if (lower is not (>= 'a' and <= 'f'))
            {
                hexOnly = false;
            }

            if (prev != '\0')
            {
                sameRun = char.ToLowerInvariant(prev) == lower ? sameRun + 1 : 1;
                if (char.IsLower(prev) && char.IsUpper(c))
                {
                    caseSwitches++;
                }
            }

            if (sameRun >= 3)
            {
                return false;
            }

            prev = c;
        }

        if (letters > 3 && vowels == 0)
        {
            return false;
        }

        if (maxConsonantRun >= 5 || caseSwitches > 3)
        {
            return false;
        }

        return !(hexOnly && letters >= 8);
    }
}
