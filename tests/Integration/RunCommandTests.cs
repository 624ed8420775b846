using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;

namespace River.Integration;

/// <summary>The <c>river run</c> tests start real servers; they run one after another so their timings are not skewed by each other.</summary>
[CollectionDefinition("river run", DisableParallelization = true)]
public sealed class RiverRunCollection;

/// <summary><c>river run</c> as a process: readiness, reloads by file, HTTP and SIGHUP, shutdown, in-memory scraping.</summary>
[Collection("river run")]
public sealed class RunCommandTests : IDisposable
{
    private const string Component = "discovery.relabel.hosts";
    private readonly TempDir _dir = new();

    /// <inheritdoc/>
    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Ready_and_healthy_answer_200_once_started_and_SIGTERM_exits_0()
    {
        var config = _dir.Write("main.alloy", Configs.Relabel("hosts", "a:1"));
        using var river = await RunningRiver.StartAsync(_dir, config);

        var ready = await river.GetAsync("/-/ready");
        var healthy = await river.GetAsync("/-/healthy");
        river.Process.Signal("TERM");
        var code = await river.Process.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(HttpStatusCode.OK, ready.Status);
        Assert.Equal("River is ready.", ready.Body.Trim());
        Assert.Equal(HttpStatusCode.OK, healthy.Status);
        Assert.True(code == 0, $"exit {code}\n{river.Process.Stderr}");
    }

