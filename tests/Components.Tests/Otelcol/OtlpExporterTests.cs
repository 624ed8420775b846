using System.Text.Json;
using Grpc.Core;
using River.Components.Otelcol.Config;
using River.Components.Otelcol.Exporter;
using River.Components.Otelcol.Exporter.Otlp;
using River.Components.Telemetry.Otlp.Collector.Trace;
using Xunit.Abstractions;

namespace River.Tests.Otelcol;

/// <summary>otelcol.exporter.otlp against the grpc-js collector in peers/ (a gRPC stack that shares no code with ours).</summary>
public sealed class OtlpExporterTests(ITestOutputHelper output)
{
    private static RetryArguments FastRetry => new() { InitialInterval = TimeSpan.FromMilliseconds(100), MaxInterval = TimeSpan.FromMilliseconds(400), MaxElapsedTime = TimeSpan.FromSeconds(30) };

    [Fact]
    public async Task EverySpanReachesThePlaintextCollectorWithAllItsFieldsIntact()
    {
        if (Skip() is { } reason)
        {
            output.WriteLine("skipped: " + reason);
            return;
        }

        using var host = new TestHost("otelcol.exporter.otlp.plain");
        using var collector = await NodeCollector.StartAsync(Path.Combine(host.DataPath, "calls.jsonl"));
        var exporter = new OtlpExporterComponent(host.Options, new OtlpExporterArguments
        {
            Client = new GrpcClientArguments
            {
                Endpoint = $"http://127.0.0.1:{collector.Port}",
                Tls = new TlsArguments { Insecure = true },
                Headers = new Dictionary<string, string> { ["X-Scope-OrgID"] = "tenant-7" },
            },
        });
        using var cts = new CancellationTokenSource();
        var run = exporter.RunAsync(cts.Token);

        await exporter.ConsumeTracesAsync(SpanFactory.Request("checkout", scopes: 2, spansPerScope: 3), CancellationToken.None);
        await exporter.ConsumeTracesAsync(SpanFactory.Request("cart", scopes: 1, spansPerScope: 4, firstSpan: 6), CancellationToken.None);
        await collector.WaitForAcceptedAsync(10, TimeSpan.FromSeconds(20));
        await cts.CancelAsync();
        await run;

        AssertSpansIntact(collector.AcceptedSpans(), 10);
        var call = collector.Calls()[0];
        Assert.Equal("tenant-7", call.GetProperty("metadata").GetProperty("x-scope-orgid").GetString());
        Assert.Equal(10, exporter.Metrics.ExporterSentSpans.Value);
        Assert.Equal(0, exporter.Metrics.ExporterSendFailedSpans.Value);
    }

    [Fact]
    public async Task SpansReachTheCollectorOverTlsWithATestCa()
    {
        if (Skip() is { } reason)
        {
            output.WriteLine("skipped: " + reason);
            return;
        }

        using var ca = TestCa.Create();
        using var host = new TestHost("otelcol.exporter.otlp.tls");
        using var collector = await NodeCollector.StartAsync(Path.Combine(host.DataPath, "calls.jsonl"), "--tls-cert", ca.ServerCert, "--tls-key", ca.ServerKey);
        var exporter = new OtlpExporterComponent(host.Options, new OtlpExporterArguments
        {
            Client = new GrpcClientArguments
            {
                Endpoint = $"localhost:{collector.Port}",
                Compression = "none",
                Tls = new TlsArguments { CaFile = ca.CaCert },
            },
        });
        using var cts = new CancellationTokenSource();
        var run = exporter.RunAsync(cts.Token);
        await exporter.ConsumeTracesAsync(SpanFactory.Request("secure", scopes: 1, spansPerScope: 5), CancellationToken.None);
        await collector.WaitForAcceptedAsync(5, TimeSpan.FromSeconds(20));
        await cts.CancelAsync();
        await run;
        AssertSpansIntact(collector.AcceptedSpans(), 5);
        Assert.Equal(5, exporter.Metrics.ExporterSentSpans.Value);
    }

