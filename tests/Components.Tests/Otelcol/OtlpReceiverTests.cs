using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Grpc.Core;
using Grpc.Net.Client;
using River.Components.Otelcol.Config;
using River.Components.Otelcol.Exporter.OtlpHttp;
using River.Components.Otelcol.Receiver.Otlp;
using River.Components.Telemetry.Otlp.Collector.Trace;
using River.Components.Telemetry.Traces;
using Xunit.Abstractions;

namespace River.Tests.Otelcol;

public sealed class OtlpReceiverTests(ITestOutputHelper output)
{
    [Fact]
    public async Task GrpcExportArrivesUnchangedAtTheOutput()
    {
        await using var receiver = await ReceiverFixture.StartAsync(new CollectingConsumer());
        using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{receiver.GrpcPort}");
        var client = new TraceService.TraceServiceClient(channel);
        var request = SpanFactory.Request("grpc-client", scopes: 2, spansPerScope: 3);

        var response = await client.ExportAsync(request, new CallOptions(new Metadata { { "grpc-internal-encoding-request", "gzip" } }));

        Assert.Null(response.PartialSuccess);
        Assert.Equal(request, Assert.Single(receiver.Sink.Received));
        Assert.Equal(6, receiver.Component.Metrics.ReceiverAcceptedSpans.Value);
    }

    [Theory]
    [InlineData("gzip")]
    [InlineData("zstd")]
    [InlineData("none")]
    public async Task OtlpExporterAndReceiverRoundTripEveryFieldOverGrpc(string compression)
    {
        await using var receiver = await ReceiverFixture.StartAsync(new CollectingConsumer());
        using var host = new TestHost("otelcol.exporter.otlp.roundtrip");
        var exporter = new River.Components.Otelcol.Exporter.Otlp.OtlpExporterComponent(host.Options, new River.Components.Otelcol.Exporter.Otlp.OtlpExporterArguments
        {
            Client = new GrpcClientArguments { Endpoint = $"127.0.0.1:{receiver.GrpcPort}", Compression = compression, Tls = new TlsArguments { Insecure = true } },
        });
        using var cts = new CancellationTokenSource();
        var run = exporter.RunAsync(cts.Token);
        var request = SpanFactory.Request("grpc-exporter", scopes: 3, spansPerScope: 2);
        await exporter.ConsumeTracesAsync(request, CancellationToken.None);
        await receiver.Sink.WaitForSpansAsync(6, TimeSpan.FromSeconds(20));
        await cts.CancelAsync();
        await run;
        exporter.Dispose();

        // Equality of the protobuf messages: every field, including span flags the old node protos lack.
        Assert.Equal(request, Assert.Single(receiver.Sink.Received));
    }

    [Theory]
    [InlineData("proto", "gzip")]
    [InlineData("json", "none")]
    [InlineData("json", "zstd")]
    [InlineData("proto", "deflate")]
    public async Task OtlpHttpExporterAndReceiverRoundTripEveryField(string encoding, string compression)
    {
        await using var receiver = await ReceiverFixture.StartAsync(new CollectingConsumer());
        using var host = new TestHost("otelcol.exporter.otlphttp.roundtrip");
        var exporter = new OtlpHttpExporterComponent(host.Options, new OtlpHttpExporterArguments
        {
            Client = new HttpClientArguments { Endpoint = $"http://127.0.0.1:{receiver.HttpPort}", Compression = compression },
            Encoding = encoding,
        });
        using var cts = new CancellationTokenSource();
        var run = exporter.RunAsync(cts.Token);
        var request = SpanFactory.Request("http-client", scopes: 2, spansPerScope: 4);
        await exporter.ConsumeTracesAsync(request, CancellationToken.None);
        await receiver.Sink.WaitForSpansAsync(8, TimeSpan.FromSeconds(20));
        await cts.CancelAsync();
        await run;

        Assert.Equal(request, Assert.Single(receiver.Sink.Received));
        Assert.Equal(8, exporter.Metrics.ExporterSentSpans.Value);
    }

    [Fact]
    public async Task ARefusingPipelineTurnsIntoUnavailableForGrpcAnd503ForHttp()
    {
        await using var receiver = await ReceiverFixture.StartAsync(new RefusingConsumer(rejectAll: true));
        using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{receiver.GrpcPort}");
        var client = new TraceService.TraceServiceClient(channel);
        var error = await Assert.ThrowsAsync<RpcException>(async () => await client.ExportAsync(SpanFactory.Request("x", 1, 3)));
        Assert.Equal(StatusCode.Unavailable, error.StatusCode);

        using var http = new HttpClient();
        var body = new ByteArrayContent(Google.Protobuf.MessageExtensions.ToByteArray(SpanFactory.Request("x", 1, 2)));
        body.Headers.ContentType = new("application/x-protobuf");
        var response = await http.PostAsync($"http://127.0.0.1:{receiver.HttpPort}/v1/traces", body);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal(5, receiver.Component.Metrics.ReceiverRefusedSpans.Value);
    }

