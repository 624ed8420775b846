using System.Threading.Channels;
using Google.Protobuf;
using Microsoft.Extensions.Logging;
using River.Components.Telemetry.Otlp.Collector.Trace;
using River.Components.Telemetry.Traces;

namespace River.Components.Otelcol.Exporter;

/// <summary>A bounded queue of requests waiting to be sent, in memory or on disk.</summary>
internal interface IRequestQueue : IDisposable
{
    /// <summary>Batches waiting or in flight.</summary>
    int Count { get; }

    /// <summary>Adds a request; false when the queue is full.</summary>
    bool TryEnqueue(ExportTraceServiceRequest request);

    /// <summary>Adds a request, waiting for room.</summary>
    ValueTask EnqueueAsync(ExportTraceServiceRequest request, CancellationToken cancellationToken);

    /// <summary>Takes the next request without waiting; null when none is ready.</summary>
    QueuedRequest? TryDequeue();

    /// <summary>Waits until a request may be ready; false once the queue is closed and empty.</summary>
    ValueTask<bool> WaitAsync(CancellationToken cancellationToken);

    /// <summary>Marks a dequeued request as finished (sent or dropped for good): it will never come back.</summary>
    void Complete(QueuedRequest request);

    /// <summary>Puts a dequeued, unfinished request back at the end of the queue.</summary>
    void Requeue(QueuedRequest request);
}

/// <summary>A dequeued request and the queue's handle for it.</summary>
internal sealed record QueuedRequest(ExportTraceServiceRequest Request, long Sequence);

/// <summary>The in-memory queue: lost on a crash, like the Collector's default queue.</summary>
internal sealed class MemoryRequestQueue : IRequestQueue
{
    private readonly Channel<QueuedRequest> _channel;
    private readonly SemaphoreSlim _room;
    private int _count;

    public MemoryRequestQueue(int capacity)
    {
        _channel = Channel.CreateUnbounded<QueuedRequest>();
        _room = new SemaphoreSlim(capacity, capacity);
    }

    public int Count => Volatile.Read(ref _count);

    public bool TryEnqueue(ExportTraceServiceRequest request)
    {
        if (!_room.Wait(0))
        {
            return false;
        }

        Interlocked.Increment(ref _count);
        return _channel.Writer.TryWrite(new QueuedRequest(request, 0));
    }

    public async ValueTask EnqueueAsync(ExportTraceServiceRequest request, CancellationToken cancellationToken)
    {
        await _room.WaitAsync(cancellationToken).ConfigureAwait(false);
        Interlocked.Increment(ref _count);
        _channel.Writer.TryWrite(new QueuedRequest(request, 0));
    }

    public QueuedRequest? TryDequeue() => _channel.Reader.TryRead(out var item) ? item : null;

    public ValueTask<bool> WaitAsync(CancellationToken cancellationToken) => _channel.Reader.WaitToReadAsync(cancellationToken);

    public void Complete(QueuedRequest request)
    {
        // Room is freed only when the batch is done, so queue_size bounds waiting plus in-flight batches.
        Interlocked.Decrement(ref _count);
        _room.Release();
    }

    public void Requeue(QueuedRequest request) => _channel.Writer.TryWrite(request);

    public void Dispose() => _room.Dispose();
}

/// <summary>
/// The persistent queue: one file per request, named by a growing sequence number, written to a temporary name and
/// renamed into place (so a crash leaves either the whole file or none). A file is deleted only when its request is
/// finished, so a <c>kill -9</c> loses nothing queued: on start every remaining file, including those in flight when
/// the process died, is queued again (at-least-once delivery, duplicates possible — as the Collector's).
/// </summary>
internal sealed class PersistentRequestQueue : IRequestQueue
{
    private const string Extension = ".otlp";
    private readonly string _directory;
    private readonly ILogger _logger;
    private readonly Channel<long> _ready = Channel.CreateUnbounded<long>();
    private readonly SemaphoreSlim _room;
    private readonly bool _fsync;
    private long _nextSequence;
    private int _count;

