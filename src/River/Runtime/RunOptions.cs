namespace River.Runtime;

/// <summary>The settings of <c>river run</c>, one property per flag.</summary>
public sealed record RunOptions
{
    /// <summary>The config file or directory (every <c>*.alloy</c> directly inside, merged in name order).</summary>
    public required string ConfigPath { get; init; }

    /// <summary>The component catalog.</summary>
    public required IReadOnlyList<ComponentRegistration> Catalog { get; init; }

    /// <summary><c>--server.http.listen-addr</c>; port 0 picks a free port.</summary>
    public string ListenAddress { get; init; } = "127.0.0.1:12345";

    /// <summary><c>--server.http.memory-addr</c>: the in-memory address components target.</summary>
    public string InMemoryAddress { get; init; } = "river.internal:12345";

    /// <summary><c>--storage.path</c>.</summary>
    public string StoragePath { get; init; } = "data-river/";

    /// <summary><c>--stability.level</c>.</summary>
    public StabilityLevel Stability { get; init; } = StabilityLevel.GenerallyAvailable;

    /// <summary>Reload when the config files change (debounced by <see cref="WatchDebounce"/>).</summary>
    public bool WatchConfig { get; init; } = true;

    /// <summary>How long the config must stay quiet before a file change triggers a reload.</summary>
    public TimeSpan WatchDebounce { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>The first restart delay of a failed component (doubling up to a minute).</summary>
    public TimeSpan RestartBackoff { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>How long a stopping component may take.</summary>
    public TimeSpan ShutdownDeadline { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>Handle SIGHUP (reload) and SIGINT/SIGTERM (shutdown) in <see cref="RiverHost.RunAsync"/>.</summary>
    public bool HandleSignals { get; init; } = true;

    /// <summary>Where logs and diagnostics go (stderr when null).</summary>
    public TextWriter? ErrorOutput { get; init; }

    /// <summary>
    /// Hold off garbage collection while the first configuration loads, when it is large (see
    /// <c>FirstLoadGc</c>; process-wide, so only the CLI, which runs one host, sets it).
    /// </summary>
    public bool NoGcDuringFirstLoad { get; init; }

    /// <summary>The version reported by <c>river_build_info</c>.</summary>
    public string Version { get; init; } = "0.0.0";
}
