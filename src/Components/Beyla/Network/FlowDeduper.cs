namespace River.Components.Beyla.Network;

/// <summary>
/// Beyla's <c>first_come</c> deduplication: a packet crossing several interfaces (loopback egress then ingress, a
/// veth then a bridge) is counted by every attachment, so a flow — the addresses, ports and protocol, without the
/// interface and direction — is reported only from the first (interface, direction) that reported it. That owner
/// is forgotten when it has not reported the flow for <see cref="Ttl"/> (Beyla: twice the eviction period).
/// </summary>
public sealed class FlowDeduper
{
    private readonly Dictionary<FlowKey, Owner> _owners = [];

    /// <summary>Creates a deduper whose owners expire after <paramref name="ttl"/> of silence.</summary>
    public FlowDeduper(TimeSpan ttl)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(ttl, TimeSpan.Zero);
        Ttl = ttl;
    }

    /// <summary>How long an owner is kept without reports.</summary>
    public TimeSpan Ttl { get; }

    /// <summary>Flows with a remembered owner.</summary>
    public int Count => _owners.Count;

    /// <summary>True when <paramref name="key"/> comes from its flow's owner (becoming the owner if there is none).</summary>
    public bool Accept(in FlowKey key, DateTime now)
    {
        var flow = key;
        flow.IfIndex = 0;
        flow.Direction = 0;
        if (_owners.TryGetValue(flow, out var owner) && now - owner.LastSeen <= Ttl)
        {
            if (owner.IfIndex != key.IfIndex || owner.Direction != key.Direction)
                return false;
        }

        _owners[flow] = new Owner(key.IfIndex, key.Direction, now);
        return true;
    }

    /// <summary>Forgets owners silent for longer than <see cref="Ttl"/>.</summary>
    public void Expire(DateTime now)
    {
        List<FlowKey>? stale = null;
        foreach (var (flow, owner) in _owners)
        {
            if (now - owner.LastSeen > Ttl)
                (stale ??= []).Add(flow);
        }

        if (stale is null)
            return;
        foreach (var flow in stale)
            _owners.Remove(flow);
    }

    private readonly record struct Owner(uint IfIndex, byte Direction, DateTime LastSeen);
}
