namespace River.Runtime;

/// <summary>An installed graph: nodes by id, their topological rank, and edges in both directions.</summary>
internal sealed class RuntimeGraph
{
    private readonly Dictionary<ComponentNode, int> _rank;
    private readonly Dictionary<ComponentNode, ComponentNode[]> _dependencies;
    private readonly Dictionary<ComponentNode, List<ComponentNode>> _dependants;

    private RuntimeGraph(
        Dictionary<string, ComponentNode> nodes,
        List<ComponentNode> order,
        Dictionary<ComponentNode, ComponentNode[]> dependencies,
        Dictionary<ComponentNode, List<ComponentNode>> dependants)
    {
        Nodes = nodes;
        Order = order;
        _dependencies = dependencies;
        _dependants = dependants;
        _rank = new Dictionary<ComponentNode, int>(order.Count);
        for (var i = 0; i < order.Count; i++)
        {
            _rank[order[i]] = i;
        }
    }

    public static RuntimeGraph Empty { get; } = new([], [], [], []);

    public Dictionary<string, ComponentNode> Nodes { get; }

    public List<ComponentNode> Order { get; }

    public static RuntimeGraph Create(LoadPlan plan, Dictionary<string, ComponentNode> nodes)
    {
        var order = new List<ComponentNode>(plan.Components.Count);
        var dependencies = new Dictionary<ComponentNode, ComponentNode[]>(plan.Components.Count);
        var dependants = new Dictionary<ComponentNode, List<ComponentNode>>(plan.Components.Count);
        foreach (var declaration in plan.Components)
        {
            var node = nodes[declaration.Id];
            order.Add(node);
            dependants[node] = [];
        }

        foreach (var node in order)
        {
            var deps = plan.Dependencies[node.Id].Select(id => nodes[id]).ToArray();
            dependencies[node] = deps;
            foreach (var dep in deps)
            {
                dependants[dep].Add(node);
            }
        }

        return new RuntimeGraph(nodes, order, dependencies, dependants);
    }

    public bool Contains(ComponentNode node) => _rank.ContainsKey(node);

    public int RankOf(ComponentNode node) => _rank[node];

    public IReadOnlyList<ComponentNode> DependenciesOf(ComponentNode node) =>
        _dependencies.TryGetValue(node, out var deps) ? deps : [];

    public IReadOnlyList<ComponentNode> DependantsOf(ComponentNode node) =>
        _dependants.TryGetValue(node, out var deps) ? deps : [];
}
