using Microsoft.Extensions.Logging;

namespace River.Runtime;

/// <summary>Everything a <see cref="ComponentController"/> needs from its host.</summary>
public sealed record ControllerOptions
{
    /// <summary>The component catalog.</summary>
    public required ComponentRegistry Registry { get; init; }

    /// <summary>The language seam: decoding, encoding, JSON.</summary>
    public required IComponentEvaluator Evaluator { get; init; }

    /// <summary>Loggers; components get the category <c>component:{id}</c>.</summary>
    public required ILoggerFactory LoggerFactory { get; init; }

    /// <summary>The handler given to components (in-memory traffic to River's own server).</summary>
    public required HttpMessageHandler HttpHandler { get; init; }

    /// <summary>The in-memory address components advertise (<c>river.internal:12345</c>).</summary>
    public string InMemoryAddress { get; init; } = "river.internal:12345";

    /// <summary>Root of the per-component data directories (<c>--storage.path</c>).</summary>
    public string StoragePath { get; init; } = "data-river";

    /// <summary>The least stability a component must have to be used (<c>--stability.level</c>).</summary>
    public StabilityLevel Stability { get; init; } = StabilityLevel.GenerallyAvailable;

    /// <summary>The first delay before restarting a component whose run loop threw.</summary>
    public TimeSpan RestartBackoff { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The ceiling of the doubling restart delay.</summary>
    public TimeSpan MaxRestartBackoff { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>How long a stopping component may take before it is abandoned.</summary>
    public TimeSpan ShutdownDeadline { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>River's own metrics; a private set is created when null.</summary>
    public RuntimeMetrics? Metrics { get; init; }

    /// <summary>Called with the evaluated <c>logging</c> block (defaults when absent) after every successful load.</summary>
    public Action<LoggingArguments>? OnLoggingChanged { get; init; }
}
