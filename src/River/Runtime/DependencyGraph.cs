namespace River.Runtime;

/// <summary>
/// A directed graph of dependencies: an edge goes from a dependant to the node it depends on (Alloy's direction).
/// Nodes are stored by index, so topological sorting and cycle search are linear and allocation-light even for
/// tens of thousands of nodes. Both algorithms are iterative: a 10 000-long chain must not overflow the stack.
/// </summary>
/// <typeparam name="T">The node type; nodes are compared with the default equality.</typeparam>
public sealed class DependencyGraph<T>
    where T : notnull
{
    private readonly List<T> _nodes = [];
    private readonly Dictionary<T, int> _index = [];
    private readonly List<List<int>> _dependencies = [];
    private readonly List<List<int>> _dependants = [];

    /// <summary>The nodes in insertion order.</summary>
    public IReadOnlyList<T> Nodes => _nodes;

    /// <summary>Adds a node (no-op when present) and returns its index.</summary>
    public int Add(T node)
    {
        if (_index.TryGetValue(node, out var existing))
        {
            return existing;
        }

        var index = _nodes.Count;
        _nodes.Add(node);
        _index.Add(node, index);
        _dependencies.Add([]);
        _dependants.Add([]);
        return index;
    }

    /// <summary>Records that <paramref name="dependant"/> depends on <paramref name="dependency"/> (duplicates ignored).</summary>
    public void AddEdge(T dependant, T dependency)
    {
        var from = Add(dependant);
        var to = Add(dependency);
        if (!_dependencies[from].Contains(to))
        {
            _dependencies[from].Add(to);
            _dependants[to].Add(from);
        }
    }

    /// <summary>The nodes <paramref name="node"/> depends on, in the order the edges were added.</summary>
    public IEnumerable<T> DependenciesOf(T node) => _dependencies[_index[node]].Select(i => _nodes[i]);

    /// <summary>The nodes that depend on <paramref name="node"/>.</summary>
    public IEnumerable<T> DependantsOf(T node) => _dependants[_index[node]].Select(i => _nodes[i]);

    /// <summary>
    /// Every node with its dependencies before it (Kahn's algorithm; ties keep insertion order), or null when the
    /// graph has a cycle.
    /// </summary>
    public IReadOnlyList<T>? TopologicalOrder() =>
        DependencyGraph.TopologicalOrder(EdgeLists()) is { } order ? [.. order.Select(i => _nodes[i])] : null;

    /// <summary>
    /// Every cycle: each strongly connected component of more than one node (members in insertion order), and each
    /// node that depends on itself (a one-element list). Tarjan's algorithm, iterative.
    /// </summary>
    public IReadOnlyList<IReadOnlyList<T>> FindCycles() =>
        [.. DependencyGraph.FindCycles(EdgeLists()).Select(cycle => (IReadOnlyList<T>)[.. cycle.Select(i => _nodes[i])])];

    private IReadOnlyList<int>[] EdgeLists() => [.. _dependencies];
}

/// <summary>
/// The graph algorithms over node indexes: node <c>i</c> depends on the distinct nodes <c>dependencies[i]</c>. The
/// loader calls these directly with one array per component (no node dictionary, no list per node).
/// </summary>
public static class DependencyGraph
{
    /// <summary>
    /// Every node with its dependencies before it (Kahn's algorithm; ties keep insertion order), or null when the
    /// graph has a cycle.
    /// </summary>
    public static int[]? TopologicalOrder(IReadOnlyList<int>[] dependencies)
    {
        ArgumentNullException.ThrowIfNull(dependencies);
        var count = dependencies.Length;
        // The reverse edges in one array: the dependants of node i are dependants[start[i]..start[i + 1]], in
        // increasing order of dependant.
        var remaining = new int[count];
        var start = new int[count + 1];
        for (var i = 0; i < count; i++)
        {
            // Most nodes of a large config have no dependency: no enumerator for them.
            remaining[i] = dependencies[i].Count;
            if (remaining[i] == 0)
            {
                continue;
            }

            foreach (var dependency in dependencies[i])
            {
                start[dependency + 1]++;
            }
        }

        for (var i = 0; i < count; i++)
        {
            start[i + 1] += start[i];
        }

        var dependants = new int[start[count]];
        var filled = start[..count];
        for (var i = 0; i < count; i++)
        {
            if (remaining[i] == 0)
            {
                continue;
            }

            foreach (var dependency in dependencies[i])
            {
                dependants[filled[dependency]++] = i;
            }
        }

        // The order array doubles as the queue of ready nodes: [head, tail) are ready, [0, head) are placed.
        var order = new int[count];
        var tail = 0;
        for (var i = 0; i < count; i++)
        {
            if (remaining[i] == 0)
            {
                order[tail++] = i;
            }
        }

        for (var head = 0; head < tail; head++)
        {
            var i = order[head];
            for (var e = start[i]; e < start[i + 1]; e++)
            {
                if (--remaining[dependants[e]] == 0)
                {
                    order[tail++] = dependants[e];
                }
            }
        }

        return tail == count ? order : null;
    }

    /// <summary>
    /// Every cycle: each strongly connected component of more than one node (members in insertion order), and each
    /// node that depends on itself (a one-element list). Tarjan's algorithm, iterative.
    /// </summary>
    public static IReadOnlyList<int[]> FindCycles(IReadOnlyList<int>[] dependencies)
    {
        ArgumentNullException.ThrowIfNull(dependencies);
        var count = dependencies.Length;
        var index = new int[count];
        var low = new int[count];
        var onStack = new bool[count];
        Array.Fill(index, -1);
        var stack = new Stack<int>();
        var work = new Stack<(int Node, int Edge)>();
        var next = 0;
        var cycles = new List<int[]>();

        for (var root = 0; root < count; root++)
        {
            if (index[root] >= 0)
            {
                continue;
            }

            work.Push((root, 0));
            while (work.Count > 0)
            {
                var (v, edge) = work.Pop();
                if (edge == 0)
                {
                    index[v] = low[v] = next++;
                    stack.Push(v);
                    onStack[v] = true;
                }

                var edges = dependencies[v];
                var descended = false;
                while (edge < edges.Count)
                {
                    var w = edges[edge++];
                    if (index[w] < 0)
                    {
                        // Resume v at the next edge once w is done, then descend into w.
                        work.Push((v, edge));
                        work.Push((w, 0));
                        descended = true;
                        break;
                    }

                    if (onStack[w])
                    {
                        low[v] = Math.Min(low[v], index[w]);
                    }
                }

                if (descended)
                {
                    continue;
                }

                if (low[v] == index[v] && stack.Peek() == v)
                {
                    // A component of one node (nearly every node of a valid graph): no member list.
                    stack.Pop();
                    onStack[v] = false;
                    if (edges.Count > 0 && edges.Contains(v))
                    {
                        cycles.Add([v]);
                    }
                }
                else if (low[v] == index[v])
                {
                    var members = new List<int>();
                    int w;
                    do
                    {
                        w = stack.Pop();
                        onStack[w] = false;
                        members.Add(w);
                    }
                    while (w != v);

                    if (members.Count > 1)
                    {
                        members.Sort();
                        cycles.Add([.. members]);
                    }
                    else if (edges.Contains(v))
                    {
                        cycles.Add([v]);
                    }
                }

                // Propagate the low-link to the parent frame, which sits on top of the work stack.
                if (work.Count > 0)
                {
                    var parent = work.Peek().Node;
                    low[parent] = Math.Min(low[parent], low[v]);
                }
            }
        }

        return cycles;
    }
}
