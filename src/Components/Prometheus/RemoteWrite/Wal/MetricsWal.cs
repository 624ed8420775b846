using System.Buffers.Binary;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Win32.SafeHandles;

namespace River.Components.Prom.RemoteWrite.Wal;

/// <summary>A place in the WAL: a segment number and a byte offset inside it.</summary>
public readonly record struct WalPosition(long Segment, long Offset) : IComparable<WalPosition>
{
    /// <inheritdoc/>
    public int CompareTo(WalPosition other) => Segment != other.Segment ? Segment.CompareTo(other.Segment) : Offset.CompareTo(other.Offset);

    /// <summary>Ordering.</summary>
    public static bool operator <(WalPosition a, WalPosition b) => a.CompareTo(b) < 0;

    /// <summary>Ordering.</summary>
    public static bool operator >(WalPosition a, WalPosition b) => a.CompareTo(b) > 0;

    /// <summary>Ordering.</summary>
    public static bool operator <=(WalPosition a, WalPosition b) => a.CompareTo(b) <= 0;

    /// <summary>Ordering.</summary>
    public static bool operator >=(WalPosition a, WalPosition b) => a.CompareTo(b) >= 0;

    /// <inheritdoc/>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Segment}:{Offset}");
}

/// <summary>
/// The remote-write write-ahead log: numbered segment files (<c>00000001</c>, …) of records framed as
/// <c>u32 LE length, u32 LE CRC-32C, payload</c>. Appends are fsync'd in groups (concurrent committers share one
/// fsync) before <see cref="AppendAsync"/> returns; readers only see data that is already durable. On open, a torn
/// or corrupt tail of the last segment (a crash mid-write) is cut off and a fresh segment is started.
/// </summary>
public sealed class MetricsWal : IDisposable
{
    /// <summary>Bytes of framing before each payload.</summary>
    public const int HeaderSize = 8;

    private readonly ILogger _logger;
    private readonly long _segmentSize;
    private readonly Lock _writeLock = new();
    private readonly SemaphoreSlim _syncGate = new(1, 1);
    private SafeFileHandle _active;
    private long _activeSegment;
    private long _activeLength;
    private long _writeGen;
    private long _syncedGen;
    private WalPosition _pendingEnd;
    private WalPosition _durable;
    private TaskCompletionSource _dataSignal = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private bool _disposed;

    private MetricsWal(string directory, ILogger logger, long segmentSize)
    {
        Directory = directory;
        _logger = logger;
        _segmentSize = segmentSize;
        System.IO.Directory.CreateDirectory(directory);
        var segments = ListSegments(directory);
        if (segments.Count > 0)
        {
            RepairTail(segments[^1]);
        }

        _activeSegment = segments.Count > 0 ? segments[^1] + 1 : 1;
        _active = File.OpenHandle(SegmentPath(_activeSegment), FileMode.CreateNew, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);
        _durable = _pendingEnd = new WalPosition(_activeSegment, 0);
    }

    /// <summary>Opens (creating if needed) the WAL in <paramref name="directory"/>.</summary>
    public static MetricsWal Open(string directory, ILogger logger, long segmentSize = 64L << 20) => new(directory, logger, segmentSize);

    /// <summary>The directory holding the segments.</summary>
    public string Directory { get; }

    /// <summary>Everything before this position is on disk.</summary>
    public WalPosition DurableHead
    {
        get
        {
            lock (_writeLock)
            {
                return _durable;
            }
        }
    }

    /// <summary>The first position still stored (start of the oldest segment).</summary>
    public WalPosition Tail
    {
        get
        {
            var segs = ListSegments(Directory);
            return new WalPosition(segs.Count > 0 ? segs[0] : _activeSegment, 0);
        }
    }

    /// <summary>Total bytes of all segments.</summary>
    public long SizeBytes => ListSegments(Directory).Sum(s => new FileInfo(SegmentPath(s)).Length);

    /// <summary>The path of segment <paramref name="segment"/>.</summary>
    public string SegmentPath(long segment) => Path.Combine(Directory, segment.ToString("D8", CultureInfo.InvariantCulture));

    /// <summary>Segment numbers present on disk, ascending.</summary>
    public static List<long> ListSegments(string directory)
    {
        var list = new List<long>();
        if (!System.IO.Directory.Exists(directory))
        {
            return list;
        }

        foreach (var f in System.IO.Directory.EnumerateFiles(directory))
        {
            var name = Path.GetFileName(f);
            if (name.Length == 8 && name.All(char.IsAsciiDigit))
            {
                list.Add(long.Parse(name, CultureInfo.InvariantCulture));
            }
        }

        list.Sort();
        return list;
    }

