namespace River.Components.Telemetry.Metrics;

/// <summary>
/// Where samples go in memory: what <c>forward_to</c> lists hold and what <c>prometheus.remote_write</c> and
/// <c>prometheus.relabel</c> export as <c>receiver</c>. Alloy calls this an Appendable.
/// </summary>
public interface IMetricsReceiver
{
    /// <summary>Starts a batch. Appenders are cheap, single-use and not thread-safe.</summary>
    IMetricsAppender Appender();
}

/// <summary>
/// A batch of samples. Nothing is visible downstream before <see cref="CommitAsync"/> returns; a receiver with
/// durability (the remote-write WAL) returns from it only once the batch is on disk.
/// </summary>
public interface IMetricsAppender
{
    /// <summary>Adds one sample to the batch.</summary>
    void Append(LabelSet labels, long timestampMs, double value);

    /// <summary>Hands the batch over. Throws when the receiver refused it (the caller logs and counts).</summary>
    ValueTask CommitAsync(CancellationToken cancellationToken = default);

    /// <summary>Discards the batch.</summary>
    void Rollback();
}

/// <summary>Sends one batch to several receivers (a <c>forward_to</c> list).</summary>
public sealed class FanoutAppender : IMetricsAppender
{
    private readonly IMetricsAppender[] _children;

    /// <summary>One appender per receiver.</summary>
    public FanoutAppender(IReadOnlyList<IMetricsReceiver> receivers)
    {
        _children = new IMetricsAppender[receivers.Count];
        for (var i = 0; i < _children.Length; i++)
        {
            _children[i] = receivers[i].Appender();
        }
    }

    /// <inheritdoc/>
    public void Append(LabelSet labels, long timestampMs, double value)
    {
        foreach (var c in _children)
        {
            c.Append(labels, timestampMs, value);
        }
    }

    /// <inheritdoc/>
    /// <remarks>Every child is committed even when one fails; the first failure is rethrown afterwards.</remarks>
    public async ValueTask CommitAsync(CancellationToken cancellationToken = default)
    {
        List<Exception>? errors = null;
        foreach (var c in _children)
        {
            try
            {
                await c.CommitAsync(cancellationToken);
            }
#pragma warning disable CA1031 // one failing receiver must not starve the others
            catch (Exception e) when (e is not OperationCanceledException)
#pragma warning restore CA1031
            {
                (errors ??= []).Add(e);
            }
        }

        if (errors is not null)
        {
            throw errors.Count == 1 ? errors[0] : new AggregateException(errors);
        }
    }

    /// <inheritdoc/>
    public void Rollback()
    {
        foreach (var c in _children)
        {
            c.Rollback();
        }
    }
}

/// <summary>A receiver that keeps everything in memory (tests, debugging).</summary>
public sealed class CollectingReceiver : IMetricsReceiver
{
    private readonly List<Sample> _samples = [];
    private readonly Lock _lock = new();

    /// <summary>A snapshot of every committed sample, in commit order.</summary>
    public IReadOnlyList<Sample> Samples
    {
        get
        {
            lock (_lock)
            {
                return _samples.ToArray();
            }
        }
    }

    /// <summary>Number of commits seen.</summary>
    public int Commits { get; private set; }

    /// <inheritdoc/>
    public IMetricsAppender Appender() => new CollectingAppender(this);

    private sealed class CollectingAppender(CollectingReceiver owner) : IMetricsAppender
    {
        private readonly List<Sample> _batch = [];

        public void Append(LabelSet labels, long timestampMs, double value) => _batch.Add(new Sample(labels, timestampMs, value));

        public ValueTask CommitAsync(CancellationToken cancellationToken = default)
        {
            lock (owner._lock)
            {
                owner._samples.AddRange(_batch);
                owner.Commits++;
            }

            _batch.Clear();
            return ValueTask.CompletedTask;
        }

        public void Rollback() => _batch.Clear();
    }
}
