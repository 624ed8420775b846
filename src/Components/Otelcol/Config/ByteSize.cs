using System.Globalization;

namespace River.Components.Otelcol.Config;

/// <summary>Parses sizes written as Alloy writes them: <c>4MiB</c>, <c>512KiB</c>, <c>20MB</c>, or a plain byte count.</summary>
public static class ByteSize
{
    /// <summary>Parses <paramref name="text"/> into bytes.</summary>
    public static bool TryParse(string text, out long bytes)
    {
        bytes = 0;
        var t = text.Trim();
        var split = 0;
        while (split < t.Length && (char.IsAsciiDigit(t[split]) || t[split] == '.'))
        {
            split++;
        }

        if (split == 0 || !double.TryParse(t.AsSpan(0, split), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number))
        {
            return false;
        }

        double? multiplier = t[split..].Trim().ToUpperInvariant() switch
        {
            "" or "B" => 1,
            "KIB" or "KI" => 1024,
            "MIB" or "MI" => 1024 * 1024,
            "GIB" or "GI" => 1024d * 1024 * 1024,
            "KB" or "K" => 1000,
            "MB" or "M" => 1000 * 1000,
            "GB" or "G" => 1000d * 1000 * 1000,
            _ => null,
        };
        if (multiplier is null)
        {
            return false;
        }

        bytes = (long)(number * multiplier.Value);
        return true;
    }
}
