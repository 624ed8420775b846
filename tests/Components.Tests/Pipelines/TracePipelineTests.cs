using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using River.Tests.Otelcol;
using Xunit.Abstractions;

namespace River.Tests.Pipelines;

/// <summary>
/// Traces through River run from an Alloy config: the OpenTelemetry .NET SDK sends to <c>otelcol.receiver.otlp</c>,
/// through <c>otelcol.processor.batch</c>, out of <c>otelcol.exporter.otlp</c>/<c>otlphttp</c>/<c>debug</c> to the
/// independent grpc-js collector in peers/.
/// </summary>
public sealed class TracePipelineTests(ITestOutputHelper output)
{
    private const string FastRetry = """
          retry_on_failure {
            initial_interval = "50ms"
            max_interval     = "200ms"
            randomization_factor = 0
          }
        """;

    [Fact]
    public async Task SpansFromTheSdkOverGrpcAndHttpReachTheCollectorWithEveryField()
    {
        if (NodePeers.Unavailable() is { } reason)
        {
            output.WriteLine("skipped: " + reason);
            return;
        }

        var dir = Directory.CreateTempSubdirectory("river-traces-").FullName;
        using var collector = await NodeCollector.StartAsync(Path.Combine(dir, "calls.jsonl"));
        int grpcPort = PipelineHost.FreePort(), httpPort = PipelineHost.FreePort(), relayPort = PipelineHost.FreePort();

        // Two routes to the same collector: directly over gRPC, and through otlphttp into a second receiver whose
        // exporter marks its calls with a header, so the collector can tell them apart.
        await using var river = await PipelineHost.StartAsync($$"""
            otelcol.receiver.otlp "sdk" {
              grpc { endpoint = "127.0.0.1:{{grpcPort}}" }
              http { endpoint = "127.0.0.1:{{httpPort}}" }
              output { traces = [otelcol.processor.batch.default.input] }
            }

            otelcol.processor.batch "default" {
              timeout = "100ms"
              send_batch_size = 50
              output {
                traces = [otelcol.exporter.otlp.direct.input, otelcol.exporter.otlphttp.relay.input, otelcol.exporter.debug.console.input]
              }
            }

            otelcol.exporter.debug "console" {
              verbosity = "detailed"
              sampling_initial = 100
            }

            otelcol.exporter.otlp "direct" {
              client {
                endpoint = "127.0.0.1:{{collector.Port}}"
                headers  = { "x-route" = "direct" }
                tls { insecure = true }
              }
            }

            otelcol.exporter.otlphttp "relay" {
              client {
                endpoint = "http://127.0.0.1:{{relayPort}}"
                compression = "gzip"
              }
            }

            otelcol.receiver.otlp "relay" {
              http { endpoint = "127.0.0.1:{{relayPort}}" }
              output { traces = [otelcol.exporter.otlp.relayed.input] }
            }

            otelcol.exporter.otlp "relayed" {
              client {
                endpoint = "127.0.0.1:{{collector.Port}}"
                headers  = { "x-route" = "relayed" }
                compression = "none"
                tls { insecure = true }
              }
            }
            """);

        // `river validate` accepts the same file (capsule exports checked with their defaults).
        Assert.DoesNotContain(River.Runtime.RiverHost.Validate(river.ConfigPath, River.Components.ComponentCatalog.All), d => d.Severity == River.Diagnostics.Severity.Error);

        var sent = new List<Activity>();
        sent.AddRange(SendWithSdk(OtlpExportProtocol.Grpc, new Uri($"http://127.0.0.1:{grpcPort}"), "grpc"));
        sent.AddRange(SendWithSdk(OtlpExportProtocol.HttpProtobuf, new Uri($"http://127.0.0.1:{httpPort}/v1/traces"), "http"));

        // Each span arrives twice: once per route.
        await WaitOrExplainAsync(river, collector, sent.Count * 2);
        var calls = collector.Calls();
        foreach (var route in new[] { "direct", "relayed" })
        {
            var spans = AcceptedSpans(calls.Where(c => c.GetProperty("metadata").GetProperty("x-route").GetString() == route));
            Assert.Equal(sent.Count, spans.Count);
            foreach (var activity in sent)
            {
                var match = spans.Single(s => s.Span.GetProperty("span_id").GetString() == activity.SpanId.ToHexString());
                AssertSameSpan(activity, match.Resource, match.Scope, match.Span);
            }
        }

        // The debug exporter wrote every span through River's logger.
        foreach (var activity in sent)
        {
            Assert.Contains(activity.SpanId.ToHexString(), river.Log, StringComparison.Ordinal);
        }

        // The receiver and the exporters counted what passed, on River's /metrics with their component ids.
        Assert.Equal(sent.Count, await river.MetricAsync("otelcol_receiver_accepted_spans_total", "component_id=\"otelcol.receiver.otlp.sdk\""));
        Assert.Equal(sent.Count, await river.MetricAsync("otelcol_exporter_sent_spans_total", "component_id=\"otelcol.exporter.otlp.direct\""));
        Assert.Equal(sent.Count, await river.MetricAsync("otelcol_exporter_sent_spans_total", "component_id=\"otelcol.exporter.otlp.relayed\""));
        Assert.Equal(sent.Count, await river.MetricAsync("otelcol_exporter_sent_spans_total", "component_id=\"otelcol.exporter.otlphttp.relay\""));
        Directory.Delete(dir, recursive: true);
    }