    [Fact]
    public async Task The_valid_test_config_of_four_catalog_components_runs_and_every_component_is_healthy()
    {
        var config = _dir.Write("main.alloy", Configs.Valid);
        using var river = await RunningRiver.StartAsync(_dir, config);

        var healthy = await river.GetAsync("/-/healthy");
        var list = await river.GetAsync("/api/v0/web/components");

        Assert.True(healthy.Status == HttpStatusCode.OK, healthy.Body);
        foreach (var id in new[] { "discovery.relabel.hosts", "prometheus.relabel.drop_debug", "otelcol.exporter.debug.console", "otelcol.processor.batch.default" })
        {
            Assert.Contains($"\"{id}\"", list.Body, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Editing_the_config_file_shows_the_new_argument_within_2_seconds()
    {
        var config = _dir.Write("main.alloy", Configs.Relabel("hosts", "before:1"));
        using var river = await RunningRiver.StartAsync(_dir, config);
        Assert.Contains("before:1", await river.ComponentJsonAsync(Component), StringComparison.Ordinal);

        await File.WriteAllTextAsync(config, Configs.Relabel("hosts", "after:2"));
        var took = await RunningRiver.PollAsync(async () => (await river.ComponentJsonAsync(Component)).Contains("after:2", StringComparison.Ordinal), TimeSpan.FromSeconds(10));

        Assert.True(took is not null, "the edit was never applied\n" + river.Process.Stderr);
        Assert.True(took <= TimeSpan.FromSeconds(2), $"the edit took {took!.Value.TotalMilliseconds:0} ms to show");
    }

    [Fact]
    public async Task A_broken_edit_keeps_the_old_values_and_reload_answers_400_with_the_location()
    {
        var config = _dir.Write("main.alloy", Configs.Relabel("hosts", "kept:1"));
        using var river = await RunningRiver.StartAsync(_dir, config, "--config.no-watch");

        await File.WriteAllTextAsync(config, "discovery.relabel \"hosts\" {\n  targets = [{\"__address__\" = \"new:2\"}\n}\n");
        var reload = await river.ReloadAsync();
        var json = await river.ComponentJsonAsync(Component);
        var ready = await river.GetAsync("/-/ready");

        Assert.Equal(HttpStatusCode.BadRequest, reload.Status);
        Assert.Matches(new Regex(@"main\.alloy:\d+:\d+: "), reload.Body);
        Assert.Contains("kept:1", json, StringComparison.Ordinal);
        Assert.DoesNotContain("new:2", json, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, ready.Status);
    }

    [Fact]
    public async Task SIGHUP_reloads_the_config()
    {
        var config = _dir.Write("main.alloy", Configs.Relabel("hosts", "before:1"));
        using var river = await RunningRiver.StartAsync(_dir, config, "--config.no-watch");

        await File.WriteAllTextAsync(config, Configs.Relabel("hosts", "hup:2"));
        river.Process.Signal("HUP");
        var took = await RunningRiver.PollAsync(async () => (await river.ComponentJsonAsync(Component)).Contains("hup:2", StringComparison.Ordinal), TimeSpan.FromSeconds(20));

        Assert.True(took is not null, "SIGHUP did not reload\n" + river.Process.Stderr);
        Assert.False(river.Process.HasExited);
    }

    [Fact]
    public async Task A_first_load_that_fails_exits_1_with_diagnostics()
    {
        var config = _dir.Write("main.alloy", "discovery.relabel \"hosts\" {\n  targets = [\n");
        var port = RiverProcess.FreePort();

        var result = await RiverProcess.RunAsync(_dir.Path, RunningRiver.StartTimeout, null,
            "run", config, "--server.http.listen-addr", $"127.0.0.1:{port}", "--storage.path", Path.Combine(_dir.Path, "data"));

        ValidateCommandTests.AssertCleanFailure(result, "main.alloy");
    }

    [Fact]
    public async Task Hundred_writes_in_one_second_end_with_exactly_the_last_config_applied()
    {
        var config = _dir.Write("main.alloy", Configs.Relabel("hosts", "w-start:1"));
        using var river = await RunningRiver.StartAsync(_dir, config);

        var clock = Stopwatch.StartNew();
        for (var i = 0; i < 100; i++)
        {
            await File.WriteAllTextAsync(config, Configs.Relabel("hosts", $"w{i}:1"));
            var due = TimeSpan.FromMilliseconds(10 * (i + 1));
            if (clock.Elapsed < due)
            {
                await Task.Delay(due - clock.Elapsed);
            }
        }

        var took = await RunningRiver.PollAsync(async () => (await river.ComponentJsonAsync(Component)).Contains("\"w99:1\"", StringComparison.Ordinal), TimeSpan.FromSeconds(15));
        Assert.True(took is not null, "the last write was never applied\n" + river.Process.Stderr);

        // It stays applied: no late reload of an intermediate version lands after it.
        await Task.Delay(1500);
        var json = await river.ComponentJsonAsync(Component);
        var status = await river.GetAsync("/api/v0/web/status");
        Assert.Contains("\"w99:1\"", json, StringComparison.Ordinal);
        Assert.Equal(["w99:1"], Regex.Matches(json, @"""(w\d+:1)""").Select(m => m.Groups[1].Value).Distinct());
        Assert.Contains("\"lastReloadSuccessful\":true", status.Body.Replace(" ", "", StringComparison.Ordinal), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_scrape_of_the_in_memory_address_succeeds_without_opening_a_TCP_connection()
    {
        var config = _dir.Write("main.alloy", """
            prometheus.scrape "self" {
              targets         = [{"__address__" = "river.internal:12345", "__metrics_path__" = "/metrics"}]
              forward_to      = [prometheus.relabel.sink.receiver]
              scrape_interval = "1s"
              scrape_timeout  = "1s"
            }

            prometheus.relabel "sink" {
              forward_to = []
            }

            """);
        using var river = await RunningRiver.StartAsync(_dir, config, "--config.no-watch");

        var up = await RunningRiver.PollAsync(async () =>
            RunningRiver.DebugInfoAttribute(await river.ComponentJsonAsync("prometheus.scrape.self"), "target", "health").Contains("up"),
            TimeSpan.FromSeconds(30), intervalMs: 200);
        var json = await river.ComponentJsonAsync("prometheus.scrape.self");
        var forwarded = await river.MetricAsync("prometheus_forwarded_samples_total{component_id=\"prometheus.scrape.self\"}");
        var sockets = TcpSocketsOf(river.Process.Pid);

        Assert.True(up is not null, "the in-memory target never became up\n" + json + "\n" + river.Process.Stderr);
        Assert.Contains("river.internal:12345", string.Join(" ", RunningRiver.DebugInfoAttribute(json, "target", "url")), StringComparison.Ordinal);

        // Five report samples (up, scrape_duration_seconds, …) are forwarded even for a failed scrape; more means
        // River's own metrics came through.
        Assert.True(forwarded > 5, $"forwarded samples: {forwarded}");

        // Every TCP socket River holds is its listener or a connection accepted by it (this test's HTTP client);
        // a scrape over TCP would show as a socket with another local port.
        var foreign = sockets.Where(s => s.LocalPort != river.Port).ToList();
        Assert.True(foreign.Count == 0, "unexpected TCP sockets:\n" + string.Join("\n", foreign.Select(s => s.Line)));
        Assert.Contains(sockets, s => s.State == "LISTEN" && s.LocalPort == river.Port);
    }

    /// <summary>The TCP sockets of <paramref name="pid"/> according to <c>ss -tanp</c> (iproute2).</summary>
    internal static List<(string State, int LocalPort, string Line)> TcpSocketsOf(int pid)
    {
        using var ss = Process.Start(new ProcessStartInfo("ss", ["-tanpH"]) { RedirectStandardOutput = true, UseShellExecute = false })!;
        var output = ss.StandardOutput.ReadToEnd();
        ss.WaitForExit();
        Assert.True(ss.ExitCode == 0, "ss failed; iproute2 is needed");
        var result = new List<(string, int, string)>();
        foreach (var line in output.Split('\n'))
        {
            if (!line.Contains($"pid={pid},", StringComparison.Ordinal))
            {
                continue;
            }

            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var local = fields[3];
            var port = int.Parse(local[(local.LastIndexOf(':') + 1)..], CultureInfo.InvariantCulture);
            result.Add((fields[0], port, line));
        }

        return result;
    }
}
