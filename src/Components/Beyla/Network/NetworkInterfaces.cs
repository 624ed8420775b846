using System.Globalization;
using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using River.Components.Beyla.Attributes;

namespace River.Components.Beyla.Network;

/// <summary>A network interface of this network namespace.</summary>
/// <param name="Name">Its name (<c>lo</c>, <c>eth0</c>).</param>
/// <param name="Index">Its kernel index.</param>
public readonly record struct InterfaceInfo(string Name, int Index);

/// <summary>
/// The <c>interfaces</c> / <c>exclude_interfaces</c> selection. An entry is an exact name, a glob (<c>veth*</c>), or a
/// regular expression between slashes (<c>/^eth[0-9]+$/</c>, Beyla's syntax). An interface is monitored when
/// <c>interfaces</c> is empty or one entry matches it, and no <c>exclude_interfaces</c> entry matches it.
/// </summary>
public sealed class InterfaceSelection
{
    private readonly Func<string, bool>[] _include;
    private readonly Func<string, bool>[] _exclude;

    /// <summary>Builds the selection; throws <see cref="ArgumentException"/> on an invalid pattern.</summary>
    public InterfaceSelection(IEnumerable<string> include, IEnumerable<string> exclude)
    {
        ArgumentNullException.ThrowIfNull(include);
        ArgumentNullException.ThrowIfNull(exclude);
        _include = [.. include.Select(Compile)];
        _exclude = [.. exclude.Select(Compile)];
    }

    /// <summary>True when <paramref name="name"/> is monitored.</summary>
    public bool Includes(string name) =>
        (_include.Length == 0 || _include.Any(m => m(name))) && !_exclude.Any(m => m(name));

    /// <summary>Checks one pattern; returns the reason it is invalid, or null.</summary>
    public static string? Check(string pattern)
    {
        try
        {
            _ = Compile(pattern);
            return null;
        }
        catch (ArgumentException ex)
        {
            return ex.Message;
        }
    }

    private static Func<string, bool> Compile(string pattern)
    {
        if (pattern.Length >= 2 && pattern[0] == '/' && pattern[^1] == '/')
        {
            try
            {
                var regex = new Regex(pattern[1..^1], RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
                return regex.IsMatch;
            }
            catch (ArgumentException ex)
            {
                throw new ArgumentException($"interface pattern \"{pattern}\" is not a valid regular expression: {ex.Message}", ex);
            }
        }

        if (!Glob.TryCreate(pattern, out var glob, out var error))
            throw new ArgumentException($"interface pattern \"{pattern}\": {error}");
        return name => glob!.IsMatch(name);
    }
}

/// <summary>Reads the interfaces of this network namespace and the agent's own IP address.</summary>
public static class NetworkInterfaces
{
    /// <summary>Every interface listed in <c>/sys/class/net</c>, with its index.</summary>
    public static IReadOnlyList<InterfaceInfo> List(string sysClassNet = "/sys/class/net")
    {
        var result = new List<InterfaceInfo>();
        if (!Directory.Exists(sysClassNet))
            return result;
        foreach (var dir in Directory.EnumerateFileSystemEntries(sysClassNet))
        {
            try
            {
                var text = File.ReadAllText(Path.Combine(dir, "ifindex")).Trim();
                if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var index))
                    result.Add(new InterfaceInfo(Path.GetFileName(dir), index));
            }
            catch (IOException)
            {
                // The interface went away between the listing and the read.
            }
            catch (UnauthorizedAccessException)
            {
            }
        }

        result.Sort((a, b) => a.Index.CompareTo(b.Index));
        return result;
    }

    /// <summary>
    /// The <c>beyla.ip</c> value: <c>agent_ip</c> when set; otherwise the address of the interface that
    /// <c>agent_ip_iface</c> names (<c>external</c>: the one holding the default route; <c>local</c>: the first
    /// non-loopback interface that is up; <c>name:X</c>: interface X), of the family <c>agent_ip_type</c> asks for.
    /// Falls back to the loopback address when nothing fits, so the label is never empty.
    /// </summary>
    public static string AgentIp(string agentIp, string agentIpIface, string agentIpType)
    {
        ArgumentNullException.ThrowIfNull(agentIpIface);
        if (!string.IsNullOrEmpty(agentIp))
            return agentIp;
        var family = agentIpType switch
        {
            "ipv4" => AddressFamily.InterNetwork,
            "ipv6" => AddressFamily.InterNetworkV6,
            _ => AddressFamily.Unspecified,
        };
        var interfaces = NetworkInterface.GetAllNetworkInterfaces();
        IEnumerable<NetworkInterface> candidates = agentIpIface switch
        {
            "external" => interfaces.Where(i => i.Name == DefaultRouteInterface()),
            "local" => interfaces.Where(i => i.NetworkInterfaceType != NetworkInterfaceType.Loopback && i.OperationalStatus != OperationalStatus.Down),
            _ when agentIpIface.StartsWith("name:", StringComparison.Ordinal) => interfaces.Where(i => i.Name == agentIpIface[5..]),
            _ => [],
        };
        foreach (var nic in candidates)
        {
            foreach (var unicast in nic.GetIPProperties().UnicastAddresses)
            {
                var a = unicast.Address;
                if (a.IsIPv6LinkLocal || (family != AddressFamily.Unspecified && a.AddressFamily != family))
                    continue;
                return a.ToString();
            }
        }

        return family == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Loopback.ToString() : IPAddress.Loopback.ToString();
    }

    /// <summary>The interface of the IPv4 default route (<c>/proc/net/route</c>), or null.</summary>
    public static string? DefaultRouteInterface(string procNetRoute = "/proc/net/route")
    {
        if (!File.Exists(procNetRoute))
            return null;
        foreach (var line in File.ReadLines(procNetRoute).Skip(1))
        {
            var fields = line.Split('\t', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            // Destination 00000000 with mask 00000000 is the default route.
            if (fields.Length > 7 && fields[1] == "00000000" && fields[7] == "00000000")
                return fields[0];
        }

        return null;
    }
}
