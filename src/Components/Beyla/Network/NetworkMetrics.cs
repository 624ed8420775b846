using System.Globalization;
using System.Net;
using Prometheus;
using River.Components.Beyla.Attributes;

namespace River.Components.Beyla.Network;

/// <summary>
/// Turns evicted flows into <c>beyla_network_flow_bytes_total</c> and <c>beyla_network_flow_packets_total</c>:
/// applies <c>protocols</c>/<c>exclude_protocols</c> and <c>filters.network</c>, decorates with <c>cidrs</c>, and
/// labels each counter with the attributes <c>attributes.select</c> chooses. Beyla's default set is
/// <c>direction</c> (plus <c>src_cidr</c>/<c>dst_cidr</c> when <c>cidrs</c> is set); the others are opt-in.
/// </summary>
public sealed class NetworkMetrics
{
    /// <summary>Selectable attributes of the flow metrics (OTel names), in label order.</summary>
    public static readonly string[] FlowAttributes =
    [
        "beyla.ip", "transport", "src.address", "dst.address", "src.port", "dst.port", "src.name", "dst.name",
        "iface", "direction", "src.cidr", "dst.cidr",
    ];

    /// <summary>IP protocol numbers by the names the <c>protocols</c> arguments accept (linux/in.h).</summary>
    public static readonly IReadOnlyDictionary<string, byte> ProtocolNumbers = new Dictionary<string, byte>(StringComparer.Ordinal)
    {
        ["IP"] = 0, ["ICMP"] = 1, ["IGMP"] = 2, ["IPIP"] = 4, ["TCP"] = 6, ["EGP"] = 8, ["PUP"] = 12, ["UDP"] = 17,
        ["IDP"] = 22, ["TP"] = 29, ["DCCP"] = 33, ["IPV6"] = 41, ["RSVP"] = 46, ["GRE"] = 47, ["ESP"] = 50,
        ["AH"] = 51, ["MTP"] = 92, ["BEETPH"] = 94, ["ENCAP"] = 98, ["PIM"] = 103, ["COMP"] = 108, ["L2TP"] = 115,
        ["SCTP"] = 132, ["UDPLITE"] = 136, ["MPLS"] = 137, ["ETHERNET"] = 143, ["RAW"] = 255,
    };

    private static readonly string[] TransportNames = BuildTransportNames();

    private readonly Counter _bytes;
    private readonly Counter _packets;
    private readonly string[] _bytesAttributes;
    private readonly string[] _packetsAttributes;
    private readonly AttributeFilter _filter;
    private readonly HashSet<byte>? _protocols;
    private readonly HashSet<byte> _excludedProtocols;
    private readonly (IPNetwork Network, string Text)[] _cidrs;
    private readonly string _agentIp;
    private readonly Dictionary<UInt128, string> _addressText = [];
    private readonly Dictionary<UInt128, string> _cidrText = [];

    /// <summary>Creates the counters in <paramref name="registry"/>.</summary>
    public NetworkMetrics(NetworkMetricsBlock network, IEnumerable<AttributeFilterBlock> filters, AttributeSelection selection,
        CollectorRegistry registry, string agentIp)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(selection);
        ArgumentNullException.ThrowIfNull(registry);
        _agentIp = agentIp ?? throw new ArgumentNullException(nameof(agentIp));
        _filter = new AttributeFilter(filters ?? []);
        _protocols = network.Protocols.Count > 0 ? [.. network.Protocols.Select(p => ProtocolNumbers[p])] : null;
        _excludedProtocols = [.. network.ExcludeProtocols.Select(p => ProtocolNumbers[p])];
        // Longest prefix first, so the most specific range names the address.
        _cidrs = [.. network.Cidrs.Select(c => (IPNetwork.Parse(c), c)).OrderByDescending(c => c.Item1.PrefixLength)];
        HashSet<string> defaults = ["direction"];
        if (_cidrs.Length > 0)
        {
            defaults.Add("src.cidr");
            defaults.Add("dst.cidr");
        }

