using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;

namespace River.Integration;

/// <summary>
/// A <c>river run</c> process on a free loopback port with its own storage directory, ready to answer HTTP once
/// <see cref="StartAsync"/> returns.
/// </summary>
internal sealed class RunningRiver : IDisposable
{
    /// <summary>How long a start may take on a loaded 2-core machine.</summary>
    public static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);

    private RunningRiver(RiverProcess process, int port)
    {
        Process = process;
        Port = port;
        Http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(30) };
    }

    /// <summary>The process.</summary>
    public RiverProcess Process { get; }

    /// <summary>The TCP port River listens on.</summary>
    public int Port { get; }

    /// <summary>A client for River's HTTP API.</summary>
    public HttpClient Http { get; }

    /// <summary>Starts <c>river run CONFIG</c> and waits for <c>/-/ready</c> to answer 200.</summary>
    public static Task<RunningRiver> StartAsync(TempDir dir, string configPath, params string[] extra) =>
        StartAsync(dir, configPath, new Dictionary<string, string>(), extra);

    /// <summary>Starts <c>river run CONFIG</c> with extra environment variables and waits for <c>/-/ready</c>.</summary>
    public static async Task<RunningRiver> StartAsync(TempDir dir, string configPath, IReadOnlyDictionary<string, string> environment, params string[] extra)
    {
        var port = RiverProcess.FreePort();
        var process = RiverProcess.Start(dir.Path, environment, [
            "run", configPath,
            "--server.http.listen-addr", $"127.0.0.1:{port}",
            "--storage.path", Path.Combine(dir.Path, "data"),
            .. extra,
        ]);
        var river = new RunningRiver(process, port);
        try
        {
            await river.WaitReadyAsync();
            return river;
        }
        catch
        {
            river.Dispose();
            throw;
        }
    }

    /// <summary>Polls <c>/-/ready</c> until 200; fails when the process exits or the start timeout passes.</summary>
    public async Task WaitReadyAsync()
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < StartTimeout)
        {
            if (Process.HasExited)
            {
                throw new InvalidOperationException($"river exited during start\n--- stderr ---\n{Process.Stderr}");
            }

            try
            {
                using var response = await Http.GetAsync(new Uri("/-/ready", UriKind.Relative));
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            await Task.Delay(50);
        }

        throw new TimeoutException($"river was not ready within {StartTimeout.TotalSeconds:0} s\n--- stderr ---\n{Process.Stderr}");
    }

    /// <summary>GET <paramref name="path"/>: status code and body.</summary>
    public async Task<(HttpStatusCode Status, string Body)> GetAsync(string path)
    {
        using var response = await Http.GetAsync(new Uri(path, UriKind.Relative));
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    /// <summary>POST <c>/-/reload</c>: status code and body.</summary>
    public async Task<(HttpStatusCode Status, string Body)> ReloadAsync()
    {
        using var response = await Http.PostAsync(new Uri("/-/reload", UriKind.Relative), null);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    /// <summary>The raw JSON of <c>/api/v0/web/components/{id}</c> (throws when the id is unknown).</summary>
    public async Task<string> ComponentJsonAsync(string id)
    {
        var (status, body) = await GetAsync("/api/v0/web/components/" + id);
        if (status != HttpStatusCode.OK)
        {
            throw new InvalidOperationException($"GET component {id}: {(int)status} {body}");
        }

        return body;
    }

    /// <summary>
    /// Polls until <paramref name="condition"/> holds, at most <paramref name="limit"/>; returns the time it took, or
    /// null when it never held.
    /// </summary>
    public static async Task<TimeSpan?> PollAsync(Func<Task<bool>> condition, TimeSpan limit, int intervalMs = 20)
    {
        var clock = Stopwatch.StartNew();
        do
        {
            if (await condition())
            {
                return clock.Elapsed;
            }

            await Task.Delay(intervalMs);
        }
        while (clock.Elapsed < limit);

        return await condition() ? clock.Elapsed : null;
    }

    /// <summary>The value of the sample <paramref name="series"/> (name and labels exactly as exposed) in <c>/metrics</c>, or null.</summary>
    public async Task<double?> MetricAsync(string series)
    {
        var (_, body) = await GetAsync("/metrics");
        foreach (var line in body.Split('\n'))
        {
            if (line.StartsWith(series + " ", StringComparison.Ordinal))
            {
                return double.Parse(line[(series.Length + 1)..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
            }
        }

        return null;
    }

    /// <summary>The string attribute <paramref name="attribute"/> of every <paramref name="block"/> block in a component's debug info.</summary>
    public static IReadOnlyList<string> DebugInfoAttribute(string componentJson, string block, string attribute)
    {
        using var doc = JsonDocument.Parse(componentJson);
        var values = new List<string>();
        if (!doc.RootElement.TryGetProperty("debugInfo", out var debugInfo) || debugInfo.ValueKind != JsonValueKind.Array)
        {
            return values;
        }

        foreach (var statement in debugInfo.EnumerateArray())
        {
            if (statement.GetProperty("type").GetString() != "block" || statement.GetProperty("name").GetString() != block)
            {
                continue;
            }

            foreach (var inner in statement.GetProperty("body").EnumerateArray())
            {
                if (inner.GetProperty("name").GetString() == attribute && inner.GetProperty("value").TryGetProperty("value", out var value))
                {
                    values.Add(value.ToString());
                }
            }
        }

        return values;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        Http.Dispose();
        Process.Dispose();
    }
}
