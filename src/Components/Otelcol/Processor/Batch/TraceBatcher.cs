using River.Components.Telemetry.Otlp.Collector.Trace;
using River.Components.Telemetry.Otlp.Trace;
using River.Components.Telemetry.Traces;

namespace River.Components.Otelcol.Processor.Batch;

/// <summary>
/// The batching arithmetic of <c>otelcol.processor.batch</c>, without threads or timers: spans are appended, and
/// batches of at most <c>send_batch_max_size</c> spans are cut off the front, splitting a resource or a scope when a
/// batch boundary falls inside it (each part keeps its resource and scope).
/// </summary>
public sealed class TraceBatcher
{
    // Containers here are our own shallow copies, so cutting them never touches a request we were handed.
    private readonly List<ResourceSpans> _pending = [];
    private readonly int _sendBatchSize;
    private readonly int _sendBatchMaxSize;

    /// <summary>Creates a batcher; <paramref name="sendBatchMaxSize"/> 0 means batches are never split.</summary>
    public TraceBatcher(int sendBatchSize, int sendBatchMaxSize)
    {
        _sendBatchSize = sendBatchSize;
        _sendBatchMaxSize = sendBatchMaxSize;
    }

    /// <summary>Spans waiting.</summary>
    public int PendingSpans { get; private set; }

    /// <summary>Whether enough spans wait to send a batch because of the size trigger.</summary>
    public bool HasFullBatch => PendingSpans > 0 && PendingSpans >= _sendBatchSize;

    /// <summary>Appends the spans of <paramref name="request"/>.</summary>
    public void Add(ExportTraceServiceRequest request)
    {
        foreach (var resource in request.ResourceSpans)
        {
            var copy = new ResourceSpans { Resource = resource.Resource, SchemaUrl = resource.SchemaUrl };
            var count = 0;
            foreach (var scope in resource.ScopeSpans)
            {
                if (scope.Spans.Count == 0)
                {
                    continue;
                }

                var scopeCopy = new ScopeSpans { Scope = scope.Scope, SchemaUrl = scope.SchemaUrl };
                scopeCopy.Spans.AddRange(scope.Spans);
                copy.ScopeSpans.Add(scopeCopy);
                count += scope.Spans.Count;
            }

            if (count > 0)
            {
                _pending.Add(copy);
                PendingSpans += count;
            }
        }
    }

    /// <summary>
    /// Cuts the next batch: all pending spans, or the first <c>send_batch_max_size</c> of them when there are more.
    /// Returns null when nothing is pending.
    /// </summary>
    public ExportTraceServiceRequest? TakeBatch()
    {
        if (PendingSpans == 0)
        {
            return null;
        }

        var limit = _sendBatchMaxSize > 0 && PendingSpans > _sendBatchMaxSize ? _sendBatchMaxSize : PendingSpans;
        var batch = new ExportTraceServiceRequest();
        var taken = 0;
        while (taken < limit)
        {
            var resource = _pending[0];
            var resourceCount = resource.SpanCount();
            if (resourceCount <= limit - taken)
            {
                // The whole resource fits.
                batch.ResourceSpans.Add(resource);
                _pending.RemoveAt(0);
                taken += resourceCount;
                continue;
            }

            batch.ResourceSpans.Add(SplitResource(resource, limit - taken));
            taken = limit;
        }

        PendingSpans -= taken;
        return batch;
    }

    // Moves the first `count` spans of `resource` (which has more than that) into a new ResourceSpans.
    private static ResourceSpans SplitResource(ResourceSpans resource, int count)
    {
        var part = new ResourceSpans { Resource = resource.Resource, SchemaUrl = resource.SchemaUrl };
        while (count > 0)
        {
            var scope = resource.ScopeSpans[0];
            if (scope.Spans.Count <= count)
            {
                part.ScopeSpans.Add(scope);
                resource.ScopeSpans.RemoveAt(0);
                count -= scope.Spans.Count;
                continue;
            }

            var scopePart = new ScopeSpans { Scope = scope.Scope, SchemaUrl = scope.SchemaUrl };
            for (var i = 0; i < count; i++)
            {
                scopePart.Spans.Add(scope.Spans[i]);
            }

            // RepeatedField has no RemoveRange; rebuild the remainder once instead of shifting span by span.
            var rest = new Span[scope.Spans.Count - count];
            for (var i = 0; i < rest.Length; i++)
            {
                rest[i] = scope.Spans[count + i];
            }

            scope.Spans.Clear();
            scope.Spans.AddRange(rest);
            part.ScopeSpans.Add(scopePart);
            count = 0;
        }

        return part;
    }
}