        _bytesAttributes = [.. selection.Select("beyla_network_flow_bytes", FlowAttributes, defaults)];
        _packetsAttributes = [.. selection.Select("beyla_network_flow_packets", FlowAttributes, defaults)];
        var factory = Prometheus.Metrics.WithCustomRegistry(registry);
        _bytes = factory.CreateCounter("beyla_network_flow_bytes_total",
            "Bytes observed between two network endpoints", [.. _bytesAttributes.Select(LabelName)]);
        _packets = factory.CreateCounter("beyla_network_flow_packets_total",
            "Packets observed between two network endpoints", [.. _packetsAttributes.Select(LabelName)]);
    }

    /// <summary>Label names of <c>beyla_network_flow_bytes_total</c> (Prometheus spelling).</summary>
    public IReadOnlyList<string> BytesLabels => [.. _bytesAttributes.Select(LabelName)];

    /// <summary>Flows dropped by the protocol arguments or <c>filters.network</c>.</summary>
    public long Filtered { get; private set; }

    /// <summary>Adds one flow's totals; false when a protocol argument or filter drops it.</summary>
    public bool Record(in FlowRecord flow, string interfaceName)
    {
        var transport = flow.Key.Transport;
        if ((_protocols is not null && !_protocols.Contains(transport)) || _excludedProtocols.Contains(transport))
        {
            Filtered++;
            return false;
        }

        var state = (Metrics: this, Flow: flow, Iface: interfaceName);
        if (!_filter.IsEmpty && !_filter.Allows(state, static (s, attr) => s.Metrics.Value(s.Flow, s.Iface, attr)))
        {
            Filtered++;
            return false;
        }

        _bytes.WithLabels(Values(_bytesAttributes, flow, interfaceName)).Inc(flow.Bytes);
        _packets.WithLabels(Values(_packetsAttributes, flow, interfaceName)).Inc(flow.Packets);
        return true;
    }

    /// <summary>The name a transport number is reported by (<c>TCP</c>, <c>UDP</c>, or the number).</summary>
    public static string TransportName(byte transport) => TransportNames[transport];

    private string[] Values(string[] attributes, in FlowRecord flow, string iface)
    {
        var values = new string[attributes.Length];
        for (var i = 0; i < attributes.Length; i++)
            values[i] = Value(flow, iface, attributes[i]) ?? "";
        return values;
    }

    private string? Value(in FlowRecord flow, string iface, string attribute) => attribute switch
    {
        "beyla.ip" => _agentIp,
        "transport" => TransportName(flow.Key.Transport),
        "src.address" or "src.name" => AddressText(flow.Key.SrcIp),
        "dst.address" or "dst.name" => AddressText(flow.Key.DstIp),
        "src.port" => flow.Key.SrcPort.ToString(CultureInfo.InvariantCulture),
        "dst.port" => flow.Key.DstPort.ToString(CultureInfo.InvariantCulture),
        "iface" => iface,
        "direction" => flow.Key.Direction == (byte)FlowDirection.Egress ? "egress" : "ingress",
        "src.cidr" => CidrText(flow.Key.SrcIp),
        "dst.cidr" => CidrText(flow.Key.DstIp),
        _ => null,
    };

    private string AddressText(Address16 address)
    {
        var key = address.ToUInt128();
        if (!_addressText.TryGetValue(key, out var text))
        {
            // Bounded: a scan of many addresses must not grow the cache without end.
            if (_addressText.Count > 65536)
                _addressText.Clear();
            text = address.ToIPAddress().ToString();
            _addressText[key] = text;
        }

        return text;
    }

    private string CidrText(Address16 address)
    {
        if (_cidrs.Length == 0)
            return "";
        var key = address.ToUInt128();
        if (!_cidrText.TryGetValue(key, out var text))
        {
            if (_cidrText.Count > 65536)
                _cidrText.Clear();
            var ip = address.ToIPAddress();
            text = "";
            foreach (var (network, written) in _cidrs)
            {
                if (network.Contains(ip))
                {
                    text = written;
                    break;
                }
            }

            _cidrText[key] = text;
        }

        return text;
    }

    private static string LabelName(string attribute) => attribute.Replace('.', '_');

    private static string[] BuildTransportNames()
    {
        var names = new string[256];
        for (var i = 0; i < names.Length; i++)
            names[i] = i.ToString(CultureInfo.InvariantCulture);
        foreach (var (name, number) in ProtocolNumbers)
            names[number] = name;
        return names;
    }
}
