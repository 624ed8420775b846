using System.Text.Json;
using System.Text.Json.Serialization;
using BenchmarkDotNet.Attributes;
using River.Benchmarks.Eval;
using River.Benchmarks.Syntax;
using River.Diagnostics;
using River.Eval;
using River.Syntax;
using River.Values;

namespace River.Benchmarks.Language;

/// <summary>
/// The language goal, end to end: parse AND evaluate the generated 10 000-block configuration (≈2 MB) into
/// typed arguments, against System.Text.Json reading the same data (as a DOM and into typed objects) in the same run.
/// Goal: River within 10× of JSON, warm. Uses the generator of <see cref="SyntaxBenchmarkData"/> and the argument
/// shape of <see cref="EvalBenchmarks"/>.
/// Run: <c>dotnet run -c Release --project bench/River.Benchmarks -- --filter '*LanguageBenchmarks*'</c>.
/// </summary>
[MemoryDiagnoser]
public class LanguageBenchmarks
{
    private static readonly JsonSerializerOptions JsonOptions = new();
    private SourceFile _river = null!;
    private string _json = null!;
    private Scope _scope = null!;

    /// <summary>Number of blocks.</summary>
    [Params(10_000)]
    public int Blocks { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _river = new SourceFile("bench.alloy", SyntaxBenchmarkData.River(Blocks));
        _json = SyntaxBenchmarkData.Json(Blocks);
        _scope = new Scope();
        _scope.SetPath(["prometheus", "remote_write", "default", "receiver"], new CapsuleValue(new BenchReceiver()));

        // Both sides must really read every block, or the comparison means nothing.
        if (ParseAndEvaluate() != Blocks || ParseAndEvaluateShared() != Blocks || JsonTyped() != Blocks || JsonDom() != Blocks)
        {
            throw new InvalidOperationException("benchmark inputs do not hold the expected number of blocks");
        }
    }

    [Benchmark(Baseline = true, Description = "System.Text.Json JsonDocument.Parse + walk")]
    public int JsonDom()
    {
        using var doc = JsonDocument.Parse(_json);
        var count = 0;
        foreach (var block in doc.RootElement.GetProperty("prometheus.scrape").EnumerateArray())
        {
            if (block.GetProperty("enabled").GetBoolean())
            {
                count++;
            }
        }

        return count;
    }

    [Benchmark(Description = "System.Text.Json Deserialize into typed blocks")]
    public int JsonTyped()
    {
        var file = JsonSerializer.Deserialize<Dictionary<string, List<JsonScrapeBlock>>>(_json, JsonOptions)!;
        return file["prometheus.scrape"].Count(b => b.Enabled);
    }

    [Benchmark(Description = "River parse + evaluate into typed arguments")]
    public int ParseAndEvaluate()
    {
        var parsed = RiverParser.Parse(_river);
        var file = parsed.File ?? throw new InvalidOperationException("does not parse");
        var bag = new DiagnosticBag();
        var count = 0;
        foreach (var statement in file.Body)
        {
            if (BodyDecoder.Decode<BenchScrapeArguments>((BlockStatement)statement, _scope, file.Source, bag) is { Enabled: true })
            {
                count++;
            }
        }

        return bag.HasErrors ? -1 : count;
    }

    /// <summary>
    /// The same work as <see cref="ParseAndEvaluate"/>, with the blocks decoded the way `river run` and `river validate`
    /// decode a large config whose components do not reference each other: on every core, each block with its own
    /// diagnostics (<c>ComponentController.ForEachIndex</c>, the loader's own loop).
    /// </summary>
    [Benchmark(Description = "River parse + evaluate, blocks decoded on every core (as river run/validate)")]
    public int ParseAndEvaluateShared()
    {
        var parsed = RiverParser.Parse(_river);
        var file = parsed.File ?? throw new InvalidOperationException("does not parse");
        var body = file.Body;
        var enabled = new bool[body.Length];
        var failed = 0;
        River.Runtime.ComponentController.ForEachIndex(0, body.Length, i =>
        {
            var bag = new DiagnosticBag();
            enabled[i] = BodyDecoder.Decode<BenchScrapeArguments>((BlockStatement)body[i], _scope, file.Source, bag) is { Enabled: true };
            if (bag.HasErrors)
            {
                Interlocked.Increment(ref failed);
            }
        });

        return failed > 0 ? -1 : enabled.Count(e => e);
    }
}

/// <summary>The JSON shape of one generated block.</summary>
public sealed class JsonScrapeBlock
{
    /// <summary>The block label.</summary>
    [JsonPropertyName("label")]
    public string Label { get; set; } = "";

    /// <summary>Targets.</summary>
    [JsonPropertyName("targets")]
    public List<Dictionary<string, string>> Targets { get; set; } = [];

    /// <summary>Receivers (names in JSON).</summary>
    [JsonPropertyName("forward_to")]
    public List<string> ForwardTo { get; set; } = [];

    /// <summary>Interval, as text.</summary>
    [JsonPropertyName("scrape_interval")]
    public string ScrapeInterval { get; set; } = "";

    /// <summary>Limit.</summary>
    [JsonPropertyName("limit")]
    public int Limit { get; set; }

    /// <summary>Enabled.</summary>
    [JsonPropertyName("enabled")]
    public bool Enabled { get; set; }

    /// <summary>Labels.</summary>
    [JsonPropertyName("labels")]
    public Dictionary<string, string> Labels { get; set; } = [];
}
