using System.Text;
using River.Components.Telemetry.Metrics;

namespace River.Components.Prom.Exposition;

/// <summary>Turns the current sample of an <see cref="ExpositionParser"/> into a <see cref="LabelSet"/>.</summary>
public sealed class ExpositionDecoder
{
    // Names and short values repeat across series (label names, "le" bounds, quantiles): intern them.
    private readonly SeriesCache<string> _strings = new();
    private readonly LabelSetBuilder _builder = new();

    /// <summary>The labels of the parser's current sample, with <c>__name__</c>.</summary>
    public LabelSet Decode(ExpositionParser parser)
    {
        ArgumentNullException.ThrowIfNull(parser);
        _builder.Clear();
        _builder.Set(LabelSet.MetricNameLabel, Intern(parser.MetricName));
        for (var i = 0; i < parser.LabelCount; i++)
        {
            var name = Intern(parser.LabelName(i));
            var raw = parser.LabelValueRaw(i);
            var value = parser.LabelValueHasEscapes(i) ? parser.LabelValue(i) : raw.Length <= 32 ? Intern(raw) : Encoding.UTF8.GetString(raw);
            _builder.Set(name, value);
        }

        return _builder.Build();
    }

    private string Intern(ReadOnlySpan<byte> bytes)
    {
        if (_strings.Get(bytes) is { } s)
        {
            return s;
        }

        s = Encoding.UTF8.GetString(bytes);
        if (_strings.Count < 100_000)
        {
            _strings.Set(bytes, s);
        }

        return s;
    }
}
