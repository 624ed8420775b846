using System.Security.Cryptography;
using System.Text;
using Prometheus;

namespace River.Runtime;

/// <summary>
/// River's own metrics, in a registry of their own (one per host, so several hosts in one process do not mix):
/// build info, config load results and hash, running components by health, evaluation timings.
/// </summary>
public sealed class RuntimeMetrics
{
    private readonly Gauge _lastLoadSuccessful;
    private readonly Counter _loadFailures;
    private readonly Gauge _configHash;
    private readonly Gauge _runningComponents;
    private readonly Histogram _evaluationSeconds;
    private readonly Gauge _queueSize;
    private string? _currentHash;

    /// <summary>Creates the metrics in a fresh registry.</summary>
    public RuntimeMetrics(string version)
    {
        Registry = Metrics.NewCustomRegistry();
        var factory = Metrics.WithCustomRegistry(Registry);
        factory.CreateGauge("river_build_info", "River build information.", "version", "goversion")
            .WithLabels(version, Environment.Version.ToString()).Set(1);
        _lastLoadSuccessful = factory.CreateGauge("river_config_last_load_successful", "Whether the last configuration load succeeded (1) or failed (0).");
        _loadFailures = factory.CreateCounter("river_config_load_failures_total", "Configuration loads that failed.");
        _configHash = factory.CreateGauge("river_config_hash", "Hash of the currently active configuration (value always 1).", "sha256");
        _runningComponents = factory.CreateGauge("river_component_controller_running_components", "Components managed by the controller, by health.", "health_type");
        _evaluationSeconds = factory.CreateHistogram(
            "river_component_evaluation_seconds",
            "Time spent evaluating one component.",
            new HistogramConfiguration { Buckets = Histogram.ExponentialBuckets(0.00001, 4, 10) });
        _queueSize = factory.CreateGauge("river_component_evaluation_queue_size", "Components whose exports changed and whose dependants wait for evaluation.");
    }

    /// <summary>The registry holding these metrics.</summary>
    public CollectorRegistry Registry { get; }

    /// <summary>Records a successful load of a config with the given source texts.</summary>
    public void LoadSucceeded(IEnumerable<string> texts)
    {
        _lastLoadSuccessful.Set(1);
        var hash = Hash(texts);
        if (_currentHash is not null && _currentHash != hash)
        {
            _configHash.RemoveLabelled(_currentHash);
        }

        _currentHash = hash;
        _configHash.WithLabels(hash).Set(1);
    }

    /// <summary>Records a failed load.</summary>
    public void LoadFailed()
    {
        _lastLoadSuccessful.Set(0);
        _loadFailures.Inc();
    }

    /// <summary>Times one evaluation.</summary>
    public void ObserveEvaluation(TimeSpan elapsed) => _evaluationSeconds.Observe(elapsed.TotalSeconds);

    /// <summary>Sets the queue size gauge.</summary>
    public void SetQueueSize(int size) => _queueSize.Set(size);

    /// <summary>Sets the per-health component counts.</summary>
    public void SetRunning(IEnumerable<ComponentNode> nodes)
    {
        var counts = new Dictionary<HealthState, int>
        {
            [HealthState.Healthy] = 0,
            [HealthState.Unhealthy] = 0,
            [HealthState.Unknown] = 0,
            [HealthState.Exited] = 0,
        };
        foreach (var node in nodes)
        {
            counts[node.Health.State]++;
        }

        foreach (var (state, count) in counts)
        {
            _runningComponents.WithLabels(HealthAggregation.StateName(state)).Set(count);
        }
    }

    /// <summary>SHA-256 (hex) over the texts in order, the value of <c>river_config_hash</c>.</summary>
    public static string Hash(IEnumerable<string> texts)
    {
        using var sha = new Utf8Sha256();
        foreach (var text in texts)
        {
            sha.Append(text, endOfText: true);
        }

        return sha.Finish();
    }
}

/// <summary>
/// SHA-256 over the UTF-8 encoding of texts, encoded piece by piece through one small buffer (a config of megabytes
/// is not copied into a byte array, nor concatenated with its path, to be hashed).
/// </summary>
internal sealed class Utf8Sha256 : IDisposable
{
    private readonly IncrementalHash _sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly Encoder _encoder = Encoding.UTF8.GetEncoder();
    private readonly byte[] _buffer = new byte[16 * 1024];

    /// <summary>
    /// Hashes <paramref name="text"/>. Pieces appended with <paramref name="endOfText"/> false continue into the next
    /// one, so path, separator and text hash as the UTF-8 of their concatenation would.
    /// </summary>
    public void Append(ReadOnlySpan<char> text, bool endOfText)
    {
        while (true)
        {
            _encoder.Convert(text, _buffer, endOfText, out var charsUsed, out var bytesUsed, out var completed);
            _sha.AppendData(_buffer, 0, bytesUsed);
            text = text[charsUsed..];
            if (text.IsEmpty && (completed || !endOfText))
            {
                return;
            }
        }
    }

    /// <summary>The hash in lower-case hex.</summary>
    public string Finish() => Convert.ToHexStringLower(_sha.GetHashAndReset());

    /// <inheritdoc/>
    public void Dispose() => _sha.Dispose();
}
