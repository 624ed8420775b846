using Microsoft.Extensions.Logging;
using River.Components.Otelcol.Config;
using River.Components.Telemetry.Otlp.Collector.Trace;
using River.Components.Telemetry.Traces;
using River.Runtime;

namespace River.Components.Otelcol.Exporter.Debug;

/// <summary>
/// <c>otelcol.exporter.debug</c>: writes what it receives, like the Collector's debug exporter — a count line for
/// every request, plus one line per span (normal) or every field (detailed). Sampled per second as the Collector does.
/// </summary>
public sealed class DebugExporterComponent : IPassiveComponent, ITracesConsumer
{
    private readonly ComponentOptions _options;
    private readonly TextWriter _stderr;
    private readonly Lock _lock = new();
    private volatile DebugExporterArguments _arguments;
    private long _second;
    private int _inSecond;

    /// <summary>Creates the exporter and publishes its <c>input</c>.</summary>
    public DebugExporterComponent(ComponentOptions options, DebugExporterArguments arguments)
        : this(options, arguments, Console.Error)
    {
    }

    /// <summary>Creates the exporter writing raw output to <paramref name="stderr"/> when use_internal_logger is false.</summary>
    internal DebugExporterComponent(ComponentOptions options, DebugExporterArguments arguments, TextWriter stderr)
    {
        _options = options;
        _arguments = arguments;
        _stderr = stderr;
        options.OnStateChange(new ConsumerExports { Input = this });
    }

    /// <summary>The catalog entry.</summary>
    public static ComponentRegistration Registration { get; } = new(
        "otelcol.exporter.debug",
        typeof(DebugExporterArguments),
        typeof(ConsumerExports),
        StabilityLevel.GenerallyAvailable,
        static (options, arguments) => new DebugExporterComponent(options, (DebugExporterArguments)arguments));

    /// <inheritdoc />
    public void Update(object arguments) => _arguments = (DebugExporterArguments)arguments;

    /// <inheritdoc />
    public ValueTask ConsumeTracesAsync(ExportTraceServiceRequest traces, CancellationToken cancellationToken)
    {
        var args = _arguments;
        if (!Sampled(args))
        {
            return ValueTask.CompletedTask;
        }

        var summary = $"Traces {{\"resource spans\": {traces.ResourceSpans.Count}, \"spans\": {traces.SpanCount()}}}";
        var body = args.Verbosity switch
        {
            "detailed" => TracesTextFormatter.Detailed(traces),
            "normal" => TracesTextFormatter.Normal(traces),
            _ => null,
        };
        if (args.UseInternalLogger)
        {
            if (body is null)
            {
                _options.Logger.LogInformation("{Summary}", summary);
            }
            else
            {
                _options.Logger.LogInformation("{Summary}\n{Body}", summary, body);
            }
        }
        else
        {
            lock (_lock)
            {
                _stderr.Write(body ?? summary + "\n");
                _stderr.Flush();
            }
        }

        return ValueTask.CompletedTask;
    }

    // zap-style sampling: the first `sampling_initial` requests of each second, then every `sampling_thereafter`-th.
    private bool Sampled(DebugExporterArguments args)
    {
        lock (_lock)
        {
            var second = Environment.TickCount64 / 1000;
            if (second != _second)
            {
                _second = second;
                _inSecond = 0;
            }

            _inSecond++;
            return _inSecond <= args.SamplingInitial || (_inSecond - args.SamplingInitial) % args.SamplingThereafter == 0;
        }
    }
}
