using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using River.Runtime;
using River.Tests.Otelcol;
using Xunit.Abstractions;

namespace River.Tests.BeylaEndToEnd;

/// <summary>
/// beyla.ebpf under wrk load (every completed request counted) and on the client side (a python program selected
/// by <c>executable_name</c> calling nginx yields client metrics and CLIENT spans).
/// </summary>
[Collection(BeylaEndToEndCollection.Name)]
public sealed partial class LoadAndClientEndToEndTests(ITestOutputHelper output)
{
    private const string Id = "beyla.ebpf.t";

    // A keep-alive HTTP client driven line by line from stdin, so it is running (and discovered) before it sends
    // anything: "probe" sends HEAD /probe on a fresh connection, "get P1 P2 …" sends GETs on one connection.
    // http.client writes with send (sendto) and reads with recv_into (recvfrom).
    private const string ClientScript = """
        import http.client, sys
        port = int(sys.argv[1])
        for line in sys.stdin:
            words = line.split()
            if not words:
                continue
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            statuses = []
            if words[0] == "probe":
                conn.request("HEAD", "/probe")
                r = conn.getresponse(); r.read(); statuses.append(r.status)
            else:
                for path in words[1:]:
                    conn.request("GET", path)
                    r = conn.getresponse(); r.read(); statuses.append(r.status)
            conn.close()
            print(" ".join(str(s) for s in statuses), flush=True)
        """;

    private bool Skipped(bool needsNode = false, bool needsWrk = false)
    {
        var reason = EndToEndPrerequisites.Missing()
            ?? (needsNode ? NodePeers.Unavailable() : null)
            ?? (needsWrk && !File.Exists("/usr/bin/wrk") ? "/usr/bin/wrk is not installed" : null);
        if (reason is not null)
        {
            output.WriteLine("skipped: " + reason);
            return true;
        }

        return false;
    }

    [GeneratedRegex(@"(\d+) requests in ")]
    private static partial Regex WrkRequests();

