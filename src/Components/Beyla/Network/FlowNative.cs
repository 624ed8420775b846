using System.Net;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace River.Components.Beyla.Network;

/// <summary>Mirror of <c>struct river_flow_key</c> (bpf/net_flows.h): 44 bytes, addresses in network order.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct FlowKey : IEquatable<FlowKey>
{
    /// <summary>Source address: IPv6, or IPv4 mapped into ::ffff:0:0/96.</summary>
    public Address16 SrcIp;

    /// <summary>Destination address, same form.</summary>
    public Address16 DstIp;

    /// <summary>Interface index the packet was seen on.</summary>
    public uint IfIndex;

    /// <summary>EtherType (0x0800 IPv4, 0x86DD IPv6).</summary>
    public ushort EthProtocol;

    /// <summary>Source port (host order), 0 for protocols without ports.</summary>
    public ushort SrcPort;

    /// <summary>Destination port (host order).</summary>
    public ushort DstPort;

    /// <summary>IP protocol number (6 TCP, 17 UDP, …).</summary>
    public byte Transport;

    /// <summary><see cref="FlowDirection"/> as seen by the interface.</summary>
    public byte Direction;

    /// <summary>Size the BPF side uses.</summary>
    public const int Size = 44;

    /// <inheritdoc/>
    public readonly bool Equals(FlowKey other) =>
        MemoryMarshal.AsBytes(new ReadOnlySpan<FlowKey>(in this)).SequenceEqual(MemoryMarshal.AsBytes(new ReadOnlySpan<FlowKey>(in other)));

    /// <inheritdoc/>
    public override readonly bool Equals(object? obj) => obj is FlowKey other && Equals(other);

    /// <inheritdoc/>
    public override readonly int GetHashCode()
    {
        var hash = new HashCode();
        hash.AddBytes(MemoryMarshal.AsBytes(new ReadOnlySpan<FlowKey>(in this)));
        return hash.ToHashCode();
    }

    /// <summary>Equality operator.</summary>
    public static bool operator ==(FlowKey left, FlowKey right) => left.Equals(right);

    /// <summary>Inequality operator.</summary>
    public static bool operator !=(FlowKey left, FlowKey right) => !left.Equals(right);
}

/// <summary>Sixteen address bytes as an inline array.</summary>
[InlineArray(16)]
public struct Address16
{
    private byte _first;

    /// <summary>The address as an <see cref="IPAddress"/>; IPv4-mapped addresses come back as IPv4.</summary>
    public readonly IPAddress ToIPAddress()
    {
        ReadOnlySpan<byte> bytes = this;
        var address = new IPAddress(bytes);
        return address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
    }

    /// <summary>The bytes as a 128-bit number (a cheap dictionary key).</summary>
    public readonly UInt128 ToUInt128()
    {
        ReadOnlySpan<byte> bytes = this;
        return MemoryMarshal.Read<UInt128>(bytes);
    }

    /// <summary>Builds the 16-byte form of <paramref name="address"/> (IPv4 is mapped).</summary>
    public static Address16 From(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        var result = default(Address16);
        var v6 = address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? address.MapToIPv6() : address;
        v6.TryWriteBytes(result, out _);
        return result;
    }
}

/// <summary>Mirror of <c>struct river_flow_stats</c>: one CPU's counters of a flow (32 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
public struct FlowStats
{
    /// <summary>Bytes (whole frames, L2 header included).</summary>
    public ulong Bytes;

    /// <summary>Packets.</summary>
    public ulong Packets;

    /// <summary>First packet, CLOCK_MONOTONIC ns.</summary>
    public ulong StartNs;

    /// <summary>Last packet, CLOCK_MONOTONIC ns.</summary>
    public ulong EndNs;
}

/// <summary>Direction of a packet relative to the interface that saw it.</summary>
public enum FlowDirection : byte
{
    /// <summary>Received.</summary>
    Ingress = 0,

    /// <summary>Sent.</summary>
    Egress = 1,
}

/// <summary>Indexes of the program's per-CPU <c>flow_counters</c>.</summary>
public enum FlowCounter
{
    /// <summary>Packets the program ran on.</summary>
    Seen = 0,

    /// <summary>Packets added to a flow.</summary>
    Counted = 1,

    /// <summary>Frames neither IPv4 nor IPv6.</summary>
    NotIp = 2,

    /// <summary>Packets lost because no flow entry could be made.</summary>
    MapFull = 3,
}

/// <summary>A flow's totals over one eviction period, summed over CPUs and scaled by the sampling rate.</summary>
/// <param name="Key">The flow.</param>
/// <param name="Bytes">Bytes.</param>
/// <param name="Packets">Packets.</param>
/// <param name="StartNs">First packet (monotonic ns).</param>
/// <param name="EndNs">Last packet (monotonic ns).</param>
public readonly record struct FlowRecord(FlowKey Key, ulong Bytes, ulong Packets, ulong StartNs, ulong EndNs);
