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

    /// <summary>The deprecated name of <c>block_on_overflow</c> (either one set to true blocks).</summary>
    [River("blocking")]
    public bool Blocking { get; init; }

    /// <summary>What <c>queue_size</c> counts: only <c>"requests"</c> (batches) is supported.</summary>
    [River("sizer")]
    public string Sizer { get; init; } = "requests";

    /// <summary>When true the caller would wait for the export result; River answers once the batch is queued.</summary>
    [River("wait_for_result")]
    public bool WaitForResult { get; init; }

    /// <summary>Batching inside the exporter: not supported, <c>otelcol.processor.batch</c> does it.</summary>
    [RiverBlock("batch")]
    public QueueBatchArguments? Batch { get; init; }

    /// <summary>Whether a full queue blocks the caller (<c>block_on_overflow</c> or its old name <c>blocking</c>).</summary>
    public bool Blocks => BlockOnOverflow || Blocking;

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

        if (Sizer != "requests")
        {
            context.Error("sizer", Sizer is "items" or "bytes"
                ? $"sizer \"{Sizer}\" is not supported: River counts queue_size in requests (batches); size batches with otelcol.processor.batch"
                : $"unknown sizer \"{Sizer}\"; use \"requests\"");
        }

        if (WaitForResult)
        {
            context.Error("wait_for_result", "wait_for_result = true is not supported: River acknowledges data once it is queued");
        }

        if (Batch is not null)
        {
            context.Error("batch", "the sending_queue batch block is not supported; batch with otelcol.processor.batch before the exporter");
        }
    }
}

/// <summary>The <c>sending_queue &gt; batch</c> block (decoded so that it can be refused with a clear message).</summary>
public sealed class QueueBatchArguments
{
    /// <summary>Send a batch this long after its first item.</summary>
    [River("flush_timeout")]
    public TimeSpan FlushTimeout { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Smallest batch sent before the timeout.</summary>
    [River("min_size")]
    public long MinSize { get; init; } = 2000;

    /// <summary>Largest batch.</summary>
    [River("max_size")]
    public long MaxSize { get; init; } = 3000;

    /// <summary>What the sizes count.</summary>
    [River("sizer")]
    public string Sizer { get; init; } = "items";
}

/// <summary>A directory where components may keep durable state (exported by <c>otelcol.storage.file</c>).</summary>
/// <param name="Directory">The root directory; each component uses a sub-directory named after its id.</param>
/// <param name="Fsync">Whether each write is flushed to the disk before it counts as stored (<c>fsync</c>).</param>
public sealed record FileStorageHandler(string Directory, bool Fsync = false);
