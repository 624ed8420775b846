namespace River.Components.Beyla.Discovery;

/// <summary>A process selected for instrumentation, with the service identity its telemetry carries.</summary>
/// <param name="Pid">Host process id.</param>
/// <param name="StartTicks">Start time in clock ticks (guards against pid reuse).</param>
/// <param name="ServiceName">The <c>service.name</c>.</param>
/// <param name="ServiceNamespace">The <c>service.namespace</c> ("" when none).</param>
/// <param name="InstanceId">The <c>service.instance.id</c>: <c>hostname:pid</c>.</param>
/// <param name="ExePath">Executable path.</param>
/// <param name="CommandLine">Command line.</param>
/// <param name="Ports">Listening TCP ports at discovery.</param>
/// <param name="SdkLanguage">Detected language for <c>telemetry.sdk.language</c> (go, java, dotnet, nodejs, python, ruby, rust, cpp, or generic).</param>
/// <param name="ResourceAttributes">Other attributes the process declares in <c>OTEL_RESOURCE_ATTRIBUTES</c>.</param>
public sealed record DiscoveredService(
    int Pid,
    long StartTicks,
    string ServiceName,
    string ServiceNamespace,
    string InstanceId,
    string ExePath,
    string CommandLine,
    IReadOnlyList<int> Ports,
    string SdkLanguage,
    IReadOnlyDictionary<string, string> ResourceAttributes)
{
    /// <summary>Prometheus <c>job</c>: <c>namespace/name</c>, or <c>name</c> without a namespace.</summary>
    public string Job => ServiceNamespace.Length > 0 ? $"{ServiceNamespace}/{ServiceName}" : ServiceName;
}

/// <summary>The selection after a scan, with what changed since the previous one.</summary>
/// <param name="Current">All selected processes by pid.</param>
/// <param name="Added">Newly selected processes.</param>
/// <param name="Removed">Processes no longer selected (exited or no longer matching).</param>
public sealed record DiscoveryChange(
    IReadOnlyDictionary<int, DiscoveredService> Current,
    IReadOnlyList<DiscoveredService> Added,
    IReadOnlyList<DiscoveredService> Removed);
