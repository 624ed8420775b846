using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using River.Diagnostics;
using River.Http;
using River.Values;

namespace River.Runtime;

/// <summary>
/// What <c>river run</c> runs: the HTTP server (TCP and in-memory), the controller, the config watcher and the
/// signal handlers. <see cref="RunAsync"/> is the whole command; the instance API lets tests drive a host directly.
/// </summary>
public sealed class RiverHost : IAsyncDisposable
{
    private readonly RunOptions _options;
    private readonly SemaphoreSlim _reloadGate = new(1, 1);
    private readonly ILogger _logger;
    private readonly InMemoryHttpHandler _handler;
    private ConfigWatcher? _watcher;
    private string? _lastAttemptedHash;

    /// <summary>Creates a host; nothing runs until <see cref="StartAsync"/>.</summary>
    public RiverHost(RunOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        Logs = new RiverLoggerProvider(options.ErrorOutput);
        _logger = Logs.CreateLogger("river");
        var transport = new InMemoryTransport(options.InMemoryAddress);
        _handler = new InMemoryHttpHandler(transport);
        Controller = new ComponentController(new ControllerOptions
        {
            Registry = new ComponentRegistry(options.Catalog),
            Evaluator = RiverComponentEvaluator.Instance,
            LoggerFactory = Logs,
            HttpHandler = _handler.Handler,
            InMemoryAddress = options.InMemoryAddress,
            StoragePath = options.StoragePath,
            Stability = options.Stability,
            RestartBackoff = options.RestartBackoff,
            ShutdownDeadline = options.ShutdownDeadline,
            Metrics = new RuntimeMetrics(options.Version),
            OnLoggingChanged = Logs.Apply,
        });
        Server = new RiverHttpServer(options.ListenAddress, Controller, transport, ReloadAsync);
    }

    /// <summary>The controller running the graph.</summary>
    public ComponentController Controller { get; }

    /// <summary>The HTTP server.</summary>
    public RiverHttpServer Server { get; }

    /// <summary>The log output (level and format follow the <c>logging</c> block).</summary>
    public RiverLoggerProvider Logs { get; }

    /// <summary>The handler components get; requests to the in-memory address never open a socket.</summary>
    public InMemoryHttpHandler HttpHandler => _handler;

    /// <summary>
    /// Starts the HTTP server and applies the configuration. On failure (returned, not thrown) nothing keeps running
    /// but the server; the caller decides (the CLI exits 1). Throws <see cref="IOException"/> when the listen
    /// address cannot be bound and <see cref="FormatException"/> when it is malformed.
    /// </summary>
    public async Task<ApplyResult> StartAsync(CancellationToken cancellationToken = default)
    {
        StartupTrace.Mark("init");
        await Server.StartAsync(cancellationToken).ConfigureAwait(false);
        StartupTrace.Mark("server");
        Controller.Start();
        var noGc = _options.NoGcDuringFirstLoad && FirstLoadGc.TryEnter(_options.ConfigPath);
        StartupTrace.Mark(noGc ? "nogc-region" : "no-region");
        ApplyResult result;
        try
        {
            result = await ReloadAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            FirstLoadGc.Exit(noGc);
        }

        if (result.Success)
        {
            Server.Ready = true;
            StartupTrace.Report(_options.ErrorOutput ?? Console.Error);
            if (_options.WatchConfig)
            {
                _watcher = new ConfigWatcher(_options.ConfigPath, _options.WatchDebounce, ReloadIfChangedAsync);
            }

            _logger.LogInformation("River is running");
        }

        return result;
    }

    /// <summary>Reads the configuration again and applies it (all or nothing). Serialised with other reloads.</summary>
    public async Task<ApplyResult> ReloadAsync(CancellationToken cancellationToken = default)
    {
        await _reloadGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await ReloadLockedAsync(force: true, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _reloadGate.Release();
        }
    }

