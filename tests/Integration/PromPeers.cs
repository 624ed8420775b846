using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace River.Integration;

/// <summary>
/// A real Prometheus 2.42 (Debian <c>prometheus</c>) on a loopback port with the remote-write receiver on, optionally
/// behind basic auth (<c>--web.config.file</c>). It can be stopped and started again on the same port and data
/// directory, as an outage of the receiver would look. Stopped by its PID.
/// </summary>
internal sealed class PrometheusPeer : IAsyncDisposable
{
    /// <summary>The user of <see cref="PasswordHash"/>.</summary>
    public const string User = "river";

    /// <summary>The password of <see cref="PasswordHash"/>.</summary>
    public const string Password = "s3cret-pass";

    // `htpasswd -nbB river s3cret-pass` (apache2-utils), fixed here so the tests need no bcrypt tool.
    private const string PasswordHash = "$2y$05$BnlL87sL4MK69ROvjnS/XumEL7tlYEDL98q5r2EFdmo1n3YCAAsU6";

    private readonly bool _auth;
    private readonly string _scrapeConfigs;
    private readonly StringBuilder _stderr = new();
    private Process? _process;

    private PrometheusPeer(string directory, int port, bool auth, string scrapeConfigs)
    {
        Directory = directory;
        Port = port;
        _auth = auth;
        _scrapeConfigs = scrapeConfigs;
        Http = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
        if (auth)
        {
            Http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{User}:{Password}")));
        }
    }

    /// <summary>The data directory (config files and TSDB).</summary>
    public string Directory { get; }

    /// <summary>The listen port.</summary>
    public int Port { get; }

    /// <summary>The base URL.</summary>
    public string BaseUrl => $"http://127.0.0.1:{Port}";

    /// <summary>The remote-write receiver URL.</summary>
    public string WriteUrl => BaseUrl + "/api/v1/write";

    /// <summary>A client that carries the credentials when auth is on.</summary>
    public HttpClient Http { get; }

    /// <summary>What Prometheus wrote to stderr (its log).</summary>
    public string Log
    {
        get
        {
            lock (_stderr)
            {
                return _stderr.ToString();
            }
        }
    }

    /// <summary>True when Debian's prometheus is installed.</summary>
    public static bool Installed => File.Exists("/usr/bin/prometheus");

    /// <summary>
    /// Starts Prometheus. <paramref name="scrapeConfigs"/> is YAML for the <c>scrape_configs</c> list (items indented
    /// by two spaces), empty for none.
    /// </summary>
    public static async Task<PrometheusPeer> StartAsync(string directory, bool basicAuth = false, string scrapeConfigs = "")
    {
        var peer = new PrometheusPeer(directory, RiverProcess.FreePort(), basicAuth, scrapeConfigs);
        await peer.StartAsync();
        return peer;
    }

    /// <summary>(Re)starts the process on the same port and data directory and waits for <c>/-/ready</c>.</summary>
    public async Task StartAsync()
    {
        System.IO.Directory.CreateDirectory(Directory);
        var config = Path.Combine(Directory, "prometheus.yml");
        await File.WriteAllTextAsync(config, "global: { scrape_interval: 1s, scrape_timeout: 1s }\nscrape_configs:\n" + (_scrapeConfigs.Length > 0 ? _scrapeConfigs : "  []") + "\n");
        var start = new ProcessStartInfo("/usr/bin/prometheus") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        start.ArgumentList.Add($"--config.file={config}");
        start.ArgumentList.Add($"--storage.tsdb.path={Path.Combine(Directory, "tsdb")}");
        start.ArgumentList.Add($"--web.listen-address=127.0.0.1:{Port}");
        start.ArgumentList.Add("--web.enable-remote-write-receiver");
        if (_auth)
        {
            var web = Path.Combine(Directory, "web.yml");
            await File.WriteAllTextAsync(web, $"basic_auth_users:\n  {User}: '{PasswordHash}'\n");
            start.ArgumentList.Add($"--web.config.file={web}");
        }

        _process = Process.Start(start)!;
        _process.ErrorDataReceived += (_, e) =>
        {
            lock (_stderr)
            {
                _stderr.AppendLine(e.Data);
            }
        };
        _process.OutputDataReceived += (_, _) => { };
        _process.BeginErrorReadLine();
        _process.BeginOutputReadLine();
        var ready = await RunningRiver.PollAsync(
            async () =>
            {
                if (_process.HasExited)
                {
                    throw new InvalidOperationException($"prometheus exited with {_process.ExitCode}\n{Log}");
                }

                try
                {
                    using var r = await Http.GetAsync(new Uri(BaseUrl + "/-/ready"));
                    return r.IsSuccessStatusCode;
                }
                catch (HttpRequestException)
                {
                    return false;
                }
            },
            TimeSpan.FromSeconds(90),
            intervalMs: 200);
        if (ready is null)
        {
            throw new TimeoutException("Prometheus was not ready within 90 s\n" + Log);
        }
    }

