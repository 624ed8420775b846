using River.Values;

namespace River.Components.Otelcol.Config;

/// <summary>The <c>sending_queue</c> block: batches wait here for one of the consumers that send them.</summary>
public sealed class QueueArguments : IValidatable
{
    /// <summary>When false, the caller sends synchronously (no queue, no concurrency).</summary>
    [River("enabled")]
    public bool Enabled { get; init; } = true;

    /// <summary>How many batches are sent concurrently.</summary>
    [River("num_consumers")]
    public int NumConsumers { get; init; } = 10;

    /// <summary>Capacity, in batches (requests).</summary>
    [River("queue_size")]
    public int QueueSize { get; init; } = 1000;

    /// <summary>When true, a full queue makes the caller wait instead of refusing the data.</summary>
    [River("block_on_overflow")]
    public bool BlockOnOverflow { get; init; }

    /// <summary>
    /// The handler of an <c>otelcol.storage.file</c> component. When set, the queue lives on disk and survives a crash
    /// (at-least-once delivery); otherwise it is in memory.
    /// </summary>
    [River("storage")]
    public FileStorageHandler? Storage { get; init; }

    /// <inheritdoc />
    public void Validate(ValidationContext context)
    {
        if (Enabled && NumConsumers < 1)
        {
            context.Error("num_consumers", "num_consumers must be at least 1");
        }

        if (Enabled && QueueSize < 1)
        {
            context.Error("queue_size", "queue_size must be at least 1");
        }
    }
}

/// <summary>A directory where components may keep durable state (exported by <c>otelcol.storage.file</c>).</summary>
/// <param name="Directory">The root directory; each component uses a sub-directory named after its id.</param>
public sealed record FileStorageHandler(string Directory);
