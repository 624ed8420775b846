using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace River.Generators;

/// <summary>
/// Writes, for every class of the compilation with properties marked <c>[River]</c>, <c>[RiverBlock]</c> or
/// <c>[RiverLabel]</c>, the code that reflection would otherwise run for River's decoder and encoder: <c>new T()</c>,
/// typed getters and setters of those properties, and <c>new List&lt;E&gt;(n)</c> / <c>new Dictionary&lt;string, V&gt;()</c>
/// for their collection types. The code is one <c>River.Values.IRiverAccessorSource</c> per assembly, registered by a
/// module initializer; River's schema uses it first and reflection only for what it does not cover
/// (docs/language.md, "Generated accessors").
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class RiverAccessorGenerator : IIncrementalGenerator
{
    private static readonly string[] MarkerAttributes =
    [
        "River.Values.RiverAttribute",
        "River.Values.RiverBlockAttribute",
        "River.Values.RiverLabelAttribute",
    ];

    /// <inheritdoc/>
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        var found = MarkerAttributes
            .Select(name => context.SyntaxProvider.ForAttributeWithMetadataName(
                name,
                static (node, _) => node is PropertyDeclarationSyntax,
                static (ctx, _) => PropertyModel.From((IPropertySymbol)ctx.TargetSymbol)))
            .Select(provider => provider.Collect())
            .ToArray();
        var all = found[0].Combine(found[1]).Combine(found[2])
            .Select(static (x, _) => new EquatableList<PropertyModel>([.. x.Left.Left, .. x.Left.Right, .. x.Right]));
        var assembly = context.CompilationProvider.Select(static (c, _) => c.AssemblyName ?? "Assembly");
        context.RegisterSourceOutput(all.Combine(assembly), static (output, input) =>
        {
            if (input.Left.Items.Length > 0)
            {
                output.AddSource("RiverAccessors.g.cs", AccessorWriter.Write(input.Right, input.Left.Items));
            }
        });
    }
}

/// <summary>What the generated code needs to know of one marked property (strings only: cached between builds).</summary>
internal sealed record PropertyModel(
    string TypeName,
    bool TypeNameable,
    bool Creatable,
    string Name,
    bool HasGetter,
    bool HasSetter,
    bool InitOnly,
    string PropertyType,
    string PatternType,
    string Collections)
{
    private static readonly SymbolDisplayFormat Format = SymbolDisplayFormat.FullyQualifiedFormat;

    public static PropertyModel From(IPropertySymbol property)
    {
        var type = property.ContainingType;
        // Structs are left to reflection: a setter through a cast would write to a copy of the boxed value.
        var nameable = !property.IsStatic && type.TypeKind == TypeKind.Class && !type.IsGenericType
            && IsNameable(type) && IsNameable(property.Type);
        var creatable = nameable && !type.IsAbstract && !type.IsStatic
            && type.InstanceConstructors.Any(c => c.Parameters.Length == 0 && c.DeclaredAccessibility == Accessibility.Public)
            && !HasRequiredMembers(type);
        var propertyType = property.Type;
        var pattern = propertyType is INamedTypeSymbol { OriginalDefinition.SpecialType: SpecialType.System_Nullable_T } nullable
            ? nullable.TypeArguments[0]
            : propertyType;
        var collections = new SortedSet<string>(StringComparer.Ordinal);
        if (nameable)
        {
            AddCollections(propertyType, collections, 0);
        }

        return new PropertyModel(
            type.ToDisplayString(Format),
            nameable,
            creatable,
            property.Name,
            property.GetMethod is { DeclaredAccessibility: Accessibility.Public },
            property.SetMethod is { DeclaredAccessibility: Accessibility.Public } && property.GetMethod is not null,
            property.SetMethod is { IsInitOnly: true },
            propertyType.ToDisplayString(Format),
            pattern.ToDisplayString(Format),
            string.Join("\n", collections));
    }

    // Whether code in the same assembly can name the type: no private or protected type on the way, no type parameter.
    private static bool IsNameable(ITypeSymbol type) => type switch
    {
        IArrayTypeSymbol array => IsNameable(array.ElementType),
        INamedTypeSymbol named => IsAccessible(named) && named.TypeArguments.All(IsNameable),
        _ => false,
    };

    private static bool IsAccessible(INamedTypeSymbol type)
    {
        for (var t = type; t is not null; t = t.ContainingType)
        {
            if (t.DeclaredAccessibility is not (Accessibility.Public or Accessibility.Internal or Accessibility.ProtectedOrInternal))
            {
                return false;
            }
        }

        return true;
    }

    private static bool HasRequiredMembers(INamedTypeSymbol type)
    {
        for (var t = type; t is not null; t = t.BaseType)
        {
            if (t.GetMembers().Any(m => m is IPropertySymbol { IsRequired: true } or IFieldSymbol { IsRequired: true }))
            {
                return true;
            }
        }

        return false;
    }

    // The collections River's converter makes for a value of this type, as "L|element" (a List<element>) and
    // "D|value" (a Dictionary<string, value>), recursively; the shapes are those of RiverSchema.ListElementType and
    // DictionaryValueType.
    private static void AddCollections(ITypeSymbol type, SortedSet<string> into, int depth)
    {
        if (depth > 8)
        {
            return;
        }

        ITypeSymbol? element = null;
        ITypeSymbol? value = null;
        if (type is IArrayTypeSymbol { Rank: 1 } array)
        {
            element = array.ElementType;
        }
        else if (type is INamedTypeSymbol { IsGenericType: true } named)
        {
            var definition = named.OriginalDefinition.ToDisplayString(Format);
            switch (definition)
            {
                case "global::System.Collections.Generic.List<T>":
                case "global::System.Collections.Generic.IReadOnlyList<T>":
                case "global::System.Collections.Generic.IList<T>":
                case "global::System.Collections.Generic.IEnumerable<T>":
                case "global::System.Collections.Generic.ICollection<T>":
                case "global::System.Collections.Generic.IReadOnlyCollection<T>":
                    element = named.TypeArguments[0];
                    break;
                case "global::System.Collections.Generic.Dictionary<TKey, TValue>":
                case "global::System.Collections.Generic.IDictionary<TKey, TValue>":
                case "global::System.Collections.Generic.IReadOnlyDictionary<TKey, TValue>":
                    if (named.TypeArguments[0].SpecialType == SpecialType.System_String)
                    {
                        value = named.TypeArguments[1];
                    }

                    break;
            }
        }

        if (element is not null && IsNameable(element))
        {
            into.Add("L|" + element.ToDisplayString(Format));
            AddCollections(element, into, depth + 1);
        }

        if (value is not null && IsNameable(value))
        {
            into.Add("D|" + value.ToDisplayString(Format));
            AddCollections(value, into, depth + 1);
        }
    }
}

