using River.Components.Otelcol.Config;
using River.Components.Otelcol.Processor.Batch;
using River.Components.Telemetry.Otlp.Collector.Trace;
using River.Components.Telemetry.Traces;
using River.Values;

namespace River.Tests.Otelcol;

public sealed class BatchProcessorTests
{
    [Fact]
    public void BatcherCutsNothingBelowTheSizeTrigger()
    {
        var batcher = new TraceBatcher(sendBatchSize: 10, sendBatchMaxSize: 15);
        batcher.Add(SpanFactory.Request("a", scopes: 1, spansPerScope: 9));
        Assert.False(batcher.HasFullBatch);
        Assert.Equal(9, batcher.PendingSpans);
    }

    [Fact]
    public void BatcherSplitsAtTheMaxSizeAcrossResourcesAndScopesKeepingOrder()
    {
        var batcher = new TraceBatcher(sendBatchSize: 10, sendBatchMaxSize: 15);

        // 3 scopes × 4 spans (0..11) from service a, then 2 scopes × 5 spans (12..21) from service b: 22 spans.
        batcher.Add(SpanFactory.Request("a", scopes: 3, spansPerScope: 4));
        batcher.Add(SpanFactory.Request("b", scopes: 2, spansPerScope: 5, firstSpan: 12));
        Assert.True(batcher.HasFullBatch);

        var first = batcher.TakeBatch()!;
        Assert.Equal(15, first.SpanCount());

        // Resource a whole (12 spans), then resource b cut inside its first scope (3 of 5 spans).
        Assert.Equal(2, first.ResourceSpans.Count);
        Assert.Equal("a", first.ResourceSpans[0].Resource.Attributes[0].Value.StringValue);
        Assert.Equal([4, 4, 4], first.ResourceSpans[0].ScopeSpans.Select(s => s.Spans.Count));
        Assert.Equal("b", first.ResourceSpans[1].Resource.Attributes[0].Value.StringValue);
        Assert.Single(first.ResourceSpans[1].ScopeSpans);
        Assert.Equal("scope-0", first.ResourceSpans[1].ScopeSpans[0].Scope.Name);
        Assert.Equal(3, first.ResourceSpans[1].ScopeSpans[0].Spans.Count);

        // 7 remain: below the trigger of 10.
        Assert.False(batcher.HasFullBatch);
        var rest = batcher.TakeBatch()!;
        Assert.Equal(7, rest.SpanCount());
        Assert.Single(rest.ResourceSpans);
        Assert.Equal("b", rest.ResourceSpans[0].Resource.Attributes[0].Value.StringValue);
        Assert.Equal(["scope-0", "scope-1"], rest.ResourceSpans[0].ScopeSpans.Select(s => s.Scope.Name));
        Assert.Equal([2, 5], rest.ResourceSpans[0].ScopeSpans.Select(s => s.Spans.Count));
        Assert.Null(batcher.TakeBatch());

        var names = SpanFactory.SpanNames([first, rest]);
        Assert.Equal(Enumerable.Range(0, 22).Select(i => $"GET /items/{i}"), names);
    }

    [Fact]
    public void BatcherNeverChangesTheRequestsItIsGiven()
    {
        var request = SpanFactory.Request("a", scopes: 2, spansPerScope: 5);
        var before = request.Clone();
        var batcher = new TraceBatcher(sendBatchSize: 3, sendBatchMaxSize: 3);
        batcher.Add(request);
        while (batcher.TakeBatch() is not null)
        {
        }

        Assert.Equal(before, request);
    }

    [Fact]
    public void BatcherWithoutMaxSizeSendsEverythingPendingAtOnce()
    {
        var batcher = new TraceBatcher(sendBatchSize: 5, sendBatchMaxSize: 0);
        batcher.Add(SpanFactory.Request("a", scopes: 1, spansPerScope: 4000));
        Assert.Equal(4000, batcher.TakeBatch()!.SpanCount());
    }

    [Fact]
    public async Task SizeTriggerSendsFullBatchesAtOnceAndKeepsTheRemainder()
    {
        using var host = new TestHost("otelcol.processor.batch.size");
        var sink = new CollectingConsumer();
        var component = new BatchProcessorComponent(host.Options, new BatchProcessorArguments
        {
            Timeout = TimeSpan.FromMinutes(10),
            SendBatchSize = 100,
            SendBatchMaxSize = 100,
            Output = new OutputArguments { Traces = [sink] },
        });
        using var cts = new CancellationTokenSource();
        var run = component.RunAsync(cts.Token);
        var input = Assert.IsType<ConsumerExports>(host.Exports).Input;

        // 250 spans with a 10-minute timeout: only the size trigger can send, twice 100; 50 wait.
        await input.ConsumeTracesAsync(SpanFactory.Request("a", scopes: 1, spansPerScope: 250), CancellationToken.None);
        await sink.WaitForSpansAsync(200, TimeSpan.FromSeconds(10));
        await Task.Delay(200);
        Assert.Equal([100, 100], sink.Received.Select(r => r.SpanCount()));
        Assert.Equal(2, component.Metrics.BatchSizeTriggerSends.Value);

        // Shutdown flushes the remainder.
        await cts.CancelAsync();
        await run;
        Assert.Equal([100, 100, 50], sink.Received.Select(r => r.SpanCount()));
        Assert.Equal(Enumerable.Range(0, 250).Select(i => $"GET /items/{i}"), SpanFactory.SpanNames(sink.Received));
    }

