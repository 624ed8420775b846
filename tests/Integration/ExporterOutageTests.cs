using System.Buffers.Binary;
using System.Diagnostics;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using River.Components.Telemetry.Otlp.Collector.Trace;
using River.Components.Telemetry.Otlp.Common;
using River.Components.Telemetry.Otlp.Resource;
using River.Components.Telemetry.Otlp.Trace;
using Xunit.Abstractions;

namespace River.Integration;

/// <summary>The outage test's collection (parallel to all others).</summary>
[CollectionDefinition(ExporterOutageTests.Name)]
public sealed class OtlpOutageCollection;

/// <summary>
/// A two-minute collector outage under 1 000 spans/s, with River killed (<c>kill -9</c>) and restarted in the middle:
/// every span that reached the persistent sending queue arrives once the collector is back, exactly once; the spans
/// the full queue refused are counted in <c>otelcol_exporter_enqueue_failed_spans_total</c> and logged.
/// </summary>
[Collection(Name)]
public sealed class ExporterOutageTests(ITestOutputHelper output) : IDisposable
{
    /// <summary>This test's own collection: its two minutes run next to every other integration test.</summary>
    public const string Name = "otlp outage";

    private const string Exporter = "otelcol.exporter.otlp.out";
    private static readonly TimeSpan Outage = TimeSpan.FromMinutes(2);
    private readonly TempDir _dir = new();

    /// <inheritdoc/>
    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task A_two_minute_outage_with_a_kill_9_loses_no_queued_span_and_counts_the_excess()
    {
        if (OtlpPrerequisites.MissingPeers() is { } missing)
        {
            output.WriteLine("skipped: " + missing);
            return;
        }

        var receiverPort = RiverProcess.FreePort();
        var callsFile = Path.Combine(_dir.Path, "calls.jsonl");
        var collector = await GrpcJsCollector.StartAsync(callsFile);
        var collectorPort = collector.Port;
        var config = _dir.Write("config.alloy", $$"""
            otelcol.receiver.otlp "in" {
              grpc {
                endpoint = "127.0.0.1:{{receiverPort}}"
              }
              output {
                traces = [otelcol.processor.batch.b.input]
              }
            }

            otelcol.processor.batch "b" {
              output {
                traces = [otelcol.exporter.otlp.out.input]
              }
            }

            otelcol.storage.file "queue" { }

            otelcol.exporter.otlp "out" {
              client {
                endpoint = "127.0.0.1:{{collectorPort}}"
                tls {
                  insecure = true
                }
              }
              sending_queue {
                queue_size = 300
                storage    = otelcol.storage.file.queue.handler
              }
              retry_on_failure {
                initial_interval = "1s"
                max_interval     = "5s"
              }
            }
            """);

        var generator = new SpanGenerator(receiverPort);
        var river = await RunningRiver.StartAsync(_dir, config);
        try
        {
            // Before the outage: the path works.
            await generator.RunAsync(TimeSpan.FromSeconds(2));
            Assert.NotNull(await RunningRiver.PollAsync(() => Task.FromResult(collector.AcceptedSpans().Count == generator.Accepted.Count), TimeSpan.FromSeconds(60), 200));

            collector.Dispose();
            var outage = Stopwatch.StartNew();

            // First half of the outage, then kill -9 once the batch processor has handed everything to the queue.
            await generator.RunAsync(TimeSpan.FromSeconds(45));
            await Task.Delay(TimeSpan.FromSeconds(2));
            var refusedBeforeKill = await river.MetricAsync($"otelcol_exporter_enqueue_failed_spans_total{{component_id=\"{Exporter}\"}}") ?? 0;
            var queuedBeforeKill = await river.MetricAsync($"otelcol_exporter_queue_size{{component_id=\"{Exporter}\"}}") ?? 0;
            output.WriteLine($"before kill -9 at {outage.Elapsed.TotalSeconds:F0} s: {generator.Accepted.Count} spans accepted, {queuedBeforeKill} batches queued, {refusedBeforeKill} spans refused");
            Assert.True(queuedBeforeKill > 0, "the queue should hold batches during the outage");
            river.Process.Signal("KILL");
            await river.Process.WaitForExitAsync(TimeSpan.FromSeconds(30));
            river.Dispose();

            river = await RunningRiver.StartAsync(_dir, config);
            Assert.Contains("from a previous run will be sent", river.Process.Stderr + river.Process.Stdout, StringComparison.Ordinal);
            var queuedAfterRestart = await river.MetricAsync($"otelcol_exporter_queue_size{{component_id=\"{Exporter}\"}}") ?? 0;
            output.WriteLine($"after restart at {outage.Elapsed.TotalSeconds:F0} s: {queuedAfterRestart} batches back in the queue");
            Assert.Equal(queuedBeforeKill, queuedAfterRestart);

            // Second half: the queue fills up and refuses the excess.
            var remaining = Outage - outage.Elapsed - TimeSpan.FromSeconds(3);
            if (remaining > TimeSpan.Zero)
            {
                await generator.RunAsync(remaining);
            }

            await Task.Delay(TimeSpan.FromSeconds(2));
            var refusedAfterKill = await river.MetricAsync($"otelcol_exporter_enqueue_failed_spans_total{{component_id=\"{Exporter}\"}}") ?? 0;
            var refused = (long)(refusedBeforeKill + refusedAfterKill);
            output.WriteLine($"outage over at {outage.Elapsed.TotalSeconds:F0} s: {generator.Accepted.Count} spans accepted by River, {refused} refused by the full queue, {generator.RefusedByReceiver} refused at the receiver");
            Assert.True(refused > 0, "1 000 spans/s for two minutes should overflow a 300-batch queue");
            Assert.Contains("sending queue is full", river.Process.Stderr + river.Process.Stdout, StringComparison.Ordinal);

            collector = await GrpcJsCollector.StartAsync(callsFile, collectorPort);
            var expected = generator.Accepted.Count - refused;
            var delivered = await RunningRiver.PollAsync(() => Task.FromResult(collector.AcceptedSpans().Count >= expected), TimeSpan.FromSeconds(120), 500);
            output.WriteLine(delivered is null ? "not everything arrived" : $"backlog delivered {delivered.Value.TotalSeconds:F1} s after the collector came back");
            await Task.Delay(TimeSpan.FromSeconds(3));

            var ids = collector.AcceptedSpans().Select(s => s.Span.GetProperty("span_id").GetString()!).ToList();
            var distinct = ids.ToHashSet(StringComparer.Ordinal);
            output.WriteLine($"collector got {ids.Count} spans, {distinct.Count} distinct; expected {expected}");
            Assert.True(distinct.IsSubsetOf(generator.Accepted), "the collector got a span nobody sent");
            Assert.Equal(expected, distinct.Count);
            Assert.Equal(distinct.Count, ids.Count);
            var sent = await river.MetricAsync($"otelcol_exporter_sent_spans_total{{component_id=\"{Exporter}\"}}") ?? 0;
            Assert.Equal(0d, await river.MetricAsync($"otelcol_exporter_queue_size{{component_id=\"{Exporter}\"}}") ?? -1);
            output.WriteLine($"the restarted River sent {sent} spans");
        }
        finally
        {
            river.Dispose();
            collector.Dispose();
            generator.Dispose();
        }
    }

