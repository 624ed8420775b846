using Prometheus;
using River.Components.Beyla.Discovery;
using River.Components.Beyla.Process;
using River.Components.Beyla.ServiceGraph;

namespace River.Components.Beyla.SpanMetrics;

/// <summary>
/// The optional metric features of one configuration — <c>application_process</c>, <c>application_span</c> and
/// <c>application_service_graph</c> — wired to discovery and the tracer, so the component needs three lines for them.
/// </summary>
public sealed class FeatureSet
{
    /// <summary>How often process metrics are read (Beyla's default).</summary>
    public static readonly TimeSpan ProcessInterval = TimeSpan.FromSeconds(5);

    private FeatureSet(ProcessMetrics? process, SpanMetricsRecorder? spans, ServiceGraphRecorder? graph)
    {
        Process = process;
        Spans = spans;
        Graph = graph;
    }

    /// <summary>Process metrics, when <c>application_process</c> is on.</summary>
    public ProcessMetrics? Process { get; }

    /// <summary>Span metrics, when <c>application_span</c> is on.</summary>
    public SpanMetricsRecorder? Spans { get; }

    /// <summary>Service graph, when <c>application_service_graph</c> is on.</summary>
    public ServiceGraphRecorder? Graph { get; }

    /// <summary>Builds the enabled features and plugs the request observers into <paramref name="tracer"/>.</summary>
    public static FeatureSet Create(BeylaArguments arguments, CollectorRegistry registry, string hostName, BeylaTracer tracer)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        ArgumentNullException.ThrowIfNull(tracer);
        var features = arguments.Metrics.Features;
        var process = features.Contains("application_process") ? new ProcessMetrics(registry) : null;
        var spans = features.Contains("application_span") ? new SpanMetricsRecorder(registry, hostName) : null;
        var graph = features.Contains("application_service_graph")
            ? new ServiceGraphRecorder(registry, arguments.Metrics.AllowServiceGraphSelfReferences)
            : null;
        var observers = new List<IRequestObserver>();
        if (spans is not null)
            observers.Add(spans);
        if (graph is not null)
            observers.Add(graph);
        if (observers.Count > 0)
            tracer.Observer = observers.Count == 1 ? observers[0] : new RequestObservers(observers);
        return new FeatureSet(process, spans, graph);
    }

    /// <summary>Passes a discovery change to every enabled feature.</summary>
    public void OnDiscoveryChanged(DiscoveryChange change)
    {
        Process?.OnDiscoveryChanged(change);
        Spans?.OnDiscoveryChanged(change);
        Graph?.OnDiscoveryChanged(change);
    }

    /// <summary>The periodic loops of the enabled features (process reads, service-graph pairing timeouts).</summary>
    public IEnumerable<Task> Start(CancellationToken cancellationToken)
    {
        if (Process is not null)
            yield return Process.RunAsync(ProcessInterval, cancellationToken);
        if (Graph is not null)
            yield return FlushGraphAsync(Graph, cancellationToken);
    }

    private static async Task FlushGraphAsync(ServiceGraphRecorder graph, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            graph.Flush(DateTime.UtcNow);
    }
}
