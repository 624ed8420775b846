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
    public IReadOnlyList<T>? TopologicalOrder()
    {
        var count = _nodes.Count;
        var remaining = new int[count];
        var ready = new Queue<int>();
        for (var i = 0; i < count; i++)
        {
            remaining[i] = _dependencies[i].Count;
            if (remaining[i] == 0)
            {
                ready.Enqueue(i);
            }
        }

        var order = new List<T>(count);
        while (ready.Count > 0)
        {
            var i = ready.Dequeue();
            order.Add(_nodes[i]);
            foreach (var dependant in _dependants[i])
            {
                if (--remaining[dependant] == 0)
                {
                    ready.Enqueue(dependant);
                }
            }
        }

        return order.Count == count ? order : null;
    }

    /// <summary>
    /// Every cycle: each strongly connected component of more than one node (members in insertion order), and each
    /// node that depends on itself (a one-element list). Tarjan's algorithm, iterative.
    /// </summary>
    public IReadOnlyList<IReadOnlyList<T>> FindCycles()
    {
        var count = _nodes.Count;
        var index = new int[count];
        var low = new int[count];
        var onStack = new bool[count];
        Array.Fill(index, -1);
        var stack = new Stack<int>();
        var work = new Stack<(int Node, int Edge)>();
        var next = 0;
        var cycles = new List<IReadOnlyList<T>>();

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

                var edges = _dependencies[v];
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
                    if (_dependencies[v].Contains(v))
                    {
                        cycles.Add([_nodes[v]]);
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
                        cycles.Add(members.Select(m => _nodes[m]).ToList());
                    }
                    else if (_dependencies[v].Contains(v))
                    {
                        cycles.Add([_nodes[v]]);
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