/// <summary>An immutable list compared by its items (the generator's cache compares its inputs).</summary>
internal readonly struct EquatableList<T>(T[] items) : IEquatable<EquatableList<T>>
    where T : IEquatable<T>
{
    public T[] Items { get; } = items;

    public bool Equals(EquatableList<T> other) => Items.AsSpan().SequenceEqual(other.Items);

    public override bool Equals(object? obj) => obj is EquatableList<T> other && Equals(other);

    public override int GetHashCode()
    {
        var hash = 17;
        foreach (var item in Items)
        {
            hash = (hash * 31) + item.GetHashCode();
        }

        return hash;
    }
}

/// <summary>Writes the source of one assembly's accessor source.</summary>
internal static class AccessorWriter
{
    public static string Write(string assemblyName, IEnumerable<PropertyModel> properties)
    {
        var usable = properties.Where(p => p.TypeNameable).ToList();
        var types = usable.Select(p => p.TypeName).Distinct().OrderBy(t => t, StringComparer.Ordinal).ToList();
        var creatable = usable.Where(p => p.Creatable).Select(p => p.TypeName).Distinct().OrderBy(t => t, StringComparer.Ordinal).ToList();
        var collections = new SortedSet<string>(
            usable.SelectMany(p => p.Collections.Split(['\n'], StringSplitOptions.RemoveEmptyEntries)), StringComparer.Ordinal);
        var className = "RiverAccessors_" + new string(assemblyName.Select(c => char.IsLetterOrDigit(c) ? c : '_').ToArray());

        var s = new StringBuilder();
        s.AppendLine("// <auto-generated> by River.Generators.RiverAccessorGenerator: typed accessors for River's decoder. </auto-generated>");
        s.AppendLine("#nullable disable");
        s.AppendLine("namespace River.Generated");
        s.AppendLine("{");
        s.AppendLine($"    internal sealed class {className} : global::River.Values.IRiverAccessorSource");
        s.AppendLine("    {");
        s.AppendLine("        [global::System.Runtime.CompilerServices.ModuleInitializer]");
        s.AppendLine($"        internal static void Register() => global::River.Values.RiverAccessors.Register(new {className}());");
        s.AppendLine();

        s.AppendLine("        public global::System.Func<object> Constructor(global::System.Type type)");
        s.AppendLine("        {");
        foreach (var type in creatable)
        {
            s.AppendLine($"            if (type == typeof({type})) return static () => new {type}();");
        }

        foreach (var entry in collections.Where(c => c.StartsWith("D|", StringComparison.Ordinal)))
        {
            var dictionary = $"global::System.Collections.Generic.Dictionary<string, {entry.Substring(2)}>";
            s.AppendLine($"            if (type == typeof({dictionary})) return static () => new {dictionary}();");
        }

        s.AppendLine("            return null;");
        s.AppendLine("        }");
        s.AppendLine();

        s.AppendLine("        public global::System.Func<int, global::System.Collections.IList> ListConstructor(global::System.Type listType)");
        s.AppendLine("        {");
        foreach (var entry in collections.Where(c => c.StartsWith("L|", StringComparison.Ordinal)))
        {
            var list = $"global::System.Collections.Generic.List<{entry.Substring(2)}>";
            s.AppendLine($"            if (listType == typeof({list})) return static capacity => new {list}(capacity);");
        }

        s.AppendLine("            return null;");
        s.AppendLine("        }");
        s.AppendLine();

        WriteLookup(s, "global::System.Func<object, object> Getter", types, usable.Where(p => p.HasGetter), static p =>
            $"static target => (({p.TypeName})target).{p.Name}");
        s.AppendLine();
        // A value of another type is refused (false) without writing, so that the caller reports it as reflection would.
        // An init-only setter (which C# lets only an object initializer call) is called as reflection calls it, through
        // an UnsafeAccessor: a method the runtime binds to the accessor by name, without reflection.
        var setters = usable.Where(p => p.HasSetter).GroupBy(p => (p.TypeName, p.Name)).Select(g => g.First()).ToList();
        var initSetters = setters.Where(p => p.InitOnly).Select((p, i) => (p, $"InitSetter{i}")).ToDictionary(x => x.p, x => x.Item2);
        WriteLookup(s, "global::System.Func<object, object, bool> Setter", types, setters, p =>
        {
            var assign = (string value) => initSetters.TryGetValue(p, out var init)
                ? $"{init}(({p.TypeName})target, {value});"
                : $"(({p.TypeName})target).{p.Name} = {value};";
            return $"static (target, value) => {{ if (value is {p.PatternType} typed) {{ {assign("typed")} return true; }} " +
                $"if (value is null) {{ {assign("default")} return true; }} return false; }}";
        });
        foreach (var entry in initSetters.OrderBy(x => x.Value, StringComparer.Ordinal))
        {
            var (p, name) = (entry.Key, entry.Value);
            s.AppendLine();
            s.AppendLine($"        [global::System.Runtime.CompilerServices.UnsafeAccessor(global::System.Runtime.CompilerServices.UnsafeAccessorKind.Method, Name = \"set_{p.Name}\")]");
            s.AppendLine($"        private static extern void {name}({p.TypeName} target, {p.PropertyType} value);");
        }

        s.AppendLine("    }");
        s.AppendLine("}");
        return s.ToString();
    }

    private static void WriteLookup(StringBuilder s, string signature, List<string> types, IEnumerable<PropertyModel> properties, Func<PropertyModel, string> body)
    {
        var byType = properties.GroupBy(p => p.TypeName).ToDictionary(g => g.Key, g => g.GroupBy(p => p.Name).Select(n => n.First()).ToList());
        s.AppendLine($"        public {signature}(global::System.Type declaringType, string property)");
        s.AppendLine("        {");
        foreach (var type in types)
        {
            if (!byType.TryGetValue(type, out var members))
            {
                continue;
            }

            s.AppendLine($"            if (declaringType == typeof({type}))");
            s.AppendLine("            {");
            s.AppendLine("                switch (property)");
            s.AppendLine("                {");
            foreach (var p in members.OrderBy(m => m.Name, StringComparer.Ordinal))
            {
                s.AppendLine($"                    case \"{p.Name}\": return {body(p)};");
            }

            s.AppendLine("                }");
            s.AppendLine();
            s.AppendLine("                return null;");
            s.AppendLine("            }");
            s.AppendLine();
        }

        s.AppendLine("            return null;");
        s.AppendLine("        }");
    }
}
