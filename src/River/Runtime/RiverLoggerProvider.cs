using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace River.Runtime;

/// <summary>
/// River's log output: one line per entry on stderr (or a given writer), in logfmt (default) or JSON, at the level
/// set by the top-level <c>logging</c> block; both can change at every reload. A logger whose category is
/// <c>component:{id}</c> tags its lines with <c>component_id={id}</c>.
/// </summary>
public sealed class RiverLoggerProvider : ILoggerProvider, ILoggerFactory
{
    private readonly TextWriter _output;
    private readonly Lock _gate = new();

    /// <summary>Creates a provider writing to <paramref name="output"/> (stderr when null).</summary>
    public RiverLoggerProvider(TextWriter? output = null) => _output = output ?? Console.Error;

    /// <summary>The least severe level written.</summary>
    public LogLevel MinimumLevel { get; set; } = LogLevel.Information;

    /// <summary>True for JSON lines, false for logfmt.</summary>
    public bool Json { get; set; }

    /// <summary>Applies a <c>logging</c> block.</summary>
    public void Apply(LoggingArguments arguments)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        MinimumLevel = arguments.Level switch
        {
            "debug" => LogLevel.Debug,
            "warn" => LogLevel.Warning,
            "error" => LogLevel.Error,
            _ => LogLevel.Information,
        };
        Json = arguments.Format == "json";
    }

    /// <inheritdoc/>
    public ILogger CreateLogger(string categoryName) =>
        categoryName.StartsWith(ComponentPrefix, StringComparison.Ordinal)
            ? new RiverLogger(this, categoryName[ComponentPrefix.Length..], component: true)
            : new RiverLogger(this, categoryName, component: false);

    /// <summary>
    /// The logger of category <c>component:{id}</c> (its lines tagged <c>component_id={id}</c>), made without
    /// joining the category string: the runtime makes one per component.
    /// </summary>
    public ILogger CreateComponentLogger(string id) => new RiverLogger(this, id, component: true);

    /// <summary>
    /// A component's logger from <paramref name="factory"/>: <see cref="CreateComponentLogger"/> when it is River's
    /// own, else the factory's logger of category <c>component:{id}</c>.
    /// </summary>
    internal static ILogger ForComponent(ILoggerFactory factory, string id) =>
        factory is RiverLoggerProvider river ? river.CreateComponentLogger(id) : factory.CreateLogger(ComponentPrefix + id);

    private const string ComponentPrefix = "component:";

    /// <inheritdoc/>
    public void AddProvider(ILoggerProvider provider)
    {
        // River logs through this provider only.
    }

    /// <inheritdoc/>
    public void Dispose() => _output.Flush();

    private void Write(string name, bool component, LogLevel level, string message, Exception? exception, IEnumerable<KeyValuePair<string, object?>> fields)
    {
        var entries = new List<KeyValuePair<string, string>>
        {
            new("ts", DateTimeOffset.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture)),
            new("level", LevelName(level)),
            new("msg", message),
        };
        entries.Add(new(component ? "component_id" : "service", name));

        foreach (var (key, value) in fields)
        {
            if (key != "{OriginalFormat}")
            {
                entries.Add(new(ToSnake(key), Convert.ToString(value, CultureInfo.InvariantCulture) ?? "null"));
            }
        }

        if (exception is not null)
        {
            entries.Add(new("err", exception.Message));
        }

        var line = Json ? FormatJson(entries) : FormatLogfmt(entries);
        lock (_gate)
        {
            _output.WriteLine(line);
            _output.Flush();
        }
    }

    private static string FormatLogfmt(List<KeyValuePair<string, string>> entries)
    {
        var text = new StringBuilder();
        foreach (var (key, value) in entries)
        {
            if (text.Length > 0)
            {
                text.Append(' ');
            }

            text.Append(key).Append('=');
            if (value.Length > 0 && value.All(c => c > ' ' && c != '"' && c != '='))
            {
                text.Append(value);
            }
            else
            {
                text.Append('"').Append(value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal)).Append('"');
            }
        }

        return text.ToString();
    }

    private static string FormatJson(List<KeyValuePair<string, string>> entries)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            foreach (var (key, value) in entries)
            {
                writer.WriteString(key, value);
            }

            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static string LevelName(LogLevel level) => level switch
    {
        LogLevel.Trace or LogLevel.Debug => "debug",
        LogLevel.Information => "info",
        LogLevel.Warning => "warn",
        _ => "error",
    };

    private static string ToSnake(string name)
    {
        var text = new StringBuilder(name.Length + 4);
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (char.IsUpper(c))
            {
                if (i > 0)
                {
                    text.Append('_');
                }

                text.Append(char.ToLowerInvariant(c));
            }
            else
            {
                text.Append(c);
            }
        }

        return text.ToString();
    }

    // name: the component id when component is true, else the category (logged as the service).
    private sealed class RiverLogger(RiverLoggerProvider provider, string name, bool component) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None && logLevel >= provider.MinimumLevel;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel))
            {
                return;
            }

            var fields = state as IEnumerable<KeyValuePair<string, object?>> ?? [];
            provider.Write(name, component, logLevel, formatter(state, exception), exception, fields);
        }
    }
}
