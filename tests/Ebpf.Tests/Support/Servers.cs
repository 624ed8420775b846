using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using River.TestSupport;

namespace River.Ebpf.Tests.Support;

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
        var port = FreePorts.Next();
        var process = ServerLaunch.Python(root, port);
        return new ServerProcess(process, port, root, [process.Id]);
    }

    /// <summary>nginx with a temp prefix serving the html folder (hello.txt, index.html), in the foreground.</summary>
    public static ServerProcess Nginx(int workers = 1)
    {
        var root = CreateRoot();
        var port = FreePorts.Next();
        var (process, workerPids) = ServerLaunch.Nginx(root, port, workers, $"root {root}/html; location / {{ }}");
        return new ServerProcess(process, port, root, [process.Id, .. workerPids]);
    }

    /// <summary>
    /// A python3 server answering each connection's first three requests with 200, 404 and 500 in three writes cut
    /// inside the answers: the second write starts with the last 5 bytes of the 200 (its body), the third with the
    /// last 3 of the 404 — as Kestrel writes a chunked answer's last chunk together with the next answer.
    /// </summary>
    public static ServerProcess SplitAnswers()
    {
        var root = CreateRoot();
        var port = FreePorts.Next();
        var script = Path.Combine(root, "split_answers.py");
        File.WriteAllText(script, """
            import socket, sys, time
            answers = [b"HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nhello\n",
                       b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n",
                       b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\n\r\n"]
            writes = [answers[0][:-5], answers[0][-5:] + answers[1][:-3], answers[1][-3:] + answers[2]]
            server = socket.socket()
            server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            server.bind(("127.0.0.1", int(sys.argv[1])))
            server.listen(8)
            while True:
                conn, _ = server.accept()
                data = b""
                while data.count(b"\r\n\r\n") < 3:
                    chunk = conn.recv(4096)
                    if not chunk:
                        break
                    data += chunk
                if data.count(b"\r\n\r\n") >= 3:
                    for w in writes:
                        conn.sendall(w)
                        time.sleep(0.2)
                conn.close()
            """);
        var start = new ProcessStartInfo("/usr/bin/python3") { ArgumentList = { script, port.ToString(System.Globalization.CultureInfo.InvariantCulture) } };
        var process = Process.Start(start)!;
        FreePorts.WaitListening(port, process, () => "split_answers.py exited");
        return new ServerProcess(process, port, root, [process.Id]);
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

    public void Dispose() => ServerLaunch.Stop(_process, _root);
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
