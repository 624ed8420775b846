using River.Components.Otelcol.Config;
using River.Runtime;
using River.Values;

namespace River.Components.Otelcol.Storage.File;

/// <summary>Arguments of <c>otelcol.storage.file</c>.</summary>
public sealed class FileStorageArguments
{
    /// <summary>Where components keep their files; default: this component's directory under <c>--storage.path</c>.</summary>
    [River("directory")]
    public string? Directory { get; init; }

    /// <summary>Create the directory when it does not exist.</summary>
    [River("create_directory")]
    public bool CreateDirectory { get; init; } = true;
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
public sealed class FileStorageComponent : IComponent
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
    public Task RunAsync(CancellationToken cancellationToken) =>
        Task.Delay(Timeout.Infinite, cancellationToken).ContinueWith(static _ => { }, TaskScheduler.Default);

    /// <inheritdoc />
    public void Update(object arguments) => Publish((FileStorageArguments)arguments);

    private void Publish(FileStorageArguments arguments)
    {
        var directory = arguments.Directory ?? _options.DataPath;
        if (arguments.CreateDirectory)
        {
            System.IO.Directory.CreateDirectory(directory);
        }

        _options.OnStateChange(new FileStorageExports { Handler = new FileStorageHandler(directory) });
    }
}