    [Fact]
    public async Task TheExporterTrustsTheCollectorThroughATestCaNamedInTheConfig()
    {
        if (NodePeers.Unavailable() is { } reason)
        {
            output.WriteLine("skipped: " + reason);
            return;
        }

        using var ca = TestCa.Create();
        using var collector = await NodeCollector.StartAsync(Path.Combine(ca.Directory, "calls.jsonl"), "--tls-cert", ca.ServerCert, "--tls-key", ca.ServerKey);
        var grpcPort = PipelineHost.FreePort();
        await using var river = await PipelineHost.StartAsync($$"""
            otelcol.receiver.otlp "default" {
              grpc { endpoint = "127.0.0.1:{{grpcPort}}" }
              output { traces = [otelcol.processor.batch.default.input] }
            }

            otelcol.processor.batch "default" {
              timeout = "50ms"
              output { traces = [otelcol.exporter.otlp.secure.input] }
            }

            otelcol.exporter.otlp "secure" {
              client {
                endpoint = "localhost:{{collector.Port}}"
                tls { ca_file = {{PipelineHost.Quote(ca.CaCert)}} }
              }
            }
            """);

        var sent = SendWithSdk(OtlpExportProtocol.Grpc, new Uri($"http://127.0.0.1:{grpcPort}"), "tls");
        await WaitOrExplainAsync(river, collector, sent.Count);
        var spans = collector.AcceptedSpans();
        foreach (var activity in sent)
        {
            var match = spans.Single(s => s.Span.GetProperty("span_id").GetString() == activity.SpanId.ToHexString());
            AssertSameSpan(activity, match.Resource, match.Scope, match.Span);
        }
    }