    [Fact]
    public async Task TimeoutTriggerSendsASmallBatchAfterTheTimeout()
    {
        using var host = new TestHost("otelcol.processor.batch.timeout");
        var sink = new CollectingConsumer();
        var component = new BatchProcessorComponent(host.Options, new BatchProcessorArguments
        {
            Timeout = TimeSpan.FromMilliseconds(300),
            SendBatchSize = 2000,
            Output = new OutputArguments { Traces = [sink] },
        });
        using var cts = new CancellationTokenSource();
        var run = component.RunAsync(cts.Token);
        var input = ((ConsumerExports)host.Exports!).Input;

        var started = System.Diagnostics.Stopwatch.StartNew();
        await input.ConsumeTracesAsync(SpanFactory.Request("a", scopes: 1, spansPerScope: 3), CancellationToken.None);
        await input.ConsumeTracesAsync(SpanFactory.Request("b", scopes: 1, spansPerScope: 2, firstSpan: 3), CancellationToken.None);
        await sink.WaitForSpansAsync(5, TimeSpan.FromSeconds(10));
        var elapsed = started.Elapsed;

        // Both requests travel together in one batch, not before the timeout.
        var batch = Assert.Single(sink.Received);
        Assert.Equal(5, batch.SpanCount());
        Assert.Equal(2, batch.ResourceSpans.Count);
        Assert.True(elapsed >= TimeSpan.FromMilliseconds(250), $"sent after {elapsed}");
        Assert.Equal(1, component.Metrics.BatchTimeoutTriggerSends.Value);
        Assert.Equal(0, component.Metrics.BatchSizeTriggerSends.Value);
        await cts.CancelAsync();
        await run;
    }

    [Fact]
    public async Task LargeArrivalIsSplitIntoBatchesNoLargerThanTheMax()
    {
        using var host = new TestHost("otelcol.processor.batch.max");
        var sink = new CollectingConsumer();
        var component = new BatchProcessorComponent(host.Options, new BatchProcessorArguments
        {
            Timeout = TimeSpan.FromMilliseconds(100),
            SendBatchSize = 2000,
            SendBatchMaxSize = 3000,
            Output = new OutputArguments { Traces = [sink] },
        });
        using var cts = new CancellationTokenSource();
        var run = component.RunAsync(cts.Token);

        // 7000 spans at once: two size-triggered batches of 3000, then the timeout sends 1000.
        await component.ConsumeTracesAsync(SpanFactory.Request("a", scopes: 7, spansPerScope: 1000), CancellationToken.None);
        await sink.WaitForSpansAsync(7000, TimeSpan.FromSeconds(10));
        Assert.Equal([3000, 3000, 1000], sink.Received.Select(r => r.SpanCount()));
        Assert.Equal(Enumerable.Range(0, 7000).Select(i => $"GET /items/{i}"), SpanFactory.SpanNames(sink.Received));
        await cts.CancelAsync();
        await run;
    }

    [Fact]
    public async Task MetadataKeysKeepOneBatcherPerValue()
    {
        using var host = new TestHost("otelcol.processor.batch.meta");
        var sink = new CollectingConsumer();
        var component = new BatchProcessorComponent(host.Options, new BatchProcessorArguments
        {
            Timeout = TimeSpan.FromMilliseconds(100),
            MetadataKeys = ["X-Tenant"],
            Output = new OutputArguments { Traces = [sink] },
        });
        using var cts = new CancellationTokenSource();
        var run = component.RunAsync(cts.Token);
        foreach (var (tenant, first) in new[] { ("t1", 0), ("t2", 10), ("t1", 20) })
        {
            using (ClientMetadata.Attach(new Dictionary<string, IReadOnlyList<string>> { ["x-tenant"] = [tenant] }))
            {
                await component.ConsumeTracesAsync(SpanFactory.Request(tenant, 1, 2, first), CancellationToken.None);
            }
        }

        await sink.WaitForSpansAsync(6, TimeSpan.FromSeconds(10));
        var byTenant = sink.Received.Select(r => (r.ResourceSpans[0].Resource.Attributes[0].Value.StringValue, r.SpanCount())).OrderBy(x => x.Item1).ToList();
        Assert.Equal([("t1", 4), ("t2", 2)], byTenant);
        await cts.CancelAsync();
        await run;
    }

    [Fact]
    public void MaxSizeBelowSendBatchSizeIsAConfigError()
    {
        var context = new ValidationContext();
        new BatchProcessorArguments { SendBatchSize = 100, SendBatchMaxSize = 50 }.Validate(context);
        var error = Assert.Single(context.Errors);
        Assert.Equal("send_batch_max_size", error.Name);

        var ok = new ValidationContext();
        new BatchProcessorArguments { SendBatchSize = 100, SendBatchMaxSize = 0 }.Validate(ok);
        Assert.Empty(ok.Errors);
    }
}
