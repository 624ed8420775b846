using System.Globalization;
using System.Text;
using River.Components.Prom.Exposition;
using River.Components.Telemetry.Metrics;

namespace River.Tests.Prom;

public sealed class ExpositionParserTests
{
    public static TheoryData<string> GoldenCases()
    {
        var data = new TheoryData<string>();
        foreach (var d in Directory.GetDirectories(Path.Combine(PromTest.SourceDir(), "Exposition", "Golden")).Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileName(d));
        }

        return data;
    }

    /// <summary>
    /// Each numbered folder holds input.txt (text 0.0.4) or input.om (OpenMetrics) and expected.txt: one line per
    /// entry, or the error message. Set RIVER_UPDATE_GOLDEN=1 to rewrite expected.txt after a deliberate change.
    /// </summary>
    [Theory]
    [MemberData(nameof(GoldenCases))]
    public void GoldenExpositionParsesToExpectedEntries(string name)
    {
        var dir = Path.Combine(PromTest.SourceDir(), "Exposition", "Golden", name);
        var om = File.Exists(Path.Combine(dir, "input.om"));
        var input = File.ReadAllBytes(Path.Combine(dir, om ? "input.om" : "input.txt"));
        var actual = Dump(input, om ? ExpositionFormat.OpenMetrics : ExpositionFormat.PrometheusText);
        var expectedPath = Path.Combine(dir, "expected.txt");
        if (Environment.GetEnvironmentVariable("RIVER_UPDATE_GOLDEN") == "1")
        {
            File.WriteAllText(expectedPath, actual);
        }

        Assert.Equal(File.ReadAllText(expectedPath), actual);
    }

    internal static string Dump(byte[] input, ExpositionFormat format)
    {
        var p = new ExpositionParser();
        var decoder = new ExpositionDecoder();
        p.Reset(input, input.Length, format);
        var sb = new StringBuilder();
        while (true)
        {
            var e = p.Next();
            switch (e)
            {
                case ExpositionEntry.End:
                    return sb.ToString();
                case ExpositionEntry.Error:
                    sb.Append("ERROR ").Append(p.Error).Append('\n');
                    return sb.ToString();
                case ExpositionEntry.Help:
                    sb.Append("HELP ").Append(Encoding.UTF8.GetString(p.MetricName)).Append(' ').Append(p.MetadataText.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal)).Append('\n');
                    break;
                case ExpositionEntry.Type:
                    sb.Append("TYPE ").Append(Encoding.UTF8.GetString(p.MetricName)).Append(' ').Append(p.MetricType.ToString().ToLowerInvariant()).Append('\n');
                    break;
                case ExpositionEntry.Unit:
                    sb.Append("UNIT ").Append(Encoding.UTF8.GetString(p.MetricName)).Append(' ').Append(p.MetadataText).Append('\n');
                    break;
                case ExpositionEntry.Sample:
                    sb.Append("SAMPLE ").Append(decoder.Decode(p)).Append(' ').Append(Format(p.Value));
                    if (p.HasTimestamp)
                    {
                        sb.Append(" @").Append(p.TimestampMs.ToString(CultureInfo.InvariantCulture));
                    }

                    sb.Append('\n');
                    break;
            }
        }
    }

    private static string Format(double v) => double.IsNaN(v) ? "NaN" : double.IsPositiveInfinity(v) ? "+Inf" : double.IsNegativeInfinity(v) ? "-Inf" : v.ToString("R", CultureInfo.InvariantCulture);

    [Fact]
    public void NaNInfAndNegativeZeroParseToTheirIeeeValues()
    {
        Assert.True(ExpositionParser.TryParseFloat("NaN"u8, out var nan) && double.IsNaN(nan));
        Assert.True(ExpositionParser.TryParseFloat("+Inf"u8, out var pinf) && double.IsPositiveInfinity(pinf));
        Assert.True(ExpositionParser.TryParseFloat("-Inf"u8, out var ninf) && double.IsNegativeInfinity(ninf));
        Assert.True(ExpositionParser.TryParseFloat("-0"u8, out var nz) && double.IsNegative(nz) && nz == 0);
        Assert.False(ExpositionParser.TryParseFloat("1,000"u8, out _));
        Assert.False(ExpositionParser.TryParseFloat("∞"u8, out _));
        Assert.False(ExpositionParser.TryParseFloat(""u8, out _));
    }

    [Fact]
    public void SeriesKeyIsIdenticalForIdenticalSeriesAndDiffersOtherwise()
    {
        var input = "a{x=\"1\"} 1\na{x=\"2\"} 2\na{x=\"1\"} 3\n"u8.ToArray();
        var p = new ExpositionParser();
        p.Reset(input, input.Length, ExpositionFormat.PrometheusText);
        var keys = new List<string>();
        while (p.Next() == ExpositionEntry.Sample)
        {
            keys.Add(Encoding.UTF8.GetString(p.SeriesKey));
        }

        Assert.Equal(["a{x=\"1\"}", "a{x=\"2\"}", "a{x=\"1\"}"], keys);
    }

    [Fact]
    public void ParserCanBeReusedForAnotherInputAfterAnError()
    {
        var p = new ExpositionParser();
        var bad = "m{\n"u8.ToArray();
        p.Reset(bad, bad.Length, ExpositionFormat.PrometheusText);
        Assert.Equal(ExpositionEntry.Error, p.Next());
        Assert.Equal(ExpositionEntry.Error, p.Next()); // stays failed
        var good = "m 1\n"u8.ToArray();
        p.Reset(good, good.Length, ExpositionFormat.PrometheusText);
        Assert.Equal(ExpositionEntry.Sample, p.Next());
        Assert.Equal(1, p.Value);
        Assert.Equal(ExpositionEntry.End, p.Next());
    }

    [Fact]
    public void LastLineWithoutNewlineIsParsed()
    {
        var input = "a 1\nb 2"u8.ToArray();
        Assert.Equal("SAMPLE a{} 1\nSAMPLE b{} 2\n", Dump(input, ExpositionFormat.PrometheusText));
    }

    [Fact]
    public void DecoderReturnsLabelsSortedWithMetricName()
    {
        var input = "m{zeta=\"1\",alpha=\"2\",Beta=\"3\"} 1\n"u8.ToArray();
        var p = new ExpositionParser();
        p.Reset(input, input.Length, ExpositionFormat.PrometheusText);
        Assert.Equal(ExpositionEntry.Sample, p.Next());
        var labels = new ExpositionDecoder().Decode(p);
        // Ordinal order: uppercase before "__name__" ('_' is 0x5F), lowercase after.
        Assert.Equal(["Beta", "__name__", "alpha", "zeta"], labels.AsSpan().ToArray().Select(l => l.Name));
        Assert.Equal("m", labels.MetricName);
    }
}
