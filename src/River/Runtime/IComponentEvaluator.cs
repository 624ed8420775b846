using River.Diagnostics;
using River.Syntax;
using River.Values;

namespace River.Runtime;

/// <summary>
/// What the runtime needs from the language: decoding a block body into a typed argument object within a scope,
/// encoding exports into values, and rendering bodies as Alloy's JSON. The runtime knows nothing else of evaluation,
/// so it depends on the evaluator through this seam only.
/// </summary>
public interface IComponentEvaluator
{
    /// <summary>
    /// True when a top-level identifier is provided by the language itself (a standard library function or
    /// namespace such as <c>sys</c> or <c>string</c>); such traversals are not component references.
    /// </summary>
    bool IsBuiltin(string identifier);

    /// <summary>
    /// Decodes <paramref name="block"/>'s body into a new instance of <paramref name="argumentsType"/>, resolving
    /// identifiers first in <paramref name="scope"/> (top-level name → value), then in the standard library.
    /// Returns null and reports to <paramref name="diagnostics"/> on any error (missing required attribute,
    /// type error, failed <c>Validate</c>, a function above <paramref name="stability"/>, …).
    /// </summary>
    object? DecodeArguments(
        BlockStatement block,
        SourceFile source,
        Type argumentsType,
        IReadOnlyDictionary<string, Value> scope,
        StabilityLevel stability,
        DiagnosticBag diagnostics);

    /// <summary>Turns an exports (or debug info) object into a value; null gives an empty object.</summary>
    Value Encode(object? exports);
}
