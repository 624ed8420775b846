using System.Diagnostics;
using System.Net;
using Prometheus;
using River.Components.Beyla;
using River.Components.Beyla.Discovery;
using River.Components.Telemetry.Otlp.Common;
using River.Components.Telemetry.Otlp.Trace;

namespace River.Components.Tests.Beyla;

/// <summary>Hand-built requests through <see cref="BeylaTracer"/>: spans, metrics and their exposition.</summary>
public class TracerTests
{
    private const long ClockOffset = 1_700_000_000_000_000_000;

    internal static DiscoveredService Service(int pid, string name = "shop", string ns = "") =>
        new(pid, 1, name, ns, $"host:{pid}", "/usr/bin/shop", "/usr/bin/shop --port 8080", [8080], "python",
            new Dictionary<string, string> { ["deployment.environment"] = "test" });

    internal static HttpRequestEvent Request(
        int pid, string request, ushort status, RequestDirection direction = RequestDirection.Server,
        ulong start = 1_000_000_000, ulong durationNs = 25_000_000, long reqSize = 0, long respSize = 512) =>
        HttpRequestEvent.Create(pid, direction, request, status, start, durationNs == 0 ? 0 : start + durationNs,
            IPAddress.Parse("10.0.0.5"), direction == RequestDirection.Server ? (ushort)8080 : (ushort)40000,
            IPAddress.Parse("10.0.0.9"), direction == RequestDirection.Server ? (ushort)51000 : (ushort)9090,
            reqSize, respSize);

    internal static (BeylaTracer Tracer, CollectorRegistry Registry) NewTracer(Action<BeylaArguments>? configure = null, bool traces = true)
    {
        var args = new BeylaArguments { Routes = new RoutesBlock { Patterns = ["/users/{id}"] } };
        configure?.Invoke(args);
        Assert.Empty(args.ValidateAll());
        var registry = Prometheus.Metrics.NewCustomRegistry();
        var tracer = new BeylaTracer(args, registry, "testhost", traces, ClockOffset);
        var services = new Dictionary<int, DiscoveredService> { [100] = Service(100), [200] = Service(200, "billing", "corp") };
        tracer.OnDiscoveryChanged(new DiscoveryChange(services, [.. services.Values], []));
        return (tracer, registry);
    }

    private static Dictionary<string, AnyValue> Attributes(Span span) => span.Attributes.ToDictionary(a => a.Key, a => a.Value);

    private static Span OnlySpan(BeylaTracer tracer)
    {
        var batch = tracer.TakeBatch();
        Assert.NotNull(batch);
        var rs = Assert.Single(batch.ResourceSpans);
        return Assert.Single(Assert.Single(rs.ScopeSpans).Spans);
    }

    [Fact]
    public void ServerRequestBecomesAServerSpanWithSemanticConventionAttributes()
    {
        var (tracer, _) = NewTracer();
        Assert.True(tracer.Process(Request(100, "GET /users/42?x=1 HTTP/1.1\r\nHost: shop\r\n\r\n", 200, reqSize: 0, respSize: 512)));
        var batch = tracer.TakeBatch()!;
        var rs = Assert.Single(batch.ResourceSpans);
        var span = Assert.Single(Assert.Single(rs.ScopeSpans).Spans);

        Assert.Equal("GET /users/{id}", span.Name);
        Assert.Equal(Span.Types.SpanKind.Server, span.Kind);
        Assert.Equal(Status.Types.StatusCode.Unset, span.Status.Code);
        Assert.Equal((ulong)(1_000_000_000 + ClockOffset), span.StartTimeUnixNano);
        Assert.Equal((ulong)(1_025_000_000 + ClockOffset), span.EndTimeUnixNano);
        Assert.Equal(16, span.TraceId.Length);
        Assert.Equal(8, span.SpanId.Length);
        Assert.True(span.ParentSpanId.IsEmpty);
        var a = Attributes(span);
        Assert.Equal("GET", a["http.request.method"].StringValue);
        Assert.Equal(200, a["http.response.status_code"].IntValue);
        Assert.Equal("/users/42", a["url.path"].StringValue);
        Assert.Equal("/users/{id}", a["http.route"].StringValue);
        Assert.Equal("http", a["url.scheme"].StringValue);
        Assert.Equal("10.0.0.5", a["server.address"].StringValue);
        Assert.Equal(8080, a["server.port"].IntValue);
        Assert.Equal("10.0.0.9", a["client.address"].StringValue);
        Assert.Equal(0, a["http.request.body.size"].IntValue);
        Assert.Equal(512, a["http.response.body.size"].IntValue);

        var res = rs.Resource.Attributes.ToDictionary(x => x.Key, x => x.Value.StringValue);
        Assert.Equal("shop", res["service.name"]);
        Assert.Equal("host:100", res["service.instance.id"]);
        Assert.Equal("beyla", res["telemetry.sdk.name"]);
        Assert.Equal("python", res["telemetry.sdk.language"]);
        Assert.False(string.IsNullOrEmpty(res["telemetry.sdk.version"]));
        Assert.Equal("testhost", res["host.name"]);
        Assert.Equal("linux", res["os.type"]);
        Assert.Equal("test", res["deployment.environment"]);
        Assert.False(res.ContainsKey("service.namespace"));
    }