    [Fact]
    public async Task WhileTheCollectorAnswersUnavailableNothingIsLost()
    {
        if (NodePeers.Unavailable() is { } reason)
        {
            output.WriteLine("skipped: " + reason);
            return;
        }

        var dir = Directory.CreateTempSubdirectory("river-traces-").FullName;
        using var collector = await NodeCollector.StartAsync(Path.Combine(dir, "calls.jsonl"), "--fail-first", "5", "--fail-code", "UNAVAILABLE");
        var grpcPort = PipelineHost.FreePort();
        await using var river = await PipelineHost.StartAsync($$"""
            otelcol.receiver.otlp "default" {
              grpc { endpoint = "127.0.0.1:{{grpcPort}}" }
              output { traces = [otelcol.processor.batch.default.input] }
            }

            otelcol.processor.batch "default" {
              timeout = "20ms"
              output { traces = [otelcol.exporter.otlp.flaky.input] }
            }

            otelcol.exporter.otlp "flaky" {
              client {
                endpoint = "127.0.0.1:{{collector.Port}}"
                tls { insecure = true }
              }
              sending_queue { num_consumers = 1 }
            {{FastRetry}}
            }
            """);

        var sent = new List<Activity>();
        for (var round = 0; round < 4; round++)
        {
            sent.AddRange(SendWithSdk(OtlpExportProtocol.Grpc, new Uri($"http://127.0.0.1:{grpcPort}"), $"round-{round}"));
        }

        await collector.WaitForAcceptedAsync(sent.Count, TimeSpan.FromSeconds(30));
        var calls = collector.Calls();
        Assert.Equal(5, calls.Count(c => c.GetProperty("code").GetString() == "UNAVAILABLE"));
        var accepted = collector.AcceptedSpans().Select(s => s.Span.GetProperty("span_id").GetString()).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(sent.Select(a => a.SpanId.ToHexString()).Order(StringComparer.Ordinal), accepted);

        const string id = "component_id=\"otelcol.exporter.otlp.flaky\"";
        await PipelineHost.WaitUntilAsync(
            async () => await river.MetricAsync("otelcol_exporter_sent_spans_total", id) == sent.Count,
            TimeSpan.FromSeconds(5),
            () => river.MetricsAsync().Result);
        Assert.Equal(5, await river.MetricAsync("otelcol_exporter_retries_total", id));
        Assert.Equal(0, await river.MetricAsync("otelcol_exporter_send_failed_spans_total", id));
        Directory.Delete(dir, recursive: true);
    }

    [Fact]
    public async Task SpansTheCollectorCallsInvalidAreDroppedAndCountedOnRiversMetrics()
    {
        if (NodePeers.Unavailable() is { } reason)
        {
            output.WriteLine("skipped: " + reason);
            return;
        }

        var dir = Directory.CreateTempSubdirectory("river-traces-").FullName;
        using var collector = await NodeCollector.StartAsync(Path.Combine(dir, "calls.jsonl"), "--fail-first", "1000", "--fail-code", "INVALID_ARGUMENT");
        var grpcPort = PipelineHost.FreePort();
        await using var river = await PipelineHost.StartAsync($$"""
            otelcol.receiver.otlp "default" {
              grpc { endpoint = "127.0.0.1:{{grpcPort}}" }
              output { traces = [otelcol.processor.batch.default.input] }
            }

            otelcol.processor.batch "default" {
              timeout = "20ms"
              output { traces = [otelcol.exporter.otlp.strict.input] }
            }

            otelcol.exporter.otlp "strict" {
              client {
                endpoint = "127.0.0.1:{{collector.Port}}"
                tls { insecure = true }
              }
            {{FastRetry}}
            }
            """);

        var sent = SendWithSdk(OtlpExportProtocol.Grpc, new Uri($"http://127.0.0.1:{grpcPort}"), "invalid");
        const string id = "component_id=\"otelcol.exporter.otlp.strict\"";
        await PipelineHost.WaitUntilAsync(
            async () => await river.MetricAsync("otelcol_exporter_send_failed_spans_total", id) == sent.Count,
            TimeSpan.FromSeconds(20),
            () => river.MetricsAsync().Result);

        // Several retry intervals pass: a retry would show up as another call.
        var callsBefore = collector.Calls().Count;
        await Task.Delay(600);
        Assert.Equal(callsBefore, collector.Calls().Count);
        Assert.Equal(0, await river.MetricAsync("otelcol_exporter_sent_spans_total", id));
        Assert.Equal(0, await river.MetricAsync("otelcol_exporter_retries_total", id));
        Assert.Equal(sent.Count, await river.MetricAsync("otelcol_receiver_accepted_spans_total", "component_id=\"otelcol.receiver.otlp.default\""));
        Directory.Delete(dir, recursive: true);
    }

