using System.Runtime.InteropServices;
using River.Values;

namespace River.Eval;

/// <summary><c>sys.env</c>, <c>constants.*</c>, <c>coalesce</c>, <c>convert.nonsensitive</c> and <c>file.path_join</c>.</summary>
internal static class SysFunctions
{
    /// <summary><c>sys.env(name)</c>: the variable's value, <c>""</c> when unset (Go <c>os.Getenv</c>).</summary>
    public static Value Env(Value[] args) => Value.String(Environment.GetEnvironmentVariable(Args.String(args, 0)) ?? string.Empty);

    /// <summary>The <c>constants</c> object: hostname, os and arch in Go's spelling, and River's version.</summary>
    public static ObjectValue Constants()
    {
        var fields = new OrderedDictionary<string, Value>(StringComparer.Ordinal)
        {
            ["hostname"] = Value.String(HostName()),
            ["os"] = Value.String(GoOs()),
            ["arch"] = Value.String(GoArch()),
            ["version"] = Value.String(Version()),
        };
        return new ObjectValue(fields);
    }

    /// <summary>
    /// <c>coalesce(…)</c>: the first argument that is not null, not a zero value (<c>0</c>, <c>false</c>, <c>""</c>)
    /// and not an empty array or object; otherwise the last argument; no arguments give null.
    /// </summary>
    public static Value Coalesce(Value[] args)
    {
        if (args.Length == 0)
        {
            return Value.Null;
        }

        foreach (var a in args)
        {
            var empty = a switch
            {
                NullValue => true,
                BoolValue b => !b.Value,
                NumberValue n => n.AsFloat == 0,
                StringValue s => s.Value.Length == 0,
                ArrayValue arr => arr.Count == 0,
                ObjectValue o => o.Count == 0,
                _ => false,
            };
            if (!empty)
            {
                return a;
            }
        }

        return args[^1];
    }

    /// <summary><c>convert.nonsensitive(secret)</c>: reveals a secret as a string (plain strings pass through).</summary>
    public static Value Nonsensitive(Value[] args) => args[0] switch
    {
        SecretValue s => Value.String(s.Value),
        StringValue s => s,
        var other => throw ValueException.Argument(0, ValueException.Type("secret", other)),
    };

    /// <summary><c>file.path_join(…)</c>: Go <c>filepath.Join</c> — non-empty parts joined with <c>/</c>, then cleaned.</summary>
    public static Value PathJoin(Value[] args)
    {
        var parts = new List<string>(args.Length);
        for (var i = 0; i < args.Length; i++)
        {
            var p = Args.String(args, i);
            if (p.Length > 0)
            {
                parts.Add(p);
            }
        }

        return parts.Count == 0 ? StringValue.Empty : Value.String(CleanPath(string.Join('/', parts)));
    }

    /// <summary>Go <c>path.Clean</c>: collapses slashes, removes <c>.</c>, resolves <c>..</c>; empty becomes <c>.</c>.</summary>
    internal static string CleanPath(string path)
    {
        if (path.Length == 0)
        {
            return ".";
        }

        var rooted = path[0] == '/';
        var stack = new List<string>();
        foreach (var part in path.Split('/'))
        {
            if (part.Length == 0 || part == ".")
            {
                continue;
            }

            if (part == "..")
            {
                if (stack.Count > 0 && stack[^1] != "..")
                {
                    stack.RemoveAt(stack.Count - 1);
                }
                else if (!rooted)
                {
                    stack.Add("..");
                }

                continue;
            }

            stack.Add(part);
        }

        var joined = string.Join('/', stack);
        return rooted ? "/" + joined : joined.Length == 0 ? "." : joined;
    }

    private static string HostName()
    {
        try
        {
            return System.Net.Dns.GetHostName();
        }
        catch (System.Net.Sockets.SocketException)
        {
            return string.Empty;
        }
    }

    private static string GoOs() =>
        OperatingSystem.IsLinux() ? "linux" : OperatingSystem.IsWindows() ? "windows" : OperatingSystem.IsMacOS() ? "darwin"
        : OperatingSystem.IsFreeBSD() ? "freebsd" : RuntimeInformation.OSDescription.ToLowerInvariant();

    private static string GoArch() => RuntimeInformation.OSArchitecture switch
    {
        Architecture.X64 => "amd64",
        Architecture.X86 => "386",
        Architecture.Arm64 => "arm64",
        Architecture.Arm => "arm",
        Architecture.S390x => "s390x",
        Architecture.Ppc64le => "ppc64le",
        Architecture.RiscV64 => "riscv64",
        Architecture.LoongArch64 => "loong64",
        var other => other.ToString().ToLowerInvariant(),
    };

    // The assembly version normalised to vX.Y.Z, v0.0.0 when unknown (as Alloy's code does).
    private static string Version()
    {
        var v = typeof(SysFunctions).Assembly.GetName().Version;
        return v is null ? "v0.0.0" : $"v{v.Major}.{v.Minor}.{Math.Max(v.Build, 0)}";
    }
}