    /// <summary>
    /// Appends one record and returns once it (and every record appended before it) is fsync'd. Returns the
    /// position just after the record.
    /// </summary>
    public async ValueTask<WalPosition> AppendAsync(byte[] payload, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(payload);
        var frame = new byte[HeaderSize + payload.Length];
        BinaryPrimitives.WriteUInt32LittleEndian(frame, (uint)payload.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(frame.AsSpan(4), Crc32C.Compute(payload));
        payload.CopyTo(frame, HeaderSize);
        long gen;
        WalPosition end;
        lock (_writeLock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_activeLength > 0 && _activeLength + frame.Length > _segmentSize)
            {
                RollLocked();
            }

            RandomAccess.Write(_active, frame, _activeLength);
            _activeLength += frame.Length;
            gen = ++_writeGen;
            end = _pendingEnd = new WalPosition(_activeSegment, _activeLength);
        }

        await SyncAsync(gen, cancellationToken);
        return end;
    }

    private async ValueTask SyncAsync(long gen, CancellationToken cancellationToken)
    {
        await _syncGate.WaitAsync(cancellationToken);
        try
        {
            if (Volatile.Read(ref _syncedGen) >= gen)
            {
                return; // another committer's fsync already covered this record
            }

            TaskCompletionSource signal;
            lock (_writeLock)
            {
                // fsync under the write lock: appends arriving meanwhile wait and are covered by the next group.
                RandomAccess.FlushToDisk(_active);
                Volatile.Write(ref _syncedGen, _writeGen);
                _durable = _pendingEnd;
                signal = _dataSignal;
                _dataSignal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }

            signal.TrySetResult();
        }
        finally
        {
            _syncGate.Release();
        }
    }

    /// <summary>Seals the active segment and starts a new one (truncation can then delete the sealed one).</summary>
    public void Roll()
    {
        TaskCompletionSource signal;
        lock (_writeLock)
        {
            if (_activeLength == 0)
            {
                return;
            }

            RollLocked();
            signal = _dataSignal;
            _dataSignal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        signal.TrySetResult();
    }

    private void RollLocked()
    {
        RandomAccess.FlushToDisk(_active);
        _active.Dispose();
        _activeSegment++;
        _activeLength = 0;
        _active = File.OpenHandle(SegmentPath(_activeSegment), FileMode.CreateNew, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);
        Volatile.Write(ref _syncedGen, _writeGen);
        _durable = _pendingEnd = new WalPosition(_activeSegment, 0);
    }

    /// <summary>Completes when data beyond <paramref name="position"/> is durable (or a segment was sealed).</summary>
    public Task WaitForDataAsync(WalPosition position, CancellationToken cancellationToken)
    {
        Task t;
        lock (_writeLock)
        {
            if (_durable > position)
            {
                return Task.CompletedTask;
            }

            t = _dataSignal.Task;
        }

        return t.WaitAsync(cancellationToken);
    }

    /// <summary>A reader starting at <paramref name="start"/> (clamped to what still exists).</summary>
    public WalReader OpenReader(WalPosition start) => new(this, start, _logger);

    /// <summary>The active (unsealed) segment number.</summary>
    public long ActiveSegment
    {
        get
        {
            lock (_writeLock)
            {
                return _activeSegment;
            }
        }
    }

    /// <summary>Deletes a sealed segment.</summary>
    public void DeleteSegment(long segment)
    {
        if (segment >= ActiveSegment)
        {
            throw new InvalidOperationException("the active segment cannot be deleted");
        }

        File.Delete(SegmentPath(segment));
    }

    // Keeps the valid prefix of a segment left by a crash: the first frame that is short or fails its CRC ends it.
    private void RepairTail(long segment)
    {
        var path = SegmentPath(segment);
        using var h = File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite);
        var length = RandomAccess.GetLength(h);
        long pos = 0;
        var header = new byte[HeaderSize];
        while (pos + HeaderSize <= length)
        {
            RandomAccess.Read(h, header, pos);
            var len = BinaryPrimitives.ReadUInt32LittleEndian(header);
            if (len > int.MaxValue || pos + HeaderSize + len > length)
            {
                break;
            }

            var payload = new byte[len];
            RandomAccess.Read(h, payload, pos + HeaderSize);
            if (Crc32C.Compute(payload) != BinaryPrimitives.ReadUInt32LittleEndian(header.AsSpan(4)))
            {
                break;
            }

            pos += HeaderSize + len;
        }

        if (pos != length)
        {
            _logger.LogWarning("WAL segment {Segment}: cut {Bytes} bytes of torn or corrupt tail at offset {Offset}", segment, length - pos, pos);
            RandomAccess.SetLength(h, pos);
            RandomAccess.FlushToDisk(h);
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        lock (_writeLock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            RandomAccess.FlushToDisk(_active);
            _active.Dispose();
            _dataSignal.TrySetResult();
        }

        _syncGate.Dispose();
    }
}

/// <summary>Reads durable records in order from a position, moving across segments and skipping deleted ones.</summary>
public sealed class WalReader : IDisposable
{
    private readonly MetricsWal _wal;
    private readonly ILogger _logger;
    private SafeFileHandle? _handle;
    private long _openSegment = -1;
    private readonly byte[] _header = new byte[MetricsWal.HeaderSize];