    /// <summary>
    /// Sends 100 spans every 100 ms to River's OTLP/gRPC receiver and remembers the span ids (hex) of every request the
    /// receiver accepted.
    /// </summary>
    private sealed class SpanGenerator(int port) : IDisposable
    {
        private readonly GrpcChannel _channel = GrpcChannel.ForAddress($"http://127.0.0.1:{port}");
        private long _next;

        public HashSet<string> Accepted { get; } = new(StringComparer.Ordinal);

        public long RefusedByReceiver { get; private set; }

        public async Task RunAsync(TimeSpan duration)
        {
            var client = new TraceService.TraceServiceClient(_channel);
            using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(100));
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed < duration && await timer.WaitForNextTickAsync())
            {
                var (request, ids) = Build(100);
                try
                {
                    await client.ExportAsync(request, deadline: DateTime.UtcNow.AddSeconds(10));
                    Accepted.UnionWith(ids);
                }
                catch (RpcException)
                {
                    // Refused at the door (never queued): the test does not expect these spans anywhere.
                    RefusedByReceiver += ids.Count;
                }
            }
        }

        public void Dispose() => _channel.Dispose();

        private (ExportTraceServiceRequest Request, List<string> Ids) Build(int count)
        {
            var scope = new ScopeSpans { Scope = new InstrumentationScope { Name = "outage-test" } };
            var ids = new List<string>(count);
            var now = (ulong)(DateTimeOffset.UtcNow - DateTimeOffset.UnixEpoch).Ticks * 100;
            for (var i = 0; i < count; i++)
            {
                var n = ++_next;
                var spanId = new byte[8];
                BinaryPrimitives.WriteInt64BigEndian(spanId, n);
                var traceId = new byte[16];
                traceId[0] = 0x7e;
                BinaryPrimitives.WriteInt64BigEndian(traceId.AsSpan(8), n);
                scope.Spans.Add(new Span
                {
                    TraceId = ByteString.CopyFrom(traceId),
                    SpanId = ByteString.CopyFrom(spanId),
                    Name = "GET /items/{id}",
                    Kind = Span.Types.SpanKind.Server,
                    StartTimeUnixNano = now,
                    EndTimeUnixNano = now + 1_000_000,
                    Attributes = { new KeyValue { Key = "n", Value = new AnyValue { IntValue = n } } },
                });
                ids.Add(Convert.ToHexStringLower(spanId));
            }

            var resource = new ResourceSpans
            {
                Resource = new Resource { Attributes = { new KeyValue { Key = "service.name", Value = new AnyValue { StringValue = "outage-generator" } } } },
                ScopeSpans = { scope },
            };
            return (new ExportTraceServiceRequest { ResourceSpans = { resource } }, ids);
        }
    }
}
