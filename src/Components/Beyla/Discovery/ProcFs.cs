using System.Globalization;
using System.Text;

namespace River.Components.Beyla.Discovery;

/// <summary>What discovery reads about one process from <c>/proc</c>.</summary>
/// <param name="Pid">Host process id.</param>
/// <param name="ParentPid">Parent process id.</param>
/// <param name="StartTicks">Start time in clock ticks since boot (field 22 of stat); with the pid it names a process uniquely.</param>
/// <param name="ExePath">Target of <c>/proc/PID/exe</c>; empty when unreadable or not ready.</param>
/// <param name="CommandLine">The arguments joined by spaces.</param>
public sealed record ProcessSnapshot(int Pid, int ParentPid, long StartTicks, string ExePath, string CommandLine);

/// <summary>
/// Reads <c>/proc</c>: process list, executables and command lines, environments, and the listening TCP ports of each
/// process (its socket inodes from <c>/proc/PID/fd</c> joined with the listening sockets, state <c>0A</c>, of
/// <c>/proc/PID/net/tcp</c> and <c>tcp6</c> — read once per network namespace; River's own namespace is asked over
/// netlink instead, see <see cref="SockDiag"/>).
/// </summary>
public sealed class ProcFs
{
    private const string ListenState = "0A";

    /// <summary>Reads from <paramref name="root"/> (normally <c>/proc</c>).</summary>
    public ProcFs(string root = "/proc") => Root = root;

    /// <summary>The proc mount read.</summary>
    public string Root { get; }

    /// <summary>All process ids currently in /proc.</summary>
    public IReadOnlyList<int> ListPids()
    {
        var pids = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories(Root))
        {
            var name = Path.GetFileName(dir.AsSpan());
            if (int.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                pids.Add(pid);
            }
        }