    internal WalReader(MetricsWal wal, WalPosition start, ILogger logger)
    {
        _wal = wal;
        _logger = logger;
        Position = start;
    }

    /// <summary>Where the next record starts.</summary>
    public WalPosition Position { get; private set; }

    /// <summary>Records skipped because they failed their CRC (counted; never silent).</summary>
    public long CorruptRecords { get; private set; }

    /// <summary>Positions jumped over because their segment had been deleted by truncation.</summary>
    public long SkippedSegments { get; private set; }

    /// <summary>The next durable record, or null when the reader has caught up.</summary>
    public byte[]? TryRead()
    {
        while (true)
        {
            var durable = _wal.DurableHead;
            if (Position >= durable)
            {
                return null;
            }

            var sealedSegment = Position.Segment < durable.Segment;
            if (!EnsureOpen())
            {
                continue;
            }

            var limit = sealedSegment ? RandomAccess.GetLength(_handle!) : durable.Offset;
            if (Position.Offset + MetricsWal.HeaderSize > limit)
            {
                if (sealedSegment)
                {
                    NextSegment();
                    continue;
                }

                return null;
            }

            RandomAccess.Read(_handle!, _header, Position.Offset);
            var len = BinaryPrimitives.ReadUInt32LittleEndian(_header);
            if (len > int.MaxValue || Position.Offset + MetricsWal.HeaderSize + len > limit)
            {
                CorruptRecords++;
                _logger.LogError("WAL segment {Segment}: truncated record at offset {Offset}; skipping the rest of the segment", Position.Segment, Position.Offset);
                NextSegment();
                continue;
            }

            var payload = new byte[len];
            RandomAccess.Read(_handle!, payload, Position.Offset + MetricsWal.HeaderSize);
            if (Crc32C.Compute(payload) != BinaryPrimitives.ReadUInt32LittleEndian(_header.AsSpan(4)))
            {
                CorruptRecords++;
                _logger.LogError("WAL segment {Segment}: CRC mismatch at offset {Offset}; skipping the rest of the segment", Position.Segment, Position.Offset);
                NextSegment();
                continue;
            }

            Position = Position with { Offset = Position.Offset + MetricsWal.HeaderSize + len };
            return payload;
        }
    }

    private bool EnsureOpen()
    {
        if (_openSegment == Position.Segment && _handle is not null)
        {
            return true;
        }

        _handle?.Dispose();
        _handle = null;
        try
        {
            _handle = File.OpenHandle(_wal.SegmentPath(Position.Segment), FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            _openSegment = Position.Segment;
            return true;
        }
        catch (FileNotFoundException)
        {
            // Truncated away (or never existed): continue at the oldest segment after it.
            var next = MetricsWal.ListSegments(_wal.Directory).FirstOrDefault(s => s > Position.Segment, _wal.ActiveSegment);
            SkippedSegments++;
            _logger.LogWarning("WAL segment {Segment} no longer exists; continuing at segment {Next}", Position.Segment, next);
            Position = new WalPosition(next, 0);
            return false;
        }
    }

    private void NextSegment()
    {
        Position = new WalPosition(Position.Segment + 1, 0);
    }

    /// <inheritdoc/>
    public void Dispose() => _handle?.Dispose();
}

/// <summary>
/// A persisted "sent up to" position for one endpoint: everything before it was delivered (or permanently
/// rejected). Written atomically (temp file, fsync, rename).
/// </summary>
public static class WalCheckpoint
{
    /// <summary>The checkpoint file of <paramref name="endpointName"/>.</summary>
    public static string PathFor(string walDirectory, string endpointName) => Path.Combine(walDirectory, "checkpoint." + endpointName);

    /// <summary>Reads a checkpoint, or null when none (or an unreadable one) exists.</summary>
    public static WalPosition? Read(string path)
    {
        try
        {
            var parts = File.ReadAllText(path).Trim().Split(' ');
            return parts.Length == 2 && long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var s)
                && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var o)
                ? new WalPosition(s, o)
                : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>Writes a checkpoint durably.</summary>
    public static void Write(string path, WalPosition position)
    {
        var tmp = path + ".tmp";
        using (var fs = new FileStream(tmp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            var bytes = System.Text.Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{position.Segment} {position.Offset}\n"));
            fs.Write(bytes);
            fs.Flush(flushToDisk: true);
        }

        File.Move(tmp, path, overwrite: true);
    }
}