    [Fact]
    public async Task ChangingTheBatchSizeInTheConfigChangesHowSpansAreGrouped()
    {
        if (NodePeers.Unavailable() is { } reason)
        {
            output.WriteLine("skipped: " + reason);
            return;
        }

        var dir = Directory.CreateTempSubdirectory("river-traces-").FullName;
        using var collector = await NodeCollector.StartAsync(Path.Combine(dir, "calls.jsonl"));
        var grpcPort = PipelineHost.FreePort();
        string Config(int size) => $$"""
            otelcol.receiver.otlp "default" {
              grpc { endpoint = "127.0.0.1:{{grpcPort}}" }
              output { traces = [otelcol.processor.batch.default.input] }
            }

            otelcol.processor.batch "default" {
              timeout = "5s"
              send_batch_size = {{size}}
              send_batch_max_size = {{size}}
              output { traces = [otelcol.exporter.otlp.default.input] }
            }

            otelcol.exporter.otlp "default" {
              client {
                endpoint = "127.0.0.1:{{collector.Port}}"
                tls { insecure = true }
              }
              sending_queue { num_consumers = 1 }
            }
            """;

        await using var river = await PipelineHost.StartAsync(Config(2), watch: true);

        // 6 spans with size 2: three calls of two spans, long before the 5 s timeout.
        var first = SendWithSdk(OtlpExportProtocol.Grpc, new Uri($"http://127.0.0.1:{grpcPort}"), "before", spans: 6);
        await collector.WaitForAcceptedAsync(first.Count, TimeSpan.FromSeconds(4));
        Assert.All(collector.Calls(), c => Assert.Equal(2, SpanCount(c)));

        // The file changes on disk: the watcher reloads it, and the receiver keeps its port.
        var callsBefore = collector.Calls().Count;
        await File.WriteAllTextAsync(river.ConfigPath, Config(3));
        await PipelineHost.WaitUntilAsync(
            () => Task.FromResult(river.Host.Controller.TryGetComponent("otelcol.processor.batch.default", out var node)
                && node.Arguments is River.Components.Otelcol.Processor.Batch.BatchProcessorArguments { SendBatchSize: 3 }),
            TimeSpan.FromSeconds(10),
            () => "the batch processor never saw send_batch_size = 3\n" + river.Log);
        await river.WaitHealthyAsync(TimeSpan.FromSeconds(10));

        var second = SendWithSdk(OtlpExportProtocol.Grpc, new Uri($"http://127.0.0.1:{grpcPort}"), "after", spans: 6);
        await collector.WaitForAcceptedAsync(first.Count + second.Count, TimeSpan.FromSeconds(4));
        Assert.All(collector.Calls().Skip(callsBefore), c => Assert.Equal(3, SpanCount(c)));
        Directory.Delete(dir, recursive: true);
    }

    // Waits for the collector; on a timeout the failure shows River's log and metrics, which say where spans stopped.
    private async Task WaitOrExplainAsync(PipelineHost river, NodeCollector collector, int spans)
    {
        try
        {
            await collector.WaitForAcceptedAsync(spans, TimeSpan.FromSeconds(15));
        }
        catch (TimeoutException)
        {
            output.WriteLine("SDK: " + string.Join("\n", SdkErrorListener.Instance.Errors));
            output.WriteLine(river.Log);
            output.WriteLine(string.Join("\n", (await river.MetricsAsync()).Split('\n').Where(l => l.StartsWith("otelcol_", StringComparison.Ordinal))));
            output.WriteLine(string.Join("\n", collector.Calls()));
            throw;
        }
    }

