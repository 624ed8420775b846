namespace River.Runtime;

/// <summary>An installed graph: nodes by id, their topological rank, and edges in both directions (by rank).</summary>
internal sealed class RuntimeGraph
{
    private readonly Dictionary<ComponentNode, int> _rank;
    private readonly ComponentNode[][] _dependencies;
    private readonly List<ComponentNode>?[] _dependants;

    private RuntimeGraph(
        Dictionary<string, ComponentNode> nodes,
        List<ComponentNode> order,
        Dictionary<ComponentNode, int> rank,
        ComponentNode[][] dependencies,
        List<ComponentNode>?[] dependants)
    {
        Nodes = nodes;
        Order = order;
        _rank = rank;
        _dependencies = dependencies;
        _dependants = dependants;
    }

    public static RuntimeGraph Empty { get; } = new([], [], [], [], []);

    public Dictionary<string, ComponentNode> Nodes { get; }

    public List<ComponentNode> Order { get; }

    /// <summary>The graph of a plan whose components were staged as <paramref name="staged"/> (same positions).</summary>
    public static RuntimeGraph Create(LoadPlan plan, ComponentNode[] staged, Dictionary<string, ComponentNode> nodes)
    {
        var count = staged.Length;
        var order = new List<ComponentNode>(staged);
        var rank = new Dictionary<ComponentNode, int>(count);
        for (var i = 0; i < count; i++)
        {
            rank.Add(staged[i], i);
        }

        var dependencies = new ComponentNode[count][];
        var dependants = new List<ComponentNode>?[count]; // null: none (most nodes of a wide graph)
        for (var i = 0; i < count; i++)
        {
            var positions = plan.Components[i].DependencyPositions;
            var deps = positions.Length == 0 ? [] : new ComponentNode[positions.Length];
            for (var d = 0; d < deps.Length; d++)
            {
                deps[d] = staged[positions[d]];
                (dependants[positions[d]] ??= []).Add(staged[i]);
            }

            dependencies[i] = deps;
        }

        return new RuntimeGraph(nodes, order, rank, dependencies, dependants);
    }

    public bool Contains(ComponentNode node) => _rank.ContainsKey(node);

    public int RankOf(ComponentNode node) => _rank[node];

    public IReadOnlyList<ComponentNode> DependenciesOf(ComponentNode node) =>
        _rank.TryGetValue(node, out var rank) ? _dependencies[rank] : [];

    public IReadOnlyList<ComponentNode> DependantsOf(ComponentNode node) =>
        _rank.TryGetValue(node, out var rank) && _dependants[rank] is { } dependants ? dependants : [];
}
