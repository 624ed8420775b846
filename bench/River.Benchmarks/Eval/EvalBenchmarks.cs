using BenchmarkDotNet.Attributes;
using River.Benchmarks.Syntax;
using River.Diagnostics;
using River.Eval;
using River.Syntax;
using River.Values;

namespace River.Benchmarks.Eval;

/// <summary>
/// Evaluating the generated 10 000-block configuration (the one <see cref="ParseBenchmarks"/> parses): every attribute
/// expression evaluated, every block decoded into a typed argument class, and every block's references collected
/// (what the loader does to build the graph). Parsing happens once in the setup.
/// Run: <c>dotnet run -c Release --project bench/River.Benchmarks -- --filter '*EvalBenchmarks*'</c> (on the shared 2-core
/// machine add <c>--inProcess --job short --iterationCount 7</c>: out-of-process builds time out there).
/// </summary>
[MemoryDiagnoser]
public class EvalBenchmarks
{
    private ConfigFile _file = null!;
    private Scope _scope = null!;

    /// <summary>Number of blocks.</summary>
    [Params(10_000)]
    public int Blocks { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var parsed = RiverParser.Parse(new SourceFile("bench.alloy", SyntaxBenchmarkData.River(Blocks)));
        _file = parsed.File ?? throw new InvalidOperationException("benchmark input does not parse: " + parsed.Diagnostics[0]);
        _scope = new Scope();
        _scope.SetPath(["prometheus", "remote_write", "default", "receiver"], new CapsuleValue(new BenchReceiver()));
        var bag = new DiagnosticBag();
        if (Decode(bag) != Blocks || bag.HasErrors)
        {
            throw new InvalidOperationException("benchmark input does not decode: " + string.Join("\n", bag.Items));
        }
    }

    [Benchmark(Baseline = true, Description = "Evaluate every attribute expression")]
    public int EvaluateExpressions()
    {
        var count = 0;
        var bag = new DiagnosticBag();
        foreach (var statement in _file.Body)
        {
            foreach (var inner in ((BlockStatement)statement).Body)
            {
                if (inner is AttributeStatement attr && RiverEvaluator.Evaluate(attr.Value, _scope, _file.Source, bag) is not null)
                {
                    count++;
                }
            }
        }

        return count;
    }

    [Benchmark(Description = "Decode every block into typed arguments")]
    public int DecodeBlocks() => Decode(new DiagnosticBag());

    [Benchmark(Description = "Collect references of every block")]
    public int CollectReferences()
    {
        var count = 0;
        foreach (var statement in _file.Body)
        {
            count += ReferenceCollector.Collect((BlockStatement)statement).Count;
        }

        return count;
    }

    private int Decode(DiagnosticBag bag)
    {
        var count = 0;
        foreach (var statement in _file.Body)
        {
            if (BodyDecoder.Decode<BenchScrapeArguments>((BlockStatement)statement, _scope, _file.Source, bag) is not null)
            {
                count++;
            }
        }

        return count;
    }
}

/// <summary>A receiver for the capsule in the benchmark scope.</summary>
public interface IBenchReceiver;

/// <summary>The receiver instance.</summary>
public sealed class BenchReceiver : IBenchReceiver;

/// <summary>Shaped like prometheus.scrape's arguments, for the generated blocks.</summary>
public sealed class BenchScrapeArguments
{
    [River("targets", Required = true)]
    public List<Dictionary<string, string>> Targets { get; set; } = [];

    [River("forward_to", Required = true)]
    public List<IBenchReceiver> ForwardTo { get; set; } = [];

    [River("scrape_interval")]
    public TimeSpan ScrapeInterval { get; set; } = TimeSpan.FromMinutes(1);

    [River("limit")]
    public int Limit { get; set; }

    [River("enabled")]
    public bool Enabled { get; set; } = true;

    [River("labels")]
    public Dictionary<string, string> Labels { get; set; } = [];
}
