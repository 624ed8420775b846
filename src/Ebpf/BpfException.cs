namespace River.Ebpf;

/// <summary>A libbpf or kernel call failed. <see cref="Errno"/> is the positive errno of the failure.</summary>
public class BpfException : Exception
{
    /// <summary>Creates an exception for a failed call.</summary>
    public BpfException(string message, int errno = 0, string? libbpfLog = null, Exception? inner = null)
        : base(Compose(message, errno, libbpfLog), inner)
    {
        Errno = errno;
        LibbpfLog = libbpfLog ?? string.Empty;
    }

    /// <summary>Creates an exception with only a message.</summary>
    public BpfException() : this("BPF operation failed") { }

    /// <summary>Creates an exception with a message.</summary>
    public BpfException(string message) : this(message, 0) { }

    /// <summary>Creates an exception with a message and an inner exception.</summary>
    public BpfException(string message, Exception inner) : this(message, 0, null, inner) { }

    /// <summary>Positive errno of the failure, 0 when none applies.</summary>
    public int Errno { get; }

    /// <summary>What libbpf printed while the failing call ran (for loads: the verifier log).</summary>
    public string LibbpfLog { get; }

    private static string Compose(string message, int errno, string? log)
    {
        var text = errno != 0 ? $"{message}: {River.Ebpf.Errno.Describe(errno)}" : message;
        return string.IsNullOrWhiteSpace(log) ? text : text + Environment.NewLine + log.TrimEnd();
    }
}

/// <summary>Loading an object failed; <see cref="BpfException.LibbpfLog"/> holds the verifier log.</summary>
public sealed class BpfLoadException : BpfException
{
    /// <summary>Creates a load failure.</summary>
    public BpfLoadException(string message, int errno, string libbpfLog) : base(message, errno, libbpfLog) { }

    /// <summary>Creates a load failure with only a message.</summary>
    public BpfLoadException() : base("BPF object load failed") { }

    /// <summary>Creates a load failure with a message.</summary>
    public BpfLoadException(string message) : base(message) { }

    /// <summary>Creates a load failure with a message and an inner exception.</summary>
    public BpfLoadException(string message, Exception inner) : base(message, inner) { }

    /// <summary>The kernel verifier's log lines, extracted from the libbpf output.</summary>
    public string VerifierLog
    {
        get
        {
            const string begin = "-- BEGIN PROG LOAD LOG --";
            const string end = "-- END PROG LOAD LOG --";
            var start = LibbpfLog.IndexOf(begin, StringComparison.Ordinal);
            if (start < 0)
                return LibbpfLog;
            start += begin.Length;
            var stop = LibbpfLog.IndexOf(end, start, StringComparison.Ordinal);
            return (stop < 0 ? LibbpfLog[start..] : LibbpfLog[start..stop]).Trim();
        }
    }
}

/// <summary>errno names for messages.</summary>
internal static class Errno
{
    internal const int EPERM = 1, ENOENT = 2, EINTR = 4, E2BIG = 7, EAGAIN = 11, ENOMEM = 12, EACCES = 13,
        EFAULT = 14, EBUSY = 16, EEXIST = 17, EINVAL = 22, ENOSPC = 28, ENOTSUP = 95;

    internal static string Describe(int errno) => errno switch
    {
        EPERM => "EPERM (operation not permitted)",
        ENOENT => "ENOENT (no such entry)",
        EINTR => "EINTR (interrupted)",
        E2BIG => "E2BIG (too big)",
        EAGAIN => "EAGAIN (try again)",
        ENOMEM => "ENOMEM (out of memory)",
        EACCES => "EACCES (permission denied or rejected by the verifier)",
        EFAULT => "EFAULT (bad address)",
        EBUSY => "EBUSY (busy)",
        EEXIST => "EEXIST (already exists)",
        EINVAL => "EINVAL (invalid argument)",
        ENOSPC => "ENOSPC (no space)",
        ENOTSUP => "EOPNOTSUPP (not supported)",
        _ => $"errno {errno}",
    };
}
