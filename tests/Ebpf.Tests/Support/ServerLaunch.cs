using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

// Shared by tests/Ebpf.Tests and tests/Components.Tests (linked into the latter): the real servers both start.
namespace River.TestSupport;

/// <summary>Free loopback ports and waiting for a listener.</summary>
internal static class FreePorts
{
    /// <summary>A port nothing listens on right now (the OS's pick for an ephemeral bind).</summary>
    public static int Next()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    /// <summary>Waits until 127.0.0.1:<paramref name="port"/> accepts; fails early when <paramref name="owner"/> exits.</summary>
    public static void WaitListening(int port, Process owner, Func<string> diagnostics)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(15))
        {
            if (owner.HasExited)
            {
                throw new InvalidOperationException($"server exited with {owner.ExitCode}: {diagnostics()}");
            }

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

        throw new TimeoutException($"nothing listens on 127.0.0.1:{port}: {diagnostics()}");
    }
}

/// <summary>Starts the real servers the eBPF and beyla.ebpf tests instrument, each on a free loopback port.</summary>
internal static class ServerLaunch
{
    /// <summary>
    /// <c>python3 -m http.server</c> over <paramref name="root"/>, HTTP/1.1 so keep-alive works. Its output is
    /// drained (it logs every request) so the pipe never fills.
    /// </summary>
    public static Process Python(string root, int port)
    {
        var start = new ProcessStartInfo("/usr/bin/python3")
        {
            ArgumentList = { "-m", "http.server", port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--protocol", "HTTP/1.1", "--directory", root },
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        var process = Process.Start(start)!;
        var errors = Drain(process);
        FreePorts.WaitListening(port, process, () => "python3 http.server: " + Text(errors));
        return process;
    }

    /// <summary>
    /// nginx in the foreground with prefix <paramref name="root"/>, <paramref name="workers"/> workers and the
    /// given <c>server { }</c> body; returns once the workers (the processes that answer) exist.
    /// </summary>
    public static (Process Master, IReadOnlyList<int> Workers) Nginx(string root, int port, int workers, string serverBody)
    {
        var conf = Path.Combine(root, "nginx.conf");
        File.WriteAllText(conf, $$"""
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
                keepalive_timeout 120s;
                server {
                    listen 127.0.0.1:{{port}};
            {{serverBody}}
                }
            }
            """);
        var start = new ProcessStartInfo("/usr/sbin/nginx")
        {
            ArgumentList = { "-p", root, "-c", conf, "-g", "daemon off;" },
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        var process = Process.Start(start)!;
        Drain(process);
        string ErrorLog() => File.Exists(Path.Combine(root, "error.log")) ? File.ReadAllText(Path.Combine(root, "error.log")) : "(no error.log)";
        FreePorts.WaitListening(port, process, ErrorLog);
        // The master listens before it forks the workers: wait for them, or they would not be traced.
        var clock = Stopwatch.StartNew();
        var children = Children(process.Id);
        while (children.Count < workers && clock.Elapsed < TimeSpan.FromSeconds(10))
        {
            Thread.Sleep(20);
            children = Children(process.Id);
        }

        return (process, children);
    }

    /// <summary>The direct children of <paramref name="pid"/> (from /proc/PID/task/PID/children).</summary>
    public static IReadOnlyList<int> Children(int pid)
    {
        var path = $"/proc/{pid}/task/{pid}/children";
        return File.Exists(path)
            ? File.ReadAllText(path).Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToList()
            : [];
    }

    /// <summary>Kills the process tree (if still running) and removes <paramref name="root"/>.</summary>
    public static void Stop(Process process, string root)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(5000);
            }
        }
        catch (InvalidOperationException)
        {
        }

        process.Dispose();
        try
        {
            Directory.Delete(root, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static StringBuilder Drain(Process process)
    {
        var errors = new StringBuilder();
        process.ErrorDataReceived += (_, e) =>
        {
            lock (errors)
            {
                // Keep the start of the output for diagnostics, not an ever-growing request log.
                if (errors.Length < 8192)
                {
                    errors.AppendLine(e.Data);
                }
            }
        };
        process.OutputDataReceived += (_, _) => { };
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        return errors;
    }

    private static string Text(StringBuilder sb)
    {
        lock (sb)
        {
            return sb.ToString();
        }
    }
}
