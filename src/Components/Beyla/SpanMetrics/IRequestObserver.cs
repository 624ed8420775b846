using River.Components.Beyla.Discovery;

namespace River.Components.Beyla.SpanMetrics;

/// <summary>
/// Sees every request the tracer accepted for metrics (after routes, filters and ignore rules), with its service,
/// method and route: the input of the span-metrics and service-graph features.
/// </summary>
public interface IRequestObserver
{
    /// <summary>Handles one accepted request.</summary>
    void Observe(DiscoveredService service, in HttpRequestEvent request, string method, string route);
}

/// <summary>Several observers behind one.</summary>
public sealed class RequestObservers(IReadOnlyList<IRequestObserver> observers) : IRequestObserver
{
    /// <inheritdoc/>
    public void Observe(DiscoveredService service, in HttpRequestEvent request, string method, string route)
    {
        foreach (var o in observers)
            o.Observe(service, in request, method, route);
    }
}
