using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using River.Components.Prom.Scrape;
using Xunit.Abstractions;

namespace River.Tests.Pipelines;

/// <summary>
/// Metrics through River run from an Alloy config: <c>discovery.relabel</c> → <c>prometheus.scrape</c> of River's own
/// /metrics (over the in-memory address) → <c>prometheus.remote_write</c> → a real Prometheus that demands basic auth.
/// </summary>
public sealed class MetricPipelineTests(ITestOutputHelper output)
{
    private const string User = "river";
    private const string Password = "s3cret-pass";

    // `htpasswd -nbB river s3cret-pass` (apache2-utils), committed so the test needs no bcrypt tool.
    private const string PasswordHash = "$2y$05$BnlL87sL4MK69ROvjnS/XumEL7tlYEDL98q5r2EFdmo1n3YCAAsU6";

    [Fact]
    public async Task RiversOwnMetricsReachAPrometheusBehindBasicAuthAndAReloadedRuleApplies()
    {
        if (!File.Exists("/usr/bin/prometheus"))
        {
            output.WriteLine("skipped: apt-get install -y --no-install-recommends prometheus");
            return;
        }

        await using var prometheus = await AuthPrometheus.StartAsync(User, PasswordHash);
        string Config(string pipeline, string interval) => $$"""
            discovery.relabel "targets" {
              targets = [{"__address__" = "river.internal:12345", "team" = "observability"}]
              rule {
                target_label = "pipeline"
                replacement  = "{{pipeline}}"
              }
            }

            prometheus.scrape "self" {
              targets         = discovery.relabel.targets.output
              forward_to      = [prometheus.remote_write.prom.receiver]
              job_name        = "river-self"
              scrape_interval = "{{interval}}"
              scrape_timeout  = "250ms"
            }

            prometheus.remote_write "prom" {
              endpoint {
                url = "{{prometheus.BaseUrl}}/api/v1/write"
                basic_auth {
                  username = "{{User}}"
                  password = "{{Password}}"
                }
                queue_config { batch_send_deadline = "100ms" }
              }
            }
            """;

        await using var river = await PipelineHost.StartAsync(Config("first", "1s"));
        Assert.DoesNotContain(River.Runtime.RiverHost.Validate(river.ConfigPath, River.Components.ComponentCatalog.All), d => d.Severity == River.Diagnostics.Severity.Error);

        // The series of River's own /metrics are in Prometheus with the target's labels and the relabel rule's.
        await PipelineHost.WaitUntilAsync(
            async () => (await prometheus.QueryAsync("up{job=\"river-self\",pipeline=\"first\",team=\"observability\"}")).Any(r => r.Value == 1),
            TimeSpan.FromSeconds(30),
            () => "no up series for river-self\n" + river.Log);
        var buildInfo = await prometheus.QueryAsync("{job=\"river-self\",pipeline=\"first\",__name__=~\"river_.*\"}");
        Assert.NotEmpty(buildInfo);
        Assert.All(buildInfo, r => Assert.Equal("river.internal:12345", r.Metric["instance"]));

        // The pipeline's own metrics are on River's /metrics, once per component, labelled by the runtime.
        var riverMetrics = (await river.MetricsAsync()).Split('\n');
        Assert.Single(riverMetrics, l => l.StartsWith("prometheus_forwarded_samples_total{component_id=\"prometheus.scrape.self\"}", StringComparison.Ordinal));
        Assert.Single(riverMetrics, l => l.StartsWith("prometheus_remote_storage_samples_total{", StringComparison.Ordinal) && l.Contains("component_id=\"prometheus.remote_write.prom\"", StringComparison.Ordinal));
        Assert.True(await river.MetricAsync("prometheus_remote_storage_samples_total", "component_id=\"prometheus.remote_write.prom\"") > 0);

        // Without the password Prometheus refuses: the data above really went through basic auth.
        using (var anonymous = new HttpClient())
        {
            var refused = await anonymous.PostAsync(prometheus.BaseUrl + "/api/v1/write", new ByteArrayContent([]));
            Assert.Equal(System.Net.HttpStatusCode.Unauthorized, refused.StatusCode);
        }

        // Reload: a new rule value and a new interval both take effect.
        var reloaded = await river.ReplaceConfigAsync(Config("second", "300ms"));
        Assert.True(reloaded.Success, string.Join("\n", reloaded.Diagnostics));
        Assert.True(river.Host.Controller.TryGetComponent("prometheus.scrape.self", out var scrape));
        Assert.Equal(TimeSpan.FromMilliseconds(300), Assert.IsType<ScrapeArguments>(scrape.Arguments).ScrapeInterval);
        await PipelineHost.WaitUntilAsync(
            async () => (await prometheus.QueryAsync("up{job=\"river-self\",pipeline=\"second\"}")).Any(r => r.Value == 1),
            TimeSpan.FromSeconds(30),
            () => "no up series with pipeline=second\n" + river.Log);

        // At 300 ms, three seconds hold many more scrapes than the one-second interval would give.
        await Task.Delay(TimeSpan.FromSeconds(3));
        var samples = await prometheus.QueryAsync("count_over_time(up{job=\"river-self\",pipeline=\"second\"}[3s])");
        Assert.True(samples.Single().Value >= 6, $"only {samples.Single().Value} scrapes in 3 s");
    }

