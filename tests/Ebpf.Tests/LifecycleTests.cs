using System.Diagnostics;
using River.Ebpf.Tests.Support;

namespace River.Ebpf.Tests;

public sealed class LifecycleTests
{
    [Fact]
    public void DisposingTheCaptureLeavesNoProgramLinkOrMapBehind()
    {
        var before = BpfFds();
        int[] programIds;
        using (var server = ServerProcess.Python())
        {
            var capture = HttpCapture.Start();
            capture.Trace(server.Pids[0]);
            Assert.Equal([200], Clients.Curl(server.Url("/hello.txt")));
            Assert.Single(capture.WaitFor(1));
            var during = BpfFds();
            Assert.Equal(1, during.Count(f => f.Kind == "bpf_link") - before.Count(f => f.Kind == "bpf_link"));
            Assert.True(during.Count(f => f.Kind == "bpf-map") > before.Count(f => f.Kind == "bpf-map"));
            programIds = during.Where(f => f.Kind == "bpf-prog").Select(f => f.ProgramId).Except(before.Select(f => f.ProgramId)).ToArray();
            Assert.Single(programIds);
            Assert.All(programIds, id => Assert.Contains("river_sys_", Bpftool($"prog show id {id}"), StringComparison.Ordinal));
            capture.Dispose();
        }

        var after = BpfFds();
        Assert.Equal(before.Select(f => f.Fd).Order(), after.Select(f => f.Fd).Order());
        // The kernel freed the programs: bpftool no longer finds their ids, and no link points at them. The kernel
        // releases a program after an RCU grace period, so give it a few seconds.
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(5)
               && programIds.Any(id => Bpftool($"prog show id {id}").Contains("river_sys_", StringComparison.Ordinal)))
        {
            Thread.Sleep(100);
        }

        Assert.All(programIds, id => Assert.DoesNotContain("river_sys_", Bpftool($"prog show id {id}"), StringComparison.Ordinal));
        // `bpftool link list` names the program of each link as "prog ID".
        Assert.All(programIds, id => Assert.DoesNotMatch($@"\bprog {id}\b", Bpftool("link list")));
    }

    [Fact]
    public void ObjectDisposeAlsoDetachesLinksItsCallerForgot()
    {
        var before = BpfFds();
        var obj = HttpCapture.Open();
        obj.Load();
        var link = obj.GetProgram("river_sys_exit").Attach();
        Assert.True(link.Fd > 0);
        obj.Dispose();
        Assert.Equal(-1, link.Fd);
        Assert.Equal(before.Select(f => f.Fd).Order(), BpfFds().Select(f => f.Fd).Order());
    }

    private sealed record BpfFd(int Fd, string Kind, int ProgramId);

    /// <summary>This process's BPF fds, from /proc/self/fd links and fdinfo.</summary>
    private static List<BpfFd> BpfFds()
    {
        var result = new List<BpfFd>();
        foreach (var path in Directory.GetFiles("/proc/self/fd"))
        {
            string? target;
            try
            {
                target = new FileInfo(path).LinkTarget;
            }
            catch (IOException)
            {
                continue;
            }
            if (target is null || !target.StartsWith("anon_inode:bpf", StringComparison.Ordinal))
                continue;
            var fd = int.Parse(Path.GetFileName(path), System.Globalization.CultureInfo.InvariantCulture);
            var kind = target["anon_inode:".Length..];
            var programId = 0;
            try
            {
                foreach (var line in File.ReadAllLines($"/proc/self/fdinfo/{fd}"))
                {
                    if (line.StartsWith("prog_id:", StringComparison.Ordinal))
                        programId = int.Parse(line["prog_id:".Length..].Trim(), System.Globalization.CultureInfo.InvariantCulture);
                }
            }
            catch (IOException)
            {
                continue;
            }
            result.Add(new BpfFd(fd, kind, programId));
        }
        return result;
    }

    private static string Bpftool(string arguments)
    {
        var psi = new ProcessStartInfo("bpftool") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in arguments.Split(' '))
            psi.ArgumentList.Add(a);
        using var process = Process.Start(psi)!;
        var output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
        process.WaitForExit();
        return output;
    }
}
