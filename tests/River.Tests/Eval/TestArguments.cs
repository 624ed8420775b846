using River.Values;

namespace River.Tests.Eval;

// Argument classes shaped like real components (beyla.ebpf, prometheus.remote_write) for decoding tests and the
// golden runner. They follow the conventions components use: defaults from initialisers, Validate naming attributes.

/// <summary>What a metrics receiver capsule looks like to a component.</summary>
public interface IMetricsReceiver
{
    /// <summary>The receiver's owner, to tell receivers apart in tests.</summary>
    string Owner { get; }
}

/// <summary>A receiver instance put into the scope as a capsule.</summary>
public sealed record TestMetricsReceiver(string Owner) : IMetricsReceiver;

/// <summary>Shaped like beyla.ebpf's arguments.</summary>
public sealed class TestBeylaArguments : IValidatable
{
    [River("debug")]
    public bool Debug { get; set; }

    [River("enforce_sys_caps")]
    public bool EnforceSysCaps { get; set; }

    [River("executable_name")]
    public string ExecutableName { get; set; } = "";

    [River("open_port")]
    public string OpenPort { get; set; } = "";

    [RiverBlock("discovery")]
    public TestDiscovery Discovery { get; set; } = new();

    [RiverBlock("routes")]
    public TestRoutes? Routes { get; set; }

    [RiverBlock("ebpf")]
    public TestEbpfSettings Ebpf { get; set; } = new();

    [RiverBlock("metrics")]
    public TestMetricsSettings Metrics { get; set; } = new();

    [RiverBlock("output", Required = true)]
    public TestOutput? Output { get; set; }

    public void Validate(ValidationContext context)
    {
        if (OpenPort.Length > 0 && !TestPorts.IsValid(OpenPort))
        {
            context.Error("open_port", $"invalid port range \"{OpenPort}\"");
        }

        if (OpenPort.Length == 0 && ExecutableName.Length == 0 && Discovery.Services.Count == 0)
        {
            context.Error(null, "one of open_port, executable_name or discovery.services is required");
        }
    }
}

public sealed class TestDiscovery
{
    [RiverBlock("services")]
    public List<TestService> Services { get; set; } = [];

    [RiverBlock("exclude_services")]
    public List<TestService> ExcludeServices { get; set; } = [];

    [River("skip_go_specific_tracers")]
    public bool SkipGoSpecificTracers { get; set; }
}

public sealed class TestService : IValidatable
{
    [River("name")]
    public string Name { get; set; } = "";

    [River("namespace")]
    public string Namespace { get; set; } = "";

    [River("open_ports")]
    public string OpenPorts { get; set; } = "";

    [River("exe_path")]
    public string ExePath { get; set; } = "";

    public void Validate(ValidationContext context)
    {
        if (OpenPorts.Length > 0 && !TestPorts.IsValid(OpenPorts))
        {
            context.Error("open_ports", $"invalid port range \"{OpenPorts}\"");
        }

        if (OpenPorts.Length == 0 && ExePath.Length == 0)
        {
            context.Error(null, "a service needs open_ports or exe_path");
        }
    }
}

public enum TestUnmatched
{
    Unset,
    Path,
    Wildcard,
    Heuristic,
}

public sealed class TestRoutes
{
    [River("unmatched")]
    public TestUnmatched Unmatched { get; set; } = TestUnmatched.Heuristic;

    [River("patterns")]
    public List<string> Patterns { get; set; } = [];

    [River("ignored_patterns")]
    public List<string> IgnoredPatterns { get; set; } = [];
}

public sealed class TestEbpfSettings
{
    [River("wakeup_len")]
    public int WakeupLen { get; set; }

    [River("batch_length")]
    public int BatchLength { get; set; } = 100;

    [River("batch_timeout")]
    public TimeSpan BatchTimeout { get; set; } = TimeSpan.FromSeconds(1);

    [River("track_request_headers")]
    public bool TrackRequestHeaders { get; set; }
}

public sealed class TestMetricsSettings
{
    [River("features")]
    public List<string> Features { get; set; } = ["application"];

    [River("instrumentations")]
    public List<string> Instrumentations { get; set; } = ["*"];
}

