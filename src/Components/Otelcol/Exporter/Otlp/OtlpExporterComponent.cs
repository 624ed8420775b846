using River.Components.Otelcol.Config;
using River.Components.Telemetry.Otlp.Collector.Trace;
using River.Components.Telemetry.Traces;
using River.Components.Otelcol.Exporter;
using River.Runtime;

namespace River.Components.Otelcol.Exporter.Otlp;

/// <summary>
/// <c>otelcol.exporter.otlp</c>: sends spans to an OTLP/gRPC server through a sending queue, retrying retryable
/// failures with exponential backoff. Exports <c>input</c>.
/// </summary>
public sealed class OtlpExporterComponent : IComponent, ITracesConsumer, IDisposable
{
    private readonly ComponentOptions _options;
    private readonly TraceExportPipeline _pipeline;
    private OtlpExporterArguments _arguments;

    /// <summary>Creates the exporter (the connection is made on first send) and publishes its <c>input</c>.</summary>
    public OtlpExporterComponent(ComponentOptions options, OtlpExporterArguments arguments)
    {
        _options = options;
        _arguments = arguments;
        Metrics = ExporterMetrics.Create(options.Registry, options.Id);
        _pipeline = new TraceExportPipeline(
            new GrpcTraceSender(arguments.Client),
            arguments.SendingQueue,
            arguments.RetryOnFailure,
            arguments.Timeout,
            QueueDirectory(options, arguments.SendingQueue),
            Metrics,
            options.Logger);
        options.OnStateChange(new ConsumerExports { Input = this });
    }

    /// <summary>The catalog entry.</summary>
    public static ComponentRegistration Registration { get; } = new(
        "otelcol.exporter.otlp",
        typeof(OtlpExporterArguments),
        typeof(ConsumerExports),
        StabilityLevel.GenerallyAvailable,
        static (options, arguments) => new OtlpExporterComponent(options, (OtlpExporterArguments)arguments));

    /// <summary>The component's metrics.</summary>
    internal ExporterMetrics Metrics { get; }

    /// <summary>Batches queued or in flight.</summary>
    internal int QueueCount => _pipeline.QueueCount;

    /// <inheritdoc />
    public ValueTask ConsumeTracesAsync(ExportTraceServiceRequest traces, CancellationToken cancellationToken) =>
        _pipeline.ConsumeTracesAsync(traces, cancellationToken);

    /// <inheritdoc />
    public Task RunAsync(CancellationToken cancellationToken) => _pipeline.RunAsync(cancellationToken);

    /// <inheritdoc />
    public void Update(object arguments)
    {
        var args = (OtlpExporterArguments)arguments;
        if (!ReferenceEquals(args.SendingQueue, _arguments.SendingQueue) && args.SendingQueue.QueueSize != _arguments.SendingQueue.QueueSize)
        {
            _options.Logger.LogQueueChangeIgnored();
        }

        _pipeline.Reconfigure(new GrpcTraceSender(args.Client), args.RetryOnFailure, args.Timeout);
        _arguments = args;
    }

    /// <inheritdoc />
    public void Dispose() => _pipeline.Dispose();

    /// <summary>Where a persistent queue lives: under the storage handler's directory, in a folder named after the component.</summary>
    internal static string QueueDirectory(ComponentOptions options, QueueArguments queue) =>
        queue.Storage is { } storage
            ? Path.Combine(storage.Directory, options.Id, "sending_queue")
            : Path.Combine(options.DataPath, "sending_queue");
}
