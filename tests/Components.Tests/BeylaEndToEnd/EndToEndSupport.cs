using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using River.Components;
using River.Runtime;
using River.TestSupport;

namespace River.Tests.BeylaEndToEnd;

/// <summary>The end-to-end tests load BPF programs and count fds of this process: they run alone.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class BeylaEndToEndCollection
{
    public const string Name = "BeylaEndToEnd";
}

/// <summary>Why the end-to-end tests cannot run here, or null.</summary>
internal static class EndToEndPrerequisites
{
    public static string? Missing()
    {
        if (Environment.UserName != "root" && !File.ReadAllText("/proc/self/status").Contains("CapEff:\t000001ff", StringComparison.Ordinal))
        {
            return "not running as root";
        }

        if (!Components.Beyla.Ebpf.Native.HttpCaptureProgram.IsEmbedded)
        {
            return "the BPF object is not embedded (build machine lacked clang-14, bpftool, libbpf-dev or BTF)";
        }

        if (!River.Ebpf.EbpfSupport.Status.IsSupported)
        {
            return "eBPF unsupported: " + River.Ebpf.EbpfSupport.Status.Reason;
        }

        foreach (var tool in new[] { "/usr/sbin/nginx", "/usr/bin/curl", "/usr/bin/python3" })
        {
            if (!File.Exists(tool))
            {
                return tool + " is not installed";
            }
        }

        return null;
    }
}

/// <summary>A real HTTP server on a free loopback port, killed by its PID on dispose.</summary>
internal sealed class TestServer : IDisposable
{
    private readonly Process _process;

    private TestServer(Process process, int port, string root)
    {
        _process = process;
        Port = port;
        Root = root;
    }

    public int Port { get; }

    public string Root { get; }

    public int Pid => _process.Id;

    public string Url(string path) => $"http://127.0.0.1:{Port}{path}";

    /// <summary><c>python3 -m http.server</c> (HTTP/1.1 so keep-alive works) over a folder with hello.txt.</summary>
    public static TestServer Python()
    {
        var root = Directory.CreateTempSubdirectory("river-e2e-py-").FullName;
        File.WriteAllText(Path.Combine(root, "hello.txt"), "hello from python\n");
        var port = FreePorts.Next();
        return new TestServer(ServerLaunch.Python(root, port), port, root);
    }

    /// <summary>
    /// nginx in the foreground (master + one worker) with a temp prefix: <c>/ok</c> and <c>/users/*</c> answer 200,
    /// <c>/missing</c> 404, <c>/fail</c> 500, <c>/probe</c> 204, <c>/files/*</c> serves the folder <c>Root/files</c>,
    /// and with <paramref name="proxyPort"/> <c>/proxy/*</c> is proxied to <c>127.0.0.1:proxyPort/*</c>.
    /// </summary>
    public static TestServer Nginx(int? proxyPort = null)
    {
        var root = Directory.CreateTempSubdirectory("river-e2e-nginx-").FullName;
        Directory.CreateDirectory(Path.Combine(root, "files"));
        var proxy = proxyPort is { } p ? $"location /proxy/ {{ proxy_pass http://127.0.0.1:{p}/; proxy_http_version 1.1; proxy_set_header Connection \"\"; }}" : "";
        var port = FreePorts.Next();
        var (process, _) = ServerLaunch.Nginx(root, port, workers: 1, $$"""
                    location = /ok { return 200 "ok\n"; }
                    location /users/ { return 200 "user\n"; }
                    location = /missing { return 404; }
                    location = /fail { return 500; }
                    location = /probe { return 204; }
                    location /files/ { alias {{root}}/files/; }
                    {{proxy}}
                    location / { return 404; }
            """);
        return new TestServer(process, port, root);
    }

