using System.Globalization;
using System.Text;
using System.Text.Json;
using River.Tests.Otelcol;
using Xunit.Abstractions;

namespace River.Tests.BeylaEndToEnd;

/// <summary>
/// beyla.ebpf → otelcol.processor.batch → otelcol.exporter.otlp → the grpc-js collector (peers/otlp-collector.js):
/// one SERVER span per request captured by the kernel, exactly once, and a 408 for a request never answered.
/// </summary>
[Collection(BeylaEndToEndCollection.Name)]
public sealed class SpansEndToEndTests(ITestOutputHelper output)
{
    private const string Id = "beyla.ebpf.t";

    private bool Skipped()
    {
        if ((EndToEndPrerequisites.Missing() ?? NodePeers.Unavailable()) is { } reason)
        {
            output.WriteLine("skipped: " + reason);
            return true;
        }

        return false;
    }

    private static string Config(int serverPort, int collectorPort, string timeout) => $$"""
        beyla.ebpf "t" {
          open_port = "{{serverPort}}"
          routes {
            patterns = ["/users/{id}"]
          }
          ebpf {
            http_request_timeout = "{{timeout}}"
          }
          output {
            traces = [otelcol.processor.batch.b.input]
          }
        }

        otelcol.processor.batch "b" {
          timeout = "200ms"
          output {
            traces = [otelcol.exporter.otlp.o.input]
          }
        }

        otelcol.exporter.otlp "o" {
          client {
            endpoint = "127.0.0.1:{{collectorPort}}"
            tls {
              insecure = true
            }
          }
        }
        """;

    [Fact]
    public async Task EveryRequestBecomesExactlyOneServerSpanWithItsHttpAttributes()
    {
        if (Skipped())
        {
            return;
        }

        using var nginx = TestServer.Nginx();
        var outFile = Path.Combine(nginx.Root, "calls.jsonl");
        using var collector = await NodeCollector.StartAsync(outFile);
        await using var river = await RiverUnderTest.StartAsync(Config(nginx.Port, collector.Port, "30s"));
        await river.WaitTracedAsync(Id, nginx);

        Assert.Equal([200], HttpClients.Curl(nginx.Url("/users/1")));
        Assert.Equal([200, 404, 500, 200], HttpClients.Curl(nginx.Url("/users/2"), nginx.Url("/missing"), nginx.Url("/fail"), nginx.Url("/ok")));
        var expected = new List<(string Path, long Status, string Route)>
        {
            ("/users/1", 200, "/users/{id}"), ("/users/2", 200, "/users/{id}"), ("/missing", 404, "/missing"), ("/fail", 500, "/fail"), ("/ok", 200, "/ok"),
        };

        var spans = await WaitForGetSpansAsync(collector, expected.Count, TimeSpan.FromSeconds(20));
        // Linger past another batch timeout and flush interval: a duplicate would show up now.
        await Task.Delay(2500);
        spans = GetSpans(collector);
        foreach (var s in spans)
        {
            output.WriteLine($"{s.Span.GetProperty("name").GetString()} {Attr(s.Span, "url.path")} {Attr(s.Span, "http.response.status_code")} route={Attr(s.Span, "http.route")} port={Attr(s.Span, "server.port")}");
        }

        Assert.Equal(expected.Count, spans.Count);
        var actual = spans.Select(s => (Attr(s.Span, "url.path"), long.Parse(Attr(s.Span, "http.response.status_code"), CultureInfo.InvariantCulture), Attr(s.Span, "http.route")))
            .OrderBy(t => t.Item1, StringComparer.Ordinal).ToList();
        Assert.Equal(expected.OrderBy(t => t.Path, StringComparer.Ordinal).ToList(), actual);
        foreach (var (resource, _, span) in spans)
        {
            Assert.Equal(2, span.GetProperty("kind").GetInt32()); // SPAN_KIND_SERVER
            Assert.Equal("GET", Attr(span, "http.request.method"));
            Assert.Equal(nginx.Port.ToString(CultureInfo.InvariantCulture), Attr(span, "server.port"));
            Assert.Equal($"GET {Attr(span, "http.route")}", span.GetProperty("name").GetString());
            Assert.Contains(resource.GetProperty("attributes").EnumerateArray(), a => a.GetProperty("key").GetString() == "service.name");
        }

        Assert.Equal(expected.Count, spans.Select(s => s.Span.GetProperty("span_id").GetString()).Distinct().Count());
    }

