using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using Google.Protobuf;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using River.Components.Telemetry.Otlp.Collector.Trace;
using River.Components.Telemetry.Otlp.Common;
using River.Components.Telemetry.Otlp.Resource;
using River.Components.Telemetry.Otlp.Trace;
using River.Components.Telemetry.Traces;
using River.Runtime;

namespace River.Tests.Otelcol;

/// <summary>A logger that keeps every message, so tests can check what a component reported.</summary>
internal sealed class RecordingLogger : ILogger
{
    public ConcurrentQueue<(LogLevel Level, string Message)> Entries { get; } = new();

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        Entries.Enqueue((logLevel, formatter(state, exception)));

    public bool Contains(LogLevel level, string fragment) =>
        Entries.Any(e => e.Level == level && e.Message.Contains(fragment, StringComparison.Ordinal));
}

internal sealed class NoRoutes : IRouteRegistrar
{
    public void MapGet(string relativePath, Func<HttpContext, Task> handler)
    {
    }

    public void MapPost(string relativePath, Func<HttpContext, Task> handler)
    {
    }
}

/// <summary>Component options for a test, with a private data directory and captured exports.</summary>
internal sealed class TestHost : IDisposable
{
    public TestHost(string id)
    {
        DataPath = Directory.CreateTempSubdirectory("river-otelcol-").FullName;
        Options = new ComponentOptions
        {
            Id = id,
            Logger = Logger,
            DataPath = DataPath,
            OnStateChange = e => Exports = e,
            Routes = new NoRoutes(),
            HttpHandler = new SocketsHttpHandler(),
        };
    }

    public RecordingLogger Logger { get; } = new();

    public string DataPath { get; }

    public ComponentOptions Options { get; }

    public object? Exports { get; private set; }