    private async Task ReloadIfChangedAsync()
    {
        // A file written in place is briefly empty or half written: only a content that stays the same over a short
        // settle time is applied. If it is still moving, the writes in progress raise new events and a new round.
        var first = ConfigReader.Read(_options.ConfigPath).Hash;
        await Task.Delay(_options.WatchDebounce / 2).ConfigureAwait(false);
        if (ConfigReader.Read(_options.ConfigPath).Hash != first)
        {
            return;
        }

        await _reloadGate.WaitAsync().ConfigureAwait(false);
        try
        {
            await ReloadLockedAsync(force: false, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            _logger.LogError(ex, "reloading after a file change failed");
        }
        finally
        {
            _reloadGate.Release();
        }
    }

    private async Task<ApplyResult> ReloadLockedAsync(bool force, CancellationToken cancellationToken)
    {
        var snapshot = ConfigReader.Read(_options.ConfigPath); // traced as "read" and "parse" per file
        var hash = snapshot.Hash;
        if (!force && hash == _lastAttemptedHash && Controller.LastResult is { } previous)
        {
            // Touched but unchanged (or an editor's intermediate write that ended where it started).
            return previous;
        }

        _lastAttemptedHash = hash;
        var result = snapshot.Success
            ? await Controller.ApplyAsync(snapshot.Files, cancellationToken).ConfigureAwait(false)
            : Controller.RecordFailure(snapshot.Diagnostics);
        if (result.Success)
        {
            _logger.LogInformation("config reloaded");
        }
        else
        {
            _logger.LogError("failed to reload config: {Error}", DiagnosticRenderer.Summarize(result.Errors.ToList()));
        }

        return result;
    }

    /// <summary>Stops the watcher, the components (dependants first) and the server.</summary>
    public async Task StopAsync()
    {
        _watcher?.Dispose();
        _watcher = null;
        Server.Ready = false;
        await Controller.StopAsync().ConfigureAwait(false);
        await Server.StopAsync().ConfigureAwait(false);
        _handler.Handler.Dispose();
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        await Controller.DisposeAsync().ConfigureAwait(false);
        Logs.Dispose();
    }

    /// <summary>
    /// <c>river run</c>: start, and on a failed first load print the diagnostics (with source line and caret) and
    /// return 1; otherwise run until <paramref name="cancellationToken"/> or SIGINT/SIGTERM, reloading on SIGHUP,
    /// then stop every component in reverse dependency order and return 0.
    /// </summary>
    public static async Task<int> RunAsync(RunOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        var error = options.ErrorOutput ?? Console.Error;
        await using var host = new RiverHost(options);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var registrations = new List<PosixSignalRegistration>();
        try
        {
            ApplyResult first;
            try
            {
                first = await host.StartAsync(stop.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is IOException or FormatException or System.Net.Sockets.SocketException)
            {
                await error.WriteLineAsync($"Error: could not start the HTTP server on {options.ListenAddress}: {ex.Message}").ConfigureAwait(false);
                return 1;
            }

            if (!first.Success)
            {
                await error.WriteAsync(DiagnosticRenderer.Render(first.Diagnostics, color: false)).ConfigureAwait(false);
                await error.WriteLineAsync("Error: could not perform the initial load successfully").ConfigureAwait(false);
                return 1;
            }

            if (options.HandleSignals)
            {
                registrations.Add(PosixSignalRegistration.Create(PosixSignal.SIGHUP, context =>
                {
                    context.Cancel = true;
                    _ = host.ReloadAsync(CancellationToken.None);
                }));
                foreach (var signal in new[] { PosixSignal.SIGINT, PosixSignal.SIGTERM })
                {
                    registrations.Add(PosixSignalRegistration.Create(signal, context =>
                    {
                        // Keep the process alive so the graceful stop below runs to its end.
                        context.Cancel = true;
                        stop.Cancel();
                    }));
                }
            }

            try
            {
                await Task.Delay(Timeout.Infinite, stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Shutdown requested.
            }

            host._logger.LogInformation("shutting down");
            await host.StopAsync().ConfigureAwait(false);
            return 0;
        }
        finally
        {
            foreach (var registration in registrations)
            {
                registration.Dispose();
            }
        }
    }

    /// <summary>
    /// <c>river validate</c>: every diagnostic of the configuration at <paramref name="path"/> without running it —
    /// syntax, unknown components, duplicates, references, cycles, stability, and argument decoding (references to
    /// other components read their default exports).
    /// With <paramref name="noGcDuringLoad"/> (the CLI, a process that validates and exits), a large configuration is
    /// read and checked without a collection, as <see cref="RunOptions.NoGcDuringFirstLoad"/> does for `river run`.
    /// </summary>
    public static IReadOnlyList<Diagnostic> Validate(string path, IReadOnlyList<ComponentRegistration> catalog, StabilityLevel stability = StabilityLevel.GenerallyAvailable, bool noGcDuringLoad = false)
    {
        ArgumentNullException.ThrowIfNull(path);
        StartupTrace.Mark("init");
        var noGc = noGcDuringLoad && FirstLoadGc.TryEnter(path, FirstLoadGc.ValidateBytesPerConfigByte);
        StartupTrace.Mark(noGc ? "nogc-region" : "no-region");
        try
        {
            return ValidateFile(path, new ComponentRegistry(catalog), stability, out _);
        }
        finally
        {
            FirstLoadGc.Exit(noGc);
            // RIVER_TRACE_STARTUP=1: the phases of the validation as one line on stderr (a no-op otherwise).
            StartupTrace.Report(Console.Error);
        }
    }

    /// <summary>
    /// Reads, parses and validates <paramref name="path"/>. A large file has its self-contained blocks decoded while
    /// it is parsed (<see cref="EarlyDecodes"/>); <paramref name="decodedEarly"/> tells how many components took
    /// their result from there.
    /// </summary>
    internal static IReadOnlyList<Diagnostic> ValidateFile(string path, ComponentRegistry registry, StabilityLevel stability, out int decodedEarly)
    {
        var early = new EarlyDecodes(registry, RiverComponentEvaluator.Instance, stability);
        var snapshot = ConfigReader.Read(path, early.OnPartParsed); // traced as "read" and "parse" per file
        if (!snapshot.Success)
        {
            decodedEarly = 0;
            return snapshot.Diagnostics;
        }

        early.Complete();
        var diagnostics = ValidateFiles(snapshot.Files, registry, stability, early);
        decodedEarly = early.Used;
        return diagnostics;
    }

    /// <summary><see cref="Validate(string, IReadOnlyList{ComponentRegistration}, StabilityLevel)"/> over parsed files.</summary>
    public static IReadOnlyList<Diagnostic> ValidateFiles(IReadOnlyList<Syntax.ConfigFile> files, IReadOnlyList<ComponentRegistration> catalog, StabilityLevel stability = StabilityLevel.GenerallyAvailable) =>
        ValidateFiles(files, new ComponentRegistry(catalog), stability, early: null);

    private static IReadOnlyList<Diagnostic> ValidateFiles(IReadOnlyList<Syntax.ConfigFile> files, ComponentRegistry registry, StabilityLevel stability, EarlyDecodes? early)
    {
        var evaluator = RiverComponentEvaluator.Instance;
        var plan = GraphLoader.Plan(files, registry, evaluator, stability);
        StartupTrace.Mark("plan");
        var diagnostics = plan.Diagnostics;
        if (plan.Logging is { } logging)
        {
            evaluator.DecodeArguments(logging.Block, logging.Source, typeof(LoggingArguments), new Dictionary<string, Value>(), stability, diagnostics);
        }

        // A component whose graph checks already failed (unresolved reference, self reference, cycle, stability) is
        // not decoded again: its references would only repeat the same error as "identifier does not exist".
        var planErrors = diagnostics.Items.Where(d => d.Severity == Severity.Error && d.Source is not null).ToList();
        var count = plan.Components.Count;
        var exports = new Value?[count]; // by position in the plan, set once the component's run is done
        var outcomes = new (DiagnosticBag? Diagnostics, Value Exports)[count];
        // A component's exports before it runs are its exports type's defaults: the same for every component of a type.
        // By reference: a registration is a record, whose value hash would hash every member for every component.
        var defaults = new System.Collections.Concurrent.ConcurrentDictionary<ComponentRegistration, Value>(ReferenceEqualityComparer.Instance);
        Value DefaultsOf(ComponentRegistration registration) => defaults.GetOrAdd(registration, static (r, e) => DefaultExports(r, e), evaluator);
        IReadOnlyDictionary<string, Value> noExports = new Dictionary<string, Value>();
        void ValidateAt(int i)
        {
            var component = plan.Components[i];
            var local = ScratchDiagnostics.Rent();
            if (planErrors.Count == 0 || !HasErrorIn(planErrors, component))
            {
                if (early is not null && early.TryGet(component, out var decodedEarly))
                {
                    outcomes[i] = (decodedEarly, DefaultsOf(component.Registration));
                    return;
                }

                var scope = noExports;
                for (var d = 0; d < component.Dependencies.Count; d++)
                {
                    if (exports[component.DependencyPositions[d]] is { } value)
                    {
                        // Never noExports itself: that one is shared by every component (and threads).
                        var placed = ReferenceEquals(scope, noExports) ? new Dictionary<string, Value>(StringComparer.Ordinal) : (Dictionary<string, Value>)scope;
                        Place(placed, component.Dependencies[d], value);
                        scope = placed;
                    }
                }

                evaluator.DecodeArguments(component.Block, component.Source, component.Registration.ArgumentsType, scope, stability, local);
            }

            outcomes[i] = (ScratchDiagnostics.Keep(local), DefaultsOf(component.Registration));
        }

        // Decoded in the plan's order, runs of components that do not reference each other on every core (as the
        // first load of `river run` stages them); a run only reads the exports of earlier runs, and the
        // diagnostics are reported in the plan's order either way.
        foreach (var (from, to) in ComponentController.IndependentRuns(plan))
        {
            ComponentController.ForEachIndex(from, to, ValidateAt);

            for (var i = from; i < to; i++)
            {
                exports[i] = outcomes[i].Exports;
            }
        }

        StartupTrace.Mark("decode");
        foreach (var (local, _) in outcomes)
        {
            if (local is not null)
            {
                diagnostics.AddRange(local.Items);
            }
        }

        return diagnostics.Items;
    }

    // Not a lambda in ValidateFiles: its closure would be allocated for every component, errors or not.
    private static bool HasErrorIn(List<Diagnostic> errors, ComponentDeclaration component)
    {
        foreach (var d in errors)
        {
            if (d.Source == component.Source && d.Span.Start >= component.Block.Span.Start && d.Span.End <= component.Block.Span.End)
            {
                return true;
            }
        }

        return false;
    }

    private static Value DefaultExports(ComponentRegistration registration, IComponentEvaluator evaluator)
    {
        if (registration.ExportsType?.GetConstructor(Type.EmptyTypes) is null)
        {
            return ObjectValue.Empty;
        }

        try
        {
            return evaluator.Encode(Activator.CreateInstance(registration.ExportsType));
        }
        catch (System.Reflection.TargetInvocationException)
        {
            return ObjectValue.Empty;
        }
    }

    private static void Place(Dictionary<string, Value> scope, string id, Value value)
    {
        var parts = id.Split('.');
        scope.TryGetValue(parts[0], out var root);
        scope[parts[0]] = SetIn(root, parts, 1, value);

        static Value SetIn(Value? current, string[] path, int index, Value value)
        {
            if (index == path.Length)
            {
                return value;
            }

            var obj = current as ObjectValue ?? ObjectValue.Empty;
            obj.TryGet(path[index], out var child);
            return obj.With(path[index], SetIn(child, path, index + 1, value));
        }
    }
}