    /// <summary>
    /// Makes a small trace with the OpenTelemetry SDK and exports it synchronously: a server span with a child that has
    /// attributes of every type, an event, a link and an error status.
    /// </summary>
    private static List<Activity> SendWithSdk(OtlpExportProtocol protocol, Uri endpoint, string tag, int spans = 3)
    {
        _ = SdkErrorListener.Instance;

        // Like any OTLP client in production, let the SDK retry a transient failure (seen on a loaded machine as a
        // lost first export); what it hit is still printed by SdkErrorListener when a test fails.
        Environment.SetEnvironmentVariable("OTEL_DOTNET_EXPERIMENTAL_OTLP_RETRY", "in_memory");
        var finished = new List<Activity>();
        using var source = new ActivitySource("river.pipeline.tests", "2.5.0");
        using var provider = Sdk.CreateTracerProviderBuilder()
            .SetResourceBuilder(ResourceBuilder.CreateEmpty().AddService("checkout", serviceVersion: "1.2.3").AddAttributes([new("deployment.environment", "test")]))
            .AddSource(source.Name)
            .SetSampler(new AlwaysOnSampler())
            .AddProcessor(new CollectingProcessor(finished))
            .AddOtlpExporter(o =>
            {
                o.Protocol = protocol;
                o.Endpoint = endpoint;
                o.ExportProcessorType = ExportProcessorType.Simple;
            })
            .Build()!;

        var linked = new ActivityContext(ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom(), ActivityTraceFlags.Recorded);
        using (var root = source.StartActivity("POST /orders", ActivityKind.Server)!)
        {
            root.SetTag("test.tag", tag);
            for (var i = 1; i < spans; i++)
            {
                using var child = source.StartActivity(ActivityKind.Client, parentContext: default, tags: null, links: [new ActivityLink(linked, new ActivityTagsCollection { ["link.reason"] = "retry-of" })], name: $"SELECT orders {i}")!;
                child.SetTag("db.system", "postgresql");
                child.SetTag("db.rows", (long)(40 + i));
                child.SetTag("db.ratio", 0.25);
                child.SetTag("db.cached", true);
                child.AddEvent(new ActivityEvent("retrying", tags: new ActivityTagsCollection { ["attempt"] = (long)i }));
                child.SetStatus(ActivityStatusCode.Error, "deadlock detected");
            }
        }

        Assert.True(provider.ForceFlush(10_000));
        Assert.Equal(spans, finished.Count);
        return finished;
    }

    private static void AssertSameSpan(Activity activity, JsonElement resource, JsonElement scope, JsonElement span)
    {
        Assert.Equal(activity.TraceId.ToHexString(), span.GetProperty("trace_id").GetString());
        Assert.Equal(activity.SpanId.ToHexString(), span.GetProperty("span_id").GetString());
        Assert.Equal(activity.DisplayName, span.GetProperty("name").GetString());
        var parent = span.TryGetProperty("parent_span_id", out var p) ? p.GetString() : "";
        Assert.Equal(activity.ParentSpanId == default ? "" : activity.ParentSpanId.ToHexString(), parent ?? "");
        var expectedKind = activity.Kind == ActivityKind.Server ? 2 : 3;
        Assert.Equal(expectedKind, span.GetProperty("kind").GetInt32());
        var startNanos = (activity.StartTimeUtc - DateTime.UnixEpoch).Ticks * 100;
        Assert.Equal(startNanos.ToString(CultureInfo.InvariantCulture), span.GetProperty("start_time_unix_nano").GetString());

        var resourceAttributes = Attributes(resource);
        Assert.Equal("checkout", resourceAttributes["service.name"]);
        Assert.Equal("1.2.3", resourceAttributes["service.version"]);
        Assert.Equal("test", resourceAttributes["deployment.environment"]);
        Assert.Equal("river.pipeline.tests", scope.GetProperty("name").GetString());
        Assert.Equal("2.5.0", scope.GetProperty("version").GetString());

        var attributes = Attributes(span);
        if (activity.Kind == ActivityKind.Server)
        {
            Assert.Equal(activity.GetTagItem("test.tag"), attributes["test.tag"]);
            return;
        }

        Assert.Equal("postgresql", attributes["db.system"]);
        Assert.Equal(activity.GetTagItem("db.rows")!.ToString(), attributes["db.rows"]);
        Assert.Equal("0.25", attributes["db.ratio"]);
        Assert.Equal("True", attributes["db.cached"]);

        var ev = Assert.Single(span.GetProperty("events").EnumerateArray());
        Assert.Equal("retrying", ev.GetProperty("name").GetString());
        Assert.Equal(activity.Events.Single().Tags.Single().Value!.ToString(), Attributes(ev)["attempt"]);

        var link = Assert.Single(span.GetProperty("links").EnumerateArray());
        var expectedLink = activity.Links.Single();
        Assert.Equal(expectedLink.Context.TraceId.ToHexString(), link.GetProperty("trace_id").GetString());
        Assert.Equal(expectedLink.Context.SpanId.ToHexString(), link.GetProperty("span_id").GetString());
        Assert.Equal("retry-of", Attributes(link)["link.reason"]);

        var status = span.GetProperty("status");
        Assert.Equal(2, status.GetProperty("code").GetInt32());
        Assert.Equal("deadlock detected", status.GetProperty("message").GetString());
    }

