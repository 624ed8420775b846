using System.Text.RegularExpressions;

namespace River.Components.Beyla.Discovery;

/// <summary>
/// One compiled selector: every criterion that is set must match (AND). Built from a <c>services</c> /
/// <c>exclude_services</c> block or from the top-level <c>open_port</c> and <c>executable_name</c>.
/// </summary>
public sealed class ServiceSelector
{
    /// <summary>Compiles a selector.</summary>
    public ServiceSelector(string name, string @namespace, PortList ports, Regex? exePath, bool hasKubernetesCriteria = false)
    {
        Name = name;
        Namespace = @namespace;
        Ports = ports;
        ExePath = exePath;
        HasKubernetesCriteria = hasKubernetesCriteria;
    }

    /// <summary>Service name for matching processes ("" = derive).</summary>
    public string Name { get; }

    /// <summary>Service namespace for matching processes.</summary>
    public string Namespace { get; }

    /// <summary>Ports of which the process must listen on one (empty = not a criterion).</summary>
    public PortList Ports { get; }

    /// <summary>Regex on the executable path or the full command line (null = not a criterion).</summary>
    public Regex? ExePath { get; }

    /// <summary>
    /// True when the selector has Kubernetes criteria. Outside Kubernetes no process has such metadata, so the
    /// selector cannot match (River does not run informers).
    /// </summary>
    public bool HasKubernetesCriteria { get; }

    /// <summary>True when the selector has at least one criterion; an empty selector matches nothing.</summary>
    public bool HasCriteria => !Ports.IsEmpty || ExePath is not null || HasKubernetesCriteria;

    /// <summary>Builds from a services block (assumed validated).</summary>
    public static ServiceSelector From(ServiceSelectorBlock block)
    {
        ArgumentNullException.ThrowIfNull(block);
        return new ServiceSelector(
            block.Name,
            block.Namespace,
            PortList.Parse(block.OpenPorts),
            block.ExePath.Length > 0 ? new Regex(block.ExePath, RegexOptions.CultureInvariant) : null,
            !(block.Kubernetes?.IsEmpty ?? true));
    }

    /// <summary>True when every criterion that is set matches the process.</summary>
    public bool Matches(ProcessSnapshot process, IReadOnlySet<int> ports)
    {
        ArgumentNullException.ThrowIfNull(process);
        ArgumentNullException.ThrowIfNull(ports);
        if (!HasCriteria || HasKubernetesCriteria)
        {
            return false;
        }

        if (!Ports.IsEmpty && !Ports.ContainsAny(ports))
        {
            return false;
        }

        // The documented subject is "the full command line including the directory": try the resolved executable
        // path first, then the command line as the process gave it.
        return ExePath is null
            || (process.ExePath.Length > 0 && ExePath.IsMatch(process.ExePath))
            || (process.CommandLine.Length > 0 && ExePath.IsMatch(process.CommandLine))
            || (process.ExePath.Length > 0 && ExePath.IsMatch(process.ExePath + " " + ArgsAfterFirst(process.CommandLine)));
    }

    private static string ArgsAfterFirst(string commandLine)
    {
        var sp = commandLine.IndexOf(' ');
        return sp < 0 ? "" : commandLine[(sp + 1)..];
    }
}