    /// <summary>
    /// The Kestrel test app (tests/KestrelApp, copied next to this assembly): <c>/ok</c> and <c>/users/{id}</c>
    /// answer 200, <c>/fail</c> 500, <c>/probe</c> 204, anything else Kestrel's own 404.
    /// </summary>
    public static TestServer Kestrel()
    {
        var root = Directory.CreateTempSubdirectory("river-e2e-kestrel-").FullName;
        var port = FreePorts.Next();
        var start = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { Path.Combine(AppContext.BaseDirectory, "KestrelApp.dll"), port.ToString(CultureInfo.InvariantCulture) },
            WorkingDirectory = root,
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        var process = Process.Start(start)!;
        var errors = new StringBuilder();
        process.ErrorDataReceived += (_, e) =>
        {
            lock (errors)
            {
                errors.AppendLine(e.Data);
            }
        };
        process.OutputDataReceived += (_, _) => { };
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        FreePorts.WaitListening(port, process, () =>
        {
            lock (errors)
            {
                return "KestrelApp: " + errors;
            }
        });
        return new TestServer(process, port, root);
    }

    /// <summary>The direct children of <paramref name="pid"/> (nginx: its workers).</summary>
    public static IReadOnlyList<int> Children(int pid) => ServerLaunch.Children(pid);

    public void Dispose() => ServerLaunch.Stop(_process, Root);
}

/// <summary>curl and raw sockets as HTTP clients.</summary>
internal static class HttpClients
{
    /// <summary>curl over the URLs in one process (one keep-alive connection when they share a host); returns the statuses.</summary>
    public static IReadOnlyList<int> Curl(params string[] urls) => CurlWith([], urls);

    /// <summary>curl with extra options before the URLs.</summary>
    public static IReadOnlyList<int> CurlWith(string[] options, params string[] urls)
    {
        var start = new ProcessStartInfo("/usr/bin/curl") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "-s", "--http1.1", "--max-time", "10", "-w", "%{http_code}\\n" })
        {
            start.ArgumentList.Add(a);
        }

        foreach (var o in options)
        {
            start.ArgumentList.Add(o);
        }

        foreach (var url in urls)
        {
            // -o belongs to one URL: give every URL its own.
            start.ArgumentList.Add("-o");
            start.ArgumentList.Add("/dev/null");
            start.ArgumentList.Add(url);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd();
        if (!process.WaitForExit(20000))
        {
            process.Kill();
            throw new TimeoutException("curl did not finish");
        }

        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToList();
    }

    public static string Get(string path, int port, string extraHeaders = "") =>
        $"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUser-Agent: river-e2e\r\n{extraHeaders}\r\n";

    public static Socket Connect(int port)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true, ReceiveTimeout = 10000 };
        socket.Connect(IPAddress.Loopback, port);
        return socket;
    }

    /// <summary>Reads until <paramref name="responses"/> complete responses (Content-Length framed) arrived; returns their statuses.</summary>
    public static List<int> ReadResponses(Socket socket, int responses)
    {
        var statuses = new List<int>();
        var buffer = new List<byte>();
        var chunk = new byte[16384];
        while (statuses.Count < responses)
        {
            var text = Encoding.ASCII.GetString(buffer.ToArray());
            var headerEnd = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
            if (headerEnd >= 0)
            {
                var headers = text[..headerEnd];
                var end = ResponseEnd(text, headerEnd);
                if (end > 0)
                {
                    statuses.Add(int.Parse(headers.AsSpan(9, 3), CultureInfo.InvariantCulture));
                    buffer.RemoveRange(0, end);
                    continue;
                }
            }

            var n = socket.Receive(chunk);
            if (n == 0)
            {
                throw new IOException($"connection closed after {statuses.Count} of {responses} responses");
            }

            buffer.AddRange(chunk.AsSpan(0, n).ToArray());
        }

        return statuses;
    }

    /// <summary>
    /// Where the response whose header block ends at <paramref name="headerEnd"/> ends in <paramref name="text"/>
    /// (Content-Length or chunked framing, no trailers), or 0 when it has not fully arrived yet.
    /// </summary>
    private static int ResponseEnd(string text, int headerEnd)
    {
        var lines = text[..headerEnd].Split("\r\n");
        var body = headerEnd + 4;
        if (lines.Any(l => l.Equals("Transfer-Encoding: chunked", StringComparison.OrdinalIgnoreCase)))
        {
            var at = body;
            while (true)
            {
                var lineEnd = text.IndexOf("\r\n", at, StringComparison.Ordinal);
                if (lineEnd < 0)
                {
                    return 0;
                }

                var size = int.Parse(text.AsSpan(at, lineEnd - at), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
                at = lineEnd + 2 + size + 2;
                if (at > text.Length)
                {
                    return 0;
                }

                if (size == 0)
                {
                    return at;
                }
            }
        }

        var lengthLine = lines.FirstOrDefault(l => l.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase));
        var length = lengthLine is null ? 0 : int.Parse(lengthLine["Content-Length:".Length..].Trim(), CultureInfo.InvariantCulture);
        return text.Length >= body + length ? body + length : 0;
    }

    /// <summary>Closes with a TCP reset (SO_LINGER 0) instead of a FIN.</summary>
    public static void Reset(Socket socket)
    {
        socket.LingerState = new LingerOption(true, 0);
        socket.Close();
    }
}

