using Microsoft.Extensions.Logging;
using River.Components.Otelcol.Config;
using River.Components.Otelcol.Exporter;
using River.Components.Otelcol.Exporter.Debug;
using River.Components.Otelcol.Exporter.Otlp;
using River.Components.Telemetry.Otlp.Collector.Trace;
using River.Components.Telemetry.Traces;
using Xunit.Abstractions;

namespace River.Tests.Otelcol;

public sealed class SendingQueueTests(ITestOutputHelper output)
{
    [Fact]
    public void PersistentQueueGivesBackEverythingNotCompletedAfterAReopen()
    {
        using var host = new TestHost("queue");
        var dir = Path.Combine(host.DataPath, "q");
        using (var queue = new PersistentRequestQueue(dir, capacity: 10, host.Logger))
        {
            for (var i = 0; i < 4; i++)
            {
                Assert.True(queue.TryEnqueue(SpanFactory.Request("svc", 1, 1, firstSpan: i)));
            }

            // One finished, one in flight (dequeued, never completed: as if the process died mid-send), two waiting.
            queue.Complete(queue.TryDequeue()!);
            _ = queue.TryDequeue()!;
        }

        // A write cut by a crash leaves a temporary file; it must not come back as a batch.
        File.WriteAllBytes(Path.Combine(dir, "00000000000000000099.otlp.tmp"), [1, 2, 3]);
        using var reopened = new PersistentRequestQueue(dir, capacity: 10, host.Logger);
        Assert.Equal(3, reopened.Count);
        var names = new List<string>();
        while (reopened.TryDequeue() is { } item)
        {
            names.AddRange(SpanFactory.SpanNames([item.Request]));
            reopened.Complete(item);
        }

        Assert.Equal(["GET /items/1", "GET /items/2", "GET /items/3"], names);
        Assert.Empty(Directory.EnumerateFiles(dir));
    }

    [Fact]
    public void PersistentQueueRefusesWhenFullCountingWhatIsOnDisk()
    {
        using var host = new TestHost("queue-full");
        var dir = Path.Combine(host.DataPath, "q");
        using (var queue = new PersistentRequestQueue(dir, capacity: 2, host.Logger))
        {
            Assert.True(queue.TryEnqueue(SpanFactory.Request("svc", 1, 1)));
            Assert.True(queue.TryEnqueue(SpanFactory.Request("svc", 1, 1)));
            Assert.False(queue.TryEnqueue(SpanFactory.Request("svc", 1, 1)));
        }

        using var reopened = new PersistentRequestQueue(dir, capacity: 2, host.Logger);
        Assert.False(reopened.TryEnqueue(SpanFactory.Request("svc", 1, 1)));
        reopened.Complete(reopened.TryDequeue()!);
        Assert.True(reopened.TryEnqueue(SpanFactory.Request("svc", 1, 1)));
    }

    [Fact]
    public async Task AFullQueueRefusesTheDataAndCountsIt()
    {
        using var host = new TestHost("otelcol.exporter.otlp.full");

        // Nothing listens on this port and the exporter is not running, so nothing leaves the queue.
        var exporter = new OtlpExporterComponent(host.Options, new OtlpExporterArguments
        {
            Client = new GrpcClientArguments { Endpoint = $"127.0.0.1:{OtlpReceiverTests.FreePort()}", Tls = new TlsArguments { Insecure = true } },
            SendingQueue = new QueueArguments { QueueSize = 2 },
        });
        await exporter.ConsumeTracesAsync(SpanFactory.Request("a", 1, 3), CancellationToken.None);
        await exporter.ConsumeTracesAsync(SpanFactory.Request("a", 1, 3), CancellationToken.None);
        var error = await Assert.ThrowsAsync<TracesRejectedException>(async () => await exporter.ConsumeTracesAsync(SpanFactory.Request("a", 1, 5), CancellationToken.None));
        Assert.Equal(5, error.RejectedSpans);
        Assert.Equal(5, exporter.Metrics.ExporterEnqueueFailedSpans.Value);
        Assert.Equal(2, exporter.Metrics.ExporterQueueSize.Value);
        Assert.True(host.Logger.Contains(LogLevel.Error, "sending queue is full"));
        exporter.Dispose();
    }

