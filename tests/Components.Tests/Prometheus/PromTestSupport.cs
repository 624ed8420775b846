using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using River.Runtime;

namespace River.Tests.Prom;

/// <summary>A logger that keeps every message, so tests can assert on what was logged.</summary>
internal sealed class MessageLog : ILogger
{
    public ConcurrentQueue<(LogLevel Level, string Message)> Entries { get; } = new();

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        Entries.Enqueue((logLevel, formatter(state, exception)));
}

/// <summary>Components under test serve no routes.</summary>
internal sealed class NoComponentRoutes : IRouteRegistrar
{
    public void MapGet(string relativePath, Func<Microsoft.AspNetCore.Http.HttpContext, Task> handler)
    {
    }

    public void MapPost(string relativePath, Func<Microsoft.AspNetCore.Http.HttpContext, Task> handler)
    {
    }
}

internal static class PromTest
{
    public static ComponentOptions Options(string id, string dataPath, MessageLog? log = null, Action<object>? onState = null) => new()
    {
        Id = id,
        Logger = log ?? new MessageLog(),
        DataPath = dataPath,
        OnStateChange = onState ?? (_ => { }),
        Routes = new NoComponentRoutes(),
        HttpHandler = new SocketsHttpHandler(),
        Registry = global::Prometheus.Metrics.NewCustomRegistry(),
    };

    public static string TempDir(string name)
    {
        var d = Path.Combine(Path.GetTempPath(), "river-prom-tests", name + "-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(d);
        return d;
    }

    public static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    /// <summary>tests/Components.Tests/Prometheus in the source tree (golden files are read from there).</summary>
    public static string SourceDir() => ThisDir();

    private static string ThisDir([CallerFilePath] string path = "") => Path.GetDirectoryName(path)!;

    public static async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed < timeout)
        {
            if (await condition())
            {
                return;
            }

            await Task.Delay(200);
        }

        throw new TimeoutException($"timed out after {timeout} waiting for {what}");
    }
}

/// <summary>
/// A real Prometheus 2.42 (Debian package <c>prometheus</c>) on a free loopback port with the remote-write receiver
/// enabled, scraping itself every second. Stopped by PID.
/// </summary>
internal sealed class PrometheusProcess : IAsyncDisposable
{
    private Process? _process;

    private readonly string _extraScrapeConfigs;

    private PrometheusProcess(string dataDir, int port, string extraScrapeConfigs)
    {
        DataDir = dataDir;
        Port = port;
        _extraScrapeConfigs = extraScrapeConfigs;
    }

    public string DataDir { get; }

    public int Port { get; }

    public string BaseUrl => $"http://127.0.0.1:{Port}";

    public string WriteUrl => BaseUrl + "/api/v1/write";

    /// <summary>
    /// Starts Prometheus; <paramref name="extraScrapeConfigs"/> are more items of its <c>scrape_configs</c> list (YAML,
    /// each starting with <c>  - job_name:</c>), next to the self-scrape.
    /// </summary>
    public static async Task<PrometheusProcess> StartAsync(string? dataDir = null, int? port = null, string extraScrapeConfigs = "")
    {
        var p = new PrometheusProcess(dataDir ?? PromTest.TempDir("prometheus"), port ?? PromTest.FreePort(), extraScrapeConfigs);
        await p.StartAsync();
        return p;
    }

    public async Task StartAsync()
    {
        if (!File.Exists("/usr/bin/prometheus"))
        {
            throw new InvalidOperationException("Prometheus is not installed: apt-get install -y --no-install-recommends prometheus");
        }

        var config = Path.Combine(DataDir, "prometheus.yml");
        await File.WriteAllTextAsync(config, $"""
            global: {"{"} scrape_interval: 1s, scrape_timeout: 1s {"}"}
            scrape_configs:
              - job_name: prometheus
                static_configs: [ {"{"} targets: ['127.0.0.1:{Port}'] {"}"} ]
            """ + "\n" + _extraScrapeConfigs);
        var psi = new ProcessStartInfo("/usr/bin/prometheus")
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { $"--config.file={config}", $"--storage.tsdb.path={Path.Combine(DataDir, "tsdb")}", $"--web.listen-address=127.0.0.1:{Port}", "--web.enable-remote-write-receiver" })
        {
            psi.ArgumentList.Add(a);
        }

