namespace River.Syntax;

/// <summary>
/// Limits that keep every recursive stage (parser, AST builder, evaluator, printer) far from a stack overflow, which
/// .NET cannot catch. Inputs beyond them get a diagnostic instead of a crash.
/// </summary>
public static class SyntaxLimits
{
    /// <summary>
    /// The deepest nesting of <c>(</c>, <c>[</c> and <c>{</c> (blocks and literals alike) the scanner accepts.
    /// </summary>
    public const int MaxBracketDepth = 1000;

    /// <summary>
    /// The deepest expression tree the builder accepts, counted in nodes from the root to the deepest leaf: a chain
    /// <c>1+1+…</c> of more than this many operators, <c>!!!…x</c>, or a deep mix, is reported as
    /// "expression nesting exceeds the limit of 1000".
    /// </summary>
    public const int MaxExpressionDepth = 1000;

    /// <summary>At most this many errors are reported for one file; a last one says that the rest were dropped.</summary>
    public const int MaxErrors = 1000;
}
