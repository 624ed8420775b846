using System.Diagnostics;
using System.Globalization;
using River.Tests.BeylaEndToEnd;

namespace River.Tests.BeylaNetwork;

/// <summary>Commands the network tests run (ip, tc, bpftool), with their output.</summary>
internal static class Commands
{
    public static (int ExitCode, string Output) Run(string file, params string[] arguments)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in arguments)
        {
            start.ArgumentList.Add(a);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(30000))
        {
            process.Kill();
            throw new TimeoutException($"{file} {string.Join(' ', arguments)} did not finish");
        }

        return (process.ExitCode, stdout.Result + stderr.Result);
    }

    public static string Check(string file, params string[] arguments)
    {
        var (code, output) = Run(file, arguments);
        Assert.True(code == 0, $"{file} {string.Join(' ', arguments)} exited {code}: {output}");
        return output;
    }

    /// <summary>Why the network tests cannot run here, or null.</summary>
    public static string? Missing()
    {
        if (EndToEndPrerequisites.Missing() is { } reason)
        {
            return reason;
        }

        if (!Components.Beyla.Network.FlowProgram.IsEmbedded)
        {
            return "net_flows.bpf.o is not embedded";
        }

        foreach (var tool in new[] { "/usr/sbin/ip", "/usr/sbin/tc", "/usr/sbin/bpftool" })
        {
            if (!File.Exists(tool))
            {
                return tool + " is not installed";
            }
        }

        return null;
    }

    /// <summary>A file of <paramref name="bytes"/> random bytes under nginx's <c>/files/</c>; returns its URL path.</summary>
    public static string ServeFile(TestServer nginx, string name, int bytes)
    {
        var data = new byte[bytes];
        Random.Shared.NextBytes(data);
        var file = Path.Combine(nginx.Root, "files", name);
        File.WriteAllBytes(file, data);
        // The temp folders are private (0700) and nginx's worker does not run as root: open the path to it.
        const UnixFileMode open = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
            | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(nginx.Root, open);
            File.SetUnixFileMode(Path.Combine(nginx.Root, "files"), open);
            File.SetUnixFileMode(file, open);
        }
        return "/files/" + name;
    }
}

/// <summary>
/// A network namespace joined to this one by a veth pair on a private /30, with python's http.server inside
/// serving a file; removed (server killed, namespace and veth deleted) on dispose. Names and subnet are random,
/// so parallel runs do not collide.
/// </summary>
internal sealed class VethNamespace : IDisposable
{
    private readonly Process _server;
    private readonly string _directory;

    private VethNamespace(string ns, string hostIface, string hostIp, string peerIp, int port, Process server, string directory)
    {
        Namespace = ns;
        HostInterface = hostIface;
        HostIp = hostIp;
        PeerIp = peerIp;
        Port = port;
        _server = server;
        _directory = directory;
    }

    public string Namespace { get; }

    public string HostInterface { get; }

    public string HostIp { get; }

    public string PeerIp { get; }

    public int Port { get; }

    public string Url(string path) => $"http://{PeerIp}:{Port}{path}";

    public static VethNamespace Start(string fileName, int fileBytes)
    {
        var tag = Random.Shared.Next(0x100000, 0xFFFFFF).ToString("x6", CultureInfo.InvariantCulture);
        var ns = "rivernet" + tag;
        var hostIface = "rvh" + tag;
        var peerIface = "rvp" + tag;
        // 10.(200..249).x.(4k+1|4k+2)/30: private, unlikely to collide, never routed off this machine.
        var b = 200 + Random.Shared.Next(50);
        var c = Random.Shared.Next(256);
        var d = 4 * Random.Shared.Next(63);
        var hostIp = $"10.{b}.{c}.{d + 1}";
        var peerIp = $"10.{b}.{c}.{d + 2}";
        Commands.Check("/usr/sbin/ip", "netns", "add", ns);
        try
        {
            Commands.Check("/usr/sbin/ip", "link", "add", hostIface, "type", "veth", "peer", "name", peerIface);
            Commands.Check("/usr/sbin/ip", "link", "set", peerIface, "netns", ns);
            Commands.Check("/usr/sbin/ip", "addr", "add", hostIp + "/30", "dev", hostIface);
            Commands.Check("/usr/sbin/ip", "link", "set", hostIface, "up");
            Commands.Check("/usr/sbin/ip", "-n", ns, "addr", "add", peerIp + "/30", "dev", peerIface);
            Commands.Check("/usr/sbin/ip", "-n", ns, "link", "set", peerIface, "up");
            Commands.Check("/usr/sbin/ip", "-n", ns, "link", "set", "lo", "up");
            var directory = Directory.CreateTempSubdirectory("river-netns-").FullName;
            var data = new byte[fileBytes];
            Random.Shared.NextBytes(data);
            File.WriteAllBytes(Path.Combine(directory, fileName), data);
            var port = 20000 + Random.Shared.Next(20000);
            var start = new ProcessStartInfo("/usr/sbin/ip")
            {
                ArgumentList = { "netns", "exec", ns, "/usr/bin/python3", "-m", "http.server", port.ToString(CultureInfo.InvariantCulture), "--bind", peerIp, "--directory", directory },
                RedirectStandardError = true,
                RedirectStandardOutput = true,
            };
            var server = Process.Start(start)!;
            server.ErrorDataReceived += (_, _) => { };
            server.OutputDataReceived += (_, _) => { };
            server.BeginErrorReadLine();
            server.BeginOutputReadLine();
            var result = new VethNamespace(ns, hostIface, hostIp, peerIp, port, server, directory);
            result.WaitListening();
            return result;
        }
        catch
        {
            Commands.Run("/usr/sbin/ip", "link", "del", hostIface);
            Commands.Run("/usr/sbin/ip", "netns", "del", ns);
            throw;
        }
    }

    private void WaitListening()
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(20))
        {
            if (_server.HasExited)
            {
                throw new InvalidOperationException("python in the namespace exited with " + _server.ExitCode);
            }

            // The probe runs inside the namespace, so it crosses no veth and adds nothing to the host's flows.
            if (Commands.Run("/usr/sbin/ip", "netns", "exec", Namespace, "/usr/bin/curl", "-s", "-o", "/dev/null", "--max-time", "2", $"http://{PeerIp}:{Port}/").ExitCode == 0)
            {
                return;
            }

            Thread.Sleep(200);
        }

        throw new TimeoutException($"python did not listen on {PeerIp}:{Port} in {Namespace}");
    }

    public void Dispose()
    {
        try
        {
            if (!_server.HasExited)
            {
                _server.Kill(entireProcessTree: true);
                _server.WaitForExit(5000);
            }
        }
        catch (InvalidOperationException)
        {
        }

        _server.Dispose();
        Commands.Run("/usr/sbin/ip", "netns", "del", Namespace);
        Commands.Run("/usr/sbin/ip", "link", "del", HostInterface);
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
