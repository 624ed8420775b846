using River.Components.Otelcol.Config;
using River.Runtime;
using River.Values;

namespace River.Components.Otelcol.Storage.File;

/// <summary>Arguments of <c>otelcol.storage.file</c>, with Alloy's names and defaults.</summary>
public sealed class FileStorageArguments : IValidatable
{
    /// <summary>Where components keep their files; default: this component's directory under <c>--storage.path</c>.</summary>
    [River("directory")]
    public string? Directory { get; init; }

    /// <summary>Create the directory when it does not exist.</summary>
    [River("create_directory")]
    public bool CreateDirectory { get; init; } = true;

    /// <summary>Octal permissions of a directory created here.</summary>
    [River("directory_permissions")]
    public string DirectoryPermissions { get; init; } = "0750";

    /// <summary>Flush every queued batch to the disk before it counts as stored (survives power loss, costs a sync per batch).</summary>
    [River("fsync")]
    public bool Fsync { get; init; }

    /// <summary>Accepted for compatibility: bbolt's file-lock timeout; River's plain files take no lock.</summary>
    [River("timeout")]
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Accepted for compatibility: bbolt compaction has no counterpart (finished batches are deleted files).</summary>
    [RiverBlock("compaction")]
    public CompactionArguments? Compaction { get; init; }

    /// <inheritdoc />
    public void Validate(ValidationContext context)
    {
        if (!TryParsePermissions(DirectoryPermissions, out _))
        {
            context.Error("directory_permissions", $"\"{DirectoryPermissions}\" is not octal permissions such as \"0750\"");
        }

        if (Timeout < TimeSpan.Zero)
        {
            context.Error("timeout", "timeout must not be negative");
        }
    }

    /// <summary>Parses octal permissions ("0750", "750").</summary>
    public static bool TryParsePermissions(string text, out UnixFileMode mode)
    {
        mode = 0;
        if (text.Length is 0 or > 4)
        {
            return false;
        }

        var value = 0;
        foreach (var c in text)
        {
            if (c is < '0' or > '7')
            {
                return false;
            }

            value = (value * 8) + (c - '0');
        }

        mode = (UnixFileMode)value;
        return true;
    }
}

/// <summary>The <c>compaction</c> block of <c>otelcol.storage.file</c> (bbolt settings; nothing to compact in River).</summary>
public sealed class CompactionArguments
{
    /// <summary>Compact when the component starts.</summary>
    [River("on_start")]
    public bool OnStart { get; init; }

    /// <summary>Compact when the database shrinks.</summary>
    [River("on_rebound")]
    public bool OnRebound { get; init; }

    /// <summary>Where the compaction writes its temporary file.</summary>
    [River("directory")]
    public string? Directory { get; init; }

    /// <summary>Keys per compaction transaction.</summary>
    [River("max_transaction_size")]
    public long MaxTransactionSize { get; init; } = 65536;

    /// <summary>Size that makes a rebound compaction necessary.</summary>
    [River("rebound_needed_threshold_mib")]
    public long ReboundNeededThresholdMib { get; init; } = 100;

    /// <summary>Size under which a rebound compaction runs.</summary>
    [River("rebound_trigger_threshold_mib")]
    public long ReboundTriggerThresholdMib { get; init; } = 10;

    /// <summary>How often the rebound conditions are checked.</summary>
    [River("check_interval")]
    public TimeSpan CheckInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Remove temporary compaction files left at start.</summary>
    [River("cleanup_on_start")]
    public bool CleanupOnStart { get; init; }
}

/// <summary>The exports of <c>otelcol.storage.file</c>: a handler for <c>sending_queue { storage = … }</c>.</summary>
public sealed class FileStorageExports
{
    /// <summary>The storage handler.</summary>
    [River("handler")]
    public required FileStorageHandler Handler { get; init; }
}

/// <summary>
/// <c>otelcol.storage.file</c>: names a directory where exporters keep their persistent sending queues (one
/// sub-directory per component id). River writes plain files there rather than a bbolt database.
/// </summary>
public sealed class FileStorageComponent : IPassiveComponent
{
    private readonly ComponentOptions _options;

    /// <summary>Creates the component and publishes its handler.</summary>
    public FileStorageComponent(ComponentOptions options, FileStorageArguments arguments)
    {
        _options = options;
        Publish(arguments);
    }

    /// <summary>The catalog entry.</summary>
    public static ComponentRegistration Registration { get; } = new(
        "otelcol.storage.file",
        typeof(FileStorageArguments),
        typeof(FileStorageExports),
        StabilityLevel.GenerallyAvailable,
        static (options, arguments) => new FileStorageComponent(options, (FileStorageArguments)arguments));

    /// <inheritdoc />
    public void Update(object arguments) => Publish((FileStorageArguments)arguments);

    private void Publish(FileStorageArguments arguments)
    {
        var directory = arguments.Directory ?? _options.DataPath;
        if (arguments.CreateDirectory && !System.IO.Directory.Exists(directory))
        {
            FileStorageArguments.TryParsePermissions(arguments.DirectoryPermissions, out var mode);
            if (OperatingSystem.IsWindows())
            {
                System.IO.Directory.CreateDirectory(directory);
            }
            else
            {
                System.IO.Directory.CreateDirectory(directory, mode);
            }
        }

        _options.OnStateChange(new FileStorageExports { Handler = new FileStorageHandler(directory, arguments.Fsync) });
    }
}
