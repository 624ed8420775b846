using Antlr4.Runtime;

namespace River.Syntax.Generated;

/// <summary>
/// The factory methods the generated fast rules call for their context objects (scripts/gen-grammar turns the
/// generator's <c>new FastBodyContext(Context, State)</c> and <c>new FastExprContext(Context, State)</c> into these).
/// The plain parser makes a new object per rule invocation, as ANTLR does; <see cref="AstBuildingParser"/>, which
/// builds no parse tree, reuses one object per rule and nesting depth.
/// </summary>
internal partial class RiverParser
{
    /// <summary>The context of a <c>fastBody</c> invocation.</summary>
    protected virtual FastBodyContext NewFastBodyContext(ParserRuleContext parent, int invokingState) => new(parent, invokingState);

    /// <summary>The context of a <c>fastExpr</c> invocation.</summary>
    protected virtual FastExprContext NewFastExprContext(ParserRuleContext parent, int invokingState) => new(parent, invokingState);
}
