using System.Diagnostics;
using System.Globalization;
using River.Components.Beyla;
using River.Components.Beyla.Attributes;
using River.Components.Beyla.Discovery;

namespace River.Components.Tests.Beyla;

public class MetricsTests
{
    private static string Scrape(Action<BeylaArguments>? configure = null)
    {
        var (tracer, registry) = TracerTests.NewTracer(configure);
        tracer.Process(TracerTests.Request(100, "GET /users/42 HTTP/1.1\r\n\r\n", 200, durationNs: 30_000_000, respSize: 100));
        tracer.Process(TracerTests.Request(100, "GET /users/43 HTTP/1.1\r\n\r\n", 200, durationNs: 3_000_000, respSize: 5000));
        tracer.Process(TracerTests.Request(200, "POST /pay/9f8e7d6c5b4a HTTP/1.1\r\n\r\n", 500, reqSize: 64));
        tracer.Process(TracerTests.Request(100, "GET /items HTTP/1.1\r\n\r\n", 404, RequestDirection.Client));
        tracer.Metrics.AddLostEvents(3);
        return TracerTests.Exposition(registry);
    }

    [Fact]
    public void ServerHistogramCarriesBeylaNamesLabelsAndBuckets()
    {
        var text = Scrape();
        Assert.Contains("# TYPE http_server_request_duration_seconds histogram", text, StringComparison.Ordinal);
        Assert.Contains("# TYPE http_server_request_body_size_bytes histogram", text, StringComparison.Ordinal);
        Assert.Contains("# TYPE http_server_response_body_size_bytes histogram", text, StringComparison.Ordinal);
        Assert.Contains("# TYPE http_client_request_duration_seconds histogram", text, StringComparison.Ordinal);
        Assert.Contains("# TYPE http_client_request_body_size_bytes histogram", text, StringComparison.Ordinal);
        Assert.Contains("# TYPE http_client_response_body_size_bytes histogram", text, StringComparison.Ordinal);

        const string labels = "service_name=\"shop\",service_namespace=\"\",instance=\"host:100\",job=\"shop\",http_request_method=\"GET\",http_response_status_code=\"200\",http_route=\"/users/{id}\",url_scheme=\"http\",server_address=\"10.0.0.5\",server_port=\"8080\"";
        Assert.Contains($"http_server_request_duration_seconds_count{{{labels}}} 2", text, StringComparison.Ordinal);
        // 3 ms and 30 ms: one below 5 ms, both below 50 ms.
        Assert.Contains($"http_server_request_duration_seconds_bucket{{{labels},le=\"0.005\"}} 1", text, StringComparison.Ordinal);
        Assert.Contains($"http_server_request_duration_seconds_bucket{{{labels},le=\"0.05\"}} 2", text, StringComparison.Ordinal);
        Assert.Contains($"http_server_response_body_size_bytes_bucket{{{labels},le=\"128\"}} 1", text, StringComparison.Ordinal);
        Assert.Contains($"http_server_response_body_size_bytes_bucket{{{labels},le=\"8192\"}} 2", text, StringComparison.Ordinal);
        Assert.Contains("job=\"corp/billing\"", text, StringComparison.Ordinal);
        Assert.Contains("http_route=\"/pay/*\"", text, StringComparison.Ordinal);
        Assert.Contains("beyla_ebpf_lost_events_total 3", text, StringComparison.Ordinal);
        Assert.Contains("target_info{host_name=\"testhost\",service_name=\"shop\"", text, StringComparison.Ordinal);
        Assert.Contains("beyla_instrumented_processes{process_name=\"shop\"} 2", text, StringComparison.Ordinal);

        var durationBuckets = text.Split('\n')
            .Where(l => l.StartsWith("http_server_request_duration_seconds_bucket{", StringComparison.Ordinal) && l.Contains("host:100", StringComparison.Ordinal))
            .Select(l => l[(l.IndexOf("le=\"", StringComparison.Ordinal) + 4)..l.LastIndexOf('"')]).ToList();
        Assert.Equal(["0", "0.005", "0.01", "0.025", "0.05", "0.075", "0.1", "0.25", "0.5", "0.75", "1", "2.5", "5", "7.5", "10", "+Inf"], durationBuckets);
    }

    [Fact]
    public void WithoutARoutesBlockThereIsNoRouteLabel()
    {
        var text = Scrape(a => a.Routes = null);
        Assert.DoesNotContain("http_route", text, StringComparison.Ordinal);
    }

    [Fact]
    public void AttributeSelectionAddsAndRemovesLabels()
    {
        var text = Scrape(a =>
        {
            a.Attributes.Select.Add(new SelectBlock { Attr = "http_*", Include = ["*"], Exclude = ["url_path", "server_*"] });
            a.Attributes.Select.Add(new SelectBlock { Attr = "http_client_*", Include = ["url.path"] });
        });
        var server = text.Split('\n').First(l => l.StartsWith("http_server_request_duration_seconds_count{", StringComparison.Ordinal));
        Assert.Contains("client_address=\"10.0.0.9\"", server, StringComparison.Ordinal);
        Assert.DoesNotContain("server_port", server, StringComparison.Ordinal);
        Assert.DoesNotContain("url_path", server, StringComparison.Ordinal);
        var client = text.Split('\n').First(l => l.StartsWith("http_client_request_duration_seconds_count{", StringComparison.Ordinal));
        Assert.Contains("url_path=\"/items\"", client, StringComparison.Ordinal);
    }

    [Fact]
    public void DisabledHttpInstrumentationExportsNoHttpMetrics()
    {
        var text = Scrape(a => a.Metrics.Instrumentations = ["grpc", "sql"]);
        Assert.DoesNotContain("http_server_request_duration_seconds", text, StringComparison.Ordinal);
        Assert.Contains("beyla_ebpf_lost_events_total", text, StringComparison.Ordinal);
    }

    [Fact]
    public void SelectionSectionsAreNormalisedAndTheMostSpecificWins()
    {
        var sel = new AttributeSelection(
        [
            new SelectBlock { Attr = "http.*", Exclude = ["http.route"] },
            new SelectBlock { Attr = "http_server_request_duration_seconds_count", Include = ["http_route", "http.request.method"] },
        ]);
        HashSet<string> defaults = ["http.request.method", "http.route"];
        Assert.Equal(["http.request.method", "http.route"], sel.Select("http_server_request_duration_seconds", ["http.request.method", "http.route", "url.path"], defaults));
        Assert.Equal(["http.request.method"], sel.Select("http_client_request_duration_seconds", ["http.request.method", "http.route", "url.path"], defaults));
        Assert.Equal("http.server.request.duration", AttributeSelection.Normalize("http_server_request_duration_seconds_bucket"));
    }

    [Fact]
    public async Task ExpositionPassesPromtoolCheckMetrics()
    {
        var text = Scrape(a => a.Attributes.Select.Add(new SelectBlock { Attr = "http_*", Include = ["*"] }));
        var psi = new ProcessStartInfo("promtool", ["check", "metrics"])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var p = Process.Start(psi)!;
        var stdoutTask = p.StandardOutput.ReadToEndAsync();
        var stderrTask = p.StandardError.ReadToEndAsync();
        await p.StandardInput.WriteAsync(text);
        p.StandardInput.Close();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await p.WaitForExitAsync(cts.Token);
        var output = (await stdoutTask).Trim() + (await stderrTask).Trim();
        Assert.True(p.ExitCode == 0, $"promtool failed ({p.ExitCode}): {output}\n{text}");
        Assert.Equal("", output);
    }
}
