using River.Components.Beyla;
using River.Components.Discovery.Relabel;
using River.Components.Otelcol.Auth.Basic;
using River.Components.Otelcol.Auth.Bearer;
using River.Components.Otelcol.Exporter.Debug;
using River.Components.Otelcol.Exporter.Otlp;
using River.Components.Otelcol.Exporter.OtlpHttp;
using River.Components.Otelcol.Processor.Batch;
using River.Components.Otelcol.Receiver.Otlp;
using River.Components.Otelcol.Storage.File;
using River.Components.Prom.Relabel;
using River.Components.Prom.RemoteWrite;
using River.Components.Prom.Scrape;
using River.Runtime;

namespace River.Components;

/// <summary>
/// Every component River knows, in one list: the registry is explicit (no assembly scanning), so this file is the
/// whole catalog. A wrong registration fails loudly when the runtime builds its registry at start-up.
/// </summary>
public static class ComponentCatalog
{
    /// <summary>All registrations, sorted by name.</summary>
    public static IReadOnlyList<ComponentRegistration> All { get; } =
    [
        BeylaComponent.Registration,
        DiscoveryRelabelComponent.Registration,
        BasicAuthComponent.Registration,
        BearerAuthComponent.Registration,
        DebugExporterComponent.Registration,
        OtlpExporterComponent.Registration,
        OtlpHttpExporterComponent.Registration,
        BatchProcessorComponent.Registration,
        OtlpReceiverComponent.Registration,
        FileStorageComponent.Registration,
        PrometheusRelabelComponent.Registration,
        RemoteWriteComponent.Registration,
        ScrapeComponent.Registration,
    ];
}