    /// <summary>Stops the process with SIGTERM (its TSDB is kept) and waits for the exit, so the port is free again.</summary>
    public async Task StopAsync()
    {
        if (_process is null)
        {
            return;
        }

        if (!_process.HasExited)
        {
            using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)]))
            {
                await kill.WaitForExitAsync();
            }

            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            try
            {
                await _process.WaitForExitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill();
                await _process.WaitForExitAsync();
            }
        }

        _process.Dispose();
        _process = null;
    }

    /// <summary>An instant PromQL query (at <paramref name="at"/> when given): each series' labels and value as text.</summary>
    public async Task<List<(Dictionary<string, string> Metric, string Value)>> QueryAsync(string promql, DateTimeOffset? at = null)
    {
        var url = $"{BaseUrl}/api/v1/query?query={Uri.EscapeDataString(promql)}";
        if (at is { } t)
        {
            url += "&time=" + (t.ToUnixTimeMilliseconds() / 1000.0).ToString("0.000", CultureInfo.InvariantCulture);
        }

        var json = await Http.GetStringAsync(new Uri(url));
        using var doc = JsonDocument.Parse(json);
        var result = new List<(Dictionary<string, string>, string)>();
        foreach (var r in doc.RootElement.GetProperty("data").GetProperty("result").EnumerateArray())
        {
            var metric = r.GetProperty("metric").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!, StringComparer.Ordinal);
            result.Add((metric, r.GetProperty("value")[1].GetString()!));
        }

        return result;
    }

    /// <summary>The single value of a query that yields one series, or null when it yields none.</summary>
    public async Task<double?> ScalarAsync(string promql, DateTimeOffset? at = null)
    {
        var r = await QueryAsync(promql, at);
        return r.Count switch
        {
            0 => null,
            1 => double.Parse(r[0].Value, CultureInfo.InvariantCulture),
            _ => throw new InvalidOperationException($"{promql} returned {r.Count} series"),
        };
    }

    /// <summary>Sum of the samples of one family on Prometheus's own /metrics (e.g. its out-of-order counter).</summary>
    public async Task<double> OwnMetricAsync(string name)
    {
        var body = await Http.GetStringAsync(new Uri(BaseUrl + "/metrics"));
        return body.Split('\n')
            .Where(l => l.StartsWith(name + " ", StringComparison.Ordinal) || l.StartsWith(name + "{", StringComparison.Ordinal))
            .Sum(l => double.Parse(l[(l.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture));
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        Http.Dispose();
    }
}

/// <summary>Debian's prometheus-node-exporter 1.5 on a free loopback port (never its default :9100 on all interfaces).</summary>
internal sealed class NodeExporterPeer : IDisposable
{
    private readonly Process _process;

    private NodeExporterPeer(Process process, int port)
    {
        _process = process;
        Port = port;
    }

    /// <summary>The listen port.</summary>
    public int Port { get; }

    /// <summary>host:port, as a scrape target's <c>__address__</c>.</summary>
    public string Address => $"127.0.0.1:{Port}";

    /// <summary>True when the package is installed.</summary>
    public static bool Installed => File.Exists("/usr/bin/prometheus-node-exporter");

    /// <summary>Starts the exporter and waits until /metrics answers.</summary>
    public static async Task<NodeExporterPeer> StartAsync()
    {
        var port = RiverProcess.FreePort();
        var start = new ProcessStartInfo("/usr/bin/prometheus-node-exporter") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        start.ArgumentList.Add($"--web.listen-address=127.0.0.1:{port}");
        var process = Process.Start(start)!;
        process.ErrorDataReceived += (_, _) => { };
        process.OutputDataReceived += (_, _) => { };
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        var peer = new NodeExporterPeer(process, port);
        using var http = new HttpClient();
        var up = await RunningRiver.PollAsync(
            async () =>
            {
                try
                {
                    return (await http.GetAsync(new Uri($"http://127.0.0.1:{port}/metrics"))).IsSuccessStatusCode;
                }
                catch (HttpRequestException) when (!process.HasExited)
                {
                    return false;
                }
            },
            TimeSpan.FromSeconds(60),
            intervalMs: 200);
        if (up is null)
        {
            peer.Dispose();
            throw new TimeoutException("node exporter did not answer within 60 s");
        }

        return peer;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            _process.WaitForExit(10_000);
        }

        _process.Dispose();
    }
}

