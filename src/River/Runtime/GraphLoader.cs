using System.Runtime.InteropServices;
using River.Diagnostics;
using River.Eval;
using River.Syntax;

namespace River.Runtime;

/// <summary>A component block that passed the graph checks: its id, registration, block and file.</summary>
public sealed record ComponentDeclaration(string Id, ComponentRegistration Registration, BlockStatement Block, SourceFile Source)
{
    /// <summary>The ids of the components this one references (distinct, in source order).</summary>
    public IReadOnlyList<string> Dependencies { get; internal set; } = [];

    /// <summary>
    /// The positions in <see cref="LoadPlan.Components"/> of <see cref="Dependencies"/>, in the same order: the
    /// runtime finds a dependency's node or exports by position instead of by id.
    /// </summary>
    internal int[] DependencyPositions { get; set; } = [];
}

/// <summary>
/// The static result of loading: components in topological order (dependencies first), the edges by id, the
/// optional <c>logging</c> block, and every diagnostic. Nothing is built or evaluated yet.
/// </summary>
public sealed class LoadPlan
{
    /// <summary>The components, dependencies before dependants (declaration order when the graph has errors).</summary>
    public List<ComponentDeclaration> Components { get; } = [];

    /// <summary>
    /// For each component id, the ids it references (distinct, in source order): a view of every
    /// <see cref="ComponentDeclaration.Dependencies"/>, made on first use (the runtime reads the declarations').
    /// </summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> Dependencies =>
        _dependencies ??= Components.ToDictionary(c => c.Id, c => c.Dependencies, StringComparer.Ordinal);

    private Dictionary<string, IReadOnlyList<string>>? _dependencies;

    /// <summary>The top-level <c>logging</c> block with its file, when present.</summary>
    public (BlockStatement Block, SourceFile Source)? Logging { get; set; }

    /// <summary>Every problem found.</summary>
    public DiagnosticBag Diagnostics { get; } = new();
}

/// <summary>
/// Turns parsed files into a <see cref="LoadPlan"/>: collects the top-level blocks, checks names, labels, duplicates
/// and stability, resolves every reference to the longest matching component id, and rejects cycles.
/// </summary>
public static class GraphLoader
{
    // Alloy config blocks and module machinery River does not implement: refused with a clear message rather than
    // being mistaken for unknown components.
    private static readonly HashSet<string> UnsupportedBlocks = new(StringComparer.Ordinal)
    {
        "declare", "argument", "export", "foreach", "import.file", "import.string", "import.http", "import.git",
        "remotecfg", "http", "livedebugging",
    };

    /// <summary>Plans a graph from <paramref name="files"/> (already merged in the order given).</summary>
    public static LoadPlan Plan(
        IReadOnlyList<ConfigFile> files,
        ComponentRegistry registry,
        IComponentEvaluator evaluator,
        StabilityLevel stability)
    {
        ArgumentNullException.ThrowIfNull(files);
        ArgumentNullException.ThrowIfNull(registry);
        ArgumentNullException.ThrowIfNull(evaluator);
        var plan = new LoadPlan();
        var diagnostics = plan.Diagnostics;
        var statements = 0;
        foreach (var file in files)
        {
            statements += file.Body.Length;
        }

        // Every declared block by id: a component's index in `components`, or for any other block (logging, an
        // unknown or refused name) the bitwise complement of its index in `others`, for the "already declared" message.
        var declared = new Dictionary<string, int>(statements, StringComparer.Ordinal);
        var components = new List<ComponentDeclaration>(statements);
        var others = new List<(BlockStatement Block, SourceFile Source)>();
        foreach (var file in files)
        {
            foreach (var statement in file.Body)
            {
                if (statement is AttributeStatement attribute)
                {
                    diagnostics.Error(file.Source, attribute.NameSpan, $"unrecognized attribute {attribute.NameText}");
                    continue;
                }

                var block = (BlockStatement)statement;
                // The block stores its dotted name, so the look-up makes no string and no name parts.
                var registered = registry.TryGet(block.Name, out var registration);
                var name = registered ? registration.Name : block.Name;
                var id = block.Label is null ? name : string.Concat(name, ".", block.Label);
                // One hash of the id for both the duplicate test and the insertion; the slot is set below, before
                // any other change to `declared`.
                ref var slot = ref CollectionsMarshal.GetValueRefOrAddDefault(declared, id, out var exists);
                if (exists)
                {
                    var firstIndex = slot;
                    var first = firstIndex >= 0 ? (components[firstIndex].Block, components[firstIndex].Source) : others[~firstIndex];
                    diagnostics.Error(file.Source, block.NameSpan, $"block {id} already declared at {first.Source.Describe(first.Block.NameSpan.Start)}");
                    continue;
                }

                var accepted = false;
                if (name == "logging")
                {
                    if (block.Label is not null)
                    {
                        diagnostics.Error(file.Source, block.LabelSpan, "logging block does not support labels");
                    }
                    else
                    {
                        plan.Logging = (block, file.Source);
                    }
                }
                else if (name == "tracing")
                {
                    diagnostics.Warning(file.Source, block.NameSpan, "the tracing block is not supported by River and is ignored");
                }
                else if (UnsupportedBlocks.Contains(name))
                {
                    diagnostics.Error(file.Source, block.NameSpan, $"the {name} block is not supported by River");
                }
                else if (!registered)
                {
                    var suggestion = registry.Suggest(name);
                    diagnostics.Error(
                        file.Source,
                        block.NameSpan,
                        $"cannot find the definition of component name \"{name}\"",
                        suggestion is null ? null : $"did you mean \"{suggestion}\"?");
                }
                else if (block.Label is null)
                {
                    diagnostics.Error(file.Source, block.NameSpan, $"component \"{name}\" must have a label");
                }
                else if (registration.Stability < stability)
                {
                    diagnostics.Error(
                        file.Source,
                        block.NameSpan,
                        $"component \"{name}\" is at stability level \"{StabilityNames.Name(registration.Stability)}\", which is below the minimum allowed stability level \"{StabilityNames.Name(stability)}\"",
                        $"use --stability.level={StabilityNames.Name(registration.Stability)} to enable it");
                }
                else
                {
                    accepted = true;
                }

                if (accepted)
                {
                    slot = components.Count;
                    components.Add(new ComponentDeclaration(id, registration, block, file.Source));
                }
                else
                {
                    slot = ~others.Count;
                    others.Add((block, file.Source));
                }
            }
        }

        // Collecting a block's references reads only its own syntax tree: for a large config, on every core.
        var count = components.Count;
        var references = new IReadOnlyList<Reference>[count];
        ComponentController.ForEachIndex(0, count, i => references[i] = ReferenceCollector.Collect(components[i].Block));

        // The edges by component index; a component without references (most of a large config) shares one empty array.
        var edges = new IReadOnlyList<int>[count];
        var selfReferences = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < count; i++)
        {
            var component = components[i];
            List<int>? dependencies = null;
            foreach (var reference in references[i])
            {
                var target = Resolve(reference, declared);
                if (target < 0)
                {
                    if (!evaluator.IsBuiltin(reference.Parts[0]))
                    {
                        diagnostics.Error(component.Source, reference.Span, $"component \"{reference.Dotted}\" does not exist or is out of scope");
                    }

                    continue;
                }

                if (target == i)
                {
                    if (selfReferences.Add(component.Id))
                    {
                        diagnostics.Error(component.Source, reference.Span, $"cannot reference self: {component.Id} refers to its own exports");
                    }

                    continue;
                }

                dependencies ??= [];
                if (!dependencies.Contains(target))
                {
                    dependencies.Add(target);
                }
            }

            if (dependencies is null)
            {
                edges[i] = [];
                continue;
            }

            edges[i] = dependencies;
            var ids = new string[dependencies.Count];
            for (var d = 0; d < ids.Length; d++)
            {
                ids[d] = components[dependencies[d]].Id;
            }

            component.Dependencies = ids;
        }

