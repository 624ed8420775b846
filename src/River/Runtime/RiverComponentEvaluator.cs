using River.Diagnostics;
using River.Eval;
using River.Syntax;
using River.Values;

namespace River.Runtime;

/// <summary>
/// The <see cref="IComponentEvaluator"/> backed by River's own language: <see cref="BodyDecoder"/> for arguments,
/// <see cref="ValueEncoder"/> for exports, <see cref="Stdlib"/> for built-in names.
/// </summary>
public sealed class RiverComponentEvaluator : IComponentEvaluator
{
    /// <summary>The shared instance (the evaluator keeps no state).</summary>
    public static RiverComponentEvaluator Instance { get; } = new();

    /// <inheritdoc/>
    public bool IsBuiltin(string identifier) => Stdlib.Contains(identifier);

    /// <inheritdoc/>
    public object? DecodeArguments(
        BlockStatement block,
        SourceFile source,
        Type argumentsType,
        IReadOnlyDictionary<string, Value> scope,
        StabilityLevel stability,
        DiagnosticBag diagnostics)
    {
        ArgumentNullException.ThrowIfNull(scope);
        var evaluationScope = new Scope { AllowExperimental = stability == StabilityLevel.Experimental };
        if (scope.Count > 0)
        {
            foreach (var (name, value) in scope)
            {
                evaluationScope.Set(name, value);
            }
        }

        try
        {
            return BodyDecoder.Decode(argumentsType, block, evaluationScope, source, diagnostics);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // The decoder reports problems as diagnostics; an exception is a bug in it (or in a Validate method).
            // It must not take the runtime down: the block fails to evaluate, with the reason.
            diagnostics.Error(source, block.NameSpan, $"Failed to build component: decoding configuration: internal error: {ex.Message}");
            return null;
        }
    }

    /// <inheritdoc/>
    public Value Encode(object? exports) => exports is null ? ObjectValue.Empty : ValueEncoder.Encode(exports);
}
