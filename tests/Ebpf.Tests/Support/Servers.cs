using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace River.Ebpf.Tests.Support;

/// <summary>Free loopback ports and waiting for a listener.</summary>
internal static class Ports
{
    public static int Free()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    public static void WaitListening(int port, Process owner)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(15))
        {
            if (owner.HasExited)
                throw new InvalidOperationException($"server exited with {owner.ExitCode}: {owner.StandardError.ReadToEnd()}");
            try
            {
                using var client = new TcpClient();
                client.Connect(IPAddress.Loopback, port);
                return;
            }
            catch (SocketException)
            {
                Thread.Sleep(50);
            }
        }
        throw new TimeoutException($"nothing listens on 127.0.0.1:{port}");
    }
}

/// <summary>A real server process on a free loopback port, killed by PID on dispose.</summary>
internal sealed class ServerProcess : IDisposable
{
    private readonly Process _process;
    private readonly string _root;

    private ServerProcess(Process process, int port, string root, IReadOnlyList<int> pids)
    {
        _process = process;
        Port = port;
        _root = root;
        Pids = pids;
    }

    public int Port { get; }

    /// <summary>Every process id that serves requests (nginx: master and workers).</summary>
    public IReadOnlyList<int> Pids { get; }

    public string Url(string path) => $"http://127.0.0.1:{Port}{path}";

    /// <summary><c>python3 -m http.server</c> serving a temp directory with hello.txt (HTTP/1.1, keep-alive).</summary>
    public static ServerProcess Python()
    {
        var root = CreateRoot();
        var port = Ports.Free();
        var psi = new ProcessStartInfo("/usr/bin/python3")
        {
            ArgumentList = { "-m", "http.server", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--protocol", "HTTP/1.1", "--directory", root },
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        var process = Process.Start(psi)!;
        process.ErrorDataReceived += (_, _) => { };
        Ports.WaitListening(port, process);
        process.BeginErrorReadLine();
        return new ServerProcess(process, port, root, [process.Id]);
    }

    /// <summary>nginx with a temp prefix and config, one worker, in the foreground.</summary>
    public static ServerProcess Nginx(int workers = 1)
    {
        var root = CreateRoot();
        var port = Ports.Free();
        var conf = Path.Combine(root, "nginx.conf");
        File.WriteAllText(conf, NginxConfig(root, port, workers));
        var psi = new ProcessStartInfo("/usr/sbin/nginx")
        {
            ArgumentList = { "-p", root, "-c", conf, "-g", "daemon off;" },
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        var process = Process.Start(psi)!;
        Ports.WaitListening(port, process);
        // The master listens before it forks the workers: wait until they exist, or they would not be traced.
        var workersUp = Stopwatch.StartNew();
        var workerPids = Children(process.Id).ToList();
        while (workerPids.Count < workers && workersUp.Elapsed < TimeSpan.FromSeconds(10))
        {
            Thread.Sleep(20);
            workerPids = Children(process.Id).ToList();
        }
        var pids = new List<int> { process.Id };
        pids.AddRange(workerPids);
        return new ServerProcess(process, port, root, pids);
    }

    public static string NginxConfig(string root, int port, int workers) => $$"""
        worker_processes {{workers}};
        pid {{root}}/nginx.pid;
        error_log {{root}}/error.log warn;
        events { worker_connections 1024; }
        http {
            access_log off;
            client_body_temp_path {{root}}/body;
            proxy_temp_path {{root}}/proxy;
            fastcgi_temp_path {{root}}/fastcgi;
            uwsgi_temp_path {{root}}/uwsgi;
            scgi_temp_path {{root}}/scgi;
            keepalive_requests 100000;
            server {
                listen 127.0.0.1:{{port}};
                root {{root}}/html;
                location / { }
            }
        }
        """;

    public static IEnumerable<int> Children(int pid)
    {
        var path = $"/proc/{pid}/task/{pid}/children";
        if (!File.Exists(path))
            return [];
        return File.ReadAllText(path).Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse);
    }

    private static string CreateRoot()
    {
        var root = Path.Combine(Path.GetTempPath(), "river-ebpf-" + Guid.NewGuid().ToString("N"));
        var html = Path.Combine(root, "html");
        Directory.CreateDirectory(html);
        File.WriteAllText(Path.Combine(root, "hello.txt"), "hello from python\n");
        File.WriteAllText(Path.Combine(html, "hello.txt"), "hello from nginx\n");
        File.WriteAllText(Path.Combine(html, "index.html"), "<html>index</html>\n");
        return root;
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(5000);
            }
        }
        catch (InvalidOperationException)
        {
        }
        _process.Dispose();
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>Runs curl and raw sockets as HTTP clients.</summary>
internal static class Clients
{
    /// <summary>Runs curl over the URLs (one connection reused when they share a host) and returns the status codes.</summary>
    public static IReadOnlyList<int> Curl(params string[] urls)
    {
        var psi = new ProcessStartInfo("curl") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "-s", "--http1.1", "-o", "/dev/null", "-w", "%{http_code}\\n" })
            psi.ArgumentList.Add(a);
        for (var i = 0; i < urls.Length; i++)
        {
            psi.ArgumentList.Add(urls[i]);
            // -o applies to one URL each: repeat it for every URL after the first.
            if (i < urls.Length - 1)
            {
                psi.ArgumentList.Add("-o");
                psi.ArgumentList.Add("/dev/null");
            }
        }
        using var process = Process.Start(psi)!;
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse).ToList();
    }

    public static string Request(string method, string path, int port) =>
        $"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUser-Agent: river-test\r\n\r\n";

    /// <summary>Reads from the socket until <paramref name="responses"/> complete HTTP/1.1 responses (with Content-Length) arrived.</summary>
    public static List<int> ReadResponses(Socket socket, int responses)
    {
        var statuses = new List<int>();
        var buffer = new List<byte>();
        var chunk = new byte[8192];
        socket.ReceiveTimeout = 10000;
        while (statuses.Count < responses)
        {
            var text = Encoding.ASCII.GetString(buffer.ToArray());
            var headerEnd = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
            if (headerEnd >= 0)
            {
                var headers = text[..headerEnd];
                var lengthLine = headers.Split("\r\n").FirstOrDefault(l => l.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase));
                var length = lengthLine is null ? 0 : int.Parse(lengthLine["Content-Length:".Length..].Trim(), System.Globalization.CultureInfo.InvariantCulture);
                if (buffer.Count >= headerEnd + 4 + length)
                {
                    statuses.Add(int.Parse(headers.AsSpan(9, 3), System.Globalization.CultureInfo.InvariantCulture));
                    buffer.RemoveRange(0, headerEnd + 4 + length);
                    continue;
                }
            }
            var n = socket.Receive(chunk);
            if (n == 0)
                throw new IOException("connection closed before all responses arrived");
            buffer.AddRange(chunk.AsSpan(0, n).ToArray());
        }
        return statuses;
    }

    public static Socket Connect(int port)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        socket.Connect(IPAddress.Loopback, port);
        return socket;
    }
}
