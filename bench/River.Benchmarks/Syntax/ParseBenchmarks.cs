using System.Text.Json;
using BenchmarkDotNet.Attributes;
using River.Diagnostics;
using River.Syntax;

namespace River.Benchmarks.Syntax;

/// <summary>
/// Parsing the 10 000-block configuration (≈3 MB) against System.Text.Json parsing the same data (the goal:
/// River within 10× of JSON). Run: <c>dotnet run -c Release --project bench/River.Benchmarks -- --filter '*ParseBenchmarks*' --inProcess --job short</c>.
/// </summary>
[MemoryDiagnoser]
public class ParseBenchmarks
{
    private SourceFile _river = null!;
    private string _json = null!;

    /// <summary>Number of blocks.</summary>
    [Params(10_000)]
    public int Blocks { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _river = new SourceFile("bench.alloy", SyntaxBenchmarkData.River(Blocks));
        _json = SyntaxBenchmarkData.Json(Blocks);
        var result = RiverParser.Parse(_river);
        if (!result.Success)
        {
            throw new InvalidOperationException("benchmark input does not parse: " + result.Diagnostics[0]);
        }
    }

    [Benchmark(Baseline = true, Description = "System.Text.Json JsonDocument.Parse")]
    public int Json()
    {
        using var doc = JsonDocument.Parse(_json);
        return doc.RootElement.GetProperty("prometheus.scrape").GetArrayLength();
    }

    [Benchmark(Description = "River scanner only")]
    public int Scan()
    {
        var errors = new SyntaxErrorCollector(_river);
        var scanner = new RiverScanner(_river.Text, errors);
        scanner.Run();
        var count = scanner.Count;
        scanner.ReleaseTokens();
        return count;
    }

    /// <summary>The normal path: the grammar's fast rules, SLL, no parse tree, AST built from rule exits.</summary>
    [Benchmark(Description = "River parse (scanner + ANTLR + AST)")]
    public int Parse() => RiverParser.Parse(_river).File!.Body.Length;

    /// <summary>
    /// The path input with syntax errors takes (full LL, parse tree, tree walk), on the same valid input: what the
    /// normal path cost before it stopped building a parse tree.
    /// </summary>
    [Benchmark(Description = "River parse via parse tree (error-path reference)")]
    public int ParseViaParseTree() => RiverParser.ParseViaParseTree(_river).File!.Body.Length;
}