    public void Dispose()
    {
        try
        {
            Directory.Delete(DataPath, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>A consumer that keeps every request it gets.</summary>
internal sealed class CollectingConsumer : ITracesConsumer
{
    public ConcurrentQueue<ExportTraceServiceRequest> Received { get; } = new();

    public int SpanCount => Received.Sum(r => r.SpanCount());

    public ValueTask ConsumeTracesAsync(ExportTraceServiceRequest traces, CancellationToken cancellationToken)
    {
        Received.Enqueue(traces);
        return ValueTask.CompletedTask;
    }

    public async Task WaitForSpansAsync(int count, TimeSpan timeout)
    {
        var stopwatch = Stopwatch.StartNew();
        while (SpanCount < count)
        {
            if (stopwatch.Elapsed > timeout)
            {
                throw new TimeoutException($"expected {count} spans, got {SpanCount}");
            }

            await Task.Delay(10);
        }
    }
}

/// <summary>Builds spans with every OTLP field set, so round trips can be checked field by field.</summary>
internal static class SpanFactory
{
    public static ExportTraceServiceRequest Request(string service, int scopes, int spansPerScope, int firstSpan = 0)
    {
        var resource = new ResourceSpans
        {
            Resource = new Resource { Attributes = { Attr("service.name", service), Attr("host.cores", 2) } },
            SchemaUrl = "https://opentelemetry.io/schemas/1.24.0",
        };
        var n = firstSpan;
        for (var s = 0; s < scopes; s++)
        {
            var scope = new ScopeSpans { Scope = new InstrumentationScope { Name = $"scope-{s}", Version = "1.0" } };
            for (var i = 0; i < spansPerScope; i++)
            {
                scope.Spans.Add(MakeSpan(n++));
            }

            resource.ScopeSpans.Add(scope);
        }

        return new ExportTraceServiceRequest { ResourceSpans = { resource } };
    }

    public static Span MakeSpan(int n)
    {
        var traceId = new byte[16];
        BitConverter.TryWriteBytes(traceId.AsSpan(8), (long)n + 1);
        traceId[0] = 0xab;
        var spanId = new byte[8];
        BitConverter.TryWriteBytes(spanId, (long)n + 1);
        spanId[7] = 0xcd;
        return new Span
        {
            TraceId = ByteString.CopyFrom(traceId),
            SpanId = ByteString.CopyFrom(spanId),
            ParentSpanId = ByteString.CopyFrom(new byte[] { 1, 2, 3, 4, 5, 6, 7, 8 }),
            TraceState = "vendor=x",
            Name = $"GET /items/{n}",
            Kind = Span.Types.SpanKind.Server,
            StartTimeUnixNano = 1_700_000_000_000_000_000UL + (ulong)n,
            EndTimeUnixNano = 1_700_000_000_500_000_000UL + (ulong)n,
            Attributes = { Attr("http.request.method", "GET"), Attr("http.response.status_code", 200), Attr("n", n), Attr("ratio", 0.5), Attr("ok", true) },
            Events =
            {
                new Span.Types.Event { Name = "exception", TimeUnixNano = 1_700_000_000_100_000_000UL, Attributes = { Attr("exception.type", "Boom") } },
            },
            Links =
            {
                new Span.Types.Link { TraceId = ByteString.CopyFrom(new byte[16] { 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9 }), SpanId = ByteString.CopyFrom(new byte[8] { 7, 7, 7, 7, 7, 7, 7, 7 }), Attributes = { Attr("link.kind", "follows") } },
            },
            Status = new Status { Code = Status.Types.StatusCode.Error, Message = "upstream failed" },
        };
    }

    public static KeyValue Attr(string key, string value) => new() { Key = key, Value = new AnyValue { StringValue = value } };

    public static KeyValue Attr(string key, long value) => new() { Key = key, Value = new AnyValue { IntValue = value } };

    public static KeyValue Attr(string key, double value) => new() { Key = key, Value = new AnyValue { DoubleValue = value } };

    public static KeyValue Attr(string key, bool value) => new() { Key = key, Value = new AnyValue { BoolValue = value } };

    public static List<string> SpanNames(IEnumerable<ExportTraceServiceRequest> requests) =>
        requests.SelectMany(r => r.ResourceSpans).SelectMany(r => r.ScopeSpans).SelectMany(s => s.Spans).Select(s => s.Name).ToList();
}

/// <summary>Where the node peers live and whether node is installed.</summary>
internal static class NodePeers
{
    public static string Directory { get; } = FindPeersDirectory();

    /// <summary>Null when the peers can run, otherwise why not (printed by skipped tests).</summary>
    public static string? Unavailable()
    {
        if (!File.Exists("/usr/bin/node") && !File.Exists("/usr/local/bin/node"))
        {
            return "node is not installed";
        }

        return System.IO.Directory.Exists(Path.Combine(Directory, "node_modules", "@grpc", "grpc-js"))
            ? null
            : $"node packages missing: run `npm ci` in {Directory}";
    }

    private static string FindPeersDirectory()
    {
        // RIVER_TEST_PEERS points at the peers folder when the tests run from a copy outside the tree.
        if (Environment.GetEnvironmentVariable("RIVER_TEST_PEERS") is { Length: > 0 } configured)
        {
            return configured;
        }

        var dir = AppContext.BaseDirectory;
        while (dir is not null && !File.Exists(Path.Combine(dir, "Components.Tests.csproj")))
        {
            dir = Path.GetDirectoryName(dir);
        }

        return Path.Combine(dir ?? throw new InvalidOperationException("tests/Components.Tests not found above " + AppContext.BaseDirectory), "peers");
    }
}

/// <summary>The grpc-js OTLP collector (peers/otlp-collector.js), started on a free port and stopped by its PID.</summary>
internal sealed class NodeCollector : IDisposable
{
    private readonly Process _process;

    private NodeCollector(Process process, int port, string outFile)
    {
        _process = process;
        Port = port;
        OutFile = outFile;
    }

    public int Port { get; }

    public string OutFile { get; }

    public static async Task<NodeCollector> StartAsync(string outFile, params string[] extraArgs)
    {
        var start = new ProcessStartInfo("node") { WorkingDirectory = NodePeers.Directory, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("otlp-collector.js");
        start.ArgumentList.Add("--out");
        start.ArgumentList.Add(outFile);
        foreach (var arg in extraArgs)
        {
            start.ArgumentList.Add(arg);
        }

        var process = Process.Start(start)!;
        var line = await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(20));
        if (line is null || !line.StartsWith("LISTENING ", StringComparison.Ordinal))
        {
            var error = await process.StandardError.ReadToEndAsync();
            throw new InvalidOperationException("collector did not start: " + line + " " + error);
        }

        return new NodeCollector(process, int.Parse(line["LISTENING ".Length..], System.Globalization.CultureInfo.InvariantCulture), outFile);
    }

    /// <summary>Every call the collector saw, in order.</summary>
    public List<JsonElement> Calls() =>
        File.Exists(OutFile)
            ? File.ReadAllLines(OutFile).Where(l => l.Length > 0).Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList()
            : [];

    /// <summary>The spans of successful calls, each with its resource and scope.</summary>
    public List<(JsonElement Resource, JsonElement Scope, JsonElement Span)> AcceptedSpans()
    {
        var result = new List<(JsonElement, JsonElement, JsonElement)>();
        foreach (var call in Calls().Where(c => c.GetProperty("code").GetString() == "OK"))
        {
            foreach (var rs in call.GetProperty("request").GetProperty("resource_spans").EnumerateArray())
            {
                foreach (var ss in rs.GetProperty("scope_spans").EnumerateArray())
                {
                    foreach (var span in ss.GetProperty("spans").EnumerateArray())
                    {
                        result.Add((rs.GetProperty("resource"), ss.GetProperty("scope"), span));
                    }
                }
            }
        }

        return result;
    }

    public async Task WaitForAcceptedAsync(int spans, TimeSpan timeout)
    {
        var stopwatch = Stopwatch.StartNew();
        while (AcceptedSpans().Count < spans)
        {
            if (stopwatch.Elapsed > timeout)
            {
                throw new TimeoutException($"collector accepted {AcceptedSpans().Count} of {spans} spans; calls: {Calls().Count}");
            }

            await Task.Delay(50);
        }
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            _process.WaitForExit(5000);
        }

        _process.Dispose();
    }
}

/// <summary>A throw-away CA and a server certificate for 127.0.0.1/localhost, made with the openssl command.</summary>
internal sealed class TestCa : IDisposable
{
    private TestCa(string directory) => Directory = directory;

    public string Directory { get; }

    public string CaCert => Path.Combine(Directory, "ca.crt");

    public string ServerCert => Path.Combine(Directory, "server.crt");

    public string ServerKey => Path.Combine(Directory, "server.key");

    public static TestCa Create()
    {
        var dir = System.IO.Directory.CreateTempSubdirectory("river-ca-").FullName;
        File.WriteAllText(Path.Combine(dir, "san.ext"), "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n");
        Run(dir, "req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=River-Test-CA -keyout ca.key -out ca.crt");
        Run(dir, "req -newkey rsa:2048 -nodes -subj /CN=localhost -keyout server.key -out server.csr");
        Run(dir, "x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 -extfile san.ext -out server.crt");
        return new TestCa(dir);
    }

    private static void Run(string dir, string arguments)
    {
        var start = new ProcessStartInfo("openssl", arguments) { WorkingDirectory = dir, RedirectStandardError = true, RedirectStandardOutput = true };
        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"openssl {arguments} failed: {error}");
        }
    }

    public void Dispose() => System.IO.Directory.Delete(Directory, recursive: true);
}
