using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using River.Runtime;
using River.Syntax;
using River.Values;

namespace River.Benchmarks.Runtime;

/// <summary>
/// Loading and evaluating a 10 000-component graph (goal: under 1 s), from parsed files and from text.
/// Each invocation builds into a fresh controller, which is stopped afterwards.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(InProcessConfig))]
public class GraphLoadBenchmarks
{
    private ComponentController? _controller;
    private IReadOnlyList<ConfigFile> _chain = [];
    private IReadOnlyList<ConfigFile> _wide = [];
    private string _wideText = "";

    /// <summary>Components in the graph.</summary>
    [Params(10_000)]
    public int Count { get; set; }

    /// <summary>Parses the configs once.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _chain = ConfigReader.FromTexts([("chain.alloy", RuntimeBenchmarkSetup.Chain(Count))]).Files;
        _wideText = RuntimeBenchmarkSetup.Wide(Count);
        _wide = ConfigReader.FromTexts([("wide.alloy", _wideText)]).Files;
    }

    /// <summary>A fresh controller per invocation.</summary>
    [IterationSetup]
    public void NewController() => _controller = RuntimeBenchmarkSetup.Controller();

    /// <summary>Stops what the invocation started.</summary>
    [IterationCleanup]
    public void StopController() => _controller!.StopAsync().GetAwaiter().GetResult();

    /// <summary>Plan, decode, build and start a 10 000-long chain.</summary>
    [Benchmark]
    public async Task<bool> LoadChain() => (await _controller!.ApplyAsync(_chain)).Success;

    /// <summary>Plan, decode, build and start a wide graph (two references per node).</summary>
    [Benchmark]
    public async Task<bool> LoadWide() => (await _controller!.ApplyAsync(_wide)).Success;

    /// <summary>The same, parsing the text first (what <c>river run</c> does).</summary>
    [Benchmark]
    public async Task<bool> ParseAndLoadWide() =>
        (await _controller!.ApplyAsync(ConfigReader.FromTexts([("wide.alloy", _wideText)]).Files)).Success;
}

/// <summary>
/// One export change at the head of a 10 000-node chain, until the tail has it (goal: under 100 ms). Every node is
/// re-evaluated and updated in turn on the controller's loop.
/// </summary>
[Config(typeof(InProcessConfig))]
public class ChainPropagationBenchmarks
{
    private ComponentController? _controller;
    private BenchPassComponent? _head;
    private string _tailId = "";
    private TaskCompletionSource<Value>? _arrived;
    private long _next = 1;

    /// <summary>Chain length.</summary>
    [Params(10_000)]
    public int Count { get; set; }

    /// <summary>Loads the chain and starts the controller's loop.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _tailId = "bench.pass.n" + (Count - 1);
        _controller = RuntimeBenchmarkSetup.Controller((id, value) =>
        {
            if (id == _tailId)
            {
                _arrived?.TrySetResult(value);
            }
        });
        _controller.Start();
        var files = ConfigReader.FromTexts([("chain.alloy", RuntimeBenchmarkSetup.Chain(Count))]).Files;
        var result = _controller.ApplyAsync(files).GetAwaiter().GetResult();
        if (!result.Success)
        {
            throw new InvalidOperationException(string.Join("\n", result.Diagnostics));
        }

        _controller.TryGetComponent("bench.pass.n0", out var head);
        _head = (BenchPassComponent)head.Instance!;
    }

    /// <summary>Stops the controller.</summary>
    [GlobalCleanup]
    public void Cleanup() => _controller!.StopAsync().GetAwaiter().GetResult();

    /// <summary>Publish at the head, wait for the tail's Update with the new value.</summary>
    [Benchmark]
    public async Task<Value> HeadToTail()
    {
        _arrived = new TaskCompletionSource<Value>(TaskCreationOptions.RunContinuationsAsynchronously);
        _head!.Publish(Value.Int(_next++));
        return await _arrived.Task.WaitAsync(TimeSpan.FromSeconds(30));
    }
}

/// <summary>
/// Runs in the benchmark process itself: the 10 000-component graphs take seconds per invocation, and a separate
/// generated project would rebuild the whole solution (too slow on the shared 2-core machine).
/// </summary>
public sealed class InProcessConfig : ManualConfig
{
    /// <summary>One in-process job: one warm-up, ten measured iterations, one invocation each.</summary>
    public InProcessConfig() => AddJob(Job.Default
        .WithToolchain(InProcessEmitToolchain.Instance)
        .WithWarmupCount(1)
        .WithIterationCount(10)
        .WithInvocationCount(1)
        .WithUnrollFactor(1));
}
