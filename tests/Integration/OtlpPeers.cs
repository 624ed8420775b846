using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;

namespace River.Integration;

/// <summary>Why the OTLP process-level tests cannot run here (printed by a skipped test), or null.</summary>
internal static class OtlpPrerequisites
{
    /// <summary>The node peers folder shared with tests/Components.Tests (grpc-js collector, OTel JS SDK).</summary>
    public static string PeersDirectory { get; } = FindPeers();

    /// <summary>Null when node, its packages and openssl are present.</summary>
    public static string? MissingPeers()
    {
        if (!File.Exists("/usr/bin/node") && !File.Exists("/usr/local/bin/node"))
        {
            return "node is not installed";
        }

        if (!Directory.Exists(Path.Combine(PeersDirectory, "node_modules", "@grpc", "grpc-js")))
        {
            return $"node packages missing: run `npm ci` in {PeersDirectory}";
        }

        return File.Exists("/usr/bin/openssl") ? null : "openssl is not installed";
    }

    /// <summary>Null when River can load BPF programs and nginx is there to be traced.</summary>
    public static string? MissingEbpf()
    {
        if (!File.ReadAllText("/proc/self/status").Contains("CapEff:\t000001ff", StringComparison.Ordinal) && Environment.UserName != "root")
        {
            return "not running as root";
        }

        if (!File.Exists("/sys/kernel/btf/vmlinux"))
        {
            return "the kernel has no BTF";
        }

        return File.Exists("/usr/sbin/nginx") ? MissingPeers() : "nginx is not installed";
    }

    private static string FindPeers()
    {
        if (Environment.GetEnvironmentVariable("RIVER_TEST_PEERS") is { Length: > 0 } configured)
        {
            return configured;
        }

        var dir = AppContext.BaseDirectory;
        while (dir is not null && !File.Exists(Path.Combine(dir, "Beyla.River.sln")))
        {
            dir = Path.GetDirectoryName(dir);
        }

        return Path.Combine(dir ?? throw new InvalidOperationException("Beyla.River.sln not found above " + AppContext.BaseDirectory), "tests", "Components.Tests", "peers");
    }
}

/// <summary>
/// The grpc-js OTLP collector of tests/Components.Tests/peers (no River code in it): every call is one JSON line in
/// <see cref="OutFile"/>. Stopped by its PID; can be started again on the same port to end an outage.
/// </summary>
internal sealed class GrpcJsCollector : IDisposable
{
    private readonly Process _process;

    private GrpcJsCollector(Process process, int port, string outFile)
    {
        _process = process;
        Port = port;
        OutFile = outFile;
    }

    /// <summary>The port it listens on (127.0.0.1).</summary>
    public int Port { get; }

    /// <summary>Where calls are recorded.</summary>
    public string OutFile { get; }

    /// <summary>Starts the collector on <paramref name="port"/> (0 = any) and waits until it listens.</summary>
    public static async Task<GrpcJsCollector> StartAsync(string outFile, int port = 0, TestCertificates? tls = null)
    {
        var start = new ProcessStartInfo("node") { WorkingDirectory = OtlpPrerequisites.PeersDirectory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { "otlp-collector.js", "--out", outFile, "--port", port.ToString(CultureInfo.InvariantCulture) })
        {
            start.ArgumentList.Add(arg);
        }

        if (tls is not null)
        {
            foreach (var arg in new[] { "--tls-cert", tls.ServerCert, "--tls-key", tls.ServerKey })
            {
                start.ArgumentList.Add(arg);
            }
        }

        var process = Process.Start(start)!;
        var line = await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30));
        if (line is null || !line.StartsWith("LISTENING ", StringComparison.Ordinal))
        {
            var error = await process.StandardError.ReadToEndAsync();
            process.Kill();
            process.Dispose();
            throw new InvalidOperationException("collector did not start: " + line + " " + error);
        }

        return new GrpcJsCollector(process, int.Parse(line["LISTENING ".Length..], CultureInfo.InvariantCulture), outFile);
    }

    /// <summary>The spans of every successful call, with their resource, in arrival order.</summary>
    public List<(JsonElement Resource, JsonElement Span)> AcceptedSpans()
    {
        var result = new List<(JsonElement, JsonElement)>();
        if (!File.Exists(OutFile))
        {
            return result;
        }

        foreach (var line in File.ReadAllLines(OutFile))
        {
            if (line.Length == 0)
            {
                continue;
            }

            var call = JsonDocument.Parse(line).RootElement.Clone();
            if (call.GetProperty("code").GetString() != "OK")
            {
                continue;
            }

            foreach (var rs in call.GetProperty("request").GetProperty("resource_spans").EnumerateArray())
            {
                foreach (var ss in rs.GetProperty("scope_spans").EnumerateArray())
                {
                    foreach (var span in ss.GetProperty("spans").EnumerateArray())
                    {
                        result.Add((rs.GetProperty("resource"), span));
                    }
                }
            }
        }

        return result;
    }

    /// <summary>The string form of attribute <paramref name="key"/> of a span ("" when absent).</summary>
    public static string Attribute(JsonElement span, string key)
    {
        foreach (var a in span.GetProperty("attributes").EnumerateArray())
        {
            if (a.GetProperty("key").GetString() == key)
            {
                foreach (var p in a.GetProperty("value").EnumerateObject())
                {
                    return p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString()! : p.Value.GetRawText();
                }
            }
        }

        return "";
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

/// <summary>A throw-away CA and a server certificate for localhost/127.0.0.1, made with the openssl command.</summary>
internal sealed class TestCertificates
{
    private TestCertificates(string directory) => Directory = directory;

    /// <summary>Where the files are.</summary>
    public string Directory { get; }

    /// <summary>The CA certificate (PEM).</summary>
    public string CaCert => Path.Combine(Directory, "ca.crt");

    /// <summary>The server certificate (PEM), signed by the CA.</summary>
    public string ServerCert => Path.Combine(Directory, "server.crt");

    /// <summary>The server key (PEM).</summary>
    public string ServerKey => Path.Combine(Directory, "server.key");

    /// <summary>Creates the files in <paramref name="directory"/>.</summary>
    public static TestCertificates Create(string directory)
    {
        System.IO.Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, "san.ext"), "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n");
        Openssl(directory, "req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=River-Integration-CA -keyout ca.key -out ca.crt");
        Openssl(directory, "req -newkey rsa:2048 -nodes -subj /CN=localhost -keyout server.key -out server.csr");
        Openssl(directory, "x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 -extfile san.ext -out server.crt");
        return new TestCertificates(directory);
    }

    private static void Openssl(string directory, string arguments)
    {
        var start = new ProcessStartInfo("openssl", arguments) { WorkingDirectory = directory, RedirectStandardError = true, RedirectStandardOutput = true };
        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"openssl {arguments} failed: {error}");
        }
    }
}

