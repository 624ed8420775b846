using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace River.Integration;

/// <summary>What a finished <c>river</c> process left behind.</summary>
/// <param name="ExitCode">The process exit code.</param>
/// <param name="Stdout">Everything written to standard output.</param>
/// <param name="Stderr">Everything written to standard error.</param>
internal sealed record CliResult(int ExitCode, string Stdout, string Stderr)
{
    /// <summary>A summary for assertion messages (output cut to a readable length).</summary>
    public override string ToString() =>
        $"exit {ExitCode}\n--- stdout ---\n{Cut(Stdout)}\n--- stderr ---\n{Cut(Stderr)}";

    private static string Cut(string s) => s.Length <= 4000 ? s : s[..4000] + $"… ({s.Length} chars)";
}

/// <summary>
/// One real <c>river</c> process (<c>dotnet River.Cli.dll …</c>, or the published native CLI when
/// <c>RIVER_TEST_CLI</c> names it), with its output captured. Disposing kills it if it
/// still runs, so a failing test never leaves a process behind.
/// </summary>
internal sealed class RiverProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();
    private readonly TaskCompletionSource _stdoutDone = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _stderrDone = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private RiverProcess(string workingDirectory, IEnumerable<string> args, bool redirectStdin, IReadOnlyDictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo(CliCommand[0])
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = redirectStdin,
            UseShellExecute = false,
        };
        foreach (var arg in CliCommand.Skip(1).Concat(args))
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        info.Environment["NO_COLOR"] = "1";
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[name] = value;
        }

        _process = new Process { StartInfo = info };
        _process.OutputDataReceived += (_, e) => Append(_stdout, e.Data, _stdoutDone);
        _process.ErrorDataReceived += (_, e) => Append(_stderr, e.Data, _stderrDone);
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    /// <summary>
    /// The command that starts the CLI, before its arguments: the executable named by the environment variable
    /// <c>RIVER_TEST_CLI</c> (the published CLI, <c>artifacts/river/River.Cli</c>, as <c>./river</c> runs it), else
    /// <c>dotnet</c> and the built River.Cli.dll next to this test assembly's build configuration.
    /// </summary>
    public static IReadOnlyList<string> CliCommand { get; } = LocateCli();

    /// <summary>The process id (the CLI runs in this process, under <c>dotnet</c> or natively).</summary>
    public int Pid => _process.Id;

    /// <summary>True once the process has exited.</summary>
    public bool HasExited => _process.HasExited;

    /// <summary>Standard output so far.</summary>
    public string Stdout
    {
        get
        {
            lock (_stdout)
            {
                return _stdout.ToString();
            }
        }
    }

    /// <summary>Standard error so far.</summary>
    public string Stderr
    {
        get
        {
            lock (_stderr)
            {
                return _stderr.ToString();
            }
        }
    }

    /// <summary>Starts <c>river ARGS</c> in <paramref name="workingDirectory"/>.</summary>
    public static RiverProcess Start(string workingDirectory, params string[] args) => new(workingDirectory, args, redirectStdin: false);

    /// <summary>Starts <c>river ARGS</c> in <paramref name="workingDirectory"/> with extra environment variables.</summary>
    public static RiverProcess Start(string workingDirectory, IReadOnlyDictionary<string, string> environment, params string[] args) =>
        new(workingDirectory, args, redirectStdin: false, environment);

    /// <summary>Runs <c>river ARGS</c> to its end (killed after <paramref name="timeout"/>, which fails the test).</summary>
    public static async Task<CliResult> RunAsync(string workingDirectory, TimeSpan timeout, string? stdin, params string[] args)
    {
        using var river = new RiverProcess(workingDirectory, args, redirectStdin: stdin is not null);
        if (stdin is not null)
        {
            await river._process.StandardInput.WriteAsync(stdin);
            river._process.StandardInput.Close();
        }

        var code = await river.WaitForExitAsync(timeout);
        return new CliResult(code, river.Stdout, river.Stderr);
    }

    /// <summary>Waits for the exit and the end of both output streams; throws when it takes longer than <paramref name="timeout"/>.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
            await Task.WhenAll(_stdoutDone.Task, _stderrDone.Task).WaitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            Kill();
            throw new TimeoutException($"river did not exit within {timeout.TotalSeconds:0} s\n--- stderr ---\n{Stderr}");
        }

        return _process.ExitCode;
    }

    /// <summary>Sends a POSIX signal (TERM, HUP, …) with kill(1).</summary>
    public void Signal(string name)
    {
        using var kill = Process.Start("kill", ["-" + name, Pid.ToString(CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
        if (kill.ExitCode != 0)
        {
            throw new InvalidOperationException($"kill -{name} {Pid} failed with {kill.ExitCode}");
        }
    }

    /// <summary>Resident set size, thread count and open file descriptors, read from /proc.</summary>
    public ProcessFootprint Footprint()
    {
        long rssKb = -1;
        var threads = -1;
        foreach (var line in File.ReadLines($"/proc/{Pid}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                rssKb = long.Parse(line["VmRSS:".Length..].Replace("kB", "", StringComparison.Ordinal).Trim(), CultureInfo.InvariantCulture);
            }
            else if (line.StartsWith("Threads:", StringComparison.Ordinal))
            {
                threads = int.Parse(line["Threads:".Length..].Trim(), CultureInfo.InvariantCulture);
            }
        }

        var fds = Directory.GetFileSystemEntries($"/proc/{Pid}/fd").Length;
        return new ProcessFootprint(rssKb * 1024, threads, fds);
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }

    /// <summary>A loopback TCP port that was free a moment ago (bound to port 0, then released).</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    private void Kill()
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
            // Never started or already reaped.
        }
    }

    private static void Append(StringBuilder sb, string? line, TaskCompletionSource done)
    {
        if (line is null)
        {
            done.TrySetResult();
            return;
        }

        lock (sb)
        {
            sb.Append(line).Append('\n');
        }
    }

    private static string[] LocateCli()
    {
        if (Environment.GetEnvironmentVariable("RIVER_TEST_CLI") is { Length: > 0 } executable)
        {
            return File.Exists(executable)
                ? [Path.GetFullPath(executable)]
                : throw new InvalidOperationException($"RIVER_TEST_CLI={executable} does not exist");
        }

        // The test assembly sits in tests/Integration/bin/<Configuration>/net10.0/; the CLI in
        // src/River.Cli/bin/<Configuration>/net10.0/. Prefer the same configuration, fall back to the other.
        var here = new DirectoryInfo(AppContext.BaseDirectory);
        var configuration = here.Parent?.Name ?? "Debug";
        var root = here;
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "Beyla.River.sln")))
        {
            root = root.Parent;
        }

        if (root is null)
        {
            throw new InvalidOperationException($"cannot find Beyla.River.sln above {AppContext.BaseDirectory}");
        }

        foreach (var candidate in new[] { configuration, "Debug", "Release" })
        {
            var dll = Path.Combine(root.FullName, "src", "River.Cli", "bin", candidate, "net10.0", "River.Cli.dll");
            if (File.Exists(dll))
            {
                return ["dotnet", dll];
            }
        }

        throw new InvalidOperationException($"River.Cli.dll is not built under {root.FullName}/src/River.Cli/bin; build the solution first");
    }
}

/// <summary>A process's resource use at one moment.</summary>
/// <param name="RssBytes">Resident set size.</param>
/// <param name="Threads">Number of threads.</param>
/// <param name="FileDescriptors">Number of open file descriptors.</param>
internal sealed record ProcessFootprint(long RssBytes, int Threads, int FileDescriptors);

/// <summary>A temporary directory removed with everything in it on dispose.</summary>
internal sealed class TempDir : IDisposable
{
    /// <summary>Creates an empty directory under the system temp path.</summary>
    public TempDir()
    {
        Path = Directory.CreateTempSubdirectory("river-it-").FullName;
    }

    /// <summary>The directory.</summary>
    public string Path { get; }

    /// <summary>Writes <paramref name="text"/> to <paramref name="name"/> inside the directory and returns the full path.</summary>
    public string Write(string name, string text)
    {
        var path = System.IO.Path.Combine(Path, name);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        return path;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A process still holding a file; the OS cleans temp eventually.
        }
    }
}
