using Microsoft.Extensions.Logging;
using River.Runtime;

namespace River.Components.Prom.Scrape;

/// <summary>
/// <c>prometheus.scrape</c>: one <see cref="ScrapeLoop"/> per target. On update, loops of unchanged targets keep
/// running (and their series caches), removed targets mark their series stale, new targets start at their offset.
/// Health is unhealthy while any target's last scrape failed; the message names the target and the error (for a
/// parse error: line, column and the offending line).
/// </summary>
public sealed class ScrapeComponent : IComponent, IHealthReporter, IDebugInfoProvider, IDisposable
{
    private readonly ComponentOptions _options;
    private readonly PipelineMetrics _metrics;
    private readonly Lock _lock = new();
    private readonly Dictionary<ulong, (ScrapeLoop Loop, CancellationTokenSource Cts, Task Task)> _loops = [];
    private ScrapeArguments _args;
    private HttpClient _http;
    private HttpMessageHandler? _ownedHandler;
    private List<string> _targetErrors = [];
    private CancellationToken _runToken;
    private bool _running;

    /// <summary>The catalog entry.</summary>
    public static ComponentRegistration Registration { get; } = new(
        "prometheus.scrape",
        typeof(ScrapeArguments),
        null,
        StabilityLevel.GenerallyAvailable,
        static (options, args) => new ScrapeComponent(options, (ScrapeArguments)args));

    /// <summary>Builds the component; scraping starts in <see cref="RunAsync"/>.</summary>
    public ScrapeComponent(ComponentOptions options, ScrapeArguments arguments)
    {
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _args = arguments ?? throw new ArgumentNullException(nameof(arguments));
        _metrics = new PipelineMetrics(options.Registry, options.Id);
        (_http, _ownedHandler) = CreateClient(arguments);
    }

    /// <summary>The status of every target.</summary>
    public IReadOnlyList<TargetStatus> Targets
    {
        get
        {
            lock (_lock)
            {
                return _loops.Values.Select(l => l.Loop.Status).ToArray();
            }
        }
    }

    /// <inheritdoc/>
    public object? DebugInfo => new ScrapeDebugInfo
    {
        Targets = Targets.Select(t => new TargetDebugInfo
        {
            Job = t.Job,
            Url = t.Url,
            Health = t.Health,
            Labels = t.Labels.ToDictionary(),
            LastError = t.LastError,
            LastScrape = t.LastScrape == default ? "" : t.LastScrape.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
            LastScrapeDuration = t.LastScrapeDuration,
        }).ToList(),
    };

    /// <summary>The loops (tests drive single scrapes through them).</summary>
    public IReadOnlyList<ScrapeLoop> Loops
    {
        get
        {
            lock (_lock)
            {
                return _loops.Values.Select(l => l.Loop).ToArray();
            }
        }
    }

    /// <inheritdoc/>
    public ComponentHealth CurrentHealth
    {
        get
        {
            var failing = new List<string>();
            lock (_lock)
            {
                failing.AddRange(_targetErrors);
                foreach (var (loop, _, _) in _loops.Values)
                {
                    if (loop.Status.Health == "down")
                    {
                        failing.Add($"{loop.Status.Url}: {loop.Status.LastError}");
                    }
                }
            }

            return failing.Count == 0 ? ComponentHealth.Healthy() : ComponentHealth.Unhealthy($"{failing.Count} target(s) failing: " + string.Join("; ", failing));
        }
    }

    private (HttpClient, HttpMessageHandler?) CreateClient(ScrapeArguments args)
    {
        var (handler, owned) = HttpClientConfig.CreateHandler(_options.HttpHandler, args.TlsConfig);
        return (new HttpClient(handler, disposeHandler: false) { Timeout = Timeout.InfiniteTimeSpan }, owned ? handler : null);
    }