    [Fact]
    public async Task WithoutACaTheCertificatesNamedBySslCertFileAreTrusted()
    {
        if (Skip() is { } reason)
        {
            output.WriteLine("skipped: " + reason);
            return;
        }

        using var ca = TestCa.Create();
        using var host = new TestHost("otelcol.exporter.otlp.sslcertfile");
        using var collector = await NodeCollector.StartAsync(Path.Combine(host.DataPath, "calls.jsonl"), "--tls-cert", ca.ServerCert, "--tls-key", ca.ServerKey);
        var previous = Environment.GetEnvironmentVariable("SSL_CERT_FILE");
        Environment.SetEnvironmentVariable("SSL_CERT_FILE", ca.CaCert);
        try
        {
            var exporter = new OtlpExporterComponent(host.Options, new OtlpExporterArguments
            {
                Client = new GrpcClientArguments { Endpoint = $"https://localhost:{collector.Port}" },
                SendingQueue = new QueueArguments { Enabled = false },
                RetryOnFailure = new RetryArguments { Enabled = false },
            });
            await exporter.ConsumeTracesAsync(SpanFactory.Request("env", 1, 2), CancellationToken.None);
            Assert.Equal(2, exporter.Metrics.ExporterSentSpans.Value);
        }
        finally
        {
            Environment.SetEnvironmentVariable("SSL_CERT_FILE", previous);
        }

        Assert.Equal(2, collector.AcceptedSpans().Count);
    }

    [Fact]
    public async Task AServerCertificateFromAnUnknownCaIsRefused()
    {
        if (Skip() is { } reason)
        {
            output.WriteLine("skipped: " + reason);
            return;
        }

        using var ca = TestCa.Create();
        using var otherCa = TestCa.Create();
        using var host = new TestHost("otelcol.exporter.otlp.badca");
        using var collector = await NodeCollector.StartAsync(Path.Combine(host.DataPath, "calls.jsonl"), "--tls-cert", ca.ServerCert, "--tls-key", ca.ServerKey);
        var exporter = new OtlpExporterComponent(host.Options, new OtlpExporterArguments
        {
            Client = new GrpcClientArguments { Endpoint = $"localhost:{collector.Port}", Tls = new TlsArguments { CaFile = otherCa.CaCert } },
            SendingQueue = new QueueArguments { Enabled = false },
            RetryOnFailure = new RetryArguments { Enabled = false },
        });
        await exporter.ConsumeTracesAsync(SpanFactory.Request("x", 1, 2), CancellationToken.None);
        Assert.Empty(collector.Calls());
        Assert.Equal(2, exporter.Metrics.ExporterSendFailedSpans.Value);
    }

    [Fact]
    public async Task UnavailableIsRetriedUntilTheCollectorAcceptsAndNothingIsLost()
    {
        if (Skip() is { } reason)
        {
            output.WriteLine("skipped: " + reason);
            return;
        }

        using var host = new TestHost("otelcol.exporter.otlp.unavailable");
        using var collector = await NodeCollector.StartAsync(Path.Combine(host.DataPath, "calls.jsonl"), "--fail-first", "4", "--fail-code", "UNAVAILABLE");
        var exporter = new OtlpExporterComponent(host.Options, new OtlpExporterArguments
        {
            Client = new GrpcClientArguments { Endpoint = $"127.0.0.1:{collector.Port}", Tls = new TlsArguments { Insecure = true } },
            SendingQueue = new QueueArguments { NumConsumers = 1 },
            RetryOnFailure = FastRetry,
        });
        using var cts = new CancellationTokenSource();
        var run = exporter.RunAsync(cts.Token);
        for (var i = 0; i < 3; i++)
        {
            await exporter.ConsumeTracesAsync(SpanFactory.Request("svc", 1, 5, firstSpan: i * 5), CancellationToken.None);
        }

        await collector.WaitForAcceptedAsync(15, TimeSpan.FromSeconds(30));
        await cts.CancelAsync();
        await run;

        var calls = collector.Calls();
        Assert.Equal(4, calls.Count(c => c.GetProperty("code").GetString() == "UNAVAILABLE"));
        Assert.Equal(3, calls.Count(c => c.GetProperty("code").GetString() == "OK"));
        var names = collector.AcceptedSpans().Select(s => s.Span.GetProperty("name").GetString()).Order(StringComparer.Ordinal);
        Assert.Equal(Enumerable.Range(0, 15).Select(i => $"GET /items/{i}").Order(StringComparer.Ordinal), names);
        Assert.Equal(15, exporter.Metrics.ExporterSentSpans.Value);
        Assert.Equal(0, exporter.Metrics.ExporterSendFailedSpans.Value);
        Assert.Equal(4, exporter.Metrics.ExporterRetries.Value);
    }