        return pids;
    }

    /// <summary>Reads one process; null when it has gone or cannot be read.</summary>
    public ProcessSnapshot? ReadProcess(int pid)
    {
        var dir = Path.Combine(Root, pid.ToString(CultureInfo.InvariantCulture));
        var stat = ReadText(Path.Combine(dir, "stat"));
        if (stat is null)
        {
            return null;
        }

        // The command name (field 2) is in parentheses and may hold spaces: parse from the last ')'.
        var close = stat.LastIndexOf(')');
        if (close < 0)
        {
            return null;
        }

        var fields = stat[(close + 2)..].Split(' ');
        // After the name: state(3) ppid(4) ... starttime(22) → indexes 0, 1, ..., 19.
        if (fields.Length < 20
            || !int.TryParse(fields[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var ppid)
            || !long.TryParse(fields[19], NumberStyles.Integer, CultureInfo.InvariantCulture, out var start))
        {
            return null;
        }

        var exe = ReadLink(Path.Combine(dir, "exe")) ?? "";
        if (exe.EndsWith(" (deleted)", StringComparison.Ordinal))
        {
            exe = exe[..^10];
        }

        var cmdline = ReadText(Path.Combine(dir, "cmdline")) ?? "";
        var args = cmdline.TrimEnd('\0').Replace('\0', ' ');
        return new ProcessSnapshot(pid, ppid, start, exe, args);
    }

    /// <summary>The environment of <paramref name="pid"/>; empty when unreadable.</summary>
    public IReadOnlyDictionary<string, string> ReadEnvironment(int pid)
    {
        var env = new Dictionary<string, string>(StringComparer.Ordinal);
        var text = ReadText(Path.Combine(Root, pid.ToString(CultureInfo.InvariantCulture), "environ"));
        if (text is null)
        {
            return env;
        }

        foreach (var entry in text.Split('\0', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = entry.IndexOf('=');
            if (eq > 0)
            {
                env[entry[..eq]] = entry[(eq + 1)..];
            }
        }

        return env;
    }

    /// <summary>The shared libraries and files mapped by <paramref name="pid"/> (for language detection).</summary>
    public IReadOnlyList<string> ReadMappedFiles(int pid)
    {
        var text = ReadText(Path.Combine(Root, pid.ToString(CultureInfo.InvariantCulture), "maps"));
        if (text is null)
        {
            return [];
        }

        var files = new HashSet<string>(StringComparer.Ordinal);
        foreach (var line in text.Split('\n'))
        {
            var slash = line.IndexOf('/');
            if (slash > 0)
            {
                files.Add(line[slash..]);
            }
        }

        return [.. files];
    }

    /// <summary>
    /// The listening TCP ports of every process in <paramref name="pids"/>, keyed by pid. Processes without one are
    /// absent.
    /// </summary>
    public Dictionary<int, SortedSet<int>> ReadListeningPorts(IEnumerable<int> pids)
    {
        var result = new Dictionary<int, SortedSet<int>>();
        // inode → port, per network namespace (identified by the inode of /proc/PID/ns/net).
        var listenersByNs = new Dictionary<string, Dictionary<long, int>>(StringComparer.Ordinal);
        // River's own namespace is asked of the kernel over netlink (SockDiag) when this is the real /proc.
        var ownNs = Root == "/proc" ? ReadLink(Path.Combine(Root, "self", "ns", "net")) : null;
        foreach (var pid in pids)
        {
            var dir = Path.Combine(Root, pid.ToString(CultureInfo.InvariantCulture));
            var inodes = SocketInodes(Path.Combine(dir, "fd"));
            if (inodes.Count == 0)
            {
                continue;
            }

            var ns = ReadLink(Path.Combine(dir, "ns", "net")) ?? "";
            if (!listenersByNs.TryGetValue(ns, out var listeners))
            {
                listeners = new Dictionary<long, int>();
                if (ns != ownNs || !SockDiag.TryReadListeners(listeners))
                {
                    ParseTcpTable(Path.Combine(dir, "net", "tcp"), listeners);
                    ParseTcpTable(Path.Combine(dir, "net", "tcp6"), listeners);
                }

                listenersByNs[ns] = listeners;
            }

            foreach (var inode in inodes)
            {
                if (listeners.TryGetValue(inode, out var port))
                {
                    if (!result.TryGetValue(pid, out var set))
                    {
                        set = [];
                        result[pid] = set;
                    }

                    set.Add(port);
                }
            }
        }

        return result;
    }

    /// <summary>Adds the listening sockets of one <c>/proc/net/tcp</c>-format table: inode → local port.</summary>
    internal static void ParseTcpTable(string path, Dictionary<long, int> listeners)
    {
        var text = ReadText(path);
        if (text is null)
        {
            return;
        }

        // Columns: sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode ...
        foreach (var line in text.Split('\n').Skip(1))
        {
            var cols = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (cols.Length < 10 || cols[3] != ListenState)
            {
                continue;
            }

            var colon = cols[1].LastIndexOf(':');
            if (colon < 0
                || !int.TryParse(cols[1].AsSpan(colon + 1), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var port)
                || !long.TryParse(cols[9], NumberStyles.Integer, CultureInfo.InvariantCulture, out var inode))
            {
                continue;
            }

            listeners[inode] = port;
        }
    }

    private static List<long> SocketInodes(string fdDir)
    {
        var inodes = new List<long>();
        IEnumerable<string> entries;
        try
        {
            entries = Directory.EnumerateFileSystemEntries(fdDir);
            foreach (var fd in entries)
            {
                var target = ReadLink(fd);
                // Socket fds link to "socket:[INODE]".
                if (target is not null && target.StartsWith("socket:[", StringComparison.Ordinal)
                    && long.TryParse(target.AsSpan(8, target.Length - 9), NumberStyles.Integer, CultureInfo.InvariantCulture, out var inode))
                {
                    inodes.Add(inode);
                }
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // The process exited or is not ours to read: it simply has no visible sockets.
        }

        return inodes;
    }

    private static string? ReadText(string path)
    {
        try
        {
            // /proc files report size 0; read them as streams.
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1, FileOptions.None);
            using var reader = new StreamReader(stream, Encoding.UTF8);
            return reader.ReadToEnd();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static string? ReadLink(string path)
    {
        try
        {
            return new FileInfo(path).LinkTarget;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
