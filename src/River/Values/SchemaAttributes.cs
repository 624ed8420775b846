namespace River.Values;

// How typed C# classes describe the River schema they decode from (arguments) or encode to (exports).
// A property without one of these attributes is invisible to River.

/// <summary>Marks a property as an attribute <c>name = value</c>. Defaults come from the property initialiser.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class RiverAttribute(string name) : Attribute
{
    /// <summary>The name used in configuration files.</summary>
    public string Name { get; } = name;

    /// <summary>When true, a missing attribute is a <c>missing required attribute</c> diagnostic.</summary>
    public bool Required { get; init; }
}

/// <summary>
/// Marks a property as a block <c>name { … }</c> (a dotted name is allowed). A property of a list type means the block
/// may repeat; a nullable or initialised class property means an optional single block.
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class RiverBlockAttribute(string name) : Attribute
{
    /// <summary>The block name used in configuration files.</summary>
    public string Name { get; } = name;

    /// <summary>When true, a missing block is a <c>missing required block</c> diagnostic.</summary>
    public bool Required { get; init; }
}

/// <summary>Marks a string property that receives the block's label.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class RiverLabelAttribute : Attribute;

/// <summary>
/// Implemented by argument classes (and nested block classes) that check themselves after decoding. Errors name the
/// attribute or block they concern, so that the decoder can point at it with <c>file:line:col</c>.
/// </summary>
public interface IValidatable
{
    /// <summary>Reports every problem found to <paramref name="context"/>.</summary>
    void Validate(ValidationContext context);
}

/// <summary>Where <see cref="IValidatable.Validate"/> reports problems.</summary>
public sealed class ValidationContext
{
    // Made on the first error: nearly every validation reports none.
    private List<(string? Name, string Message)>? _errors;

    /// <summary>The problems reported, each with the attribute or block name it concerns (null: the whole block).</summary>
    public IReadOnlyList<(string? Name, string Message)> Errors => _errors ?? (IReadOnlyList<(string? Name, string Message)>)[];

    /// <summary>Reports a problem with the attribute or block called <paramref name="name"/> (its River name).</summary>
    public void Error(string? name, string message) => (_errors ??= []).Add((name, message));

    /// <summary>Forgets the errors reported, for the next validation (decoders reuse one context per decode).</summary>
    internal void Reset() => _errors?.Clear();
}
