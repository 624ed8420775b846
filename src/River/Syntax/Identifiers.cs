using System.Text;

namespace River.Syntax;

/// <summary>Identifier rules (Alloy's <c>scanner.IsValidIdentifier</c>, <c>SanitizeIdentifier</c>).</summary>
public static class Identifiers
{
    /// <summary>
    /// True when <paramref name="name"/> is exactly one identifier: a Unicode letter or <c>_</c>, then letters,
    /// Unicode decimal digits or <c>_</c>, and not one of the keywords <c>true</c>, <c>false</c>, <c>null</c>.
    /// </summary>
    public static bool IsValid(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (name.Length == 0 || name is "true" or "false" or "null")
        {
            return false;
        }

        var first = true;
        foreach (var rune in name.EnumerateRunes())
        {
            var ok = rune.Value == '_' || Rune.IsLetter(rune) || (!first && Rune.IsDigit(rune));
            if (!ok)
            {
                return false;
            }

            first = false;
        }

        return true;
    }

    /// <summary>
    /// Makes a valid identifier from any text: every character that may not appear becomes <c>_</c>, and a leading
    /// digit (or an empty result, or a keyword) gets a <c>_</c> prefix.
    /// </summary>
    public static string Sanitize(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var sb = new StringBuilder(text.Length + 1);
        foreach (var rune in text.EnumerateRunes())
        {
            if (rune.Value == '_' || Rune.IsLetter(rune) || Rune.IsDigit(rune))
            {
                sb.Append(rune.ToString());
            }
            else
            {
                sb.Append('_');
            }
        }

        var result = sb.ToString();
        if (result.Length == 0 || Rune.IsDigit(Rune.GetRuneAt(result, 0)) || result is "true" or "false" or "null")
        {
            result = "_" + result;
        }

        return result;
    }
}
