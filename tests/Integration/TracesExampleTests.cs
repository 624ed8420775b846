using System.Globalization;
using System.Net;
using System.Text.Json;
using Xunit.Abstractions;

namespace River.Integration;

/// <summary>The OTLP process-level tests have their own collection, so they run next to the other integration tests.</summary>
[CollectionDefinition(Name)]
public sealed class OtlpProcessCollection
{
    /// <summary>The collection name.</summary>
    public const string Name = "otlp process";
}

/// <summary>
/// The "Traces" example of the beyla.ebpf reference (examples/traces.alloy), run by the real <c>river run</c>: nginx
/// traffic captured by the kernel becomes spans that reach an independent grpc-js collector over TLS.
/// </summary>
[Collection(OtlpProcessCollection.Name)]
public sealed class TracesExampleTests(ITestOutputHelper output) : IDisposable
{
    private const int Requests = 100;
    private readonly TempDir _dir = new();

    /// <inheritdoc/>
    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task The_traces_example_sends_one_span_per_nginx_request_exactly_once_over_tls()
    {
        if (OtlpPrerequisites.MissingEbpf() is { } missing)
        {
            output.WriteLine("skipped: " + missing);
            return;
        }

        var certificates = TestCertificates.Create(Path.Combine(_dir.Path, "ca"));
        using var collector = await GrpcJsCollector.StartAsync(Path.Combine(_dir.Path, "calls.jsonl"), tls: certificates);
        using var nginx = NginxServer.Start(Path.Combine(_dir.Path, "nginx"));

        // The example exactly as shipped, but for the port of the service to instrument. The endpoint comes from the
        // environment as the example says; TLS is on (the exporter's default) and trusts the test CA through
        // SSL_CERT_FILE, the standard OpenSSL variable River honours when the tls block names no CA.
        var example = await File.ReadAllTextAsync(Path.Combine(RepositoryRoot(), "examples", "traces.alloy"));
        Assert.Contains("open_port = 8080", example, StringComparison.Ordinal);
        Assert.Contains("endpoint = sys.env(\"OTLP_ENDPOINT\")", example, StringComparison.Ordinal);
        var config = _dir.Write("config.alloy", example.Replace("open_port = 8080", "open_port = " + nginx.Port.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal));
        var environment = new Dictionary<string, string>
        {
            ["OTLP_ENDPOINT"] = $"localhost:{collector.Port}",
            ["SSL_CERT_FILE"] = certificates.CaCert,
        };
        using var river = await RunningRiver.StartAsync(_dir, config, environment);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };

        // Discovery runs on an interval: probe with HEAD requests until the first probe span arrives.
        var traced = await RunningRiver.PollAsync(
            async () =>
            {
                using var probe = await http.SendAsync(new HttpRequestMessage(HttpMethod.Head, nginx.Url("/probe")));
                await Task.Delay(500);
                return collector.AcceptedSpans().Exists(s => GrpcJsCollector.Attribute(s.Span, "http.request.method") == "HEAD");
            },
            TimeSpan.FromSeconds(90),
            intervalMs: 200);
        Assert.True(traced is not null, $"nginx was not traced within 90 s\n--- river stderr ---\n{river.Process.Stderr}");
        output.WriteLine($"nginx traced after {traced!.Value.TotalSeconds:F1} s");

        for (var i = 1; i <= Requests; i++)
        {
            using var response = await http.GetAsync(nginx.Url($"/users/{i}"));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        var arrived = await RunningRiver.PollAsync(() => Task.FromResult(GetSpans(collector).Count >= Requests), TimeSpan.FromSeconds(60), intervalMs: 200);
        output.WriteLine(arrived is null ? "not all spans arrived" : $"{Requests} spans arrived {arrived.Value.TotalSeconds:F1} s after the last request");

        // Wait past several batch timeouts: a duplicate or a late extra span would show up now.
        await Task.Delay(TimeSpan.FromSeconds(3));
        var spans = GetSpans(collector);
        Assert.True(spans.Count == Requests, $"expected {Requests} GET spans, got {spans.Count}\n--- river stderr ---\n{river.Process.Stderr}");

        var paths = spans.Select(s => GrpcJsCollector.Attribute(s.Span, "url.path")).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(Enumerable.Range(1, Requests).Select(i => $"/users/{i}").Order(StringComparer.Ordinal), paths);
        Assert.Equal(Requests, spans.Select(s => s.Span.GetProperty("trace_id").GetString()).Distinct().Count());
        Assert.Equal(Requests, spans.Select(s => s.Span.GetProperty("span_id").GetString()).Distinct().Count());
        foreach (var (resource, span) in spans)
        {
            Assert.Equal(32, span.GetProperty("trace_id").GetString()!.Length);
            Assert.Equal(2, span.GetProperty("kind").GetInt32()); // SPAN_KIND_SERVER
            Assert.Equal("200", GrpcJsCollector.Attribute(span, "http.response.status_code"));
            Assert.Equal(nginx.Port.ToString(CultureInfo.InvariantCulture), GrpcJsCollector.Attribute(span, "server.port"));
            Assert.Contains(resource.GetProperty("attributes").EnumerateArray(), a => a.GetProperty("key").GetString() == "service.name");
        }

        // The exporter's own counter agrees with what the collector got (probe spans included).
        var sent = await river.MetricAsync("otelcol_exporter_sent_spans_total{component_id=\"otelcol.exporter.otlp.default\"}");
        Assert.Equal(collector.AcceptedSpans().Count, (int)(sent ?? -1));
    }

    // Only the test's GET requests: the readiness probes are HEAD requests.
    private static List<(JsonElement Resource, JsonElement Span)> GetSpans(GrpcJsCollector collector) =>
        collector.AcceptedSpans().Where(s => GrpcJsCollector.Attribute(s.Span, "http.request.method") == "GET").ToList();

    private static string RepositoryRoot()
    {
        var dir = AppContext.BaseDirectory;
        while (dir is not null && !File.Exists(Path.Combine(dir, "Beyla.River.sln")))
        {
            dir = Path.GetDirectoryName(dir);
        }

        return dir ?? throw new InvalidOperationException("Beyla.River.sln not found above " + AppContext.BaseDirectory);
    }
}