        foreach (var cycle in DependencyGraph.FindCycles(edges))
        {
            var members = cycle.Select(i => components[i]).ToList();
            var described = string.Join(", ", members.Select(m => $"{m.Id} ({m.Source.Describe(m.Block.NameSpan.Start)})"));
            diagnostics.Error(members[0].Source, members[0].Block.NameSpan, $"cycle detected: {described}");
        }

        var order = DependencyGraph.TopologicalOrder(edges);
        var position = order is null ? null : new int[count];
        plan.Components.Capacity = count; // one array, not the doubling copies of 10 000 adds
        for (var p = 0; p < count; p++)
        {
            var i = order is null ? p : order[p];
            plan.Components.Add(components[i]);
            if (position is not null)
            {
                position[i] = p;
            }
        }

        for (var i = 0; i < count; i++)
        {
            if (edges[i].Count > 0)
            {
                var positions = new int[edges[i].Count];
                for (var d = 0; d < positions.Length; d++)
                {
                    positions[d] = position is null ? edges[i][d] : position[edges[i][d]];
                }

                components[i].DependencyPositions = positions;
            }
        }

        return plan;
    }

    /// <summary>The index of the component that is the longest prefix of the reference, or -1.</summary>
    private static int Resolve(Reference reference, Dictionary<string, int> declared)
    {
        var parts = reference.Parts.AsSpan();
        for (var length = parts.Length; length >= 1; length--)
        {
            var candidate = length == 1 ? parts[0] : string.Join('.', parts[..length]);
            if (declared.TryGetValue(candidate, out var index) && index >= 0)
            {
                return index;
            }
        }

        return -1;
    }

}

/// <summary>The flag spellings of <see cref="StabilityLevel"/>.</summary>
public static class StabilityNames
{
    /// <summary><c>experimental</c>, <c>public-preview</c> or <c>generally-available</c>.</summary>
    public static string Name(StabilityLevel level) => level switch
    {
        StabilityLevel.Experimental => "experimental",
        StabilityLevel.PublicPreview => "public-preview",
        _ => "generally-available",
    };

    /// <summary>Parses a flag value; false when unknown.</summary>
    public static bool TryParse(string text, out StabilityLevel level)
    {
        switch (text)
        {
            case "experimental":
                level = StabilityLevel.Experimental;
                return true;
            case "public-preview":
                level = StabilityLevel.PublicPreview;
                return true;
            case "generally-available":
                level = StabilityLevel.GenerallyAvailable;
                return true;
            default:
                level = StabilityLevel.GenerallyAvailable;
                return false;
        }
    }
}
