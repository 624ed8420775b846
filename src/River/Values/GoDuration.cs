using System.Globalization;
using System.Text;
using Pidgin;
using static Pidgin.Parser;
using static Pidgin.Parser<char>;

namespace River.Values;

/// <summary>
/// Go's duration syntax (<c>time.ParseDuration</c> and <c>Duration.String</c>): an optional sign, then one or more
/// decimal numbers each followed by a unit — <c>ns</c>, <c>us</c> (or <c>µs</c>, <c>μs</c>), <c>ms</c>, <c>s</c>,
/// <c>m</c>, <c>h</c> — as in <c>"1h2m3s4ms"</c>, <c>"1.5h"</c>, <c>"-10s"</c>; <c>"0"</c> alone needs no unit.
/// Precision is one .NET tick (100 ns); finer parts round down.
/// </summary>
public static class GoDuration
{
    // A number always consumes input ("5", "1.5", "5.", ".5"), so repeating components cannot loop on nothing.
    private static readonly Parser<char, string> NumberPart =
        Map(
            (whole, frac) => whole + frac,
            Digit.AtLeastOnceString(),
            Char('.').Then(Digit.ManyString(), (dot, digits) => "." + digits).Or(Return(string.Empty)))
        .Or(Char('.').Then(Digit.AtLeastOnceString(), (dot, digits) => "." + digits));

    // As in Go, the unit is every following character that is not a digit or '.', checked afterwards.
    private static readonly Parser<char, (string Number, string Unit)> Component =
        Map(
            (number, unit) => (number, unit),
            NumberPart,
            Token(c => !char.IsDigit(c) && c != '.').ManyString());

    private static readonly Parser<char, (bool Negative, IEnumerable<(string Number, string Unit)> Parts)> Syntax =
        Map(
            (sign, parts) => (sign == '-', parts),
            OneOf(Char('-'), Char('+')).Optional().Select(c => c.HasValue ? c.Value : '+'),
            Component.AtLeastOnce())
        .Before(End);

    /// <summary>
    /// Parses a duration; on failure returns false with the reason in <paramref name="error"/> (<c>missing unit</c>,
    /// <c>unknown unit "x"</c>, <c>invalid syntax</c>, <c>empty string</c>, <c>out of range</c>).
    /// </summary>
    public static bool TryParse(string text, out TimeSpan value, out string? error)
    {
        value = TimeSpan.Zero;
        error = null;
        if (text is "0" or "+0" or "-0")
        {
            return true;
        }

        if (TryParseSimple(text, out value))
        {
            return true;
        }

        var result = Syntax.Parse(text);
        if (text.Length == 0)
        {
            error = "empty string";
            return false;
        }

        if (!result.Success)
        {
            error = "invalid syntax";
            return false;
        }

        decimal nanos = 0;
        foreach (var (number, unit) in result.Value.Parts)
        {
            if (number.Length == 0 || number == ".")
            {
                error = "invalid syntax";
                return false;
            }

            if (unit.Length == 0)
            {
                error = "missing unit";
                return false;
            }

            decimal scale = unit switch
            {
                "ns" => 1m,
                "us" or "µs" or "μs" => 1_000m,
                "ms" => 1_000_000m,
                "s" => 1_000_000_000m,
                "m" => 60_000_000_000m,
                "h" => 3_600_000_000_000m,
                _ => -1m,
            };
            if (scale < 0)
            {
                error = $"unknown unit {ValuePrinter.Quote(unit)}";
                return false;
            }

            if (!decimal.TryParse(number.StartsWith('.') ? "0" + number : number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var n))
            {
                error = "invalid syntax";
                return false;
            }

            try
            {
                nanos += n * scale;
            }
            catch (OverflowException)
            {
                error = "invalid syntax";
                return false;
            }
        }

        // Go durations are int64 nanoseconds: anything beyond that is out of range there too.
        if (nanos > long.MaxValue)
        {
            error = "out of range";
            return false;
        }

        var ticks = (long)decimal.Truncate(nanos / 100m);
        value = TimeSpan.FromTicks(result.Value.Negative ? -ticks : ticks);
        return true;
    }