    [Fact]
    public async Task EveryRequestWrkCompletedIsCountedWithinTheConnectionsInFlight()
    {
        if (Skipped(needsWrk: true))
        {
            return;
        }

        using var nginx = TestServer.Nginx();
        await using var river = await RiverUnderTest.StartAsync($$"""
            beyla.ebpf "t" {
              open_port = "{{nginx.Port}}"
              output { }
            }
            """);
        await river.WaitTracedAsync(Id, nginx);

        const int connections = 8;
        var wrk = new ProcessStartInfo("/usr/bin/wrk")
        {
            ArgumentList = { "-t2", $"-c{connections}", "-d3s", nginx.Url("/ok") },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(wrk)!;
        var report = await process.StandardOutput.ReadToEndAsync();
        Assert.True(process.WaitForExit(60000), "wrk did not finish");
        output.WriteLine(report);
        var completed = double.Parse(WrkRequests().Match(report).Groups[1].Value, CultureInfo.InvariantCulture);
        Assert.True(completed > 0, "wrk completed no request");

        // wrk stops counting at the deadline while up to one request per connection is still being answered.
        var text = await river.ScrapeUntilAsync(Id, t => Exposition.GetCounts(t, nginx.Port).GetValueOrDefault("200 -") >= completed, TimeSpan.FromSeconds(30));
        var counted = Exposition.GetCounts(text, nginx.Port).GetValueOrDefault("200 -");
        output.WriteLine($"wrk completed {completed}, beyla.ebpf counted {counted}");
        Assert.InRange(counted, completed, completed + connections);
        Assert.Equal(0, Exposition.Sum(text, "beyla_ebpf_lost_events_total"));
        Assert.Equal(HealthState.Healthy, river.Health(Id).State);
    }

    [Fact]
    public async Task APythonClientSelectedByExecutableNameYieldsClientMetricsAndClientSpans()
    {
        if (Skipped(needsNode: true))
        {
            return;
        }

        using var nginx = TestServer.Nginx();
        var script = Path.Combine(nginx.Root, $"river_client_{Guid.NewGuid():N}.py");
        await File.WriteAllTextAsync(script, ClientScript);
        using var collector = await NodeCollector.StartAsync(Path.Combine(nginx.Root, "calls.jsonl"));
        using var client = Process.Start(new ProcessStartInfo("/usr/bin/python3")
        {
            ArgumentList = { script, nginx.Port.ToString(CultureInfo.InvariantCulture) },
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        try
        {
            // A character class rather than "\\." keeps the regex free of escapes inside the config string.
            var selector = Path.GetFileName(script).Replace(".", "[.]", StringComparison.Ordinal);
            await using var river = await RiverUnderTest.StartAsync($$"""
                beyla.ebpf "t" {
                  executable_name = "{{selector}}"
                  routes {
                    patterns = ["/users/{id}"]
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
                    endpoint = "127.0.0.1:{{collector.Port}}"
                    tls {
                      insecure = true
                    }
                  }
                }
                """);

            string Send(string command)
            {
                client.StandardInput.WriteLine(command);
                client.StandardInput.Flush();
                return client.StandardOutput.ReadLine() ?? throw new InvalidOperationException("client exited: " + client.StandardError.ReadToEnd());
            }

            // Probe with HEADs (their own method label) until the client's requests are counted.
            var clock = Stopwatch.StartNew();
            var port = nginx.Port.ToString(CultureInfo.InvariantCulture);
            while (Exposition.Sum(await river.ScrapeAsync(Id), "http_client_request_duration_seconds_count", ("http_request_method", "HEAD"), ("server_port", port)) == 0)
            {
                Assert.True(clock.Elapsed < TimeSpan.FromSeconds(40), "the python client was not traced within 40 s: " + river.Health(Id));
                Assert.Equal("204", Send("probe"));
                await Task.Delay(500);
            }

            Assert.Equal("200 200 404 500", Send("get /users/1 /users/2 /missing /fail"));
            Assert.Equal("200", Send("get /ok"));

            var text = await river.ScrapeUntilAsync(Id, t => ClientGets(t, port).Values.Sum() >= 5, TimeSpan.FromSeconds(20));
            var counts = ClientGets(text, port);
            output.WriteLine("client: " + Exposition.Describe(counts));
            Assert.Equal(new Dictionary<string, double> { ["200 127.0.0.1"] = 3, ["404 127.0.0.1"] = 1, ["500 127.0.0.1"] = 1 }, counts);
            // The server side of nginx is not selected: no server metric for its port.
            Assert.Empty(Exposition.GetCounts(text, nginx.Port));

            var spans = collector.AcceptedSpans().Where(s => Attr(s.Span, "http.request.method") == "GET").ToList();
            for (var wait = Stopwatch.StartNew(); spans.Count < 5 && wait.Elapsed < TimeSpan.FromSeconds(20); spans = collector.AcceptedSpans().Where(s => Attr(s.Span, "http.request.method") == "GET").ToList())
            {
                await Task.Delay(200);
            }

            await Task.Delay(2500); // a duplicate would arrive by now
            spans = collector.AcceptedSpans().Where(s => Attr(s.Span, "http.request.method") == "GET").ToList();
            foreach (var s in spans)
            {
                output.WriteLine($"{s.Span.GetProperty("name").GetString()} kind={s.Span.GetProperty("kind").GetInt32()} {Attr(s.Span, "url.full")} {Attr(s.Span, "http.response.status_code")}");
            }

            Assert.Equal(
                new[] { "GET /fail 500", "GET /missing 404", "GET /ok 200", "GET /users/{id} 200", "GET /users/{id} 200" },
                spans.Select(s => $"{s.Span.GetProperty("name").GetString()} {Attr(s.Span, "http.response.status_code")}").Order(StringComparer.Ordinal).ToArray());
            Assert.Equal(
                new[] { "/fail", "/missing", "/ok", "/users/1", "/users/2" }.Select(p => $"http://127.0.0.1:{port}{p}").ToArray(),
                spans.Select(s => Attr(s.Span, "url.full")).Order(StringComparer.Ordinal).ToArray());
            foreach (var (resource, _, span) in spans)
            {
                Assert.Equal(3, span.GetProperty("kind").GetInt32()); // SPAN_KIND_CLIENT
                Assert.Equal("127.0.0.1", Attr(span, "server.address"));
                Assert.Equal(port, Attr(span, "server.port"));
                Assert.Contains(resource.GetProperty("attributes").EnumerateArray(), a =>
                    a.GetProperty("key").GetString() == "process.pid" && a.GetProperty("value").EnumerateObject().First().Value.ToString() == client.Id.ToString(CultureInfo.InvariantCulture));
            }

            // 4xx and 5xx are errors for a client (status code 2 = ERROR).
            Assert.All(spans.Where(s => Attr(s.Span, "http.response.status_code") is "404" or "500"), s =>
                Assert.Equal(2, s.Span.GetProperty("status").GetProperty("code").GetInt32()));
        }
        finally
        {
            client.StandardInput.Close();
            if (!client.WaitForExit(5000))
            {
                client.Kill();
            }
        }
    }

    /// <summary>Client-side GET counts by "status server_address" for one server port.</summary>
    private static Dictionary<string, double> ClientGets(string text, string port) =>
        Exposition.Samples(text)
            .Where(s => s.Name == "http_client_request_duration_seconds_count"
                && s.Labels.GetValueOrDefault("http_request_method") == "GET"
                && s.Labels.GetValueOrDefault("server_port") == port)
            .GroupBy(s => $"{s.Labels.GetValueOrDefault("http_response_status_code")} {s.Labels.GetValueOrDefault("server_address")}")
            .ToDictionary(g => g.Key, g => g.Sum(s => s.Value));

    private static string Attr(JsonElement span, string key)
    {
        foreach (var a in span.GetProperty("attributes").EnumerateArray())
        {
            if (a.GetProperty("key").GetString() == key)
            {
                foreach (var p in a.GetProperty("value").EnumerateObject())
                {
                    return p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString()! : p.Value.GetRawText();
                }
            }
        }

        return "";
    }
}
