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
    private static readonly Scope EmptyScope = new() { AllowExperimental = false };
    private static readonly Scope EmptyExperimentalScope = new() { AllowExperimental = true };

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
        var experimental = stability == StabilityLevel.Experimental;
        Scope evaluationScope;
        if (scope.Count == 0)
        {
            // Most components reference nothing: one empty scope per stability setting serves them all (the decoder
            // only reads a scope, and this one is never handed to anything else).
            evaluationScope = experimental ? EmptyExperimentalScope : EmptyScope;
        }
        else
        {
            evaluationScope = new Scope { AllowExperimental = experimental };
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
