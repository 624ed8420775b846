namespace River.Values;

/// <summary>
/// Implemented by a capsule's object to expose members to configurations: <c>capsule.name</c> looks the member up,
/// and a <see cref="FunctionValue"/> member makes <c>capsule.name(args)</c> a method call.
/// </summary>
public interface IRiverCapsuleMembers
{
    /// <summary>The member names (for did-you-mean suggestions).</summary>
    IEnumerable<string> MemberNames { get; }

    /// <summary>Looks a member up.</summary>
    bool TryGetMember(string name, out Value value);
}
