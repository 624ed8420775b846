using System.Globalization;
using Xunit.Abstractions;

namespace River.Integration;

/// <summary>The two-minute receiver outage; its own collection so it runs in parallel with the other long tests.</summary>
[CollectionDefinition("prometheus outage")]
public sealed class PrometheusOutageCollection;

/// <summary>SIGKILL of River during an outage; its own collection so it runs in parallel with the other long tests.</summary>
[CollectionDefinition("prometheus sigkill")]
public sealed class PrometheusSigkillCollection;

/// <summary>
/// What the fault tests share: a <see cref="CountingTarget"/> scraped every second by <c>river run</c> and written to
/// a real Prometheus, and the check that the numbers stored in Prometheus have no hole.
/// </summary>
internal static class SteadyScrape
{
    /// <summary>The config: one scrape of the counting target every second, into one remote_write.</summary>
    public static string Config(CountingTarget target, PrometheusPeer prometheus) => $$"""
        prometheus.scrape "seq" {
          targets         = [{"__address__" = "{{target.Address}}"}]
          forward_to      = [prometheus.remote_write.prom.receiver]
          job_name        = "seq"
          scrape_interval = "1s"
          scrape_timeout  = "1s"
        }

        prometheus.remote_write "prom" {
          endpoint {
            url = "{{prometheus.WriteUrl}}"
            queue_config {
              batch_send_deadline = "200ms"
              max_backoff         = "2s"
            }
          }
        }
        """;

    /// <summary>Waits until Prometheus holds a sequence number at least <paramref name="atLeast"/>.</summary>
    public static async Task WaitForSeqAsync(PrometheusPeer prometheus, long atLeast, TimeSpan timeout, Func<string> diagnostics)
    {
        var took = await RunningRiver.PollAsync(async () => await prometheus.ScalarAsync("max_over_time(river_it_scrape_seq{job=\"seq\"}[30m])") >= atLeast, timeout, intervalMs: 500);
        Assert.True(took is not null, $"Prometheus never reached seq {atLeast} (has {await prometheus.ScalarAsync("max_over_time(river_it_scrape_seq{job=\"seq\"}[30m])")})\n{diagnostics()}");
    }

    /// <summary>
    /// Asserts that the sequence numbers in Prometheus over the run since <paramref name="begun"/> have no hole: their count
    /// is max − min + 1, less at most one per failed scrape (<c>up</c> = 0, e.g. a timeout on a loaded machine, when the
    /// target spent a number River never received). Also: every scrape left an <c>up</c> sample next to its number.
    /// <paramref name="scrapesCutByAKill"/> allows for a scrape in flight when River was killed: the target spent its
    /// number, but River never got to append it, so it was never River's to lose.
    /// </summary>
    public static async Task<(double Min, double Max, double Count)> AssertContiguousAsync(PrometheusPeer prometheus, DateTimeOffset begun, ITestOutputHelper output, int scrapesCutByAKill = 0)
    {
        // Scraping goes on, so every query is evaluated at one instant far enough back that all its samples have
        // landed (batches leave within 200 ms); otherwise counts taken a moment apart disagree.
        await Task.Delay(TimeSpan.FromSeconds(12));
        var at = DateTimeOffset.UtcNow - TimeSpan.FromSeconds(10);
        var w = ((int)(at - begun + TimeSpan.FromSeconds(30)).TotalSeconds).ToString(CultureInfo.InvariantCulture) + "s";
        var min = (await prometheus.ScalarAsync($"min_over_time(river_it_scrape_seq{{job=\"seq\"}}[{w}])", at))!.Value;
        var max = (await prometheus.ScalarAsync($"max_over_time(river_it_scrape_seq{{job=\"seq\"}}[{w}])", at))!.Value;
        var count = (await prometheus.ScalarAsync($"count_over_time(river_it_scrape_seq{{job=\"seq\"}}[{w}])", at))!.Value;
        var ups = (await prometheus.ScalarAsync($"count_over_time(up{{job=\"seq\"}}[{w}])", at))!.Value;
        var failed = ups - (await prometheus.ScalarAsync($"sum_over_time(up{{job=\"seq\"}}[{w}])", at))!.Value;
        output.WriteLine($"seq {min}..{max}: {count} samples, {ups} up samples, {failed} failed scrapes");
        Assert.True(count <= max - min + 1, $"{count} samples for {max - min + 1} numbers: duplicates");
        Assert.True(count >= max - min + 1 - failed - scrapesCutByAKill, $"{max - min + 1 - count} numbers of {min}..{max} are missing, only {failed} scrapes failed");
        Assert.Equal(count, ups - failed);
        return (min, max, count);
    }