/// <summary>
/// A scrape target whose one gauge, <c>river_it_scrape_seq</c>, is 1, 2, 3, … on successive GETs. Because every
/// request takes the next number, the values that reach Prometheus must be contiguous: a hole is a lost sample.
/// </summary>
internal sealed class CountingTarget : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Task _loop;
    private long _served;

    /// <summary>Starts listening on a free loopback port.</summary>
    public CountingTarget()
    {
        Port = RiverProcess.FreePort();
        _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        _listener.Start();
        _loop = Task.Run(LoopAsync);
    }

    /// <summary>The listen port.</summary>
    public int Port { get; }

    /// <summary>host:port, as a scrape target's <c>__address__</c>.</summary>
    public string Address => $"127.0.0.1:{Port}";

    /// <summary>How many scrapes were answered.</summary>
    public long Served => Interlocked.Read(ref _served);

    private async Task LoopAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext ctx;
            try
            {
                ctx = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            var n = Interlocked.Increment(ref _served);
            var body = Encoding.UTF8.GetBytes($"# HELP river_it_scrape_seq Number of this scrape.\n# TYPE river_it_scrape_seq gauge\nriver_it_scrape_seq {n}\n");
            ctx.Response.StatusCode = 200;
            ctx.Response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
            try
            {
                await ctx.Response.OutputStream.WriteAsync(body);
                ctx.Response.Close();
            }
            catch (HttpListenerException)
            {
                // The scraper gave up (timeout); the number is spent, which the tests account for through `up`.
            }
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _listener.Stop();
        _listener.Close();
        try
        {
            _loop.Wait(TimeSpan.FromSeconds(2));
        }
        catch (AggregateException)
        {
        }
    }
}

/// <summary><c>promtool check metrics</c> (Debian prometheus) on an exposition text.</summary>
internal static class Promtool
{
    /// <summary>Exit code and combined output of <c>promtool check metrics</c> reading <paramref name="exposition"/> on stdin.</summary>
    public static async Task<(int ExitCode, string Output)> CheckMetricsAsync(string exposition)
    {
        var start = new ProcessStartInfo("/usr/bin/promtool") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add("check");
        start.ArgumentList.Add("metrics");
        using var p = Process.Start(start)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        await p.StandardInput.WriteAsync(exposition);
        p.StandardInput.Close();
        await p.WaitForExitAsync();
        return (p.ExitCode, await stdout + await stderr);
    }
}

/// <summary>A helper process of a test (a service to instrument), killed by its PID on dispose.</summary>
internal sealed class ChildProcess(Process process) : IDisposable
{
    /// <summary>The process id.</summary>
    public int Pid => process.Id;

    /// <inheritdoc/>
    public void Dispose()
    {
        if (!process.HasExited)
        {
            process.Kill();
            process.WaitForExit(10_000);
        }

        process.Dispose();
    }
}