    [Fact]
    public async Task APartlyRefusingPipelineTurnsIntoAPartialSuccessAnswer()
    {
        await using var receiver = await ReceiverFixture.StartAsync(new RefusingConsumer(rejectAll: false));
        using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{receiver.GrpcPort}");
        var client = new TraceService.TraceServiceClient(channel);
        var response = await client.ExportAsync(SpanFactory.Request("x", 1, 4));
        Assert.Equal(1, response.PartialSuccess.RejectedSpans);
        Assert.Contains("one span too many", response.PartialSuccess.ErrorMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BadHttpBodiesGetClientErrors()
    {
        await using var receiver = await ReceiverFixture.StartAsync(new CollectingConsumer());
        using var http = new HttpClient();
        var url = $"http://127.0.0.1:{receiver.HttpPort}/v1/traces";

        var garbage = new ByteArrayContent([0xff, 0xff, 0xff, 0x01]);
        garbage.Headers.ContentType = new("application/x-protobuf");
        Assert.Equal(HttpStatusCode.BadRequest, (await http.PostAsync(url, garbage)).StatusCode);

        var text = new StringContent("hello");
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, (await http.PostAsync(url, text)).StatusCode);

        var badJson = new StringContent("{\"resourceSpans\": [", System.Text.Encoding.UTF8, "application/json");
        Assert.Equal(HttpStatusCode.BadRequest, (await http.PostAsync(url, badJson)).StatusCode);
        Assert.Empty(receiver.Sink.Received);
    }

    [Theory]
    [InlineData("grpc")]
    [InlineData("http")]
    public async Task SpansFromTheOpenTelemetryJsExporterArrive(string protocol)
    {
        if (NodePeers.Unavailable() is { } reason)
        {
            output.WriteLine("skipped: " + reason);
            return;
        }

        await using var receiver = await ReceiverFixture.StartAsync(new CollectingConsumer());
        var url = protocol == "grpc" ? $"http://127.0.0.1:{receiver.GrpcPort}" : $"http://127.0.0.1:{receiver.HttpPort}/v1/traces";
        var start = new ProcessStartInfo("node") { WorkingDirectory = NodePeers.Directory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { "send-spans.js", protocol, url, "25" })
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var stdout = await process.StandardOutput.ReadToEndAsync();
        var stderr = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        Assert.True(process.ExitCode == 0, $"node exporter failed: {stdout} {stderr}");

        await receiver.Sink.WaitForSpansAsync(25, TimeSpan.FromSeconds(10));
        var spans = receiver.Sink.Received.SelectMany(r => r.ResourceSpans).SelectMany(rs => rs.ScopeSpans.Select(ss => (rs, ss))).SelectMany(x => x.ss.Spans.Select(s => (x.rs, x.ss, s))).ToList();
        Assert.Equal(25, spans.Count);
        Assert.Equal(Enumerable.Range(0, 25).Select(i => "node-op-" + i).Order(StringComparer.Ordinal), spans.Select(x => x.s.Name).Order(StringComparer.Ordinal));
        foreach (var (resource, scope, span) in spans)
        {
            Assert.Contains(resource.Resource.Attributes, a => a.Key == "service.name" && a.Value.StringValue == "node-peer");
            Assert.Equal("node-scope", scope.Scope.Name);
            Assert.Equal("2.0.0", scope.Scope.Version);
            Assert.Equal(16, span.TraceId.Length);
            Assert.Equal(8, span.SpanId.Length);
            Assert.Equal(River.Components.Telemetry.Otlp.Trace.Span.Types.SpanKind.Client, span.Kind);
            Assert.Equal(River.Components.Telemetry.Otlp.Trace.Status.Types.StatusCode.Ok, span.Status.Code);
            var index = span.Attributes.Single(a => a.Key == "peer.index").Value.IntValue;
            Assert.Equal("node-op-" + index, span.Name);
            Assert.Equal("n" + index, span.Attributes.Single(a => a.Key == "peer.name").Value.StringValue);
            Assert.Equal("node-event", Assert.Single(span.Events).Name);
        }
    }

    internal static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private sealed class RefusingConsumer(bool rejectAll) : ITracesConsumer
    {
        public ValueTask ConsumeTracesAsync(ExportTraceServiceRequest traces, CancellationToken cancellationToken) =>
            throw (rejectAll
                ? new TracesRejectedException("sending queue is full", traces.SpanCount())
                : new TracesRejectedException("one span too many", 1));
    }

    /// <summary>A running receiver on free loopback ports with both servers.</summary>
    private sealed class ReceiverFixture<TSink> : IAsyncDisposable
        where TSink : ITracesConsumer
    {
        private readonly CancellationTokenSource _cts = new();
        private readonly TestHost _host = new("otelcol.receiver.otlp.test");
        private Task? _run;

        public required TSink Sink { get; init; }

        public required int GrpcPort { get; init; }

        public required int HttpPort { get; init; }

        public OtlpReceiverComponent Component { get; private set; } = null!;

        public async Task StartAsync()
        {
            Component = new OtlpReceiverComponent(_host.Options, new OtlpReceiverArguments
            {
                Grpc = new GrpcServerArguments { Endpoint = $"127.0.0.1:{GrpcPort}" },
                Http = new HttpServerArguments { Endpoint = $"127.0.0.1:{HttpPort}" },
                Output = new OutputArguments { Traces = [Sink] },
            });
            _run = Component.RunAsync(_cts.Token);
            await Component.Started.WaitAsync(TimeSpan.FromSeconds(20));
        }

        public async ValueTask DisposeAsync()
        {
            await _cts.CancelAsync();
            if (_run is not null)
            {
                await _run;
            }

            _cts.Dispose();
            _host.Dispose();
        }
    }

    private static class ReceiverFixture
    {
        public static async Task<ReceiverFixture<T>> StartAsync<T>(T sink)
            where T : ITracesConsumer
        {
            var fixture = new ReceiverFixture<T> { Sink = sink, GrpcPort = FreePort(), HttpPort = FreePort() };
            await fixture.StartAsync();
            return fixture;
        }
    }
}