    [Theory]
    [InlineData(RequestDirection.Server, 404, Status.Types.StatusCode.Unset)]
    [InlineData(RequestDirection.Server, 500, Status.Types.StatusCode.Error)]
    [InlineData(RequestDirection.Server, 503, Status.Types.StatusCode.Error)]
    [InlineData(RequestDirection.Client, 399, Status.Types.StatusCode.Unset)]
    [InlineData(RequestDirection.Client, 400, Status.Types.StatusCode.Error)]
    [InlineData(RequestDirection.Client, 502, Status.Types.StatusCode.Error)]
    public void StatusIsErrorForServer5xxAndClient4xxOr5xx(RequestDirection direction, ushort status, Status.Types.StatusCode expected)
    {
        var (tracer, _) = NewTracer();
        tracer.Process(Request(100, "GET /users/1 HTTP/1.1\r\n\r\n", status, direction));
        Assert.Equal(expected, OnlySpan(tracer).Status.Code);
    }

    [Fact]
    public void ClientRequestBecomesAClientSpanAboutTheRemoteServer()
    {
        var (tracer, _) = NewTracer();
        tracer.Process(Request(100, "POST /orders HTTP/1.1\r\nHost: orders\r\nContent-Length: 10\r\n\r\n", 201, RequestDirection.Client, reqSize: 10));
        var span = OnlySpan(tracer);
        Assert.Equal(Span.Types.SpanKind.Client, span.Kind);
        Assert.Equal("POST /orders", span.Name);
        var a = Attributes(span);
        Assert.Equal("10.0.0.9", a["server.address"].StringValue);
        Assert.Equal(9090, a["server.port"].IntValue);
        Assert.Equal("http://10.0.0.9:9090/orders", a["url.full"].StringValue);
        Assert.Equal(10, a["http.request.body.size"].IntValue);
        Assert.False(a.ContainsKey("client.address"));
    }

    [Fact]
    public void IncomingTraceparentIsHonouredOnlyWithTrackRequestHeaders()
    {
        const string request = "GET /users/7 HTTP/1.1\r\ntraceparent: 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01\r\n\r\n";
        var (tracking, _) = NewTracer(a => a.Ebpf.TrackRequestHeaders = true);
        tracking.Process(Request(100, request, 200));
        var span = OnlySpan(tracking);
        Assert.Equal("4bf92f3577b34da6a3ce929d0e0e4736", SpanFactory.Hex(span.TraceId));
        Assert.Equal("00f067aa0ba902b7", SpanFactory.Hex(span.ParentSpanId));
        Assert.NotEqual("00f067aa0ba902b7", SpanFactory.Hex(span.SpanId));

        var (plain, _) = NewTracer();
        plain.Process(Request(100, request, 200));
        var fresh = OnlySpan(plain);
        Assert.NotEqual("4bf92f3577b34da6a3ce929d0e0e4736", SpanFactory.Hex(fresh.TraceId));
        Assert.True(fresh.ParentSpanId.IsEmpty);
    }

    [Fact]
    public void SpansAreGroupedIntoOneResourceSpansPerService()
    {
        var (tracer, _) = NewTracer();
        tracer.Process(Request(100, "GET /a HTTP/1.1\r\n\r\n", 200));
        tracer.Process(Request(200, "GET /b HTTP/1.1\r\n\r\n", 200));
        tracer.Process(Request(100, "GET /c HTTP/1.1\r\n\r\n", 200));
        var batch = tracer.TakeBatch()!;
        Assert.Equal(2, batch.ResourceSpans.Count);
        var byName = batch.ResourceSpans.ToDictionary(
            r => r.Resource.Attributes.Single(a => a.Key == "service.name").Value.StringValue,
            r => r.ScopeSpans.Single().Spans.Count);
        Assert.Equal(2, byName["shop"]);
        Assert.Equal(1, byName["billing"]);
        var billing = batch.ResourceSpans.Single(r => r.Resource.Attributes.Any(a => a.Value.StringValue == "billing"));
        Assert.Contains(billing.Resource.Attributes, a => a.Key == "service.namespace" && a.Value.StringValue == "corp");
        Assert.Null(tracer.TakeBatch());
    }