/// <summary>An in-process RiverHost over a temp config file, with the full component catalog.</summary>
internal sealed class RiverUnderTest : IAsyncDisposable
{
    private readonly string _directory;
    private readonly StringWriter _log = new();

    private RiverUnderTest(string directory, RiverHost host)
    {
        _directory = directory;
        Host = host;
    }

    public RiverHost Host { get; }

    public HttpClient Http { get; } = new() { Timeout = TimeSpan.FromSeconds(10) };

    public string ConfigPath => Path.Combine(_directory, "main.alloy");

    public Uri BaseAddress => Host.Server.Address ?? throw new InvalidOperationException("server not started");

    public static async Task<RiverUnderTest> StartAsync(string config)
    {
        var directory = Directory.CreateTempSubdirectory("river-e2e-host-").FullName;
        await File.WriteAllTextAsync(Path.Combine(directory, "main.alloy"), config);
        var host = new RiverHost(new RunOptions
        {
            ConfigPath = Path.Combine(directory, "main.alloy"),
            Catalog = ComponentCatalog.All,
            ListenAddress = $"127.0.0.1:{FreePorts.Next()}",
            StoragePath = Path.Combine(directory, "data"),
            HandleSignals = false,
            WatchConfig = false,
            Stability = StabilityLevel.Experimental,
        });
        var river = new RiverUnderTest(directory, host);
        var result = await host.StartAsync();
        if (!result.Success)
        {
            await river.DisposeAsync();
            throw new InvalidOperationException("config rejected: " + string.Join("; ", result.Errors.Select(e => e.Message)));
        }

        return river;
    }

    public async Task ReloadAsync(string config)
    {
        await File.WriteAllTextAsync(ConfigPath, config);
        var result = await Host.ReloadAsync();
        Assert.True(result.Success, string.Join("; ", result.Errors.Select(e => e.Message)));
    }

    public ComponentHealth Health(string id) =>
        Host.Controller.TryGetComponent(id, out var node) ? node.Health : throw new InvalidOperationException(id + " is not loaded");

    public async Task<string> ScrapeAsync(string id)
    {
        using var response = await Http.GetAsync(new Uri(BaseAddress, $"/api/v0/component/{id}/metrics"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsStringAsync();
    }

    /// <summary>
    /// Waits until the component has the program attached and <paramref name="server"/> is traced: sends HEAD
    /// probes (their own method label, so they never mix with the GETs a test counts) until one is counted.
    /// </summary>
    public async Task WaitTracedAsync(string id, TestServer server, string probePath = "/probe")
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(40))
        {
            HttpClients.CurlWith(["-I"], server.Url(probePath));
            await Task.Delay(300);
            var text = await ScrapeAsync(id);
            if (Exposition.Sum(text, "http_server_request_duration_seconds_count", ("http_request_method", "HEAD"), ("server_port", server.Port.ToString(CultureInfo.InvariantCulture))) > 0)
            {
                return;
            }

            await Task.Delay(500);
        }

        throw new TimeoutException($"port {server.Port} was not traced within 40s; health: {Health(id)}");
    }

