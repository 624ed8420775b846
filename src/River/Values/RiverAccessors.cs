using System.Collections;
using System.Reflection;

namespace River.Values;

/// <summary>
/// Typed code for an assembly's argument and export classes, written at compile time by River.Generators
/// (<c>RiverAccessorGenerator</c>): what the decoder and encoder would otherwise do through reflection. Every method
/// returns null for what it does not cover. Not meant to be implemented by hand.
/// </summary>
public interface IRiverAccessorSource
{
    /// <summary><c>new T()</c> for a class with River properties or a <c>Dictionary&lt;string, V&gt;</c> they use.</summary>
    Func<object>? Constructor(Type type);

    /// <summary><c>new List&lt;E&gt;(capacity)</c> for <paramref name="listType"/> = <c>List&lt;E&gt;</c>.</summary>
    Func<int, IList>? ListConstructor(Type listType);

    /// <summary>Reads the public property <paramref name="property"/> declared by <paramref name="declaringType"/>.</summary>
    Func<object, object?>? Getter(Type declaringType, string property);

    /// <summary>
    /// Writes the property; null writes the type's default, and a value of another type is refused (false, nothing
    /// written) so that the caller can report it as reflection does.
    /// </summary>
    Func<object, object?, bool>? Setter(Type declaringType, string property);
}

/// <summary>
/// The generated <see cref="IRiverAccessorSource"/> of every loaded assembly (each registers itself from its module
/// initializer). Reflection stays the fallback for anything none covers: a class from an assembly built without the
/// generator, a private nested class, an init-only or non-public setter, a struct.
/// </summary>
public static class RiverAccessors
{
    private static readonly Lock Gate = new();
    private static IRiverAccessorSource[] _sources = [];

    /// <summary>Adds an assembly's generated source (called by the generated module initializer).</summary>
    public static void Register(IRiverAccessorSource source)
    {
        ArgumentNullException.ThrowIfNull(source);
        lock (Gate)
        {
            _sources = [.. _sources, source];
        }
    }

    /// <summary>The generated constructor of <paramref name="type"/>, or null.</summary>
    internal static Func<object>? Constructor(Type type)
    {
        foreach (var source in Volatile.Read(ref _sources))
        {
            if (source.Constructor(type) is { } constructor)
            {
                return constructor;
            }
        }

        return null;
    }

    /// <summary>The generated <c>new List&lt;E&gt;(capacity)</c> for <paramref name="listType"/>, or null.</summary>
    internal static Func<int, IList>? ListConstructor(Type listType)
    {
        foreach (var source in Volatile.Read(ref _sources))
        {
            if (source.ListConstructor(listType) is { } constructor)
            {
                return constructor;
            }
        }

        return null;
    }

    /// <summary>The generated getter of <paramref name="property"/>, or null.</summary>
    internal static Func<object, object?>? Getter(PropertyInfo property)
    {
        if (property.DeclaringType is not { } declaring)
        {
            return null;
        }

        foreach (var source in Volatile.Read(ref _sources))
        {
            if (source.Getter(declaring, property.Name) is { } getter)
            {
                return getter;
            }
        }

        return null;
    }

    /// <summary>The generated setter of <paramref name="property"/>, or null.</summary>
    internal static Func<object, object?, bool>? Setter(PropertyInfo property)
    {
        if (property.DeclaringType is not { } declaring)
        {
            return null;
        }

        foreach (var source in Volatile.Read(ref _sources))
        {
            if (source.Setter(declaring, property.Name) is { } setter)
            {
                return setter;
            }
        }

        return null;
    }
}
