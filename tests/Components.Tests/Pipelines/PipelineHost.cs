using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using River.Components;
using River.Runtime;

namespace River.Tests.Pipelines;

/// <summary>
/// A real <see cref="RiverHost"/> running an Alloy config from a temp directory, as <c>river run</c> would: HTTP server
/// on a free loopback port, private storage path, the whole component catalog, no signal handlers. Logs are kept so a
/// failing test can print them.
/// </summary>
internal sealed class PipelineHost : IAsyncDisposable
{
    private readonly StringWriter _log = new();
    private readonly RiverHost _host;

    private PipelineHost(string directory, bool watch)
    {
        Directory = directory;
        _host = new RiverHost(new RunOptions
        {
            ConfigPath = ConfigPath,
            Catalog = ComponentCatalog.All,
            ListenAddress = $"127.0.0.1:{FreePort()}",
            StoragePath = System.IO.Path.Combine(directory, "data"),
            HandleSignals = false,
            WatchConfig = watch,
            WatchDebounce = TimeSpan.FromMilliseconds(100),
            RestartBackoff = TimeSpan.FromMilliseconds(200),
            ShutdownDeadline = TimeSpan.FromSeconds(10),
            ErrorOutput = TextWriter.Synchronized(_log),
        });
    }

    public string Directory { get; }

    public string ConfigPath => System.IO.Path.Combine(Directory, "config.alloy");

    public RiverHost Host => _host;

    /// <summary>The base URL of River's HTTP server (its /metrics, /api/v0/...).</summary>
    public Uri BaseUrl => _host.Server.Address ?? throw new InvalidOperationException("the server is not started");

    public string Log
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    /// <summary>Writes <paramref name="config"/> and starts the host; the first load must succeed.</summary>
    public static async Task<PipelineHost> StartAsync(string config, bool watch = false)
    {
        var directory = System.IO.Directory.CreateTempSubdirectory("river-pipeline-").FullName;
        await File.WriteAllTextAsync(System.IO.Path.Combine(directory, "config.alloy"), config);
        var host = new PipelineHost(directory, watch);
        var result = await host._host.StartAsync();
        if (!result.Success)
        {
            var errors = string.Join("\n", result.Diagnostics.Select(d => d.ToString()));
            await host.DisposeAsync();
            throw new InvalidOperationException("the config did not load:\n" + errors + "\n" + host.Log);
        }

        await host.WaitHealthyAsync(TimeSpan.FromSeconds(20));
        return host;
    }

    /// <summary>Replaces the config file and reloads it (as SIGHUP or POST /-/reload would).</summary>
    public async Task<ApplyResult> ReplaceConfigAsync(string config)
    {
        await File.WriteAllTextAsync(ConfigPath, config);
        return await _host.ReloadAsync();
    }

    /// <summary>Waits until every component runs and reports healthy.</summary>
    public async Task WaitHealthyAsync(TimeSpan timeout)
    {
        var stopwatch = Stopwatch.StartNew();
        while (true)
        {
            var unhealthy = _host.Controller.Components.Where(c => !c.IsLive || c.Health.State != HealthState.Healthy).ToList();
            if (unhealthy.Count == 0)
            {
                return;
            }

            if (stopwatch.Elapsed > timeout)
            {
                throw new TimeoutException("components not healthy: " + string.Join(", ", unhealthy.Select(c => $"{c.Id} ({c.Health.State}: {c.Health.Message})")) + "\n" + Log);
            }

            await Task.Delay(50);
        }
    }

    /// <summary>River's own /metrics page.</summary>
    public async Task<string> MetricsAsync()
    {
        using var http = new HttpClient();
        return await http.GetStringAsync(new Uri(BaseUrl, "/metrics"));
    }

    /// <summary>The value of one series on /metrics (labels given as they appear, e.g. <c>component_id="x"</c>), or null.</summary>
    public async Task<double?> MetricAsync(string name, string labelFragment)
    {
        var text = await MetricsAsync();
        foreach (var line in text.Split('\n'))
        {
            if (line.StartsWith(name + "{", StringComparison.Ordinal) && line.Contains(labelFragment, StringComparison.Ordinal))
            {
                return double.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture);
            }
        }

        return null;
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public static async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan timeout, Func<string> what)
    {
        var stopwatch = Stopwatch.StartNew();
        while (!await condition())
        {
            if (stopwatch.Elapsed > timeout)
            {
                throw new TimeoutException($"timed out after {timeout}: {what()}");
            }

            await Task.Delay(100);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _host.DisposeAsync();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>Quotes a path or text as a River string literal.</summary>
    public static string Quote(string text)
    {
        var sb = new StringBuilder("\"");
        foreach (var c in text)
        {
            sb.Append(c switch { '"' => "\\\"", '\\' => "\\\\", '\n' => "\\n", _ => c.ToString() });
        }

        return sb.Append('"').ToString();
    }
}
