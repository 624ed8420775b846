namespace River.Runtime;

/// <summary>
/// Watches a configuration path for changes: the directory holding the file (or the config directory itself), so
/// that editors that save by writing a temporary file and renaming it over the original are seen too. Every event
/// restarts a debounce timer; when it fires, <c>onChanged</c> runs once (never concurrently with itself). The
/// callback compares contents, so a burst of writes ends with exactly one reload of the final text.
/// </summary>
public sealed class ConfigWatcher : IDisposable
{
    private readonly FileSystemWatcher _watcher;
    private readonly Timer _timer;
    private readonly TimeSpan _debounce;
    private readonly Func<Task> _onChanged;
    private readonly SemaphoreSlim _running = new(1, 1);
    private readonly string? _fileName;
    private int _pending;
    private bool _disposed;

    /// <summary>Starts watching <paramref name="configPath"/> (a file or a directory).</summary>
    public ConfigWatcher(string configPath, TimeSpan debounce, Func<Task> onChanged)
    {
        ArgumentNullException.ThrowIfNull(configPath);
        _debounce = debounce;
        _onChanged = onChanged;
        var full = Path.GetFullPath(configPath);
        string directory;
        if (Directory.Exists(full))
        {
            directory = full;
        }
        else
        {
            directory = Path.GetDirectoryName(full) ?? ".";
            _fileName = Path.GetFileName(full);
        }

        _timer = new Timer(_ => _ = FireAsync(), null, Timeout.Infinite, Timeout.Infinite);
        _watcher = new FileSystemWatcher(directory)
        {
            NotifyFilter = NotifyFilters.FileName | NotifyFilters.LastWrite | NotifyFilters.Size | NotifyFilters.CreationTime,
            IncludeSubdirectories = false,
            InternalBufferSize = 64 * 1024,
        };
        _watcher.Changed += (_, e) => OnEvent(e.Name);
        _watcher.Created += (_, e) => OnEvent(e.Name);
        _watcher.Deleted += (_, e) => OnEvent(e.Name);
        _watcher.Renamed += (_, e) =>
        {
            OnEvent(e.Name);
            OnEvent(e.OldName);
        };

        // A lost event (buffer overflow) must not lose a change: treat it as "something changed".
        _watcher.Error += (_, _) => Schedule();
        _watcher.EnableRaisingEvents = true;
    }

    private void OnEvent(string? name)
    {
        if (name is null)
        {
            return;
        }

        var relevant = _fileName is null
            ? name.EndsWith(".alloy", StringComparison.Ordinal)
            : string.Equals(name, _fileName, StringComparison.Ordinal);
        if (relevant)
        {
            Schedule();
        }
    }

    private void Schedule()
    {
        lock (_timer)
        {
            if (!_disposed)
            {
                _timer.Change(_debounce, Timeout.InfiniteTimeSpan);
            }
        }
    }

    private async Task FireAsync()
    {
        // A change during a running callback is not lost: the flag makes the running one go round again.
        Interlocked.Exchange(ref _pending, 1);
        while (Volatile.Read(ref _pending) == 1 && await _running.WaitAsync(0).ConfigureAwait(false))
        {
            try
            {
                while (Interlocked.Exchange(ref _pending, 0) == 1 && !_disposed)
                {
                    await _onChanged().ConfigureAwait(false);
                }
            }
            finally
            {
                _running.Release();
            }
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        lock (_timer)
        {
            _disposed = true;
            _timer.Dispose();
        }

        _watcher.Dispose();
    }
}