    /// <summary>A real Prometheus 2.42 whose every endpoint demands basic auth (<c>--web.config.file</c>).</summary>
    private sealed class AuthPrometheus : IAsyncDisposable
    {
        private readonly Process _process;
        private readonly HttpClient _http;

        private AuthPrometheus(Process process, string directory, int port, string user, string password)
        {
            _process = process;
            Directory = directory;
            BaseUrl = $"http://127.0.0.1:{port}";
            _http = new HttpClient();
            _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")));
        }

        public string Directory { get; }

        public string BaseUrl { get; }

        public static async Task<AuthPrometheus> StartAsync(string user, string hash)
        {
            var dir = System.IO.Directory.CreateTempSubdirectory("river-prom-auth-").FullName;
            var port = PipelineHost.FreePort();
            await File.WriteAllTextAsync(Path.Combine(dir, "prometheus.yml"), "global: { scrape_interval: 15s }\nscrape_configs: []\n");
            await File.WriteAllTextAsync(Path.Combine(dir, "web.yml"), $"basic_auth_users:\n  {user}: '{hash}'\n");
            var start = new ProcessStartInfo("/usr/bin/prometheus") { RedirectStandardError = true, RedirectStandardOutput = true };
            foreach (var arg in new[]
            {
                $"--config.file={Path.Combine(dir, "prometheus.yml")}",
                $"--web.config.file={Path.Combine(dir, "web.yml")}",
                $"--storage.tsdb.path={Path.Combine(dir, "tsdb")}",
                $"--web.listen-address=127.0.0.1:{port}",
                "--web.enable-remote-write-receiver",
            })
            {
                start.ArgumentList.Add(arg);
            }

            var process = Process.Start(start)!;
            var stderr = new StringBuilder();
            process.ErrorDataReceived += (_, e) =>
            {
                lock (stderr)
                {
                    stderr.AppendLine(e.Data);
                }
            };
            process.OutputDataReceived += (_, _) => { };
            process.BeginErrorReadLine();
            process.BeginOutputReadLine();
            var result = new AuthPrometheus(process, dir, port, user, Password);
            await PipelineHost.WaitUntilAsync(
                async () =>
                {
                    if (process.HasExited)
                    {
                        throw new InvalidOperationException("prometheus exited: " + stderr);
                    }

                    try
                    {
                        return (await result._http.GetAsync(result.BaseUrl + "/-/ready")).IsSuccessStatusCode;
                    }
                    catch (HttpRequestException)
                    {
                        return false;
                    }
                },
                TimeSpan.FromSeconds(30),
                () => "Prometheus never became ready: " + stderr);
            return result;
        }

        public async Task<List<(Dictionary<string, string> Metric, double Value)>> QueryAsync(string promql)
        {
            var json = await _http.GetStringAsync($"{BaseUrl}/api/v1/query?query={Uri.EscapeDataString(promql)}");
            using var doc = JsonDocument.Parse(json);
            var result = new List<(Dictionary<string, string>, double)>();
            foreach (var r in doc.RootElement.GetProperty("data").GetProperty("result").EnumerateArray())
            {
                var metric = r.GetProperty("metric").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!);
                result.Add((metric, double.Parse(r.GetProperty("value")[1].GetString()!, CultureInfo.InvariantCulture)));
            }

            return result;
        }

        public async ValueTask DisposeAsync()
        {
            if (!_process.HasExited)
            {
                _process.Kill();
                await _process.WaitForExitAsync();
            }

            _process.Dispose();
            _http.Dispose();
            try
            {
                System.IO.Directory.Delete(Directory, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }
}
