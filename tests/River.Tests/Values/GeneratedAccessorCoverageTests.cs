using System.Reflection;
using River.Components;
using River.Runtime;
using River.Values;
using Xunit;

namespace River.Tests.Values;

/// <summary>
/// Every class the shipped components decode into or encode from has the code River.Generators writes, so that
/// neither `river validate` nor `river run` falls back to reflection for them (slow in the native CLI). A new
/// component whose classes the generator cannot reach (a private nested class, an init-only argument) fails here.
/// </summary>
public sealed class GeneratedAccessorCoverageTests
{
    [Fact]
    public void EveryShippedSchemaClassHasGeneratedAccessors()
    {
        var missing = new List<string>();
        var seen = new HashSet<Type>();
        foreach (var registration in ComponentCatalog.All)
        {
            Check(registration.ArgumentsType, decoded: true, seen, missing);
            if (registration.ExportsType is { } exports)
            {
                Check(exports, decoded: false, seen, missing);
            }
        }

        Check(typeof(LoggingArguments), decoded: true, seen, missing);
        Assert.True(seen.Count > 50, $"only {seen.Count} schema classes found");
        Assert.True(missing.Count == 0, "reflection fallbacks:\n" + string.Join("\n", missing));
    }

    // Checks a schema class and, through its fields, every schema class and collection it reaches. Decoded classes
    // (arguments and their blocks) need a constructor and setters; every class needs getters (the encoder and the UI).
    private static void Check(Type type, bool decoded, HashSet<Type> seen, List<string> missing)
    {
        if (RiverSchema.For(type) is not { } schema || !seen.Add(type))
        {
            return;
        }

        if (decoded && type.GetConstructor(Type.EmptyTypes) is not null && RiverAccessors.Constructor(type) is null)
        {
            missing.Add($"{type}: constructor");
        }

        if (decoded && schema.Label is { } label && RiverAccessors.Setter(label) is null)
        {
            missing.Add($"{type}.{label.Name}: label setter");
        }

        foreach (var field in schema.Fields)
        {
            var property = field.Property;
            if (property.GetMethod is { IsPublic: true } && RiverAccessors.Getter(property) is null)
            {
                missing.Add($"{type}.{property.Name}: getter");
            }

            if (decoded && RiverAccessors.Setter(property) is null)
            {
                missing.Add($"{type}.{property.Name}: setter");
            }

            if (decoded)
            {
                CheckCollections(type, property.PropertyType, missing);
            }

            var element = RiverSchema.ListElementType(property.PropertyType) ?? RiverSchema.DictionaryValueType(property.PropertyType);
            Check(field.IsBlock ? field.ElementType : element ?? property.PropertyType, decoded, seen, missing);
        }
    }

    // The lists and dictionaries the converter makes for a value of this type.
    private static void CheckCollections(Type owner, Type type, List<string> missing)
    {
        if (RiverSchema.ListElementType(type) is { } element)
        {
            if (RiverAccessors.ListConstructor(typeof(List<>).MakeGenericType(element)) is null)
            {
                missing.Add($"{owner}: List<{element}>");
            }

            CheckCollections(owner, element, missing);
        }
        else if (RiverSchema.DictionaryValueType(type) is { } value)
        {
            if (RiverAccessors.Constructor(typeof(Dictionary<,>).MakeGenericType(typeof(string), value)) is null)
            {
                missing.Add($"{owner}: Dictionary<string, {value}>");
            }

            CheckCollections(owner, value, missing);
        }
    }
}
