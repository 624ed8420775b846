using System.Globalization;
using System.Text;
using BenchmarkDotNet.Attributes;
using River.Components.Prom.Exposition;
using River.Components.Telemetry.Metrics;

namespace River.Benchmarks.Prometheus;

/// <summary>
/// The exposition parser on a generated 100 000-series text exposition (1 000 families × 100 series, three labels
/// each, HELP/TYPE per family). OperationsPerInvoke = series count, so "Mean" is time per sample and "Allocated"
/// is bytes per sample. Run: <c>dotnet run -c Release --project bench/River.Benchmarks -- --filter '*ExpositionParser*'</c>
/// </summary>
[MemoryDiagnoser]
public class ExpositionParserBenchmarks
{
    private const int Families = 1000;
    private const int SeriesPerFamily = 100;
    private const int Samples = Families * SeriesPerFamily;

    private byte[] _text = [];
    private readonly ExpositionParser _parser = new();
    private readonly SeriesCache<LabelSet> _warmCache = new();

    [GlobalSetup]
    public void Setup()
    {
        var sb = new StringBuilder();
        for (var f = 0; f < Families; f++)
        {
            sb.Append(CultureInfo.InvariantCulture, $"# HELP app_metric_{f}_total Generated counter family number {f}.\n");
            sb.Append(CultureInfo.InvariantCulture, $"# TYPE app_metric_{f}_total counter\n");
            for (var s = 0; s < SeriesPerFamily; s++)
            {
                sb.Append(CultureInfo.InvariantCulture, $"app_metric_{f}_total{{method=\"{(s % 2 == 0 ? "GET" : "POST")}\",path=\"/api/v1/items/{s}\",code=\"{200 + (s % 5)}\"}} {(f * 1000) + s}.{s % 10}\n");
            }
        }

        _text = Encoding.UTF8.GetBytes(sb.ToString());
        var decoder = new ExpositionDecoder();
        _parser.Reset(_text, _text.Length, ExpositionFormat.PrometheusText);
        ExpositionEntry e;
        while ((e = _parser.Next()) != ExpositionEntry.End)
        {
            if (e == ExpositionEntry.Sample)
            {
                _warmCache.Set(_parser.SeriesKey, decoder.Decode(_parser));
            }
        }
    }

    /// <summary>Tokenise and parse every value: the floor of any scrape.</summary>
    [Benchmark(OperationsPerInvoke = Samples)]
    public double ParseOnly()
    {
        _parser.Reset(_text, _text.Length, ExpositionFormat.PrometheusText);
        double sum = 0;
        ExpositionEntry e;
        while ((e = _parser.Next()) != ExpositionEntry.End)
        {
            if (e == ExpositionEntry.Sample)
            {
                sum += _parser.Value;
            }
        }

        return sum;
    }

    /// <summary>First scrape of a target: every series is decoded into a new LabelSet.</summary>
    [Benchmark(OperationsPerInvoke = Samples)]
    public int ParseAndDecodeCold()
    {
        var decoder = new ExpositionDecoder();
        _parser.Reset(_text, _text.Length, ExpositionFormat.PrometheusText);
        var n = 0;
        ExpositionEntry e;
        while ((e = _parser.Next()) != ExpositionEntry.End)
        {
            if (e == ExpositionEntry.Sample)
            {
                n += decoder.Decode(_parser).Count;
            }
        }

        return n;
    }

    /// <summary>Every later scrape: series found in the byte-keyed cache, no per-sample allocation.</summary>
    [Benchmark(OperationsPerInvoke = Samples)]
    public int ParseWithWarmSeriesCache()
    {
        _parser.Reset(_text, _text.Length, ExpositionFormat.PrometheusText);
        var n = 0;
        ExpositionEntry e;
        while ((e = _parser.Next()) != ExpositionEntry.End)
        {
            if (e == ExpositionEntry.Sample && _warmCache.Get(_parser.SeriesKey) is { } labels)
            {
                n += labels.Count;
            }
        }

        return n;
    }
}
