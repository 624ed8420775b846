using Microsoft.Extensions.Logging;

namespace River.Components.Otelcol.Exporter;

/// <summary>Log messages shared by the exporters.</summary>
internal static partial class ExporterLog
{
    [LoggerMessage(Level = LogLevel.Warning, Message = "sending_queue changes take effect after a restart of River; the running queue keeps its settings")]
    public static partial void LogQueueChangeIgnored(this ILogger logger);
}
