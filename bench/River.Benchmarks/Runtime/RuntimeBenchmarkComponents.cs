using River.Runtime;
using River.Values;

namespace River.Benchmarks.Runtime;

/// <summary>Arguments of the benchmark's <c>bench.pass</c> component.</summary>
public sealed class BenchArguments
{
    /// <summary>Any value; exported unchanged.</summary>
    [River("input", Required = true)]
    public Value Input { get; set; } = Value.Null;
}

/// <summary>Exports of <c>bench.pass</c>.</summary>
public sealed class BenchExports
{
    /// <summary>The input, passed through.</summary>
    [River("output")]
    public Value Output { get; set; } = Value.Null;
}

/// <summary>A passthrough that can report every update to the benchmark (to see the change arrive at the tail).</summary>
public sealed class BenchPassComponent : IComponent
{
    private readonly ComponentOptions _options;
    private readonly Action<string, Value>? _onUpdate;

    /// <summary>Publishes the first exports at once, as real components do.</summary>
    public BenchPassComponent(ComponentOptions options, BenchArguments arguments, Action<string, Value>? onUpdate)
    {
        _options = options;
        _onUpdate = onUpdate;
        options.OnStateChange(new BenchExports { Output = arguments.Input });
    }

    /// <summary>Publishes a new value (the head of the chain).</summary>
    public void Publish(Value value) => _options.OnStateChange(new BenchExports { Output = value });

    /// <inheritdoc/>
    public Task RunAsync(CancellationToken cancellationToken) => Task.Delay(Timeout.Infinite, cancellationToken);

    /// <inheritdoc/>
    public void Update(object arguments)
    {
        var input = ((BenchArguments)arguments).Input;
        _options.OnStateChange(new BenchExports { Output = input });
        _onUpdate?.Invoke(_options.Id, input);
    }
}

/// <summary>Configs and controllers for the runtime benchmarks.</summary>
public static class RuntimeBenchmarkSetup
{
    /// <summary>A chain of <paramref name="count"/> components, each reading the previous one's output.</summary>
    public static string Chain(int count)
    {
        var text = new System.Text.StringBuilder();
        text.Append("bench.pass \"n0\" {\n\tinput = 0\n}\n");
        for (var i = 1; i < count; i++)
        {
            text.Append("bench.pass \"n").Append(i).Append("\" {\n\tinput = bench.pass.n").Append(i - 1).Append(".output\n}\n");
        }

        return text.ToString();
    }

    /// <summary>
    /// A wide graph of <paramref name="count"/> components: 100 roots, then every component references two
    /// earlier ones (so evaluation order matters and scopes hold several dependencies).
    /// </summary>
    public static string Wide(int count)
    {
        var text = new System.Text.StringBuilder();
        for (var i = 0; i < count; i++)
        {
            if (i < 100)
            {
                text.Append("bench.pass \"n").Append(i).Append("\" {\n\tinput = ").Append(i).Append("\n}\n");
            }
            else
            {
                text.Append("bench.pass \"n").Append(i).Append("\" {\n\tinput = [bench.pass.n").Append(i / 2)
                    .Append(".output, bench.pass.n").Append(i - 100).Append(".output]\n}\n");
            }
        }

        return text.ToString();
    }

    /// <summary>A controller with the <c>bench.pass</c> component.</summary>
    public static ComponentController Controller(Action<string, Value>? onUpdate = null) => new(new ControllerOptions
    {
        Registry = new ComponentRegistry(
        [
            new ComponentRegistration("bench.pass", typeof(BenchArguments), typeof(BenchExports), StabilityLevel.GenerallyAvailable,
                (o, a) => new BenchPassComponent(o, (BenchArguments)a, onUpdate)),
        ]),
        Evaluator = RiverComponentEvaluator.Instance,
        LoggerFactory = Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance,
        HttpHandler = new SocketsHttpHandler(),
        StoragePath = Path.Combine(Path.GetTempPath(), "river-bench"),
    });
}