    [Fact]
    public async Task InvalidArgumentIsDroppedAndCountedWithoutRetry()
    {
        if (Skip() is { } reason)
        {
            output.WriteLine("skipped: " + reason);
            return;
        }

        using var host = new TestHost("otelcol.exporter.otlp.invalid");
        using var collector = await NodeCollector.StartAsync(Path.Combine(host.DataPath, "calls.jsonl"), "--fail-first", "1000", "--fail-code", "INVALID_ARGUMENT");
        var exporter = new OtlpExporterComponent(host.Options, new OtlpExporterArguments
        {
            Client = new GrpcClientArguments { Endpoint = $"127.0.0.1:{collector.Port}", Tls = new TlsArguments { Insecure = true } },
            RetryOnFailure = FastRetry,
        });
        using var cts = new CancellationTokenSource();
        var run = exporter.RunAsync(cts.Token);
        await exporter.ConsumeTracesAsync(SpanFactory.Request("svc", 1, 7), CancellationToken.None);
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (exporter.Metrics.ExporterSendFailedSpans.Value < 7 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        // Several retry intervals pass: a retry would show up as a second call.
        await Task.Delay(800);
        await cts.CancelAsync();
        await run;
        Assert.Single(collector.Calls());
        Assert.Equal(7, exporter.Metrics.ExporterSendFailedSpans.Value);
        Assert.Equal(0, exporter.Metrics.ExporterSentSpans.Value);
        Assert.Equal(0, exporter.Metrics.ExporterRetries.Value);
        Assert.True(host.Logger.Contains(Microsoft.Extensions.Logging.LogLevel.Error, "InvalidArgument"));
    }

    [Theory]
    [InlineData(StatusCode.Unavailable, true)]
    [InlineData(StatusCode.Cancelled, true)]
    [InlineData(StatusCode.DeadlineExceeded, true)]
    [InlineData(StatusCode.Aborted, true)]
    [InlineData(StatusCode.OutOfRange, true)]
    [InlineData(StatusCode.DataLoss, true)]
    [InlineData(StatusCode.ResourceExhausted, false)]
    [InlineData(StatusCode.InvalidArgument, false)]
    [InlineData(StatusCode.Unauthenticated, false)]
    [InlineData(StatusCode.Internal, false)]
    [InlineData(StatusCode.Unimplemented, false)]
    public void GrpcCodesAreClassifiedAsTheOtlpSpecSays(StatusCode code, bool retryable)
    {
        var result = GrpcTraceSender.Classify(new RpcException(new Status(code, "x")));
        Assert.Equal(retryable ? SendOutcome.Retryable : SendOutcome.Permanent, result.Outcome);
    }

    [Fact]
    public void ResourceExhaustedWithRetryInfoIsRetriedAfterTheServersDelay()
    {
        var retryInfo = new River.Components.Telemetry.Otlp.Rpc.RetryInfo { RetryDelay = Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(TimeSpan.FromSeconds(3)) };
        var status = new River.Components.Telemetry.Otlp.Rpc.Status { Code = (int)StatusCode.ResourceExhausted, Details = { Google.Protobuf.WellKnownTypes.Any.Pack(retryInfo) } };
        var trailers = new Metadata { { "grpc-status-details-bin", Google.Protobuf.MessageExtensions.ToByteArray(status) } };
        var result = GrpcTraceSender.Classify(new RpcException(new Status(StatusCode.ResourceExhausted, "slow down"), trailers));
        Assert.Equal(SendOutcome.Retryable, result.Outcome);
        Assert.Equal(TimeSpan.FromSeconds(3), result.RetryAfter);
    }

    private static string? Skip() => NodePeers.Unavailable();

    // Checks what the collector decoded against what SpanFactory built, field by field.
    private static void AssertSpansIntact(List<(JsonElement Resource, JsonElement Scope, JsonElement Span)> spans, int count)
    {
        Assert.Equal(count, spans.Count);
        foreach (var (resource, scope, span) in spans)
        {
            var n = int.Parse(span.GetProperty("name").GetString()!["GET /items/".Length..], System.Globalization.CultureInfo.InvariantCulture);
            var expected = SpanFactory.MakeSpan(n);
            Assert.Equal(Convert.ToHexStringLower(expected.TraceId.Span), span.GetProperty("trace_id").GetString());
            Assert.Equal(Convert.ToHexStringLower(expected.SpanId.Span), span.GetProperty("span_id").GetString());
            Assert.Equal("0102030405060708", span.GetProperty("parent_span_id").GetString());
            Assert.Equal("vendor=x", span.GetProperty("trace_state").GetString());
            Assert.Equal(2, span.GetProperty("kind").GetInt32());
            Assert.Equal(expected.StartTimeUnixNano.ToString(System.Globalization.CultureInfo.InvariantCulture), span.GetProperty("start_time_unix_nano").GetString());
            Assert.Equal(expected.EndTimeUnixNano.ToString(System.Globalization.CultureInfo.InvariantCulture), span.GetProperty("end_time_unix_nano").GetString());

            var attributes = span.GetProperty("attributes").EnumerateArray().ToDictionary(a => a.GetProperty("key").GetString()!, a => a.GetProperty("value"));
            Assert.Equal("GET", attributes["http.request.method"].GetProperty("string_value").GetString());
            Assert.Equal("200", attributes["http.response.status_code"].GetProperty("int_value").GetString());
            Assert.Equal(n.ToString(System.Globalization.CultureInfo.InvariantCulture), attributes["n"].GetProperty("int_value").GetString());
            Assert.Equal(0.5, attributes["ratio"].GetProperty("double_value").GetDouble());
            Assert.True(attributes["ok"].GetProperty("bool_value").GetBoolean());

            var evt = Assert.Single(span.GetProperty("events").EnumerateArray());
            Assert.Equal("exception", evt.GetProperty("name").GetString());
            Assert.Equal("1700000000100000000", evt.GetProperty("time_unix_nano").GetString());
            Assert.Equal("Boom", evt.GetProperty("attributes")[0].GetProperty("value").GetProperty("string_value").GetString());

            var link = Assert.Single(span.GetProperty("links").EnumerateArray());
            Assert.Equal("09090909090909090909090909090909", link.GetProperty("trace_id").GetString());
            Assert.Equal("0707070707070707", link.GetProperty("span_id").GetString());
            Assert.Equal("follows", link.GetProperty("attributes")[0].GetProperty("value").GetProperty("string_value").GetString());

            Assert.Equal(2, span.GetProperty("status").GetProperty("code").GetInt32());
            Assert.Equal("upstream failed", span.GetProperty("status").GetProperty("message").GetString());

            var resourceAttributes = resource.GetProperty("attributes").EnumerateArray().ToDictionary(a => a.GetProperty("key").GetString()!, a => a.GetProperty("value"));
            Assert.False(string.IsNullOrEmpty(resourceAttributes["service.name"].GetProperty("string_value").GetString()));
            Assert.Equal("2", resourceAttributes["host.cores"].GetProperty("int_value").GetString());
            Assert.StartsWith("scope-", scope.GetProperty("name").GetString(), StringComparison.Ordinal);
            Assert.Equal("1.0", scope.GetProperty("version").GetString());
        }
    }
}