/// <summary>nginx in the foreground (master + one worker) under a temp prefix on a free loopback port; killed on dispose.</summary>
internal sealed class NginxServer : IDisposable
{
    private readonly Process _process;

    private NginxServer(Process process, int port)
    {
        _process = process;
        Port = port;
    }

    /// <summary>The port nginx listens on.</summary>
    public int Port { get; }

    /// <summary>The URL of <paramref name="path"/>.</summary>
    public Uri Url(string path) => new($"http://127.0.0.1:{Port}{path}");

    /// <summary>Starts nginx with <c>/users/*</c> answering 200 and <c>/probe</c> 204; waits for its worker.</summary>
    public static NginxServer Start(string root)
    {
        Directory.CreateDirectory(root);
        var port = RiverProcess.FreePort();
        var conf = Path.Combine(root, "nginx.conf");
        File.WriteAllText(conf, $$"""
            worker_processes 1;
            pid {{root}}/nginx.pid;
            error_log {{root}}/error.log warn;
            events { worker_connections 256; }
            http {
                access_log off;
                client_body_temp_path {{root}}/body;
                proxy_temp_path {{root}}/proxy;
                fastcgi_temp_path {{root}}/fastcgi;
                uwsgi_temp_path {{root}}/uwsgi;
                scgi_temp_path {{root}}/scgi;
                server {
                    listen 127.0.0.1:{{port}};
                    location /users/ { return 200 "user\n"; }
                    location = /probe { return 204; }
                    location / { return 404; }
                }
            }
            """);
        var start = new ProcessStartInfo("/usr/sbin/nginx") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var arg in new[] { "-p", root, "-c", conf, "-g", "daemon off;" })
        {
            start.ArgumentList.Add(arg);
        }

        var process = Process.Start(start)!;
        var server = new NginxServer(process, port);
        var clock = Stopwatch.StartNew();
        while (true)
        {
            if (process.HasExited || clock.Elapsed > TimeSpan.FromSeconds(20))
            {
                server.Dispose();
                var log = Path.Combine(root, "error.log");
                throw new InvalidOperationException("nginx did not start: " + (File.Exists(log) ? File.ReadAllText(log) : "(no error.log)"));
            }

            // The master listens before it forks: wait for both the socket and the worker, which answers.
            if (Listening(port) && File.Exists($"/proc/{process.Id}/task/{process.Id}/children") && File.ReadAllText($"/proc/{process.Id}/task/{process.Id}/children").Trim().Length > 0)
            {
                return server;
            }

            Thread.Sleep(50);
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(10_000);
            }
        }
        catch (InvalidOperationException)
        {
            // Already reaped.
        }

        _process.Dispose();
    }

    private static bool Listening(int port)
    {
        try
        {
            using var client = new TcpClient();
            client.Connect(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