    /// <summary>
    /// The common shape — an optional sign, then whole numbers each with a known unit (<c>15s</c>, <c>1h30m</c>) — parsed
    /// without the combinator parser or decimals. Anything else (fractions, unknown units, overflow) returns false and
    /// takes the full parser, which also produces the error message, so results are identical.
    /// </summary>
    private static bool TryParseSimple(string text, out TimeSpan value)
    {
        value = TimeSpan.Zero;
        var i = 0;
        var negative = false;
        if (text.Length > 0 && text[0] is '-' or '+')
        {
            negative = text[0] == '-';
            i = 1;
        }

        if (i == text.Length)
        {
            return false;
        }

        long nanos = 0;
        while (i < text.Length)
        {
            long number = 0;
            var start = i;
            while (i < text.Length && char.IsAsciiDigit(text[i]))
            {
                if (number > (long.MaxValue / 10) - 9)
                {
                    return false;
                }

                number = (number * 10) + (text[i] - '0');
                i++;
            }

            var unitStart = i;
            while (i < text.Length && (char.IsAsciiLetter(text[i]) || text[i] is 'µ' or 'μ'))
            {
                i++;
            }

            // The full parser's unit is every character up to the next digit or '.'; stop short of anything unusual.
            if (i == start || unitStart == start || (i < text.Length && !char.IsAsciiDigit(text[i])))
            {
                return false;
            }

            long scale = text.AsSpan(unitStart, i - unitStart) switch
            {
                "ns" => 1L,
                "us" or "µs" or "μs" => 1_000L,
                "ms" => 1_000_000L,
                "s" => 1_000_000_000L,
                "m" => 60_000_000_000L,
                "h" => 3_600_000_000_000L,
                _ => -1L,
            };
            if (scale < 0 || number > (long.MaxValue - nanos) / scale)
            {
                return false;
            }

            nanos += number * scale;
        }

        var ticks = nanos / 100;
        value = TimeSpan.FromTicks(negative ? -ticks : ticks);
        return true;
    }

    /// <summary>Go's <c>Duration.String()</c>: <c>1h2m3.5s</c>, <c>1.5ms</c>, <c>0s</c>.</summary>
    public static string Format(TimeSpan value)
    {
        var ticks = value.Ticks;
        if (ticks == 0)
        {
            return "0s";
        }

        var negative = ticks < 0;
        var nanos = (decimal)ticks * 100m;
        if (negative)
        {
            nanos = -nanos;
        }

        var sb = new StringBuilder();
        if (negative)
        {
            sb.Append('-');
        }

        if (nanos < 1_000_000_000m)
        {
            // Below one second Go picks the largest unit that keeps a non-zero integer part.
            var (scale, unit) = nanos < 1_000m ? (1m, "ns") : nanos < 1_000_000m ? (1_000m, "µs") : (1_000_000m, "ms");
            sb.Append(Trim(nanos / scale)).Append(unit);
            return sb.ToString();
        }

        var hours = decimal.Truncate(nanos / 3_600_000_000_000m);
        nanos -= hours * 3_600_000_000_000m;
        var minutes = decimal.Truncate(nanos / 60_000_000_000m);
        nanos -= minutes * 60_000_000_000m;
        var seconds = nanos / 1_000_000_000m;
        if (hours > 0)
        {
            sb.Append(hours.ToString(CultureInfo.InvariantCulture)).Append('h');
        }

        if (hours > 0 || minutes > 0)
        {
            sb.Append(minutes.ToString(CultureInfo.InvariantCulture)).Append('m');
        }

        sb.Append(Trim(seconds)).Append('s');
        return sb.ToString();
    }

    private static string Trim(decimal d)
    {
        var s = d.ToString("0.#########", CultureInfo.InvariantCulture);
        return s;
    }
}