    // The collector writes attribute values with only the set field of the AnyValue oneof; ints come as strings.
    private static Dictionary<string, string> Attributes(JsonElement holder)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        if (!holder.TryGetProperty("attributes", out var list))
        {
            return result;
        }

        foreach (var kv in list.EnumerateArray())
        {
            var value = kv.GetProperty("value").EnumerateObject().Single();
            result[kv.GetProperty("key").GetString()!] = value.Value.ValueKind switch
            {
                JsonValueKind.True => "True",
                JsonValueKind.False => "False",
                JsonValueKind.Number => value.Value.GetDouble().ToString(CultureInfo.InvariantCulture),
                _ => value.Value.GetString()!,
            };
        }

        return result;
    }

    private static List<(JsonElement Resource, JsonElement Scope, JsonElement Span)> AcceptedSpans(IEnumerable<JsonElement> calls)
    {
        var result = new List<(JsonElement, JsonElement, JsonElement)>();
        foreach (var call in calls.Where(c => c.GetProperty("code").GetString() == "OK"))
        {
            foreach (var rs in call.GetProperty("request").GetProperty("resource_spans").EnumerateArray())
            {
                foreach (var ss in rs.GetProperty("scope_spans").EnumerateArray())
                {
                    foreach (var span in ss.GetProperty("spans").EnumerateArray())
                    {
                        result.Add((rs.GetProperty("resource"), ss.GetProperty("scope"), span));
                    }
                }
            }
        }

        return result;
    }

    private static int SpanCount(JsonElement call) =>
        call.GetProperty("request").GetProperty("resource_spans").EnumerateArray()
            .SelectMany(rs => rs.GetProperty("scope_spans").EnumerateArray())
            .Sum(ss => ss.GetProperty("spans").GetArrayLength());

    /// <summary>Keeps the OTLP exporter's own error events, so a span the SDK failed to send is explained.</summary>
    private sealed class SdkErrorListener : System.Diagnostics.Tracing.EventListener
    {
        public static SdkErrorListener Instance { get; } = new();

        public System.Collections.Concurrent.ConcurrentQueue<string> Errors { get; } = new();

        protected override void OnEventSourceCreated(System.Diagnostics.Tracing.EventSource eventSource)
        {
            if (eventSource.Name.StartsWith("OpenTelemetry-Exporter-OpenTelemetryProtocol", StringComparison.Ordinal))
            {
                EnableEvents(eventSource, System.Diagnostics.Tracing.EventLevel.Warning);
            }
        }

        protected override void OnEventWritten(System.Diagnostics.Tracing.EventWrittenEventArgs eventData) =>
            Errors.Enqueue($"{eventData.EventName}: {string.Join(" | ", eventData.Payload ?? [])}");
    }

    /// <summary>Keeps the finished activities so the test knows exactly what the SDK sent.</summary>
    private sealed class CollectingProcessor(List<Activity> finished) : BaseProcessor<Activity>
    {
        public override void OnEnd(Activity data)
        {
            lock (finished)
            {
                finished.Add(data);
            }
        }
    }
}