    /// <summary>Sum over the series of one family on River's /metrics whose labels contain <paramref name="fragment"/>.</summary>
    public static async Task<double> RiverMetricAsync(RunningRiver river, string name, string fragment)
    {
        var (_, body) = await river.GetAsync("/metrics");
        return body.Split('\n')
            .Where(l => l.StartsWith(name + "{", StringComparison.Ordinal) && l.Contains(fragment, StringComparison.Ordinal))
            .Sum(l => double.Parse(l[(l.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture));
    }
}

/// <summary>The receiver stops for two minutes under steady scraping; the WAL bridges the gap.</summary>
[Collection("prometheus outage")]
public sealed class RemoteWriteOutageTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempDir _dir = new();

    /// <inheritdoc/>
    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Every_sample_scraped_while_prometheus_was_down_for_two_minutes_arrives_after_it_restarts()
    {
        if (!PrometheusPeer.Installed)
        {
            output.WriteLine("skipped: apt-get install -y --no-install-recommends prometheus");
            return;
        }

        var begun = DateTimeOffset.UtcNow;
        using var target = new CountingTarget();
        await using var prometheus = await PrometheusPeer.StartAsync(Path.Combine(_dir.Path, "prometheus"));
        using var river = await RunningRiver.StartAsync(_dir, _dir.Write("main.alloy", SteadyScrape.Config(target, prometheus)));
        await SteadyScrape.WaitForSeqAsync(prometheus, 3, TimeSpan.FromSeconds(60), () => river.Process.Stderr);

        await prometheus.StopAsync();
        var down = DateTimeOffset.UtcNow;
        var servedAtStop = target.Served;
        await Task.Delay(TimeSpan.FromMinutes(2));
        var servedDuringOutage = target.Served - servedAtStop;
        await prometheus.StartAsync();
        var up = DateTimeOffset.UtcNow;

        // Catch-up: everything the target served up to the restart is in Prometheus.
        await SteadyScrape.WaitForSeqAsync(prometheus, target.Served, TimeSpan.FromSeconds(120), () => river.Process.Stderr + prometheus.Log);
        var (min, max, _) = await SteadyScrape.AssertContiguousAsync(prometheus, begun, output);
        Assert.True(min <= servedAtStop && max >= servedAtStop + servedDuringOutage, $"the window {min}..{max} does not span the outage");

        // The outage itself is covered: the two minutes hold a sample per second of scraping, no hole.
        var inGap = await prometheus.ScalarAsync($"count_over_time(river_it_scrape_seq{{job=\"seq\"}}[{(int)(up - down).TotalSeconds}s])", up);
        output.WriteLine($"outage {(up - down).TotalSeconds:0} s: target served {servedDuringOutage}, Prometheus holds {inGap} of that window");
        Assert.True(servedDuringOutage >= 60, $"only {servedDuringOutage} scrapes in two minutes");
        Assert.True(inGap >= servedDuringOutage - 2, $"{inGap} samples in the outage window, {servedDuringOutage} scraped");

        // River did retry (the outage was real) and dropped nothing.
        Assert.True(await SteadyScrape.RiverMetricAsync(river, "prometheus_remote_storage_samples_retried_total", "prometheus.remote_write.prom") > 0);
        Assert.Equal(0, await SteadyScrape.RiverMetricAsync(river, "prometheus_remote_storage_samples_failed_total", "prometheus.remote_write.prom"));
        Assert.Equal(0, await SteadyScrape.RiverMetricAsync(river, "prometheus_remote_storage_samples_dropped_total", "prometheus.remote_write.prom"));
    }
}

/// <summary>River is killed with SIGKILL while the receiver is down; the next River replays the WAL.</summary>
[Collection("prometheus sigkill")]
public sealed class RemoteWriteSigkillTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempDir _dir = new();

    /// <inheritdoc/>
    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Samples_in_the_wal_of_a_river_killed_during_an_outage_arrive_complete_and_in_order_after_both_restart()
    {
        if (!PrometheusPeer.Installed)
        {
            output.WriteLine("skipped: apt-get install -y --no-install-recommends prometheus");
            return;
        }

        var begun = DateTimeOffset.UtcNow;
        using var target = new CountingTarget();
        await using var prometheus = await PrometheusPeer.StartAsync(Path.Combine(_dir.Path, "prometheus"));
        var config = _dir.Write("main.alloy", SteadyScrape.Config(target, prometheus));
        long servedBeforeKill;
        using (var first = await RunningRiver.StartAsync(_dir, config))
        {
            await SteadyScrape.WaitForSeqAsync(prometheus, 3, TimeSpan.FromSeconds(60), () => first.Process.Stderr);
            await prometheus.StopAsync();
            var servedAtStop = target.Served;
            await Task.Delay(TimeSpan.FromSeconds(20));
            first.Process.Signal("KILL");
            await first.Process.WaitForExitAsync(TimeSpan.FromSeconds(30));
            servedBeforeKill = target.Served;
            Assert.True(servedBeforeKill - servedAtStop >= 5, $"only {servedBeforeKill - servedAtStop} scrapes during the outage");
        }

        // Both come back: the new River opens the same storage path, Prometheus the same TSDB.
        using var second = await RunningRiver.StartAsync(_dir, config);
        await prometheus.StartAsync();

        // Replayed and new: the second River's own scrapes come after the killed one's numbers.
        await SteadyScrape.WaitForSeqAsync(prometheus, servedBeforeKill + 3, TimeSpan.FromSeconds(120), () => second.Process.Stderr + prometheus.Log);

        // Every number the killed River had scraped is there (the WAL was replayed), with no hole anywhere.
        var (min, max, _) = await SteadyScrape.AssertContiguousAsync(prometheus, begun, output, scrapesCutByAKill: 1);
        Assert.True(min <= 3 && max > servedBeforeKill, $"the window {min}..{max} does not span the kill at {servedBeforeKill}");

        // Nothing out of order: Prometheus refused no sample and River had none refused.
        Assert.Equal(0, await prometheus.OwnMetricAsync("prometheus_tsdb_out_of_order_samples_total"));
        Assert.Equal(0, await SteadyScrape.RiverMetricAsync(second, "prometheus_remote_storage_samples_failed_total", "prometheus.remote_write.prom"));
        Assert.DoesNotContain("out of order", second.Process.Stderr, StringComparison.OrdinalIgnoreCase);
    }
}