    [Fact]
    public void UnansweredRequestBecomesA408SpanAfterTheTimeout()
    {
        var (tracer, registry) = NewTracer(a => a.Ebpf.HttpRequestTimeout = TimeSpan.FromSeconds(30));
        tracer.Process(Request(100, "GET /users/9 HTTP/1.1\r\n\r\n", 0, durationNs: 0));
        Assert.Null(tracer.TakeBatch());
        Assert.Equal(0, tracer.ExpirePending(1_000_000_000 + 29_000_000_000UL));
        Assert.Equal(1, tracer.ExpirePending(1_000_000_000 + 30_000_000_000UL));
        var span = OnlySpan(tracer);
        Assert.Equal(408, Attributes(span)["http.response.status_code"].IntValue);
        Assert.Equal(30_000_000_000UL, span.EndTimeUnixNano - span.StartTimeUnixNano);
        Assert.Contains("http_response_status_code=\"408\"", Exposition(registry), StringComparison.Ordinal);
    }

    [Fact]
    public void AnsweredRequestIsNotReportedAgainByTheTimeoutSweep()
    {
        var (tracer, _) = NewTracer();
        tracer.Process(Request(100, "GET /users/9 HTTP/1.1\r\n\r\n", 0, durationNs: 0));
        tracer.Process(Request(100, "GET /users/9 HTTP/1.1\r\n\r\n", 200));
        Assert.Equal(0, tracer.ExpirePending(ulong.MaxValue / 2));
        Assert.Single(tracer.TakeBatch()!.ResourceSpans.Single().ScopeSpans.Single().Spans);
    }

    [Fact]
    public void EventsOfUnknownProcessesAndGarbageAreDroppedAndCounted()
    {
        var (tracer, _) = NewTracer();
        Assert.False(tracer.Process(Request(999, "GET / HTTP/1.1\r\n\r\n", 200)));
        Assert.False(tracer.Process(Request(100, "\x16\x03\x01 binary", 200)));
        Assert.Equal(1, tracer.UnknownPidEvents);
        Assert.Equal(1, tracer.InvalidEvents);
        Assert.Null(tracer.TakeBatch());
    }

    [Fact]
    public void IgnoredRoutesRespectIgnoreMode()
    {
        var (tracer, registry) = NewTracer(a => a.Routes = new RoutesBlock { IgnorePatterns = ["/health"], IgnoreMode = "traces" });
        tracer.Process(Request(100, "GET /health HTTP/1.1\r\n\r\n", 200));
        Assert.Null(tracer.TakeBatch());
        Assert.Contains("http_route=\"/health\"", Exposition(registry), StringComparison.Ordinal);
    }

    [Fact]
    public void ApplicationFiltersDropRequestsWhoseAttributesDoNotMatch()
    {
        var (tracer, registry) = NewTracer(a => a.Filters.Application.Add(new AttributeFilterBlock { Attr = "url_path", Match = "/users/*" }));
        Assert.True(tracer.Process(Request(100, "GET /users/1 HTTP/1.1\r\n\r\n", 200)));
        Assert.False(tracer.Process(Request(100, "GET /admin HTTP/1.1\r\n\r\n", 200)));
        Assert.Single(tracer.TakeBatch()!.ResourceSpans.Single().ScopeSpans.Single().Spans);
        Assert.DoesNotContain("/admin", Exposition(registry), StringComparison.Ordinal);

        var (negated, _) = NewTracer(a => a.Filters.Application.Add(new AttributeFilterBlock { Attr = "http.request.method", NotMatch = "{OPTIONS,HEAD}" }));
        Assert.True(negated.Process(Request(100, "GET /x HTTP/1.1\r\n\r\n", 200)));
        Assert.False(negated.Process(Request(100, "HEAD /x HTTP/1.1\r\n\r\n", 200)));
    }

    [Fact]
    public void NoSpansAreBuiltWithoutTraceConsumers()
    {
        var (tracer, registry) = NewTracer(traces: false);
        tracer.Process(Request(100, "GET /users/1 HTTP/1.1\r\n\r\n", 200));
        Assert.Null(tracer.TakeBatch());
        Assert.Contains("http_server_request_duration_seconds_count", Exposition(registry), StringComparison.Ordinal);
    }

    internal static string Exposition(CollectorRegistry registry)
    {
        using var ms = new MemoryStream();
        registry.CollectAndExportAsTextAsync(ms).GetAwaiter().GetResult();
        return System.Text.Encoding.UTF8.GetString(ms.ToArray());
    }
}
