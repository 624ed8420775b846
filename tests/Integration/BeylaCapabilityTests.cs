using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Xunit.Abstractions;

namespace River.Integration;

/// <summary>
/// <c>enforce_sys_caps</c> on the published process: <c>river run</c> started under <c>setpriv</c> with CAP_BPF and
/// CAP_PERFMON (and CAP_SYS_ADMIN, which stands in for every one of them) removed from its bounding set, so even
/// root cannot have them, refuses to start beyla.ebpf, lists the missing capabilities, and loads no BPF program.
/// </summary>
[Collection("river run")]
public sealed class BeylaCapabilityTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempDir _dir = new();

    /// <inheritdoc/>
    public void Dispose() => _dir.Dispose();

    private static string? Unavailable()
    {
        if (!File.Exists("/usr/bin/setpriv"))
        {
            return "/usr/bin/setpriv is not installed (Debian util-linux)";
        }

        // Only a process that holds CAP_SETPCAP can shrink its bounding set.
        var capEff = File.ReadLines("/proc/self/status").First(l => l.StartsWith("CapEff:", StringComparison.Ordinal));
        var bits = ulong.Parse(capEff["CapEff:".Length..].Trim(), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        return (bits & (1UL << 8)) == 0 ? "CAP_SETPCAP is missing, setpriv cannot drop capabilities" : null;
    }

    [Fact]
    public async Task With_enforce_sys_caps_and_CAP_BPF_dropped_beyla_ebpf_aborts_listing_the_missing_capabilities()
    {
        if (Unavailable() is { } reason)
        {
            output.WriteLine("skipped: " + reason);
            return;
        }

        var config = _dir.Write("main.alloy", """
            beyla.ebpf "default" {
              open_port        = "80"
              enforce_sys_caps = true
            }
            """);
        var port = RiverProcess.FreePort();
        var info = new ProcessStartInfo("/usr/bin/setpriv")
        {
            WorkingDirectory = _dir.Path,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        string[] setpriv = ["--bounding-set=-bpf,-perfmon,-sys_admin", "--"];
        foreach (var arg in setpriv.Concat(RiverProcess.CliCommand).Concat(
        [
            "run", config, "--server.http.listen-addr", $"127.0.0.1:{port}", "--storage.path", Path.Combine(_dir.Path, "data"),
        ]))
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment["NO_COLOR"] = "1";
        using var process = new Process { StartInfo = info };
        var stderr = new StringBuilder();
        process.ErrorDataReceived += (_, e) =>
        {
            lock (stderr)
            {
                stderr.AppendLine(e.Data);
            }
        };
        process.OutputDataReceived += (_, e) =>
        {
            lock (stderr)
            {
                stderr.AppendLine(e.Data);
            }
        };
        process.Start();
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        string Output()
        {
            lock (stderr)
            {
                return stderr.ToString();
            }
        }

        try
        {
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(30) };
            var clock = Stopwatch.StartNew();
            var status = HttpStatusCode.OK;
            var body = "";
            // Ready first; then the component reports its failure as soon as its run starts.
            while (clock.Elapsed < RunningRiver.StartTimeout)
            {
                Assert.False(process.HasExited, "river exited:\n" + Output());
                try
                {
                    using var response = await http.GetAsync(new Uri("/-/healthy", UriKind.Relative));
                    status = response.StatusCode;
                    body = await response.Content.ReadAsStringAsync();
                    if (status == HttpStatusCode.InternalServerError)
                    {
                        break;
                    }
                }
                catch (HttpRequestException)
                {
                    // Not listening yet.
                }

                await Task.Delay(100);
            }

            Assert.True(status == HttpStatusCode.InternalServerError, $"/-/healthy: {(int)status} {body}\n{Output()}");
            Assert.Contains("beyla.ebpf.default", body, StringComparison.Ordinal);
            using var component = JsonDocument.Parse(await http.GetStringAsync(new Uri("/api/v0/web/components/beyla.ebpf.default", UriKind.Relative)));
            var health = component.RootElement.GetProperty("health");
            Assert.Equal("unhealthy", health.GetProperty("state").GetString());
            Assert.Equal("can't start Beyla: the following capabilities are required: CAP_PERFMON, CAP_BPF", health.GetProperty("message").GetString());
            // Listed in kernel bit order (CAP_PERFMON is 38, CAP_BPF 39). The same list is logged as an error, and the process itself keeps serving (as Alloy does).
            Assert.Contains("can't start Beyla: the following capabilities are required: CAP_PERFMON, CAP_BPF", Output(), StringComparison.Ordinal);
            Assert.False(process.HasExited);

            // Aborted before loading anything: the process holds no BPF program, map or link.
            var bpfFds = Directory.EnumerateFileSystemEntries($"/proc/{process.Id}/fd")
                .Select(fd => new FileInfo(fd).LinkTarget ?? "")
                .Where(target => target.StartsWith("anon_inode:bpf", StringComparison.Ordinal))
                .ToList();
            Assert.True(bpfFds.Count == 0, "BPF fds: " + string.Join(", ", bpfFds));
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(10000);
            }
        }
    }
}