    public PersistentRequestQueue(string directory, int capacity, ILogger logger, bool fsync = false)
    {
        _directory = directory;
        _logger = logger;
        _fsync = fsync;
        Directory.CreateDirectory(directory);
        foreach (var stale in Directory.EnumerateFiles(directory, "*.tmp"))
        {
            // A write interrupted by a crash: the request was never acknowledged to the caller as queued.
            File.Delete(stale);
        }

        var existing = new List<long>();
        foreach (var path in Directory.EnumerateFiles(directory, "*" + Extension))
        {
            if (long.TryParse(Path.GetFileNameWithoutExtension(path), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var sequence))
            {
                existing.Add(sequence);
            }
        }

        existing.Sort();
        _room = new SemaphoreSlim(Math.Max(0, capacity - existing.Count), Math.Max(capacity, existing.Count));
        foreach (var sequence in existing)
        {
            _ready.Writer.TryWrite(sequence);
        }

        _count = existing.Count;
        _nextSequence = existing.Count > 0 ? existing[^1] + 1 : 1;
        if (existing.Count > 0)
        {
            _logger.LogInformation("persistent queue in {Directory}: {Count} batches from a previous run will be sent", directory, existing.Count);
        }
    }

    public int Count => Volatile.Read(ref _count);

    public bool TryEnqueue(ExportTraceServiceRequest request)
    {
        if (!_room.Wait(0))
        {
            return false;
        }

        Write(request);
        return true;
    }

    public async ValueTask EnqueueAsync(ExportTraceServiceRequest request, CancellationToken cancellationToken)
    {
        await _room.WaitAsync(cancellationToken).ConfigureAwait(false);
        Write(request);
    }

    public QueuedRequest? TryDequeue()
    {
        while (_ready.Reader.TryRead(out var sequence))
        {
            var path = PathOf(sequence);
            try
            {
                var request = ExportTraceServiceRequest.Parser.ParseFrom(File.ReadAllBytes(path));
                return new QueuedRequest(request, sequence);
            }
            catch (Exception ex) when (ex is IOException or InvalidProtocolBufferException)
            {
                // A damaged file cannot be sent; drop it rather than block the queue forever.
                _logger.LogError(ex, "dropping unreadable queued batch {Path}", path);
                Forget(sequence);
            }
        }

        return null;
    }

    public ValueTask<bool> WaitAsync(CancellationToken cancellationToken) => _ready.Reader.WaitToReadAsync(cancellationToken);

    public void Complete(QueuedRequest request) => Forget(request.Sequence);

    public void Requeue(QueuedRequest request) => _ready.Writer.TryWrite(request.Sequence);

    public void Dispose() => _room.Dispose();

    private void Write(ExportTraceServiceRequest request)
    {
        var sequence = Interlocked.Increment(ref _nextSequence) - 1;
        var path = PathOf(sequence);
        var temporary = path + ".tmp";
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                var encoder = OtlpTraceEncoder.Rent();
                var size = encoder.Measure(request);
                var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(size);
                try
                {
                    stream.Write(buffer, 0, encoder.Write(request, buffer));
                }
                finally
                {
                    System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
                }

                // With fsync the rename below never publishes a file whose data is only in the page cache (power loss).
                // A killed process loses nothing either way: the page cache belongs to the kernel.
                stream.Flush(flushToDisk: _fsync);
            }

            File.Move(temporary, path);
        }
        catch
        {
            _room.Release();
            throw;
        }

        Interlocked.Increment(ref _count);
        _ready.Writer.TryWrite(sequence);
    }

    private void Forget(long sequence)
    {
        try
        {
            File.Delete(PathOf(sequence));
        }
        catch (IOException ex)
        {
            _logger.LogWarning(ex, "could not delete finished queued batch {Sequence}", sequence);
        }

        Interlocked.Decrement(ref _count);
        _room.Release();
    }

    private string PathOf(long sequence) =>
        Path.Combine(_directory, sequence.ToString("D20", System.Globalization.CultureInfo.InvariantCulture) + Extension);
}