    [Fact]
    public async Task ARequestNeverAnsweredBecomesA408SpanAfterTheRequestTimeout()
    {
        if (Skipped())
        {
            return;
        }

        using var nginx = TestServer.Nginx();
        var outFile = Path.Combine(nginx.Root, "calls.jsonl");
        using var collector = await NodeCollector.StartAsync(outFile);
        await using var river = await RiverUnderTest.StartAsync(Config(nginx.Port, collector.Port, "1s"));
        await river.WaitTracedAsync(Id, nginx);

        // Headers never finished: nginx waits for the rest (client_header_timeout is 60 s) and never answers.
        using var hanging = HttpClients.Connect(nginx.Port);
        var sent = DateTime.UtcNow;
        hanging.Send(Encoding.ASCII.GetBytes($"GET /users/7 HTTP/1.1\r\nHost: 127.0.0.1:{nginx.Port}\r\n"));
        Assert.Equal([200], HttpClients.Curl(nginx.Url("/ok")));

        var spans = await WaitForGetSpansAsync(collector, 2, TimeSpan.FromSeconds(20));
        var seenAfter = DateTime.UtcNow - sent;
        await Task.Delay(2500);
        spans = GetSpans(collector);
        foreach (var s in spans)
        {
            output.WriteLine($"{s.Span.GetProperty("name").GetString()} {Attr(s.Span, "url.path")} {Attr(s.Span, "http.response.status_code")}");
        }

        output.WriteLine($"both spans arrived {seenAfter.TotalSeconds:F1}s after the hanging request was sent");
        Assert.Equal(2, spans.Count);
        var timedOut = Assert.Single(spans, s => Attr(s.Span, "http.response.status_code") == "408").Span;
        Assert.Equal("/users/7", Attr(timedOut, "url.path"));
        Assert.Equal("/users/{id}", Attr(timedOut, "http.route"));
        var duration = (ulong.Parse(timedOut.GetProperty("end_time_unix_nano").GetString()!, CultureInfo.InvariantCulture)
            - ulong.Parse(timedOut.GetProperty("start_time_unix_nano").GetString()!, CultureInfo.InvariantCulture)) / 1e9;
        Assert.InRange(duration, 0.99, 1.01);
        Assert.True(seenAfter >= TimeSpan.FromSeconds(1), "the 408 must not come before the timeout");
        Assert.Single(spans, s => Attr(s.Span, "http.response.status_code") == "200" && Attr(s.Span, "url.path") == "/ok");

        var text = await river.ScrapeAsync(Id);
        Assert.Equal(1, Exposition.GetCounts(text, nginx.Port).GetValueOrDefault("408 /users/{id}"));
    }

    private async Task<List<(JsonElement Resource, JsonElement Scope, JsonElement Span)>> WaitForGetSpansAsync(NodeCollector collector, int count, TimeSpan timeout)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var spans = GetSpans(collector);
        while (spans.Count < count && clock.Elapsed < timeout)
        {
            await Task.Delay(200);
            spans = GetSpans(collector);
        }

        output.WriteLine($"{spans.Count} GET spans after {clock.Elapsed.TotalSeconds:F1}s");
        return spans;
    }

    // The readiness probes are HEAD requests: only GET spans belong to the test.
    private static List<(JsonElement Resource, JsonElement Scope, JsonElement Span)> GetSpans(NodeCollector collector) =>
        collector.AcceptedSpans().Where(s => Attr(s.Span, "http.request.method") == "GET").ToList();

    private static string Attr(JsonElement span, string key)
    {
        foreach (var a in span.GetProperty("attributes").EnumerateArray())
        {
            if (a.GetProperty("key").GetString() == key)
            {
                var v = a.GetProperty("value");
                foreach (var p in v.EnumerateObject())
                {
                    return p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString()! : p.Value.GetRawText();
                }
            }
        }

        return "";
    }
}
