using River.Diagnostics;
using River.Eval;
using River.Syntax;

namespace River.Runtime;

/// <summary>A component block that passed the graph checks: its id, registration, block and file.</summary>
public sealed record ComponentDeclaration(string Id, ComponentRegistration Registration, BlockStatement Block, SourceFile Source);

/// <summary>
/// The static result of loading: components in topological order (dependencies first), the edges by id, the
/// optional <c>logging</c> block, and every diagnostic. Nothing is built or evaluated yet.
/// </summary>
public sealed class LoadPlan
{
    /// <summary>The components, dependencies before dependants (declaration order when the graph has errors).</summary>
    public List<ComponentDeclaration> Components { get; } = [];

    /// <summary>For each component id, the ids it references (distinct, in source order).</summary>
    public Dictionary<string, List<string>> Dependencies { get; } = new(StringComparer.Ordinal);

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
        var declared = new Dictionary<string, (BlockStatement Block, SourceFile Source)>(StringComparer.Ordinal);
        var components = new List<ComponentDeclaration>();

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
                var name = block.Name;
                var id = block.Label is null ? name : name + "." + block.Label; // block.Id, which joins the name again
                if (declared.TryGetValue(id, out var first))
                {
                    diagnostics.Error(file.Source, block.NameSpan, $"block {id} already declared at {first.Source.Describe(first.Block.NameSpan.Start)}");
                    continue;
                }

                declared.Add(id, (block, file.Source));
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

                    continue;
                }

                if (name == "tracing")
                {
                    diagnostics.Warning(file.Source, block.NameSpan, "the tracing block is not supported by River and is ignored");
                    continue;
                }

                if (UnsupportedBlocks.Contains(name))
                {
                    diagnostics.Error(file.Source, block.NameSpan, $"the {name} block is not supported by River");
                    continue;
                }

                if (!registry.TryGet(name, out var registration))
                {
                    var suggestion = registry.Suggest(name);
                    diagnostics.Error(
                        file.Source,
                        block.NameSpan,
                        $"cannot find the definition of component name \"{name}\"",
                        suggestion is null ? null : $"did you mean \"{suggestion}\"?");
                    continue;
                }

                if (block.Label is null)
                {
                    diagnostics.Error(file.Source, block.NameSpan, $"component \"{name}\" must have a label");
                    continue;
                }

                if (registration.Stability < stability)
                {
                    diagnostics.Error(
                        file.Source,
                        block.NameSpan,
                        $"component \"{name}\" is at stability level \"{StabilityNames.Name(registration.Stability)}\", which is below the minimum allowed stability level \"{StabilityNames.Name(stability)}\"",
                        $"use --stability.level={StabilityNames.Name(registration.Stability)} to enable it");
                    continue;
                }

                components.Add(new ComponentDeclaration(id, registration, block, file.Source));
            }
        }

        var ids = components.ToDictionary(c => c.Id, StringComparer.Ordinal);
        var graph = new DependencyGraph<string>();
        foreach (var component in components)
        {
            graph.Add(component.Id);
        }

        // Collecting a block's references reads only its own syntax tree: for a large config, on every core.
        var references = new IReadOnlyList<Reference>[components.Count];
        ComponentController.ForEachIndex(0, components.Count, i => references[i] = ReferenceCollector.Collect(components[i].Block.Body));

        var selfReferences = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < components.Count; i++)
        {
            var component = components[i];
            var dependencies = new List<string>();
            foreach (var reference in references[i])
            {
                var target = Resolve(reference, ids);
                if (target is null)
                {
                    if (!evaluator.IsBuiltin(reference.Parts[0]))
                    {
                        diagnostics.Error(component.Source, reference.Span, $"component \"{reference.Dotted}\" does not exist or is out of scope");
                    }

                    continue;
                }

                if (target == component.Id)
                {
                    if (selfReferences.Add(component.Id))
                    {
                        diagnostics.Error(component.Source, reference.Span, $"cannot reference self: {component.Id} refers to its own exports");
                    }

                    continue;
                }

                if (!dependencies.Contains(target))
                {
                    dependencies.Add(target);
                    graph.AddEdge(component.Id, target);
                }
            }

            plan.Dependencies[component.Id] = dependencies;
        }

        foreach (var cycle in graph.FindCycles())
        {
            var members = cycle.Select(id => ids[id]).ToList();
            var described = string.Join(", ", members.Select(m => $"{m.Id} ({m.Source.Describe(m.Block.NameSpan.Start)})"));
            diagnostics.Error(members[0].Source, members[0].Block.NameSpan, $"cycle detected: {described}");
        }

        var order = graph.TopologicalOrder();
        plan.Components.AddRange(order is null ? components : order.Select(id => ids[id]));
        return plan;
    }

    /// <summary>The longest prefix of the reference that is a component id, or null.</summary>
    private static string? Resolve(Reference reference, Dictionary<string, ComponentDeclaration> ids)
    {
        var parts = reference.Parts.AsSpan();
        for (var length = parts.Length; length >= 1; length--)
        {
            var candidate = length == 1 ? parts[0] : string.Join('.', parts[..length]);
            if (ids.ContainsKey(candidate))
            {
                return candidate;
            }
        }

        return null;
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