        _process = Process.Start(psi)!;
        _process.ErrorDataReceived += (_, _) => { };
        _process.OutputDataReceived += (_, _) => { };
        _process.BeginErrorReadLine();
        _process.BeginOutputReadLine();
        using var http = new HttpClient();
        await PromTest.WaitUntilAsync(async () =>
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"prometheus exited with code {_process.ExitCode}");
            }

            try
            {
                return (await http.GetAsync(BaseUrl + "/-/ready")).IsSuccessStatusCode;
            }
            catch (HttpRequestException)
            {
                return false;
            }
        }, TimeSpan.FromSeconds(30), "Prometheus to be ready");
    }

    /// <summary>Kills the process (SIGKILL, by PID) and waits for it to exit so the port is free again.</summary>
    public async Task StopAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }

        _process?.Dispose();
        _process = null;
    }

    /// <summary>Runs an instant PromQL query and returns the result vector as (labels, value) pairs.</summary>
    public async Task<List<(Dictionary<string, string> Metric, double Value)>> QueryAsync(string promql)
    {
        using var http = new HttpClient();
        var json = await http.GetStringAsync($"{BaseUrl}/api/v1/query?query={Uri.EscapeDataString(promql)}");
        using var doc = JsonDocument.Parse(json);
        var result = new List<(Dictionary<string, string>, double)>();
        foreach (var r in doc.RootElement.GetProperty("data").GetProperty("result").EnumerateArray())
        {
            var m = r.GetProperty("metric").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!);
            var v = double.Parse(r.GetProperty("value")[1].GetString()!, System.Globalization.CultureInfo.InvariantCulture);
            result.Add((m, v));
        }

        return result;
    }

    /// <summary>An instant query whose values are kept as the API prints them ("NaN", "+Inf", "1e+20").</summary>
    public async Task<List<(Dictionary<string, string> Metric, string Value)>> QueryRawAsync(string promql)
    {
        using var http = new HttpClient();
        var json = await http.GetStringAsync($"{BaseUrl}/api/v1/query?query={Uri.EscapeDataString(promql)}");
        using var doc = JsonDocument.Parse(json);
        var result = new List<(Dictionary<string, string>, string)>();
        foreach (var r in doc.RootElement.GetProperty("data").GetProperty("result").EnumerateArray())
        {
            var m = r.GetProperty("metric").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!, StringComparer.Ordinal);
            result.Add((m, r.GetProperty("value")[1].GetString()!));
        }

        return result;
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        try
        {
            Directory.Delete(DataDir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>A tiny HTTP server (HttpListener) whose answer a test chooses per request; records every request.</summary>
internal sealed class TinyHttpServer : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Func<HttpListenerRequest, byte[], (int Status, string ContentType, byte[] Body, Dictionary<string, string>? Headers)> _respond;
    private readonly Task _loop;

    public TinyHttpServer(Func<HttpListenerRequest, byte[], (int Status, string ContentType, byte[] Body, Dictionary<string, string>? Headers)> respond)
    {
        Port = PromTest.FreePort();
        _respond = respond;
        _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        _listener.Start();
        _loop = Task.Run(LoopAsync);
    }

    public int Port { get; }

    public string Url => $"http://127.0.0.1:{Port}";

    public ConcurrentQueue<(string Path, Dictionary<string, string> Headers, byte[] Body)> Requests { get; } = new();

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

            // Requests stay serial (tests count attempts in order), but a failed one (a scraper that timed out and
            // closed the connection while the answer was written) ends only that request: when the exception
            // escaped, the loop died and every later scrape timed out.
            await HandleAsync(ctx);
        }
    }

    private async Task HandleAsync(HttpListenerContext ctx)
    {
        try
        {
            using var ms = new MemoryStream();
            await ctx.Request.InputStream.CopyToAsync(ms);
            var body = ms.ToArray();
            var headers = ctx.Request.Headers.AllKeys.Where(k => k is not null).ToDictionary(k => k!, k => ctx.Request.Headers[k]!, StringComparer.OrdinalIgnoreCase);
            Requests.Enqueue((ctx.Request.Url!.PathAndQuery, headers, body));
            var (status, contentType, respBody, extra) = _respond(ctx.Request, body);
            ctx.Response.StatusCode = status;
            if (contentType.Length > 0)
            {
                ctx.Response.ContentType = contentType;
            }

            foreach (var (k, v) in extra ?? [])
            {
                ctx.Response.Headers[k] = v;
            }

            await ctx.Response.OutputStream.WriteAsync(respBody);
            ctx.Response.Close();
        }
        catch (Exception e) when (e is HttpListenerException or IOException or ObjectDisposedException or InvalidOperationException)
        {
            ctx.Response.Abort();
        }
    }

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