public sealed class TestOutput
{
    [River("traces")]
    public List<IMetricsReceiver> Traces { get; set; } = [];
}

/// <summary>Shaped like prometheus.remote_write's arguments: labelled-free repeated endpoints, secrets, maps.</summary>
public sealed class TestRemoteWriteArguments
{
    [River("external_labels")]
    public Dictionary<string, string> ExternalLabels { get; set; } = [];

    [RiverBlock("endpoint")]
    public List<TestEndpoint> Endpoints { get; set; } = [];
}

public sealed class TestEndpoint
{
    [River("url", Required = true)]
    public string Url { get; set; } = "";

    [River("name")]
    public string Name { get; set; } = "";

    [River("remote_timeout")]
    public TimeSpan RemoteTimeout { get; set; } = TimeSpan.FromSeconds(30);

    [River("headers")]
    public Dictionary<string, string> Headers { get; set; } = [];

    [River("bearer_token")]
    public Secret? BearerToken { get; set; }

    [River("send_exemplars")]
    public bool SendExemplars { get; set; } = true;

    [RiverBlock("basic_auth")]
    public TestBasicAuth? BasicAuth { get; set; }

    [RiverBlock("queue_config")]
    public TestQueueConfig QueueConfig { get; set; } = new();
}

public sealed class TestBasicAuth
{
    [River("username", Required = true)]
    public string Username { get; set; } = "";

    [River("password")]
    public Secret? Password { get; set; }
}

public sealed class TestQueueConfig
{
    [River("capacity")]
    public int Capacity { get; set; } = 10000;

    [River("max_shards")]
    public int MaxShards { get; set; } = 50;

    [River("min_backoff")]
    public TimeSpan MinBackoff { get; set; } = TimeSpan.FromMilliseconds(30);

    [River("max_backoff")]
    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromSeconds(5);
}

/// <summary>Labelled repeated blocks (like discovery.relabel rules with names).</summary>
public sealed class TestLabelledArguments
{
    [RiverBlock("stage")]
    public List<TestStage> Stages { get; set; } = [];

    [RiverBlock("limits")]
    public Dictionary<string, int>? Limits { get; set; }
}

public sealed class TestStage
{
    [RiverLabel]
    public string Name { get; set; } = "";

    [River("match")]
    public string Match { get; set; } = "";
}

public sealed class TestNested
{
    [River("host")]
    public string Host { get; set; } = "";

    [River("port")]
    public int Port { get; set; }
}

/// <summary>One attribute per supported conversion target.</summary>
public sealed class TestTypes
{
    [River("str")]
    public string Str { get; set; } = "";

    [River("int")]
    public int Int { get; set; }

    [River("long")]
    public long Long { get; set; }

    [River("ulong")]
    public ulong ULong { get; set; }

    [River("byte")]
    public byte Byte { get; set; }

    [River("double")]
    public double Double { get; set; }

    [River("bool")]
    public bool Bool { get; set; }

    [River("maybe_int")]
    public int? MaybeInt { get; set; } = 7;

    [River("duration")]
    public TimeSpan Duration { get; set; }

    [River("list")]
    public List<string> List { get; set; } = [];

    [River("numbers")]
    public int[] Numbers { get; set; } = [];

    [River("map")]
    public Dictionary<string, int> Map { get; set; } = [];

    [River("nested")]
    public TestNested? Nested { get; set; }

    [River("level")]
    public TestUnmatched Level { get; set; }

    [River("secret")]
    public Secret? Secret { get; set; }

    [River("any")]
    public object? Any { get; set; }

    [River("raw")]
    public Value? Raw { get; set; }

    [River("receivers")]
    public List<IMetricsReceiver> Receivers { get; set; } = [];
}

internal static class TestPorts
{
    // "80,443,8000-8999": numbers or ranges, each within 1..65535.
    public static bool IsValid(string text)
    {
        foreach (var part in text.Split(','))
        {
            var range = part.Trim().Split('-');
            if (range.Length > 2)
            {
                return false;
            }

            foreach (var p in range)
            {
                if (!int.TryParse(p, out var port) || port is < 1 or > 65535)
                {
                    return false;
                }
            }
        }

        return true;
    }
}
