using System.Text;

namespace River.Syntax;

/// <summary>Decoding and quoting of string literals, with Go's (and so Alloy's) rules.</summary>
public static class StringLiterals
{
    /// <summary>
    /// Decodes a double-quoted literal, quotes included, resolving Go escapes. <c>\xNN</c> and <c>\NNN</c> are
    /// bytes: the decoded bytes are read as UTF-8, so <c>"\xc3\xa9"</c> is <c>é</c> (a byte sequence that is not
    /// UTF-8 becomes U+FFFD). Malformed escapes (already reported by the scanner) are kept as written.
    /// </summary>
    public static string Decode(string raw)
    {
        ArgumentNullException.ThrowIfNull(raw);
        var end = raw.Length >= 2 && raw[^1] == '"' ? raw.Length - 1 : raw.Length;
        var start = raw.Length > 0 && raw[0] == '"' ? 1 : 0;
        var inner = raw.AsSpan(start, Math.Max(0, end - start));
        if (inner.IndexOf('\\') < 0)
        {
            return inner.ToString();
        }

        var bytes = new List<byte>(inner.Length);
        Span<byte> utf8 = stackalloc byte[4];
        var i = 0;
        while (i < inner.Length)
        {
            var c = inner[i];
            if (c != '\\' || i + 1 >= inner.Length)
            {
                i += AppendChars(bytes, inner, i, utf8);
                continue;
            }

            var e = inner[i + 1];
            switch (e)
            {
                case 'a': bytes.Add(0x07); i += 2; continue;
                case 'b': bytes.Add(0x08); i += 2; continue;
                case 'f': bytes.Add(0x0C); i += 2; continue;
                case 'n': bytes.Add(0x0A); i += 2; continue;
                case 'r': bytes.Add(0x0D); i += 2; continue;
                case 't': bytes.Add(0x09); i += 2; continue;
                case 'v': bytes.Add(0x0B); i += 2; continue;
                case '\\': bytes.Add((byte)'\\'); i += 2; continue;
                case '"': bytes.Add((byte)'"'); i += 2; continue;
            }

            var (digits, radix, skip, isByte) = e switch
            {
                >= '0' and <= '7' => (3, 8, 1, true),
                'x' => (2, 16, 2, true),
                'u' => (4, 16, 2, false),
                'U' => (8, 16, 2, false),
                _ => (0, 0, 0, false),
            };
            if (digits == 0 || i + skip + digits > inner.Length || !TryParseDigits(inner.Slice(i + skip, digits), radix, out var value))
            {
                // Malformed: reported by the scanner; keep the backslash and go on.
                bytes.Add((byte)'\\');
                i++;
                continue;
            }

            if (isByte)
            {
                bytes.Add((byte)Math.Min(value, 255));
            }
            else
            {
                var rune = Rune.IsValid((int)value) ? new Rune((int)value) : Rune.ReplacementChar;
                var n = rune.EncodeToUtf8(utf8);
                for (var k = 0; k < n; k++)
                {
                    bytes.Add(utf8[k]);
                }
            }

            i += skip + digits;
        }

        return Encoding.UTF8.GetString(bytes.ToArray());
    }

    private static int AppendChars(List<byte> bytes, ReadOnlySpan<char> text, int i, Span<byte> utf8)
    {
        var status = Rune.DecodeFromUtf16(text[i..], out var rune, out var consumed);
        if (status != System.Buffers.OperationStatus.Done)
        {
            rune = Rune.ReplacementChar;
            consumed = 1;
        }

        var n = rune.EncodeToUtf8(utf8);
        for (var k = 0; k < n; k++)
        {
            bytes.Add(utf8[k]);
        }

        return consumed;
    }

    private static bool TryParseDigits(ReadOnlySpan<char> digits, int radix, out uint value)
    {
        value = 0;
        foreach (var c in digits)
        {
            var d = RiverScanner.HexValue(c);
            if (d >= radix)
            {
                return false;
            }

            value = (value * (uint)radix) + (uint)d;
        }

        return true;
    }

    /// <summary>Decodes a raw backtick literal: backticks removed, carriage returns dropped (as Go does), nothing else.</summary>
    public static string DecodeRaw(string raw)
    {
        ArgumentNullException.ThrowIfNull(raw);
        var inner = raw.Length >= 2 && raw[^1] == '`' ? raw[1..^1] : raw.TrimStart('`');
        return inner.Contains('\r', StringComparison.Ordinal) ? inner.Replace("\r", string.Empty, StringComparison.Ordinal) : inner;
    }

    /// <summary>
    /// Quotes a string the way Go's <c>%q</c> does (used in messages that Alloy formats with it): double quotes,
    /// backslash escapes for quotes, backslashes, control and other non-printable characters.
    /// </summary>
    public static string GoQuote(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return Values.ValuePrinter.Quote(value);
    }
}