    /// <summary>Scrapes until <paramref name="done"/> holds (then once more a second later, so late extras would show).</summary>
    public async Task<string> ScrapeUntilAsync(string id, Func<string, bool> done, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        var text = await ScrapeAsync(id);
        while (!done(text) && clock.Elapsed < timeout)
        {
            await Task.Delay(200);
            text = await ScrapeAsync(id);
        }

        await Task.Delay(1200);
        return await ScrapeAsync(id);
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await Host.DisposeAsync();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>Reads samples out of Prometheus text exposition.</summary>
internal static partial class Exposition
{
    [GeneratedRegex("^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\\{(?<labels>.*)\\})? (?<value>\\S+)$")]
    private static partial Regex SampleLine();

    [GeneratedRegex("(?<k>[a-zA-Z_][a-zA-Z0-9_]*)=\"(?<v>(?:[^\"\\\\]|\\\\.)*)\"")]
    private static partial Regex LabelPair();

    public static IEnumerable<(string Name, Dictionary<string, string> Labels, double Value)> Samples(string text)
    {
        foreach (var line in text.Split('\n'))
        {
            if (line.StartsWith('#') || SampleLine().Match(line.TrimEnd('\r')) is not { Success: true } m)
            {
                continue;
            }

            var labels = LabelPair().Matches(m.Groups["labels"].Value).ToDictionary(p => p.Groups["k"].Value, p => p.Groups["v"].Value);
            yield return (m.Groups["name"].Value, labels, double.Parse(m.Groups["value"].Value, CultureInfo.InvariantCulture));
        }
    }

    /// <summary>Sum of the samples named <paramref name="name"/> whose labels include every given pair.</summary>
    public static double Sum(string text, string name, params (string Key, string Value)[] match) =>
        Samples(text).Where(s => s.Name == name && match.All(p => s.Labels.TryGetValue(p.Key, out var v) && v == p.Value)).Sum(s => s.Value);

    /// <summary>GET request counts by (status, route) for one server port.</summary>
    public static Dictionary<string, double> GetCounts(string text, int port) =>
        Samples(text)
            .Where(s => s.Name == "http_server_request_duration_seconds_count"
                && s.Labels.GetValueOrDefault("http_request_method") == "GET"
                && s.Labels.GetValueOrDefault("server_port") == port.ToString(CultureInfo.InvariantCulture))
            .GroupBy(s => $"{s.Labels.GetValueOrDefault("http_response_status_code")} {s.Labels.GetValueOrDefault("http_route", "-")}")
            .ToDictionary(g => g.Key, g => g.Sum(s => s.Value));

    public static string Describe(Dictionary<string, double> counts) =>
        string.Join(", ", counts.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={p.Value}"));
}

/// <summary>The BPF objects (programs, links, maps) whose fds this process holds, read from /proc/self/fdinfo.</summary>
internal static class OwnBpfObjects
{
    public static (HashSet<int> Programs, HashSet<int> Links, HashSet<int> Maps) Snapshot()
    {
        var programs = new HashSet<int>();
        var links = new HashSet<int>();
        var maps = new HashSet<int>();
        foreach (var fd in Directory.EnumerateFiles("/proc/self/fdinfo"))
        {
            string text;
            try
            {
                text = File.ReadAllText(fd);
            }
            catch (IOException)
            {
                continue;
            }

            var target = "";
            try
            {
                target = new FileInfo(fd.Replace("fdinfo", "fd", StringComparison.Ordinal)).LinkTarget ?? "";
            }
            catch (IOException)
            {
            }

            int? Id(string key)
            {
                var line = text.Split('\n').FirstOrDefault(l => l.StartsWith(key, StringComparison.Ordinal));
                return line is null ? null : int.Parse(line[key.Length..].Trim(), CultureInfo.InvariantCulture);
            }

            if (target.Contains("bpf_link", StringComparison.Ordinal) && Id("link_id:") is { } link)
            {
                links.Add(link);
            }
            else if (target.Contains("bpf-prog", StringComparison.Ordinal) && Id("prog_id:") is { } prog)
            {
                programs.Add(prog);
            }
            else if (target.Contains("bpf-map", StringComparison.Ordinal) && Id("map_id:") is { } map)
            {
                maps.Add(map);
            }
        }

        return (programs, links, maps);
    }

    /// <summary>Runs bpftool and returns the ids it lists (<c>prog</c>, <c>link</c> or <c>map</c>).</summary>
    public static HashSet<int> BpftoolIds(string kind)
    {
        var start = new ProcessStartInfo("bpftool") { ArgumentList = { kind, "list" }, RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit(20000);
        var ids = new HashSet<int>();
        foreach (var line in output.Split('\n'))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0 && int.TryParse(line.AsSpan(0, colon), NumberStyles.None, CultureInfo.InvariantCulture, out var id))
            {
                ids.Add(id);
            }
        }

        return ids;
    }
}
