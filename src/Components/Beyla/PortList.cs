using Pidgin;
using static Pidgin.Parser;

namespace River.Components.Beyla;

/// <summary>
/// A set of TCP ports written as Beyla writes them: a comma-separated list of ports and inclusive ranges, spaces
/// allowed, for example <c>80,443, 8000-8999</c>. A process matches when any one of its ports is in the set.
/// </summary>
public sealed class PortList
{
    private readonly (int Low, int High)[] _ranges;

    private PortList((int Low, int High)[] ranges, string text)
    {
        _ranges = ranges;
        Text = text;
    }

    /// <summary>The list as written.</summary>
    public string Text { get; }

    /// <summary>The inclusive ranges (a single port is a range of one).</summary>
    public IReadOnlyList<(int Low, int High)> Ranges => _ranges;

    /// <summary>True when nothing was written; an empty list matches nothing.</summary>
    public bool IsEmpty => _ranges.Length == 0;

    /// <summary>True when <paramref name="port"/> is one of the listed ports or inside a listed range.</summary>
    public bool Contains(int port)
    {
        foreach (var (low, high) in _ranges)
        {
            if (port >= low && port <= high)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>True when any of <paramref name="ports"/> is in the list.</summary>
    public bool ContainsAny(IEnumerable<int> ports)
    {
        foreach (var p in ports)
        {
            if (Contains(p))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The empty list.</summary>
    public static PortList Empty { get; } = new([], "");

    // Grammar: list := item ("," item)* ; item := port ("-" port)? ; spaces allowed around tokens.
    private static readonly Parser<char, int> Port =
        Digit.AtLeastOnceString().Select(s => s.Length > 6 ? int.MaxValue : int.Parse(s, System.Globalization.CultureInfo.InvariantCulture))
            .Labelled("port number");

    private static readonly Parser<char, (int, int)> Item =
        Map((low, high) => (low, high.HasValue ? high.Value : low),
            Port.Before(SkipWhitespaces),
            Char('-').Then(SkipWhitespaces).Then(Port).Before(SkipWhitespaces).Optional());

    private static readonly Parser<char, IEnumerable<(int, int)>> List =
        SkipWhitespaces.Then(Item.Separated(Char(',').Then(SkipWhitespaces))).Before(Parser<char>.End);

    /// <summary>Parses <paramref name="text"/>; on failure returns false and a message saying what is wrong.</summary>
    public static bool TryParse(string? text, out PortList list, out string? error)
    {
        list = Empty;
        error = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            return true;
        }

        var result = List.Parse(text);
        if (!result.Success)
        {
            error = $"invalid port list \"{text}\": expected comma-separated ports or ranges such as \"80,443,8000-8999\" ({result.Error?.RenderErrorMessage()})";
            return false;
        }

        var ranges = result.Value.ToArray();
        foreach (var (low, high) in ranges)
        {
            if (low < 1 || low > 65535 || high < 1 || high > 65535)
            {
                error = $"invalid port list \"{text}\": ports must be between 1 and 65535";
                return false;
            }

            if (high < low)
            {
                error = $"invalid port list \"{text}\": range {low}-{high} ends before it starts";
                return false;
            }
        }

        list = new PortList(ranges, text);
        return true;
    }

    /// <summary>Parses <paramref name="text"/> or throws <see cref="FormatException"/> with the reason.</summary>
    public static PortList Parse(string? text) =>
        TryParse(text, out var list, out var error) ? list : throw new FormatException(error);

    /// <inheritdoc/>
    public override string ToString() => Text;
}