    /// <inheritdoc/>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            _runToken = cancellationToken;
            _running = true;
        }

        Sync(_args);
        try
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }
        catch (OperationCanceledException)
        {
            // stop
        }

        List<(ScrapeLoop Loop, CancellationTokenSource Cts, Task Task)> loops;
        lock (_lock)
        {
            _running = false;
            loops = [.. _loops.Values];
            _loops.Clear();
        }

        await Task.WhenAll(loops.Select(l => l.Task));
        foreach (var l in loops)
        {
            l.Cts.Dispose();
        }
    }

    /// <inheritdoc/>
    public void Update(object arguments)
    {
        var args = (ScrapeArguments)arguments;
        lock (_lock)
        {
            var old = _args;
            _args = args;
            if (!ReferenceEquals(old, args) && ClientSettingsChanged(old, args))
            {
                // Auth or TLS changed: every loop restarts on the new client.
                foreach (var l in _loops.Values)
                {
                    l.Cts.Cancel();
                }

                _loops.Clear();
                (_http, _ownedHandler) = CreateClient(args);
            }
        }

        Sync(args);
    }

    private static bool ClientSettingsChanged(ScrapeArguments a, ScrapeArguments b) =>
        !ReferenceEquals(a.TlsConfig, b.TlsConfig) || !ReferenceEquals(a.BasicAuth, b.BasicAuth) || !ReferenceEquals(a.Authorization, b.Authorization)
        || a.BearerToken != b.BearerToken || a.BearerTokenFile != b.BearerTokenFile || a.ScrapeInterval != b.ScrapeInterval
        || a.ScrapeTimeout != b.ScrapeTimeout || a.HonorLabels != b.HonorLabels || a.HonorTimestamps != b.HonorTimestamps
        || a.SampleLimit != b.SampleLimit || a.LabelLimit != b.LabelLimit || a.BodySizeLimit != b.BodySizeLimit;

    // Reconciles the running loops with the target list.
    private void Sync(ScrapeArguments args)
    {
        var job = args.JobName.Length > 0 ? args.JobName : _options.Id;
        var wanted = new Dictionary<ulong, ScrapeTarget>();
        var errors = new List<string>();
        foreach (var t in args.Targets)
        {
            if (ScrapeTarget.Resolve(t, args, job, out var error) is { } target)
            {
                wanted.TryAdd(target.Hash, target);
            }
            else
            {
                errors.Add(error!);
            }
        }

        if (args.TargetLimit > 0 && wanted.Count > args.TargetLimit)
        {
            errors.Add($"target limit exceeded: {wanted.Count} targets, limit is {args.TargetLimit}; none are scraped");
            wanted.Clear();
        }

        lock (_lock)
        {
            _targetErrors = errors;
            if (!_running)
            {
                return;
            }

            foreach (var (hash, entry) in _loops.ToArray())
            {
                if (!wanted.ContainsKey(hash))
                {
                    _loops.Remove(hash);
                    entry.Cts.Cancel();
                    _ = entry.Task.ContinueWith(_ => entry.Loop.MarkAllStaleAsync(), TaskScheduler.Default).Unwrap();
                }
                else
                {
                    entry.Loop.ForwardTo = args.ForwardTo;
                }
            }

            foreach (var (hash, target) in wanted)
            {
                if (_loops.ContainsKey(hash))
                {
                    continue;
                }

                var loop = new ScrapeLoop(target, args, _http, _options.Logger, _metrics) { ForwardTo = args.ForwardTo };
                var cts = CancellationTokenSource.CreateLinkedTokenSource(_runToken);
                _loops[hash] = (loop, cts, Task.Run(() => loop.RunAsync(cts.Token), CancellationToken.None));
            }

            _metrics.ScrapeTargets.WithLabels(_metrics.Labels()).Set(_loops.Count);
        }

        foreach (var e in errors)
        {
            _options.Logger.LogWarning("target not scraped: {Error}", e);
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _http.Dispose();
        _ownedHandler?.Dispose();
    }
}