    [Fact]
    public async Task PersistentQueueDeliversAfterTheCollectorComesBackInANewExporter()
    {
        if (NodePeers.Unavailable() is { } reason)
        {
            output.WriteLine("skipped: " + reason);
            return;
        }

        using var host = new TestHost("otelcol.exporter.otlp.persist");
        var storage = new FileStorageHandler(Path.Combine(host.DataPath, "storage"));
        var port = OtlpReceiverTests.FreePort();
        OtlpExporterArguments Args() => new()
        {
            Client = new GrpcClientArguments { Endpoint = $"127.0.0.1:{port}", Tls = new TlsArguments { Insecure = true } },
            SendingQueue = new QueueArguments { Storage = storage, NumConsumers = 2 },
            RetryOnFailure = new RetryArguments { InitialInterval = TimeSpan.FromMilliseconds(100), MaxInterval = TimeSpan.FromMilliseconds(200) },
        };

        // First life: the collector is down; the batches wait on disk while the exporter retries.
        var first = new OtlpExporterComponent(host.Options, Args());
        using (var cts = new CancellationTokenSource())
        {
            var run = first.RunAsync(cts.Token);
            for (var i = 0; i < 3; i++)
            {
                await first.ConsumeTracesAsync(SpanFactory.Request("svc", 1, 4, firstSpan: i * 4), CancellationToken.None);
            }

            await Task.Delay(500);
            await cts.CancelAsync();
            await run;
        }

        first.Dispose();
        Assert.Equal(3, Directory.EnumerateFiles(OtlpExporterComponent.QueueDirectory(host.Options, Args().SendingQueue), "*.otlp").Count());

        // Second life: the collector is up; the new exporter sends what the first one left.
        using var collector = await NodeCollector.StartAsync(Path.Combine(host.DataPath, "calls.jsonl"), "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var second = new OtlpExporterComponent(host.Options, Args());
        using (var cts = new CancellationTokenSource())
        {
            var run = second.RunAsync(cts.Token);
            await collector.WaitForAcceptedAsync(12, TimeSpan.FromSeconds(20));
            await cts.CancelAsync();
            await run;
        }

        second.Dispose();
        var names = collector.AcceptedSpans().Select(s => s.Span.GetProperty("name").GetString()).Order(StringComparer.Ordinal);
        Assert.Equal(Enumerable.Range(0, 12).Select(i => $"GET /items/{i}").Order(StringComparer.Ordinal), names);
    }

    [Fact]
    public async Task DebugExporterWritesTheCollectorsDetailedLayout()
    {
        using var host = new TestHost("otelcol.exporter.debug.test");
        var stderr = new StringWriter();
        var exporter = new DebugExporterComponent(host.Options, new DebugExporterArguments { Verbosity = "detailed", UseInternalLogger = false }, stderr);
        await exporter.ConsumeTracesAsync(SpanFactory.Request("checkout", 1, 1), CancellationToken.None);
        var text = stderr.ToString();
        Assert.Contains("ResourceSpans #0\n", text, StringComparison.Ordinal);
        Assert.Contains("     -> service.name: Str(checkout)\n", text, StringComparison.Ordinal);
        Assert.Contains("InstrumentationScope scope-0 1.0\n", text, StringComparison.Ordinal);
        Assert.Contains("    Trace ID       : ab000000000000000100000000000000\n", text, StringComparison.Ordinal);
        Assert.Contains("    Kind           : Server\n", text, StringComparison.Ordinal);
        Assert.Contains("    Start time     : 2023-11-14 22:13:20.000000000 +0000 UTC\n", text, StringComparison.Ordinal);
        Assert.Contains("    Status code    : Error\n", text, StringComparison.Ordinal);
        Assert.Contains("     -> http.response.status_code: Int(200)\n", text, StringComparison.Ordinal);
        Assert.Contains("SpanEvent #0\n     -> Name: exception\n", text, StringComparison.Ordinal);
        Assert.Contains("SpanLink #0\n     -> Trace ID: 09090909090909090909090909090909\n", text, StringComparison.Ordinal);

        var basic = new DebugExporterComponent(host.Options, new DebugExporterArguments(), TextWriter.Null);
        await basic.ConsumeTracesAsync(SpanFactory.Request("checkout", 2, 3), CancellationToken.None);
        Assert.True(host.Logger.Contains(LogLevel.Information, "Traces {\"resource spans\": 1, \"spans\": 6}"));
    }
}
